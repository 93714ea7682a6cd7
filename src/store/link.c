/* A Redis link: one connection with states and deadlines.
 *
 *   down --(backoff)--> connecting --(set-up answered)--> ready
 *     ^                     |                               |
 *     +--- error, reset, deadline missed -------------------+
 *
 * "connecting" is name lookup, TCP connect and the set-up commands (AUTH,
 * SELECT, SCRIPT LOAD + PING, or SUBSCRIBE); each step has a deadline. A
 * ready link is pinged when idle, and the oldest reply it waits for has a
 * deadline, on the subscriber connection too (where the ping is a second
 * SUBSCRIBE to the same channel: hiredis 0.14 drops the ["pong",""] push
 * that a PING gets in subscribed mode). Errors and resets on the socket are
 * seen through our own libuv adapter (uvadapter.c). Reconnects back off
 * exponentially with jitter. The catch-up hook of a subscriber runs once it
 * and its peer (the command link) are both ready, until it succeeds. */
#include <arpa/inet.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/log.h"
#include "redis_int.h"

static uint64_t reply_ms(const struct hilo_redis *r)
{
    return (uint64_t)(r->o.timeout_ms > 0 ? r->o.timeout_ms : HILO_REDIS_TIMEOUT_MS);
}

static uint64_t connect_ms(const struct hilo_redis *r)
{
    return (uint64_t)(r->o.connect_timeout_ms > 0 ? r->o.connect_timeout_ms
                                                  : HILO_REDIS_CONNECT_TIMEOUT_MS);
}

/* Exponential backoff with up to +50% jitter, so that many instances (or
 * our two links) do not knock on a recovering server in step. */
static uint64_t backoff(int *ms)
{
    int base = *ms, jitter = base > 1 ? (int)randombytes_uniform((uint32_t)base / 2 + 1) : 0;
    *ms = base * 2 > HILO_REDIS_BACKOFF_MAX_MS ? HILO_REDIS_BACKOFF_MAX_MS : base * 2;
    return (uint64_t)(base + jitter);
}

int hilo_redis_ready(const struct hilo_redis *r) { return r->state == ST_READY; }

const char *hilo_redis_state(const struct hilo_redis *r)
{
    switch (r->state) {
    case ST_DOWN:
        return "down";
    case ST_READY:
        return "ready";
    case ST_CLOSING:
        return "closing";
    default:
        return "connecting";
    }
}

unsigned hilo_redis_reconnects(const struct hilo_redis *r) { return r->reconnects; }

int hilo_redis_catchup_pending(const struct hilo_redis *r) { return r->catchup_pending; }

void hilo_redis_catchup_again(struct hilo_redis *r)
{
    uint64_t now = hilo_mono_ms();
    if (!r->o.on_catchup || r->state == ST_CLOSING)
        return;
    r->catchup_pending = 1;
    r->catchup_at = now + backoff(&r->catchup_backoff_ms);
}

static void catchup(struct hilo_redis *r, uint64_t now)
{
    if (!r->catchup_pending || r->state != ST_READY || now < r->catchup_at)
        return;
    if (r->peer && !hilo_redis_ready(r->peer)) {
        if (!r->catchup_waiting)
            hilo_info("redis %s: catch-up waits for redis %s", r->name, r->peer->name);
        r->catchup_waiting = 1;
        return;
    }
    r->catchup_pending = 0;
    r->catchup_waiting = 0;
    if (r->o.on_catchup(r, r->o.data) < 0) {
        hilo_warn("redis %s: catch-up failed; retrying", r->name);
        hilo_redis_catchup_again(r);
        return;
    }
    r->catchup_backoff_ms = 100;
    hilo_info("redis %s: catch-up started", r->name);
}

static void became_ready(struct hilo_redis *r, const char *what)
{
    r->state = ST_READY;
    if (r->ever_ready)
        r->reconnects++;
    r->ever_ready = r->was_ready = 1;
    r->down_since = 0;
    r->attempts = 0;
    r->backoff_ms = HILO_REDIS_BACKOFF_MIN_MS;
    r->last_activity = hilo_mono_ms();
    r->ping_sent = 0;
    hilo_info("redis %s: %s", r->name, what);
    if (r->o.on_catchup) {
        /* Whatever was published while the link was away was missed. */
        r->catchup_pending = 1;
        r->catchup_at = 0;
    }
    if (r->o.on_ready)
        r->o.on_ready(r, r->o.data);
}

static void went_down(struct hilo_redis *r, const char *why)
{
    int was = r->was_ready;
    uint64_t now = hilo_mono_ms();
    if (r->state == ST_CLOSING)
        return;
    r->state = ST_DOWN;
    r->was_ready = 0;
    r->ping_sent = 0;
    r->attempts++;
    snprintf(r->why, sizeof r->why, "%s", why);
    r->next_attempt = now + backoff(&r->backoff_ms);
    if (!r->down_since)
        r->down_since = r->down_warned = now;
    if (was && r->dependent && r->dependent->o.on_catchup &&
        r->dependent->state != ST_CLOSING) {
        /* A catch-up in flight on this link has failed with it: run it
         * again once both links are back. */
        r->dependent->catchup_pending = 1;
        r->dependent->catchup_at = 0;
    }
    if (was) {
        hilo_warn("redis %s: connection lost (%s); reconnecting", r->name, why);
        if (r->o.on_down)
            r->o.on_down(r, r->o.data);
    } else {
        hilo_debug("redis %s: attempt %u failed (%s)", r->name, r->attempts, why);
    }
}

/* Frees the hiredis context from outside any hiredis callback; every pending
 * callback runs with NULL before this returns. */
static void drop(struct hilo_redis *r, const char *why)
{
    redisAsyncContext *ac = r->ac;
    if (!ac)
        return;
    r->ac = NULL;
    ac->data = NULL;
    went_down(r, why);
    redisAsyncFree(ac);
}

/* The adapter saw an error on the socket that hiredis did not act on. */
static void poll_error(redisAsyncContext *ac, int status)
{
    struct hilo_redis *r = ac->data;
    if (r && r->ac == ac)
        drop(r, uv_strerror(status));
}

static void ready_cb(redisReply *reply, void *data)
{
    struct hilo_redis *r = data;
    if (r->state != ST_INIT)
        return; /* dropped meanwhile */
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        hilo_warn("redis %s: set-up failed: %s", r->name, reply ? reply->str : "no reply");
        /* Cannot free inside a hiredis callback: let the tick do it. */
        r->init_started = 0;
        return;
    }
    became_ready(r, "ready");
}

static void sub_cb(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct hilo_redis *r = privdata;
    redisReply *reply = reply_;
    (void)ac;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3)
        return;
    r->last_activity = hilo_mono_ms();
    const redisReply *kind = reply->element[0];
    if (kind->type != REDIS_REPLY_STRING)
        return;
    if (strcmp(kind->str, "message") == 0) {
        const redisReply *payload = reply->element[2];
        if (payload->type == REDIS_REPLY_STRING && r->o.on_message)
            r->o.on_message(payload->str, payload->len, r->o.data);
    } else if (strcmp(kind->str, "subscribe") == 0) {
        if (r->state == ST_INIT)
            became_ready(r, "subscribed");
        else
            r->ping_sent = 0; /* the answer to our ping */
    }
}

static void connect_cb(const redisAsyncContext *ac, int status)
{
    struct hilo_redis *r = ac->data;
    if (!r)
        return;
    if (status != REDIS_OK) {
        /* hiredis frees the context after this returns */
        r->ac = NULL;
        went_down(r, ac->errstr[0] ? ac->errstr : "connect failed");
        return;
    }
    r->state = ST_INIT;
    r->init_started = hilo_mono_ms();
    hilo_redis_tx_reset(r);
    if (r->url.password) {
        const char *argv[] = {"AUTH", r->url.password};
        hilo_redis_send(r, NULL, NULL, 2, argv, NULL);
    }
    if (r->url.db) {
        char db[16];
        snprintf(db, sizeof db, "%d", r->url.db);
        const char *argv[] = {"SELECT", db};
        hilo_redis_send(r, NULL, NULL, 2, argv, NULL);
    }
    if (r->subscribe) {
        redisAsyncCommand(r->ac, sub_cb, r, "SUBSCRIBE %s", r->subscribe);
        return;
    }
    if (r->o.on_connect)
        r->o.on_connect(r, r->o.data);
    const char *ping[] = {"PING"};
    hilo_redis_send(r, ready_cb, r, 1, ping, NULL);
}

static void disconnect_cb(const redisAsyncContext *ac, int status)
{
    struct hilo_redis *r = ac->data;
    (void)status;
    if (!r)
        return; /* we dropped it ourselves */
    r->ac = NULL;
    went_down(r, ac->errstr[0] ? ac->errstr : "closed by server");
}

static void connect_to(struct hilo_redis *r, const char *host)
{
    redisAsyncContext *ac;
    if (r->url.path)
        ac = redisAsyncConnectUnix(r->url.path);
    else
        ac = redisAsyncConnect(host, r->url.port);
    if (!ac) {
        went_down(r, "out of memory");
        return;
    }
    if (ac->err) {
        char why[128];
        snprintf(why, sizeof why, "connect: %s", ac->errstr);
        redisAsyncFree(ac);
        went_down(r, why);
        return;
    }
    if (hilo_uv_attach(ac, r->loop, poll_error) != REDIS_OK) {
        redisAsyncFree(ac);
        went_down(r, "connect failed");
        return;
    }
    ac->data = r;
    redisAsyncSetConnectCallback(ac, connect_cb);
    redisAsyncSetDisconnectCallback(ac, disconnect_cb);
    r->ac = ac;
    r->state = ST_CONNECTING;
}

static int resolve(struct hilo_redis *r);

static void resolved_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct hilo_redis *r = req->data;
    char ip[INET6_ADDRSTRLEN] = "";
    r->resolving = 0;
    if (status == 0 && res) {
        if (res->ai_family == AF_INET)
            uv_ip4_name((const struct sockaddr_in *)res->ai_addr, ip, sizeof ip);
        else
            uv_ip6_name((const struct sockaddr_in6 *)res->ai_addr, ip, sizeof ip);
    }
    uv_freeaddrinfo(res);
    if (r->state != ST_RESOLVING)
        return; /* closing, or timed out and cancelled */
    if (!ip[0] && status != UV_EAI_CANCELED && r->family == AF_INET) {
        r->family = AF_INET6;
        if (resolve(r) == 0)
            return;
    }
    if (!ip[0]) {
        hilo_debug("redis %s: cannot resolve %s: %s", r->name, r->url.host,
                   status ? uv_strerror(status) : "no address");
        went_down(r, "cannot resolve the host");
        return;
    }
    connect_to(r, ip);
}

static int resolve(struct hilo_redis *r)
{
    struct addrinfo hints = {0};
    hints.ai_family = r->family;
    hints.ai_socktype = SOCK_STREAM;
    r->gai.data = r;
    if (uv_getaddrinfo(r->loop, &r->gai, resolved_cb, r->url.host, NULL, &hints) < 0)
        return -1;
    r->resolving = 1;
    return 0;
}

static int numeric(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static void start_connect(struct hilo_redis *r)
{
    r->connect_started = hilo_mono_ms();
    if (r->url.path || numeric(r->url.host)) {
        connect_to(r, r->url.host);
        return;
    }
    r->state = ST_RESOLVING;
    r->family = AF_INET;
    if (resolve(r) < 0)
        went_down(r, "cannot resolve the host");
}

static void closed_cb(uv_handle_t *h)
{
    struct hilo_redis *r = h->data;
    void (*done)(void *) = r->close_done;
    void *data = r->close_data;
    hilo_redis_url_free(&r->url);
    free(r->subscribe);
    free(r->name);
    free(r);
    if (done)
        done(data);
}

static void health_cb(redisReply *reply, void *data)
{
    (void)reply;
    (void)data;
}

/* A ready link: the oldest reply, and the answer to a ping, have deadlines;
 * an idle link is pinged so that a dead one is noticed without traffic. */
static void check_ready(struct hilo_redis *r, uint64_t now)
{
    uint64_t limit = reply_ms(r);
    if (r->list.next != &r->list && now - r->list.next->sent_ms > limit) {
        drop(r, "no reply within the deadline");
        return;
    }
    if (r->ping_sent && now - r->ping_sent > limit) {
        drop(r, "no answer to ping within the deadline");
        return;
    }
    if (r->state != ST_READY || now - r->last_activity <= HILO_REDIS_PING_MS)
        return;
    if (r->subscribe) {
        if (!r->ping_sent &&
            redisAsyncCommand(r->ac, sub_cb, r, "SUBSCRIBE %s", r->subscribe) == REDIS_OK)
            r->ping_sent = now;
    } else if (r->npending == 0) {
        const char *ping[] = {"PING"};
        r->last_activity = now;
        hilo_redis_send(r, health_cb, NULL, 1, ping, NULL);
    }
}

static void tick_cb(uv_timer_t *t)
{
    struct hilo_redis *r = t->data;
    uint64_t now = hilo_mono_ms();

    switch (r->state) {
    case ST_CLOSING:
        if (r->resolving) {
            uv_cancel((uv_req_t *)&r->gai); /* its callback runs, then we close */
            return;
        }
        if (r->ac) {
            redisAsyncContext *ac = r->ac;
            r->ac = NULL;
            ac->data = NULL;
            redisAsyncFree(ac);
        }
        uv_timer_stop(&r->tick);
        uv_close((uv_handle_t *)&r->tick, closed_cb);
        return;
    case ST_DOWN:
        if (now - r->down_warned >= 30000) {
            r->down_warned = now;
            hilo_warn("redis %s: down for %llu s, %u attempts (%s)", r->name,
                      (unsigned long long)(now - r->down_since) / 1000, r->attempts, r->why);
        }
        if (now >= r->next_attempt && !r->resolving)
            start_connect(r);
        return;
    case ST_RESOLVING:
        if (now - r->connect_started > connect_ms(r)) {
            hilo_debug("redis %s: resolving %s timed out", r->name, r->url.host);
            /* a running lookup cannot be cancelled: its result is ignored
             * and the next attempt waits until it has finished */
            if (r->resolving)
                uv_cancel((uv_req_t *)&r->gai);
            went_down(r, "resolve timed out");
        }
        return;
    case ST_CONNECTING:
        if (now - r->connect_started > connect_ms(r)) {
            if (r->ac)
                drop(r, "connect timed out");
            else
                went_down(r, "connect failed");
        }
        return;
    case ST_INIT:
        /* Set-up failed (init_started cleared) or unanswered: SUBSCRIBE is
         * not in the pending list, so this deadline is its only one. */
        if (r->init_started == 0 || now - r->init_started > reply_ms(r)) {
            drop(r, r->init_started ? "set-up timed out" : "set-up failed");
            return;
        }
        check_ready(r, now);
        return;
    case ST_READY:
        check_ready(r, now);
        if (r->state == ST_READY)
            catchup(r, now);
        return;
    }
}

struct hilo_redis *hilo_redis_new(uv_loop_t *loop, const struct hilo_redis_opts *opts)
{
    struct hilo_redis *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (hilo_redis_url_parse(opts->url, &r->url) < 0) {
        free(r);
        return NULL;
    }
    r->loop = loop;
    r->o = *opts;
    r->o.url = NULL;
    r->subscribe = opts->subscribe ? strdup(opts->subscribe) : NULL;
    r->o.subscribe = NULL;
    r->name = strdup(opts->name ? opts->name : "main");
    r->o.name = NULL;
    r->o.peer = NULL;
    if (opts->peer) {
        /* The peer forgets us when we close, and we it when it closes. */
        r->peer = opts->peer;
        opts->peer->dependent = r;
    }
    r->list.next = r->list.prev = &r->list;
    r->backoff_ms = HILO_REDIS_BACKOFF_MIN_MS;
    r->catchup_backoff_ms = 100;
    r->state = ST_DOWN;
    uv_timer_init(loop, &r->tick);
    r->tick.data = r;
    uv_timer_start(&r->tick, tick_cb, 50, 50);
    start_connect(r);
    return r;
}

void hilo_redis_reset(struct hilo_redis *r)
{
    if (r->ac && r->state != ST_CLOSING)
        drop(r, "reset");
}

void hilo_redis_close(struct hilo_redis *r, void (*done)(void *data), void *data)
{
    r->close_done = done;
    r->close_data = data;
    r->state = ST_CLOSING;
    r->catchup_pending = 0;
    if (r->dependent)
        r->dependent->peer = NULL;
    if (r->peer)
        r->peer->dependent = NULL;
    r->dependent = r->peer = NULL;
    /* The tick frees the context outside any hiredis callback. */
    uv_timer_start(&r->tick, tick_cb, 0, 50);
}
