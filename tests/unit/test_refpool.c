/* The reference pool (src/domain/refpool.c) without Redis: the client's
 * calls are wrapped at link time (-Wl,--wrap) and each reservation's reply is
 * fed back by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/scripts.h"
#include "hilo/redis.h"
#include "hilo/server.h"

/* The scripts are "loaded": the store sends only with a SHA1 in hand. */
const char *__wrap_hilo_scripts_sha(enum hilo_script sc);
const char *__wrap_hilo_scripts_sha(enum hilo_script sc)
{
    (void)sc;
    return "0123456789012345678901234567890123456789";
}

/* ---- a fake Redis: commands are kept until the test answers them ---- */

struct sent {
    hilo_redis_cb cb;
    void *data;
    char ref[HILO_REF_MAX];
};

static struct sent sent[256];
static int nsent, ready = 1;

int __wrap_hilo_redis_ready(const struct hilo_redis *r);
int __wrap_hilo_redis_ready(const struct hilo_redis *r)
{
    (void)r;
    return ready;
}

int __wrap_hilo_redis_cmdargv(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                              const char **argv, const size_t *lens);
int __wrap_hilo_redis_cmdargv(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                              const char **argv, const size_t *lens)
{
    (void)r;
    (void)lens;
    if (!ready)
        return -HILO_EUNAVAIL;
    assert_true(nsent < 256);
    assert_true(argc >= 4);
    /* argv[3] is the ticket key "hilo:{t:<ref>}:tk" */
    const char *p = strstr(argv[3], "{t:");
    assert_non_null(p);
    size_t n = strcspn(p + 3, "}");
    assert_true(n < HILO_REF_MAX);
    memcpy(sent[nsent].ref, p + 3, n);
    sent[nsent].ref[n] = '\0';
    sent[nsent].cb = cb;
    sent[nsent].data = data;
    nsent++;
    return 0;
}

/* Answers the oldest unanswered command; reply NULL = Redis went away. */
static int answered;
static void answer(redisReply *reply)
{
    assert_true(answered < nsent);
    struct sent *x = &sent[answered++];
    x->cb(reply, x->data);
}

static void answer_int(long long v)
{
    redisReply r = {.type = REDIS_REPLY_INTEGER, .integer = v};
    answer(&r);
}

static struct hilo_server srv;

static int setup(void **state)
{
    (void)state;
    memset(&srv, 0, sizeof srv);
    memcpy(srv.instance, "test", 5);
    srv.redis = (struct hilo_redis *)&srv; /* never dereferenced: wrapped */
    nsent = answered = 0;
    ready = 1;
    return hilo_keys_init("hilo");
}

static int teardown(void **state)
{
    (void)state;
    while (answered < nsent)
        answer(NULL); /* each reservation's op is freed by its reply */
    hilo_keys_deinit();
    return 0;
}

static void fills_only_when_redis_is_ready(void **state)
{
    (void)state;
    ready = 0;
    hilo_refpool_fill(&srv);
    assert_int_equal(nsent, 0);
    ready = 1;
    hilo_refpool_fill(&srv);
    assert_int_equal(nsent, 64);
    assert_int_equal(srv.pool_filling, 64);
    /* already filling: nothing more */
    hilo_refpool_fill(&srv);
    assert_int_equal(nsent, 64);
    for (int i = 0; i < 64; i++) {
        assert_int_equal(strlen(sent[i].ref), 8);
        answer_int(1);
    }
    assert_int_equal(srv.npool, 64);
    assert_int_equal(srv.pool_filling, 0);
    assert_int_equal(nsent, 64);
}

static void taking_below_half_refills(void **state)
{
    char ref[HILO_REF_MAX], seen[64][HILO_REF_MAX];
    (void)state;
    hilo_refpool_fill(&srv);
    for (int i = 0; i < 64; i++)
        answer_int(1);
    for (int i = 0; i < 32; i++) {
        assert_int_equal(hilo_refpool_take(&srv, ref), 0);
        snprintf(seen[i], sizeof seen[i], "%s", ref);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(seen[i], seen[j]);
    }
    assert_int_equal(nsent, 64); /* 32 left: half is enough */
    assert_int_equal(hilo_refpool_take(&srv, ref), 0);
    assert_int_equal(nsent, 64 + 33); /* 31 left: fill up to 64 */
}

static void taken_reference_retried_with_nine_digits(void **state)
{
    (void)state;
    hilo_refpool_fill(&srv);
    /* with 64 reservations in flight a taken one is not retried (the cap) */
    answer_int(0);
    assert_int_equal(nsent, 64);
    assert_int_equal(srv.pool_filling, 63);
    for (int i = 0; i < 62; i++)
        answer_int(1);
    answer_int(0); /* someone holds it: the last in flight tries again */
    assert_int_equal(nsent, 65);
    assert_int_equal(strlen(sent[64].ref), 9);
    assert_int_equal(srv.pool_filling, 1);
    answer_int(1);
    assert_int_equal(srv.npool, 63);
    assert_int_equal(srv.pool_filling, 0);
}

static int calls, took;
static char got[HILO_REF_MAX];
static void waiter(void *data)
{
    (void)data;
    calls++;
    took = hilo_refpool_take(&srv, got) == 0;
}

static void waiter_runs_once_a_reference_is_there(void **state)
{
    (void)state;
    calls = took = 0;
    hilo_refpool_when(&srv, waiter, NULL);
    assert_int_equal(calls, 0);
    assert_int_equal(nsent, 64);
    answer_int(1);
    assert_int_equal(calls, 1);
    assert_true(took);
    assert_string_equal(got, sent[0].ref);
    while (answered < nsent)
        answer_int(1);
    assert_int_equal(calls, 1);
}

static void waiter_told_when_redis_is_gone(void **state)
{
    (void)state;
    calls = took = 0;
    ready = 0;
    hilo_refpool_when(&srv, waiter, NULL); /* nothing will refill */
    assert_int_equal(calls, 1);
    assert_false(took);

    ready = 1;
    calls = 0;
    hilo_refpool_when(&srv, waiter, NULL);
    assert_int_equal(nsent, 64);
    while (answered < nsent)
        answer(NULL); /* lost connection: every reservation fails */
    assert_int_equal(calls, 1);
    assert_false(took);
    assert_int_equal(srv.pool_filling, 0);
    assert_null(srv.ref_waiters);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fills_only_when_redis_is_ready, setup, teardown),
        cmocka_unit_test_setup_teardown(taking_below_half_refills, setup, teardown),
        cmocka_unit_test_setup_teardown(taken_reference_retried_with_nine_digits, setup, teardown),
        cmocka_unit_test_setup_teardown(waiter_runs_once_a_reference_is_there, setup, teardown),
        cmocka_unit_test_setup_teardown(waiter_told_when_redis_is_gone, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
