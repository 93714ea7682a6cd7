/* The outbox's retry policy (include/hilo/outbound_retry.h): success,
 * transient or permanent failure; the last attempt; backoff with jitter and
 * Retry-After; what becomes a dead letter. Pure: no Redis, no sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hilo/outbound_retry.h"

static void http_answers(void **state)
{
    (void)state;
    assert_int_equal(hilo_retry_http(1, 200), HILO_V_SENT);
    assert_int_equal(hilo_retry_http(1, 204), HILO_V_SENT);
    assert_int_equal(hilo_retry_http(0, 0), HILO_V_RETRY); /* timeout, refused, reset */
    assert_int_equal(hilo_retry_http(1, 429), HILO_V_RETRY);
    assert_int_equal(hilo_retry_http(1, 500), HILO_V_RETRY);
    assert_int_equal(hilo_retry_http(1, 503), HILO_V_RETRY);
    assert_int_equal(hilo_retry_http(1, 400), HILO_V_FAILED);
    assert_int_equal(hilo_retry_http(1, 404), HILO_V_FAILED);
    assert_int_equal(hilo_retry_http(1, 301), HILO_V_FAILED); /* redirects are not followed */
}

static void smtp_answers(void **state)
{
    (void)state;
    assert_int_equal(hilo_retry_smtp(1, 250), HILO_V_SENT);
    assert_int_equal(hilo_retry_smtp(1, 421), HILO_V_RETRY); /* try again later */
    assert_int_equal(hilo_retry_smtp(1, 451), HILO_V_RETRY);
    assert_int_equal(hilo_retry_smtp(1, 550), HILO_V_FAILED); /* no such mailbox */
    assert_int_equal(hilo_retry_smtp(0, 0), HILO_V_RETRY);
}

static void provider_answers(void **state)
{
    (void)state;
    assert_int_equal(hilo_retry_provider(1, 1, 0), HILO_V_SENT);
    assert_int_equal(hilo_retry_provider(1, 0, 1), HILO_V_RETRY);
    assert_int_equal(hilo_retry_provider(1, 0, 0), HILO_V_FAILED); /* 131047, 21211 */
    assert_int_equal(hilo_retry_provider(0, 0, 0), HILO_V_RETRY);
}

static void last_attempt_fails(void **state)
{
    (void)state;
    assert_int_equal(hilo_retry_settle(HILO_V_RETRY, 1, 3), HILO_V_RETRY);
    assert_int_equal(hilo_retry_settle(HILO_V_RETRY, 2, 3), HILO_V_RETRY);
    assert_int_equal(hilo_retry_settle(HILO_V_RETRY, 3, 3), HILO_V_FAILED);
    assert_int_equal(hilo_retry_settle(HILO_V_RETRY, 7, 3), HILO_V_FAILED);
    assert_int_equal(hilo_retry_settle(HILO_V_RETRY, 1, 1), HILO_V_FAILED);
    /* the last attempt succeeding is a success */
    assert_int_equal(hilo_retry_settle(HILO_V_SENT, 3, 3), HILO_V_SENT);
    assert_int_equal(hilo_retry_settle(HILO_V_FAILED, 1, 3), HILO_V_FAILED);
}

/* Regression ("Reach the customer"): successes were dead-lettered when they
 * carried no provider id (webhook POSTs). Only failures are. */
static void dead_letters_hold_failures_only(void **state)
{
    (void)state;
    assert_false(hilo_retry_is_dead(HILO_V_SENT));
    assert_false(hilo_retry_is_dead(HILO_V_RETRY));
    assert_true(hilo_retry_is_dead(HILO_V_FAILED));
    assert_false(hilo_retry_is_dead(hilo_retry_settle(hilo_retry_http(1, 200), 3, 3)));
    assert_true(hilo_retry_is_dead(hilo_retry_settle(hilo_retry_http(1, 503), 3, 3)));
    assert_true(hilo_retry_is_dead(hilo_retry_settle(hilo_retry_http(1, 400), 1, 3)));
}

static void status_names(void **state)
{
    (void)state;
    assert_string_equal(hilo_retry_status(HILO_V_SENT), "sent");
    assert_string_equal(hilo_retry_status(HILO_V_RETRY), "queued");
    assert_string_equal(hilo_retry_status(HILO_V_FAILED), "failed");
}

static void backoff_doubles_and_is_capped(void **state)
{
    (void)state;
    assert_int_equal(hilo_retry_delay_ms(1, 1000, 100, -1), 1000);
    assert_int_equal(hilo_retry_delay_ms(2, 1000, 100, -1), 2000);
    assert_int_equal(hilo_retry_delay_ms(3, 1000, 100, -1), 4000);
    assert_int_equal(hilo_retry_delay_ms(9, 1000, 100, -1), 256000);
    assert_int_equal(hilo_retry_delay_ms(10, 1000, 100, -1), HILO_RETRY_MAX_DELAY_MS);
    assert_int_equal(hilo_retry_delay_ms(100, 1000, 100, -1), HILO_RETRY_MAX_DELAY_MS);
    assert_int_equal(hilo_retry_delay_ms(60, 600000, 100, -1), HILO_RETRY_MAX_DELAY_MS);
    assert_int_equal(hilo_retry_delay_ms(0, 200, 100, -1), 200);
}

static void jitter_is_plus_minus_20_percent(void **state)
{
    (void)state;
    assert_int_equal(hilo_retry_delay_ms(1, 1000, 80, -1), 800);
    assert_int_equal(hilo_retry_delay_ms(1, 1000, 120, -1), 1200);
    assert_int_equal(hilo_retry_delay_ms(1, 1000, 10, -1), 800); /* clamped */
    assert_int_equal(hilo_retry_delay_ms(1, 1000, 500, -1), 1200);
    assert_int_equal(hilo_retry_delay_ms(20, 1000, 120, -1), 360000); /* jitter after the cap */
    unsigned lo = 1000, hi = 0;
    for (int i = 0; i < 2000; i++) {
        unsigned p = hilo_retry_jitter();
        assert_in_range(p, 80, 120);
        lo = p < lo ? p : lo;
        hi = p > hi ? p : hi;
    }
    assert_true(lo < 90 && hi > 110); /* spread, not a constant */
}

static void retry_after(void **state)
{
    (void)state;
    assert_int_equal(hilo_retry_after(429, 1), 1);
    assert_int_equal(hilo_retry_after(503, 30), 30);
    assert_int_equal(hilo_retry_after(429, -1), -1); /* none given */
    assert_int_equal(hilo_retry_after(500, 10), -1); /* only 429 and 503 carry it */
    assert_int_equal(hilo_retry_after(200, 10), -1);
    /* Retry-After wins over the backoff, without jitter, even past the cap */
    assert_int_equal(hilo_retry_delay_ms(1, 1000, 120, 1), 1000);
    assert_int_equal(hilo_retry_delay_ms(5, 1000, 80, 0), 0);
    assert_int_equal(hilo_retry_delay_ms(1, 1000, 100, 600), 600000);
}

static void done_statuses(void **state)
{
    (void)state;
    assert_true(hilo_retry_status_done("sent"));
    assert_true(hilo_retry_status_done("delivered"));
    assert_true(hilo_retry_status_done("read"));
    assert_false(hilo_retry_status_done("queued"));
    assert_false(hilo_retry_status_done("failed"));
    assert_false(hilo_retry_status_done("sentinel"));
    assert_false(hilo_retry_status_done(""));
    assert_false(hilo_retry_status_done(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http_answers),
        cmocka_unit_test(smtp_answers),
        cmocka_unit_test(provider_answers),
        cmocka_unit_test(last_attempt_fails),
        cmocka_unit_test(dead_letters_hold_failures_only),
        cmocka_unit_test(status_names),
        cmocka_unit_test(backoff_doubles_and_is_capped),
        cmocka_unit_test(jitter_is_plus_minus_20_percent),
        cmocka_unit_test(retry_after),
        cmocka_unit_test(done_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
