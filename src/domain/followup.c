/* Durable timers: follow-ups that reopen a pending ticket when due. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/store.h"
#include "hilo/store_index.h"
#include "hilo/outbox.h"
#include "hilo/scripts.h"
#include "hilo/sla.h"

/* ---- durable timers (follow-ups) ------------------------------------------ */

struct timer_op {
    struct hilo_server *s;
    char member[40];
    int multi;
};

static void followup_cb(redisReply *reply, void *data)
{
    struct timer_op *op = data;
    struct hilo_server *s = op->s;
    struct hilo_store_timer t = {.member = op->member};
    if (op->multi && reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0)
        reply = reply->element[0];
    /* Fired or found nothing to do: done. On an error the lease runs out and
     * some instance tries again. */
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
        reply->element[2]->type == REDIS_REPLY_INTEGER && reply->element[2]->integer > 0) {
        /* moved to a later time meanwhile: keep it for then */
        t.at_ms = (uint64_t)reply->element[2]->integer;
        hilo_store_timer_set(s->redis, &t, NULL, NULL);
    } else if (reply && reply->type == REDIS_REPLY_ARRAY) {
        hilo_store_timer_clear(s->redis, &t, NULL, NULL);
    } else if (hilo_store_err(reply) == -HILO_EUNKNOWNTICKET) {
        hilo_store_timer_clear(s->redis, &t, NULL, NULL);
    }
    free(op);
}

static void due_cb(redisReply *reply, void *data)
{
    struct hilo_server *s = data;
    s->timers_busy = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < reply->elements; i++) {
        const char *m = reply->element[i]->str;
        char ref[HILO_REF_MAX];
        struct hilo_store_argv a;
        struct hilo_tx tx;
        struct timer_op *op;
        if (strncmp(m, "sla:", 4) == 0 && hilo_ref_normalize(m + 4, ref) == 0) {
            hilo_sla_fire(s, ref, s->timers_leased);
            continue;
        }
        if (strncmp(m, "followup:", 9) != 0 || hilo_ref_normalize(m + 9, ref) < 0)
            continue;
        op = calloc(1, sizeof *op);
        if (!op)
            continue;
        op->s = s;
        snprintf(op->member, sizeof op->member, "%s", m);
        struct hilo_store_set set = {.chan = s->events_channel, .ref = ref, .op = HILO_SET_FOLLOWUP};
        /* MULTI so that a webhook hears of it in the same transaction; the
         * reply is the script's, first of the EXEC array */
        op->multi = 1;
        int rc = hilo_store_set_argv(&a, &set);
        if (rc == 0) {
            hilo_tx_begin(&tx, s->redis);
            hilo_tx_add_argv(&tx, &a);
            hilo_tickets_tx_webhook(&tx, s, ref);
            hilo_sla_tx_touch(s, &tx, ref);
            rc = hilo_tx_commit(&tx, followup_cb, op);
        }
        if (rc < 0)
            free(op);
    }
}

void hilo_followup_tick(struct hilo_server *s)
{
    if (!hilo_redis_ready(s->redis) || !hilo_scripts_ready())
        return;
    hilo_sla_refresh(s, 0);
    if (s->timers_busy)
        return;
    /* each due timer is leased for 60 s while this instance fires it */
    struct hilo_store_timers_due due = {.now_ms = hilo_now_ms(), .lease_ms = 60000, .count = 100};
    s->timers_leased = due.now_ms + due.lease_ms; /* the score of what it takes */
    if (hilo_store_timers_due(s->redis, &due, due_cb, s) == 0)
        s->timers_busy = 1;
}
