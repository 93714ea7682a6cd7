/* TwiML documents for the voice flow. Everything that came from a person or
 * from configuration goes through xml_escape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"

/* Escapes for both text and double-quoted attributes. C0 controls other than
 * tab/newline are not allowed in XML 1.0 at all, so they are dropped. */
static int xml_escape(struct hilo_buf *b, const char *s)
{
    int r = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && !r; p++) {
        switch (*p) {
        case '&': r = hilo_buf_adds(b, "&amp;"); break;
        case '<': r = hilo_buf_adds(b, "&lt;"); break;
        case '>': r = hilo_buf_adds(b, "&gt;"); break;
        case '"': r = hilo_buf_adds(b, "&quot;"); break;
        case '\'': r = hilo_buf_adds(b, "&apos;"); break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                break;
            r = hilo_buf_add(b, p, 1);
        }
    }
    return r;
}

/* "es" -> "es-ES", "en" -> "en-US"; a full tag such as "es-MX" is kept. */
static const char *say_language(const char *lang)
{
    static const char *const map[][2] = {
        {"en", "en-US"}, {"es", "es-ES"}, {"pt", "pt-BR"}, {"fr", "fr-FR"},
        {"de", "de-DE"}, {"it", "it-IT"}, {"ca", "ca-ES"}, {"nl", "nl-NL"},
    };
    if (!lang)
        return "en-US";
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(lang, map[i][0]) == 0)
            return map[i][1];
    size_t n = strlen(lang);
    if (n == 5 && lang[2] == '-' && lang[0] >= 'a' && lang[0] <= 'z' && lang[1] >= 'a' &&
        lang[1] <= 'z' && lang[3] >= 'A' && lang[3] <= 'Z' && lang[4] >= 'A' && lang[4] <= 'Z')
        return lang;
    return "en-US";
}

static int is_spanish(const char *lang) { return lang && strncmp(lang, "es", 2) == 0; }

static int say(struct hilo_buf *b, const char *lang, const char *text)
{
    return hilo_buf_adds(b, "<Say language=\"") || xml_escape(b, say_language(lang)) ||
           hilo_buf_adds(b, "\">") || xml_escape(b, text) || hilo_buf_adds(b, "</Say>");
}

static char *finish(struct hilo_buf *b, int failed)
{
    if (failed || hilo_buf_adds(b, "</Response>")) {
        hilo_buf_deinit(b);
        return NULL;
    }
    return hilo_buf_take(b);
}

char *hilo_twiml_empty(void) { return strdup(XML_DECL "<Response/>"); }

char *hilo_twiml_say(const char *lang, const char *text)
{
    struct hilo_buf b;
    if (!text)
        return NULL;
    hilo_buf_init(&b, HC_MAX_OUT);
    return finish(&b, hilo_buf_adds(&b, XML_DECL "<Response>") || say(&b, lang, text));
}

char *hilo_twiml_gather_ref(const char *lang, const char *prompt, const char *action_url,
                            int num_digits_max)
{
    struct hilo_buf b;
    char num[32];
    int r;
    if (!prompt || !action_url || !*action_url)
        return NULL;
    hilo_buf_init(&b, HC_MAX_OUT);
    r = hilo_buf_adds(&b, XML_DECL "<Response><Gather input=\"dtmf\" finishOnKey=\"#\" action=\"") ||
        xml_escape(&b, action_url) || hilo_buf_adds(&b, "\" method=\"POST\" timeout=\"8\"");
    if (!r && num_digits_max > 0) {
        snprintf(num, sizeof(num), " numDigits=\"%d\"", num_digits_max);
        r = hilo_buf_adds(&b, num);
    }
    /* Without input Twilio falls through to the verb after <Gather>. */
    r = r || hilo_buf_adds(&b, ">") || say(&b, lang, prompt) || hilo_buf_adds(&b, "</Gather>") ||
        say(&b, lang,
            is_spanish(lang) ? "No hemos recibido ninguna respuesta. Adi\xC3\xB3s."
                             : "We did not receive any input. Goodbye.");
    return finish(&b, r);
}

char *hilo_twiml_say_then_record(const char *lang, const char *text, const char *action_url,
                                 const char *transcribe_url)
{
    struct hilo_buf b;
    int r;
    if (!text || !action_url || !*action_url)
        return NULL;
    hilo_buf_init(&b, HC_MAX_OUT);
    /* 120 s is also Twilio's limit for transcription. */
    r = hilo_buf_adds(&b, XML_DECL "<Response>") || say(&b, lang, text) ||
        hilo_buf_adds(&b, "<Record maxLength=\"120\" playBeep=\"true\" action=\"") ||
        xml_escape(&b, action_url) || hilo_buf_adds(&b, "\" method=\"POST\"");
    if (!r && transcribe_url && *transcribe_url)
        r = hilo_buf_adds(&b, " transcribe=\"true\" transcribeCallback=\"") ||
            xml_escape(&b, transcribe_url) || hilo_buf_adds(&b, "\"");
    r = r || hilo_buf_adds(&b, "/>");
    return finish(&b, r);
}
