/* The channel table (include/hilo/channels.h): lookups, what each row says
 * is configured, webhook verification and parsing from a plain request
 * view, send requests built and answers read. Pure: no lws, no Redis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "hilo/channels.h"
#include "hilo/common.h"
#include "hilo/config.h"

static struct hilo_config none(void)
{
    struct hilo_config c;
    memset(&c, 0, sizeof c);
    c.public_url = c.whatsapp_verify_token = c.whatsapp_app_secret = "";
    c.whatsapp_token = c.whatsapp_phone_number_id = c.whatsapp_api_base = "";
    c.twilio_account_sid = c.twilio_auth_token = c.twilio_from = c.twilio_whatsapp_from = "";
    c.twilio_api_base = c.mailgun_signing_key = "";
    c.smtp_url = c.smtp_user = c.smtp_password = c.support_email = "";
    return c;
}

static struct hilo_config all(void)
{
    struct hilo_config c = none();
    c.public_url = "https://hilo.example";
    c.whatsapp_verify_token = "vt";
    c.whatsapp_app_secret = "appsecret";
    c.whatsapp_token = "tok";
    c.whatsapp_phone_number_id = "123";
    c.whatsapp_api_base = "https://graph.example/v19.0";
    c.twilio_account_sid = "AC1";
    c.twilio_auth_token = "twtoken";
    c.twilio_from = "+15550001";
    c.twilio_whatsapp_from = "whatsapp:+15550002";
    c.twilio_api_base = "https://api.twilio.example";
    c.mailgun_signing_key = "mgkey";
    c.smtp_url = "smtp://127.0.0.1:2525";
    c.support_email = "support@example.com";
    return c;
}

static void lookups(void **state)
{
    (void)state;
    assert_ptr_equal(hilo_channel_find("whatsapp", NULL), &hilo_channel_whatsapp_cloud);
    assert_ptr_equal(hilo_channel_find("whatsapp", "twilio"), &hilo_channel_whatsapp_twilio);
    assert_ptr_equal(hilo_channel_find("sms", ""), &hilo_channel_sms_twilio);
    assert_ptr_equal(hilo_channel_find("email", NULL), &hilo_channel_email_smtp);
    assert_null(hilo_channel_find("voice", NULL)); /* calls are never sent */
    assert_null(hilo_channel_find("web", NULL));
    assert_ptr_equal(hilo_channel_by_provider("whatsapp"), &hilo_channel_whatsapp_cloud);
    assert_string_equal(hilo_channel_by_provider("twilio")->provider, "twilio");
    assert_ptr_equal(hilo_channel_by_provider("email"), &hilo_channel_email_smtp);
    assert_null(hilo_channel_by_provider("mailgun")); /* receives only */
    assert_ptr_equal(hilo_channel_by_hook("/webhooks/whatsapp"), &hilo_channel_whatsapp_cloud);
    assert_ptr_equal(hilo_channel_by_hook("/webhooks/twilio/status"), &hilo_channel_sms_twilio);
    assert_ptr_equal(hilo_channel_by_hook("/webhooks/twilio/voice/gather"), &hilo_channel_voice_twilio);
    assert_ptr_equal(hilo_channel_by_hook("/webhooks/email"), &hilo_channel_email_mailgun);
    assert_null(hilo_channel_by_hook("/webhooks/nope"));
    assert_null(hilo_channel_by_hook("/webhooks/whatsapp/x"));
    /* every row names itself; rows that send can say whether they may */
    for (size_t i = 0; i < hilo_channel_count(); i++) {
        const struct hilo_channel_ops *o = hilo_channel_at(i);
        assert_non_null(o->channel);
        assert_non_null(o->provider);
        assert_non_null(o->via);
        assert_true(!o->build_send == !o->configured);
        assert_true(!o->hooks == !o->hooks_configured);
    }
    assert_null(hilo_channel_at(hilo_channel_count()));
    assert_int_equal(hilo_channel_whatsapp_cloud.window_ms, 24ull * 3600 * 1000);
    assert_int_equal(hilo_channel_sms_twilio.window_ms, 0);
}

static void configured(void **state)
{
    struct hilo_config c = none(), a = all();
    (void)state;
    assert_false(hilo_channel_can_send(&c, "whatsapp"));
    assert_false(hilo_channel_can_send(&c, "sms"));
    assert_false(hilo_channel_can_send(&c, "email"));
    assert_false(hilo_channel_whatsapp_cloud.hooks_configured(&c));
    assert_true(hilo_channel_can_send(&a, "whatsapp"));
    assert_true(hilo_channel_email_mailgun.hooks_configured(&a));
    /* the ticket's via wins when configured; else the first configured row */
    assert_ptr_equal(hilo_channel_pick(&a, "whatsapp", "twilio"), &hilo_channel_whatsapp_twilio);
    assert_ptr_equal(hilo_channel_pick(&a, "whatsapp", ""), &hilo_channel_whatsapp_cloud);
    a.whatsapp_token = "";
    assert_ptr_equal(hilo_channel_pick(&a, "whatsapp", "cloud"), &hilo_channel_whatsapp_twilio);
    a.twilio_whatsapp_from = "";
    assert_null(hilo_channel_pick(&a, "whatsapp", NULL));
}

static struct hilo_http_in post(const char *path, const char *body, const struct hilo_http_header *h,
                                size_t nh)
{
    struct hilo_http_in in = {.method = "POST", .path = path, .query = "", .headers = h,
                              .nheaders = nh, .body = body, .body_len = strlen(body)};
    return in;
}

static void whatsapp_webhook(void **state)
{
    struct hilo_config c = all();
    const char *body = "{\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{"
                       "\"messages\":[{\"from\":\"16505551234\",\"id\":\"wamid.1\",\"type\":\"text\","
                       "\"text\":{\"body\":\"hola\"}}]}}]}]}";
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[2 * sizeof mac + 1], sig[80], err[128];
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    const struct hilo_channel_ops *o = &hilo_channel_whatsapp_cloud;
    (void)state;
    crypto_auth_hmacsha256_state hs;
    crypto_auth_hmacsha256_init(&hs, (const unsigned char *)"appsecret", 9);
    crypto_auth_hmacsha256_update(&hs, (const unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&hs, mac);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(sig, sizeof sig, "sha256=%s", hex);

    struct hilo_http_header good[] = {{"X-Hub-Signature-256", sig}};
    struct hilo_http_header bad[] = {{"x-hub-signature-256", "sha256=00"}};
    struct hilo_http_in in = post("/webhooks/whatsapp", body, good, 1);
    assert_int_equal(o->verify(&c, &in, err, sizeof err), 0);
    in.headers = bad;
    assert_int_equal(o->verify(&c, &in, err, sizeof err), -HILO_EFORBIDDEN);
    in.nheaders = 0;
    assert_int_equal(o->verify(&c, &in, err, sizeof err), -HILO_EUNAUTH);
    assert_int_equal(o->parse(&in, &msgs, &st, err, sizeof err), 0);
    assert_non_null(msgs);
    assert_string_equal(msgs->from, "+16505551234");
    assert_string_equal(msgs->text, "hola");
    hilo_inbound_free(msgs);
    msgs = NULL;
    in.body = "not json";
    in.body_len = 8;
    assert_int_equal(o->parse(&in, &msgs, &st, err, sizeof err), -HILO_EBADJSON);
    hilo_inbound_free(msgs);

    struct hilo_http_in get = {.method = "GET", .path = "/webhooks/whatsapp",
                               .query = "hub.mode=subscribe&hub.challenge=42&hub.verify_token=vt"};
    char *echo = o->handshake(&c, &get);
    assert_non_null(echo);
    assert_string_equal(echo, "42");
    free(echo);
    get.query = "hub.mode=subscribe&hub.challenge=42&hub.verify_token=no";
    assert_null(o->handshake(&c, &get));
}

static void twilio_webhook(void **state)
{
    struct hilo_config c = all();
    struct hilo_form f = {0};
    char err[128];
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    const struct hilo_channel_ops *o = hilo_channel_by_hook("/webhooks/twilio/messaging");
    const char *body = "MessageSid=SM1&From=%2B16505551234&To=%2B15550001&Body=hi";
    (void)state;
    /* a header with no valid signature is refused; a malformed body is 400 */
    struct hilo_http_header h[] = {{"x-twilio-signature", "AAAA"}};
    struct hilo_http_in in = post("/webhooks/twilio/messaging", body, h, 1);
    assert_int_equal(o->verify(&c, &in, err, sizeof err), -HILO_EFORBIDDEN);
    in.nheaders = 0;
    assert_int_equal(o->verify(&c, &in, err, sizeof err), -HILO_EUNAUTH);
    in.nheaders = 1;
    in.body = "a=%zz";
    in.body_len = 5;
    assert_int_equal(o->verify(&c, &in, err, sizeof err), -HILO_EBADFRAME);
    (void)f;
    in = post("/webhooks/twilio/messaging", body, h, 1);
    assert_int_equal(o->parse(&in, &msgs, &st, err, sizeof err), 0);
    assert_string_equal(msgs->channel, "sms");
    assert_string_equal(msgs->text, "hi");
    assert_null(st);
    hilo_inbound_free(msgs);
    msgs = NULL;
    in = post("/webhooks/twilio/status", "MessageSid=SM1&MessageStatus=delivered", h, 1);
    assert_int_equal(o->parse(&in, &msgs, &st, err, sizeof err), 0);
    assert_null(msgs);
    assert_string_equal(st->status, "delivered");
    hilo_delivery_free(st);
    st = NULL;
    in = post("/webhooks/twilio/status", "Body=x", h, 1);
    assert_int_equal(o->parse(&in, &msgs, &st, err, sizeof err), -HILO_EBADFRAME);
}

static void mailgun_webhook(void **state)
{
    struct hilo_config c = all();
    char err[128];
    (void)state;
    struct hilo_http_in in = post("/webhooks/email", "sender=a%40b.c&timestamp=1&token=t", NULL, 0);
    in.now_s = 1;
    assert_int_equal(hilo_channel_email_mailgun.verify(&c, &in, err, sizeof err), -HILO_EUNAUTH);
    in = post("/webhooks/email", "timestamp=1&token=t&signature=00", NULL, 0);
    assert_int_equal(hilo_channel_email_mailgun.verify(&c, &in, err, sizeof err), -HILO_EFORBIDDEN);
}

static void build_and_read_sends(void **state)
{
    struct hilo_config c = all();
    struct hilo_channel_msg m = {.ref = "40718263", .to = "+34600111222", .text = "Hola",
                                 .tpl = "", .tpl_params = "", .tpl_lang = "", .subject = "Order",
                                 .msgid = "<m1@x>", .irt = "<c1@y>", .refs = "", .now_s = 1700000000};
    struct hilo_channel_req r;
    char *pid = NULL, err[128];
    int retry = -1, window = -1;
    (void)state;

    memset(&r, 0, sizeof r);
    assert_int_equal(hilo_channel_whatsapp_cloud.build_send(&c, &m, &r), 0);
    assert_string_equal(r.url, "https://graph.example/v19.0/123/messages");
    assert_string_equal(r.headers[0], "Authorization: Bearer tok");
    assert_non_null(strstr(r.body, "\"+34600111222\""));
    hilo_channel_req_deinit(&r);

    memset(&r, 0, sizeof r);
    assert_int_equal(hilo_channel_whatsapp_twilio.build_send(&c, &m, &r), 0);
    assert_string_equal(r.url, "https://api.twilio.example/2010-04-01/Accounts/AC1/Messages.json");
    assert_non_null(strstr(r.body, "To=whatsapp%3A%2B34600111222"));
    assert_string_equal(r.username, "AC1");
    hilo_channel_req_deinit(&r);

    memset(&r, 0, sizeof r);
    assert_int_equal(hilo_channel_sms_twilio.build_send(&c, &m, &r), 0);
    assert_non_null(strstr(r.body, "From=%2B15550001"));
    hilo_channel_req_deinit(&r);

    memset(&r, 0, sizeof r);
    m.to = "ana@example.org";
    assert_int_equal(hilo_channel_email_smtp.build_send(&c, &m, &r), 0);
    assert_int_equal(hilo_channel_email_smtp.transport, HILO_CHANNEL_SMTP);
    assert_string_equal(r.mail_rcpt, "<ana@example.org>");
    assert_string_equal(r.mail_from, "<support@example.com>");
    assert_non_null(strstr(r.body, "Subject: Re: Order [#40718263]"));
    assert_non_null(strstr(r.body, "Reply-To: support+40718263@example.com"));
    assert_null(hilo_channel_email_smtp.parse_send);
    hilo_channel_req_deinit(&r);

    const char *ok = "{\"messages\":[{\"id\":\"wamid.X\"}]}";
    assert_int_equal(hilo_channel_whatsapp_cloud.parse_send(200, ok, strlen(ok), &pid, &retry, &window,
                                                            err, sizeof err), 0);
    assert_string_equal(pid, "wamid.X");
    free(pid);
    const char *closed = "{\"error\":{\"code\":131047,\"message\":\"Re-engagement message\"}}";
    assert_int_equal(hilo_channel_whatsapp_cloud.parse_send(400, closed, strlen(closed), NULL, &retry,
                                                            &window, err, sizeof err), -1);
    assert_int_equal(window, 1);
    assert_int_equal(retry, 0);
    window = -1;
    assert_int_equal(hilo_channel_sms_twilio.parse_send(503, "", 0, NULL, &retry, &window, err,
                                                        sizeof err), -1);
    assert_int_equal(retry, 1);
    assert_int_equal(window, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookups),
        cmocka_unit_test(configured),
        cmocka_unit_test(whatsapp_webhook),
        cmocka_unit_test(twilio_webhook),
        cmocka_unit_test(mailgun_webhook),
        cmocka_unit_test(build_and_read_sends),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
