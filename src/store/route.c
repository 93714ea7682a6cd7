/* Typed ops of routing at send time (store_route.h). */
#include "hilo/store_route.h"

#include <stdio.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/scripts.h"
#include "internal.h"

#define MONTH_MS (30ull * 24 * 3600 * 1000)

/* <name> <key(arg)> */
static int keyed(struct hilo_store_cmd *c, const char *name, enum hilo_key k, const char *arg)
{
    hilo_cmd_start(c, name);
    return hilo_cmd_key(c, 0, k, arg) < 0 ? -HILO_EINTERNAL : 0;
}

static int pexpire(struct hilo_store_cmd *c, enum hilo_key k, const char *arg, uint64_t ms)
{
    if (keyed(c, "PEXPIRE", k, arg) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, ms);
    return hilo_cmd_finish(c);
}

int hilo_store_online_set(struct hilo_redis *r, const struct hilo_store_online *op,
                          hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    struct hilo_tx tx;
    int rc = keyed(&c, "ZADD", HILO_K_ONLINE, op->ref);
    if (rc == 0) {
        hilo_cmd_num(&c, 0, op->until_ms);
        hilo_cmd_add(&c, op->member);
        rc = hilo_cmd_finish(&c);
    }
    hilo_tx_begin(&tx, r);
    hilo_cmd_tx_built(&tx, rc, &c);
    hilo_cmd_tx_built(&tx, pexpire(&c, HILO_K_ONLINE, op->ref, 24ull * 3600 * 1000), &c);
    return hilo_tx_commit(&tx, cb, data);
}

int hilo_store_online_clear(struct hilo_redis *r, const struct hilo_store_online *op,
                            hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    int rc = keyed(&c, "ZREM", HILO_K_ONLINE, op->ref);
    if (rc == 0) {
        hilo_cmd_add(&c, op->member);
        rc = hilo_cmd_finish(&c);
    }
    return hilo_cmd_send_built(r, rc, &c, cb, data);
}

int hilo_tx_online_count(struct hilo_tx *tx, const struct hilo_store_online *op)
{
    struct hilo_store_cmd c;
    int rc = keyed(&c, "ZCOUNT", HILO_K_ONLINE, op->ref);
    if (rc == 0) {
        hilo_cmd_num(&c, 0, op->now_ms);
        hilo_cmd_add(&c, "+inf");
        rc = hilo_cmd_finish(&c);
    }
    return hilo_cmd_tx_built(tx, rc, &c);
}

int hilo_tx_wa_window_get(struct hilo_tx *tx, const char *number)
{
    struct hilo_store_cmd c;
    int rc = keyed(&c, "GET", HILO_K_WA_WINDOW, number);
    return hilo_cmd_tx_built(tx, rc == 0 ? hilo_cmd_finish(&c) : rc, &c);
}

int hilo_store_wa_window_set(struct hilo_redis *r, const char *number, uint64_t at_ms,
                             hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    int rc = keyed(&c, "SET", HILO_K_WA_WINDOW, number);
    if (rc == 0) {
        hilo_cmd_num(&c, 0, at_ms);
        hilo_cmd_add(&c, "PX");
        hilo_cmd_num(&c, 1, MONTH_MS);
        rc = hilo_cmd_finish(&c);
    }
    return hilo_cmd_send_built(r, rc, &c, cb, data);
}

int hilo_store_wa_held_push(struct hilo_redis *r, const char *number, const char *json,
                            hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    struct hilo_tx tx;
    int rc = keyed(&c, "RPUSH", HILO_K_WA_HELD, number);
    if (rc == 0) {
        hilo_cmd_add(&c, json);
        rc = hilo_cmd_finish(&c);
    }
    hilo_tx_begin(&tx, r);
    hilo_cmd_tx_built(&tx, rc, &c);
    hilo_cmd_tx_built(&tx, pexpire(&c, HILO_K_WA_HELD, number, MONTH_MS), &c);
    return hilo_tx_commit(&tx, cb, data);
}

int hilo_tx_wa_held_take(struct hilo_tx *tx, const char *number)
{
    struct hilo_store_cmd c;
    int rc = keyed(&c, "LRANGE", HILO_K_WA_HELD, number);
    if (rc == 0) {
        hilo_cmd_add(&c, "0");
        hilo_cmd_add(&c, "-1");
        rc = hilo_cmd_finish(&c);
    }
    hilo_cmd_tx_built(tx, rc, &c);
    rc = keyed(&c, "DEL", HILO_K_WA_HELD, number);
    return hilo_cmd_tx_built(tx, rc == 0 ? hilo_cmd_finish(&c) : rc, &c);
}

int hilo_tx_route_blocked(struct hilo_tx *tx, const char *const *ids, int n)
{
    struct hilo_store_cmd c;
    int rc = keyed(&c, "HMGET", HILO_K_BLOCKED, NULL);
    for (int i = 0; rc == 0 && i < n; i++)
        hilo_cmd_add(&c, ids[i]);
    if (rc == 0 && n == 0)
        hilo_cmd_add(&c, "-");
    return hilo_cmd_tx_built(tx, rc == 0 ? hilo_cmd_finish(&c) : rc, &c);
}

int hilo_store_seen_upto_set(struct hilo_redis *r, const char *ref, const char *event_id,
                             hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    int rc = keyed(&c, "HSET", HILO_K_TICKET, ref);
    if (rc == 0) {
        hilo_cmd_add(&c, "seen_upto");
        hilo_cmd_add(&c, event_id);
        rc = hilo_cmd_finish(&c);
    }
    return hilo_cmd_send_built(r, rc, &c, cb, data);
}

static int rtimer_set_argv(struct hilo_store_cmd *c, const struct hilo_store_rtimer *op)
{
    if (keyed(c, "ZADD", HILO_K_ROUTE_TIMERS, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, op->at_ms);
    hilo_cmd_add(c, op->member);
    return hilo_cmd_finish(c);
}

int hilo_tx_rtimer_set(struct hilo_tx *tx, const struct hilo_store_rtimer *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, rtimer_set_argv(&c, op), &c);
}

int hilo_store_rtimer_set(struct hilo_redis *r, const struct hilo_store_rtimer *op,
                          hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, rtimer_set_argv(&c, op), &c, cb, data);
}

int hilo_store_rtimer_clear(struct hilo_redis *r, const struct hilo_store_rtimer *op,
                            hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    int rc = keyed(&c, "ZREM", HILO_K_ROUTE_TIMERS, NULL);
    if (rc == 0) {
        hilo_cmd_add(&c, op->member);
        rc = hilo_cmd_finish(&c);
    }
    return hilo_cmd_send_built(r, rc, &c, cb, data);
}

int hilo_store_rtimers_due(struct hilo_redis *r, uint64_t now_ms, uint64_t lease_ms, int count,
                           hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    hilo_cmd_start(&c, "EVALSHA");
    hilo_cmd_add(&c, hilo_scripts_sha(HILO_S_DUE));
    hilo_cmd_add(&c, "1");
    if (hilo_cmd_key(&c, 0, HILO_K_ROUTE_TIMERS, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(&c, 0, now_ms);
    hilo_cmd_num(&c, 1, lease_ms);
    snprintf(c.val, sizeof c.val, "%d", count > 0 ? count : 1);
    hilo_cmd_add(&c, c.val);
    return hilo_cmd_send_built(r, hilo_cmd_finish(&c), &c, cb, data);
}

int hilo_store_event_get(struct hilo_redis *r, const char *ref, const char *event_id,
                         hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    int rc = keyed(&c, "XRANGE", HILO_K_THREAD, ref);
    if (rc == 0) {
        hilo_cmd_add(&c, event_id);
        hilo_cmd_add(&c, event_id);
        rc = hilo_cmd_finish(&c);
    }
    return hilo_cmd_send_built(r, rc, &c, cb, data);
}
