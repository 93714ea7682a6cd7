#include "hilo/redis.h"

#include <arpa/inet.h>
#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <netdb.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/log.h"
#include "internal.h"

enum state { ST_DOWN, ST_RESOLVING, ST_CONNECTING, ST_INIT, ST_READY, ST_CLOSING };

struct pending {
    struct pending *prev, *next;
    struct hilo_redis *r;
    hilo_redis_cb cb;
    void *data;
    uint64_t sent_ms;
    /* EVALSHA only: the formatted command, kept for a NOSCRIPT retry. */
    char *cmd;
    int cmdlen;
    int retried;
    /* An EVALSHA inside MULTI: queued (block still being sent), owned by its
     * EXEC (freed with it), or being retried for its EXEC (owner). */
    enum { TX_NONE, TX_QUEUED, TX_OWNED, TX_RETRY } tx;
    int tx_index; /* position in the block = index in the EXEC reply */
    struct pending *tx_prev, *tx_next, *owner;
    /* EXEC only: the block's EVALSHAs, and while retrying them a copy of the
     * reply that their answers patch. */
    struct pending *scripts;
    redisReply *copy;
    int waiting, failed;
};

struct hilo_redis {
    uv_loop_t *loop;
    uv_timer_t tick;
    redisAsyncContext *ac;
    enum state state;
    struct hilo_redis_url url;
    struct hilo_redis_opts o;
    char *subscribe;
    char *name;
    struct pending list; /* sentinel: list.next is the oldest */
    int npending;
    int in_multi, tx_count;   /* the MULTI block being sent */
    struct pending *tx_head;  /* its EVALSHAs */
    uint64_t connect_started;
    /* hiredis resolves names with a blocking getaddrinfo: we resolve on the
     * thread pool first and hand it a numeric address. */
    uv_getaddrinfo_t gai;
    int resolving; /* gai in flight: the client cannot be freed yet */
    int family;    /* AF_INET, then AF_INET6 as hiredis does */
    uint64_t next_attempt;
    uint64_t last_activity;
    int backoff_ms;
    int was_ready;
    void (*close_done)(void *);
    void *close_data;
};

static void start_connect(struct hilo_redis *r);

static void list_unlink(struct pending *p)
{
    p->prev->next = p->next;
    p->next->prev = p->prev;
}

static void list_append(struct hilo_redis *r, struct pending *p)
{
    p->prev = r->list.prev;
    p->next = &r->list;
    r->list.prev->next = p;
    r->list.prev = p;
}

static void reply_cb(redisAsyncContext *ac, void *reply, void *privdata);

/* ---- NOSCRIPT: the server lost its scripts (SCRIPT FLUSH, failover to a
 * server that never loaded them). The store loads them again and sends the
 * failed EVALSHA once more, so callers only ever see the second answer. An
 * EVALSHA keeps its formatted command until its reply for this; formatting
 * it here rather than in hiredis costs no extra allocation. */

static int is_noscript(const redisReply *x)
{
    return x && x->type == REDIS_REPLY_ERROR && strncmp(x->str, "NOSCRIPT", 8) == 0;
}

static void free_pending(struct pending *p)
{
    struct pending *s = p->scripts;
    while (s) {
        struct pending *n = s->tx_next;
        free(s->cmd);
        free(s);
        s = n;
    }
    if (p->copy)
        freeReplyObject(p->copy);
    free(p->cmd);
    free(p);
}

static int resend(struct hilo_redis *r, struct pending *p)
{
    if (!r->ac || (r->state != ST_INIT && r->state != ST_READY) || !p->cmd)
        return -1;
    if (redisAsyncFormattedCommand(r->ac, reply_cb, p, p->cmd, (size_t)p->cmdlen) != REDIS_OK)
        return -1;
    p->retried = 1;
    p->sent_ms = hilo_mono_ms();
    list_append(r, p);
    r->npending++;
    return 0;
}

static void reload(struct hilo_redis *r)
{
    hilo_warn("redis %s: the server lost its scripts (NOSCRIPT); reloading", r->name);
    hilo_scripts_reload(r);
}

/* A lone EVALSHA: pipelined behind the SCRIPT LOAD. */
static int retry_noscript(struct hilo_redis *r, struct pending *p)
{
    if (!r->ac || (r->state != ST_INIT && r->state != ST_READY))
        return 0;
    reload(r);
    return resend(r, p) == 0;
}

static redisReply *reply_dup(const redisReply *x)
{
    redisReply *y = calloc(1, sizeof *y);
    if (!y)
        return NULL;
    y->type = x->type;
    y->integer = x->integer;
    if (x->str) {
        y->str = malloc(x->len + 1);
        if (!y->str)
            goto fail;
        memcpy(y->str, x->str, x->len + 1);
        y->len = x->len;
    }
    if (x->elements) {
        y->element = calloc(x->elements, sizeof *y->element);
        if (!y->element)
            goto fail;
        y->elements = x->elements;
        for (size_t i = 0; i < x->elements; i++)
            if (!(y->element[i] = reply_dup(x->element[i])))
                goto fail;
    }
    return y;
fail:
    freeReplyObject(y);
    return NULL;
}

/* Inside MULTI the rest of the block has run; the EVALSHAs that failed are
 * sent again alone (not atomically with the block, which is acceptable for
 * this rare recovery: the other commands of our blocks are idempotent index
 * updates or queue appends), and their answers replace the NOSCRIPT elements
 * of a copy of the EXEC reply. Returns 1 if the caller's callback waits. */
static int exec_retry(struct hilo_redis *r, struct pending *pe, const redisReply *x)
{
    struct pending *s;
    int lost = 0;
    if (!x || x->type != REDIS_REPLY_ARRAY)
        return 0;
    for (s = pe->scripts; s; s = s->tx_next)
        if ((size_t)s->tx_index < x->elements && is_noscript(x->element[s->tx_index]))
            lost = 1;
    if (!lost || !r->ac || r->state != ST_READY || !(pe->copy = reply_dup(x)))
        return 0;
    reload(r);
    for (s = pe->scripts; s; s = s->tx_next) {
        if ((size_t)s->tx_index >= x->elements || !is_noscript(x->element[s->tx_index]))
            continue;
        s->tx = TX_RETRY;
        s->owner = pe;
        if (resend(r, s) == 0)
            pe->waiting++;
    }
    return pe->waiting > 0;
}

static void retry_done(struct pending *s, redisReply *reply)
{
    struct pending *pe = s->owner;
    redisReply **slot = &pe->copy->element[s->tx_index];
    redisReply *y = reply ? reply_dup(reply) : NULL;
    if (y) {
        freeReplyObject(*slot);
        *slot = y;
    } else {
        pe->failed = 1;
    }
    if (--pe->waiting > 0)
        return;
    if (pe->cb)
        pe->cb(pe->failed ? NULL : pe->copy, pe->data);
    free_pending(pe);
}

/* The EVALSHAs of the MULTI block being sent, so that EXEC can retry them. */
static void chain_unlink(struct hilo_redis *r, struct pending *p)
{
    if (p->tx_prev)
        p->tx_prev->tx_next = p->tx_next;
    else
        r->tx_head = p->tx_next;
    if (p->tx_next)
        p->tx_next->tx_prev = p->tx_prev;
    p->tx_prev = p->tx_next = NULL;
}

static void chain_detach(struct hilo_redis *r)
{
    while (r->tx_head) {
        r->tx_head->tx = TX_NONE;
        chain_unlink(r, r->tx_head);
    }
    r->in_multi = 0;
}

enum kind { K_OTHER, K_EVALSHA, K_MULTI, K_EXEC };

static enum kind kind_of(const char *name, size_t len)
{
    if (len == 7 && memcmp(name, "EVALSHA", 7) == 0)
        return K_EVALSHA;
    if (len == 5 && memcmp(name, "MULTI", 5) == 0)
        return K_MULTI;
    if (len == 4 && memcmp(name, "EXEC", 4) == 0)
        return K_EXEC;
    return K_OTHER;
}

/* Called once a command is handed to hiredis. */
static void track(struct hilo_redis *r, struct pending *p, enum kind k)
{
    if (k == K_MULTI) {
        chain_detach(r);
        r->in_multi = 1;
        r->tx_count = 0;
    } else if (k == K_EXEC) {
        if (r->in_multi) {
            p->scripts = r->tx_head;
            for (struct pending *s = r->tx_head; s; s = s->tx_next)
                s->tx = TX_OWNED;
            r->tx_head = NULL;
        }
        r->in_multi = 0;
    } else if (r->in_multi) {
        int index = r->tx_count++;
        if (k == K_EVALSHA && p->cmd) {
            p->tx = TX_QUEUED;
            p->tx_index = index;
            p->tx_prev = NULL;
            p->tx_next = r->tx_head;
            if (r->tx_head)
                r->tx_head->tx_prev = p;
            r->tx_head = p;
        }
    }
}

static void reply_cb(redisAsyncContext *ac, void *reply, void *privdata)
{
    struct pending *p = privdata;
    struct hilo_redis *r = p->r;
    (void)ac;
    list_unlink(p);
    r->npending--;
    r->last_activity = hilo_mono_ms();
    switch (p->tx) {
    case TX_OWNED: /* "QUEUED"; the EXEC frees it */
        if (p->cb)
            p->cb(reply, p->data);
        return;
    case TX_RETRY:
        retry_done(p, reply);
        return;
    case TX_QUEUED: /* its block never reached EXEC */
        chain_unlink(r, p);
        p->tx = TX_NONE;
        break;
    case TX_NONE:
        if (p->cmd && !p->retried && is_noscript(reply) && retry_noscript(r, p))
            return;
        if (p->scripts && exec_retry(r, p, reply))
            return;
        break;
    }
    if (p->cb)
        p->cb(reply, p->data);
    free_pending(p);
}

static struct pending *pending_new(struct hilo_redis *r, hilo_redis_cb cb, void *data)
{
    struct pending *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->r = r;
    p->cb = cb;
    p->data = data;
    p->sent_ms = hilo_mono_ms();
    list_append(r, p);
    r->npending++;
    return p;
}

static int send_argv(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                     const char **argv, const size_t *lens)
{
    struct pending *p = pending_new(r, cb, data);
    enum kind k;
    int rc;
    if (!p)
        return -ENOMEM;
    k = argc > 0 ? kind_of(argv[0], lens ? lens[0] : strlen(argv[0])) : K_OTHER;
    if (k == K_EVALSHA) {
        p->cmdlen = redisFormatCommandArgv(&p->cmd, argc, argv, lens);
        rc = p->cmdlen < 0 ? REDIS_ERR
                           : redisAsyncFormattedCommand(r->ac, reply_cb, p, p->cmd, (size_t)p->cmdlen);
    } else {
        rc = redisAsyncCommandArgv(r->ac, reply_cb, p, argc, argv, lens);
    }
    if (rc != REDIS_OK) {
        list_unlink(p);
        r->npending--;
        free(p->cmd);
        free(p);
        return -HILO_EUNAVAIL;
    }
    track(r, p, k);
    return 0;
}

int hilo_redis_cmdargv(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                       const char **argv, const size_t *lens)
{
    if (r->state != ST_READY || !r->ac)
        return -HILO_EUNAVAIL;
    return send_argv(r, cb, data, argc, argv, lens);
}

int hilo_redis_cmd_init(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                        const char **argv, const size_t *lens)
{
    if ((r->state != ST_INIT && r->state != ST_READY) || !r->ac)
        return -HILO_EUNAVAIL;
    return send_argv(r, cb, data, argc, argv, lens);
}

int hilo_redis_cmd(struct hilo_redis *r, hilo_redis_cb cb, void *data, const char *fmt, ...)
{
    va_list ap;
    char *cmd = NULL;
    int len, rc;
    struct pending *p;

    if (r->state != ST_READY || !r->ac)
        return -HILO_EUNAVAIL;
    va_start(ap, fmt);
    len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    if (len < 0)
        return -ENOMEM;
    p = pending_new(r, cb, data);
    if (!p) {
        free(cmd);
        return -ENOMEM;
    }
    rc = redisAsyncFormattedCommand(r->ac, reply_cb, p, cmd, (size_t)len);
    free(cmd);
    if (rc != REDIS_OK) {
        list_unlink(p);
        r->npending--;
        free(p);
        return -HILO_EUNAVAIL;
    }
    /* Not an EVALSHA (not kept for a retry), but it counts in a MULTI block. */
    track(r, p, kind_of(fmt, strcspn(fmt, " ")));
    return 0;
}

int hilo_redis_ready(const struct hilo_redis *r) { return r->state == ST_READY; }
int hilo_redis_pending(const struct hilo_redis *r) { return r->npending; }

static void schedule_retry(struct hilo_redis *r)
{
    uint64_t now = hilo_mono_ms();
    int jitter = r->backoff_ms > 1 ? (int)randombytes_uniform((uint32_t)r->backoff_ms / 2 + 1) : 0;
    r->next_attempt = now + (uint64_t)r->backoff_ms + (uint64_t)jitter;
    r->backoff_ms = r->backoff_ms * 2 > 2000 ? 2000 : r->backoff_ms * 2;
}

static void went_down(struct hilo_redis *r, const char *why)
{
    int was = r->was_ready;
    if (r->state == ST_CLOSING)
        return;
    r->state = ST_DOWN;
    r->was_ready = 0;
    schedule_retry(r);
    if (was) {
        hilo_warn("redis %s: connection lost (%s); reconnecting", r->name, why);
        if (r->o.on_down)
            r->o.on_down(r, r->o.data);
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

static void ready_cb(redisReply *reply, void *data)
{
    struct hilo_redis *r = data;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        hilo_warn("redis %s: set-up failed: %s", r->name,
                  reply ? reply->str : "no reply");
        /* Cannot free inside a hiredis callback: let the tick do it. */
        r->connect_started = 0;
        r->state = ST_CONNECTING;
        return;
    }
    if (r->state != ST_INIT)
        return;
    r->state = ST_READY;
    r->was_ready = 1;
    r->backoff_ms = 50;
    hilo_info("redis %s: ready", r->name);
    if (r->o.on_ready)
        r->o.on_ready(r, r->o.data);
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
    } else if (strcmp(kind->str, "subscribe") == 0 && r->state == ST_INIT) {
        r->state = ST_READY;
        r->was_ready = 1;
        r->backoff_ms = 50;
        hilo_info("redis %s: subscribed", r->name);
        if (r->o.on_ready)
            r->o.on_ready(r, r->o.data);
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
        went_down(r, ac->errstr);
        return;
    }
    r->state = ST_INIT;
    chain_detach(r);
    if (r->url.password) {
        const char *argv[] = {"AUTH", r->url.password};
        send_argv(r, NULL, NULL, 2, argv, NULL);
    }
    if (r->url.db) {
        char db[16];
        snprintf(db, sizeof db, "%d", r->url.db);
        const char *argv[] = {"SELECT", db};
        send_argv(r, NULL, NULL, 2, argv, NULL);
    }
    if (r->subscribe) {
        redisAsyncCommand(r->ac, sub_cb, r, "SUBSCRIBE %s", r->subscribe);
        return;
    }
    if (r->o.on_connect)
        r->o.on_connect(r, r->o.data);
    const char *ping[] = {"PING"};
    send_argv(r, ready_cb, r, 1, ping, NULL);
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
        hilo_debug("redis %s: connect: %s", r->name, ac->errstr);
        redisAsyncFree(ac);
        went_down(r, "connect failed");
        return;
    }
    if (redisLibuvAttach(ac, r->loop) != REDIS_OK) {
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
        if (now >= r->next_attempt && !r->resolving)
            start_connect(r);
        return;
    case ST_RESOLVING:
        if (now - r->connect_started > (uint64_t)r->o.connect_timeout_ms) {
            hilo_debug("redis %s: resolving %s timed out", r->name, r->url.host);
            /* a running lookup cannot be cancelled: its result is ignored
             * and the next attempt waits until it has finished */
            if (r->resolving)
                uv_cancel((uv_req_t *)&r->gai);
            went_down(r, "resolve timed out");
        }
        return;
    case ST_CONNECTING:
        if (r->connect_started == 0 ||
            now - r->connect_started > (uint64_t)r->o.connect_timeout_ms) {
            if (r->ac) {
                hilo_debug("redis %s: connect timed out", r->name);
                drop(r, "connect timed out");
            } else {
                went_down(r, "connect failed");
            }
        }
        return;
    case ST_INIT:
    case ST_READY:
        if (r->list.next != &r->list && r->o.timeout_ms > 0 &&
            now - r->list.next->sent_ms > (uint64_t)r->o.timeout_ms) {
            drop(r, "command timed out");
            return;
        }
        if (r->state == ST_READY && !r->subscribe && r->npending == 0 &&
            now - r->last_activity > 1000) {
            const char *ping[] = {"PING"};
            r->last_activity = now;
            send_argv(r, health_cb, NULL, 1, ping, NULL);
        }
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
    r->list.next = r->list.prev = &r->list;
    r->backoff_ms = 50;
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
    /* The tick frees the context outside any hiredis callback. */
    uv_timer_start(&r->tick, tick_cb, 0, 50);
}
