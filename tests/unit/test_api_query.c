/* The REST API's query and body checks (src/api/query.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/api/internal.h"

static void ms_are_digits_only(void **state)
{
    uint64_t v = 7;
    assert_int_equal(api_parse_ms("0", &v), 0);
    assert_true(v == 0);
    assert_int_equal(api_parse_ms("1763244000000", &v), 0);
    assert_true(v == 1763244000000ull);
    assert_int_equal(api_parse_ms("9999999999999999999", &v), 0); /* 19 digits fit */
    assert_int_equal(api_parse_ms("99999999999999999999", &v), -1); /* 20 may not */
    assert_int_equal(api_parse_ms("", &v), -1);
    assert_int_equal(api_parse_ms(NULL, &v), -1);
    assert_int_equal(api_parse_ms("-1", &v), -1); /* strtoull made this 2^64-1 */
    assert_int_equal(api_parse_ms("+5", &v), -1);
    assert_int_equal(api_parse_ms(" 5", &v), -1);
    assert_int_equal(api_parse_ms("5x", &v), -1);
}

static void report_range_defaults_and_order(void **state)
{
    uint64_t f, t, now = 1763848800000ull;
    assert_int_equal(api_report_range(NULL, NULL, now, &f, &t), 0);
    assert_true(t == now && f == now - 7ull * 86400000u);
    assert_int_equal(api_report_range("1000", NULL, now, &f, &t), 0);
    assert_true(f == 1000 && t == now);
    assert_int_equal(api_report_range("1000", "2000", now, &f, &t), 0);
    assert_true(f == 1000 && t == 2000);
    assert_int_equal(api_report_range("2000", "2000", now, &f, &t), -1); /* empty */
    assert_int_equal(api_report_range("3000", "2000", now, &f, &t), -1);
    assert_int_equal(api_report_range(NULL, "1000", now, &f, &t), -1);   /* to before default from */
    assert_int_equal(api_report_range("x", NULL, now, &f, &t), -1);
    /* a clock near 0 does not wrap the default start */
    assert_int_equal(api_report_range(NULL, NULL, 5, &f, &t), 0);
    assert_true(f == 0 && t == 5);
}

static void limits(void **state)
{
    size_t v = 0;
    assert_int_equal(api_parse_limit(NULL, 50, 200, &v), 0);
    assert_int_equal(v, 50);
    assert_int_equal(api_parse_limit("1", 50, 200, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(api_parse_limit("200", 50, 200, &v), 0);
    assert_int_equal(v, 200);
    assert_int_equal(api_parse_limit("201", 50, 200, &v), -1);
    assert_int_equal(api_parse_limit("0", 50, 200, &v), -1);
    assert_int_equal(api_parse_limit("", 50, 200, &v), -1);
    assert_int_equal(api_parse_limit("-1", 50, 200, &v), -1);
    assert_int_equal(api_parse_limit("50abc", 50, 200, &v), -1);
    assert_int_equal(api_parse_limit("99999999999999999999", 50, 200, &v), -1);
}

static void ticket_filters(void **state)
{
    struct api_ticket_query q;
    assert_int_equal(api_ticket_query(NULL, NULL, NULL, &q), 0);
    assert_int_equal(q.limit, 50);
    assert_string_equal(q.status, "");
    assert_false(q.active);
    assert_true(api_ticket_query_match(&q, "closed", "web"));
    assert_true(api_ticket_query_match(&q, NULL, NULL));

    assert_int_equal(api_ticket_query("open", "shopchat", "10", &q), 0);
    assert_true(q.active);
    assert_int_equal(q.limit, 10);
    assert_true(api_ticket_query_match(&q, "open", "shopchat"));
    assert_false(api_ticket_query_match(&q, "open", "web"));
    assert_false(api_ticket_query_match(&q, "pending", "shopchat"));
    /* a summary without the field does not match (and does not crash) */
    assert_false(api_ticket_query_match(&q, NULL, "shopchat"));
    assert_false(api_ticket_query_match(&q, "open", NULL));

    assert_int_equal(api_ticket_query("pending", NULL, NULL, &q), 0);
    assert_true(q.active);
    assert_int_equal(api_ticket_query("resolved", NULL, NULL, &q), 0);
    assert_false(q.active); /* only in the index of every ticket */
    assert_int_equal(api_ticket_query("bogus", NULL, NULL, &q), -1);
    assert_int_equal(api_ticket_query("Open", NULL, NULL, &q), -1);
    assert_int_equal(api_ticket_query(NULL, "Shop", NULL, &q), -1);
    assert_int_equal(api_ticket_query(NULL, NULL, "0", &q), -1);
}

static void channel_names(void **state)
{
    assert_true(api_channel_name_ok("api"));
    assert_true(api_channel_name_ok("shop_chat-2"));
    assert_true(api_channel_name_ok("abcdefghijabcdefghijabcdefghij12")); /* 32 */
    assert_false(api_channel_name_ok("abcdefghijabcdefghijabcdefghij123"));
    assert_false(api_channel_name_ok(""));
    assert_false(api_channel_name_ok(NULL));
    assert_false(api_channel_name_ok("Shop"));
    assert_false(api_channel_name_ok("a b"));
    assert_false(api_channel_name_ok("a:b"));
}

static void identities(void **state)
{
    char out[32];
    assert_int_equal(api_ident_email("Bob@X.com", out, sizeof out), 0);
    assert_string_equal(out, "email:bob@x.com");
    assert_int_equal(api_ident_phone("+34 600-111 222", out, sizeof out), 0);
    assert_string_equal(out, "phone:+34600111222");
    assert_int_equal(api_ident_phone("34600111222", out, sizeof out), -1);
    /* too long for out: refused, not cut */
    assert_int_equal(api_ident_email("someone-with-a-long-name@example.com", out, sizeof out), -1);
    assert_int_equal(api_ident_phone("+123456789012345678901234567890", out, sizeof out), -1);
}

static void search_kinds(void **state)
{
    char out[API_SEARCH_QMAX + 16], q[API_SEARCH_QMAX + 2], ref[HILO_REF_MAX];
    assert_int_equal(hilo_ref_generate(ref, 8), 0);
    snprintf(q, sizeof q, "%.4s %.4s", ref, ref + 4); /* as a customer reads it out */
    assert_int_equal(api_search_parse(q, out, sizeof out), API_SEARCH_REF);
    assert_string_equal(out, ref);
    assert_int_equal(api_search_parse("Bob@X.com", out, sizeof out), API_SEARCH_EMAIL);
    assert_string_equal(out, "email:bob@x.com");
    assert_int_equal(api_search_parse("+34 600-111-222", out, sizeof out), API_SEARCH_PHONE);
    assert_string_equal(out, "phone:+34600111222");
    assert_int_equal(api_search_parse("+34 600 abc", out, sizeof out), API_SEARCH_TEXT);
    assert_string_equal(out, "+34 600 abc");
    assert_int_equal(api_search_parse("Where Is My Order", out, sizeof out), API_SEARCH_TEXT);
    assert_string_equal(out, "where is my order");
    /* a number that fails the check digit is text */
    ref[7] = ref[7] == '9' ? '0' : (char)(ref[7] + 1);
    assert_int_equal(api_search_parse(ref, out, sizeof out), API_SEARCH_TEXT);
    assert_int_equal(api_search_parse("a", out, sizeof out), API_SEARCH_BAD);
    assert_int_equal(api_search_parse("", out, sizeof out), API_SEARCH_BAD);
    assert_int_equal(api_search_parse(NULL, out, sizeof out), API_SEARCH_BAD);
    memset(q, 'a', sizeof q - 1);
    q[sizeof q - 1] = '\0';
    assert_int_equal(api_search_parse(q, out, sizeof out), API_SEARCH_BAD); /* 201 bytes */
    q[API_SEARCH_QMAX] = '\0';
    assert_int_equal(api_search_parse(q, out, sizeof out), API_SEARCH_TEXT); /* 200 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ms_are_digits_only),
        cmocka_unit_test(report_range_defaults_and_order),
        cmocka_unit_test(limits),
        cmocka_unit_test(ticket_filters),
        cmocka_unit_test(channel_names),
        cmocka_unit_test(identities),
        cmocka_unit_test(search_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
