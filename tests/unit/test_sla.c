/* Business time with holidays and the SLA clocks (src/domain/hours.c,
 * src/domain/sla.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/hours.h"
#include "hilo/sla.h"
#include "hilo/survey.h"

#define MIN 60000ull
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* 2026-12-04 00:00 UTC, a Friday */
#define FRI 1796342400000ull

static void calendar(struct hilo_calendar *c, const char *spec, const char *tz)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(hilo_hours_parse(spec, &c->hours), 0);
    snprintf(c->tz, sizeof c->tz, "%s", tz);
}

static void business_time(void **state)
{
    struct hilo_calendar c;
    uint64_t due;
    (void)state;
    calendar(&c, "mon-fri 09:00-17:00", "UTC");
    /* Friday 16:00 + 2 h: 1 h on Friday, 1 h on Monday -> Monday 10:00 */
    assert_int_equal(hilo_hours_add(&c, FRI + 16 * HOUR, 2 * HOUR, &due), 0);
    assert_int_equal(due, FRI + 3 * DAY + 10 * HOUR);
    /* before opening: from 9:00 */
    assert_int_equal(hilo_hours_add(&c, FRI + 2 * HOUR, 30 * MIN, &due), 0);
    assert_int_equal(due, FRI + 9 * HOUR + 30 * MIN);
    assert_int_equal(hilo_hours_between(&c, FRI + 16 * HOUR, FRI + 3 * DAY + 10 * HOUR), 2 * HOUR);
    assert_int_equal(hilo_hours_between(&c, FRI + 18 * HOUR, FRI + 3 * DAY + 8 * HOUR), 0);
    /* Monday 2026-12-07 a holiday: Tuesday 10:00 */
    c.holidays[c.nholidays++] = hilo_hours_date_parse("2026-12-07");
    assert_int_equal(hilo_hours_add(&c, FRI + 16 * HOUR, 2 * HOUR, &due), 0);
    assert_int_equal(due, FRI + 4 * DAY + 10 * HOUR);
    /* 24x7 with a holiday skips that whole local day */
    calendar(&c, "24x7", "UTC");
    c.holidays[c.nholidays++] = hilo_hours_date_parse("2026-12-05");
    assert_int_equal(hilo_hours_add(&c, FRI + 23 * HOUR, 2 * HOUR, &due), 0);
    assert_int_equal(due, FRI + 2 * DAY + HOUR);
    /* Madrid is UTC+1 in December: 09:00 local is 08:00 UTC */
    calendar(&c, "mon-fri 09:00-17:00", "Europe/Madrid");
    assert_int_equal(hilo_hours_add(&c, FRI, 60 * MIN, &due), 0);
    assert_int_equal(due, FRI + 9 * HOUR);
    strcpy(c.tz, "Nowhere/Else");
    assert_int_equal(hilo_hours_add(&c, FRI, 60 * MIN, &due), -1);
    assert_int_equal(hilo_hours_date_parse("2026-13-01"), -1);
    assert_int_equal(hilo_hours_date_parse("2026-1-01"), -1);
    assert_int_equal(hilo_hours_date_parse("2026-12-25"), 20261225);
}

static void team(struct hilo_sla_team *t)
{
    memset(t, 0, sizeof *t);
    calendar(&t->cal, "24x7", "UTC");
    t->first_response_minutes = 60;
    t->resolution_minutes = 240;
    t->warning_minutes = 10;
}

static void clocks(void **state)
{
    struct hilo_sla_team t;
    struct hilo_sla_ticket x;
    struct hilo_sla_plan p;
    uint64_t t0 = FRI;
    (void)state;
    team(&t);
    memset(&x, 0, sizeof x);
    strcpy(x.status, "open");
    strcpy(x.sla_team, "-");
    x.start = t0;
    hilo_sla_reconcile(&t, &x, t0, &p);
    assert_true(p.changed);
    assert_int_equal(p.after.c[0].due, t0 + HOUR);
    assert_int_equal(p.after.c[1].due, t0 + 4 * HOUR);
    assert_int_equal(p.next, t0 + 50 * MIN); /* the first warning */
    assert_int_equal(p.nev, 0);
    x = p.after;
    hilo_sla_reconcile(&t, &x, t0 + 10 * MIN, &p);
    assert_false(p.changed);
    /* warning */
    hilo_sla_reconcile(&t, &x, t0 + 51 * MIN, &p);
    assert_int_equal(p.nev, 1);
    assert_int_equal(p.ev[0].target, HILO_SLA_FIRST_RESPONSE);
    assert_false(p.ev[0].breach);
    assert_int_equal(p.next, t0 + HOUR);
    x = p.after;
    /* pending at 0:55: 5 min left; resumed at 2:55 -> due 3:00 */
    strcpy(x.status, "pending");
    hilo_sla_reconcile(&t, &x, t0 + 55 * MIN, &p);
    assert_int_equal(p.after.c[0].left, 5 * MIN);
    assert_int_equal(p.after.c[1].left, 185 * MIN);
    assert_int_equal(p.after.paused_at, t0 + 55 * MIN);
    assert_int_equal(p.next, 0);
    x = p.after;
    strcpy(x.status, "open");
    hilo_sla_reconcile(&t, &x, t0 + 175 * MIN, &p);
    assert_int_equal(p.after.c[0].due, t0 + 180 * MIN);
    assert_int_equal(p.after.c[0].left, 0);
    assert_int_equal(p.after.paused_at, 0);
    assert_int_equal(p.nev, 0); /* warned already, still within the lead */
    x = p.after;
    /* breach */
    hilo_sla_reconcile(&t, &x, t0 + 181 * MIN, &p);
    assert_int_equal(p.nev, 1);
    assert_true(p.ev[0].breach);
    assert_int_equal(p.after.c[0].breached, t0 + 181 * MIN);
    x = p.after;
    /* the first reply: the first-response clock does nothing more */
    x.first_response_at = t0 + 182 * MIN;
    hilo_sla_reconcile(&t, &x, t0 + 183 * MIN, &p);
    assert_int_equal(p.nev, 0);
    /* resolved: the resolution clock pauses */
    strcpy(x.status, "resolved");
    hilo_sla_reconcile(&t, &x, t0 + 184 * MIN, &p);
    assert_true(p.after.c[1].left > 0);
    assert_int_equal(p.next, 0);
}

static void team_change(void **state)
{
    struct hilo_sla_team t;
    struct hilo_sla_ticket x;
    struct hilo_sla_plan p;
    (void)state;
    team(&t);
    memset(&x, 0, sizeof x);
    strcpy(x.status, "open");
    strcpy(x.sla_team, "");
    strcpy(x.team, "billing");
    x.start = FRI;
    x.c[0].due = FRI + HOUR;
    x.c[1].due = FRI + 4 * HOUR;
    t.first_response_minutes = 30;
    hilo_sla_reconcile(&t, &x, FRI + MIN, &p);
    assert_int_equal(p.after.c[0].due, FRI + 30 * MIN);
    assert_string_equal(p.after.sla_team, "billing");
}

/* Without targets a ticket gets no clock: nothing written, nothing
 * published, no timer kept; once targets exist its first look starts them. */
static void no_targets_no_write(void **state)
{
    struct hilo_sla_team t;
    struct hilo_sla_ticket x;
    struct hilo_sla_plan p;
    (void)state;
    team(&t);
    t.first_response_minutes = t.resolution_minutes = 0;
    memset(&x, 0, sizeof x);
    strcpy(x.status, "open");
    strcpy(x.sla_team, "-");
    hilo_sla_reconcile(&t, &x, FRI, &p);
    assert_false(p.changed);
    assert_int_equal(p.next, 0);
    assert_int_equal(p.nev, 0);
    team(&t);
    hilo_sla_reconcile(&t, &x, FRI + HOUR, &p);
    assert_true(p.changed);
    assert_int_equal(p.after.c[0].due, FRI + 2 * HOUR);
}

static void settings(void **state)
{
    struct hilo_sla_team t;
    const char *bad;
    (void)state;
    team(&t);
    json_t *j = json_loads("{\"timezone\":\"Europe/Madrid\",\"hours\":\"mon-fri 09:00-18:00\","
                           "\"holidays\":[\"2026-12-25\"],\"first_response_minutes\":30}", 0, NULL);
    assert_int_equal(hilo_sla_team_apply(j, &t, &bad), 0);
    assert_string_equal(t.cal.tz, "Europe/Madrid");
    assert_int_equal(t.cal.nholidays, 1);
    assert_int_equal(t.first_response_minutes, 30);
    assert_int_equal(t.resolution_minutes, 240);
    json_decref(j);
    const char *wrong[] = {"{\"hours\":\"later\"}", "{\"timezone\":\"Mars/Base\"}",
                           "{\"holidays\":[\"tomorrow\"]}", "{\"first_response_minutes\":-1}",
                           "{\"colour\":\"red\"}", "[]"};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        j = json_loads(wrong[i], 0, NULL);
        assert_int_equal(hilo_sla_team_apply(j, &t, &bad), -1);
        json_decref(j);
    }
    assert_string_equal(t.cal.tz, "Europe/Madrid"); /* unchanged by the refused ones */
    assert_true(hilo_sla_team_name_ok("billing-es"));
    assert_false(hilo_sla_team_name_ok("a b"));
    assert_false(hilo_sla_team_name_ok(""));
}

static void survey_links(void **state)
{
    const unsigned char k[] = "secret";
    char sig[65], text[600];
    (void)state;
    hilo_survey_sign(k, 6, "40718263", 4, 2000, sig);
    assert_int_equal(strlen(sig), 64);
    assert_int_equal(hilo_survey_check(k, 6, "40718263", 4, 2000, sig, 1999), 0);
    assert_int_equal(hilo_survey_check(k, 6, "40718263", 4, 2000, sig, 2000), 0);
    assert_int_equal(hilo_survey_check(k, 6, "40718263", 4, 2000, sig, 2001), -1); /* expired */
    assert_int_equal(hilo_survey_check(k, 6, "40718263", 5, 2000, sig, 1000), -1); /* other score */
    assert_int_equal(hilo_survey_check(k, 6, "40718264", 4, 2000, sig, 1000), -1); /* other ticket */
    assert_int_equal(hilo_survey_check(k, 6, "40718263", 4, 2001, sig, 1000), -1); /* other expiry */
    assert_int_equal(hilo_survey_check((const unsigned char *)"other!", 6, "40718263", 4, 2000, sig,
                                       1000), -1);
    assert_int_equal(hilo_survey_check(k, 6, "40718263", 4, 2000, "abc", 1000), -1);
    hilo_survey_text("es", "digits", NULL, text, sizeof text);
    assert_non_null(strstr(text, "Responde con un número del 1"));
    hilo_survey_text("en", "email", "1 http://x/1\n", text, sizeof text);
    assert_non_null(strstr(text, "http://x/1"));
    json_t *b = json_loads(hilo_survey_buttons("es"), 0, NULL);
    assert_int_equal(json_array_size(b), 3); /* WhatsApp allows three reply buttons */
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(business_time),
        cmocka_unit_test(clocks),
        cmocka_unit_test(team_change),
        cmocka_unit_test(settings),
        cmocka_unit_test(no_targets_no_write),
        cmocka_unit_test(survey_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
