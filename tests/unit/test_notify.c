/* Status updates' pure parts (src/domain/notify.c): the texts in both
 * languages and the channels a customer may choose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/notify.h"

static void texts(void **state)
{
    (void)state;
    char out[300];
    hilo_notify_text("es", "in_progress", "40718263", out, sizeof out);
    assert_string_equal(out, "Tu caso 4071 8263 está en curso: un agente lo está atendiendo.");
    hilo_notify_text("en", "pending", "40718263", out, sizeof out);
    assert_string_equal(out, "Your case 4071 8263 is waiting on you: please reply when you can.");
    hilo_notify_text("es", "resolved", "407182635", out, sizeof out);
    assert_non_null(strstr(out, "4071 8263 5 está resuelto"));
    hilo_notify_text("fr", "resolved", "40718263", out, sizeof out);
    assert_non_null(strstr(out, "is resolved")); /* anything but es: English */
    hilo_notify_text("en", "closed", "40718263", out, sizeof out);
    assert_string_equal(out, "");
}

static void channels(void **state)
{
    (void)state;
    assert_true(hilo_notify_channel_ok("whatsapp"));
    assert_true(hilo_notify_channel_ok("sms"));
    assert_true(hilo_notify_channel_ok("email"));
    assert_false(hilo_notify_channel_ok("web"));
    assert_false(hilo_notify_channel_ok("voice"));
    assert_false(hilo_notify_channel_ok(""));
    assert_false(hilo_notify_channel_ok(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(texts), cmocka_unit_test(channels)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
