#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "hilo/channels.h"

static void form_of(const char *body, struct hilo_form *f)
{
    assert_int_equal(hilo_form_parse(body, strlen(body), f), 0);
}

/* The parameters of the SDKs' request-validator tests (twilio-python
 * tests/unit/test_request_validator.py, twilio-node spec). */
static void sdk_params(struct hilo_form *f)
{
    form_of("CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212", f);
}

static void verifies_sdk_vector(void **state)
{
    struct hilo_form f = {0};
    (void)state;
    sdk_params(&f);
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
                     0);
    /* Parameter order does not matter (sorted), values do. */
    hilo_form_free(&f);
    form_of("To=%2B18005551212&From=%2B14158675309&Digits=1234&Caller=%2B14158675309&CallSid=CA1234567890ABCDE", &f);
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
                     0);
    assert_int_equal(hilo_twilio_verify_signature("12346", "https://mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
                     -1);
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", &f,
                                                  "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
                     -1);
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "RSOYDt4T1cUTdK1PDd93/VVr8B8"),
                     -1);
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &f, NULL), -1);
    assert_int_equal(hilo_twilio_verify_signature("", "https://mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
                     -1);
    hilo_form_free(&f);
    /* An extra parameter Twilio did not sign must fail. */
    form_of("CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212&X=1", &f);
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
                     -1);
    hilo_form_free(&f);
}

static void verifies_body_hash_url_without_params(void **state)
{
    (void)state;
    /* twilio-python test_validation_of_body_succeeds: JSON body, params {}. */
    assert_int_equal(hilo_twilio_verify_signature(
                         "12345",
                         "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256="
                         "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
                         NULL, "a9nBmqA0ju/hNViExpshrM61xv4="),
                     0);
}

static void handles_repeated_names_like_sdks(void **state)
{
    struct hilo_form f = {0};
    (void)state;
    /* Expected value computed with Python hmac/base64 following twilio-python
     * (sorted(set(values))). */
    form_of("CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=5678&Digits=1234&Digits=1234"
            "&From=%2B14158675309&To=%2B18005551212",
            &f);
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "1F55Y6EDsEviuHKQm9BIkrznRZk="),
                     0);
    /* Counting the duplicate twice would give a different signature. */
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
                     -1);
    hilo_form_free(&f);
}

static void accepts_url_with_or_without_default_port(void **state)
{
    struct hilo_form f = {0};
    (void)state;
    sdk_params(&f);
    /* Twilio signed the URL with :443 (kvaj...), we know it without. */
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "kvajT1Ptam85bY51eRf/AJRuM3w="),
                     0);
    /* Twilio signed without the port, we are configured with it. */
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", &f,
                                                  "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
                     0);
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://mycompany.com:1234/myapp.php?foo=1&bar=2", &f,
                                                  "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
                     0);
    assert_int_equal(hilo_twilio_verify_signature("12345", "http://mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "0ZXoZLH/DfblKGATFgpif+LLRf4="),
                     0);
    /* Credentials in the URL stay; the port goes in after them. */
    assert_int_equal(hilo_twilio_verify_signature("12345", "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="),
                     0);
    /* https:443 signature does not validate an http URL. */
    assert_int_equal(hilo_twilio_verify_signature("12345", "http://mycompany.com/myapp.php?foo=1&bar=2", &f,
                                                  "kvajT1Ptam85bY51eRf/AJRuM3w="),
                     -1);
    hilo_form_free(&f);
}

static const char sample_body[] =
    "ToCountry=US&ToState=CA&SmsMessageSid=SM11111111111111111111111111111111&NumMedia=0&ToCity=&FromZip="
    "&SmsSid=SM11111111111111111111111111111111&FromState=&SmsStatus=received&FromCity=&Body=Hello%2C+world"
    "&FromCountry=US&To=%2B14155550199&ToZip=&NumSegments=1&MessageSid=SM11111111111111111111111111111111"
    "&AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX&From=%2B14155550100&ApiVersion=2010-04-01";

static void parses_sms_and_verifies_it(void **state)
{
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    (void)state;
    form_of(sample_body, &f);
    /* Signed with Python's hmac over the decoded, sorted params. */
    assert_int_equal(hilo_twilio_verify_signature("0123456789abcdef0123456789abcdef",
                                                  "https://hub.example.com/webhooks/twilio/messaging", &f,
                                                  "WFrXnl5vjf+FxcPcyaBW4PoEung="),
                     0);
    assert_int_equal(hilo_twilio_parse_message(&f, &m), 0);
    assert_string_equal(m->channel, "sms");
    assert_string_equal(m->provider, "twilio");
    assert_string_equal(m->provider_id, "SM11111111111111111111111111111111");
    assert_string_equal(m->from, "+14155550100");
    assert_string_equal(m->to, "+14155550199");
    assert_string_equal(m->type, "text");
    assert_string_equal(m->text, "Hello, world");
    assert_string_equal(m->extra_json, "{}");
    assert_string_equal(m->from_name, "");
    assert_true(m->ts_ms == 0);
    assert_null(m->next);
    hilo_inbound_free(m);
    hilo_form_free(&f);
}

static void parses_whatsapp_with_media(void **state)
{
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    (void)state;
    form_of("SmsMessageSid=MM22&NumMedia=2&ProfileName=Perspective+Coffee&MessageType=image&WaId=14017122661"
            "&Body=&To=whatsapp%3A%2B14155238886&From=whatsapp%3A%2B14017122661&MessageSid=MM22"
            "&MediaContentType0=image%2Fjpeg&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FMessages%2FMM22%2FMedia%2FME0"
            "&MediaContentType1=application%2Fpdf&MediaUrl1=https%3A%2F%2Fapi.twilio.com%2FME1"
            "&OriginalRepliedMessageSid=SMparent&OriginalRepliedMessageSender=whatsapp%3A%2B14155238886",
            &f);
    assert_int_equal(hilo_twilio_parse_message(&f, &m), 0);
    assert_string_equal(m->channel, "whatsapp");
    assert_string_equal(m->from, "+14017122661");
    assert_string_equal(m->from_name, "Perspective Coffee");
    assert_string_equal(m->to, "whatsapp:+14155238886");
    assert_string_equal(m->type, "image");
    assert_string_equal(m->text, "");
    assert_string_equal(m->extra_json,
                        "{\"media\":[{\"url\":\"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM22/Media/ME0\","
                        "\"content_type\":\"image/jpeg\"},{\"url\":\"https://api.twilio.com/ME1\",\"content_type\":\"application/pdf\"}],"
                        "\"context\":{\"id\":\"SMparent\",\"from\":\"whatsapp:+14155238886\"},\"wa_id\":\"14017122661\"}");
    hilo_inbound_free(m);
    hilo_form_free(&f);
}

static void parses_location_and_button(void **state)
{
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    (void)state;
    form_of("MessageSid=SM3&From=whatsapp%3A%2B14017122661&To=whatsapp%3A%2B14155238886&Body="
            "&Latitude=37.7879277&Longitude=-122.3937508&Address=375+Beale+St&Label=Twilio+HQ",
            &f);
    assert_int_equal(hilo_twilio_parse_message(&f, &m), 0);
    assert_string_equal(m->type, "location");
    assert_string_equal(m->text, "\xF0\x9F\x93\x8D Twilio HQ, 375 Beale St (37.7879277, -122.3937508)");
    assert_string_equal(m->extra_json, "{\"location\":{\"latitude\":\"37.7879277\",\"longitude\":\"-122.3937508\","
                                       "\"address\":\"375 Beale St\",\"name\":\"Twilio HQ\"}}");
    hilo_form_free(&f);
    form_of("MessageSid=SM4&From=whatsapp%3A%2B14017122661&Body=Yes&ButtonText=Yes&ButtonPayload=confirm_yes&ButtonType=REPLY", &f);
    assert_int_equal(hilo_twilio_parse_message(&f, &m), 0);
    assert_string_equal(m->next->type, "button");
    assert_string_equal(m->next->text, "Yes");
    assert_string_equal(m->next->extra_json, "{\"button\":{\"text\":\"Yes\",\"payload\":\"confirm_yes\",\"type\":\"REPLY\"}}");
    hilo_inbound_free(m);
    hilo_form_free(&f);
}

static void rejects_messages_without_sid_or_from(void **state)
{
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    (void)state;
    form_of("From=%2B14155550100&Body=x", &f);
    assert_int_equal(hilo_twilio_parse_message(&f, &m), -1);
    hilo_form_free(&f);
    form_of("MessageSid=SM1&Body=x", &f);
    assert_int_equal(hilo_twilio_parse_message(&f, &m), -1);
    hilo_form_free(&f);
    form_of("MessageSid=SM1&From=&Body=x", &f);
    assert_int_equal(hilo_twilio_parse_message(&f, &m), -1);
    hilo_form_free(&f);
    assert_null(m);
    /* Invalid UTF-8 in Body is repaired, not passed on. */
    form_of("MessageSid=SM1&From=%2B1415&Body=caf%E9", &f);
    assert_int_equal(hilo_twilio_parse_message(&f, &m), 0);
    assert_string_equal(m->text, "caf\xEF\xBF\xBD");
    hilo_inbound_free(m);
    hilo_form_free(&f);
}

static void parses_statuses(void **state)
{
    static const struct {
        const char *in, *out;
    } map[] = {{"queued", "queued"},       {"accepted", "queued"},   {"scheduled", "queued"},
               {"sending", "queued"},      {"sent", "sent"},         {"delivered", "delivered"},
               {"read", "read"},           {"failed", "failed"},     {"undelivered", "failed"},
               {"canceled", "failed"},     {"partially_delivered", "partially_delivered"}};
    struct hilo_form f = {0};
    struct hilo_delivery *d = NULL;
    char body[256];
    (void)state;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        snprintf(body, sizeof(body), "SmsSid=SM5&SmsStatus=%s&MessageStatus=%s&To=%%2B14155550100&MessageSid=SM5", map[i].in, map[i].in);
        form_of(body, &f);
        assert_int_equal(hilo_twilio_parse_status(&f, &d), 0);
        assert_string_equal(d->status, map[i].out);
        assert_string_equal(d->provider_id, "SM5");
        assert_string_equal(d->error, "");
        hilo_delivery_free(d);
        d = NULL;
        hilo_form_free(&f);
    }
    form_of("MessageSid=SM6&MessageStatus=undelivered&ErrorCode=30003", &f);
    assert_int_equal(hilo_twilio_parse_status(&f, &d), 0);
    assert_string_equal(d->status, "failed");
    assert_string_equal(d->error, "30003: Unreachable destination handset");
    hilo_form_free(&f);
    form_of("MessageSid=SM7&MessageStatus=failed&ErrorCode=63016&ChannelPrefix=whatsapp"
            "&ChannelStatusMessage=Outside+the+allowed+window", &f);
    assert_int_equal(hilo_twilio_parse_status(&f, &d), 0);
    assert_string_equal(d->next->error, "63016: Outside the allowed window");
    hilo_form_free(&f);
    form_of("MessageSid=SM8&MessageStatus=failed&ErrorCode=39999", &f);
    assert_int_equal(hilo_twilio_parse_status(&f, &d), 0);
    assert_string_equal(d->next->next->error, "39999");
    hilo_form_free(&f);
    hilo_delivery_free(d);
    d = NULL;
    form_of("MessageSid=SM9", &f);
    assert_int_equal(hilo_twilio_parse_status(&f, &d), -1);
    hilo_form_free(&f);
    form_of("MessageStatus=sent", &f);
    assert_int_equal(hilo_twilio_parse_status(&f, &d), -1);
    hilo_form_free(&f);
    assert_null(d);
}

static void builds_message_body(void **state)
{
    char *s;
    struct hilo_form f = {0};
    (void)state;
    s = hilo_twilio_build_message("+15557122661", "+15558675310", "Hi there & welcome, 100%",
                                  "https://hub.example.com/webhooks/twilio/status");
    assert_string_equal(s, "To=%2B15558675310&From=%2B15557122661&Body=Hi%20there%20%26%20welcome%2C%20100%25"
                           "&StatusCallback=https%3A%2F%2Fhub.example.com%2Fwebhooks%2Ftwilio%2Fstatus");
    form_of(s, &f);
    assert_string_equal(hilo_form_get(&f, "Body"), "Hi there & welcome, 100%");
    hilo_form_free(&f);
    free(s);
    s = hilo_twilio_build_message("whatsapp:+14155238886", "whatsapp:+15005550006", "\xC2\xA1Hola!", NULL);
    assert_string_equal(s, "To=whatsapp%3A%2B15005550006&From=whatsapp%3A%2B14155238886&Body=%C2%A1Hola%21");
    free(s);
    assert_null(hilo_twilio_build_message(NULL, "+1", "x", NULL));
    assert_null(hilo_twilio_build_message("+1", "", "x", NULL));
}

static void parses_send_responses(void **state)
{
    const char *ok = "{\"account_sid\":\"ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\",\"api_version\":\"2010-04-01\",\"body\":\"Hi there\","
                     "\"direction\":\"outbound-api\",\"error_code\":null,\"error_message\":null,\"from\":\"+15557122661\","
                     "\"num_media\":\"0\",\"num_segments\":\"1\",\"sid\":\"SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"status\":\"queued\","
                     "\"to\":\"+15558675310\"}";
    const char *bad = "{\"code\":21211,\"message\":\"The 'To' number 5551234567 is not a valid phone number.\","
                      "\"more_info\":\"https://www.twilio.com/docs/errors/21211\",\"status\":400}";
    const char *window = "{\"code\":63016,\"message\":\"Failed to send freeform message because you are outside the allowed window.\",\"status\":400}";
    const char *rate = "{\"code\":20429,\"message\":\"Too Many Requests\",\"status\":429}";
    char *sid = NULL, err[256];
    int retry = -1;
    (void)state;
    assert_int_equal(hilo_twilio_parse_send_response(201, ok, strlen(ok), &sid, &retry, err, sizeof(err)), 0);
    assert_string_equal(sid, "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_int_equal(retry, 0);
    free(sid);
    assert_int_equal(hilo_twilio_parse_send_response(400, bad, strlen(bad), &sid, &retry, err, sizeof(err)), -1);
    assert_null(sid);
    assert_int_equal(retry, 0);
    assert_string_equal(err, "21211: The 'To' number 5551234567 is not a valid phone number.");
    assert_int_equal(hilo_twilio_parse_send_response(400, window, strlen(window), &sid, &retry, err, sizeof(err)), -1);
    assert_int_equal(retry, 0);
    assert_string_equal(err, "63016: Failed to send freeform message because you are outside the allowed window.");
    assert_int_equal(hilo_twilio_parse_send_response(429, rate, strlen(rate), &sid, &retry, err, sizeof(err)), -1);
    assert_int_equal(retry, 1);
    assert_int_equal(hilo_twilio_parse_send_response(502, "Bad Gateway", 11, &sid, &retry, err, sizeof(err)), -1);
    assert_int_equal(retry, 1);
    assert_string_equal(err, "HTTP 502");
    assert_int_equal(hilo_twilio_parse_send_response(201, "{\"sid\":", 7, &sid, &retry, err, sizeof(err)), -1);
    assert_int_equal(retry, 0);
}

static void parses_calls(void **state)
{
    struct hilo_form f = {0};
    struct hilo_call c;
    (void)state;
    form_of("AccountSid=AC1&ApiVersion=2010-04-01&CallSid=CA42&CallStatus=in-progress&Called=%2B18005551212"
            "&Direction=inbound&From=%2B14158675309&To=%2B18005551212&Digits=40718263&FinishedOnKey=%23", &f);
    assert_int_equal(hilo_twilio_parse_call(&f, &c), 0);
    assert_string_equal(c.call_sid, "CA42");
    assert_string_equal(c.from, "+14158675309");
    assert_string_equal(c.to, "+18005551212");
    assert_string_equal(c.status, "in-progress");
    assert_string_equal(c.digits, "40718263");
    assert_string_equal(c.speech, "");
    assert_string_equal(c.recording_url, "");
    assert_int_equal(c.duration_s, 0);
    hilo_call_free(&c);
    assert_null(c.call_sid);
    hilo_form_free(&f);

    form_of("CallSid=CA42&From=anonymous&TranscriptionText=My+order+never+arrived&TranscriptionStatus=completed"
            "&RecordingUrl=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FRecordings%2FRE1&RecordingDuration=17"
            "&CallDuration=60&SpeechResult=support", &f);
    assert_int_equal(hilo_twilio_parse_call(&f, &c), 0);
    assert_string_equal(c.from, "anonymous");
    assert_string_equal(c.transcription, "My order never arrived");
    assert_string_equal(c.transcription_status, "completed");
    assert_string_equal(c.recording_url, "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1");
    assert_string_equal(c.speech, "support");
    assert_int_equal(c.duration_s, 17);
    hilo_call_free(&c);
    hilo_form_free(&f);

    form_of("CallSid=CA42&CallStatus=completed&CallDuration=61", &f);
    assert_int_equal(hilo_twilio_parse_call(&f, &c), 0);
    assert_int_equal(c.duration_s, 61);
    assert_string_equal(c.from, "");
    hilo_call_free(&c);
    hilo_form_free(&f);

    form_of("From=%2B14158675309&CallStatus=ringing", &f);
    assert_int_equal(hilo_twilio_parse_call(&f, &c), -1);
    hilo_call_free(&c); /* harmless on a failed parse */
    hilo_form_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verifies_sdk_vector),
        cmocka_unit_test(verifies_body_hash_url_without_params),
        cmocka_unit_test(handles_repeated_names_like_sdks),
        cmocka_unit_test(accepts_url_with_or_without_default_port),
        cmocka_unit_test(parses_sms_and_verifies_it),
        cmocka_unit_test(parses_whatsapp_with_media),
        cmocka_unit_test(parses_location_and_button),
        cmocka_unit_test(rejects_messages_without_sid_or_from),
        cmocka_unit_test(parses_statuses),
        cmocka_unit_test(builds_message_body),
        cmocka_unit_test(parses_send_responses),
        cmocka_unit_test(parses_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
