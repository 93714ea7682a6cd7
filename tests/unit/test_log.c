#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hilo/log.h"

/* Runs one log call with stderr sent to a file; returns what was written. */
static char *capture(enum hilo_log_format f, const char *msg)
{
    static char out[4096];
    char path[] = "/tmp/hilo-test-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    hilo_log_set_format(f);
    hilo_info("%s", msg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    hilo_log_set_format(HILO_LOG_TEXT);
    FILE *in = fdopen(fd, "r");
    rewind(in);
    size_t n = fread(out, 1, sizeof out - 1, in);
    out[n] = '\0';
    fclose(in);
    unlink(path);
    return out;
}

static void text_line(void **state)
{
    (void)state;
    char *s = capture(HILO_LOG_TEXT, "listening on x");
    assert_non_null(strstr(s, "Z I listening on x\n"));
}

static void json_line_escapes(void **state)
{
    (void)state;
    char *s = capture(HILO_LOG_JSON, "a \"q\" \\ b\nc\x01 \xc3\xb1 \xff end");
    assert_non_null(strstr(s, "{\"ts\":\""));
    assert_non_null(strstr(s, "\"level\":\"info\""));
    assert_non_null(strstr(s, "\"msg\":\"a \\\"q\\\" \\\\ b\\nc\\u0001 \xc3\xb1 \\ufffd end\"}\n"));
    /* exactly one line */
    assert_ptr_equal(strchr(s, '\n'), s + strlen(s) - 1);
}

static void parse_format(void **state)
{
    enum hilo_log_format f;
    (void)state;
    assert_int_equal(hilo_log_parse_format("json", &f), 0);
    assert_int_equal(f, HILO_LOG_JSON);
    assert_int_equal(hilo_log_parse_format("text", &f), 0);
    assert_int_equal(f, HILO_LOG_TEXT);
    assert_int_equal(hilo_log_parse_format("xml", &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_line),
        cmocka_unit_test(json_line_escapes),
        cmocka_unit_test(parse_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
