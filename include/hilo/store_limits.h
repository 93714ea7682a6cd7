/* Typed store operations for limits shared by every instance
 * (src/store/limits.c). Conventions as in store_records.h. */
#ifndef HILO_STORE_LIMITS_H
#define HILO_STORE_LIMITS_H

#include <stdint.h>

#include "hilo/store.h"

/* One more ticket opened by who ("ip:<address>") in a fixed window:
 * incr: INCR rate:tk:<who>; start: PEXPIRE rate:tk:<who> <window ms> NX
 * (the window starts with its first ticket and never moves); ttl: PTTL.
 * hilo_store_ticket_rate sends the three in one MULTI; its callback gets
 * the EXEC reply, which hilo_store_ticket_rate_result reads. */
struct hilo_store_ticket_rate {
    const char *who;
    uint64_t window_ms;
    uint64_t amount; /* 0: INCR (one more); else INCRBY amount (bytes) */
};
int hilo_store_ticket_rate_incr_argv(struct hilo_store_cmd *c,
                                     const struct hilo_store_ticket_rate *op);
int hilo_store_ticket_rate_start_argv(struct hilo_store_cmd *c,
                                      const struct hilo_store_ticket_rate *op);
int hilo_store_ticket_rate_ttl_argv(struct hilo_store_cmd *c,
                                    const struct hilo_store_ticket_rate *op);
int hilo_store_ticket_rate(struct hilo_redis *r, const struct hilo_store_ticket_rate *op,
                           hilo_redis_cb cb, void *data);
/* DECRBY rate:tk:<op->who> op->amount: a refused request's count given
 * back (fire and forget). */
int hilo_store_ticket_rate_give_back(struct hilo_redis *r, const struct hilo_store_ticket_rate *op);
/* n counters in one MULTI (three replies each, in order). */
int hilo_store_ticket_rates(struct hilo_redis *r, const struct hilo_store_ticket_rate *ops, int n,
                            hilo_redis_cb cb, void *data);
/* The EXEC reply: 0 (within max), -HILO_ERATE (over it; *retry_s the
 * seconds until the window ends, at least 1) or -HILO_EUNAVAIL. */
int hilo_store_ticket_rate_result(const redisReply *reply, long long max, uint32_t *retry_s);

#endif
