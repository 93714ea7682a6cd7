/* Limits shared by every instance (store_limits.h). */
#include "hilo/store_limits.h"

#include "hilo/common.h"
#include "hilo/keys.h"
#include "internal.h"

static int rate_key(struct hilo_store_cmd *c, const char *name,
                    const struct hilo_store_ticket_rate *op)
{
    hilo_cmd_start(c, name);
    return hilo_cmd_key(c, 0, HILO_K_TICKET_RATE, op->who) < 0 ? -HILO_EINTERNAL : 0;
}

int hilo_store_ticket_rate_incr_argv(struct hilo_store_cmd *c,
                                     const struct hilo_store_ticket_rate *op)
{
    if (rate_key(c, op->amount ? "INCRBY" : "INCR", op) < 0)
        return -HILO_EINTERNAL;
    if (op->amount)
        hilo_cmd_num(c, 0, op->amount);
    return hilo_cmd_finish(c);
}

int hilo_store_ticket_rate_start_argv(struct hilo_store_cmd *c,
                                      const struct hilo_store_ticket_rate *op)
{
    if (rate_key(c, "PEXPIRE", op) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, op->window_ms > 0 ? op->window_ms : 1);
    hilo_cmd_add(c, "NX");
    return hilo_cmd_finish(c);
}

int hilo_store_ticket_rate_ttl_argv(struct hilo_store_cmd *c,
                                    const struct hilo_store_ticket_rate *op)
{
    return rate_key(c, "PTTL", op) < 0 ? -HILO_EINTERNAL : hilo_cmd_finish(c);
}

int hilo_store_ticket_rate(struct hilo_redis *r, const struct hilo_store_ticket_rate *op,
                           hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    struct hilo_tx tx;
    hilo_tx_begin(&tx, r);
    hilo_cmd_tx_built(&tx, hilo_store_ticket_rate_incr_argv(&c, op), &c);
    hilo_cmd_tx_built(&tx, hilo_store_ticket_rate_start_argv(&c, op), &c);
    hilo_cmd_tx_built(&tx, hilo_store_ticket_rate_ttl_argv(&c, op), &c);
    return hilo_tx_commit(&tx, cb, data);
}

int hilo_store_ticket_rate_give_back(struct hilo_redis *r, const struct hilo_store_ticket_rate *op)
{
    struct hilo_store_cmd c;
    if (rate_key(&c, "DECRBY", op) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(&c, 0, op->amount ? op->amount : 1);
    return hilo_cmd_send_built(r, hilo_cmd_finish(&c), &c, NULL, NULL);
}

int hilo_store_ticket_rates(struct hilo_redis *r, const struct hilo_store_ticket_rate *ops, int n,
                            hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    struct hilo_tx tx;
    hilo_tx_begin(&tx, r);
    for (int i = 0; i < n; i++) {
        const struct hilo_store_ticket_rate *op = &ops[i];
        hilo_cmd_tx_built(&tx, hilo_store_ticket_rate_incr_argv(&c, op), &c);
        hilo_cmd_tx_built(&tx, hilo_store_ticket_rate_start_argv(&c, op), &c);
        hilo_cmd_tx_built(&tx, hilo_store_ticket_rate_ttl_argv(&c, op), &c);
    }
    return hilo_tx_commit(&tx, cb, data);
}

int hilo_store_ticket_rate_result(const redisReply *reply, long long max, uint32_t *retry_s)
{
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER ||
        reply->element[2]->type != REDIS_REPLY_INTEGER)
        return -HILO_EUNAVAIL;
    if (reply->element[0]->integer <= max)
        return 0;
    long long ms = reply->element[2]->integer;
    *retry_s = ms > 0 ? (uint32_t)((ms + 999) / 1000) : 1;
    return -HILO_ERATE;
}
