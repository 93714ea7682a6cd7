/* Approved WhatsApp templates (team_settings.h): the list's rules, and an
 * agent's template matched, checked and rendered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/common.h"
#include "hilo/team_settings.h"

static int ok(const char *js)
{
    json_t *v = json_loads(js, 0, NULL);
    int r;
    assert_non_null(v);
    r = hilo_team_templates_ok(v);
    json_decref(v);
    return r;
}

static void list_rules(void **state)
{
    (void)state;
    assert_true(ok("[]"));
    assert_true(ok("[{\"name\":\"case_update\",\"language\":\"es\",\"body\":\"Hola {{1}}: {{2}} {{1}}\",\"params\":2}]"));
    assert_true(ok("[{\"name\":\"a\",\"language\":\"en_US\",\"body\":\"x\",\"params\":0,"
                   "\"content_sid\":\"HX0123456789abcdef0123456789ABCDEF\"}]"));
    assert_true(ok("[{\"name\":\"a\",\"language\":\"es\",\"body\":\"x\",\"params\":0},"
                   "{\"name\":\"a\",\"language\":\"en\",\"body\":\"y\",\"params\":0}]"));
    const char *bad[] = {
        "{}",
        "[1]",
        "[{\"name\":\"A\",\"language\":\"es\",\"body\":\"x\",\"params\":0}]",
        "[{\"name\":\"a b\",\"language\":\"es\",\"body\":\"x\",\"params\":0}]",
        "[{\"name\":\"a\",\"language\":\"e\",\"body\":\"x\",\"params\":0}]",
        "[{\"name\":\"a\",\"language\":\"es-ES\",\"body\":\"x\",\"params\":0}]",
        "[{\"name\":\"a\",\"language\":\"es\",\"body\":\"\",\"params\":0}]",
        "[{\"name\":\"a\",\"language\":\"es\",\"body\":\"{{1}}\",\"params\":0}]",
        "[{\"name\":\"a\",\"language\":\"es\",\"body\":\"{{2}}\",\"params\":2}]",
        "[{\"name\":\"a\",\"language\":\"es\",\"body\":\"{{1}\",\"params\":1}]",
        "[{\"name\":\"a\",\"language\":\"es\",\"body\":\"{{+1}}\",\"params\":1}]",
        "[{\"name\":\"a\",\"language\":\"es\",\"body\":\"{{01}}x{{1}}\",\"params\":1}]",
        "[{\"name\":\"a\",\"language\":\"es\",\"body\":\"x\",\"params\":11}]",
        "[{\"name\":\"a\",\"language\":\"es\",\"body\":\"x\",\"params\":0,\"x\":1}]",
        "[{\"name\":\"a\",\"language\":\"es\",\"body\":\"x\",\"params\":0,\"content_sid\":\"HX12\"}]",
        "[{\"name\":\"a\",\"language\":\"es\",\"body\":\"x\",\"params\":0},"
        "{\"name\":\"a\",\"language\":\"es\",\"body\":\"y\",\"params\":0}]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ok(bad[i]))
            fail_msg("accepted: %s", bad[i]);
    }
}

static int match(const char *list, const char *tpl, char **text)
{
    json_t *l = json_loads(list, 0, NULL), *t = json_loads(tpl, 0, NULL), *found = NULL;
    int r;
    assert_non_null(l);
    assert_non_null(t);
    *text = NULL;
    r = hilo_team_template_match(l, t, &found, text);
    if (r == 0)
        assert_non_null(found);
    json_decref(l);
    json_decref(t);
    return r;
}

static void matching(void **state)
{
    const char *list = "[{\"name\":\"case_update\",\"language\":\"es\",\"body\":\"Hola {{1}}, tu caso {{2}} ({{1}}).\","
                       "\"params\":2},{\"name\":\"plain\",\"language\":\"en\",\"body\":\"Hi\",\"params\":0}]";
    char *text;
    (void)state;
    assert_int_equal(match(list, "{\"name\":\"case_update\",\"language\":\"es\",\"params\":[\"Ana\",\"4071 8263\"]}", &text), 0);
    assert_string_equal(text, "Hola Ana, tu caso 4071 8263 (Ana).");
    free(text);
    assert_int_equal(match(list, "{\"name\":\"plain\",\"language\":\"en\"}", &text), 0);
    assert_string_equal(text, "Hi");
    free(text);
    assert_int_equal(match(list, "{\"name\":\"plain\",\"language\":\"es\"}", &text), -HILO_EUNKNOWNTEMPLATE);
    assert_int_equal(match(list, "{\"name\":\"other\",\"language\":\"en\"}", &text), -HILO_EUNKNOWNTEMPLATE);
    const char *badp[] = {"[\"a\"]", "[\"a\",\"b\",\"c\"]", "[\"a\",\"\"]", "[\"a\",\"b\\nc\"]", "[\"a\",\"b\\tc\"]",
                          "[\"a\",\"b     c\"]", "[\"a\",3]", "\"ab\""};
    for (size_t i = 0; i < sizeof badp / sizeof badp[0]; i++) {
        char tpl[200];
        snprintf(tpl, sizeof tpl, "{\"name\":\"case_update\",\"language\":\"es\",\"params\":%s}", badp[i]);
        assert_int_equal(match(list, tpl, &text), -HILO_EBADFRAME);
        assert_null(text);
    }
    assert_int_equal(match(list, "{\"name\":\"case_update\",\"language\":\"es\",\"params\":[\"a\",\"b    c\"]}", &text), 0);
    free(text); /* four spaces are fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_rules),
        cmocka_unit_test(matching),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
