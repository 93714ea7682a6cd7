#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "hilo/ref.h"

static void known_damm_vector(void **state)
{
    (void)state;
    /* Wikipedia's worked example: 572 -> check digit 4 */
    assert_int_equal(hilo_ref_damm("572", 3), 4);
    assert_int_equal(hilo_ref_damm("5724", 4), 0);
}

static void generated_refs_are_valid(void **state)
{
    char ref[HILO_REF_MAX], norm[HILO_REF_MAX];
    (void)state;
    for (int i = 0; i < 2000; i++) {
        int digits = 8 + i % 2;
        assert_int_equal(hilo_ref_generate(ref, digits), 0);
        assert_int_equal((int)strlen(ref), digits);
        assert_true(ref[0] != '0');
        assert_int_equal(hilo_ref_normalize(ref, norm), 0);
        assert_string_equal(ref, norm);
    }
    assert_int_equal(hilo_ref_generate(ref, 7), -1);
}

static void catches_every_single_digit_error_and_adjacent_swap(void **state)
{
    char ref[HILO_REF_MAX], bad[HILO_REF_MAX], norm[HILO_REF_MAX];
    (void)state;
    for (int n = 0; n < 200; n++) {
        hilo_ref_generate(ref, 8);
        for (int i = 0; i < 8; i++)
            for (char d = '0'; d <= '9'; d++) {
                if (d == ref[i])
                    continue;
                strcpy(bad, ref);
                bad[i] = d;
                assert_int_equal(hilo_ref_normalize(bad, norm), -1);
            }
        for (int i = 0; i + 1 < 8; i++) {
            if (ref[i] == ref[i + 1])
                continue;
            strcpy(bad, ref);
            bad[i] = ref[i + 1];
            bad[i + 1] = ref[i];
            assert_int_equal(hilo_ref_normalize(bad, norm), -1);
        }
    }
}

static void normalizes_what_people_type(void **state)
{
    char ref[HILO_REF_MAX], typed[32], norm[HILO_REF_MAX], fmt[16];
    (void)state;
    hilo_ref_generate(ref, 8);
    snprintf(typed, sizeof typed, "%.4s-%.4s", ref, ref + 4);
    assert_int_equal(hilo_ref_normalize(typed, norm), 0);
    assert_string_equal(norm, ref);
    hilo_ref_format(ref, fmt, sizeof fmt);
    assert_int_equal(hilo_ref_normalize(fmt, norm), 0);
    assert_string_equal(norm, ref);
    assert_int_equal(fmt[4], ' ');
    assert_int_equal(hilo_ref_normalize("1234", norm), -1);
    assert_int_equal(hilo_ref_normalize("12345678901", norm), -1);
    assert_int_equal(hilo_ref_normalize("1234abcd", norm), -1);
    assert_int_equal(hilo_ref_normalize("", norm), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_damm_vector),
        cmocka_unit_test(generated_refs_are_valid),
        cmocka_unit_test(catches_every_single_digit_error_and_adjacent_swap),
        cmocka_unit_test(normalizes_what_people_type),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
