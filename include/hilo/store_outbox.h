/* Typed store operations of the outbox (src/store/outbox.c): the stream and
 * its consumer group, retries by due time, dead letters, the provider-id and
 * Message-ID records of a sent message, and the outgoing webhooks' lock,
 * cursor and log. Keys come from keys.c; callers never name a key.
 *
 * Each op builds one plain command (struct hilo_store_cmd, store.h) on the
 * caller's stack with hilo_store_<op>_argv (unit-tested without Redis), and
 * is sent alone by hilo_store_<op>() or queued in a transaction by
 * hilo_tx_<op>(). A few ops are two commands (bury, unbury, done): their
 * senders send both, pipelined, and their tx variants queue both. Strings are
 * borrowed until the call returns; NULL means "". The _argv builders return
 * 0 or -HILO_EINTERNAL (a key or value too long, too many fields). */
#ifndef HILO_STORE_OUTBOX_H
#define HILO_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "hilo/store.h"

/* Most field strings (name, value, ...) an outbox entry carries. */
#define HILO_STORE_OUTBOX_FIELDS 36

/* XADD <outbox> * field value ...: a new entry (fields are borrowed). */
struct hilo_store_outbox_add {
    const char *const *fields; /* field, value pairs */
    const size_t *lens;        /* NULL: strlen of each */
    int nfields;               /* count of strings, even, <= HILO_STORE_OUTBOX_FIELDS */
};
int hilo_store_outbox_add_argv(struct hilo_store_cmd *c, const struct hilo_store_outbox_add *op);
int hilo_store_outbox_add(struct hilo_redis *r, const struct hilo_store_outbox_add *op,
                          hilo_redis_cb cb, void *data);
int hilo_tx_outbox_add(struct hilo_tx *tx, const struct hilo_store_outbox_add *op);

/* XGROUP CREATE <outbox> senders 0 MKSTREAM (BUSYGROUP when it exists). */
int hilo_store_outbox_group_argv(struct hilo_store_cmd *c);
int hilo_store_outbox_group(struct hilo_redis *r, hilo_redis_cb cb, void *data);

/* EVALSHA OUTBOX_DUE: moves up to count due retries back into the stream. */
struct hilo_store_outbox_move {
    uint64_t now_ms;
    int count;
};
int hilo_store_outbox_move_argv(struct hilo_store_cmd *c, const struct hilo_store_outbox_move *op);
int hilo_store_outbox_move(struct hilo_redis *r, const struct hilo_store_outbox_move *op,
                           hilo_redis_cb cb, void *data);

/* XREADGROUP GROUP senders <consumer> COUNT n STREAMS <outbox> > */
struct hilo_store_outbox_read {
    const char *consumer;
    int count;
};
int hilo_store_outbox_read_argv(struct hilo_store_cmd *c, const struct hilo_store_outbox_read *op);
int hilo_store_outbox_read(struct hilo_redis *r, const struct hilo_store_outbox_read *op,
                           hilo_redis_cb cb, void *data);

/* XAUTOCLAIM <outbox> senders <consumer> <min idle ms> 0-0 COUNT n: entries
 * another consumer took and never acknowledged. */
struct hilo_store_outbox_claim {
    const char *consumer;
    uint64_t min_idle_ms;
    int count;
};
int hilo_store_outbox_claim_argv(struct hilo_store_cmd *c,
                                 const struct hilo_store_outbox_claim *op);
int hilo_store_outbox_claim(struct hilo_redis *r, const struct hilo_store_outbox_claim *op,
                            hilo_redis_cb cb, void *data);

/* XACK <outbox> senders <id>, then XDEL <outbox> <id>: an entry is done.
 * The sender's cb gets the XDEL reply. */
int hilo_store_outbox_ack_argv(struct hilo_store_cmd *c, const char *entry_id);
int hilo_store_outbox_del_argv(struct hilo_store_cmd *c, const char *entry_id);
int hilo_store_outbox_done(struct hilo_redis *r, const char *entry_id, hilo_redis_cb cb,
                           void *data);
int hilo_tx_outbox_done(struct hilo_tx *tx, const char *entry_id);

/* ZADD <due> <at ms> <entry json>: a retry (or a later try) at a time. */
struct hilo_store_outbox_due {
    uint64_t at_ms;
    const char *entry;       /* the entry as JSON (the zset member) */
};
int hilo_store_outbox_due_argv(struct hilo_store_cmd *c, const struct hilo_store_outbox_due *op);
int hilo_tx_outbox_due(struct hilo_tx *tx, const struct hilo_store_outbox_due *op);

/* Dead letters, member "<ref> <event id>": bury = ZADD <dead> <at ms> member
 * + HSET <deadx> member <entry>; unbury = ZREM + HDEL; get = HGET <deadx>
 * member (the entry JSON or nil). */
struct hilo_store_outbox_dead {
    const char *ref;
    const char *event_id;    /* the event, or the stream entry id of a webhook */
    uint64_t at_ms;          /* bury only */
    const char *entry;       /* bury only: entry JSON */
};
int hilo_store_outbox_dead_add_argv(struct hilo_store_cmd *c,
                                    const struct hilo_store_outbox_dead *op);
int hilo_store_outbox_deadx_set_argv(struct hilo_store_cmd *c,
                                     const struct hilo_store_outbox_dead *op);
int hilo_store_outbox_dead_rem_argv(struct hilo_store_cmd *c,
                                    const struct hilo_store_outbox_dead *op);
int hilo_store_outbox_deadx_del_argv(struct hilo_store_cmd *c,
                                     const struct hilo_store_outbox_dead *op);
int hilo_store_outbox_dead_get_argv(struct hilo_store_cmd *c,
                                    const struct hilo_store_outbox_dead *op);
int hilo_tx_outbox_bury(struct hilo_tx *tx, const struct hilo_store_outbox_dead *op);
int hilo_tx_outbox_unbury(struct hilo_tx *tx, const struct hilo_store_outbox_dead *op);
int hilo_store_outbox_dead_get(struct hilo_redis *r, const struct hilo_store_outbox_dead *op,
                               hilo_redis_cb cb, void *data);

/* ZREVRANGE <dead> 0 <stop>: the newest dead letters' members. */
int hilo_store_outbox_dead_list_argv(struct hilo_store_cmd *c, int stop);
int hilo_store_outbox_dead_list(struct hilo_redis *r, int stop, hilo_redis_cb cb, void *data);
/* HMGET <deadx> member...: their entries (any number of members; the only
 * op that allocates, for the argv, freed before it returns). */
int hilo_store_outbox_dead_items(struct hilo_redis *r, const char *const *members, size_t n,
                                 hilo_redis_cb cb, void *data);

/* What a sent message was given by its provider, so that status callbacks
 * and email replies find it again: SET pid:<provider>:<provider id>
 * "<ref> <event id>" EX 30 days; SET msgid:<Message-ID> <ref> EX 180 days. */
struct hilo_store_sent_pid {
    const char *provider;
    const char *provider_id;
    const char *ref;
    const char *event_id;
};
int hilo_store_sent_pid_argv(struct hilo_store_cmd *c, const struct hilo_store_sent_pid *op);
int hilo_tx_sent_pid(struct hilo_tx *tx, const struct hilo_store_sent_pid *op);

struct hilo_store_sent_msgid {
    const char *msgid;
    const char *ref;
};
int hilo_store_sent_msgid_argv(struct hilo_store_cmd *c, const struct hilo_store_sent_msgid *op);
int hilo_tx_sent_msgid(struct hilo_tx *tx, const struct hilo_store_sent_msgid *op);

/* ---- outgoing webhooks ---------------------------------------------------
 * lock: SET <ticket's whl> <holder> NX PX ttl (reply OK, or nil: held);
 * unlock: deletes the lock only if holder still holds it (EVAL);
 * cursor: HGET/HSET <ticket> webhook_cursor (the last event POSTed);
 * log: LPUSH <whlog> <entry json>, then LTRIM to the latest 200. */
struct hilo_store_webhook_lock {
    const char *ref;
    const char *holder;      /* the outbox entry id */
    uint64_t ttl_ms;         /* lock only */
};
int hilo_store_webhook_lock_argv(struct hilo_store_cmd *c,
                                 const struct hilo_store_webhook_lock *op);
int hilo_store_webhook_lock(struct hilo_redis *r, const struct hilo_store_webhook_lock *op,
                            hilo_redis_cb cb, void *data);
int hilo_store_webhook_unlock_argv(struct hilo_store_cmd *c,
                                   const struct hilo_store_webhook_lock *op);
int hilo_store_webhook_unlock(struct hilo_redis *r, const struct hilo_store_webhook_lock *op,
                              hilo_redis_cb cb, void *data);

struct hilo_store_webhook_cursor {
    const char *ref;
    const char *upto;        /* set only: event id */
};
int hilo_store_webhook_cursor_get_argv(struct hilo_store_cmd *c,
                                       const struct hilo_store_webhook_cursor *op);
int hilo_store_webhook_cursor_get(struct hilo_redis *r, const struct hilo_store_webhook_cursor *op,
                                  hilo_redis_cb cb, void *data);
int hilo_store_webhook_cursor_set_argv(struct hilo_store_cmd *c,
                                       const struct hilo_store_webhook_cursor *op);
int hilo_store_webhook_cursor_set(struct hilo_redis *r, const struct hilo_store_webhook_cursor *op,
                                  hilo_redis_cb cb, void *data);

/* LRANGE <whlog> 0 <stop>: the latest attempts, newest first. */
int hilo_store_webhook_log_read_argv(struct hilo_store_cmd *c, int stop);
int hilo_store_webhook_log_read(struct hilo_redis *r, int stop, hilo_redis_cb cb, void *data);
int hilo_store_webhook_log_push_argv(struct hilo_store_cmd *c, const char *entry);
int hilo_store_webhook_log_trim_argv(struct hilo_store_cmd *c);
/* Both commands; cb (may be NULL) gets the LTRIM reply. */
int hilo_store_webhook_log(struct hilo_redis *r, const char *entry, hilo_redis_cb cb, void *data);

/* ---- permanent failures (script UNDELIV, docs/delivery.md) ---------------
 * sent_entry: HSET <ticket's obx> <event id> <entry json>, the entry of a
 * sent message, so that a failure reported later by a status callback files
 * it as a dead letter that can be sent again.
 * undelivered: the delivery becomes failed (error, or the stored one), an
 * internal 'undelivered' event, the ticket waiting again (resolved or
 * pending -> open); bury files the dead letter from obx (status callbacks;
 * the outbox files its own). Reply {1 reported | 0 not news, 1 reopened}. */
struct hilo_store_sent_entry {
    const char *ref;
    const char *event_id;
    const char *entry;
};
int hilo_store_sent_entry_argv(struct hilo_store_cmd *c, const struct hilo_store_sent_entry *op);
int hilo_tx_sent_entry(struct hilo_tx *tx, const struct hilo_store_sent_entry *op);
/* HDEL <ticket's obx> <event id>: delivered or read, it can no longer fail
 * (entry unused). cb may be NULL. */
int hilo_store_sent_entry_del_argv(struct hilo_store_cmd *c, const struct hilo_store_sent_entry *op);
int hilo_store_sent_entry_del(struct hilo_redis *r, const struct hilo_store_sent_entry *op,
                              hilo_redis_cb cb, void *data);
/* HGET <ticket's obx> <event id>, in tx. */
int hilo_tx_sent_entry_get(struct hilo_tx *tx, const struct hilo_store_sent_entry *op);
/* HGET <ticket's dl> <event id>: the delivery record, in tx. */
int hilo_tx_delivery_get(struct hilo_tx *tx, const struct hilo_store_sent_entry *op);
int hilo_tx_sent_entry_del(struct hilo_tx *tx, const struct hilo_store_sent_entry *op);

struct hilo_store_undelivered {
    const char *chan;
    const char *ref;
    const char *event_id;
    const char *error;
    int bury;
    uint64_t at_ms;
};
int hilo_store_undelivered_argv(struct hilo_store_argv *a,
                                const struct hilo_store_undelivered *op);

#endif
