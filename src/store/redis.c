#include "hilo/redis.h"

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/log.h"

enum state { ST_DOWN, ST_CONNECTING, ST_INIT, ST_READY, ST_CLOSING };

struct pending {
    struct pending *prev, *next;
    struct hilo_redis *r;
    hilo_redis_cb cb;
    void *data;
    uint64_t sent_ms;
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
    uint64_t connect_started;
    uint64_t next_attempt;
    uint64_t last_activity;
    int backoff_ms;
    int was_ready;
    void (*close_done)(void *);
    void *close_data;
};

static void start_connect(struct hilo_redis *r);

void hilo_redis_url_free(struct hilo_redis_url *u)
{
    free(u->host);
    free(u->path);
    free(u->password);
    memset(u, 0, sizeof *u);
}

int hilo_redis_url_parse(const char *url, struct hilo_redis_url *out)
{
    const char *p;
    memset(out, 0, sizeof *out);
    if (strncmp(url, "unix://", 7) == 0) {
        if (url[7] != '/')
            return -1;
        out->path = strdup(url + 7);
        return out->path ? 0 : -1;
    }
    if (strncmp(url, "redis://", 8) != 0)
        return -1;
    p = url + 8;
    const char *at = strchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *pw = colon ? colon + 1 : p;
        if (at > pw)
            out->password = strndup(pw, (size_t)(at - pw));
        p = at + 1;
    }
    const char *slash = strchr(p, '/');
    const char *hostend = slash ? slash : p + strlen(p);
    const char *colon = memchr(p, ':', (size_t)(hostend - p));
    out->port = 6379;
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end != hostend || port <= 0 || port > 65535)
            goto fail;
        out->port = (int)port;
    } else {
        colon = hostend;
    }
    if (colon == p)
        goto fail;
    out->host = strndup(p, (size_t)(colon - p));
    if (slash && slash[1]) {
        char *end;
        long db = strtol(slash + 1, &end, 10);
        if (*end || db < 0 || db > 1000)
            goto fail;
        out->db = (int)db;
    }
    return out->host ? 0 : -1;
fail:
    hilo_redis_url_free(out);
    return -1;
}

static void list_unlink(struct pending *p)
{
    p->prev->next = p->next;
    p->next->prev = p->prev;
}

static void reply_cb(redisAsyncContext *ac, void *reply, void *privdata)
{
    struct pending *p = privdata;
    struct hilo_redis *r = p->r;
    (void)ac;
    list_unlink(p);
    r->npending--;
    r->last_activity = hilo_mono_ms();
    if (p->cb)
        p->cb(reply, p->data);
    free(p);
}

static int send_argv(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                     const char **argv, const size_t *lens)
{
    struct pending *p = malloc(sizeof *p);
    if (!p)
        return -ENOMEM;
    p->r = r;
    p->cb = cb;
    p->data = data;
    p->sent_ms = hilo_mono_ms();
    p->prev = r->list.prev;
    p->next = &r->list;
    r->list.prev->next = p;
    r->list.prev = p;
    r->npending++;
    if (redisAsyncCommandArgv(r->ac, reply_cb, p, argc, argv, lens) != REDIS_OK) {
        list_unlink(p);
        r->npending--;
        free(p);
        return -HILO_EUNAVAIL;
    }
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
    p = malloc(sizeof *p);
    if (!p) {
        free(cmd);
        return -ENOMEM;
    }
    p->r = r;
    p->cb = cb;
    p->data = data;
    p->sent_ms = hilo_mono_ms();
    p->prev = r->list.prev;
    p->next = &r->list;
    r->list.prev->next = p;
    r->list.prev = p;
    r->npending++;
    rc = redisAsyncFormattedCommand(r->ac, reply_cb, p, cmd, (size_t)len);
    free(cmd);
    if (rc != REDIS_OK) {
        list_unlink(p);
        r->npending--;
        free(p);
        return -HILO_EUNAVAIL;
    }
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

static void start_connect(struct hilo_redis *r)
{
    redisAsyncContext *ac;
    if (r->url.path)
        ac = redisAsyncConnectUnix(r->url.path);
    else
        ac = redisAsyncConnect(r->url.host, r->url.port);
    if (!ac) {
        schedule_retry(r);
        return;
    }
    if (ac->err) {
        hilo_debug("redis %s: connect: %s", r->name, ac->errstr);
        redisAsyncFree(ac);
        schedule_retry(r);
        return;
    }
    if (redisLibuvAttach(ac, r->loop) != REDIS_OK) {
        redisAsyncFree(ac);
        schedule_retry(r);
        return;
    }
    ac->data = r;
    redisAsyncSetConnectCallback(ac, connect_cb);
    redisAsyncSetDisconnectCallback(ac, disconnect_cb);
    r->ac = ac;
    r->state = ST_CONNECTING;
    r->connect_started = hilo_mono_ms();
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
        if (now >= r->next_attempt)
            start_connect(r);
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
