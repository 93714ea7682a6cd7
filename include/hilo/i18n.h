/* User-facing text in Spanish and English. */
#ifndef HILO_I18N_H
#define HILO_I18N_H

#include <stddef.h>

/* "es" for any Spanish BCP 47 tag (es, es-MX, ES_es...), else "en". */
const char *hilo_i18n_lang(const char *locale);
/* "es" when a text looks Spanish (accents, ¿¡, common words), else fallback. */
const char *hilo_i18n_guess(const char *text, const char *fallback);
/* Human text of a ticket status, for speech. */
const char *hilo_i18n_status(const char *lang, const char *status);
/* What the phone says to a known caller, to an unknown one, and after a
 * voicemail. */
void hilo_i18n_voice_known(const char *lang, const char *ref, const char *status, char *out, size_t n);
void hilo_i18n_voice_new(const char *lang, const char *ref, int eta, char *out, size_t n);
const char *hilo_i18n_voice_ask_ref(const char *lang, int again);
const char *hilo_i18n_voice_thanks(const char *lang);
/* Short texts of call events. */
const char *hilo_i18n_call(const char *lang, const char *what);
/* The channels a customer can write on again, for the acknowledgement. */
enum {
    HILO_I18N_WHATSAPP = 1u << 0,
    HILO_I18N_SMS = 1u << 1,
    HILO_I18N_PHONE = 1u << 2,
    HILO_I18N_EMAIL = 1u << 3,
};
/* The acknowledgement text for a new ticket; it names only the channels in
 * the mask (those Hilo receives on), never one that is not set up. */
void hilo_i18n_ack(const char *lang, const char *ref, int eta_minutes, unsigned channels,
                   char *out, size_t n);

/* ---- held joins (src/domain/i18n_holds.c, docs/continuity.md) ---------------
 * what: "held", "held_voice", "code_bad", "code_dead", "rejected", "rate"
 * ("" for another). */
const char *hilo_i18n_hold(const char *lang, const char *what);
/* "You're connected to case <ref>." */
void hilo_i18n_hold_connected(const char *lang, const char *ref, char *out, size_t n);
/* To the customer's proven channel: someone on channel <masked> asks to
 * join case ref; the code, if it was them. */
void hilo_i18n_hold_code(const char *lang, const char *ref, const char *channel,
                         const char *masked, const char *code, char *out, size_t n);
/* The acknowledgement when the team is closed: "we're closed now; we'll
 * answer Monday from 9:00" (days_ahead 0: today, 1: tomorrow, else the
 * weekday of open_local). */
struct tm;
void hilo_i18n_ack_closed(const char *lang, const char *ref, unsigned channels,
                          const struct tm *open_local, int days_ahead, char *out, size_t n);
/* The widget's status line (docs/widget.md): open, "We usually reply
 * within about <eta> minutes."; closed, the acknowledgement's "We're closed
 * now; we'll answer Monday from 9:00." (open_local NULL: no opening known,
 * "We're closed now."). */
void hilo_i18n_hours(const char *lang, int open, int eta, const struct tm *open_local,
                     int days_ahead, char *out, size_t n);

/* The language a phone number's country suggests: "es" for Spanish-speaking
 * countries (+34, +52, +54, +57, +1 809, ...), "en" for English-speaking ones
 * (+1, +44, +61, ...), else hilo_i18n_lang(fallback). */
const char *hilo_i18n_phone_lang(const char *e164, const char *fallback);

#endif
