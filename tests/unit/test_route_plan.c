/* Routing at send time (include/hilo/route_plan.h): the route an outbound
 * message takes and why, over proven identities only, by route_order and
 * wa_closed_policy. Pure: no Redis, no sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/outbound_route.h"
#include "hilo/route_plan.h"

#define H (3600ull * 1000)
#define NOW (1000ull * H)

static struct hilo_config all(void)
{
    struct hilo_config c;
    memset(&c, 0, sizeof c);
    c.whatsapp_token = "tok";
    c.whatsapp_phone_number_id = "123";
    c.twilio_account_sid = "AC1";
    c.twilio_auth_token = "secret";
    c.twilio_from = "+15550001";
    c.twilio_whatsapp_from = "whatsapp:+15550002";
    c.smtp_url = "smtp://127.0.0.1:2525";
    c.support_email = "support@example.com";
    c.route_order = "web,whatsapp,template,sms,email";
    c.wa_closed_policy = "template";
    c.wa_template_ack = c.wa_template_update = c.wa_template_survey = c.wa_template_nudge = "";
    c.wa_template_resolution = "case_resolved:es:ref,text";
    return c;
}

/* last_channel, addr:whatsapp, addr:sms, addr:voice, addr:email, wa_via, ... */
static const char *ticket[HILO_OUTBOX_NFIELDS] = {
    "whatsapp", "+34600111222", "", "", "", "", "", "", "", "es",
};

static json_t *proven_phone(void)
{
    return json_pack("{s:{s:s}}", "phone:+34600111222", "how", "provider");
}

static struct hilo_route_in base(json_t *proven, const char *cat)
{
    struct hilo_route_in in = {.category = cat, .fields = ticket, .now_ms = NOW,
                               .wa_last_in_ms = NOW - 2 * H, .proven = proven};
    return in;
}

static void window_open_goes_free_form(void **state)
{
    struct hilo_config c = all();
    json_t *pr = proven_phone();
    struct hilo_route_in in = base(pr, "update");
    struct hilo_route_plan p;
    (void)state;
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_string_equal(p.channel, "whatsapp");
    assert_string_equal(p.code, "wa_window_open");
    assert_false(p.templated);
    assert_string_equal(p.reason, "widget closed, whatsapp window open (closes in 22 h)");
    json_decref(pr);
}

static void widget_open_wins(void **state)
{
    struct hilo_config c = all();
    json_t *pr = proven_phone();
    struct hilo_route_in in = base(pr, "update");
    struct hilo_route_plan p;
    (void)state;
    in.online = 1;
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_string_equal(p.channel, "web");
    assert_string_equal(p.code, "widget_open");
    assert_null(p.ops);
    json_decref(pr);
}

static void closed_window_takes_the_template(void **state)
{
    struct hilo_config c = all();
    json_t *pr = proven_phone(), *e = NULL;
    struct hilo_route_in in = base(pr, "resolution");
    struct hilo_route_plan p;
    char *d = NULL;
    (void)state;
    in.wa_last_in_ms = NOW - 27 * H;
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_string_equal(p.code, "wa_template");
    assert_true(p.templated);
    assert_string_equal(p.tpl.name, "case_resolved");
    assert_string_equal(p.reason, "widget closed, whatsapp window closed 3 h ago, template case_resolved");
    assert_int_equal(hilo_route_plan_entry(&c, &p, ticket, "40718263", "k", "Done", "", &e, &d), 0);
    assert_string_equal(json_string_value(json_object_get(e, "tpl")), "case_resolved");
    assert_string_equal(json_string_value(json_object_get(e, "tpl_lang")), "es");
    assert_string_equal(json_string_value(json_object_get(e, "tpl_params")), "[\"40718263\",\"Done\"]");
    json_decref(e);
    free(d);
    /* no template for the category: the next route (SMS to the proven number) */
    in.category = "update";
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_string_equal(p.channel, "sms");
    assert_string_equal(p.to, "+34600111222");
    json_decref(pr);
}

static void hold_and_fallback_policies(void **state)
{
    struct hilo_config c = all();
    json_t *pr = proven_phone();
    struct hilo_route_in in = base(pr, "resolution");
    struct hilo_route_plan p;
    (void)state;
    in.wa_last_in_ms = NOW - 30 * H;
    c.wa_closed_policy = "hold";
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_true(p.held);
    assert_string_equal(p.code, "wa_held");
    assert_null(p.ops);
    c.wa_closed_policy = "fallback";
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_string_equal(p.channel, "sms");
    json_decref(pr);
}

static void unproven_or_blocked_is_never_a_route(void **state)
{
    struct hilo_config c = all();
    json_t *none = json_object();
    json_t *pr = proven_phone();
    json_t *bl = json_pack("{s:b}", "phone:+34600111222", 1);
    struct hilo_route_in in = base(none, "update");
    struct hilo_route_plan p;
    (void)state;
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_string_equal(p.channel, "web");
    assert_string_equal(p.code, "no_route");
    assert_non_null(strstr(p.reason, "whatsapp number unproven"));
    in.want = "whatsapp";
    assert_int_equal(hilo_route_plan(&c, &in, &p), -HILO_EBADSTATE);
    in.want = NULL;
    in.proven = pr;
    in.blocked = bl;
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_string_equal(p.code, "no_route");
    assert_non_null(strstr(p.reason, "whatsapp number blocked"));
    /* pinned: the outbox's gate fails a blocked address visibly */
    in.want = "whatsapp";
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_string_equal(p.code, "pinned");
    in.want = "carrier-pigeon";
    assert_int_equal(hilo_route_plan(&c, &in, &p), -HILO_EBADFRAME);
    json_decref(none);
    json_decref(pr);
    json_decref(bl);
}

static void proven_email_identity_of_a_web_customer(void **state)
{
    static const char *web[HILO_OUTBOX_NFIELDS] = {"web", "", "", "", "", "", "", "", "", "en"};
    struct hilo_config c = all();
    json_t *pr = json_pack("{s:{}}", "email:lu@example.org");
    struct hilo_route_in in = {.category = "update", .fields = web, .now_ms = NOW, .proven = pr,
                               .no_web = 1};
    struct hilo_route_plan p;
    (void)state;
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_string_equal(p.channel, "email");
    assert_string_equal(p.to, "lu@example.org");
    assert_string_equal(p.reason, "no whatsapp number, no proven phone");
    json_decref(pr);
}

/* A WhatsApp user known only by its business-scoped user id (BSUID): the
 * Cloud API sends to it; Twilio's row cannot, and never SMS to it. */
static void bsuid_goes_by_the_cloud_api_only(void **state)
{
    struct hilo_config c = all();
    static const char *bt[HILO_OUTBOX_NFIELDS] = {
        "whatsapp", "US.13491208655302741918", "", "", "", "", "", "", "", "es",
    };
    json_t *pr = json_pack("{s:{s:s}}", "bsuid:US.13491208655302741918", "how", "provider");
    struct hilo_route_in in = base(pr, "update");
    struct hilo_route_plan p;
    (void)state;
    in.fields = bt;
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_string_equal(p.channel, "whatsapp");
    assert_string_equal(p.to, "US.13491208655302741918");
    assert_string_equal(p.via, "cloud");
    /* the ticket's row is Twilio's: not sent there, and the reason says why */
    static const char *tw[HILO_OUTBOX_NFIELDS] = {
        "whatsapp", "US.13491208655302741918", "", "", "", "twilio", "", "", "", "es",
    };
    in.fields = tw;
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_true(p.channel == NULL || strcmp(p.channel, "whatsapp") != 0);
    assert_non_null(strstr(p.reason, "whatsapp user id needs the cloud api"));
    assert_null(strstr(p.to, "US."));
    /* an unproven BSUID is no route */
    json_decref(pr);
    pr = json_object();
    in.proven = pr;
    in.fields = bt;
    assert_int_equal(hilo_route_plan(&c, &in, &p), 0);
    assert_true(p.channel == NULL || strcmp(p.channel, "whatsapp") != 0);
    assert_non_null(strstr(p.reason, "whatsapp user id unproven"));
    json_decref(pr);
}

static void order_and_templates_parse(void **state)
{
    enum hilo_route_step st[HILO_ROUTE_MAX_STEPS];
    struct hilo_wa_template t;
    struct hilo_config c = all();
    char err[200];
    (void)state;
    assert_int_equal(hilo_route_order_parse("email, sms", st), 2);
    assert_int_equal(st[0], HILO_STEP_EMAIL);
    assert_int_equal(hilo_route_order_parse("web,web", st), -1);
    assert_int_equal(hilo_route_order_parse("fax", st), -1);
    assert_int_equal(hilo_route_order_parse("", st), -1);
    assert_int_equal(hilo_route_template_parse("", &t), 1);
    assert_int_equal(hilo_route_template_parse("x:en_US", &t), 0);
    assert_int_equal(t.nparams, 2);
    assert_int_equal(hilo_route_template_parse("x:en:name", &t), 0);
    assert_string_equal(t.params[0], "name");
    assert_int_equal(hilo_route_template_parse("x", &t), -1);
    assert_int_equal(hilo_route_template_parse("x:en:bogus", &t), -1);
    assert_int_equal(hilo_route_config_check(&c, err, sizeof err), 0);
    c.wa_closed_policy = "drop";
    assert_int_equal(hilo_route_config_check(&c, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_open_goes_free_form),
        cmocka_unit_test(widget_open_wins),
        cmocka_unit_test(closed_window_takes_the_template),
        cmocka_unit_test(hold_and_fallback_policies),
        cmocka_unit_test(unproven_or_blocked_is_never_a_route),
        cmocka_unit_test(proven_email_identity_of_a_web_customer),
        cmocka_unit_test(order_and_templates_parse),
        cmocka_unit_test(bsuid_goes_by_the_cloud_api_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
