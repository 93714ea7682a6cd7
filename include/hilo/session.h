/* The domain half of a WebSocket connection (src/domain/session.c): who is
 * on the other end, what it watches, its message rate, and frames waiting
 * for an operation that decides their meaning. It is what the domain's
 * open hook (domain/ws_register.c) gives the net; struct hilo_conn
 * (transport) points at it opaquely. It lives exactly as long as the
 * connection and is freed with it at the end of the loop turn (reap.h, the
 * ops' free hook), so a Redis reply that arrives after the socket closed
 * may still read it (check c->wsi before acting). */
#ifndef HILO_SESSION_H
#define HILO_SESSION_H

#include <stdint.h>

#include <stddef.h>

#include "hilo/rate.h"
#include "hilo/ref.h"
#include "hilo/server.h"

struct hilo_watch;
struct hilo_deferred;

struct hilo_session {
    struct hilo_conn *conn;
    uint8_t role;        /* enum hilo_role */
    uint8_t ready;       /* customer: hello done; agent: authenticated */
    uint8_t busy;        /* hello/login/first ticket in flight */
    uint8_t admin;
    uint8_t queue_watch;
    char *id;            /* customer id, or agent name */
    char *name;          /* display name */
    char *email;
    char *ident;         /* customer: "web:<hash>" of the visitor token */
    char *token;         /* customer: the visitor token */
    char *cookie;        /* agent: session token from the upgrade's Cookie */
    char ip[46];         /* the client's address (trusted proxies resolved): login throttling */
    struct hilo_rate rate; /* frames per second (msg_rate, msg_burst) */
    char locale[4];
    char ticket[HILO_REF_MAX]; /* customer: current ticket */
    uint64_t sess_exp_ms;
    struct hilo_watch *watches;
    struct hilo_conn *qw_prev, *qw_next; /* agents watching the queue */
    /* Frames that arrived while an operation that decides their meaning
     * (hello, login, creating the first ticket) was in flight. */
    struct hilo_deferred *def_head, *def_tail;
    uint32_t ndef;
    /* customer: the ticket its socket is listed on as connected (reach.c) */
    char online_ref[HILO_REF_MAX];
    uint64_t online_at;
    /* customer: the team of the last hours frame ("default" or a name; ""
     * before the first): a move to another team re-sends it (hours_widget.c) */
    char hours_team[65];
    /* customer: the signed identity ("user:<id>") a hello in flight claims,
     * so that a block published meanwhile closes it too (revoke.c) */
    char *hello_ident;
    uint8_t rechecking; /* customer: a hilo_identity_recheck is in flight */
};

/* A new session for c (role: enum hilo_role), attached as c->session, or
 * NULL. Its rate bucket starts empty: hilo_rate_init it. */
struct hilo_session *hilo_session_new(struct hilo_conn *c, int role);
/* Frees a session (what hilo_session_gone left: strings, the struct). */
void hilo_session_free(void *session);
/* The ops' message hook: one complete text frame from the client, parsed,
 * rate limited and dispatched (hilo_dispatch_frame). */
void hilo_session_message(void *session, const char *data, size_t len);
/* The ops' closed hook: hilo_session_gone on the session's connection. */
void hilo_session_closed(void *session);
/* A message the net refused (binary, too large): counted, then answered. */
void hilo_session_refused(void *session, int err);

static inline struct hilo_session *hilo_sess(const struct hilo_conn *c)
{
    return (struct hilo_session *)c->session;
}

#endif
