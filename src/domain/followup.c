/* Durable timers: follow-ups that reopen a pending ticket when due. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
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
    } else if (reply && reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "unknown_ticket")) {
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
        struct hilo_ticket_keys k;
        struct call call;
        struct timer_op *op;
        if (strncmp(m, "followup:", 9) != 0 || hilo_ref_normalize(m + 9, ref) < 0)
            continue;
        op = calloc(1, sizeof *op);
        if (!op)
            continue;
        op->s = s;
        snprintf(op->member, sizeof op->member, "%s", m);
        hilo_ticket_keys(&k, ref);
        call_init(&call, HILO_S_SET, 2);
        call_add(&call, k.tk);
        call_add(&call, k.ev);
        call_add(&call, s->events_channel);
        call_add(&call, ref);
        call_add(&call, "followup");
        call_add(&call, "");
        call_add(&call, "");
        call_add(&call, "");
        call_add(&call, "");
        call_add(&call, "0");
        /* MULTI so that a webhook hears of it in the same transaction; the
         * reply is the script's, first of the EXEC array */
        op->multi = 1;
        const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
        int rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, mu, NULL);
        if (rc == 0)
            rc = call_send(s, &call, NULL, NULL);
        if (rc == 0)
            rc = hilo_outbox_add_webhook(s->outbox, ref);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, followup_cb, op, 1, ex, NULL);
        if (rc < 0)
            free(op);
    }
}

void hilo_hub_timers_tick(struct hilo_server *s)
{
    char timers[128], now[24];
    struct call call;
    if (s->timers_busy || !hilo_redis_ready(s->redis) || !hilo_scripts_ready())
        return;
    hilo_key(timers, sizeof timers, HILO_K_TIMERS, NULL);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    call_init(&call, HILO_S_DUE, 1);
    call_add(&call, timers);
    call_add(&call, now);
    call_add(&call, "60000");
    call_add(&call, "100");
    if (call_send(s, &call, due_cb, s) == 0)
        s->timers_busy = 1;
}
