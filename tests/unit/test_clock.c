#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "hilo/common.h"

static void mono_never_goes_back(void **state)
{
    (void)state;
    uint64_t a = hilo_mono_ms();
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    uint64_t b = hilo_mono_ms();
    assert_true(b >= a + 19);
    assert_true(b - a < 5000);
}

/* The two clocks have different origins: a deadline computed on one must
 * never be compared with the other. */
static void wall_is_epoch(void **state)
{
    (void)state;
    uint64_t w = hilo_now_ms();
    assert_true(w > 1600000000000ull); /* after 2020 */
    assert_true(w / 1000 - (uint64_t)time(NULL) + 1 <= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mono_never_goes_back),
        cmocka_unit_test(wall_is_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
