/* The hub: one process's state (connections, routing of live events, Redis
 * clients) and the entry points the network layer calls. Everything runs on
 * one libuv loop. */
#ifndef HILO_SERVER_H
#define HILO_SERVER_H

#include <stdint.h>
#include <uv.h>

#include "hilo/config.h"
#include "hilo/rate.h"
#include "hilo/reap.h"
#include "hilo/ref.h"

struct lws;
struct lws_context;
struct hilo_redis;
struct hilo_watch;
struct hilo_route;
struct hilo_deferred;
struct hilo_outbox;
struct hilo_ref_waiter;

/* A frame ready to send, shared by all its recipients (refcounted). The
 * payload starts at buf + LWS_PRE so lws can write the header in front. */
struct hilo_frame {
    uint32_t refs;
    uint32_t len;
    unsigned char buf[];
};

struct hilo_frame *hilo_frame_new(const char *data, size_t len);
void hilo_frame_unref(struct hilo_frame *f);
unsigned char *hilo_frame_data(struct hilo_frame *f);

enum hilo_role { HILO_ROLE_CUSTOMER = 1, HILO_ROLE_AGENT = 2 };

struct hilo_qnode {
    struct hilo_qnode *next;
    struct hilo_frame *f;
};

/* One WebSocket connection. Owned by the server; lws's per-session data
 * points at it from ESTABLISHED to CLOSED. Async operations hold a reference
 * so a reply that arrives after the socket closed finds wsi == NULL. The
 * last reference frees it at the end of the loop turn (reap.h), so code may
 * still read it after dropping its own reference, until it returns. */
struct hilo_conn {
    struct lws *wsi;
    struct hilo_server *srv;
    uint32_t refs;
    uint32_t serial;
    uint8_t closing;
    uint8_t close_sent;
    uint16_t close_code;
    /* receive */
    char *rx;
    uint32_t rx_len;
    uint32_t rx_total;   /* bytes of the current message, kept or not */
    /* send */
    struct hilo_qnode *q_head, *q_tail;
    uint32_t q_len;
    struct hilo_rate rate;
    /* agent: session token from the upgrade's cookie (set by ws.c) */
    char *cookie;
    struct hilo_conn *all_prev, *all_next; /* every connection */
    struct hilo_reap_node reap;
    /* The domain's state for this connection (struct hilo_session), freed
     * with the connection by session_free. */
    void *session;
    void (*session_free)(void *session);
};

struct hilo_server {
    uv_loop_t *loop;
    struct hilo_config *cfg;
    struct lws_context *lws;
    struct hilo_redis *redis;
    struct hilo_redis *sub;
    struct hilo_outbox *outbox;
    char events_channel[128];
    char instance[24];
    struct hilo_route **routes; /* hash: ref -> watches */
    uint32_t nroutes;           /* buckets, power of two */
    struct hilo_conn *qw_head;  /* agents watching the queue */
    struct hilo_conn *all_head; /* every connection */
    uint32_t nconns;
    uint32_t serial;
    int stopping;
    /* reference pool (reserved in Redis ahead of need) */
    char pool[64][HILO_REF_MAX];
    struct hilo_ref_waiter *ref_waiters, *ref_waiters_tail;
    int npool;
    int pool_filling;
    int timers_busy;
    uv_timer_t timers;
    struct hilo_reap reap; /* connections freed at the end of the turn */
    uint64_t identity_secret_len;
};

int hilo_server_init(struct hilo_server *s, uv_loop_t *loop, struct hilo_config *cfg,
                     const char *redis_url);
void hilo_server_deinit(struct hilo_server *s);
/* Closes the server's own uv handles (at shutdown). */
void hilo_server_stop_timers(struct hilo_server *s);

/* Connection lifecycle, called by the WebSocket layer. */
struct hilo_conn *hilo_conn_new(struct hilo_server *s, struct lws *wsi, int role);
/* The socket is gone: drop routes and queue, release the lws reference. */
void hilo_conn_closed(struct hilo_conn *c);
void hilo_conn_ref(struct hilo_conn *c);
void hilo_conn_unref(struct hilo_conn *c);
/* Queues a frame (takes a reference). Cuts off a client whose queue is full. */
void hilo_conn_send(struct hilo_conn *c, struct hilo_frame *f);
void hilo_conn_send_buf(struct hilo_conn *c, const char *data, size_t len);
/* Sends {"type":"error",...} with optional req and client_id. */
void hilo_conn_error(struct hilo_conn *c, int err, const char *req, const char *client_id);
/* Asks for the socket to be closed once queued frames are written. */
void hilo_conn_close(struct hilo_conn *c, int code);
/* Writes queued frames; returns -1 when the socket must close. */
int hilo_conn_writeable(struct hilo_conn *c);
/* One complete text frame from the client. */
void hilo_conn_frame(struct hilo_conn *c, const char *data, size_t len);
/* Agent connected with a session cookie. */
void hilo_conn_cookie_auth(struct hilo_conn *c);

/* The agent and session part (domain/agents.c). */
struct json_t;
void hilo_agent_login(struct hilo_conn *c, const char *name, const char *password, const char *req);
void hilo_agent_auth(struct hilo_conn *c, const char *token, const char *req);

/* Live routing of published events (domain/hub.c). */
void hilo_hub_on_message(struct hilo_server *s, const char *payload, size_t len);
void hilo_hub_resync(struct hilo_server *s);
void hilo_hub_fill_pool(struct hilo_server *s);
/* Takes a reserved, unused reference from the pool: 0, or -1 when empty. */
int hilo_hub_take_ref(struct hilo_server *s, char out[HILO_REF_MAX]);
/* Runs fn(data) once the pool has a reference again (or once refilling
 * failed: then hilo_hub_take_ref fails again and fn reports it). */
void hilo_hub_when_ref(struct hilo_server *s, void (*fn)(void *data), void *data);
void hilo_hub_drain_waiters(struct hilo_server *s, int all);
/* Takes due durable timers from Redis and fires them (follow-ups). */
void hilo_hub_timers_tick(struct hilo_server *s);
/* One parsed frame (msg borrowed) from a connection. */
void hilo_hub_dispatch(struct hilo_conn *c, struct json_t *msg, const char *type, const char *req);
/* The connection is closing: forget its watches and deferred frames. */
void hilo_hub_conn_gone(struct hilo_conn *c);
/* Marks an operation that must finish before later frames are processed. */
void hilo_hub_busy(struct hilo_conn *c, int busy);
/* An identity as agents see it ("web", "email:bob@x.com"). */
struct json_t *hilo_hub_identity_json(const char *identity);

/* Starts closing every connection with 1001 (shutdown). */
void hilo_server_close_all(struct hilo_server *s);

#endif
