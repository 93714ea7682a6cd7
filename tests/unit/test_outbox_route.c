/* The route decision (include/hilo/outbound_route.h): which channel a reply
 * goes out on, given the ticket's fields, `want` and what is configured.
 * Pure: no Redis, no sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/outbound_route.h"

/* Nothing configured: every provider string is "". */
static struct hilo_config none(void)
{
    struct hilo_config c;
    memset(&c, 0, sizeof c);
    c.whatsapp_token = c.whatsapp_phone_number_id = "";
    c.twilio_account_sid = c.twilio_auth_token = c.twilio_from = c.twilio_whatsapp_from = "";
    c.smtp_url = c.support_email = "";
    return c;
}

static struct hilo_config all(void)
{
    struct hilo_config c = none();
    c.whatsapp_token = "tok";
    c.whatsapp_phone_number_id = "123";
    c.twilio_account_sid = "AC1";
    c.twilio_auth_token = "secret";
    c.twilio_from = "+15550001";
    c.twilio_whatsapp_from = "whatsapp:+15550002";
    c.smtp_url = "smtp://127.0.0.1:2525";
    c.support_email = "support@example.com";
    return c;
}

/* last_channel, addr:whatsapp, addr:sms, addr:voice, addr:email, wa_via, ... */
static const char *ticket[HILO_OUTBOX_NFIELDS] = {
    "whatsapp", "+34600111222", "+34600333444", "+34600555666", "ana@example.org",
    "", "Order", "<m1@x>", "", "es",
};

static void fields_are_the_route_inputs(void **state)
{
    (void)state;
    assert_string_equal(hilo_outbox_ticket_fields[0], "last_channel");
    assert_string_equal(hilo_outbox_ticket_fields[4], "addr:email");
    assert_string_equal(hilo_outbox_ticket_fields[HILO_OUTBOX_NFIELDS - 1], "locale");
}

static void last_channel_without_want(void **state)
{
    struct hilo_config c = all();
    struct hilo_route_choice r;
    (void)state;
    assert_int_equal(hilo_route_decide(&c, NULL, ticket, &r), 0);
    assert_string_equal(r.channel, "whatsapp");
    assert_string_equal(r.to, "+34600111222");
    assert_string_equal(r.via, "cloud");
    assert_int_equal(hilo_route_decide(&c, "", ticket, &r), 0);
    assert_string_equal(r.channel, "whatsapp");
}

static void want_wins_over_last_channel(void **state)
{
    struct hilo_config c = all();
    struct hilo_route_choice r;
    (void)state;
    assert_int_equal(hilo_route_decide(&c, "email", ticket, &r), 0);
    assert_string_equal(r.channel, "email");
    assert_string_equal(r.to, "ana@example.org");
    assert_string_equal(r.via, "");
    assert_int_equal(hilo_route_decide(&c, "sms", ticket, &r), 0);
    assert_string_equal(r.channel, "sms");
    assert_string_equal(r.to, "+34600333444");
}

static void web_needs_no_provider(void **state)
{
    struct hilo_config c = all();
    struct hilo_route_choice r;
    const char *web[HILO_OUTBOX_NFIELDS] = {"web"};
    const char *unset[HILO_OUTBOX_NFIELDS] = {NULL};
    (void)state;
    assert_int_equal(hilo_route_decide(&c, "web", ticket, &r), 0);
    assert_null(r.channel);
    assert_int_equal(hilo_route_decide(&c, NULL, web, &r), 0);
    assert_null(r.channel);
    assert_int_equal(hilo_route_decide(&c, NULL, unset, &r), 0);
    assert_null(r.channel);
}

static void voice_falls_back_to_sms(void **state)
{
    struct hilo_config c = all();
    struct hilo_route_choice r;
    const char *caller[HILO_OUTBOX_NFIELDS] = {"voice", "", "", "+34600555666"};
    const char *wa_only[HILO_OUTBOX_NFIELDS] = {"sms", "+34600111222"};
    (void)state;
    assert_int_equal(hilo_route_decide(&c, NULL, caller, &r), 0);
    assert_string_equal(r.channel, "sms");
    assert_string_equal(r.to, "+34600555666"); /* addr:sms unset: the caller's number */
    assert_int_equal(hilo_route_decide(&c, "voice", ticket, &r), 0);
    assert_string_equal(r.to, "+34600333444"); /* addr:sms first */
    assert_int_equal(hilo_route_decide(&c, NULL, wa_only, &r), 0);
    assert_string_equal(r.to, "+34600111222"); /* then the WhatsApp number */
}

static void unknown_channel(void **state)
{
    struct hilo_config c = all();
    struct hilo_route_choice r;
    const char *odd[HILO_OUTBOX_NFIELDS] = {"shopchat"};
    (void)state;
    assert_int_equal(hilo_route_decide(&c, "pigeon", ticket, &r), -HILO_EBADFRAME);
    /* an integration's own channel as the last one: the web carries replies */
    assert_int_equal(hilo_route_decide(&c, NULL, odd, &r), 0);
    assert_null(r.channel);
}

static void unreachable_asked_is_refused_unasked_falls_back(void **state)
{
    struct hilo_config c = none();
    struct hilo_config full = all();
    struct hilo_route_choice r;
    const char *no_email[HILO_OUTBOX_NFIELDS] = {"email"};
    (void)state;
    /* provider not configured */
    assert_int_equal(hilo_route_decide(&c, "whatsapp", ticket, &r), -HILO_EBADSTATE);
    assert_int_equal(hilo_route_decide(&c, NULL, ticket, &r), 0);
    assert_null(r.channel);
    /* no address for that channel */
    assert_int_equal(hilo_route_decide(&full, "email", no_email, &r), -HILO_EBADSTATE);
    assert_int_equal(hilo_route_decide(&full, NULL, no_email, &r), 0);
    assert_null(r.channel);
}

static void whatsapp_via(void **state)
{
    struct hilo_config c = all();
    struct hilo_config tw = all();
    struct hilo_route_choice r;
    const char *via_twilio[HILO_OUTBOX_NFIELDS] = {"whatsapp", "+34600111222", "", "", "", "twilio"};
    const char *via_cloud[HILO_OUTBOX_NFIELDS] = {"whatsapp", "+34600111222", "", "", "", "cloud"};
    (void)state;
    tw.whatsapp_token = "";
    tw.whatsapp_phone_number_id = "";
    /* the customer's own provider wins */
    assert_int_equal(hilo_route_decide(&c, NULL, via_twilio, &r), 0);
    assert_string_equal(r.via, "twilio");
    /* without the Cloud API configured, Twilio carries WhatsApp */
    assert_int_equal(hilo_route_decide(&tw, NULL, ticket, &r), 0);
    assert_string_equal(r.via, "twilio");
    assert_int_equal(hilo_route_decide(&tw, NULL, via_cloud, &r), 0);
    assert_string_equal(r.via, "twilio");
}

static void channel_ok(void **state)
{
    struct hilo_config c = none();
    (void)state;
    assert_false(hilo_route_channel_ok(&c, "whatsapp"));
    assert_false(hilo_route_channel_ok(&c, "sms"));
    assert_false(hilo_route_channel_ok(&c, "email"));
    c.twilio_account_sid = "AC1";
    c.twilio_auth_token = "t";
    assert_false(hilo_route_channel_ok(&c, "sms")); /* no sender */
    c.twilio_from = "+15550001";
    assert_true(hilo_route_channel_ok(&c, "sms"));
    assert_false(hilo_route_channel_ok(&c, "whatsapp"));
    c.twilio_whatsapp_from = "whatsapp:+15550002";
    assert_true(hilo_route_channel_ok(&c, "whatsapp"));
    c.smtp_url = "smtp://x";
    assert_false(hilo_route_channel_ok(&c, "email"));
    c.support_email = "s@x";
    assert_true(hilo_route_channel_ok(&c, "email"));
    assert_false(hilo_route_channel_ok(&c, "web"));
}

static void entry_and_delivery(void **state)
{
    struct hilo_config c = all();
    json_t *e;
    char *d;
    (void)state;
    assert_int_equal(hilo_route_entry(&c, "email", ticket, "40718263", "k1", "Hi", &e, &d), 0);
    assert_non_null(e);
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(e, "ch")), "email");
    assert_string_equal(json_string_value(json_object_get(e, "to")), "ana@example.org");
    assert_string_equal(json_string_value(json_object_get(e, "attempt")), "0");
    assert_string_equal(json_string_value(json_object_get(e, "irt")), "<m1@x>");
    const char *msgid = json_string_value(json_object_get(e, "msgid"));
    assert_non_null(strstr(msgid, "hilo.40718263."));
    assert_non_null(strstr(msgid, "@example.com"));
    json_t *dj = json_loads(d, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(dj, "status")), "queued");
    assert_string_equal(json_string_value(json_object_get(dj, "channel")), "email");
    json_decref(dj);
    json_decref(e);
    free(d);
    assert_int_equal(hilo_route_entry(&c, "web", ticket, "40718263", "k1", "Hi", &e, &d), 0);
    assert_null(e);
    assert_null(d);
    assert_int_equal(hilo_route_entry(&c, "pigeon", ticket, "40718263", "k1", "Hi", &e, &d),
                     -HILO_EBADFRAME);
    assert_null(e);
    assert_null(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_are_the_route_inputs),
        cmocka_unit_test(last_channel_without_want),
        cmocka_unit_test(want_wins_over_last_channel),
        cmocka_unit_test(web_needs_no_provider),
        cmocka_unit_test(voice_falls_back_to_sms),
        cmocka_unit_test(unknown_channel),
        cmocka_unit_test(unreachable_asked_is_refused_unasked_falls_back),
        cmocka_unit_test(whatsapp_via),
        cmocka_unit_test(channel_ok),
        cmocka_unit_test(entry_and_delivery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
