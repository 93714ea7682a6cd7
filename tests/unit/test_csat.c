#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/csat.h"

static int ack(const char *s) { return hilo_csat_is_ack(s, 0); }

static void acknowledgements(void **state)
{
    (void)state;
    assert_true(ack("gracias"));
    assert_true(ack("Gracias!"));
    assert_true(ack("¡¡MUCHAS GRACIAS!!"));
    assert_true(ack("muchísimas gracias"));
    assert_true(ack("Muchisimas Gracias."));
    assert_true(ack("ok"));
    assert_true(ack("OK, gracias"));
    assert_true(ack("vale, perfecto, mil gracias 🙏"));
    assert_true(ack("Thanks"));
    assert_true(ack("thank you!"));
    assert_true(ack("Thank you very much :)"));
    assert_true(ack("ok thx"));
    assert_true(ack("Got it, thanks a lot"));
    assert_true(ack("👍"));
    assert_true(ack("🙏🏽"));
    assert_true(ack("❤️"));
    assert_true(ack("5"));
    assert_true(ack("  4 "));
    assert_true(ack("5, gracias"));
    assert_true(ack("de acuerdo"));
    assert_true(ack("Perfecto 👌"));
}

static void not_acknowledgements(void **state)
{
    (void)state;
    assert_false(ack(""));
    assert_false(ack("   "));
    assert_false(ack("?"));
    assert_false(ack("gracias, pero sigue sin funcionar"));
    assert_false(ack("thanks, but it is still broken"));
    assert_false(ack("ok?"));
    assert_false(ack("gracias?"));
    assert_false(ack("no"));
    assert_false(ack("hola"));
    assert_false(ack("6"));
    assert_false(ack("0"));
    assert_false(ack("15"));
    assert_false(ack("okey dokey donkey"));
    assert_false(ack("спасибо"));
    /* a long run of acknowledgements is still not a question, but a wall
     * of text is not a short acknowledgement */
    assert_false(ack("gracias gracias gracias gracias gracias gracias gracias gracias gracias "
                     "gracias gracias gracias gracias"));
    assert_false(hilo_csat_is_ack(NULL, 0));
}

static void scores(void **state)
{
    (void)state;
    assert_int_equal(hilo_csat_score("5", 0), 5);
    assert_int_equal(hilo_csat_score(" 1 ", 0), 1);
    assert_int_equal(hilo_csat_score("3.", 0), 3);
    assert_int_equal(hilo_csat_score("4/5", 0), 4);
    assert_int_equal(hilo_csat_score("⭐⭐⭐⭐", 0), 4);
    assert_int_equal(hilo_csat_score("0", 0), 0);
    assert_int_equal(hilo_csat_score("6", 0), 0);
    assert_int_equal(hilo_csat_score("12", 0), 0);
    assert_int_equal(hilo_csat_score("5 gracias", 0), 0);
    assert_int_equal(hilo_csat_score("", 0), 0);
    assert_int_equal(hilo_csat_score("2", 1), 2);
    assert_int_equal(hilo_csat_score("23", 1), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acknowledgements),
        cmocka_unit_test(not_acknowledgements),
        cmocka_unit_test(scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
