#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/buf.h"

static void grows_and_takes(void **state)
{
    struct hilo_buf b;
    (void)state;
    hilo_buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(hilo_buf_adds(&b, "abc"), 0);
    assert_int_equal(b.len, 3000);
    char *p = hilo_buf_take(&b);
    assert_int_equal(strlen(p), 3000);
    assert_null(b.p);
    free(p);
}

static void refuses_past_cap(void **state)
{
    struct hilo_buf b;
    (void)state;
    hilo_buf_init(&b, 10);
    assert_int_equal(hilo_buf_adds(&b, "0123456789"), 0);
    assert_int_equal(hilo_buf_adds(&b, "x"), -1);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.p, "0123456789");
    hilo_buf_deinit(&b);
}

static void adding_nothing_from_null_is_fine(void **state)
{
    struct hilo_buf b;
    (void)state;
    hilo_buf_init(&b, 10);
    assert_int_equal(hilo_buf_add(&b, NULL, 0), 0);
    assert_int_equal(b.len, 0);
    hilo_buf_deinit(&b);
}

static void take_of_empty_is_empty_string(void **state)
{
    struct hilo_buf b;
    (void)state;
    hilo_buf_init(&b, 10);
    char *p = hilo_buf_take(&b);
    assert_string_equal(p, "");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grows_and_takes),
        cmocka_unit_test(refuses_past_cap),
        cmocka_unit_test(take_of_empty_is_empty_string),
        cmocka_unit_test(adding_nothing_from_null_is_fine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
