/* The durable outbox: messages for providers wait in a Redis stream read by
 * a consumer group, so any instance sends them and a crash loses nothing
 * (at-least-once). Retries wait in a sorted set; the hopeless go to the dead
 * letters, from where an agent can send them again. See docs/delivery.md. */
#ifndef HILO_OUTBOX_H
#define HILO_OUTBOX_H

#include <jansson.h>

struct hilo_server;
struct hilo_outbox;

/* Ticket fields a reply's route depends on, in the order hilo_outbox_route
 * expects them (HMGET). */
extern const char *const hilo_outbox_ticket_fields[];
#define HILO_OUTBOX_NFIELDS 10

struct hilo_outbox *hilo_outbox_new(struct hilo_server *s);
void hilo_outbox_close(struct hilo_outbox *o, void (*done)(void *), void *data);

/* Where a message for the customer goes: `want` is the channel asked for
 * (NULL: the customer's last channel). Returns 0 with *entry (outbox fields,
 * caller owns) and *delivery (json, caller frees) when a provider must carry
 * it; 0 with both NULL for the web; -HILO_EBADSTATE when `want` cannot reach
 * the customer. fields: the values of hilo_outbox_ticket_fields ("" when
 * unset). */
int hilo_outbox_route(struct hilo_server *s, const char *want,
                      const char *const fields[HILO_OUTBOX_NFIELDS], const char *ref,
                      const char *key, const char *text, json_t **entry, char **delivery);
/* The outbox's HTTP client, for other requests to providers (media). */
struct hilo_fetch *hilo_outbox_fetcher(struct hilo_outbox *o);
/* Is a provider channel configured? */
int hilo_outbox_channel_ok(struct hilo_server *s, const char *channel);
/* Sends XADD of entry (no callback: for use inside MULTI). */
int hilo_outbox_queue(struct hilo_server *s, json_t *entry);
/* With a webhook configured, sends XADD of "ticket ref changed" (no
 * callback: for use inside the MULTI that writes the events). 0 otherwise. */
int hilo_outbox_webhook(struct hilo_server *s, const char *ref);
/* Puts a failed delivery back in the outbox. cb(err, data) runs once unless
 * an error is returned. */
int hilo_outbox_retry(struct hilo_server *s, const char *ref, const char *event_id,
                      void (*cb)(int err, void *data), void *data);

#endif
