/* The hub: one process's state (routing of live events, Redis clients) and
 * the domain's entry points. Everything runs on one libuv loop. The network
 * layer does not include this: it reaches the domain only through the
 * WebSocket ops registered in domain/ws_register.c. */
#ifndef HILO_SERVER_H
#define HILO_SERVER_H

#include <stdint.h>
#include <uv.h>

#include "hilo/config.h"
#include "hilo/conn.h"
#include "hilo/rate.h"
#include "hilo/reap.h"
#include "hilo/ref.h"
#include "hilo/hours.h"

struct hilo_net;
struct hilo_redis;
struct hilo_watch;
struct hilo_route;
struct hilo_deferred;
struct hilo_outbox;
struct hilo_ref_waiter;

enum hilo_role { HILO_ROLE_CUSTOMER = 1, HILO_ROLE_AGENT = 2 };

struct hilo_server {
    uv_loop_t *loop;
    struct hilo_config *cfg;
    struct hilo_redis *redis;
    struct hilo_redis *sub;
    struct hilo_outbox *outbox;
    char events_channel[128];
    char instance[24];
    struct hilo_route **routes; /* hash: ref -> watches */
    uint32_t nroutes;           /* buckets, power of two */
    struct hilo_conn *qw_head;  /* agents watching the queue */
    /* reference pool (reserved in Redis ahead of need) */
    char pool[64][HILO_REF_MAX];
    struct hilo_ref_waiter *ref_waiters, *ref_waiters_tail;
    int npool;
    int pool_filling;
    int timers_busy;
    uv_timer_t timers;
    struct hilo_reap reap; /* connections freed at the end of the turn (net borrows it) */
    struct hilo_net *net;  /* where the domain's subprotocols are registered */
    uint64_t identity_secret_len;
    /* live gap check (domain/gap.c) */
    uint64_t gap_last;  /* hilo_mono_ms of the last check */
    int gap_inflight;   /* transactions of the check in flight */
    uint64_t timers_leased; /* score the timers taken last were leased with (sla_timer.c) */
    /* whether any stored team has an SLA target (sla_timer.c) */
    int sla_known, sla_stored_targets, sla_refreshing;
    uint64_t sla_checked_ms;
    int reach_busy;     /* routing timers being taken (domain/reach_timers.c) */
    /* the default team's calendar as last read with the teams (sla_timer.c):
     * options with the stored "default" over them; for the acknowledgement */
    int sla_default_known;
    struct hilo_calendar sla_default_cal;
};

int hilo_server_init(struct hilo_server *s, uv_loop_t *loop, struct hilo_config *cfg,
                     const char *redis_url);
void hilo_server_deinit(struct hilo_server *s);
/* Closes the server's own uv handles (at shutdown). */
void hilo_server_stop_timers(struct hilo_server *s);

/* Registers the customer and agent subprotocols (domain/ws_register.c). */
int hilo_domain_ws_register(struct hilo_net *n, struct hilo_server *s);
/* Agent connected with a session cookie (hilo_sess(c)->cookie). */
void hilo_conn_cookie_auth(struct hilo_conn *c);

/* The agent and session part (domain/agents.c). */
struct json_t;
void hilo_agent_login(struct hilo_conn *c, const char *name, const char *password, const char *req);
void hilo_agent_auth(struct hilo_conn *c, const char *token, const char *req);

/* Live routing of published events (domain/hub.c). */
void hilo_live_on_message(struct hilo_server *s, const char *payload, size_t len);
void hilo_live_resync(struct hilo_server *s);
/* GET /metrics (domain/metrics.c); ctx: the server. */
struct hilo_http;
void hilo_metrics_serve(void *ctx, struct hilo_http *r);
/* Stale frames and the gap check (domain/gap.c). */
/* Every watch is stale (the subscription was lost). */
void hilo_live_stale_all(struct hilo_server *s);
/* Runs the gap check when its period has passed (from the server's tick). */
void hilo_live_gap_tick(struct hilo_server *s);
/* Stale tickets (routes with a stale watch) and watches, for /metrics. */
void hilo_live_stale_counts(struct hilo_server *s, uint64_t *tickets, uint64_t *watches);
void hilo_refpool_fill(struct hilo_server *s);
/* Takes a reserved, unused reference from the pool: 0, or -1 when empty. */
int hilo_refpool_take(struct hilo_server *s, char out[HILO_REF_MAX]);
/* Runs fn(data) once the pool has a reference again (or once refilling
 * failed: then hilo_refpool_take fails again and fn reports it). */
void hilo_refpool_when(struct hilo_server *s, void (*fn)(void *data), void *data);
void hilo_refpool_drain(struct hilo_server *s, int all);
/* Takes due durable timers from Redis and fires them (follow-ups). */
void hilo_followup_tick(struct hilo_server *s);
/* One parsed frame (msg borrowed) from a connection. */
void hilo_dispatch_frame(struct hilo_conn *c, struct json_t *msg, const char *type, const char *req);
/* The connection is closing: forget its watches and deferred frames. */
void hilo_session_gone(struct hilo_conn *c);
/* Marks an operation that must finish before later frames are processed. */
void hilo_session_busy(struct hilo_conn *c, int busy);
/* An identity as agents see it ("web", "email:bob@x.com"). */
struct json_t *hilo_identity_json(const char *identity);

#endif
