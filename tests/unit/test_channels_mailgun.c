#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "hilo/channels.h"

#define KEY "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
#define TOKEN "c5f0a1d2e3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f7a8b"
/* openssl dgst -sha256 -hmac KEY <<< "1700000000" TOKEN (no newline) */
#define SIG "be36d8e0ff7ed116a62e8839668288f795fa97f3789bca53ad83927f7335c8a9"

static void verifies_signature(void **state)
{
    (void)state;
    assert_int_equal(hilo_mailgun_verify(KEY, "1700000000", TOKEN, SIG, 1700000000, 300), 0);
    assert_int_equal(hilo_mailgun_verify(KEY, "1700000000", TOKEN, SIG, 1700000300, 300), 0);
    assert_int_equal(hilo_mailgun_verify(KEY, "1700000000", TOKEN, SIG, 1699999700, 300), 0);
    /* Too old, from the future, tampered token/timestamp, wrong key. */
    assert_int_equal(hilo_mailgun_verify(KEY, "1700000000", TOKEN, SIG, 1700000301, 300), -1);
    assert_int_equal(hilo_mailgun_verify(KEY, "1700000000", TOKEN, SIG, 1699999699, 300), -1);
    assert_int_equal(hilo_mailgun_verify(KEY, "1700000000", TOKEN "x", SIG, 1700000000, 300), -1);
    assert_int_equal(hilo_mailgun_verify(KEY, "1700000001", TOKEN, SIG, 1700000000, 300), -1);
    assert_int_equal(hilo_mailgun_verify("key-other", "1700000000", TOKEN, SIG, 1700000000, 300), -1);
    /* Malformed signature, missing parts. */
    assert_int_equal(hilo_mailgun_verify(KEY, "1700000000", TOKEN, "be36", 1700000000, 300), -1);
    assert_int_equal(hilo_mailgun_verify(KEY, "1700000000", TOKEN, NULL, 1700000000, 300), -1);
    assert_int_equal(hilo_mailgun_verify(KEY, "", TOKEN, SIG, 1700000000, 300), -1);
    assert_int_equal(hilo_mailgun_verify(KEY, "17e8", TOKEN, SIG, 1700000000, 300), -1);
    assert_int_equal(hilo_mailgun_verify("", "1700000000", TOKEN, SIG, 1700000000, 300), -1);
    assert_int_equal(hilo_mailgun_verify(KEY, "1700000000", "", SIG, 1700000000, 300), -1);
}

static void add(struct hilo_form *f, const char *k, const char *v)
{
    assert_int_equal(hilo_form_add(f, k, v, strlen(v)), 0);
}

static void parses_reply_with_headers(void **state)
{
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    (void)state;
    add(&f, "timestamp", "1700000000");
    add(&f, "token", TOKEN);
    add(&f, "signature", SIG);
    add(&f, "recipient", "support+40718263@example.com");
    add(&f, "sender", "bob@example.net");
    add(&f, "from", "\"Bob, the Builder\" <Bob@Example.NET>");
    add(&f, "subject", "Re: Your order [#40718263]");
    add(&f, "body-plain", "Thanks!\r\n\r\nOn Mon, Jan 1, 2024 at 10:00 AM Support <support@example.com> wrote:\r\n> old text\r\n");
    add(&f, "stripped-text", "Thanks!");
    add(&f, "message-headers",
        "[[\"Received\", \"by mx\"], [\"Date\", \"Mon, 01 Jan 2024 10:05:00 +0000\"], "
        "[\"Message-Id\", \"<CAF=abc123@mail.gmail.com>\"], [\"In-Reply-To\", \"<t40718263.r1@support.example.com>\"], "
        "[\"References\", \"<t40718263.r0@support.example.com>\\r\\n <t40718263.r1@support.example.com>\"]]");
    add(&f, "Message-Id", "<ignored@top.level>");
    assert_int_equal(hilo_mailgun_parse(&f, &m), 0);
    assert_string_equal(m->channel, "email");
    assert_string_equal(m->provider, "mailgun");
    assert_string_equal(m->provider_id, "CAF=abc123@mail.gmail.com");
    assert_string_equal(m->message_id, "<CAF=abc123@mail.gmail.com>");
    assert_string_equal(m->in_reply_to, "<t40718263.r1@support.example.com>");
    assert_string_equal(m->references, "<t40718263.r0@support.example.com> <t40718263.r1@support.example.com>");
    assert_string_equal(m->from, "bob@example.net");
    assert_string_equal(m->from_name, "Bob, the Builder");
    assert_string_equal(m->to, "support+40718263@example.com");
    assert_string_equal(m->subject, "Re: Your order [#40718263]");
    assert_string_equal(m->text, "Thanks!");
    assert_string_equal(m->ref_hint, "40718263");
    assert_string_equal(m->type, "text");
    assert_true(m->ts_ms == INT64_C(1700000000000));
    assert_string_equal(m->extra_json, "{\"sender\":\"bob@example.net\",\"date\":\"Mon, 01 Jan 2024 10:05:00 +0000\"}");
    hilo_inbound_free(m);
    hilo_form_free(&f);
}

static void falls_back_to_trimming_and_subject_ref(void **state)
{
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    (void)state;
    add(&f, "recipient", "support@example.com");
    add(&f, "sender", "Carol@Example.org");
    add(&f, "subject", "Re: Pedido [4071 8263]");
    add(&f, "body-plain", "Sigue sin llegar.\n\nEl lun, 1 ene 2024 a las 10:00, Soporte (<support@example.com>) escribi\xC3\xB3:\n> hola\n");
    add(&f, "stripped-text", "");
    assert_int_equal(hilo_mailgun_parse(&f, &m), 0);
    assert_string_equal(m->from, "carol@example.org");
    assert_string_equal(m->from_name, "");
    assert_string_equal(m->text, "Sigue sin llegar.");
    assert_string_equal(m->ref_hint, "40718263");
    /* No Message-Id: a stable content hash, the same on a retry. */
    assert_int_equal(strncmp(m->provider_id, "sha256:", 7), 0);
    assert_int_equal(strlen(m->provider_id), 7 + 64);
    assert_string_equal(m->message_id, "");
    struct hilo_inbound *again = NULL;
    assert_int_equal(hilo_mailgun_parse(&f, &again), 0);
    assert_string_equal(again->provider_id, m->provider_id);
    hilo_inbound_free(again);
    hilo_inbound_free(m);
    hilo_form_free(&f);
}

static void parses_multipart_with_attachments(void **state)
{
    static const char body[] =
        "--bnd\r\nContent-Disposition: form-data; name=\"recipient\"\r\n\r\nsupport@example.com\r\n"
        "--bnd\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\nAna <ana@example.es>\r\n"
        "--bnd\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nFotos [#12345678] y [#9]\r\n"
        "--bnd\r\nContent-Disposition: form-data; name=\"body-plain\"\r\n\r\nAdjunto fotos.\r\n-- \r\nAna\r\n"
        "--bnd\r\nContent-Disposition: form-data; name=\"attachment-count\"\r\n\r\n2\r\n"
        "--bnd\r\nContent-Disposition: form-data; name=\"attachment-1\"; filename=\"caja rota.jpg\"\r\n"
        "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0 binary\r\n"
        "--bnd\r\nContent-Disposition: form-data; name=\"attachment-2\"; filename=\"factura.pdf\"\r\n"
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n"
        "--bnd\r\nContent-Disposition: form-data; name=\"message-headers\"\r\n\r\n[[\"Message-Id\", \"<x1@example.es>\"]]\r\n"
        "--bnd--\r\n";
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    (void)state;
    assert_int_equal(hilo_form_parse_multipart(body, sizeof(body) - 1, "multipart/form-data; boundary=bnd", &f), 0);
    assert_int_equal(hilo_mailgun_parse(&f, &m), 0);
    assert_string_equal(m->from, "ana@example.es");
    assert_string_equal(m->from_name, "Ana");
    assert_string_equal(m->text, "Adjunto fotos.");
    assert_string_equal(m->ref_hint, "12345678");
    assert_string_equal(m->provider_id, "x1@example.es");
    assert_string_equal(m->extra_json, "{\"attachments\":[{\"field\":\"attachment-1\",\"filename\":\"caja rota.jpg\"},"
                                       "{\"field\":\"attachment-2\",\"filename\":\"factura.pdf\"}]}");
    hilo_inbound_free(m);
    hilo_form_free(&f);
}

static void rejects_missing_sender(void **state)
{
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    (void)state;
    add(&f, "recipient", "support@example.com");
    add(&f, "body-plain", "hi");
    assert_int_equal(hilo_mailgun_parse(&f, &m), -1);
    add(&f, "from", "not an address");
    assert_int_equal(hilo_mailgun_parse(&f, &m), -1);
    assert_null(m);
    /* Broken message-headers JSON is not fatal. */
    add(&f, "sender", "x@y.z");
    add(&f, "message-headers", "[[\"Message-Id\", ");
    assert_int_equal(hilo_mailgun_parse(&f, &m), 0);
    assert_string_equal(m->from, "x@y.z");
    hilo_inbound_free(m);
    hilo_form_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verifies_signature),
        cmocka_unit_test(parses_reply_with_headers),
        cmocka_unit_test(falls_back_to_trimming_and_subject_ref),
        cmocka_unit_test(parses_multipart_with_attachments),
        cmocka_unit_test(rejects_missing_sender),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
