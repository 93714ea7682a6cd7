/* Live routing and catch-up bookkeeping (src/domain/live.c) without Redis or
 * sockets: sends and Redis commands are wrapped at link time (-Wl,--wrap);
 * the history script's reply is built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/domain/internal.h"
#include "hilo/keys.h"
#include "hilo/scripts.h"

/* ---- what was sent, in order ---- */

struct out {
    struct hilo_conn *c;
    char text[160];
};
static struct out outs[64];
static int nout, nerr, last_err, nclose, last_close;

static void record(struct hilo_conn *c, const char *data, size_t len)
{
    /* counted always, kept while there is room */
    if (nout < 64) {
        outs[nout].c = c;
        snprintf(outs[nout].text, sizeof outs[nout].text, "%.*s", (int)len, data);
    }
    nout++;
}

void __wrap_hilo_conn_send(struct hilo_conn *c, struct hilo_frame *f);
void __wrap_hilo_conn_send(struct hilo_conn *c, struct hilo_frame *f)
{
    record(c, (const char *)hilo_frame_data(f), f->len);
}

void __wrap_hilo_conn_send_buf(struct hilo_conn *c, const char *data, size_t len);
void __wrap_hilo_conn_send_buf(struct hilo_conn *c, const char *data, size_t len)
{
    record(c, data, len);
}

void __wrap_hilo_conn_error(struct hilo_conn *c, int err, const char *req, const char *client_id);
void __wrap_hilo_conn_error(struct hilo_conn *c, int err, const char *req, const char *client_id)
{
    (void)c;
    (void)req;
    (void)client_id;
    nerr++;
    last_err = err;
}

void __wrap_hilo_conn_close(struct hilo_conn *c, int code);
void __wrap_hilo_conn_close(struct hilo_conn *c, int code)
{
    (void)c;
    nclose++;
    last_close = code;
}

/* The scripts are "loaded": the store sends only with a SHA1 in hand. */
const char *__wrap_hilo_scripts_sha(enum hilo_script sc);
const char *__wrap_hilo_scripts_sha(enum hilo_script sc)
{
    (void)sc;
    return "0123456789012345678901234567890123456789";
}

/* ---- a fake Redis ---- */

static hilo_redis_cb pending_cb;
static void *pending_data;
static char pending_after[48];
static int ncmd;

int __wrap_hilo_redis_cmdargv(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                              const char **argv, const size_t *lens);
int __wrap_hilo_redis_cmdargv(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                              const char **argv, const size_t *lens)
{
    (void)r;
    (void)lens;
    assert_int_equal(argc, 10); /* EVALSHA sha 3 tk ev dl after vis customer count */
    ncmd++;
    pending_cb = cb;
    pending_data = data;
    snprintf(pending_after, sizeof pending_after, "%s", argv[6]);
    return 0;
}

static redisReply *rstr(const char *s)
{
    redisReply *r = calloc(1, sizeof *r);
    r->type = REDIS_REPLY_STRING;
    r->str = (char *)s;
    r->len = strlen(s);
    return r;
}

/* A history page: summary, more, next cursor, then id/event pairs. */
static void answer_history(const char *next, int more, const char *const *pairs, size_t npairs)
{
    redisReply top = {.type = REDIS_REPLY_ARRAY}, more_r = {.type = REDIS_REPLY_INTEGER};
    redisReply *el[16];
    size_t n = 0;
    more_r.integer = more;
    el[n++] = rstr("{\"ref\":\"12345678\"}");
    el[n++] = &more_r;
    el[n++] = rstr(next);
    for (size_t i = 0; i < npairs; i++)
        el[n++] = rstr(pairs[i]);
    top.elements = n;
    top.element = el;
    hilo_redis_cb cb = pending_cb;
    pending_cb = NULL;
    cb(&top, pending_data);
    for (size_t i = 0; i < n; i++)
        if (i != 1)
            free(el[i]);
}

/* ---- fixtures ---- */

static struct hilo_server srv;
static struct hilo_config cfg;

static struct hilo_conn *conn(int role, const char *id)
{
    struct hilo_conn *c = calloc(1, sizeof *c);
    c->srv = &srv;
    c->refs = 100; /* never freed through the reaper here */
    c->wsi = (struct lws *)c; /* "open": only the wrapped sends use it */
    c->session = hilo_session_new(c, role);
    hilo_sess(c)->id = strdup(id);
    hilo_sess(c)->ready = 1;
    return c;
}

static void drop(struct hilo_conn *c)
{
    hilo_session_gone(c);
    hilo_session_free(c->session);
    free(c);
}

static int setup(void **state)
{
    (void)state;
    memset(&srv, 0, sizeof srv);
    srv.cfg = &cfg;
    srv.nroutes = 1024;
    srv.routes = calloc(srv.nroutes, sizeof *srv.routes);
    srv.redis = (struct hilo_redis *)&srv;
    nout = nerr = nclose = ncmd = 0;
    pending_cb = NULL;
    return hilo_keys_init("hilo");
}

static int teardown(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < srv.nroutes; i++)
        assert_null(srv.routes[i]); /* every route dropped with its last watch */
    free(srv.routes);
    hilo_keys_deinit();
    return 0;
}

static void publish(const char *s) { hilo_live_on_message(&srv, s, strlen(s)); }

static void events_reach_watchers_once(void **state)
{
    struct hilo_conn *cu = conn(HILO_ROLE_CUSTOMER, "c1"), *ag = conn(HILO_ROLE_AGENT, "ana");
    (void)state;
    assert_non_null(hilo_live_watch_get(cu, "12345678"));
    assert_non_null(hilo_live_watch_get(ag, "12345678"));
    assert_ptr_equal(hilo_live_watch_get(cu, "12345678"), hilo_live_watch_find(cu, "12345678"));
    publish("12345678\nEp1000-0 {\"n\":1}\nEi1000-1 {\"n\":\"note\"}\nEp1000-0 {\"n\":1}");
    /* public to both, internal to the agent only, the repeat to nobody */
    assert_int_equal(nout, 3);
    int to_cu = 0, to_ag = 0;
    for (int i = 0; i < nout; i++) {
        if (outs[i].c == cu)
            to_cu++;
        else
            to_ag++;
    }
    assert_int_equal(to_cu, 1);
    assert_int_equal(to_ag, 2);
    /* an older id is never delivered after a newer one */
    publish("12345678\nEp999-9 {\"n\":0}");
    assert_int_equal(nout, 3);
    /* another ticket: nobody here watches it */
    publish("87654321\nEp2000-0 {\"n\":2}");
    assert_int_equal(nout, 3);
    drop(cu);
    drop(ag);
}

static void catch_up_holds_live_events_then_flushes_once(void **state)
{
    struct hilo_conn *cu = conn(HILO_ROLE_CUSTOMER, "c1");
    (void)state;
    assert_int_equal(hilo_live_sync_start(cu, "12345678", "1000-0", SYNC_RESUME, "r1"), 0);
    assert_int_equal(ncmd, 1);
    assert_string_equal(pending_after, "1000-0");
    /* live while catching up: held */
    publish("12345678\nEp1000-5 {\"n\":5}\nEp1000-7 {\"n\":7}");
    assert_int_equal(nout, 0);
    /* history: 3 and 5 (5 is also held live: must not come twice) */
    const char *page[] = {"1000-3", "{\"n\":3}", "1000-5", "{\"n\":5}"};
    answer_history("1000-5", 0, page, 4);
    assert_int_equal(nerr, 0);
    assert_int_equal(nout, 4);
    assert_string_equal(outs[0].text, "{\"type\":\"event\",\"event\":{\"n\":3}}");
    assert_string_equal(outs[1].text, "{\"type\":\"event\",\"event\":{\"n\":5}}");
    assert_non_null(strstr(outs[2].text, "\"type\":\"resumed\""));
    assert_non_null(strstr(outs[2].text, "\"last\":\"1000-5\""));
    assert_non_null(strstr(outs[2].text, "\"req\":\"r1\""));
    assert_string_equal(outs[3].text, "{\"n\":7}"); /* the held event newer than history */
    /* live again, without holding */
    publish("12345678\nEp1000-8 {\"n\":8}");
    assert_int_equal(nout, 5);
    drop(cu);
}

static void catch_up_pages_until_done(void **state)
{
    struct hilo_conn *cu = conn(HILO_ROLE_CUSTOMER, "c1");
    (void)state;
    assert_int_equal(hilo_live_sync_start(cu, "12345678", "0", SYNC_RESUME, NULL), 0);
    const char *p1[] = {"1-0", "{\"n\":1}"}, *p2[] = {"2-0", "{\"n\":2}"};
    answer_history("1-0", 1, p1, 2);
    assert_int_equal(ncmd, 2);
    assert_string_equal(pending_after, "1-0"); /* the next page starts after the last */
    answer_history("2-0", 0, p2, 2);
    assert_int_equal(nout, 3);
    assert_non_null(strstr(outs[2].text, "\"last\":\"2-0\""));
    drop(cu);
}

static void failed_resume_forgets_the_watch(void **state)
{
    struct hilo_conn *cu = conn(HILO_ROLE_CUSTOMER, "c1");
    redisReply err = {.type = REDIS_REPLY_ERROR, .str = "HILO forbidden", .len = 14};
    (void)state;
    assert_int_equal(hilo_live_sync_start(cu, "12345678", "0", SYNC_RESUME, "r2"), 0);
    hilo_redis_cb cb = pending_cb;
    cb(&err, pending_data);
    assert_int_equal(nerr, 1);
    assert_int_equal(last_err, -HILO_EFORBIDDEN);
    assert_null(hilo_live_watch_find(cu, "12345678"));
    publish("12345678\nEp1-0 {\"n\":1}");
    assert_int_equal(nout, 0);
    drop(cu);
}

static void too_much_held_closes_the_connection(void **state)
{
    struct hilo_conn *cu = conn(HILO_ROLE_CUSTOMER, "c1");
    char line[64];
    (void)state;
    assert_int_equal(hilo_live_sync_start(cu, "12345678", "0", SYNC_RESUME, NULL), 0);
    for (int i = 1; i <= MAX_PENDING; i++) {
        snprintf(line, sizeof line, "12345678\nEp%d-0 {}", i);
        publish(line);
    }
    assert_int_equal(nclose, 0);
    publish("12345678\nEp99999-0 {}");
    assert_int_equal(nclose, 1);
    assert_int_equal(last_close, 1008); /* the client resumes from what it has */
    /* the reply still finds the op (the socket is not gone in this test);
     * the held events then go out in order (net drops them: closing) */
    answer_history("0", 0, NULL, 0);
    assert_int_equal(nout, 1 + MAX_PENDING);
    assert_non_null(strstr(outs[0].text, "\"type\":\"resumed\""));
    assert_string_equal(outs[1].text, "{}");
    drop(cu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(events_reach_watchers_once, setup, teardown),
        cmocka_unit_test_setup_teardown(catch_up_holds_live_events_then_flushes_once, setup, teardown),
        cmocka_unit_test_setup_teardown(catch_up_pages_until_done, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_resume_forgets_the_watch, setup, teardown),
        cmocka_unit_test_setup_teardown(too_much_held_closes_the_connection, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
