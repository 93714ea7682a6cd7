/* Private to src/domain: the structures the domain modules share and the
 * functions they call in each other. Nothing outside src/domain includes it;
 * the public entry points stay in include/hilo/server.h. */
#ifndef HILO_DOMAIN_INTERNAL_H
#define HILO_DOMAIN_INTERNAL_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/redis.h"
#include "hilo/ref.h"
#include "hilo/server.h"
#include "hilo/session.h"

#define HISTORY_PAGE 500
#define MAX_DEFERRED 64
#define MAX_PENDING 4096

struct pend {
    struct pend *next;
    struct hilo_frame *f;
    uint64_t ms, seq;
};

struct hilo_watch {
    struct hilo_conn *conn;
    struct hilo_route *route;
    struct hilo_watch *rnext; /* in route */
    struct hilo_watch *cnext; /* in conn */
    uint64_t ms, seq;         /* last delivered event id */
    uint32_t syncing;         /* catch-ups in flight */
    uint8_t viewing;          /* an agent's ticket.open (presence) */
    struct pend *ph, *pt;
    uint32_t npend;
    uint8_t stale;            /* told "stale", not yet "fresh" (gap.c) */
    uint32_t gen;             /* which watch of this ticket it is: a sync started
                               * for an earlier one never touches it */
    uint8_t proven;           /* the socket may hear this ticket's customer-only
                               * news (join codes, typing): its own, or a sync
                               * of it succeeded */
    uint64_t cms, cseq;       /* gap check: stream ids up to here were read */
};

struct hilo_route {
    struct hilo_route *next;
    uint32_t key;
    char ref[HILO_REF_MAX];
    struct hilo_watch *watches;
    uint64_t seen_ms, seen_seq; /* gap check: the stream's last id last time */
    uint8_t seen;
};

struct hilo_deferred {
    struct hilo_deferred *next;
    json_t *msg;
};

#define parse_id hilo_proto_parse_id
#define id_after hilo_proto_id_after

/* ---- dispatch.c: frame helpers ---- */

/* A string field of at most maxlen bytes: NULL when absent; sets *bad when
 * present but not a string or too long. */
const char *hilo_dispatch_str(json_t *msg, const char *name, size_t maxlen, int *bad);
/* Sends a JSON object as a frame (takes ownership of o). */
void hilo_dispatch_send_json(struct hilo_conn *c, json_t *o);
void hilo_dispatch_ok(struct hilo_conn *c, const char *req);
/* The frame's "ticket", normalised into ref: 0, or -HILO_EBADFRAME /
 * -HILO_EUNKNOWNTICKET. */
int hilo_dispatch_ticket(json_t *msg, char ref[HILO_REF_MAX]);

/* ---- live.c: routes and watches ---- */

enum sync_mode { SYNC_RESUME, SYNC_THREAD, SYNC_SILENT };

struct hilo_watch *hilo_live_watch_find(struct hilo_conn *c, const char *ref);
/* Finds or creates the watch of c on ref (NULL: out of memory). */
struct hilo_watch *hilo_live_watch_get(struct hilo_conn *c, const char *ref);
void hilo_live_watch_free(struct hilo_conn *c, struct hilo_watch *w);
/* Starts catching a watch up from `after` (an id, or "0"): 0, or -HILO_E*
 * (nothing started, no frame sent). Later errors are sent with req. */
int hilo_live_sync_start(struct hilo_conn *c, const char *ref, const char *after,
                         enum sync_mode mode, const char *req);
/* A silent catch-up of w from its last delivered id that, once done, marks
 * the stream read up to (cov_ms, cov_seq) (gap.c): 0 or -HILO_E*. */
int hilo_live_repair_start(struct hilo_watch *w, uint64_t cov_ms, uint64_t cov_seq);
/* The route of ref, NULL when nobody here watches it. */
struct hilo_route *hilo_live_route(struct hilo_server *s, const char *ref);
/* Calls f on every watch of the process. */
void hilo_live_each_watch(struct hilo_server *s, void (*f)(struct hilo_watch *w, void *d),
                          void *d);

/* ---- gap.c: stale / fresh and the periodic gap check ---- */

/* Tells w's connection that its ticket is not caught up ("stale"), once. */
void hilo_gap_stale(struct hilo_watch *w);
/* w has finished a catch-up: "fresh" if it was stale and live delivery is
 * whole again (the subscription up, no catch-up pending). */
void hilo_gap_caught_up(struct hilo_watch *w);

/* ---- presence.c ---- */

void hilo_presence_typing(struct hilo_conn *c, const char *ref, int state);
/* Tells the other agents watching ref that c opened (1) or left (0) it. */
void hilo_presence_viewing(struct hilo_conn *c, const char *ref, int viewing);

/* ---- session.c ---- */

/* Keeps a frame (reference taken) until the busy operation is over. */
void hilo_session_defer(struct hilo_conn *c, json_t *msg);
/* The operation that made the connection busy is over: replay what waited. */
void hilo_session_unbusy(struct hilo_conn *c);

/* ---- identity.c ---- */

/* Checks a signed identity; returns 0 and sets the out fields (borrowed from
 * id), or -HILO_E*. */
int hilo_identity_check(struct hilo_server *s, json_t *id, const char **user_id,
                        const char **name, const char **email);
void hilo_identity_new_token(char out[64]);

/* ---- ws_write.c: writes from a WebSocket (the write itself: tickets.c) ---- */

struct msg_op {
    struct hilo_conn *c;
    char *req;
    char *client_id;
    char *text;
    size_t text_len;
    char ref[HILO_REF_MAX];
    char op[12];
    char *channel;       /* agent replies: the channel asked for, or NULL */
    char *delivery;      /* delivery json for the outbox, or NULL (web) */
    json_t *entry;       /* outbox entry to queue with the event */
    json_t *template;    /* WhatsApp template {name, language, params} */
    char *extra;         /* customer messages: {"page","browser"} json, or NULL */
    json_t *route;       /* agent replies: where it went and why (reach.h), or NULL */
    char *held_to;       /* a WhatsApp number the reply is held for, or NULL */
    int rechecked;       /* customers: the identity's customer was read again */
};

/* Validates client_id and text: 0 and *out a new op (holding a reference on
 * c), or -HILO_E* (nothing sent). */
int hilo_msg_parse(struct hilo_conn *c, json_t *msg, const char *req, const char *kind,
                   struct msg_op **out);
void hilo_msg_free(struct msg_op *op);
/* Creates the customer's ticket with op's message (takes op; the session is
 * busy until the ticket exists). */
void hilo_ws_write_create(struct msg_op *op);
/* message / reply / note / resolve on op->ref (takes op). */
void hilo_ws_write_append(struct msg_op *op);

/* ---- tickets.c ---- */

/* Adds "ticket ref changed" for the webhook to an open transaction (the
 * outbox queues it on the connection the transaction is on). */
struct hilo_tx;
void hilo_tickets_tx_webhook(struct hilo_tx *tx, struct hilo_server *s, const char *ref);

/* ---- ws_customer.c / ws_agent.c: frame handlers (dispatch.h) ---- */

int hilo_ws_customer_hello(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_customer_message(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_customer_resume(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_customer_typing(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_customer_seen(struct hilo_conn *c, json_t *msg, const char *req);
/* {"type":"notify","channel":..}: status updates on a proven channel (notify.c) */
int hilo_ws_customer_notify(struct hilo_conn *c, json_t *msg, const char *req);

/* Sends the queue snapshot (req borrowed): 0, or -HILO_E* (nothing sent). */
int hilo_ws_agent_queue_snapshot(struct hilo_conn *c, const char *req);
void hilo_ws_agent_queue_unlink(struct hilo_conn *c);
int hilo_ws_agent_login_frame(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_auth_frame(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_queue_watch(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_queue_unwatch(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_open(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_close_ticket(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_reply(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_note(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_resolve(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_assign(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_status(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_tags(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_typing(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_delivery_retry(struct hilo_conn *c, json_t *msg, const char *req);
/* ws_holds.c: hold.approve / hold.reject {hold} (docs/continuity.md) */
int hilo_ws_agent_hold_approve(struct hilo_conn *c, json_t *msg, const char *req);
int hilo_ws_agent_hold_reject(struct hilo_conn *c, json_t *msg, const char *req);
/* A customer's resume: its own current case at once; another reference
 * only under the attempt limits (-HILO_ERATE otherwise, sent with req). */
int hilo_ws_customer_resume_checked(struct hilo_conn *c, const char *ref, const char *after,
                                    const char *req);
/* A customer's resume was refused (unknown_ticket): counts the attempt. */
void hilo_ws_customer_resume_refused(struct hilo_conn *c);

/* ---- tickets.c / thanks.c: the acknowledgement after a resolution ---- */

#include "hilo/tickets.h"
/* hilo_tickets_append without the acknowledgement check (same contract). */
int hilo_tickets_append_now(struct hilo_server *s, const struct hilo_ticket_append *req,
                            hilo_tickets_cb cb, void *data);
/* 1 if req is a customer's message that may be a short acknowledgement of a
 * resolved ticket (hilo_csat_is_ack) and the window is on. */
int hilo_thanks_candidate(struct hilo_server *s, const struct hilo_ticket_append *req);
/* Reads the ticket's status and resolution time, then appends req as a
 * quiet "thanks" (resolved within thanks_window_minutes) or as the message
 * it is. Same contract as hilo_tickets_append; req is copied. */
int hilo_thanks_append(struct hilo_server *s, const struct hilo_ticket_append *req,
                       hilo_tickets_cb cb, void *data);

/* ---- hours_widget.c: business hours for the widget (docs/protocol.md) ---- */

struct hilo_sla_team;
/* {open, always, now, next_open, next_close, refresh_at, eta_minutes, tz,
 * team, text} of team at now, text in lang; NULL for an unknown time zone. */
json_t *hilo_hours_widget_json(const struct hilo_sla_team *t, const char *lang, int eta,
                               uint64_t now);
/* Reads the teams (and the current ticket's team) and sends
 * {"type":"hours","hours":{..}} (req echoed; errors only when req is set). */
void hilo_hours_widget_send(struct hilo_conn *c, const char *req);
/* {"type":"hours"}: the hours again (the widget asks at refresh_at). */
int hilo_ws_customer_hours(struct hilo_conn *c, json_t *msg, const char *req);
/* A ticket summary (the events channel's T line) for route: its customers'
 * open widgets whose hours were of another team (the ticket moved, or
 * closed: the default team's) get the hours again, now. */
void hilo_hours_widget_on_ticket(struct hilo_route *route, const char *summary, size_t len);
/* "-\n<kind><team>\n" on the events channel (S: team settings, H: SLA
 * settings); -HILO_EINTERNAL for a bad team name. team_settings.c. */
int hilo_team_line_publish(struct hilo_server *s, char kind, const char *team);
/* An H line from the events channel (the line after 'H'). */
void hilo_hours_widget_on_change(struct hilo_server *s, const char *line, size_t len);

#endif
