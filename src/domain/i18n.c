#include "hilo/i18n.h"

#include <stdio.h>
#include <string.h>

#include "hilo/ref.h"

const char *hilo_i18n_lang(const char *locale)
{
    if (locale && (locale[0] == 'e' || locale[0] == 'E') && (locale[1] == 's' || locale[1] == 'S') &&
        (locale[2] == '\0' || locale[2] == '-' || locale[2] == '_'))
        return "es";
    return "en";
}

void hilo_i18n_ack(const char *lang, const char *ref, int eta, char *out, size_t n)
{
    char grouped[16];
    hilo_ref_format(ref, grouped, sizeof grouped);
    if (strcmp(lang, "es") == 0)
        snprintf(out, n,
                 "¡Gracias por escribirnos! Recibimos tu mensaje. Tu número de caso es %s. "
                 "Te responderemos en unos %d minutos; puedes citar este número en WhatsApp, "
                 "SMS, teléfono o correo.",
                 grouped, eta);
    else
        snprintf(out, n,
                 "Thanks for contacting us! We have received your message. Your ticket "
                 "reference is %s. We will reply within about %d minutes; you can quote this "
                 "reference on WhatsApp, SMS, phone or email.",
                 grouped, eta);
}
