#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hilo/common.h"
#include "hilo/store.h"

static int err_of(int type, const char *s)
{
    redisReply r = {0};
    r.type = type;
    r.str = (char *)s;
    r.len = strlen(s);
    return hilo_store_err(&r);
}

static void no_reply_is_unavailable(void **state)
{
    (void)state;
    assert_int_equal(hilo_store_err(NULL), -HILO_EUNAVAIL);
}

static void non_errors_are_zero(void **state)
{
    (void)state;
    redisReply r = {0};
    r.type = REDIS_REPLY_ARRAY;
    assert_int_equal(hilo_store_err(&r), 0);
    assert_int_equal(err_of(REDIS_REPLY_STRING, "HILO forbidden"), 0);
    assert_int_equal(err_of(REDIS_REPLY_STATUS, "OK"), 0);
}

static void script_codes(void **state)
{
    (void)state;
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "HILO unknown_ticket"), -HILO_EUNKNOWNTICKET);
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "HILO forbidden"), -HILO_EFORBIDDEN);
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "HILO closed"), -HILO_EBADSTATE);
    /* Redis may append script context after a space */
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "HILO closed script: abc"), -HILO_EBADSTATE);
}

/* strstr matched these; the exact prefix does not. */
static void substrings_do_not_match(void **state)
{
    (void)state;
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "ERR user said HILO forbidden"), -HILO_EINTERNAL);
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "HILO forbiddenx"), -HILO_EINTERNAL);
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "HILO closed_at"), -HILO_EINTERNAL);
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "ERR not LOADING"), -HILO_EINTERNAL);
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "HILO exists"), -HILO_EINTERNAL);
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "HILO bad op"), -HILO_EINTERNAL);
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "HILO"), -HILO_EINTERNAL);
    assert_int_equal(err_of(REDIS_REPLY_ERROR, ""), -HILO_EINTERNAL);
}

static void transient_errors(void **state)
{
    (void)state;
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "NOSCRIPT No matching script. Please use EVAL."),
                     -HILO_EUNAVAIL);
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "LOADING Redis is loading the dataset in memory"),
                     -HILO_EUNAVAIL);
    assert_int_equal(err_of(REDIS_REPLY_ERROR, "MASTERDOWN Link with MASTER is down"),
                     -HILO_EUNAVAIL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_reply_is_unavailable),
        cmocka_unit_test(non_errors_are_zero),
        cmocka_unit_test(script_codes),
        cmocka_unit_test(substrings_do_not_match),
        cmocka_unit_test(transient_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
