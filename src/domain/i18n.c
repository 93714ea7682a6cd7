#include "hilo/i18n.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hilo/ref.h"

const char *hilo_i18n_lang(const char *locale)
{
    if (locale && (locale[0] == 'e' || locale[0] == 'E') && (locale[1] == 's' || locale[1] == 'S') &&
        (locale[2] == '\0' || locale[2] == '-' || locale[2] == '_'))
        return "es";
    return "en";
}

/* "WhatsApp, SMS or email" / "WhatsApp, SMS o correo" from the mask. */
static void channel_list(int es, unsigned mask, char *out, size_t n)
{
    static const char *const en[] = {"WhatsApp", "SMS", "phone", "email"};
    static const char *const sp[] = {"WhatsApp", "SMS", "teléfono", "correo"};
    const char *names[4];
    int k = 0;
    for (int i = 0; i < 4; i++)
        if (mask & (1u << i))
            names[k++] = es ? sp[i] : en[i];
    out[0] = '\0';
    for (int i = 0; i < k; i++) {
        size_t len = strlen(out);
        const char *sep = i == 0 ? "" : i == k - 1 ? (es ? " o " : " or ") : ", ";
        snprintf(out + len, n - len, "%s%s", sep, names[i]);
    }
}

void hilo_i18n_ack(const char *lang, const char *ref, int eta, unsigned channels, char *out,
                   size_t n)
{
    char grouped[16], list[96];
    int es = strcmp(lang, "es") == 0;
    hilo_ref_format(ref, grouped, sizeof grouped);
    channel_list(es, channels, list, sizeof list);
    if (es && list[0])
        snprintf(out, n,
                 "¡Gracias por escribirnos! Recibimos tu mensaje. Tu número de caso es %s. "
                 "Te responderemos en unos %d minutos; puedes citar este número en %s.",
                 grouped, eta, list);
    else if (es)
        snprintf(out, n,
                 "¡Gracias por escribirnos! Recibimos tu mensaje. Tu número de caso es %s. "
                 "Te responderemos en unos %d minutos; cita este número si nos vuelves a "
                 "escribir.",
                 grouped, eta);
    else if (list[0])
        snprintf(out, n,
                 "Thanks for contacting us! We have received your message. Your ticket "
                 "reference is %s. We will reply within about %d minutes; you can quote this "
                 "reference on %s.",
                 grouped, eta, list);
    else
        snprintf(out, n,
                 "Thanks for contacting us! We have received your message. Your ticket "
                 "reference is %s. We will reply within about %d minutes; quote this "
                 "reference if you write to us again.",
                 grouped, eta);
}

const char *hilo_i18n_guess(const char *text, const char *fallback)
{
    static const char *const words[] = {"hola", "gracias", "por favor", "pedido", "buenos",
                                        "buenas", "quiero", "necesito", "ayuda", "tengo", "mi ",
                                        "caso", "cuenta", "factura", "envío", "dónde", "cómo"};
    char low[512];
    size_t i;
    if (!text)
        return hilo_i18n_lang(fallback);
    if (strstr(text, "¿") || strstr(text, "¡") || strstr(text, "ñ") || strstr(text, "á") ||
        strstr(text, "é") || strstr(text, "ó") || strstr(text, "ú") || strstr(text, "í"))
        return "es";
    for (i = 0; text[i] && i < sizeof low - 1; i++)
        low[i] = (char)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] - 'A' + 'a' : text[i]);
    low[i] = '\0';
    for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(low, words[i]))
            return "es";
    return hilo_i18n_lang(fallback);
}

const char *hilo_i18n_status(const char *lang, const char *status)
{
    int es = strcmp(lang, "es") == 0;
    if (strcmp(status, "open") == 0)
        return es ? "abierto; un agente lo está atendiendo" : "open; an agent is on it";
    if (strcmp(status, "pending") == 0)
        return es ? "en espera de tu respuesta" : "waiting for your reply";
    if (strcmp(status, "resolved") == 0)
        return es ? "resuelto" : "resolved";
    return es ? "cerrado" : "closed";
}

/* References are read digit by digit: "4 0 7 1, 8 2 6 3". */
static void spoken_ref(const char *ref, char *out, size_t n)
{
    size_t len = strlen(ref), k = 0;
    for (size_t i = 0; i < len && k + 3 < n; i++) {
        out[k++] = ref[i];
        if (i + 1 < len) {
            if ((len == 8 && i == 3) || (len == 9 && (i == 2 || i == 5)))
                out[k++] = ',';
            out[k++] = ' ';
        }
    }
    out[k] = '\0';
}

void hilo_i18n_voice_known(const char *lang, const char *ref, const char *status, char *out, size_t n)
{
    char r[40];
    spoken_ref(ref, r, sizeof r);
    if (strcmp(lang, "es") == 0)
        snprintf(out, n, "Hola. Tu caso %s está %s. Deja tu mensaje después del tono y lo añadiremos a tu caso.",
                 r, hilo_i18n_status(lang, status));
    else
        snprintf(out, n, "Hello. Your ticket %s is %s. Leave a message after the beep and we will add it to your ticket.",
                 r, hilo_i18n_status(lang, status));
}

void hilo_i18n_voice_new(const char *lang, const char *ref, int eta, char *out, size_t n)
{
    char r[40];
    spoken_ref(ref, r, sizeof r);
    if (strcmp(lang, "es") == 0)
        snprintf(out, n, "Hemos abierto tu caso número %s. Te responderemos en unos %d minutos. "
                         "Deja tu mensaje después del tono.", r, eta);
    else
        snprintf(out, n, "We have opened ticket number %s for you. We will get back to you within "
                         "about %d minutes. Leave a message after the beep.", r, eta);
}

const char *hilo_i18n_voice_ask_ref(const char *lang, int again)
{
    if (strcmp(lang, "es") == 0)
        return again ? "Ese número de caso no es válido. Márcalo de nuevo seguido de la tecla numeral, "
                       "o espera para abrir un caso nuevo."
                     : "Si tienes un número de caso, márcalo seguido de la tecla numeral. "
                       "Si no, espera y abriremos un caso nuevo.";
    return again ? "That ticket reference is not valid. Key it in again followed by the hash key, "
                   "or hold to open a new ticket."
                 : "If you have a ticket reference, key it in followed by the hash key. "
                   "Otherwise, hold and we will open a new ticket.";
}

const char *hilo_i18n_voice_thanks(const char *lang)
{
    return strcmp(lang, "es") == 0 ? "Gracias. Hemos recibido tu mensaje. Hasta pronto."
                                   : "Thank you. We have your message. Goodbye.";
}

const char *hilo_i18n_call(const char *lang, const char *what)
{
    int es = strcmp(lang, "es") == 0;
    if (strcmp(what, "incoming") == 0)
        return es ? "Llamada entrante" : "Incoming call";
    if (strcmp(what, "voicemail") == 0)
        return es ? "Mensaje de voz" : "Voicemail";
    return es ? "Llamada terminada" : "Call ended";
}

/* "We're closed now; we'll answer Monday from 9:00": the acknowledgement's
 * and the widget's words (one place, so that they agree). */
static void closed_phrase(int es, const struct tm *open_local, int days_ahead, char *out, size_t n)
{
    static const char *const en_days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};
    static const char *const es_days[] = {"el domingo", "el lunes",   "el martes", "el miércoles",
                                          "el jueves",  "el viernes", "el sábado"};
    char when[40];
    int wd = open_local->tm_wday % 7;
    if (days_ahead == 0)
        snprintf(when, sizeof when, "%s", es ? "hoy" : "today");
    else if (days_ahead == 1)
        snprintf(when, sizeof when, "%s", es ? "mañana" : "tomorrow");
    else
        snprintf(when, sizeof when, "%s", es ? es_days[wd] : en_days[wd]);
    if (es)
        snprintf(out, n, "Ahora estamos cerrados; te responderemos %s a partir de las %d:%02d", when,
                 open_local->tm_hour, open_local->tm_min);
    else
        snprintf(out, n, "We're closed now; we'll answer %s from %d:%02d", when,
                 open_local->tm_hour, open_local->tm_min);
}

void hilo_i18n_ack_closed(const char *lang, const char *ref, unsigned channels,
                          const struct tm *open_local, int days_ahead, char *out, size_t n)
{
    char grouped[16], list[96], closed[160];
    int es = strcmp(lang, "es") == 0;
    hilo_ref_format(ref, grouped, sizeof grouped);
    channel_list(es, channels, list, sizeof list);
    closed_phrase(es, open_local, days_ahead, closed, sizeof closed);
    if (es)
        snprintf(out, n,
                 "¡Gracias por escribirnos! Recibimos tu mensaje. Tu número de caso es %s. "
                 "%s%s%s.",
                 grouped, closed, list[0] ? "; puedes citar este número en " : "", list);
    else
        snprintf(out, n,
                 "Thanks for contacting us! We have received your message. Your ticket "
                 "reference is %s. %s%s%s.",
                 grouped, closed, list[0] ? "; you can quote this reference on " : "", list);
}

void hilo_i18n_hours(const char *lang, int open, int eta, const struct tm *open_local,
                     int days_ahead, char *out, size_t n)
{
    int es = strcmp(lang, "es") == 0;
    size_t len;
    if (open) {
        snprintf(out, n, es ? "Solemos responder en unos %d minutos." :
                              "We usually reply within about %d minutes.", eta);
        return;
    }
    if (!open_local) {
        snprintf(out, n, "%s", es ? "Ahora estamos cerrados." : "We're closed now.");
        return;
    }
    closed_phrase(es, open_local, days_ahead, out, n);
    len = strlen(out);
    if (len + 1 < n)
        snprintf(out + len, n - len, ".");
}

const char *hilo_i18n_phone_lang(const char *e164, const char *fallback)
{
    /* longest prefixes first: +1 809 before +1 */
    static const struct {
        const char *prefix, *lang;
    } map[] = {
        {"+1787", "es"}, {"+1939", "es"}, {"+1809", "es"}, {"+1829", "es"}, {"+1849", "es"},
        {"+240", "es"},  {"+502", "es"},  {"+503", "es"},  {"+504", "es"},  {"+505", "es"},
        {"+506", "es"},  {"+507", "es"},  {"+591", "es"},  {"+593", "es"},  {"+595", "es"},
        {"+598", "es"},  {"+353", "en"},  {"+34", "es"},   {"+51", "es"},   {"+52", "es"},
        {"+53", "es"},   {"+54", "es"},   {"+56", "es"},   {"+57", "es"},   {"+58", "es"},
        {"+44", "en"},   {"+61", "en"},   {"+64", "en"},   {"+27", "en"},   {"+1", "en"},
    };
    if (e164 && e164[0] == '+')
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (strncmp(e164, map[i].prefix, strlen(map[i].prefix)) == 0)
                return map[i].lang;
    return hilo_i18n_lang(fallback);
}
