#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/i18n.h"

static void languages(void **state)
{
    (void)state;
    assert_string_equal(hilo_i18n_lang("es"), "es");
    assert_string_equal(hilo_i18n_lang("es-MX"), "es");
    assert_string_equal(hilo_i18n_lang("ES_es"), "es");
    assert_string_equal(hilo_i18n_lang("en-GB"), "en");
    assert_string_equal(hilo_i18n_lang("esperanto"), "en");
    assert_string_equal(hilo_i18n_lang(""), "en");
    assert_string_equal(hilo_i18n_lang(NULL), "en");
}

static void ack_texts(void **state)
{
    char out[512];
    (void)state;
    hilo_i18n_ack("es", "40718263", 15, out, sizeof out);
    assert_non_null(strstr(out, "4071 8263"));
    assert_non_null(strstr(out, "15 minutos"));
    assert_non_null(strstr(out, "número de caso"));
    hilo_i18n_ack("en", "407182639", 30, out, sizeof out);
    assert_non_null(strstr(out, "407 182 639"));
    assert_non_null(strstr(out, "30 minutes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(languages),
        cmocka_unit_test(ack_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
