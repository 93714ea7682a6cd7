/* Typed store operations for merging customers, undoing merges, merge
 * suggestions and blocked identities (src/store/customers.c; the model is
 * docs/continuity.md "Merge, undo and blocking", the keys docs/data-model.md).
 *
 * The merge scripts name one key per identity and two per ticket, so their
 * commands have no fixed size: those senders build the command in memory
 * they free before returning (hiredis copies it). Everything else follows
 * store_records.h: strings borrowed until the call returns, NULL is "". */
#ifndef HILO_STORE_CUSTOMERS_H
#define HILO_STORE_CUSTOMERS_H

#include <stddef.h>
#include <stdint.h>

#include "hilo/store.h"

/* ---- merge and undo ------------------------------------------------------ */

/* Merge customer `from` into `into` (script MERGE). ids/refs are what a
 * read of from's identities and tickets returned, email/name its fields.
 * Reply: the merge record JSON; errors "HILO conflict" (the read is stale:
 * read again), unknown_customer, bad_state (either is merged already),
 * bad_frame (the same customer). */
struct hilo_store_merge {
    const char *chan;
    const char *from, *into;
    const char *agent, *agent_name;
    uint64_t now_ms;
    const char *email, *name;
    const char *const *ids;
    int nids;
    const char *const *refs;
    int ntix;
};
int hilo_store_merge(struct hilo_redis *r, const struct hilo_store_merge *op, hilo_redis_cb cb,
                     void *data);

/* Undo merge `id` (script UNMERGE); from/into/email/name/ids/refs from its
 * record's snapshot. Reply: the record JSON (state "undone"); errors
 * not_found, bad_state (undone already), undo_conflict, conflict. */
struct hilo_store_unmerge {
    const char *chan;
    const char *id;
    const char *from, *into;
    const char *agent, *agent_name;
    uint64_t now_ms;
    const char *email, *name;
    const char *const *ids;
    int nids;
    const char *const *refs;
    int ntix;
};
int hilo_store_unmerge(struct hilo_redis *r, const struct hilo_store_unmerge *op,
                       hilo_redis_cb cb, void *data);

/* HGET <merge records> id -> record JSON or nil */
int hilo_tx_merge_get(struct hilo_tx *tx, const char *id);
/* ZREVRANGE <merges of customer, or all when NULL> 0 limit-1 -> ids */
int hilo_tx_merges_ids(struct hilo_tx *tx, const char *customer, int limit);
/* HMGET <merge records> ids... -> record JSONs */
int hilo_store_merge_recs(struct hilo_redis *r, const char *const *ids, int n, hilo_redis_cb cb,
                          void *data);
/* ZREVRANGE <customer's tickets> 0 -1: every ticket (merge reads) */
int hilo_tx_customer_all_tickets(struct hilo_tx *tx, const char *customer);

/* ---- suggestions --------------------------------------------------------- */

/* The name index's argument: "name:" + lowercased, single-spaced, trimmed
 * name. -1 when fewer than 3 characters remain (no index) or out is small. */
int hilo_store_name_key(const char *name, char *out, size_t n);
/* SADD ix:name:<normalized name> <customer> (nothing queued for a short
 * name). */
struct hilo_store_search_name {
    const char *name;
    const char *customer;
};
int hilo_tx_search_name(struct hilo_tx *tx, const struct hilo_store_search_name *op);

/* Script SUGGEST. compute: the customer's weak matches by email and name
 * (its fields as read) are stored; list: open suggestions of customer ('' =
 * all); dismiss: customer and other's suggestion is dismissed. Reply: JSON
 * (a list; dismiss: the suggestion); error not_found (dismiss). */
enum hilo_suggest_op { HILO_SUGGEST_COMPUTE, HILO_SUGGEST_LIST, HILO_SUGGEST_DISMISS };
struct hilo_store_suggest {
    enum hilo_suggest_op op;
    const char *customer;
    const char *other;    /* dismiss */
    const char *agent;    /* dismiss */
    const char *email, *name; /* compute */
    uint64_t now_ms;
};
int hilo_store_suggest(struct hilo_redis *r, const struct hilo_store_suggest *op,
                       hilo_redis_cb cb, void *data);

/* ---- blocked identities ------------------------------------------------- */

/* HSET <blocked> identity json / HDEL <blocked> identity */
int hilo_store_block(struct hilo_redis *r, const char *identity, const char *json,
                     hilo_redis_cb cb, void *data);
int hilo_store_unblock(struct hilo_redis *r, const char *identity, hilo_redis_cb cb, void *data);
/* HGET <blocked> identity -> the block JSON, or nil when not blocked */
int hilo_store_blocked_get(struct hilo_redis *r, const char *identity, hilo_redis_cb cb,
                           void *data);
int hilo_tx_blocked_get(struct hilo_tx *tx, const char *identity);
/* HMGET <blocked> identities... */
int hilo_store_blocked_many(struct hilo_redis *r, const char *const *ids, int n, hilo_redis_cb cb,
                            void *data);

/* An inbound message of a blocked identity: kept apart for agents (stream
 * blkmsg:<identity>, the latest 1000) with the provider's dedupe mark, in
 * one transaction. Reply: the EXEC array. */
struct hilo_store_blocked_in {
    const char *identity;
    const char *channel, *provider, *provider_id;
    const char *from_name, *text;
    uint64_t at_ms;
    int seen_ttl_s;
};
int hilo_store_blocked_in(struct hilo_redis *r, const struct hilo_store_blocked_in *op,
                          hilo_redis_cb cb, void *data);
/* XREVRANGE blkmsg:<identity> + - COUNT count */
int hilo_tx_blocked_msgs(struct hilo_tx *tx, const char *identity, int count);

#endif
