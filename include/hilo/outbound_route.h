/* Which channel a message for the customer goes out on: a pure decision
 * over the ticket's fields and the configuration (unit tested in
 * tests/unit/test_outbox_route.c), and the outbox entry it makes. See
 * docs/delivery.md "Replies go out through the outbox". */
#ifndef HILO_OUTBOUND_ROUTE_H
#define HILO_OUTBOUND_ROUTE_H

#include <jansson.h>

struct hilo_config;
struct hilo_channel_ops;

/* Ticket fields a reply's route depends on, in the order the route
 * functions expect them (HMGET). */
extern const char *const hilo_outbox_ticket_fields[];
#define HILO_OUTBOX_NFIELDS 10

struct hilo_route_choice {
    const char *channel; /* "whatsapp", "sms" or "email"; NULL: the web carries it */
    const char *to;      /* the address, borrowed from fields */
    const char *via;     /* "cloud" or "twilio" for WhatsApp, "" otherwise */
    const struct hilo_channel_ops *ops; /* the row that sends it; NULL for the web */
};

/* Is a provider channel configured? */
int hilo_route_channel_ok(const struct hilo_config *c, const char *channel);
/* want: the channel asked for ("" or NULL: the customer's last channel;
 * voice falls back to SMS). fields: the values of hilo_outbox_ticket_fields
 * (NULL or "" when unset). 0 and *r filled (r->channel NULL for the web);
 * -HILO_EBADFRAME for an unknown channel asked for, -HILO_EBADSTATE for one
 * that cannot reach the customer. Without `want` both fall back to the web. */
int hilo_route_decide(const struct hilo_config *c, const char *want,
                      const char *const fields[HILO_OUTBOX_NFIELDS], struct hilo_route_choice *r);
/* hilo_route_decide, then the outbox entry and its delivery record: 0 with
 * *entry (outbox fields, caller owns) and *delivery (json, caller frees)
 * when a provider must carry it; 0 with both NULL for the web. */
int hilo_route_entry(const struct hilo_config *c, const char *want,
                     const char *const fields[HILO_OUTBOX_NFIELDS], const char *ref,
                     const char *key, const char *text, json_t **entry, char **delivery);

/* The outbox entry and delivery record of a message on row ops to `to`
 * (hilo_route_entry after its decision): 0, or -HILO_EINTERNAL. */
int hilo_route_entry_for(const struct hilo_config *c, const struct hilo_channel_ops *ops,
                         const char *to, const char *const fields[HILO_OUTBOX_NFIELDS],
                         const char *ref, const char *key, const char *text, json_t **entry,
                         char **delivery);

/* The identity a message on channel ch to address `to` reaches, as
 * inbound messages name it ("phone:+34…", "email:…"): what a block names
 * (docs/continuity.md). 0, or -1 when it does not fit in n. */
int hilo_route_identity(const char *ch, const char *to, char *out, size_t n);

#endif
