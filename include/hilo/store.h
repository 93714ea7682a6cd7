/* The store: typed operations on Redis (the ticket scripts, transactions)
 * and how a Redis reply becomes an error value. Callers pass structs, never
 * positional script arguments or key names. */
#ifndef HILO_STORE_H
#define HILO_STORE_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "hilo/keys.h"
#include "hilo/redis.h"

/* Maps a reply to 0 or -HILO_E*: NULL (no reply: timeout, lost connection)
 * and NOSCRIPT/LOADING/MASTERDOWN -> -HILO_EUNAVAIL; our scripts' errors by
 * their exact "HILO <code>" prefix: unknown_ticket -> -HILO_EUNKNOWNTICKET,
 * forbidden -> -HILO_EFORBIDDEN, closed -> -HILO_EBADSTATE; any other error
 * -> -HILO_EINTERNAL (logged). Not an error reply -> 0. */
int hilo_store_err(const redisReply *r);

/* ---- Typed operations on the ticket scripts --------------------------------
 * Each op is a struct; hilo_store_<op>_argv builds the EVALSHA (keys from
 * keys.c, arguments in the order the script reads them) into a struct
 * hilo_store_argv on the caller's stack, which hilo_store_send sends or
 * hilo_tx_add_argv queues in a transaction; hilo_store_<op> does both.
 * Strings are borrowed until the call returns; NULL means "". No op
 * allocates. The _argv builders return 0, or -HILO_EINTERNAL when the
 * arguments do not fit (too many fields, key too long). The senders follow
 * the async rule of redis.h and return -HILO_EUNAVAIL before the scripts
 * are loaded. The reply each script returns is documented with the op. */

#define HILO_STORE_MAX_ARGS 64

struct hilo_store_argv {
    int argc;
    const char *argv[HILO_STORE_MAX_ARGS];
    size_t lens[HILO_STORE_MAX_ARGS];
    /* storage the argv points into */
    struct hilo_ticket_keys k;
    char ckeys[3][160];
    char num[2][24];
};

/* New ticket + its first event + the acknowledgement (script CREATE).
 * Reply: {message event id, ack event id}; error "HILO exists". */
struct hilo_store_create {
    const char *chan;        /* events channel */
    const char *ref;
    const char *customer;    /* customer id */
    const char *channel;     /* "web", "whatsapp", ... */
    const char *name;        /* customer's display name */
    const char *text;
    size_t text_len;         /* 0: strlen(text) */
    const char *dedupe;      /* dedupe key: "c:<customer>:<client id>", "p:<provider>:<id>" */
    const char *client_id;   /* '' = no dedupe entry */
    const char *locale;
    const char *ack_text;
    int eta_minutes;
    const char *extra;       /* JSON merged into the first event */
    const char *ack_delivery;/* delivery JSON of the ack ('' = web only) */
    const char *kind;        /* first event's kind: NULL = "message", or "call" */
    const char *const *fields; /* ticket field, value pairs (channel addresses) */
    int nfields;             /* count of strings, even */
};
int hilo_store_create_argv(struct hilo_store_argv *a, const struct hilo_store_create *op);
int hilo_store_create(struct hilo_redis *r, const struct hilo_store_create *op, hilo_redis_cb cb,
                      void *data);

/* An event on an existing ticket (script APPEND).
 * Reply: {event id, duplicate 0/1, status after}; errors unknown_ticket,
 * forbidden (customer mismatch), closed. */
enum hilo_append_op {
    HILO_APPEND_MESSAGE,     /* from the customer: reopens the ticket */
    HILO_APPEND_REPLY,       /* from an agent */
    HILO_APPEND_NOTE,        /* internal note */
    HILO_APPEND_RESOLVE,     /* reply + status resolved */
    HILO_APPEND_CALL,
    HILO_APPEND_VOICEMAIL,
    HILO_APPEND_THANKS,      /* the customer's acknowledgement after resolution: a
                              * message that does not reopen; a ticket that is no
                              * longer resolved refuses it (not_resolved) */
    HILO_APPEND_SURVEY,      /* the satisfaction question (system): no status change */
    HILO_APPEND_CSAT,        /* a score outside a message (a call's keypress; field csat) */
};
/* "message", "reply", ... -> op, or -1. */
int hilo_append_op_parse(const char *name);
const char *hilo_append_op_name(enum hilo_append_op op);

/* How a write moves the ticket in the active index (the queue): done by the
 * write's own script, so a refused write leaves the index alone. */
enum hilo_store_reindex {
    HILO_STORE_REINDEX_KEEP,
    HILO_STORE_REINDEX_ADD,
    HILO_STORE_REINDEX_REMOVE,
};

struct hilo_store_append {
    const char *chan;
    const char *ref;
    enum hilo_append_op op;
    const char *channel;
    const char *role;        /* "customer", "agent" */
    const char *author_id;   /* '' for a customer = the ticket's customer */
    const char *author_name;
    const char *text;
    size_t text_len;         /* 0: strlen(text) */
    const char *dedupe;      /* dedupe key */
    const char *client_id;   /* '' = no dedupe */
    const char *extra;       /* JSON merged into the event */
    const char *customer;    /* required customer ('' = any) */
    const char *delivery;    /* delivery JSON for the new event ('' = none) */
    const char *const *fields; /* ticket field, value pairs to set */
    int nfields;
    enum hilo_store_reindex reindex; /* only when the append is done */
};
int hilo_store_append_argv(struct hilo_store_argv *a, const struct hilo_store_append *op);
int hilo_store_append(struct hilo_redis *r, const struct hilo_store_append *op, hilo_redis_cb cb,
                      void *data);

/* Assignment, status, or a due follow-up (script SET).
 * Reply: {event id or '', status after} (followup not due: a third element,
 * the follow-up time); errors unknown_ticket, closed. */
enum hilo_set_op { HILO_SET_ASSIGN, HILO_SET_STATUS, HILO_SET_FOLLOWUP, HILO_SET_TAGS };
struct hilo_store_set {
    const char *chan;
    const char *ref;
    enum hilo_set_op op;
    const char *value;       /* assignee, or the new status */
    const char *author_id;
    const char *author_name;
    const char *team;        /* assign */
    uint64_t follow_up_ms;   /* status pending: when it reopens; 0 = never */
    enum hilo_store_reindex reindex; /* only when the change is done */
    const char *reason;      /* status closed: spam, duplicate or other (NULL = none) */
};
int hilo_store_set_argv(struct hilo_store_argv *a, const struct hilo_store_set *op);
int hilo_store_set(struct hilo_redis *r, const struct hilo_store_set *op, hilo_redis_cb cb,
                   void *data);

/* Summary and events after an id (script HISTORY).
 * Reply: {summary json, more 0/1, last scanned id, id1, event json1, ...};
 * errors unknown_ticket, forbidden. */
struct hilo_store_history {
    const char *ref;
    const char *after;       /* NULL or "0": from the start */
    int public_only;         /* customers: no notes, no assignments, no deliveries */
    const char *customer;    /* required customer ('' = any) */
    int count;               /* 0: summary only */
};
int hilo_store_history_argv(struct hilo_store_argv *a, const struct hilo_store_history *op);
int hilo_store_history(struct hilo_redis *r, const struct hilo_store_history *op, hilo_redis_cb cb,
                       void *data);

/* An outbound delivery (script DELIVERY). check: finds the event (by id, or
 * by its dedupe key) -> {event id or '', delivery json or ''}; update:
 * merges fields unless the status would move backwards -> status or ''. */
enum hilo_delivery_op { HILO_DELIVERY_CHECK, HILO_DELIVERY_UPDATE, HILO_DELIVERY_OPEN /* fields become the record unless one exists */ };
struct hilo_store_delivery {
    const char *chan;
    const char *ref;
    enum hilo_delivery_op op;
    const char *event_id;    /* check: '' = look up dedupe */
    const char *dedupe;      /* check only */
    const char *fields;      /* update only: JSON fields to merge ("force" allows failed -> queued) */
};
int hilo_store_delivery_argv(struct hilo_store_argv *a, const struct hilo_store_delivery *op);
int hilo_store_delivery(struct hilo_redis *r, const struct hilo_store_delivery *op,
                        hilo_redis_cb cb, void *data);

/* Reserves a fresh reference (script RESERVE). Reply: 1 reserved, 0 taken. */
struct hilo_store_reserve {
    const char *ref;
    const char *owner;       /* instance id */
    int ttl_s;
};
int hilo_store_reserve_argv(struct hilo_store_argv *a, const struct hilo_store_reserve *op);
int hilo_store_reserve(struct hilo_redis *r, const struct hilo_store_reserve *op, hilo_redis_cb cb,
                       void *data);

/* Creates or updates a customer, links identities and a ticket (script
 * CUST). Reply: 1. */
struct hilo_store_cust {
    const char *customer;    /* customer id */
    const char *identity;    /* '' = none */
    const char *name, *email, *locale; /* '' = unchanged */
    const char *ref;         /* ticket to link ('' = none) */
    const char *identity2;   /* second identity ('' = none) */
};
int hilo_store_cust_argv(struct hilo_store_argv *a, const struct hilo_store_cust *op);
int hilo_store_cust(struct hilo_redis *r, const struct hilo_store_cust *op, hilo_redis_cb cb,
                    void *data);

/* Sends a built op. */
/* A signed webhook's single-use token, claimed for what it signed (a digest
 * of the messages it carries) for ttl_s seconds: SET NX GET, so the reply
 * tells a first use or a redelivery of the same messages from a replay of
 * the token with other messages. hilo_store_replay_result reads the reply:
 * 0 (first use or the same digest again), -HILO_EFORBIDDEN (replayed with
 * other content), or the store error. */
int hilo_store_replay_claim(struct hilo_redis *r, const char *provider, const char *token,
                            const char *digest, int ttl_s, hilo_redis_cb cb, void *data);
int hilo_store_replay_result(const redisReply *reply, const char *digest);

int hilo_store_send(struct hilo_redis *r, const struct hilo_store_argv *a, hilo_redis_cb cb,
                    void *data);

/* ---- Plain commands -------------------------------------------------------
 * The typed ops that are not scripts (store_outbox.h, ...) build one Redis
 * command into this struct on the caller's stack: argv points into the
 * struct's own storage or into the op's borrowed strings. */
#define HILO_STORE_CMD_MAX 48
struct hilo_store_cmd {
    int argc;
    const char *argv[HILO_STORE_CMD_MAX];
    size_t lens[HILO_STORE_CMD_MAX];
    char key[2][400];        /* keys built from keys.c */
    char val[320];           /* a composed value ("<ref> <event id>") */
    char num[2][24];
};
/* Sends a built command (async rule of redis.h). */
int hilo_store_cmd_send(struct hilo_redis *r, const struct hilo_store_cmd *c, hilo_redis_cb cb,
                        void *data);

/* ---- Transactions: the one MULTI builder -----------------------------------
 * struct hilo_tx tx;
 * hilo_tx_begin(&tx, redis);
 * hilo_tx_add(&tx, 3, (const char *[]){"SADD", key, member}, NULL);
 * hilo_tx_add_argv(&tx, &create);
 * rc = hilo_tx_commit(&tx, cb, data);   // cb gets the EXEC reply
 * Adds after a failure are skipped; commit then returns the first error
 * (after a DISCARD if MULTI went out) and cb never runs. Otherwise cb runs
 * once, with the EXEC array (elements in the order added) or NULL. */
struct hilo_tx {
    struct hilo_redis *r;
    int rc;
    int open;                /* MULTI sent */
    int count;               /* commands queued */
};
void hilo_tx_begin(struct hilo_tx *tx, struct hilo_redis *r);
int hilo_tx_add(struct hilo_tx *tx, int argc, const char **argv, const size_t *lens);
int hilo_tx_add_argv(struct hilo_tx *tx, const struct hilo_store_argv *a);
int hilo_tx_add_cmd(struct hilo_tx *tx, const struct hilo_store_cmd *c);
int hilo_tx_commit(struct hilo_tx *tx, hilo_redis_cb cb, void *data);

#endif
