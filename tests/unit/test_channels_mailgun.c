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

/* Automatic mail is marked, a person's is not: Auto-Submitted other than
 * "no", Precedence bulk/junk/auto_reply, X-Autoreply. */
static int automatic_with(const char *headers)
{
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    add(&f, "recipient", "support+40718263@example.com");
    add(&f, "sender", "bob@example.net");
    add(&f, "from", "Bob <bob@example.net>");
    add(&f, "subject", "Automatic reply: Your order [#40718263]");
    add(&f, "body-plain", "I am out of the office until Monday.");
    add(&f, "message-headers", headers);
    assert_int_equal(hilo_mailgun_parse(&f, &m), 0);
    assert_non_null(m);
    int a = m->automatic;
    hilo_inbound_free(m);
    hilo_form_free(&f);
    return a;
}

static void marks_automatic_replies(void **state)
{
    (void)state;
    assert_int_equal(automatic_with("[[\"Auto-Submitted\", \"auto-replied\"]]"), HILO_AUTO_REPLY);
    assert_int_equal(automatic_with("[[\"auto-submitted\", \"auto-generated (vacation)\"]]"), HILO_AUTO_REPLY);
    assert_int_equal(automatic_with("[[\"Precedence\", \"bulk\"]]"), HILO_AUTO_REPLY);
    assert_int_equal(automatic_with("[[\"Precedence\", \"auto_reply\"]]"), HILO_AUTO_REPLY);
    assert_int_equal(automatic_with("[[\"X-Autoreply\", \"yes\"]]"), HILO_AUTO_REPLY);
    /* a person's mail */
    assert_int_equal(automatic_with("[[\"Auto-Submitted\", \"no\"]]"), 0);
    assert_int_equal(automatic_with("[[\"Precedence\", \"list\"]]"), 0);
    assert_int_equal(automatic_with("[[\"X-Auto-Response-Suppress\", \"All\"]]"), 0);
    assert_int_equal(automatic_with("[]"), 0);
}

/* A Postfix bounce of one of our replies: its failure, not a message. */
static void bounce_of_our_mail_is_its_failure(void **state)
{
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    struct hilo_delivery *d = NULL;
    (void)state;
    add(&f, "recipient", "support@example.com");
    add(&f, "sender", "");
    add(&f, "from", "MAILER-DAEMON@mx.example.net (Mail Delivery System)");
    add(&f, "subject", "Undelivered Mail Returned to Sender");
    add(&f, "body-plain",
        "This is the mail system at host mx.example.net.\n\nI'm sorry to have to inform you that "
        "your message could not\nbe delivered to one or more recipients.\n\n"
        "<nobody@example.net>: host mx.example.net said:\n    550 5.1.1 <nobody@example.net>: "
        "Recipient address rejected: User unknown (in reply to RCPT TO command)\n\n"
        "Message-ID: <hilo.40718263.0123456789abcdef@example.com>\n");
    add(&f, "message-headers",
        "[[\"Content-Type\", \"multipart/report; report-type=delivery-status; boundary=x\"],"
        " [\"Message-Id\", \"<20240101.ABC@mx.example.net>\"]]");
    assert_int_equal(hilo_mailgun_parse_all(&f, &m, &d), 0);
    assert_null(m);
    assert_non_null(d);
    assert_null(d->next);
    assert_string_equal(d->provider, "email");
    assert_string_equal(d->provider_id, "hilo.40718263.0123456789abcdef@example.com");
    assert_string_equal(d->status, "failed");
    assert_string_equal(d->error, "bounce: 550 5.1.1 <nobody@example.net>: Recipient address "
                                  "rejected: User unknown (in reply to RCPT TO command)");
    hilo_delivery_free(d);
    hilo_form_free(&f);
}

/* A delay warning, and a bounce that names no mail of ours: reports, never
 * a message nor a failure. */
static void other_reports_are_only_marked(void **state)
{
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    struct hilo_delivery *d = NULL;
    (void)state;
    add(&f, "recipient", "support@example.com");
    add(&f, "sender", "postmaster@example.net");
    add(&f, "from", "postmaster@example.net");
    add(&f, "subject", "Delivery Status Notification (Delay)");
    /* an address and a date that look like 5.X.X statuses are not */
    add(&f, "body-plain", "Connected to [5.9.12.34], on 5.3.2025: 451 4.4.1 try later\n"
                          "Action: delayed\nStatus: 4.4.1\nMessage-ID: <hilo.40718263.0123456789abcdef@example.com>\n");
    add(&f, "message-headers", "[[\"Content-Type\", \"multipart/report; report-type=delivery-status\"]]");
    assert_int_equal(hilo_mailgun_parse_all(&f, &m, &d), 0);
    assert_null(d);
    assert_non_null(m);
    assert_int_equal(m->automatic, HILO_AUTO_BOUNCE);
    hilo_inbound_free(m);
    hilo_form_free(&f);

    struct hilo_form g = {0};
    m = NULL;
    add(&g, "recipient", "support@example.com");
    add(&g, "sender", "");
    add(&g, "from", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>");
    add(&g, "subject", "Delivery Status Notification (Failure)");
    add(&g, "body-plain", "550 5.1.1 The email account does not exist. Message-ID: <abc@elsewhere.example>");
    assert_int_equal(hilo_mailgun_parse_all(&g, &m, &d), 0);
    assert_null(d);
    assert_non_null(m);
    assert_int_equal(m->automatic, HILO_AUTO_BOUNCE);
    hilo_inbound_free(m);
    hilo_form_free(&g);
}

/* Dovecot's vacation answers from the null sender, In-Reply-To our reply:
 * an automatic reply, never that reply's bounce. A postmaster who writes is
 * a person. */
static void vacation_and_postmaster(void **state)
{
    struct hilo_form f = {0}, g = {0};
    struct hilo_inbound *m = NULL;
    struct hilo_delivery *d = NULL;
    (void)state;
    add(&f, "recipient", "support+40718263@example.com");
    add(&f, "sender", "");
    add(&f, "from", "Bob <bob@example.net>");
    add(&f, "subject", "Auto: Re: Your order [#40718263]");
    add(&f, "body-plain", "Away until 5.1.2026. Message-ID: <hilo.40718263.0123456789abcdef@example.com>");
    add(&f, "message-headers", "[[\"Auto-Submitted\", \"auto-replied (vacation)\"],"
                               " [\"In-Reply-To\", \"<hilo.40718263.0123456789abcdef@example.com>\"]]");
    assert_int_equal(hilo_mailgun_parse_all(&f, &m, &d), 0);
    assert_null(d);
    assert_non_null(m);
    assert_int_equal(m->automatic, HILO_AUTO_REPLY);
    hilo_inbound_free(m);
    m = NULL;
    hilo_form_free(&f);
    add(&g, "recipient", "support@example.com");
    add(&g, "sender", "postmaster@example.org");
    add(&g, "from", "Postmaster <postmaster@example.org>");
    add(&g, "subject", "Our order 550 5.1.1 never came");
    add(&g, "body-plain", "Hello, I run the mail here; our order never came.");
    assert_int_equal(hilo_mailgun_parse_all(&g, &m, &d), 0);
    assert_null(d);
    assert_non_null(m);
    assert_int_equal(m->automatic, 0);
    hilo_inbound_free(m);
    hilo_form_free(&g);
}

static void finds_our_message_id(void **state)
{
    char out[128];
    (void)state;
    assert_int_equal(hilo_email_find_own_msgid("x <hilo.123456789.00ff00ff00ff00ff@a-b.example.com>. y", out, sizeof out), 0);
    assert_string_equal(out, "hilo.123456789.00ff00ff00ff00ff@a-b.example.com");
    assert_int_equal(hilo_email_find_own_msgid("Message-ID: hilo.40718263.0123456789abcdef@ex.com.", out, sizeof out), 0);
    assert_string_equal(out, "hilo.40718263.0123456789abcdef@ex.com");
    assert_int_equal(hilo_email_find_own_msgid("<hilo.h0a1b2c3d.0123456789abcdef@ex.com>", out, sizeof out), 0);
    assert_string_equal(out, "hilo.h0a1b2c3d.0123456789abcdef@ex.com");
    assert_int_equal(hilo_email_find_own_msgid("hilo.h0a1b2c3.0123456789abcdef@ex.com", out, sizeof out), -1);
    /* not ours: other prefixes, short or upper-case hex, no domain */
    assert_int_equal(hilo_email_find_own_msgid("xhilo.40718263.0123456789abcdef@ex.com", out, sizeof out), -1);
    assert_int_equal(hilo_email_find_own_msgid("hilo.40718263.0123456789abcde@ex.com", out, sizeof out), -1);
    assert_int_equal(hilo_email_find_own_msgid("hilo.40718263.0123456789ABCDEF@ex.com", out, sizeof out), -1);
    assert_int_equal(hilo_email_find_own_msgid("hilo.40718263.0123456789abcdef@", out, sizeof out), -1);
    assert_int_equal(hilo_email_find_own_msgid("hilo.40718263.0123456789abcdef@ex.com", out, 10), -1);
    assert_int_equal(hilo_email_find_own_msgid(NULL, out, sizeof out), -1);
}

/* Mailgun event webhooks: a permanent failure and a delivery of our mail. */
static void parses_events(void **state)
{
    static const char failed[] =
        "{\"signature\": {\"timestamp\": \"1700000000\", \"token\": \"t\", \"signature\": \"s\"},"
        " \"event-data\": {\"event\": \"failed\", \"severity\": \"permanent\", \"timestamp\": 1700000000.5,"
        " \"message\": {\"headers\": {\"message-id\": \"hilo.40718263.0123456789abcdef@example.com\"}},"
        " \"delivery-status\": {\"code\": 550, \"message\": \"5.1.1 User unknown\\r\\n\", \"description\": \"\"}}}";
    static const char temp[] =
        "{\"event-data\": {\"event\": \"failed\", \"severity\": \"temporary\","
        " \"message\": {\"headers\": {\"message-id\": \"<a@b>\"}}}}";
    static const char delivered[] =
        "{\"event\": \"delivered\", \"message\": {\"headers\": {\"message-id\": \"<a@b>\"}}}";
    struct hilo_delivery *d = NULL;
    (void)state;
    assert_int_equal(hilo_mailgun_events_parse(failed, sizeof failed - 1, &d), 0);
    assert_non_null(d);
    assert_string_equal(d->provider, "email");
    assert_string_equal(d->provider_id, "hilo.40718263.0123456789abcdef@example.com");
    assert_string_equal(d->status, "failed");
    assert_string_equal(d->error, "550: 5.1.1 User unknown  ");
    assert_true(d->ts_ms == INT64_C(1700000000500));
    hilo_delivery_free(d);
    d = NULL;
    assert_int_equal(hilo_mailgun_events_parse(temp, sizeof temp - 1, &d), 0);
    assert_null(d);
    assert_int_equal(hilo_mailgun_events_parse(delivered, sizeof delivered - 1, &d), 0);
    assert_non_null(d);
    assert_string_equal(d->provider_id, "a@b");
    assert_string_equal(d->status, "delivered");
    hilo_delivery_free(d);
    d = NULL;
    assert_int_equal(hilo_mailgun_events_parse("[1]", 3, &d), -1);
    assert_int_equal(hilo_mailgun_events_parse("{", 1, &d), -1);
    assert_null(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verifies_signature),
        cmocka_unit_test(parses_reply_with_headers),
        cmocka_unit_test(falls_back_to_trimming_and_subject_ref),
        cmocka_unit_test(parses_multipart_with_attachments),
        cmocka_unit_test(rejects_missing_sender),
        cmocka_unit_test(marks_automatic_replies),
        cmocka_unit_test(bounce_of_our_mail_is_its_failure),
        cmocka_unit_test(other_reports_are_only_marked),
        cmocka_unit_test(vacation_and_postmaster),
        cmocka_unit_test(finds_our_message_id),
        cmocka_unit_test(parses_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
