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
    hilo_i18n_ack("es", "40718263", 15, HILO_I18N_WHATSAPP | HILO_I18N_SMS | HILO_I18N_PHONE |
                  HILO_I18N_EMAIL, out, sizeof out);
    assert_non_null(strstr(out, "4071 8263"));
    assert_non_null(strstr(out, "15 minutos"));
    assert_non_null(strstr(out, "número de caso"));
    assert_non_null(strstr(out, "en WhatsApp, SMS, teléfono o correo."));
    hilo_i18n_ack("en", "407182639", 30, HILO_I18N_EMAIL, out, sizeof out);
    assert_non_null(strstr(out, "407 182 639"));
    assert_non_null(strstr(out, "30 minutes"));
    assert_non_null(strstr(out, "quote this reference on email."));
    assert_null(strstr(out, "WhatsApp"));
    hilo_i18n_ack("en", "40718263", 15, HILO_I18N_WHATSAPP | HILO_I18N_SMS, out, sizeof out);
    assert_non_null(strstr(out, "on WhatsApp or SMS."));
    /* nothing set up but the web: no channel promised */
    hilo_i18n_ack("es", "40718263", 15, 0, out, sizeof out);
    assert_null(strstr(out, "WhatsApp"));
    assert_null(strstr(out, "correo"));
    assert_non_null(strstr(out, "si nos vuelves a escribir"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(languages),
        cmocka_unit_test(ack_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
