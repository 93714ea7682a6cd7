#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/channels.h"

#define DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"

static void empty_response(void **state)
{
    char *s = hilo_twiml_empty();
    (void)state;
    /* Same rendering as twilio-node's MessagingResponse().toString(). */
    assert_string_equal(s, DECL "<Response/>");
    free(s);
}

static void say_escapes_text(void **state)
{
    char *s;
    (void)state;
    s = hilo_twiml_say("es", "Ticket <1234> & \"Co\" 'ok'\x01 \xC2\xA1gracias!");
    assert_string_equal(s, DECL "<Response><Say language=\"es-ES\">Ticket &lt;1234&gt; &amp; &quot;Co&quot; "
                                "&apos;ok&apos; \xC2\xA1gracias!</Say></Response>");
    free(s);
    s = hilo_twiml_say("en", "Hi");
    assert_string_equal(s, DECL "<Response><Say language=\"en-US\">Hi</Say></Response>");
    free(s);
    s = hilo_twiml_say(NULL, "Hi");
    assert_string_equal(s, DECL "<Response><Say language=\"en-US\">Hi</Say></Response>");
    free(s);
    s = hilo_twiml_say("es-MX", "Hola");
    assert_string_equal(s, DECL "<Response><Say language=\"es-MX\">Hola</Say></Response>");
    free(s);
    /* Anything that is not a plain tag cannot reach the attribute. */
    s = hilo_twiml_say("\"><Hangup/>", "x");
    assert_string_equal(s, DECL "<Response><Say language=\"en-US\">x</Say></Response>");
    free(s);
    assert_null(hilo_twiml_say("en", NULL));
}

static void gather_ref(void **state)
{
    char *s;
    (void)state;
    s = hilo_twiml_gather_ref("en", "Enter your ticket number, then press hash.",
                              "https://hub.example.com/webhooks/twilio/voice/gather?step=ref&lang=en", 9);
    assert_string_equal(s, DECL "<Response><Gather input=\"dtmf\" finishOnKey=\"#\" "
                                "action=\"https://hub.example.com/webhooks/twilio/voice/gather?step=ref&amp;lang=en\" "
                                "method=\"POST\" timeout=\"8\" numDigits=\"9\"><Say language=\"en-US\">Enter your ticket "
                                "number, then press hash.</Say></Gather><Say language=\"en-US\">We did not receive any input. "
                                "Goodbye.</Say></Response>");
    free(s);
    s = hilo_twiml_gather_ref("es", "Marque <su> n\xC3\xBAmero", "/g", 0);
    assert_string_equal(s, DECL "<Response><Gather input=\"dtmf\" finishOnKey=\"#\" action=\"/g\" method=\"POST\" "
                                "timeout=\"8\"><Say language=\"es-ES\">Marque &lt;su&gt; n\xC3\xBAmero</Say></Gather>"
                                "<Say language=\"es-ES\">No hemos recibido ninguna respuesta. Adi\xC3\xB3s.</Say></Response>");
    free(s);
    assert_null(hilo_twiml_gather_ref("en", "x", "", 9));
}

static void say_then_record(void **state)
{
    char *s;
    (void)state;
    s = hilo_twiml_say_then_record("en", "Please leave a message after the beep.",
                                   "/webhooks/twilio/voice/recording?t=1&u=\"2\"",
                                   "/webhooks/twilio/voice/transcription");
    assert_string_equal(s, DECL "<Response><Say language=\"en-US\">Please leave a message after the beep.</Say>"
                                "<Record maxLength=\"120\" playBeep=\"true\" "
                                "action=\"/webhooks/twilio/voice/recording?t=1&amp;u=&quot;2&quot;\" method=\"POST\" "
                                "transcribe=\"true\" transcribeCallback=\"/webhooks/twilio/voice/transcription\"/></Response>");
    free(s);
    s = hilo_twiml_say_then_record("es", "Deje su mensaje", "/r", NULL);
    assert_string_equal(s, DECL "<Response><Say language=\"es-ES\">Deje su mensaje</Say>"
                                "<Record maxLength=\"120\" playBeep=\"true\" action=\"/r\" method=\"POST\"/></Response>");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_response),
        cmocka_unit_test(say_escapes_text),
        cmocka_unit_test(gather_ref),
        cmocka_unit_test(say_then_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
