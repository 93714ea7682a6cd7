#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/channels.h"

static void parses_twilio_sample_body(void **state)
{
    /* PROVIDERS.md 2.1 sample body. */
    const char *body =
        "ToCountry=US&ToState=CA&SmsMessageSid=SM11111111111111111111111111111111&NumMedia=0"
        "&ToCity=&FromZip=&SmsSid=SM11111111111111111111111111111111&FromState=&SmsStatus=received"
        "&FromCity=&Body=Hello%2C+world&FromCountry=US&To=%2B14155550199&ToZip=&NumSegments=1"
        "&MessageSid=SM11111111111111111111111111111111&AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
        "&From=%2B14155550100&ApiVersion=2010-04-01";
    struct hilo_form f = {0};
    (void)state;
    assert_int_equal(hilo_form_parse(body, strlen(body), &f), 0);
    assert_int_equal(f.n, 19);
    assert_string_equal(hilo_form_get(&f, "Body"), "Hello, world");
    assert_string_equal(hilo_form_get(&f, "To"), "+14155550199");
    assert_string_equal(hilo_form_get(&f, "From"), "+14155550100");
    assert_string_equal(hilo_form_get(&f, "ToCity"), "");
    assert_null(hilo_form_get(&f, "body")); /* names are case-sensitive */
    assert_string_equal(f.keys[0], "ToCountry"); /* order kept */
    hilo_form_free(&f);
    assert_int_equal(f.n, 0);
}

static void keeps_repeats_binary_and_decodes_keys(void **state)
{
    const char *body = "Digits=5678&Digits=1234&a%5Bb%5D=x%00y&flag&&=empty&caf%C3%A9=%E2%82%AC";
    struct hilo_form f = {0};
    (void)state;
    assert_int_equal(hilo_form_parse(body, strlen(body), &f), 0);
    assert_int_equal(f.n, 6);
    assert_string_equal(f.keys[0], "Digits");
    assert_string_equal(f.values[0], "5678");
    assert_string_equal(f.values[1], "1234");
    assert_string_equal(hilo_form_get(&f, "Digits"), "5678");
    assert_string_equal(f.keys[2], "a[b]");
    assert_int_equal(f.value_lens[2], 3);
    assert_memory_equal(f.values[2], "x\0y", 4);
    assert_string_equal(hilo_form_get(&f, "flag"), "");
    assert_string_equal(f.keys[4], "");
    assert_string_equal(f.values[4], "empty");
    assert_string_equal(hilo_form_get(&f, "caf\xC3\xA9"), "\xE2\x82\xAC");
    hilo_form_free(&f);
}

static void respects_length_not_nul(void **state)
{
    struct hilo_form f = {0};
    (void)state;
    assert_int_equal(hilo_form_parse("a=1&b=2", 3, &f), 0);
    assert_int_equal(f.n, 1);
    assert_string_equal(hilo_form_get(&f, "a"), "1");
    hilo_form_free(&f);
    assert_int_equal(hilo_form_parse("", 0, &f), 0);
    assert_int_equal(f.n, 0);
    hilo_form_free(&f);
}

static void rejects_bad_escapes(void **state)
{
    static const char *const bad[] = {"a=%", "a=%4", "a=%zz", "a=ok&b=%G1", "%x=1", "a=100%"};
    struct hilo_form f = {0};
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(hilo_form_parse(bad[i], strlen(bad[i]), &f), -1);
        assert_int_equal(f.n, 0);
        assert_null(f.keys);
    }
    /* "%4" at the very end of a longer buffer must not read past len. */
    assert_int_equal(hilo_form_parse("a=%41%4", 7, &f), -1);
    assert_int_equal(hilo_form_parse("a=%41%4142", 5, &f), 0);
    assert_string_equal(hilo_form_get(&f, "a"), "A");
    hilo_form_free(&f);
}

static const char mp_body[] =
    "--------------------------abc123\r\n"
    "Content-Disposition: form-data; name=\"recipient\"\r\n"
    "\r\n"
    "support+40718263@example.com\r\n"
    "--------------------------abc123\r\n"
    "Content-Disposition: form-data; name=\"body-plain\"\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Line one\r\n"
    "--not the boundary\r\n"
    "Line three\r\n"
    "--------------------------abc123\r\n"
    "Content-Disposition: form-data; name=\"attachment-1\"; filename=\"inv\\\"oice; 1.pdf\"\r\n"
    "Content-Type: application/pdf\r\n"
    "\r\n"
    "%PDF-1.4\x00\x01\x02 binary\r\n\r\n"
    "--------------------------abc123\r\n"
    "content-disposition: form-data; filename=\"photo.jpg\"; name=attachment-2\r\n"
    "\r\n"
    "\xff\xd8\xff\r\n"
    "--------------------------abc123\r\n"
    "Content-Disposition: form-data; name=\"empty\"\r\n"
    "\r\n"
    "\r\n"
    "--------------------------abc123--\r\n";

static void parses_multipart_with_attachments(void **state)
{
    struct hilo_form f = {0};
    (void)state;
    assert_int_equal(hilo_form_parse_multipart(mp_body, sizeof(mp_body) - 1,
                                               "multipart/form-data; boundary=------------------------abc123",
                                               &f),
                     0);
    assert_int_equal(f.n, 5);
    assert_string_equal(hilo_form_get(&f, "recipient"), "support+40718263@example.com");
    assert_string_equal(hilo_form_get(&f, "body-plain"), "Line one\r\n--not the boundary\r\nLine three");
    assert_string_equal(hilo_form_get(&f, "attachment-1"), "inv\"oice; 1.pdf");
    assert_string_equal(hilo_form_get(&f, "attachment-2"), "photo.jpg");
    assert_string_equal(hilo_form_get(&f, "empty"), "");
    assert_int_equal(f.value_lens[0], strlen("support+40718263@example.com"));
    hilo_form_free(&f);

    /* Quoted boundary, preamble before the first delimiter. */
    const char *b2 = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--";
    assert_int_equal(hilo_form_parse_multipart(b2, strlen(b2), "Multipart/Form-Data; charset=utf-8; boundary=\"XyZ\"", &f), 0);
    assert_int_equal(f.n, 1);
    assert_string_equal(hilo_form_get(&f, "a"), "1");
    hilo_form_free(&f);
}

static void rejects_malformed_multipart(void **state)
{
    struct hilo_form f = {0};
    const char *ct = "multipart/form-data; boundary=------------------------abc123";
    (void)state;
    /* Truncated before the closing delimiter. */
    assert_int_equal(hilo_form_parse_multipart(mp_body, sizeof(mp_body) - 40, ct, &f), -1);
    assert_int_equal(f.n, 0);
    /* No boundary / not multipart / wrong boundary. */
    assert_int_equal(hilo_form_parse_multipart(mp_body, sizeof(mp_body) - 1, "multipart/form-data", &f), -1);
    assert_int_equal(hilo_form_parse_multipart(mp_body, sizeof(mp_body) - 1, "text/plain; boundary=abc", &f), -1);
    assert_int_equal(hilo_form_parse_multipart(mp_body, sizeof(mp_body) - 1, "multipart/form-data; boundary=zzz", &f), -1);
    assert_int_equal(hilo_form_parse_multipart(mp_body, sizeof(mp_body) - 1, NULL, &f), -1);
    /* A part without a name. */
    const char *b = "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n";
    assert_int_equal(hilo_form_parse_multipart(b, strlen(b), "multipart/form-data; boundary=b", &f), -1);
    /* Headers never end. */
    const char *c = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n";
    assert_int_equal(hilo_form_parse_multipart(c, strlen(c), "multipart/form-data; boundary=b", &f), -1);
    assert_int_equal(f.n, 0);
}

static void encodes_for_forms(void **state)
{
    char *s;
    (void)state;
    s = hilo_form_encode("Hi, ticket T123 & more=yes/no ~._-\xC3\xA9+");
    assert_string_equal(s, "Hi%2C%20ticket%20T123%20%26%20more%3Dyes%2Fno%20~._-%C3%A9%2B");
    /* Round trip through the parser. */
    struct hilo_form f = {0};
    char body[256];
    snprintf(body, sizeof(body), "k=%s", s);
    assert_int_equal(hilo_form_parse(body, strlen(body), &f), 0);
    assert_string_equal(hilo_form_get(&f, "k"), "Hi, ticket T123 & more=yes/no ~._-\xC3\xA9+");
    hilo_form_free(&f);
    free(s);
    s = hilo_form_encode("");
    assert_string_equal(s, "");
    free(s);
    assert_null(hilo_form_encode(NULL));
}

static void add_builds_forms(void **state)
{
    struct hilo_form f = {0};
    (void)state;
    assert_int_equal(hilo_form_add(&f, "A", "1", 1), 0);
    assert_int_equal(hilo_form_add(&f, "B", "x\0y", 3), 0);
    assert_int_equal(f.n, 2);
    assert_int_equal(f.value_lens[1], 3);
    assert_string_equal(hilo_form_get(&f, "A"), "1");
    hilo_form_free(&f);
}

static void delivery_rank_orders_statuses(void **state)
{
    (void)state;
    assert_int_equal(hilo_delivery_rank("queued"), 1);
    assert_int_equal(hilo_delivery_rank("sent"), 2);
    assert_int_equal(hilo_delivery_rank("delivered"), 3);
    assert_int_equal(hilo_delivery_rank("read"), 4);
    assert_int_equal(hilo_delivery_rank("failed"), 5);
    assert_int_equal(hilo_delivery_rank("played"), 0);
    assert_int_equal(hilo_delivery_rank(NULL), 0);
    hilo_inbound_free(NULL);
    hilo_delivery_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_twilio_sample_body),
        cmocka_unit_test(keeps_repeats_binary_and_decodes_keys),
        cmocka_unit_test(respects_length_not_nul),
        cmocka_unit_test(rejects_bad_escapes),
        cmocka_unit_test(parses_multipart_with_attachments),
        cmocka_unit_test(rejects_malformed_multipart),
        cmocka_unit_test(encodes_for_forms),
        cmocka_unit_test(add_builds_forms),
        cmocka_unit_test(delivery_rank_orders_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
