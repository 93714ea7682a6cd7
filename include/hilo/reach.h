/* Reaching the customer at send time (docs/continuity.md "Routing at send
 * time"): reads what the route depends on (the ticket's addresses, the
 * customer's identity evidence, blocked identities, the widget sockets of
 * the ticket on every instance, the WhatsApp window) and plans the route
 * (include/hilo/route_plan.h); keeps the widget sockets, the WhatsApp
 * windows and held replies in Redis; sends unread web replies and window
 * nudges from durable timers. src/domain/reach.c, reach_timers.c. */
#ifndef HILO_REACH_H
#define HILO_REACH_H

#include <jansson.h>
#include <stdint.h>

#include "hilo/outbound_route.h"
#include "hilo/route_plan.h"

struct hilo_server;
struct hilo_conn;

/* Ticket fields read besides hilo_outbox_ticket_fields, in this order. */
enum { HILO_REACH_F_CUSTOMER = HILO_OUTBOX_NFIELDS, HILO_REACH_F_NAME, HILO_REACH_F_SEEN,
       HILO_REACH_F_STATUS, HILO_REACH_NFIELDS };

struct hilo_reach_req {
    const char *ref;
    const char *want;          /* pinned channel, or NULL */
    const char *category;      /* "update", "resolution", "nudge" */
    int explicit_template;
    int no_web;
};

/* What the callback gets; valid during the callback only. */
struct hilo_reach_result {
    int err;                   /* 0, or -HILO_E* (unknown ticket, Redis, the plan's) */
    struct hilo_route_plan plan;
    const char *const *fields; /* HILO_REACH_NFIELDS values ("" unset) */
    json_t *route;             /* hilo_route_plan_json */
};
typedef void (*hilo_reach_cb)(const struct hilo_reach_result *r, void *data);

/* 0: cb will run (once); -HILO_E*: it will not. req is copied. */
int hilo_reach_resolve(struct hilo_server *s, const struct hilo_reach_req *req, hilo_reach_cb cb,
                       void *data);

/* A customer's socket shows its current ticket: listed as connected for
 * 75 s, refreshed (at most every 20 s) by its frames and pings. */
void hilo_reach_online_touch(struct hilo_conn *c);
/* The socket is gone: no longer listed. */
void hilo_reach_online_gone(struct hilo_conn *c);

/* An agent's reply or resolution was stored as event_id: a held WhatsApp
 * reply is kept for the number's next message; a web one gets its unread
 * timer (unread_minutes). route: the event's route json (borrowed). */
void hilo_reach_after_write(struct hilo_server *s, const char *ref, const char *event_id,
                            json_t *route, const char *held_to, const char *text,
                            const char *category);

/* An inbound message was stored on ref: a WhatsApp one (re)opens its
 * number's window, sends what was held for it, and arms the nudge. */
void hilo_reach_on_inbound(struct hilo_server *s, const char *channel, const char *from,
                           const char *ref);

/* The customer's widget has shown the thread up to event_id. */
void hilo_reach_seen(struct hilo_server *s, const char *ref, const char *event_id);

/* The window nudge (reach_nudge.c): arms (moves) the number's timer, and
 * fires it (member "nudge:<number>"). */
void hilo_reach_nudge_arm(struct hilo_server *s, const char *number);
void hilo_reach_fire_nudge(struct hilo_server *s, const char *member);

/* Fires due routing timers (unread web replies, nudges); called with the
 * follow-up timers. */
void hilo_reach_tick(struct hilo_server *s);

#endif
