/* Commands on a Redis link: the pending list (each callback runs exactly
 * once), NOSCRIPT recovery and MULTI blocks. The connection itself, its
 * states and deadlines are in link.c. */
#include "hilo/redis.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/log.h"
#include "internal.h"
#include "redis_int.h"

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

void hilo_redis_tx_reset(struct hilo_redis *r)
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
        hilo_redis_tx_reset(r);
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

int hilo_redis_send(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
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
    return hilo_redis_send(r, cb, data, argc, argv, lens);
}

int hilo_redis_cmd_init(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                        const char **argv, const size_t *lens)
{
    if ((r->state != ST_INIT && r->state != ST_READY) || !r->ac)
        return -HILO_EUNAVAIL;
    return hilo_redis_send(r, cb, data, argc, argv, lens);
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


int hilo_redis_pending(const struct hilo_redis *r) { return r->npending; }
