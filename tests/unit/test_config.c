#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <unistd.h>

#include "hilo/config.h"
#include "hilo/log.h"

static void defaults(void **state)
{
    struct hilo_config c;
    char err[256];
    (void)state;
    hilo_config_init(&c);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_string_equal(c.redis_url, "");
    assert_string_equal(c.prefix, "hilo");
    assert_int_equal(c.max_frame, 65536);
    assert_int_equal(c.session_ttl, 43200);
    assert_int_equal(hilo_config_validate(&c, err, sizeof err), 0);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8080);
    hilo_config_deinit(&c);
}

static void env_then_flags(void **state)
{
    struct hilo_config c;
    char err[256];
    char *env[] = {"HILO_PREFIX=fromenv", "HILO_MAX_TEXT=10", "PATH=/bin", NULL};
    char *argv[] = {"hilo", "--max-text", "20", "--listen=0.0.0.0:9", "rest", NULL};
    int argi = 0;
    (void)state;
    hilo_config_init(&c);
    assert_int_equal(hilo_config_load(&c, env, 0, NULL, &argi, err, sizeof err), 0);
    assert_string_equal(c.prefix, "fromenv");
    assert_int_equal(c.max_text, 10);
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 5, argv, &argi, err, sizeof err), 0);
    assert_int_equal(c.max_text, 20);
    assert_string_equal(c.listen, "0.0.0.0:9");
    assert_int_equal(argi, 4); /* stopped at "rest" */
    hilo_config_deinit(&c);
}

static void bad_values_name_the_option(void **state)
{
    struct hilo_config c;
    char err[256];
    int argi = 1;
    char *a1[] = {"hilo", "--max-frame", "12", NULL};       /* below min 256 */
    char *a2[] = {"hilo", "--nope", "1", NULL};
    char *a3[] = {"hilo", "--msg-rate", "ten", NULL};
    char *a4[] = {"hilo", "--prefix", NULL};
    (void)state;
    hilo_config_init(&c);
    assert_int_equal(hilo_config_load(&c, NULL, 3, a1, &argi, err, sizeof err), -1);
    assert_non_null(strstr(err, "max_frame"));
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 3, a2, &argi, err, sizeof err), -1);
    assert_non_null(strstr(err, "--nope"));
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 3, a3, &argi, err, sizeof err), -1);
    assert_non_null(strstr(err, "msg_rate"));
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 2, a4, &argi, err, sizeof err), -1);
    assert_non_null(strstr(err, "needs a value"));
    assert_int_equal(c.max_frame, 65536); /* unchanged */
    hilo_config_deinit(&c);
}

static void validate_listen_and_level(void **state)
{
    struct hilo_config c;
    char err[256];
    int argi = 1;
    char *a1[] = {"hilo", "--listen", "nocolon", NULL};
    char *a2[] = {"hilo", "--listen", "h:99999", NULL};
    char *a3[] = {"hilo", "--log-level", "loud", NULL};
    char *a4[] = {"hilo", "--prefix", "a{b}", NULL};
    char **cases[] = {a1, a2, a3, a4};
    const char *names[] = {"listen", "listen", "log_level", "prefix"};
    (void)state;
    for (int i = 0; i < 4; i++) {
        hilo_config_init(&c);
        argi = 1;
        assert_int_equal(hilo_config_load(&c, NULL, 3, cases[i], &argi, err, sizeof err), 0);
        assert_int_equal(hilo_config_validate(&c, err, sizeof err), -1);
        assert_non_null(strstr(err, names[i]));
        hilo_config_deinit(&c);
    }
}

/* TLS options go together, and an http:// public_url cannot be Hilo's
 * address once Hilo serves https (the files are checked in hilo_tls_check,
 * tests/integration/38-tls.test.mjs). */
static void validate_tls_options(void **state)
{
    struct hilo_config c;
    char err[256];
    int argi;
    char *a1[] = {"hilo", "--tls-key", "k.pem", NULL};
    char *a2[] = {"hilo", "--tls-chain", "c.pem", NULL};
    char *a3[] = {"hilo", "--tls-cert", "c.pem", NULL};
    char *a4[] = {"hilo", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--public-url",
                  "http://x.example", NULL};
    char *ok[] = {"hilo", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--public-url",
                  "https://x.example", NULL};
    char **cases[] = {a1, a2, a3, a4};
    int argcs[] = {3, 3, 3, 7};
    const char *names[] = {"tls_cert", "tls_cert", "tls_key", "public_url"};
    (void)state;
    for (int i = 0; i < 4; i++) {
        hilo_config_init(&c);
        argi = 1;
        assert_int_equal(hilo_config_load(&c, NULL, argcs[i], cases[i], &argi, err, sizeof err), 0);
        assert_int_equal(hilo_config_validate(&c, err, sizeof err), -1);
        assert_non_null(strstr(err, names[i]));
        hilo_config_deinit(&c);
    }
    hilo_config_init(&c);
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 7, ok, &argi, err, sizeof err), 0);
    assert_int_equal(hilo_config_validate(&c, err, sizeof err), 0);
    assert_int_equal(c.hsts_max_age, 31536000);
    hilo_config_deinit(&c);
}

/* Email survey links must verify on every instance and after restarts: a
 * shared survey_secret is required once they can be sent. */
static void survey_links_need_a_shared_secret(void **state)
{
    struct hilo_config c;
    char err[256];
    int argi = 1;
    char *no[] = {"hilo", "--survey", "1", "--smtp-url", "smtps://mail.example",
                  "--public-url", "https://x.example", NULL};
    char *yes[] = {"hilo", "--survey", "1", "--smtp-url", "smtps://mail.example",
                   "--public-url", "https://x.example", "--survey-secret", "s", NULL};
    char *noemail[] = {"hilo", "--survey", "1", "--public-url", "https://x.example", NULL};
    (void)state;
    hilo_config_init(&c);
    assert_int_equal(hilo_config_load(&c, NULL, 7, no, &argi, err, sizeof err), 0);
    assert_int_equal(hilo_config_validate(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "survey_secret"));
    hilo_config_deinit(&c);
    hilo_config_init(&c);
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 9, yes, &argi, err, sizeof err), 0);
    assert_int_equal(hilo_config_validate(&c, err, sizeof err), 0);
    hilo_config_deinit(&c);
    hilo_config_init(&c);
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 5, noemail, &argi, err, sizeof err), 0);
    assert_int_equal(hilo_config_validate(&c, err, sizeof err), 0);
    hilo_config_deinit(&c);
}

static void markdown_lists_every_flag(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    (void)state;
    hilo_config_print_markdown(f);
    fclose(f);
    assert_non_null(strstr(text, "`--redis-url` | `HILO_REDIS_URL`"));
    assert_non_null(strstr(text, "`--identity-secret`"));
    assert_non_null(strstr(text, "(secret)"));
    free(text);
}


static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void config_file_and_file_env(void **state)
{
    struct hilo_config c;
    char err[256];
    char conf[] = "/tmp/hilo-test-conf-XXXXXX";
    char sec[] = "/tmp/hilo-test-secret-XXXXXX";
    int fd1 = mkstemp(conf), fd2 = mkstemp(sec);
    (void)state;
    assert_true(fd1 >= 0 && fd2 >= 0);
    close(fd1);
    close(fd2);
    write_file(conf, "# comment\n\n  prefix = fromfile\nmax-text=33\n"
                     "webhook_secret = \"s3cr3t with spaces\"\r\n");
    write_file(sec, "pw-from-file\n");
    char envfile[128];
    snprintf(envfile, sizeof envfile, "HILO_SMTP_PASSWORD_FILE=%s", sec);
    char *env[] = {envfile, "HILO_SMTP_PASSWORD=from-env", NULL};
    char *argv[] = {"hilo", "--config", conf, "--max-text", "44", NULL};
    int argi = 0;

    hilo_config_init(&c);
    /* the _FILE variable wins over the plain one, whatever the order */
    assert_int_equal(hilo_config_load(&c, env, 0, NULL, &argi, err, sizeof err), 0);
    assert_string_equal(c.smtp_password, "pw-from-file");
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 5, argv, &argi, err, sizeof err), 0);
    assert_string_equal(c.prefix, "fromfile");
    assert_string_equal(c.webhook_secret, "s3cr3t with spaces");
    assert_int_equal(c.max_text, 44); /* a later flag overrides the file */
    hilo_config_deinit(&c);

    /* errors name file and line, never the value */
    write_file(conf, "prefix = ok\nwebhook_secret\n");
    hilo_config_init(&c);
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 3, argv, &argi, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2:"));
    write_file(conf, "max_text = hunter2\n");
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 3, argv, &argi, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1:"));
    write_file(conf, "no_such = 1\n");
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 3, argv, &argi, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown option no_such"));
    char *missing[] = {"hilo", "--config", "/nonexistent/hilo.conf", NULL};
    argi = 1;
    assert_int_equal(hilo_config_load(&c, NULL, 3, missing, &argi, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/hilo.conf"));
    hilo_config_deinit(&c);
    unlink(conf);
    unlink(sec);
}

static void redact_url(void **state)
{
    char out[128];
    (void)state;
    assert_string_equal(hilo_log_redact_url("redis://:pw@host:6379/0", out, sizeof out),
                        "redis://:***@host:6379/0");
    assert_string_equal(hilo_log_redact_url("redis://user:p@ss@h:1", out, sizeof out),
                        "redis://user:***@h:1");
    assert_string_equal(hilo_log_redact_url("redis://host:6379", out, sizeof out),
                        "redis://host:6379");
    assert_string_equal(hilo_log_redact_url("redis://user@host", out, sizeof out),
                        "redis://user@host");
    assert_string_equal(hilo_log_redact_url("unix:///tmp/r.sock", out, sizeof out),
                        "unix:///tmp/r.sock");
    assert_string_equal(hilo_log_redact_url("smtp://u:secret@mail/x@y", out, sizeof out),
                        "smtp://u:***@mail/x@y");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(config_file_and_file_env),
        cmocka_unit_test(redact_url),
        cmocka_unit_test(env_then_flags),
        cmocka_unit_test(bad_values_name_the_option),
        cmocka_unit_test(validate_listen_and_level),
        cmocka_unit_test(survey_links_need_a_shared_secret),
        cmocka_unit_test(markdown_lists_every_flag),
        cmocka_unit_test(validate_tls_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
