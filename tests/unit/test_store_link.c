/* The Redis link against a bare socket on loopback that misbehaves: resets
 * the connection after the first command, never answers, or answers the
 * SUBSCRIBE and then nothing (not the pings). Each time the link must notice
 * and connect again (a second connection is accepted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/common.h"
#include "hilo/log.h"
#include "hilo/redis.h"

enum mode { M_RESET, M_SILENT, M_SUBSCRIBE_ONLY };

struct fake {
    uv_loop_t loop;
    uv_tcp_t srv;
    uv_tcp_t cl[16];
    int ncl;
    enum mode mode;
    int port;
    uv_timer_t guard;
    int ready, catchups, closed;
};

static struct fake F;

static void alloc_cb(uv_handle_t *h, size_t n, uv_buf_t *b)
{
    static char buf[4096];
    (void)h;
    (void)n;
    *b = uv_buf_init(buf, sizeof buf);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    static uv_write_t w;
    static char reply[] = "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n";
    (void)b;
    if (n < 0) {
        if (!uv_is_closing((uv_handle_t *)s))
            uv_close((uv_handle_t *)s, NULL);
        return;
    }
    if (n == 0)
        return;
    if (F.mode == M_RESET) {
        uv_tcp_close_reset((uv_tcp_t *)s, NULL);
    } else if (F.mode == M_SUBSCRIBE_ONLY && s->data == NULL) {
        uv_buf_t rb = uv_buf_init(reply, sizeof reply - 1);
        s->data = &F; /* answered once: the pings get nothing */
        uv_write(&w, s, &rb, 1, NULL);
    }
}

static void conn_cb(uv_stream_t *srv, int status)
{
    uv_tcp_t *c;
    if (status < 0 || F.ncl >= 16)
        return;
    c = &F.cl[F.ncl++];
    uv_tcp_init(&F.loop, c);
    c->data = NULL;
    if (uv_accept(srv, (uv_stream_t *)c) == 0)
        uv_read_start((uv_stream_t *)c, alloc_cb, read_cb);
    if (F.ncl == 2)
        uv_stop(&F.loop); /* the link came back: what we wait for */
}

static void guard_cb(uv_timer_t *t) { uv_stop(t->loop); }

static void on_ready(struct hilo_redis *r, void *data)
{
    (void)r;
    (void)data;
    F.ready++;
}

static int on_catchup(struct hilo_redis *r, void *data)
{
    (void)r;
    (void)data;
    F.catchups++;
    return 0;
}

static void start(enum mode mode)
{
    struct sockaddr_in a;
    struct sockaddr_storage got;
    int len = sizeof got;
    memset(&F, 0, sizeof F);
    F.mode = mode;
    uv_loop_init(&F.loop);
    uv_tcp_init(&F.loop, &F.srv);
    uv_ip4_addr("127.0.0.1", 0, &a);
    assert_int_equal(uv_tcp_bind(&F.srv, (const struct sockaddr *)&a, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&F.srv, 16, conn_cb), 0);
    uv_tcp_getsockname(&F.srv, (struct sockaddr *)&got, &len);
    F.port = ntohs(((struct sockaddr_in *)&got)->sin_port);
    uv_timer_init(&F.loop, &F.guard);
}

static struct hilo_redis *sub(int timeout_ms, struct hilo_redis *peer)
{
    char url[64];
    struct hilo_redis_opts o;
    memset(&o, 0, sizeof o);
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", F.port);
    o.url = url;
    o.connect_timeout_ms = 1000;
    o.timeout_ms = timeout_ms;
    o.subscribe = "ch";
    o.on_ready = on_ready;
    o.on_catchup = on_catchup;
    o.peer = peer;
    o.name = "test";
    return hilo_redis_new(&F.loop, &o);
}

/* Runs the loop until the second connection, or ms. Returns the time. */
static uint64_t run(uint64_t ms)
{
    uint64_t t0 = hilo_mono_ms();
    uv_timer_start(&F.guard, guard_cb, ms, 0);
    uv_run(&F.loop, UV_RUN_DEFAULT);
    uv_timer_stop(&F.guard);
    return hilo_mono_ms() - t0;
}

static void closed(void *data)
{
    (void)data;
    F.closed++;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void finish(struct hilo_redis *r, struct hilo_redis *peer)
{
    int want = peer ? 2 : 1;
    if (peer)
        hilo_redis_close(peer, closed, NULL);
    hilo_redis_close(r, closed, NULL);
    while (F.closed < want)
        uv_run(&F.loop, UV_RUN_ONCE);
    uv_walk(&F.loop, close_walk, NULL);
    uv_run(&F.loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&F.loop), 0);
}

/* A reset is seen at once, not at a deadline (60 s here). */
static void reset_is_seen(void **state)
{
    (void)state;
    start(M_RESET);
    struct hilo_redis *r = sub(60000, NULL);
    uint64_t took = run(5000);
    assert_int_equal(F.ncl, 2);
    assert_true(took < 3000);
    assert_int_equal(F.ready, 0);
    finish(r, NULL);
}

/* A SUBSCRIBE never answered: the set-up deadline. */
static void setup_deadline(void **state)
{
    (void)state;
    start(M_SILENT);
    struct hilo_redis *r = sub(300, NULL);
    uint64_t took = run(5000);
    assert_int_equal(F.ncl, 2);
    assert_true(took >= 250);
    assert_string_equal(hilo_redis_state(r), "connecting");
    finish(r, NULL);
}

/* Subscribed, then the pings get nothing: the ping deadline. The catch-up
 * ran once (no peer to wait for). */
static void ping_deadline(void **state)
{
    (void)state;
    start(M_SUBSCRIBE_ONLY);
    struct hilo_redis *r = sub(300, NULL);
    uint64_t took = run(8000);
    assert_int_equal(F.ncl, 2);
    assert_int_equal(F.ready, 1);
    assert_int_equal(F.catchups, 1);
    assert_true(took >= 1000); /* idle 1 s, then the ping */
    finish(r, NULL);
}

/* The catch-up waits for its peer (here a link that never connects) and
 * stays pending meanwhile. */
static void catchup_waits_for_peer(void **state)
{
    struct hilo_redis_opts o;
    (void)state;
    start(M_SUBSCRIBE_ONLY);
    memset(&o, 0, sizeof o);
    o.url = "redis://127.0.0.1:1"; /* refused */
    o.name = "peer";
    struct hilo_redis *peer = hilo_redis_new(&F.loop, &o);
    struct hilo_redis *r = sub(60000, peer);
    uv_timer_start(&F.guard, guard_cb, 600, 0);
    uv_run(&F.loop, UV_RUN_DEFAULT);
    assert_int_equal(F.ready, 1);
    assert_int_equal(hilo_redis_ready(r), 1);
    assert_int_equal(hilo_redis_ready(peer), 0);
    assert_int_equal(F.catchups, 0);
    assert_int_equal(hilo_redis_catchup_pending(r), 1);
    finish(r, peer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reset_is_seen),
        cmocka_unit_test(setup_deadline),
        cmocka_unit_test(ping_deadline),
        cmocka_unit_test(catchup_waits_for_peer),
    };
    hilo_log_set_level(HILO_LOG_ERROR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
