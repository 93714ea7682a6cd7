/* Status updates on the customer's channel (issue #10, docs/continuity.md
 * "Status updates"): a customer opts in over hilo.customer.v1 ("notify"
 * frame) to hear on WhatsApp, SMS or email when their case is in
 * progress, waits on them, or is resolved. Only over a proven identity:
 * the channel is planned as a pinned route (route_plan.h) both when the
 * customer opts in and at every send. src/domain/notify.c. */
#ifndef HILO_NOTIFY_H
#define HILO_NOTIFY_H

#include <stddef.h>

struct hilo_server;

/* The ticket ref changed to state ("in_progress", "pending", "resolved")
 * with event_id: when the customer opted in, the short text goes out on
 * their channel through the outbox, recorded as an agents-only note with
 * "notice" and "route". sent_on: the channel the change itself went out
 * on (a resolution's), or NULL: nothing more is sent there. Fire and
 * forget. */
void hilo_notify_status(struct hilo_server *s, const char *ref, const char *state,
                        const char *event_id, const char *sent_on);

/* ---- pure part (tests/unit) ------------------------------------------------ */
/* The update in lang ("es"/"en") for state, with the reference; "" for an
 * unknown state. */
void hilo_notify_text(const char *lang, const char *state, const char *ref, char *out, size_t n);
/* 1 for "whatsapp", "sms", "email"; 0 otherwise. */
int hilo_notify_channel_ok(const char *channel);

#endif
