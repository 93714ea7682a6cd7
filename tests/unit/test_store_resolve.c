/* The Redis client resolves a host name on libuv's thread pool, not with
 * hiredis's blocking getaddrinfo on the loop. A fake Redis on 127.0.0.1
 * answers +PONG to each command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "hilo/redis.h"

static uv_loop_t loop;
static uv_tcp_t server;
static uv_tcp_t peer;
static uv_timer_t deadline;
static int port, accepted, ready, closed;
static char buf[4096];

static void alloc_cb(uv_handle_t *h, size_t size, uv_buf_t *b)
{
    (void)h;
    (void)size;
    *b = uv_buf_init(buf, sizeof buf);
}

static void written_cb(uv_write_t *w, int status)
{
    (void)status;
    free(w);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    /* one +PONG per command: count the "*N\r\n" array headers */
    for (ssize_t i = 0; i < n; i++) {
        if (b->base[i] == '*' && (i == 0 || b->base[i - 1] == '\n')) {
            static char pong[] = "+PONG\r\n";
            uv_write_t *w = malloc(sizeof *w);
            uv_buf_t out = uv_buf_init(pong, sizeof pong - 1);
            uv_write(w, s, &out, 1, written_cb);
        }
    }
    if (n < 0)
        uv_close((uv_handle_t *)s, NULL);
}

static void conn_cb(uv_stream_t *srv, int status)
{
    (void)status;
    uv_tcp_init(&loop, &peer);
    if (uv_accept(srv, (uv_stream_t *)&peer) == 0) {
        accepted++;
        uv_read_start((uv_stream_t *)&peer, alloc_cb, read_cb);
    }
}

static void on_ready(struct hilo_redis *r, void *data)
{
    (void)r;
    (void)data;
    ready = 1;
    uv_stop(&loop);
}

static void done_cb(void *data)
{
    (void)data;
    closed = 1;
}

static void deadline_cb(uv_timer_t *t)
{
    (void)t;
    uv_stop(&loop);
}

static int setup(void **state)
{
    struct sockaddr_in a;
    struct sockaddr_storage got;
    int len = sizeof got;
    (void)state;
    accepted = ready = closed = 0;
    uv_loop_init(&loop);
    uv_tcp_init(&loop, &server);
    uv_ip4_addr("127.0.0.1", 0, &a);
    assert_int_equal(uv_tcp_bind(&server, (const struct sockaddr *)&a, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&server, 8, conn_cb), 0);
    uv_tcp_getsockname(&server, (struct sockaddr *)&got, &len);
    port = ntohs(((struct sockaddr_in *)&got)->sin_port);
    uv_timer_init(&loop, &deadline);
    return 0;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static int teardown(void **state)
{
    (void)state;
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 0;
}

static void run_until_ready(struct hilo_redis *r)
{
    uv_timer_start(&deadline, deadline_cb, 5000, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_timer_stop(&deadline);
    hilo_redis_close(r, done_cb, NULL);
    while (!closed)
        uv_run(&loop, UV_RUN_ONCE);
}

static struct hilo_redis *start(const char *host)
{
    char url[128];
    struct hilo_redis_opts o = {0};
    snprintf(url, sizeof url, "redis://%s:%d", host, port);
    o.url = url;
    o.connect_timeout_ms = 3000;
    o.timeout_ms = 3000;
    o.on_ready = on_ready;
    o.name = "test";
    return hilo_redis_new(&loop, &o);
}

/* By name: hilo_redis_new returns with a lookup queued on the thread pool
 * (hiredis alone would have resolved it right there, on the loop), and the
 * client then connects to the address found. */
static void hostname_resolves_off_the_loop(void **state)
{
    (void)state;
    struct hilo_redis *r = start("localhost");
    assert_non_null(r);
    assert_int_equal(loop.active_reqs.count, 1);
    assert_int_equal(accepted, 0);
    run_until_ready(r);
    assert_int_equal(ready, 1);
    assert_int_equal(accepted, 1);
}

static void numeric_address_needs_no_lookup(void **state)
{
    (void)state;
    struct hilo_redis *r = start("127.0.0.1");
    assert_non_null(r);
    assert_int_equal(loop.active_reqs.count, 0);
    run_until_ready(r);
    assert_int_equal(ready, 1);
}

/* Closing while the lookup runs waits for it, then frees the client. */
static void close_during_lookup(void **state)
{
    (void)state;
    struct hilo_redis *r = start("localhost");
    assert_non_null(r);
    hilo_redis_close(r, done_cb, NULL);
    while (!closed)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(loop.active_reqs.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(hostname_resolves_off_the_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(numeric_address_needs_no_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(close_during_lookup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
