/* The net reaches the domain only through registered subprotocols
 * (struct hilo_ws_ops, src/net/ws.c and conn.c): registration, admission
 * (accept hook, then the connection caps), and a connection's life:
 * open, whole messages, closed, and free at the end of the turn. No
 * sockets: the one lws call on these paths is wrapped at link time. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/conn.h"
#include "hilo/net.h"
#include "hilo/reap.h"
#include "hilo/ws.h"
#include "../../src/net/internal.h"

/* Queuing a frame asks lws for a writeable callback: nothing to do here. */
int __wrap_lws_callback_on_writable(struct lws *wsi);
int __wrap_lws_callback_on_writable(struct lws *wsi)
{
    (void)wsi;
    return 0;
}

/* What the hooks saw. */
static struct {
    int accepts, opens, messages, closes, frees;
    void *ctx;
    char origin[64], ip[48], cookie[64], msg[256];
    size_t msg_len;
    struct hilo_conn *conn;
    void *closed_session, *freed_session;
    int accept_status, open_refuses;
} seen;

static int session_token = 42; /* the "session" the open hook returns */

static int accept_hook(void *ctx, const struct hilo_upgrade *u, const char **why)
{
    seen.accepts++;
    seen.ctx = ctx;
    snprintf(seen.origin, sizeof seen.origin, "%s", u->origin ? u->origin : "(none)");
    snprintf(seen.ip, sizeof seen.ip, "%s", u->ip);
    if (seen.accept_status)
        *why = "Origin not allowed";
    return seen.accept_status;
}

static void *open_hook(void *ctx, struct hilo_conn *c, const struct hilo_upgrade *u)
{
    seen.opens++;
    seen.ctx = ctx;
    seen.conn = c;
    snprintf(seen.cookie, sizeof seen.cookie, "%s", u->cookie ? u->cookie : "(none)");
    return seen.open_refuses ? NULL : &session_token;
}

static void message_hook(void *session, const char *data, size_t len)
{
    assert_ptr_equal(session, &session_token);
    seen.messages++;
    seen.msg_len = len;
    memcpy(seen.msg, data, len < sizeof seen.msg ? len : sizeof seen.msg);
}

static void closed_hook(void *session)
{
    seen.closes++;
    seen.closed_session = session;
}

static void free_hook(void *session)
{
    seen.frees++;
    seen.freed_session = session;
}

static const struct hilo_ws_ops shared_ops = {
    .subprotocol = "test.shared.v1",
    .accept = accept_hook,
    .open = open_hook,
    .message = message_hook,
    .closed = closed_hook,
    .free = free_hook,
};

static const struct hilo_ws_ops reserved_ops = {
    .subprotocol = "test.reserved.v1",
    .flags = HILO_WS_RESERVED,
    .open = open_hook,
    .message = message_hook,
};

static struct hilo_config cfg;
static struct hilo_reap reap; /* closed (open == 0): nodes wait for deinit */
static int app_ctx;

static struct hilo_net *net(void)
{
    struct hilo_net *n = hilo_net_new(NULL);
    assert_non_null(n);
    memset(&seen, 0, sizeof seen);
    memset(&cfg, 0, sizeof cfg);
    memset(&reap, 0, sizeof reap);
    cfg.max_frame = 16;
    cfg.send_queue = 8;
    cfg.max_conns = 10;
    cfg.max_conns_per_ip = 5;
    cfg.agent_reserve_pct = 20;
    n->cfg = &cfg;   /* what hilo_ws_start sets */
    n->reap = &reap;
    assert_int_equal(hilo_net_ws_protocol(n, &shared_ops, &app_ctx), 0);
    assert_int_equal(hilo_net_ws_protocol(n, &reserved_ops, NULL), 0);
    return n;
}

static const struct hilo_upgrade upgrade = {"https://shop.example", "hilo.example",
                                            "hilo_session=abc", "10.0.0.7"};

static void test_register(void **state)
{
    struct hilo_net *n = net();
    struct hilo_ws_ops incomplete = {.subprotocol = "x", .open = open_hook};
    struct hilo_ws_ops more = shared_ops;
    const char *names[] = {"a", "b", "c"};
    (void)state;
    assert_string_equal(n->ws_names, "test.shared.v1 or test.reserved.v1");
    assert_int_equal(hilo_net_ws_protocol(n, &shared_ops, NULL), -EINVAL); /* taken */
    assert_int_equal(hilo_net_ws_protocol(n, &incomplete, NULL), -EINVAL); /* no message */
    static struct hilo_ws_ops extra[3];
    for (int i = 0; i < 3; i++) {
        extra[i] = more;
        extra[i].subprotocol = names[i];
    }
    assert_int_equal(hilo_net_ws_protocol(n, &extra[0], NULL), 0);
    assert_int_equal(hilo_net_ws_protocol(n, &extra[1], NULL), 0);
    assert_int_equal(hilo_net_ws_protocol(n, &extra[2], NULL), -ENOSPC);
    assert_int_equal(n->nws, HILO_WS_MAX_PROTOCOLS);
    hilo_net_free(n);
}

static void test_admit(void **state)
{
    struct hilo_net *n = net();
    const char *why = NULL;
    struct hilo_upgrade other = upgrade;
    (void)state;
    /* the accept hook sees the request and its ctx */
    assert_int_equal(hilo_net_ws_admit(n, &n->ws[0], &upgrade, &why), 0);
    assert_int_equal(seen.accepts, 1);
    assert_ptr_equal(seen.ctx, &app_ctx);
    assert_string_equal(seen.origin, "https://shop.example");
    assert_string_equal(seen.ip, "10.0.0.7");
    /* its refusal is the answer, before any cap */
    seen.accept_status = 403;
    assert_int_equal(hilo_net_ws_admit(n, &n->ws[0], &upgrade, &why), 403);
    assert_string_equal(why, "Origin not allowed");
    seen.accept_status = 0;
    /* the shared subprotocols stop at 80 % of max_conns; the reserved one
     * (no accept hook) goes on */
    n->ws_shared = 8;
    assert_int_equal(hilo_net_ws_admit(n, &n->ws[0], &upgrade, &why), 503);
    assert_int_equal(hilo_net_ws_admit(n, &n->ws[1], &upgrade, &why), 0);
    n->ws_shared = 0;
    /* per address */
    assert_int_equal(hilo_net_ipcount_add(&n->per_ip, "10.0.0.7", 5), 5);
    assert_int_equal(hilo_net_ws_admit(n, &n->ws[1], &upgrade, &why), 429);
    other.ip = "10.0.0.8";
    assert_int_equal(hilo_net_ws_admit(n, &n->ws[1], &other, &why), 0);
    /* shutting down */
    hilo_net_drain(n);
    assert_int_equal(hilo_net_ws_admit(n, &n->ws[1], &other, &why), 503);
    hilo_net_free(n);
}

/* A fake socket: conn.c only hands it to the wrapped lws call. */
static struct lws *fake_wsi = (struct lws *)&app_ctx;

static void test_conn_life(void **state)
{
    struct hilo_net *n = net();
    struct hilo_conn *c;
    (void)state;
    c = hilo_net_conn_new(n, fake_wsi, &n->ws[0], &upgrade);
    assert_non_null(c);
    assert_int_equal(seen.opens, 1);
    assert_ptr_equal(seen.conn, c);
    assert_ptr_equal(seen.ctx, &app_ctx);
    assert_string_equal(seen.cookie, "hilo_session=abc");
    assert_ptr_equal(c->session, &session_token);
    assert_int_equal(hilo_ws_conns(n), 1);

    /* one whole frame, then one in three pieces: the hook gets messages */
    assert_int_equal(hilo_net_conn_rx(c, "{\"a\":1}", 7, 1, 0), 0);
    assert_int_equal(seen.messages, 1);
    assert_int_equal(seen.msg_len, 7);
    assert_memory_equal(seen.msg, "{\"a\":1}", 7);
    assert_int_equal(hilo_net_conn_rx(c, "{\"b\"", 4, 0, 0), 0);
    assert_int_equal(hilo_net_conn_rx(c, ":", 1, 0, 0), 0);
    assert_int_equal(seen.messages, 1);
    assert_int_equal(hilo_net_conn_rx(c, "2}", 2, 1, 0), 0);
    assert_int_equal(seen.messages, 2);
    assert_int_equal(seen.msg_len, 7);
    assert_memory_equal(seen.msg, "{\"b\":2}", 7);
    assert_null(c->q_head);

    /* closed: the domain forgets the connection; free waits for the turn's end */
    hilo_net_conn_closed(c);
    assert_int_equal(seen.closes, 1);
    assert_ptr_equal(seen.closed_session, &session_token);
    assert_null(c->wsi); /* readable until the reap: replies check wsi */
    assert_int_equal(hilo_ws_conns(n), 0);
    assert_int_equal(seen.frees, 0);
    hilo_reap_deinit(&reap);
    assert_int_equal(seen.frees, 1);
    assert_ptr_equal(seen.freed_session, &session_token);
    hilo_net_free(n);
}

/* A message net refuses never reaches the domain: an error frame instead. */
static void test_conn_refused_messages(void **state)
{
    struct hilo_net *n = net();
    struct hilo_conn *c = hilo_net_conn_new(n, fake_wsi, &n->ws[0], &upgrade);
    char big[40];
    (void)state;
    assert_non_null(c);
    memset(big, 'x', sizeof big);
    assert_int_equal(hilo_net_conn_rx(c, "\x01\x02", 2, 1, 1), 0); /* binary */
    assert_int_equal(hilo_net_conn_rx(c, big, 17, 1, 0), 0);        /* over max_frame */
    assert_int_equal(seen.messages, 0);
    assert_int_equal(c->q_len, 2);
    assert_non_null(strstr((char *)hilo_frame_data(c->q_head->f), "\"bad_frame\""));
    assert_non_null(strstr((char *)hilo_frame_data(c->q_tail->f), "\"too_large\""));
    /* far past it (16 x max_frame): the socket must close */
    assert_int_equal(hilo_net_conn_rx(c, big, 20, 0, 0), 0);
    for (int i = 0; i < 11; i++) /* 240 bytes: still reading */
        assert_int_equal(hilo_net_conn_rx(c, big, 20, 0, 0), 0);
    assert_int_equal(hilo_net_conn_rx(c, big, 40, 0, 0), -HILO_ETOOLARGE);
    /* closing: nothing more is handed over */
    hilo_conn_close(c, 1000);
    assert_int_equal(hilo_net_conn_rx(c, "{}", 2, 1, 0), 0);
    assert_int_equal(seen.messages, 0);
    hilo_net_conn_closed(c);
    hilo_reap_deinit(&reap);
    assert_int_equal(seen.frees, 1);
    hilo_net_free(n);
}

/* An open hook that refuses leaves no connection behind. */
static void test_open_refused(void **state)
{
    struct hilo_net *n = net();
    (void)state;
    seen.open_refuses = 1;
    assert_null(hilo_net_conn_new(n, fake_wsi, &n->ws[0], &upgrade));
    assert_int_equal(seen.opens, 1);
    assert_int_equal(hilo_ws_conns(n), 0);
    assert_null(n->all_head);
    hilo_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register),
        cmocka_unit_test(test_admit),
        cmocka_unit_test(test_conn_life),
        cmocka_unit_test(test_conn_refused_messages),
        cmocka_unit_test(test_open_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
