/* Async Redis client on the libuv loop (hiredis 0.14 + our own libuv
 * adapter, which sees socket errors and resets), with what hiredis lacks:
 * link states with deadlines (connect, set-up, replies, pings, on the
 * subscriber connection too), reconnection with backoff and jitter, a
 * catch-up hook that runs once a subscription and its command link are both
 * ready, and a clear "unavailable" while the server is away.
 *
 * The async rule: hilo_redis_cmd* returns 0 and then runs the callback exactly
 * once (reply NULL on timeout or lost connection), or returns an error
 * (-HILO_EUNAVAIL when not connected) and never runs it. */
#ifndef HILO_REDIS_H
#define HILO_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <uv.h>

struct hilo_redis;

/* reply is borrowed until the callback returns; NULL means no reply. */
typedef void (*hilo_redis_cb)(redisReply *reply, void *data);

struct hilo_redis_opts {
    const char *url;            /* redis://[:pw@]host:port[/db] or unix:///path */
    int connect_timeout_ms;     /* lookup + TCP connect; 0 = 2000 */
    /* Reply deadline: the oldest reply awaited, the set-up, and the answer
     * to the ping sent when the link is idle for 1 s; 0 = 3000. */
    int timeout_ms;
    const char *subscribe;      /* channel: makes this a subscriber connection */
    /* Called when connected, before the connection is ready: send set-up
     * commands (SCRIPT LOAD...) with hilo_redis_cmd_init. */
    void (*on_connect)(struct hilo_redis *r, void *data);
    void (*on_ready)(struct hilo_redis *r, void *data);
    void (*on_down)(struct hilo_redis *r, void *data);
    /* Subscriber only: one published payload, borrowed. */
    void (*on_message)(const char *payload, size_t len, void *data);
    /* Subscriber only: catches up on what was published while it was away.
     * Runs after every (re)subscription, once this link and `peer` (the
     * command link, if set) are both ready, from the client's timer (not
     * inside a hiredis callback). Returns 0 when started, < 0 to be run again
     * after a backoff; hilo_redis_catchup_again() asks for another run
     * later (an asynchronous part of it failed). */
    int (*on_catchup)(struct hilo_redis *r, void *data);
    struct hilo_redis *peer;
    void *data;
    const char *name;           /* for logs */
};

/* Creates the client and starts connecting. Returns NULL on bad URL. */
struct hilo_redis *hilo_redis_new(uv_loop_t *loop, const struct hilo_redis_opts *opts);
/* Closes: pending callbacks run with NULL, then done(data) runs once the
 * handles are closed, and the client is freed. */
void hilo_redis_close(struct hilo_redis *r, void (*done)(void *data), void *data);

/* 1 when ready (connected, set up; a subscriber: subscribed). */
int hilo_redis_ready(const struct hilo_redis *r);
/* "down", "connecting", "ready" or "closing" (for logs and metrics). */
const char *hilo_redis_state(const struct hilo_redis *r);
/* Times the link became ready again after being down. */
unsigned hilo_redis_reconnects(const struct hilo_redis *r);
/* 1 while a catch-up is due and has not run yet. */
int hilo_redis_catchup_pending(const struct hilo_redis *r);
void hilo_redis_catchup_again(struct hilo_redis *r);
/* Commands in flight. */
int hilo_redis_pending(const struct hilo_redis *r);
/* Drops the connection now (pending callbacks get NULL) and reconnects. */
void hilo_redis_reset(struct hilo_redis *r);

int hilo_redis_cmd(struct hilo_redis *r, hilo_redis_cb cb, void *data, const char *fmt, ...);
int hilo_redis_cmdargv(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                       const char **argv, const size_t *lens);
/* Like hilo_redis_cmdargv but allowed while connecting; for on_connect. */
int hilo_redis_cmd_init(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                        const char **argv, const size_t *lens);

/* Parses a Redis URL. host/path are malloc'd (one of them NULL). */
struct hilo_redis_url {
    char *host;
    int port;
    char *path;
    char *password;
    int db;
};
int hilo_redis_url_parse(const char *url, struct hilo_redis_url *out);
void hilo_redis_url_free(struct hilo_redis_url *u);

#endif
