/* Ticket references reserved in Redis ahead of need, and the callers
 * waiting for one when the pool runs dry. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/store.h"

/* ---- reference pool ----------------------------------------------------- */

struct reserve_op {
    struct hilo_server *s;
    char ref[HILO_REF_MAX];
};

static int reserve_send(struct hilo_server *s, int digits);

struct hilo_ref_waiter {
    struct hilo_ref_waiter *next;
    void (*fn)(void *data);
    void *data;
};

void hilo_refpool_when(struct hilo_server *s, void (*fn)(void *data), void *data)
{
    struct hilo_ref_waiter *w = calloc(1, sizeof *w);
    if (!w) {
        fn(data); /* fails to take a reference and reports it */
        return;
    }
    w->fn = fn;
    w->data = data;
    if (s->ref_waiters_tail)
        s->ref_waiters_tail->next = w;
    else
        s->ref_waiters = w;
    s->ref_waiters_tail = w;
    hilo_refpool_fill(s);
    if (!s->pool_filling)
        hilo_refpool_drain(s, 1); /* nothing will refill: Redis is away */
}

/* Hands pooled references to those waiting; with `all`, everyone is called
 * (those who find the pool empty report that they could not create). */
void hilo_refpool_drain(struct hilo_server *s, int all)
{
    while (s->ref_waiters && (s->npool > 0 || all)) {
        struct hilo_ref_waiter *w = s->ref_waiters;
        s->ref_waiters = w->next;
        if (!s->ref_waiters)
            s->ref_waiters_tail = NULL;
        w->fn(w->data);
        free(w);
    }
}

static void reserve_cb(redisReply *reply, void *data)
{
    struct reserve_op *op = data;
    struct hilo_server *s = op->s;
    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) {
        if (s->npool < (int)HILO_ARRAY_LEN(s->pool))
            memcpy(s->pool[s->npool++], op->ref, HILO_REF_MAX);
    } else if (reply && reply->type == REDIS_REPLY_INTEGER && s->pool_filling < 64) {
        /* Taken: try again, with a ninth digit, which grows the space
         * tenfold once eight digits get crowded. */
        s->pool_filling++;
        if (reserve_send(s, 9) < 0)
            s->pool_filling--;
    }
    s->pool_filling--;
    free(op);
    hilo_refpool_drain(s, 0);
    if (s->pool_filling == 0 && s->npool < (int)HILO_ARRAY_LEN(s->pool) / 2 && reply)
        hilo_refpool_fill(s);
    if (s->pool_filling == 0)
        hilo_refpool_drain(s, 1);
}

static int reserve_send(struct hilo_server *s, int digits)
{
    struct reserve_op *op = calloc(1, sizeof *op);
    if (!op)
        return -ENOMEM;
    op->s = s;
    hilo_ref_generate(op->ref, digits);
    struct hilo_store_reserve rsv = {.ref = op->ref, .owner = s->instance, .ttl_s = 604800};
    if (hilo_store_reserve(s->redis, &rsv, reserve_cb, op) < 0) {
        free(op);
        return -HILO_EUNAVAIL;
    }
    return 0;
}

/* Keeps references reserved in Redis ahead of need, so that creating a
 * ticket never waits for a uniqueness check (pool_filling counts the
 * reservations in flight). */
void hilo_refpool_fill(struct hilo_server *s)
{
    int want = (int)HILO_ARRAY_LEN(s->pool) - s->npool;
    if (s->pool_filling || s->npool >= (int)HILO_ARRAY_LEN(s->pool) / 2 || !hilo_redis_ready(s->redis))
        return;
    for (int i = 0; i < want; i++) {
        if (reserve_send(s, 8) < 0)
            break;
        s->pool_filling++;
    }
}

int hilo_refpool_take(struct hilo_server *s, char out[HILO_REF_MAX])
{
    if (s->npool == 0)
        return -1;
    memcpy(out, s->pool[--s->npool], HILO_REF_MAX);
    hilo_refpool_fill(s);
    return 0;
}
