/* Inside the Redis client only (redis.c: commands; link.c: the connection,
 * its states and deadlines; uvadapter.c: hiredis on libuv). */
#ifndef HILO_STORE_REDIS_INT_H
#define HILO_STORE_REDIS_INT_H

#include <hiredis/async.h>
#include <stdint.h>
#include <uv.h>

#include "hilo/redis.h"

/* Link states. RESOLVING, CONNECTING and INIT (set-up commands, SUBSCRIBE)
 * are "connecting" to the outside. */
enum hilo_link_state { ST_DOWN, ST_RESOLVING, ST_CONNECTING, ST_INIT, ST_READY, ST_CLOSING };

/* Deadlines when the options leave them 0, and the idle time after which a
 * link is pinged. */
#define HILO_REDIS_TIMEOUT_MS 3000
#define HILO_REDIS_CONNECT_TIMEOUT_MS 2000
#define HILO_REDIS_PING_MS 1000
#define HILO_REDIS_BACKOFF_MIN_MS 50
#define HILO_REDIS_BACKOFF_MAX_MS 2000

struct pending {
    struct pending *prev, *next;
    struct hilo_redis *r;
    hilo_redis_cb cb;
    void *data;
    uint64_t sent_ms;
    /* EVALSHA only: the formatted command, kept for a NOSCRIPT retry. */
    char *cmd;
    int cmdlen;
    int retried;
    /* An EVALSHA inside MULTI: queued (block still being sent), owned by its
     * EXEC (freed with it), or being retried for its EXEC (owner). */
    enum { TX_NONE, TX_QUEUED, TX_OWNED, TX_RETRY } tx;
    int tx_index; /* position in the block = index in the EXEC reply */
    struct pending *tx_prev, *tx_next, *owner;
    /* EXEC only: the block's EVALSHAs, and while retrying them a copy of the
     * reply that their answers patch. */
    struct pending *scripts;
    redisReply *copy;
    int waiting, failed;
};

struct hilo_redis {
    uv_loop_t *loop;
    uv_timer_t tick;
    redisAsyncContext *ac;
    enum hilo_link_state state;
    struct hilo_redis_url url;
    struct hilo_redis_opts o;
    char *subscribe;
    char *name;
    struct pending list; /* sentinel: list.next is the oldest */
    int npending;
    int in_multi, tx_count;   /* the MULTI block being sent */
    struct pending *tx_head;  /* its EVALSHAs */
    /* hiredis resolves names with a blocking getaddrinfo: we resolve on the
     * thread pool first and hand it a numeric address. */
    uv_getaddrinfo_t gai;
    int resolving; /* gai in flight: the client cannot be freed yet */
    int family;    /* AF_INET, then AF_INET6 as hiredis does */
    /* Deadlines (hilo_mono_ms). */
    uint64_t connect_started; /* attempt started (lookup + connect) */
    uint64_t init_started;    /* set-up commands sent */
    uint64_t next_attempt;    /* DOWN: when to try again */
    uint64_t last_activity;   /* last reply or message */
    uint64_t ping_sent;       /* subscriber: ping in flight since, or 0 */
    uint64_t down_since, down_warned;
    int backoff_ms;
    int was_ready, ever_ready;
    unsigned reconnects, attempts;
    char why[128]; /* why the link last went down */
    /* Catch-up (subscriber): pending until it ran with both links ready. */
    struct hilo_redis *peer, *dependent;
    int catchup_pending, catchup_waiting, catchup_backoff_ms;
    uint64_t catchup_at;
    void (*close_done)(void *);
    void *close_data;
};

/* redis.c */
int hilo_redis_send(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                    const char **argv, const size_t *lens);
/* A new connection: no MULTI block is being sent on it. */
void hilo_redis_tx_reset(struct hilo_redis *r);

/* uvadapter.c: attaches ac to loop; on_error runs when the poll reports an
 * error that hiredis did not turn into a disconnect (the owner drops ac). */
int hilo_uv_attach(redisAsyncContext *ac, uv_loop_t *loop,
                   void (*on_error)(redisAsyncContext *ac, int status));

#endif
