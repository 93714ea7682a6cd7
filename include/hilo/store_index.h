/* Typed store operations on the shared indexes and channels
 * (src/store/index.c): the ticket indexes, the durable timers, a ticket's
 * viewers, and publishing on the events channel. Conventions as in
 * store_outbox.h: hilo_store_<op>_argv builds one command into a struct
 * hilo_store_cmd, hilo_store_<op>() sends it, hilo_tx_<op>() queues it. */
#ifndef HILO_STORE_INDEX_H
#define HILO_STORE_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "hilo/store.h"

/* ---- ticket indexes (zsets scored by creation time) ----------------------
 * active: open and pending tickets; all: every ticket.
 * add: ZADD <index> NX <at ms> <ref>; rem: ZREM <index> <ref>;
 * range: ZRANGE <index> <start> <stop>. */
enum hilo_store_index { HILO_STORE_IDX_ACTIVE, HILO_STORE_IDX_ALL };
struct hilo_store_index_entry {
    enum hilo_store_index index;
    const char *ref;
    uint64_t at_ms;          /* add only */
};
int hilo_store_index_add_argv(struct hilo_store_cmd *c, const struct hilo_store_index_entry *op);
int hilo_tx_index_add(struct hilo_tx *tx, const struct hilo_store_index_entry *op);
int hilo_store_index_rem_argv(struct hilo_store_cmd *c, const struct hilo_store_index_entry *op);
int hilo_store_index_rem(struct hilo_redis *r, const struct hilo_store_index_entry *op,
                         hilo_redis_cb cb, void *data);
int hilo_tx_index_rem(struct hilo_tx *tx, const struct hilo_store_index_entry *op);

struct hilo_store_index_range {
    enum hilo_store_index index;
    long start, stop;
    int rev;                 /* ZREVRANGE: newest first */
};
int hilo_store_index_range_argv(struct hilo_store_cmd *c, const struct hilo_store_index_range *op);
int hilo_store_index_range(struct hilo_redis *r, const struct hilo_store_index_range *op,
                           hilo_redis_cb cb, void *data);

/* ZRANGEBYSCORE <index> from to LIMIT 0 limit: refs created in [from, to] */
struct hilo_store_index_between {
    enum hilo_store_index index;
    uint64_t from_ms, to_ms;
    int limit;
};
int hilo_store_index_between_argv(struct hilo_store_cmd *c,
                                  const struct hilo_store_index_between *op);
int hilo_store_index_between(struct hilo_redis *r, const struct hilo_store_index_between *op,
                             hilo_redis_cb cb, void *data);

/* ---- durable timers: members "<kind>:<arg>" by due time -----------------
 * set: ZADD <timers> <at ms> member; clear: ZREM <timers> member. */
struct hilo_store_timer {
    const char *member;
    uint64_t at_ms;          /* set only */
};
int hilo_store_timer_set_argv(struct hilo_store_cmd *c, const struct hilo_store_timer *op);
int hilo_store_timer_set(struct hilo_redis *r, const struct hilo_store_timer *op, hilo_redis_cb cb,
                         void *data);
int hilo_tx_timer_set(struct hilo_tx *tx, const struct hilo_store_timer *op);
int hilo_store_timer_clear_argv(struct hilo_store_cmd *c, const struct hilo_store_timer *op);
int hilo_store_timer_clear(struct hilo_redis *r, const struct hilo_store_timer *op,
                           hilo_redis_cb cb, void *data);

/* EVALSHA DUE: up to count due members, each leased for lease_ms.
 * Reply: array of members. */
struct hilo_store_timers_due {
    uint64_t now_ms;
    uint64_t lease_ms;
    int count;
};
int hilo_store_timers_due_argv(struct hilo_store_cmd *c, const struct hilo_store_timers_due *op);
int hilo_store_timers_due(struct hilo_redis *r, const struct hilo_store_timers_due *op,
                          hilo_redis_cb cb, void *data);

/* ---- a ticket's viewers (agent -> viewing until ms) ----------------------
 * set: HSET <viewers> agent <until ms>; clear: HDEL <viewers> agent;
 * expire: PEXPIRE <viewers> <ttl ms>; get: HGETALL <viewers>. */
struct hilo_store_viewer {
    const char *ref;
    const char *agent;       /* set, clear */
    uint64_t ms;             /* set: until; expire: ttl */
};
int hilo_store_viewer_set_argv(struct hilo_store_cmd *c, const struct hilo_store_viewer *op);
int hilo_store_viewer_clear_argv(struct hilo_store_cmd *c, const struct hilo_store_viewer *op);
int hilo_store_viewers_expire_argv(struct hilo_store_cmd *c, const struct hilo_store_viewer *op);
int hilo_store_viewers_get_argv(struct hilo_store_cmd *c, const struct hilo_store_viewer *op);
int hilo_store_viewer_set(struct hilo_redis *r, const struct hilo_store_viewer *op,
                          hilo_redis_cb cb, void *data);
int hilo_store_viewer_clear(struct hilo_redis *r, const struct hilo_store_viewer *op,
                            hilo_redis_cb cb, void *data);
int hilo_store_viewers_expire(struct hilo_redis *r, const struct hilo_store_viewer *op,
                              hilo_redis_cb cb, void *data);
int hilo_tx_viewers_get(struct hilo_tx *tx, const struct hilo_store_viewer *op);

/* ---- events channel ------------------------------------------------------ */
/* The events channel's name into buf (n bytes); its length or -1. */
int hilo_store_events_channel(char *buf, size_t n);
/* PUBLISH <channel> <message> (len bytes; 0: strlen). */
struct hilo_store_publish {
    const char *channel;
    const char *message;
    size_t len;
};
int hilo_store_publish_argv(struct hilo_store_cmd *c, const struct hilo_store_publish *op);
int hilo_store_publish(struct hilo_redis *r, const struct hilo_store_publish *op, hilo_redis_cb cb,
                       void *data);

#endif
