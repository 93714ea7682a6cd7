/* User-facing text in Spanish and English. */
#ifndef HILO_I18N_H
#define HILO_I18N_H

#include <stddef.h>

/* "es" for any Spanish BCP 47 tag (es, es-MX, ES_es...), else "en". */
const char *hilo_i18n_lang(const char *locale);
/* The acknowledgement text for a new ticket. */
void hilo_i18n_ack(const char *lang, const char *ref, int eta_minutes, char *out, size_t n);

#endif
