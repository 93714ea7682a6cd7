/* The reports' maths (src/api/stats.c) on made-up tickets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/api/internal.h"

#define DAY 86400000ull
#define T0 1763251200000ull /* 2025-11-16T00:00:00Z */

static json_int_t geti(json_t *o, const char *path1, const char *path2)
{
    json_t *v = json_object_get(o, path1);
    if (path2)
        v = json_object_get(v, path2);
    assert_non_null(v);
    return json_integer_value(v);
}

static void percentiles_are_nearest_rank(void **state)
{
    uint64_t v[] = {50, 10, 40, 30, 20, 60, 70, 80, 90, 100};
    json_t *p = api_stats_percentiles(v, 10);
    assert_int_equal(geti(p, "count", NULL), 10);
    assert_int_equal(geti(p, "median_ms", NULL), 50); /* rank ceil(0.5*10) = 5 */
    assert_int_equal(geti(p, "p90_ms", NULL), 90);    /* rank ceil(0.9*10) = 9 */
    json_decref(p);
    uint64_t one[] = {7};
    p = api_stats_percentiles(one, 1);
    assert_int_equal(geti(p, "median_ms", NULL), 7);
    assert_int_equal(geti(p, "p90_ms", NULL), 7);
    json_decref(p);
    p = api_stats_percentiles(NULL, 0);
    assert_int_equal(geti(p, "count", NULL), 0);
    assert_true(json_is_null(json_object_get(p, "median_ms")));
    assert_true(json_is_null(json_object_get(p, "p90_ms")));
    json_decref(p);
}

static void days_are_utc(void **state)
{
    char d[11];
    api_stats_day(T0, d);
    assert_string_equal(d, "2025-11-16");
    api_stats_day(T0 - 1, d);
    assert_string_equal(d, "2025-11-15");
    api_stats_day(T0 + DAY - 1, d);
    assert_string_equal(d, "2025-11-16");
}

static json_t *ticket(uint64_t created, uint64_t first, uint64_t resolved, const char *channel,
                      const char *status, json_int_t switches)
{
    json_t *t = json_pack("{s:I, s:s, s:s, s:I, s:{s:i}}", "created_at", (json_int_t)created,
                          "channel", channel, "status", status, "channel_switches", switches,
                          "_mc", channel, 2);
    if (first)
        json_object_set_new(t, "first_response_at", json_integer((json_int_t)first));
    if (resolved)
        json_object_set_new(t, "resolved_at", json_integer((json_int_t)resolved));
    return t;
}

static void report_counts_the_range_only(void **state)
{
    json_t *t[5] = {
        ticket(T0 + 1000, T0 + 61000, T0 + DAY + 1000, "web", "resolved", 0),
        ticket(T0 + 2000, T0 + 2000 + 120000, 0, "whatsapp", "open", 1),
        ticket(T0 + DAY + 5, 0, 0, "web", "pending", 4),
        ticket(T0 - 1, T0 + 10, 0, "web", "open", 0), /* before from: not counted */
        NULL,                                         /* a ticket that could not be read */
    };
    json_t *r = api_stats_report(t, 5, T0, T0 + 3 * DAY);
    assert_non_null(r);
    assert_int_equal(geti(r, "tickets", NULL), 3);
    assert_int_equal(geti(r, "first_response", "count"), 2);
    assert_int_equal(geti(r, "first_response", "median_ms"), 60000);
    assert_int_equal(geti(r, "first_response", "p90_ms"), 120000);
    assert_int_equal(geti(r, "resolution", "count"), 1);
    assert_int_equal(geti(r, "resolution", "median_ms"), DAY);
    assert_int_equal(geti(r, "by_channel", "web"), 2);
    assert_int_equal(geti(r, "by_channel", "whatsapp"), 1);
    assert_int_equal(geti(r, "messages_by_channel", "web"), 4);
    assert_int_equal(geti(r, "status", "open"), 1);
    assert_int_equal(geti(r, "status", "pending"), 1);
    assert_int_equal(geti(r, "status", "resolved"), 1);
    assert_int_equal(geti(r, "status", "closed"), 0);
    json_t *cs = json_object_get(r, "channel_switches");
    assert_int_equal(geti(cs, "total", NULL), 5);
    assert_int_equal(geti(cs, "tickets_with_switches", NULL), 2);
    assert_int_equal(geti(cs, "histogram", "0"), 1);
    assert_int_equal(geti(cs, "histogram", "1"), 1);
    assert_int_equal(geti(cs, "histogram", "3+"), 1);
    /* every day of the range, in order, with its created and resolved */
    json_t *daily = json_object_get(r, "daily");
    assert_int_equal(json_array_size(daily), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(daily, 0), "day")),
                        "2025-11-16");
    assert_int_equal(geti(json_array_get(daily, 0), "created", NULL), 2);
    assert_int_equal(geti(json_array_get(daily, 1), "created", NULL), 1);
    assert_int_equal(geti(json_array_get(daily, 1), "resolved", NULL), 1);
    assert_int_equal(geti(json_array_get(daily, 2), "created", NULL), 0);
    json_decref(r);
    for (int i = 0; i < 5; i++)
        json_decref(t[i]);
}

/* per agent: the current assignee, tickets of the range only (issue #13) */
static void report_by_agent(void **state)
{
    json_t *t[4] = {
        ticket(T0 + 1000, T0 + 61000, T0 + 2000000, "web", "resolved", 0),
        ticket(T0 + 2000, T0 + 2000 + 180000, 0, "web", "open", 0),
        ticket(T0 + 3000, T0 + 3000 + 30000, 0, "web", "open", 0),
        ticket(T0 - 5, T0 + 10, 0, "web", "open", 0), /* before from */
    };
    (void)state;
    json_object_set_new(t[0], "assignee", json_string("ana"));
    json_object_set_new(t[1], "assignee", json_string("ana"));
    json_object_set_new(t[2], "assignee", json_string(""));
    json_object_set_new(t[3], "assignee", json_string("bob"));
    json_t *r = api_stats_report(t, 4, T0, T0 + DAY);
    json_t *ba = json_object_get(r, "by_agent");
    assert_int_equal(json_object_size(ba), 1); /* bob's ticket is outside, unassigned not counted */
    json_t *ana = json_object_get(ba, "ana");
    assert_int_equal(geti(ana, "tickets", NULL), 2);
    assert_int_equal(geti(ana, "resolved", NULL), 1);
    assert_int_equal(geti(ana, "first_response", "count"), 2);
    assert_int_equal(geti(ana, "first_response", "median_ms"), 60000);
    assert_int_equal(geti(ana, "first_response", "p90_ms"), 180000);
    /* the overall figures are not disturbed by the per-agent pass */
    assert_int_equal(geti(r, "first_response", "count"), 3);
    json_decref(r);
    for (int i = 0; i < 4; i++)
        json_decref(t[i]);
}

static void empty_report(void **state)
{
    json_t *r = api_stats_report(NULL, 0, T0, T0 + DAY);
    assert_non_null(r);
    assert_int_equal(geti(r, "tickets", NULL), 0);
    assert_true(json_is_null(json_object_get(json_object_get(r, "resolution"), "median_ms")));
    assert_int_equal(json_array_size(json_object_get(r, "daily")), 1);
    assert_true(json_real_value(json_object_get(json_object_get(r, "channel_switches"),
                                                "per_ticket")) == 0.0);
    json_decref(r);
}

/* A damaged hash with a negative channel_switches once indexed hist[-1]. */
static void negative_switches_count_as_none(void **state)
{
    json_t *t[1] = {ticket(T0 + 1, 0, 0, "web", "open", -1)};
    json_t *r = api_stats_report(t, 1, T0, T0 + DAY);
    json_t *cs = json_object_get(r, "channel_switches");
    assert_int_equal(geti(cs, "histogram", "0"), 1);
    assert_int_equal(geti(cs, "total", NULL), 0);
    assert_int_equal(geti(cs, "tickets_with_switches", NULL), 0);
    json_decref(r);
    json_decref(t[0]);
}

static void ticket_hash_fields(void **state)
{
    const char *kv[] = {"created_at", "1000", "channel", "web", "mc:web", "3",
                        "channel_switches", "2", "name", "Ana"};
    redisReply el[10], *pel[10], h;
    memset(&h, 0, sizeof h);
    for (int i = 0; i < 10; i++) {
        memset(&el[i], 0, sizeof el[i]);
        el[i].type = REDIS_REPLY_STRING;
        el[i].str = (char *)kv[i];
        el[i].len = strlen(kv[i]);
        pel[i] = &el[i];
    }
    h.type = REDIS_REPLY_ARRAY;
    h.elements = 10;
    h.element = pel;
    json_t *t = api_stats_ticket(&h);
    assert_int_equal(geti(t, "created_at", NULL), 1000);
    assert_int_equal(geti(t, "channel_switches", NULL), 2);
    assert_int_equal(geti(t, "_mc", "web"), 3);
    assert_string_equal(json_string_value(json_object_get(t, "channel")), "web");
    assert_string_equal(json_string_value(json_object_get(t, "name")), "Ana");
    json_decref(t);
}

/* SLA attainment and satisfaction (issue #10): a breach is a miss, a
 * reply or resolution without one is met, the rest runs; csat averages. */
static void sla_and_csat(void **state)
{
    (void)state;
    json_t *t[4];
    t[0] = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:s}", "created_at", (json_int_t)1000,
                     "channel", "web", "team", "", "status", "resolved", "first_response_at",
                     (json_int_t)1500, "sla_fr_due", "2000", "resolved_at", (json_int_t)1600,
                     "sla_res_due", "9000", "csat", "4");
    t[1] = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s}", "created_at", (json_int_t)1000, "channel",
                     "whatsapp", "team", "billing", "status", "open", "sla_fr_due", "2000",
                     "sla_fr_breached_at", (json_int_t)2001, "csat", "2");
    t[2] = json_pack("{s:I, s:s, s:s, s:s}", "created_at", (json_int_t)1000, "channel", "web",
                     "status", "open", "sla_res_due", "5000");
    t[3] = json_pack("{s:I, s:s, s:s}", "created_at", (json_int_t)1000, "channel", "sms", "status",
                     "open"); /* no target: not counted */
    json_t *r = api_stats_report(t, 4, 0, 10000);
    json_t *sla = json_object_get(r, "sla"), *fr = json_object_get(sla, "first_response");
    assert_int_equal(json_integer_value(json_object_get(fr, "met")), 1);
    assert_int_equal(json_integer_value(json_object_get(fr, "missed")), 1);
    assert_true(json_real_value(json_object_get(fr, "attainment")) == 0.5);
    json_t *res = json_object_get(sla, "resolution");
    assert_int_equal(json_integer_value(json_object_get(res, "met")), 1);
    assert_int_equal(json_integer_value(json_object_get(res, "running")), 1);
    json_t *billing = json_object_get(json_object_get(sla, "by_team"), "billing");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(billing, "first_response"), "missed")), 1);
    assert_null(json_object_get(json_object_get(sla, "by_channel"), "sms"));
    json_t *cs = json_object_get(r, "csat");
    assert_int_equal(json_integer_value(json_object_get(cs, "count")), 2);
    assert_true(json_real_value(json_object_get(cs, "average")) == 3.0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(cs, "scores"), "4")), 1);
    assert_null(json_object_get(cs, "_sum"));
    assert_true(json_real_value(json_object_get(json_object_get(json_object_get(cs, "by_channel"), "whatsapp"), "average")) == 2.0);
    json_decref(r);
    for (int i = 0; i < 4; i++)
        json_decref(t[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(percentiles_are_nearest_rank),
        cmocka_unit_test(days_are_utc),
        cmocka_unit_test(report_counts_the_range_only),
        cmocka_unit_test(empty_report),
        cmocka_unit_test(report_by_agent),
        cmocka_unit_test(negative_switches_count_as_none),
        cmocka_unit_test(ticket_hash_fields),
        cmocka_unit_test(sla_and_csat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
