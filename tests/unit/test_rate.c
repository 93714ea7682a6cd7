#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hilo/rate.h"

static void burst_then_refill(void **state)
{
    struct hilo_rate r;
    (void)state;
    hilo_rate_init(&r, 3, 1000);
    assert_int_equal(hilo_rate_take(&r, 2, 3, 1000), 0);
    assert_int_equal(hilo_rate_take(&r, 2, 3, 1000), 0);
    assert_int_equal(hilo_rate_take(&r, 2, 3, 1000), 0);
    assert_int_equal(hilo_rate_take(&r, 2, 3, 1000), -1);
    /* 2 per second: after 500 ms one more frame */
    assert_int_equal(hilo_rate_take(&r, 2, 3, 1500), 0);
    assert_int_equal(hilo_rate_take(&r, 2, 3, 1500), -1);
    /* never more than the burst, however long the pause */
    for (int i = 0; i < 3; i++)
        assert_int_equal(hilo_rate_take(&r, 2, 3, 100000), 0);
    assert_int_equal(hilo_rate_take(&r, 2, 3, 100000), -1);
}

static void ten_refusals_is_abuse(void **state)
{
    struct hilo_rate r;
    int last = 0;
    (void)state;
    hilo_rate_init(&r, 1, 0);
    assert_int_equal(hilo_rate_take(&r, 1, 1, 0), 0);
    for (int i = 0; i < 10; i++)
        last = hilo_rate_take(&r, 1, 1, 1);
    assert_int_equal(last, -2);
}

static void refusals_forgotten_after_ten_seconds(void **state)
{
    struct hilo_rate r;
    (void)state;
    hilo_rate_init(&r, 1, 0);
    hilo_rate_take(&r, 1, 1, 0);
    for (int i = 0; i < 9; i++)
        assert_int_equal(hilo_rate_take(&r, 1, 1, 1), -1);
    /* 11 s later the strike window restarts: the bucket has refilled too */
    assert_int_equal(hilo_rate_take(&r, 1, 1, 11001), 0);
    assert_int_equal(hilo_rate_take(&r, 1, 1, 11001), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_then_refill),
        cmocka_unit_test(ten_refusals_is_abuse),
        cmocka_unit_test(refusals_forgotten_after_ten_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
