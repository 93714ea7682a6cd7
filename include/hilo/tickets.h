/* The one write path to tickets (src/domain/tickets.c): creating a ticket,
 * appending an event (message, reply, note, resolve, call, voicemail),
 * assigning it and changing its status. The WebSocket frames, the REST API
 * and the provider webhooks all call these; what every write shares
 * (reference from the pool, acknowledgement, customer link and identity
 * indexes, queue index, outbox entry and webhook in the same transaction)
 * happens here only. What one caller needs besides (an answer, a dedupe
 * mark, a new ticket when the current one is closed) it does in its
 * callback. */
#ifndef HILO_TICKETS_H
#define HILO_TICKETS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hilo/ref.h"
#include "hilo/store.h"

struct hilo_server;

/* What a write did. Strings are valid during the callback only. */
struct hilo_ticket_result {
    int err;                  /* 0, or -HILO_E* (then only ref is meaningful) */
    const char *ref;          /* the ticket ('' if no reference was taken) */
    const char *event_id;     /* the new event; append duplicate: the earlier one */
    const char *ack_event_id; /* create: the acknowledgement's event */
    const char *ack_text;     /* create: the acknowledgement's text */
    int duplicate;            /* append: the client_id was seen; nothing written */
    const char *status;       /* append / set: the status after ('' = unknown) */
    int maybe_stored;         /* -HILO_EUNAVAIL after the write went to Redis and
                               * no answer came: it may be stored (and is then
                               * published); resending with the same client_id
                               * is safe */
};

/* Runs once per accepted write, possibly before the call that started it
 * returns. */
typedef void (*hilo_tickets_cb)(const struct hilo_ticket_result *res, void *data);

#define HILO_TICKETS_MAX_IDENTS 4
#define HILO_TICKETS_MAX_FIELDS 16

/* The customer a write links the ticket to: the customer record (CUST),
 * ident:<identity> -> id unless taken, the customer's identity set, and the
 * email search index. NULL strings mean "" (unchanged). */
struct hilo_ticket_customer {
    const char *id;           /* required */
    const char *name, *email, *locale;
    const char *identities[HILO_TICKETS_MAX_IDENTS]; /* NULL-terminated early */
    /* How the identities were proven (docs/continuity.md): NULL = by their
     * kind (hilo_identity_evidence_default), kept if recorded before;
     * "code" or "agent" (by whom: evidence_by) replace an earlier record. */
    const char *evidence, *evidence_by;
};

/* A new ticket with its first event and the acknowledgement. */
struct hilo_ticket_create {
    const char *channel;      /* "web", "api", "whatsapp", "voice", ... */
    const char *text;
    size_t text_len;          /* 0: strlen(text) */
    const char *dedupe;       /* "c:<customer>:<client id>", "p:<provider>:<id>" */
    const char *client_id;    /* NULL or '' = no dedupe entry */
    const char *locale;       /* the ticket's, and the acknowledgement's language */
    const char *extra;        /* JSON merged into the first event (NULL = none) */
    const char *kind;         /* NULL = "message", or "call" */
    const char *fields[HILO_TICKETS_MAX_FIELDS]; /* ticket field, value pairs */
    int nfields;
    /* The acknowledgement also goes back on the channel these outbox fields
     * route to (hilo_route_entry); NULL: it is shown on the web only. */
    const char *const *ack_route;
    struct hilo_ticket_customer customer; /* customer.name is also the ticket's */
    /* The reference is taken, nothing is written yet: a non-zero return
     * cancels the write (cb gets it as err). NULL: nothing to do. */
    int (*before)(const char *ref, void *data);
};

/* Takes a reference from the pool (waiting for it once), then writes the
 * ticket in one transaction. 0: cb will run; -HILO_E*: the request is
 * invalid (-HILO_EBADFRAME, -HILO_EINTERNAL) and cb will not run. The
 * request is copied: nothing needs to outlive the call. */
int hilo_tickets_create(struct hilo_server *s, const struct hilo_ticket_create *req,
                        hilo_tickets_cb cb, void *data);

/* An event on an existing ticket. */
struct hilo_ticket_append {
    const char *ref;
    enum hilo_append_op op;
    const char *channel;
    const char *role;         /* "customer", "agent" */
    const char *author_id;    /* '' for a customer = the ticket's customer */
    const char *author_name;
    const char *text;
    size_t text_len;          /* 0: strlen(text) */
    const char *dedupe;
    const char *client_id;    /* NULL or '' = no dedupe */
    const char *extra;        /* JSON merged into the event */
    const char *customer;     /* the ticket must be this customer's (NULL = any) */
    const char *delivery;     /* delivery JSON of the event (NULL = none) */
    const char *const *fields; /* ticket field, value pairs to set */
    int nfields;
    json_t *entry;            /* outbox entry queued with the event (borrowed), or NULL */
    const struct hilo_ticket_customer *link; /* link the sender (NULL = no) */
};

/* Writes the event, the queue index (a message reopens: listed; resolve:
 * not listed), the customer link, the outbox entry and the webhook in one
 * transaction. Errors of the script come as res->err: -HILO_EUNKNOWNTICKET,
 * -HILO_EFORBIDDEN (another customer's), -HILO_EBADSTATE (closed). 0: cb
 * will run; -HILO_E*: invalid, or nothing could be sent (-HILO_EUNAVAIL);
 * cb will not run. Nothing needs to outlive the call. */
int hilo_tickets_append(struct hilo_server *s, const struct hilo_ticket_append *req,
                        hilo_tickets_cb cb, void *data);

/* Assignment or status change. */
struct hilo_ticket_set {
    const char *ref;
    const char *value;        /* assign: the agent ('' = nobody); status: open, pending, closed */
    const char *author_id, *author_name;
    const char *team;         /* assign */
    uint64_t follow_up_ms;    /* status pending: when it reopens (0 = never) */
    const char *reason;       /* status closed: "spam", "duplicate" or "other" (NULL = none) */
};
/* Same contract as hilo_tickets_append; res->event_id is '' when nothing
 * changed. */
int hilo_tickets_assign(struct hilo_server *s, const struct hilo_ticket_set *req,
                        hilo_tickets_cb cb, void *data);
int hilo_tickets_set_status(struct hilo_server *s, const struct hilo_ticket_set *req,
                            hilo_tickets_cb cb, void *data);
/* Labels (issue #13): req->value is the whole list, comma-joined by
 * hilo_tickets_tags_join ('' = none). */
int hilo_tickets_set_tags(struct hilo_server *s, const struct hilo_ticket_set *req,
                          hilo_tickets_cb cb, void *data);
#define HILO_TAGS_COUNT 10  /* tags per ticket */
#define HILO_TAGS_MAX 340   /* bytes of the comma-joined list */
/* tags[0..n): 1-32 bytes each, no ',', spaces or control characters; ASCII
 * letters lower-cased, duplicates dropped, at most HILO_TAGS_COUNT. Writes
 * "a,b" to out: 0, or -HILO_EBADFRAME. */
int hilo_tickets_tags_join(const char *const *tags, size_t n, char *out, size_t cap);

/* ---- The pure part (no Redis; tests/unit/test_tickets.c) ----------------- */

/* Checks a request: 0 or -HILO_EBADFRAME (missing text, customer,
 * channel, odd fields, too many) . */
int hilo_tickets_create_check(const struct hilo_ticket_create *req);
/* The CREATE op for req on ref with the acknowledgement ack. */
void hilo_tickets_create_op(const struct hilo_ticket_create *req, const char *chan,
                            const char *ref, const char *ack, int eta_minutes,
                            const char *ack_delivery, struct hilo_store_create *out);
/* Checks req and builds its APPEND op: 0 or -HILO_EBADFRAME. */
int hilo_tickets_append_op(const struct hilo_ticket_append *req, const char *chan,
                           struct hilo_store_append *out);
/* Checks req and builds its SET op: 0 or -HILO_EBADFRAME. */
int hilo_tickets_set_op(const struct hilo_ticket_set *req, enum hilo_set_op op,
                        const char *chan, struct hilo_store_set *out);

/* How the queue index (open and pending tickets) follows a write. */
enum hilo_tickets_index { HILO_TICKETS_INDEX_KEEP, HILO_TICKETS_INDEX_ADD, HILO_TICKETS_INDEX_REMOVE };
enum hilo_tickets_index hilo_tickets_index_after_append(enum hilo_append_op op);
enum hilo_tickets_index hilo_tickets_index_after_set(enum hilo_set_op op, const char *value);

#endif
