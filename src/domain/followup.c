/* Durable timers: follow-ups that reopen a pending ticket when due. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/store.h"
#include "hilo/keys.h"
#include "hilo/outbox.h"
#include "hilo/scripts.h"

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
    char timers[128];
    hilo_key(timers, sizeof timers, HILO_K_TIMERS, NULL);
    if (op->multi && reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0)
        reply = reply->element[0];
    /* Fired or found nothing to do: done. On an error the lease runs out and
     * some instance tries again. */
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
        reply->element[2]->type == REDIS_REPLY_INTEGER && reply->element[2]->integer > 0) {
        /* moved to a later time meanwhile: keep it for then */
        char due[24];
        snprintf(due, sizeof due, "%lld", reply->element[2]->integer);
        const char *argv[] = {"ZADD", timers, due, op->member};
        hilo_redis_cmdargv(s->redis, NULL, NULL, 4, argv, NULL);
    } else if (reply && reply->type == REDIS_REPLY_ARRAY) {
        const char *argv[] = {"ZREM", timers, op->member};
        hilo_redis_cmdargv(s->redis, NULL, NULL, 3, argv, NULL);
    } else if (hilo_store_err(reply) == -HILO_EUNKNOWNTICKET) {
        const char *argv[] = {"ZREM", timers, op->member};
        hilo_redis_cmdargv(s->redis, NULL, NULL, 3, argv, NULL);
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
            rc = hilo_tx_commit(&tx, followup_cb, op);
        }
        if (rc < 0)
            free(op);
    }
}

void hilo_hub_timers_tick(struct hilo_server *s)
{
    char timers[128], now[24];
    if (s->timers_busy || !hilo_redis_ready(s->redis) || !hilo_scripts_ready())
        return;
    hilo_key(timers, sizeof timers, HILO_K_TIMERS, NULL);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    /* store.h has no typed op for DUE yet: the timers' lease, 60 s */
    const char *argv[] = {"EVALSHA", hilo_scripts_sha(HILO_S_DUE), "1", timers, now, "60000", "100"};
    if (hilo_redis_cmdargv(s->redis, due_cb, s, 7, argv, NULL) == 0)
        s->timers_busy = 1;
}
