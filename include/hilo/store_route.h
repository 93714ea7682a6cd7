/* Typed store operations of routing at send time (src/store/route.c; the
 * model is docs/continuity.md "Routing at send time"): which widget sockets
 * watch a ticket, a WhatsApp number's window, replies held for a closed
 * window, what the customer has seen, and the routing timers (unread web
 * replies, window nudges). Conventions as in store_records.h. */
#ifndef HILO_STORE_ROUTE_H
#define HILO_STORE_ROUTE_H

#include <stdint.h>

#include "hilo/store.h"

/* ---- widget sockets: ZADD {t:<ref>}:on <until ms> <member>, PEXPIRE ---- */
struct hilo_store_online {
    const char *ref;
    const char *member;      /* "<instance>:<connection>" */
    uint64_t until_ms;       /* set */
    uint64_t now_ms;         /* count: members alive after now */
};
int hilo_store_online_set(struct hilo_redis *r, const struct hilo_store_online *op,
                          hilo_redis_cb cb, void *data);
/* ZREM */
int hilo_store_online_clear(struct hilo_redis *r, const struct hilo_store_online *op,
                            hilo_redis_cb cb, void *data);
/* ZCOUNT <key> now +inf -> integer */
int hilo_tx_online_count(struct hilo_tx *tx, const struct hilo_store_online *op);

/* ---- a WhatsApp number's window: wawin:<number> = last inbound ms ------ */
/* GET -> ms or nil */
int hilo_tx_wa_window_get(struct hilo_tx *tx, const char *number);
/* SET ... PX 30 days */
int hilo_store_wa_window_set(struct hilo_redis *r, const char *number, uint64_t at_ms,
                             hilo_redis_cb cb, void *data);

/* ---- replies held for a closed window: waheld:<number> list of json ----- */
/* RPUSH, PEXPIRE 30 days (a transaction) */
int hilo_store_wa_held_push(struct hilo_redis *r, const char *number, const char *json,
                            hilo_redis_cb cb, void *data);
/* LRANGE 0 -1 then DEL (queued in tx: two replies) */
int hilo_tx_wa_held_take(struct hilo_tx *tx, const char *number);

/* ---- HMGET <blocked> identities... ---------------------------------------- */
int hilo_tx_route_blocked(struct hilo_tx *tx, const char *const *ids, int n);

/* ---- what the widget has seen: HSET <ticket> seen_upto <event id> ------- */
int hilo_store_seen_upto_set(struct hilo_redis *r, const char *ref, const char *event_id,
                             hilo_redis_cb cb, void *data);

/* ---- routing timers: ZADD rtimers <at> <member>; due leases like the
 * follow-ups (script DUE) ---------------------------------------------------- */
struct hilo_store_rtimer {
    const char *member;
    uint64_t at_ms;
};
int hilo_tx_rtimer_set(struct hilo_tx *tx, const struct hilo_store_rtimer *op);
int hilo_store_rtimer_set(struct hilo_redis *r, const struct hilo_store_rtimer *op,
                          hilo_redis_cb cb, void *data);
int hilo_store_rtimer_clear(struct hilo_redis *r, const struct hilo_store_rtimer *op,
                            hilo_redis_cb cb, void *data);
/* Reply: array of due members, each leased for lease_ms. */
int hilo_store_rtimers_due(struct hilo_redis *r, uint64_t now_ms, uint64_t lease_ms, int count,
                           hilo_redis_cb cb, void *data);

/* XRANGE <thread of ref> id id -> [] or [[id, [field, value...]]] */
int hilo_store_event_get(struct hilo_redis *r, const char *ref, const char *event_id,
                         hilo_redis_cb cb, void *data);

#endif
