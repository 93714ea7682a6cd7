/* The durable outbox: messages for providers wait in a Redis stream read by
 * a consumer group, so any instance sends them and a crash loses nothing
 * (at-least-once). Retries wait in a sorted set; the hopeless go to the dead
 * letters, from where an agent can send them again. See docs/delivery.md. */
#ifndef HILO_OUTBOX_H
#define HILO_OUTBOX_H

#include <jansson.h>
#include <uv.h>

#include "hilo/outbound_route.h"

struct hilo_config;
struct hilo_outbox;
struct hilo_redis;

/* What the outbox works with; all borrowed for the outbox's life. */
struct hilo_outbox_deps {
    uv_loop_t *loop;
    struct hilo_redis *redis;       /* the commands connection callers MULTI on */
    const struct hilo_config *cfg;
    const char *events_channel;     /* pub/sub channel delivery updates go to */
    const char *instance;           /* this process's id; names its consumer */
};

/* Starts the worker (a timer on d->loop); d is copied. NULL on failure. */
struct hilo_outbox *hilo_outbox_start(const struct hilo_outbox_deps *d);
/* Stops the worker, aborts the sends in flight (they are claimed again
 * later), frees o, then done(data). */
void hilo_outbox_close(struct hilo_outbox *o, void (*done)(void *), void *data);
/* The outbox's HTTP client, for other requests to providers (media). */
struct hilo_fetch *hilo_outbox_fetcher(struct hilo_outbox *o);
/* Sends XADD of entry's string members (no callback: for use inside the
 * caller's MULTI on d->redis). */
int hilo_outbox_add(struct hilo_outbox *o, json_t *entry);
/* With a webhook configured, sends XADD of "ticket ref changed" (no
 * callback: for use inside the MULTI that writes the events). 0 otherwise. */
int hilo_outbox_add_webhook(struct hilo_outbox *o, const char *ref);
/* WhatsApp reported a free-form message it had accepted failed with 131047
 * (its window closed after all): the entry kept for it (obx) goes back in
 * the outbox as its late template (hilo_route_plan_entry), its delivery
 * queued again with the route "wa_template_late" and "replaced":
 * provider_id. A status about a replaced send is stale. cb(rc, data) runs
 * once unless an error is returned: 1 sent again, or stale (nothing to
 * report), 0 report the failure (no late template, the template's own
 * failure, no kept entry), -HILO_EUNAVAIL. */
int hilo_outbox_late_template(struct hilo_outbox *o, const char *ref, const char *event_id,
                              const char *provider_id, void (*cb)(int rc, void *data),
                              void *data);
/* Puts a dead letter back in the outbox. cb(err, data) runs once unless an
 * error is returned; -HILO_EBADSTATE when (ref, event_id) is no dead letter. */
int hilo_outbox_requeue(struct hilo_outbox *o, const char *ref, const char *event_id,
                        void (*cb)(int err, void *data), void *data);
/* A permanent failure a provider reported after accepting the message (a
 * status callback: WhatsApp "failed", Twilio "failed"/"undelivered"):
 * the delivery becomes failed with error, an internal 'undelivered' event
 * reaches the agents, the ticket waits again (resolved or pending ->
 * open), and the message becomes a dead letter (docs/delivery.md). Once per
 * failure. cb(err, data) (may be NULL) runs once unless an error is
 * returned: 0, or -HILO_EUNAVAIL. */
struct hilo_redis;
int hilo_outbox_undelivered(struct hilo_redis *r, const char *events_channel, const char *ref,
                            const char *event_id, const char *error,
                            void (*cb)(int err, void *data), void *data);
/* A message the provider delivered (or the customer read): it can no
 * longer fail, so the entry kept for its dead letter is dropped. Fire and
 * forget. */
void hilo_outbox_settled(struct hilo_redis *r, const char *ref, const char *event_id);

#endif
