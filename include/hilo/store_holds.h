/* Typed store operations of verified continuity (src/store/holds.c; the
 * model is docs/continuity.md): the evidence of each identity link, held
 * joins and their messages, attempt counters, the hold events on tickets
 * and the delivery records of the notices sent about a hold. Conventions
 * as in store_records.h: hilo_store_<op>_argv builds into a struct
 * hilo_store_cmd, hilo_store_<op> sends, hilo_tx_<op> queues; strings are
 * borrowed until the call returns; NULL means "". */
#ifndef HILO_STORE_HOLDS_H
#define HILO_STORE_HOLDS_H

#include <stdint.h>

#include "hilo/store.h"

/* ---- evidence: HSET(NX) {c:<customer>}:idev <identity> <json> ----------- */
struct hilo_store_evidence {
    const char *customer;
    const char *identity;
    const char *json;        /* {"how":..,"at":ms,"by":..} */
    int nx;                  /* keep an earlier record */
};
int hilo_store_evidence_set_argv(struct hilo_store_cmd *c, const struct hilo_store_evidence *op);
int hilo_tx_evidence_set(struct hilo_tx *tx, const struct hilo_store_evidence *op);
/* HGETALL: identity, json, ... */
int hilo_store_evidence_all_argv(struct hilo_store_cmd *c, const char *customer);
int hilo_tx_evidence_all(struct hilo_tx *tx, const char *customer);
/* HDEL the record of identity */
int hilo_store_evidence_del_argv(struct hilo_store_cmd *c, const char *customer,
                                 const char *identity);
int hilo_tx_evidence_del(struct hilo_tx *tx, const char *customer, const char *identity);
/* SREM the identity from the customer's set; DEL ident:<identity> */
int hilo_tx_customer_ids_rem(struct hilo_tx *tx, const char *customer, const char *identity);
int hilo_tx_ident_del(struct hilo_tx *tx, const char *identity);

/* ---- holds (script HOLD) ------------------------------------------------ */
#define HILO_HOLD_ID_MAX 9   /* 8 hex digits + NUL */

/* open: a new hold with its first message. Reply 1. */
struct hilo_store_hold_open {
    const char *id;
    uint64_t now_ms;
    int ttl_s;
    const char *msg;         /* the message's json */
    const char *const *fields; /* hold field, value pairs */
    int nfields;
};
int hilo_store_hold_open_argv(struct hilo_store_cmd *c, const struct hilo_store_hold_open *op);
int hilo_tx_hold_open(struct hilo_tx *tx, const struct hilo_store_hold_open *op);
/* add: one more held message. Reply 1, or 0 (not pending, or full). */
int hilo_store_hold_add_argv(struct hilo_store_cmd *c, const char *id, const char *msg, int max);
int hilo_store_hold_add(struct hilo_redis *r, const char *id, const char *msg, int max,
                        hilo_redis_cb cb, void *data);
/* try: a code. Reply {'ok'} | {'bad', left} | {'dead'} | {'gone'}. */
struct hilo_store_hold_try {
    const char *id;
    const char *code_hash;
    uint64_t now_ms;
    int max_tries;
};
int hilo_store_hold_try_argv(struct hilo_store_cmd *c, const struct hilo_store_hold_try *op);
int hilo_store_hold_try(struct hilo_redis *r, const struct hilo_store_hold_try *op,
                        hilo_redis_cb cb, void *data);
/* decide: status "joining" (approve) or "rejected". Reply {ref, identity,
 * channel}; error bad_state when the hold is not pending. */
struct hilo_store_hold_decide {
    const char *id;
    const char *status;
    const char *by;
    uint64_t now_ms;
};
int hilo_store_hold_decide_argv(struct hilo_store_cmd *c, const struct hilo_store_hold_decide *op);
int hilo_store_hold_decide(struct hilo_redis *r, const struct hilo_store_hold_decide *op,
                           hilo_redis_cb cb, void *data);
/* done: joining -> joined */
int hilo_store_hold_done_argv(struct hilo_store_cmd *c, const char *id, uint64_t now_ms);
int hilo_tx_hold_done(struct hilo_tx *tx, const char *id, uint64_t now_ms);
/* back: joining -> pending (a join that cannot be done: closed or gone) */
int hilo_tx_hold_back(struct hilo_tx *tx, const char *id);
/* HGETALL the hold; LRANGE its messages */
int hilo_store_hold_get_argv(struct hilo_store_cmd *c, const char *id);
int hilo_tx_hold_get(struct hilo_tx *tx, const char *id);
int hilo_store_hold_msgs_argv(struct hilo_store_cmd *c, const char *id);
int hilo_tx_hold_msgs(struct hilo_tx *tx, const char *id);

/* ---- indexes ------------------------------------------------------------ */
/* ZADD / ZREM holds <id>; ZREVRANGE holds 0 stop */
int hilo_tx_holds_add(struct hilo_tx *tx, const char *id, uint64_t at_ms);
int hilo_tx_holds_rem(struct hilo_tx *tx, const char *id);
int hilo_store_holds_list_argv(struct hilo_store_cmd *c, int stop);
int hilo_store_holds_list(struct hilo_redis *r, int stop, hilo_redis_cb cb, void *data);
/* ZADD {t:<ref>}:holds <id>; ZRANGE it */
int hilo_tx_ticket_holds_add(struct hilo_tx *tx, const char *ref, const char *id, uint64_t at_ms);
int hilo_tx_ticket_holds(struct hilo_tx *tx, const char *ref);
/* ZREVRANGE {t:<ref>}:holds 0 n-1: the ticket's n latest holds */
int hilo_tx_ticket_holds_latest(struct hilo_tx *tx, const char *ref, int n);
/* holdby:<identity>: GET; SET id EX ttl_s; DEL only if it is still id */
int hilo_store_hold_by_get_argv(struct hilo_store_cmd *c, const char *identity);
int hilo_tx_hold_by_get(struct hilo_tx *tx, const char *identity);
int hilo_tx_hold_by_set(struct hilo_tx *tx, const char *identity, const char *id, int ttl_s);
int hilo_tx_hold_by_del(struct hilo_tx *tx, const char *identity);

/* ---- the hold event on a ticket (script HOLDEV) -------------------------- */
struct hilo_store_holdev {
    const char *chan;        /* events channel */
    const char *ref;
    const char *text;
    const char *extra;       /* json */
    const char *counter;     /* ticket field to increment ('' none) */
};
int hilo_store_holdev_argv(struct hilo_store_argv *a, const struct hilo_store_holdev *op);

/* ---- attempt counters (script RATE) --------------------------------------
 * "<scope>:<key>" (id:<identity>, ip:<address>, tk:<ref>); reply: the
 * count within the window, this attempt included. */
struct hilo_store_rate {
    const char *scope;
    const char *key;
    uint64_t window_ms;
};
int hilo_store_rate_argv(struct hilo_store_cmd *c, const struct hilo_store_rate *op);
int hilo_store_rate_hit(struct hilo_redis *r, const struct hilo_store_rate *op, hilo_redis_cb cb,
                        void *data);
int hilo_tx_rate_hit(struct hilo_tx *tx, const struct hilo_store_rate *op);
/* GET the counter (nil: no attempt in the window) */
int hilo_tx_rate_get(struct hilo_tx *tx, const struct hilo_store_rate *op);

/* ---- a notice's delivery (outbox entries of pseudo-ticket "h<id>") -------
 * HSET {t:h<id>}:dd <key> <event id>, HSET {t:h<id>}:dl <event id> <json>:
 * what the outbox checks before it sends an entry of ref "h<id>". */
struct hilo_store_notice {
    const char *id;          /* hold id */
    const char *key;         /* the entry's "key" */
    const char *event_id;
    const char *delivery;    /* json */
};
int hilo_tx_notice(struct hilo_tx *tx, const struct hilo_store_notice *op);

#endif
