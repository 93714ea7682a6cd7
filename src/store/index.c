/* Typed ops on indexes, timers, viewers and the events channel
 * (store_index.h). */
#include "hilo/store_index.h"

#include <stdio.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/scripts.h"
#include "internal.h"

#define SENDER(op, type)                                                                          \
    int hilo_store_##op(struct hilo_redis *r, const type *o, hilo_redis_cb cb, void *data)       \
    {                                                                                             \
        struct hilo_store_cmd c;                                                                  \
        return hilo_cmd_send_built(r, hilo_store_##op##_argv(&c, o), &c, cb, data);                        \
    }
#define TXER(op, argvop, type)                                                                    \
    int hilo_tx_##op(struct hilo_tx *tx, const type *o)                                          \
    {                                                                                             \
        struct hilo_store_cmd c;                                                                  \
        return hilo_cmd_tx_built(tx, hilo_store_##argvop##_argv(&c, o), &c);                               \
    }

static enum hilo_key index_key(enum hilo_store_index i)
{
    return i == HILO_STORE_IDX_ALL ? HILO_K_IDX_ALL : HILO_K_IDX_ACTIVE;
}

int hilo_store_index_add_argv(struct hilo_store_cmd *c, const struct hilo_store_index_entry *op)
{
    hilo_cmd_start(c, "ZADD");
    if (hilo_cmd_key(c, 0, index_key(op->index), NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "NX");
    hilo_cmd_num(c, 0, op->at_ms);
    hilo_cmd_add(c, op->ref);
    return hilo_cmd_finish(c);
}

int hilo_store_index_rem_argv(struct hilo_store_cmd *c, const struct hilo_store_index_entry *op)
{
    hilo_cmd_start(c, "ZREM");
    if (hilo_cmd_key(c, 0, index_key(op->index), NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->ref);
    return hilo_cmd_finish(c);
}

TXER(index_add, index_add, struct hilo_store_index_entry)
SENDER(index_rem, struct hilo_store_index_entry)
TXER(index_rem, index_rem, struct hilo_store_index_entry)

int hilo_store_index_range_argv(struct hilo_store_cmd *c, const struct hilo_store_index_range *op)
{
    hilo_cmd_start(c, op->rev ? "ZREVRANGE" : "ZRANGE");
    if (hilo_cmd_key(c, 0, index_key(op->index), NULL) < 0)
        return -HILO_EINTERNAL;
    snprintf(c->num[0], sizeof c->num[0], "%ld", op->start);
    snprintf(c->num[1], sizeof c->num[1], "%ld", op->stop);
    hilo_cmd_add(c, c->num[0]);
    hilo_cmd_add(c, c->num[1]);
    return hilo_cmd_finish(c);
}

SENDER(index_range, struct hilo_store_index_range)

int hilo_store_index_between_argv(struct hilo_store_cmd *c,
                                  const struct hilo_store_index_between *op)
{
    hilo_cmd_start(c, "ZRANGEBYSCORE");
    if (hilo_cmd_key(c, 0, index_key(op->index), NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, op->from_ms);
    hilo_cmd_num(c, 1, op->to_ms);
    hilo_cmd_add(c, "LIMIT");
    hilo_cmd_add(c, "0");
    snprintf(c->val, sizeof c->val, "%d", op->limit > 0 ? op->limit : 1);
    hilo_cmd_add(c, c->val);
    return hilo_cmd_finish(c);
}

SENDER(index_between, struct hilo_store_index_between)

int hilo_store_timer_set_argv(struct hilo_store_cmd *c, const struct hilo_store_timer *op)
{
    hilo_cmd_start(c, "ZADD");
    if (hilo_cmd_key(c, 0, HILO_K_TIMERS, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, op->at_ms);
    hilo_cmd_add(c, op->member);
    return hilo_cmd_finish(c);
}

int hilo_store_timer_clear_argv(struct hilo_store_cmd *c, const struct hilo_store_timer *op)
{
    hilo_cmd_start(c, "ZREM");
    if (hilo_cmd_key(c, 0, HILO_K_TIMERS, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->member);
    return hilo_cmd_finish(c);
}

SENDER(timer_set, struct hilo_store_timer)
TXER(timer_set, timer_set, struct hilo_store_timer)
SENDER(timer_clear, struct hilo_store_timer)

int hilo_store_timers_due_argv(struct hilo_store_cmd *c, const struct hilo_store_timers_due *op)
{
    hilo_cmd_start(c, "EVALSHA");
    hilo_cmd_add(c, hilo_scripts_sha(HILO_S_DUE));
    hilo_cmd_add(c, "1");
    if (hilo_cmd_key(c, 0, HILO_K_TIMERS, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, op->now_ms);
    hilo_cmd_num(c, 1, op->lease_ms);
    snprintf(c->val, sizeof c->val, "%d", op->count > 0 ? op->count : 1);
    hilo_cmd_add(c, c->val);
    return hilo_cmd_finish(c);
}

SENDER(timers_due, struct hilo_store_timers_due)

static int viewers(struct hilo_store_cmd *c, const char *name, const struct hilo_store_viewer *op)
{
    hilo_cmd_start(c, name);
    return hilo_cmd_key(c, 0, HILO_K_VIEWERS, op->ref) < 0 ? -HILO_EINTERNAL : 0;
}

int hilo_store_viewer_set_argv(struct hilo_store_cmd *c, const struct hilo_store_viewer *op)
{
    if (viewers(c, "HSET", op) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->agent);
    hilo_cmd_num(c, 0, op->ms);
    return hilo_cmd_finish(c);
}

int hilo_store_viewer_clear_argv(struct hilo_store_cmd *c, const struct hilo_store_viewer *op)
{
    if (viewers(c, "HDEL", op) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->agent);
    return hilo_cmd_finish(c);
}

int hilo_store_viewers_expire_argv(struct hilo_store_cmd *c, const struct hilo_store_viewer *op)
{
    if (viewers(c, "PEXPIRE", op) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, op->ms);
    return hilo_cmd_finish(c);
}

int hilo_store_viewers_get_argv(struct hilo_store_cmd *c, const struct hilo_store_viewer *op)
{
    if (viewers(c, "HGETALL", op) < 0)
        return -HILO_EINTERNAL;
    return hilo_cmd_finish(c);
}

SENDER(viewer_set, struct hilo_store_viewer)
SENDER(viewer_clear, struct hilo_store_viewer)
SENDER(viewers_expire, struct hilo_store_viewer)
TXER(viewers_get, viewers_get, struct hilo_store_viewer)

int hilo_store_events_channel(char *buf, size_t n) { return hilo_key(buf, n, HILO_K_EVENTS, NULL); }

int hilo_store_publish_argv(struct hilo_store_cmd *c, const struct hilo_store_publish *op)
{
    hilo_cmd_start(c, "PUBLISH");
    hilo_cmd_add(c, op->channel);
    hilo_cmd_addn(c, op->message, op->len || !op->message ? op->len : strlen(op->message));
    return hilo_cmd_finish(c);
}

SENDER(publish, struct hilo_store_publish)
