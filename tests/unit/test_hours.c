#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "hilo/hours.h"
#include "hilo/i18n.h"

static void parsing(void **state)
{
    struct hilo_hours h;
    (void)state;
    assert_int_equal(hilo_hours_parse("mon-fri 09:00-18:00; sat 10:00-14:00", &h), 0);
    assert_int_equal(h.n[1], 1);
    assert_int_equal(h.open[1][0], 540);
    assert_int_equal(h.close[5][0], 1080);
    assert_int_equal(h.n[6], 1);
    assert_int_equal(h.n[0], 0);
    assert_int_equal(hilo_hours_parse("fri-mon 08:00-12:00", &h), 0); /* wraps the week */
    assert_int_equal(h.n[0] + h.n[5] + h.n[6] + h.n[1], 4);
    assert_int_equal(h.n[3], 0);
    assert_int_equal(hilo_hours_parse("24x7", &h), 0);
    assert_true(h.always);
    assert_int_equal(hilo_hours_parse("mon 14:00-18:00; mon 09:00-13:00", &h), 0);
    assert_int_equal(h.open[1][0], 540); /* sorted */
    const char *bad[] = {"", "mon", "mon 9:00-18:00", "mon 18:00-09:00", "xyz 09:00-10:00",
                         "mon 09:00-25:00", "mon 09:00-18:00 extra", "mon 09:60-10:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(hilo_hours_parse(bad[i], &h), -1);
}

/* 2026-12-05 is a Saturday. */
static void next_opening(void **state)
{
    struct hilo_hours h;
    struct tm local;
    int64_t at;
    int ahead;
    (void)state;
    hilo_hours_parse("mon-fri 09:00-18:00", &h);
    /* Saturday 2026-12-05 12:00 UTC: Madrid (UTC+1) opens Monday 09:00 = 08:00 UTC */
    assert_int_equal(hilo_hours_next_open(&h, "Europe/Madrid", 1796472000, &at, &local, &ahead), 1);
    assert_int_equal(at, 1796630400);
    assert_int_equal(local.tm_wday, 1);
    assert_int_equal(local.tm_hour, 9);
    assert_int_equal(ahead, 2);
    /* Monday 2026-12-07 10:00 UTC = 11:00 Madrid: open */
    assert_int_equal(hilo_hours_next_open(&h, "Europe/Madrid", 1796637600, &at, &local, &ahead), 0);
    /* Monday 07:00 UTC in Mexico City (UTC-6) is Monday 01:00: today from 9:00 */
    assert_int_equal(hilo_hours_next_open(&h, "America/Mexico_City", 1796626800, &at, &local,
                                          &ahead), 1);
    assert_int_equal(ahead, 0);
    assert_int_equal(local.tm_hour, 9);
    assert_int_equal(hilo_hours_next_open(&h, "Nowhere/Atlantis", 1796472000, &at, &local, &ahead), -1);
    assert_int_equal(hilo_hours_next_open(&h, "../etc/passwd", 1796472000, &at, &local, &ahead), -1);
}

static void closed_texts(void **state)
{
    char out[512];
    struct tm t = {.tm_wday = 1, .tm_hour = 9, .tm_min = 0};
    (void)state;
    hilo_i18n_ack_closed("es", "40718263", HILO_I18N_EMAIL, &t, 2, out, sizeof out);
    assert_non_null(strstr(out, "Ahora estamos cerrados; te responderemos el lunes a partir de las 9:00"));
    assert_non_null(strstr(out, "4071 8263"));
    hilo_i18n_ack_closed("en", "40718263", 0, &t, 2, out, sizeof out);
    assert_non_null(strstr(out, "We're closed now; we'll answer Monday from 9:00."));
    hilo_i18n_ack_closed("en", "40718263", 0, &t, 1, out, sizeof out);
    assert_non_null(strstr(out, "we'll answer tomorrow from 9:00."));
}

static void phone_languages(void **state)
{
    (void)state;
    assert_string_equal(hilo_i18n_phone_lang("+34600111222", "en"), "es");
    assert_string_equal(hilo_i18n_phone_lang("+5215512345678", "en"), "es");
    assert_string_equal(hilo_i18n_phone_lang("+541112345678", "en"), "es");
    assert_string_equal(hilo_i18n_phone_lang("+18095551234", "en"), "es");
    assert_string_equal(hilo_i18n_phone_lang("+14155551234", "es"), "en");
    assert_string_equal(hilo_i18n_phone_lang("+447700900123", "es"), "en");
    assert_string_equal(hilo_i18n_phone_lang("+4915112345678", "es"), "es"); /* no opinion */
    assert_string_equal(hilo_i18n_phone_lang("anonymous", "en"), "en");
    assert_string_equal(hilo_i18n_phone_lang(NULL, "es"), "es");
}

/* hilo_hours_now: open or closed and until when; holidays; touching
 * intervals are one stretch; the widget's texts. */
static void open_now(void **state)
{
    struct hilo_calendar c;
    struct hilo_hours_now st;
    char out[256];
    /* 2026-01-05 is a Monday; 08:00 UTC */
    const uint64_t mon8 = 1767600000000ull, H = 3600000ull, D = 24 * H;
    (void)state;
    memset(&c, 0, sizeof c);
    strcpy(c.tz, "UTC");
    assert_int_equal(hilo_hours_parse("mon-fri 09:00-18:00", &c.hours), 0);
    assert_int_equal(hilo_hours_now(&c, mon8, &st), 0);
    assert_false(st.open);
    assert_int_equal(st.next_open, mon8 + H);
    assert_int_equal(st.next_close, mon8 + 10 * H);
    assert_int_equal(st.days_ahead, 0);
    assert_int_equal(st.midnight, mon8 + 16 * H);
    assert_int_equal(hilo_hours_now(&c, mon8 + 2 * H, &st), 0);
    assert_true(st.open);
    assert_int_equal(st.next_close, mon8 + 10 * H);
    assert_int_equal(st.next_open, mon8 + D + H); /* Tuesday 09:00 */
    /* Friday evening: Monday next */
    assert_int_equal(hilo_hours_now(&c, mon8 + 4 * D + 12 * H, &st), 0);
    assert_false(st.open);
    assert_int_equal(st.next_open, mon8 + 7 * D + H);
    assert_int_equal(st.days_ahead, 3);
    assert_int_equal(st.open_local.tm_wday, 1);
    /* a holiday on Monday: Tuesday */
    c.holidays[c.nholidays++] = 20260105;
    assert_int_equal(hilo_hours_now(&c, mon8, &st), 0);
    assert_false(st.open);
    assert_int_equal(st.next_open, mon8 + D + H);
    assert_int_equal(st.days_ahead, 1);
    /* touching intervals over midnight: one stretch */
    c.nholidays = 0;
    assert_int_equal(hilo_hours_parse("mon 20:00-24:00; tue 00:00-02:00", &c.hours), 0);
    assert_int_equal(hilo_hours_now(&c, mon8 + 13 * H, &st), 0);
    assert_true(st.open);
    assert_int_equal(st.next_close, mon8 + 18 * H);
    assert_int_equal(st.next_open, mon8 + 7 * D + 12 * H);
    /* 24x7 */
    assert_int_equal(hilo_hours_parse("24x7", &c.hours), 0);
    assert_int_equal(hilo_hours_now(&c, mon8, &st), 0);
    assert_true(st.open && st.always);
    assert_int_equal(st.next_close, 0);
    strcpy(c.tz, "Mars/Olympus");
    assert_int_equal(hilo_hours_now(&c, mon8, &st), -1);
    /* the widget's texts */
    hilo_i18n_hours("en", 1, 15, NULL, 0, out, sizeof out);
    assert_string_equal(out, "We usually reply within about 15 minutes.");
    hilo_i18n_hours("es", 0, 15, NULL, 0, out, sizeof out);
    assert_string_equal(out, "Ahora estamos cerrados.");
    struct tm t = {.tm_wday = 1, .tm_hour = 9};
    hilo_i18n_hours("es", 0, 15, &t, 3, out, sizeof out);
    assert_string_equal(out, "Ahora estamos cerrados; te responderemos el lunes a partir de las 9:00.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parsing),
        cmocka_unit_test(next_opening),
        cmocka_unit_test(closed_texts),
        cmocka_unit_test(phone_languages),
        cmocka_unit_test(open_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
