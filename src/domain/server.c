/* Wiring of one hub process: Redis clients and the routing table. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/keys.h"
#include "hilo/log.h"
#include "hilo/outbox.h"
#include "hilo/redis.h"
#include "hilo/scripts.h"
#include "hilo/server.h"
#include "hilo/sla.h"
#include "hilo/reach.h"
#include "hilo/store_index.h"

static void main_connect(struct hilo_redis *r, void *data)
{
    (void)data;
    hilo_scripts_load(r);
}

static void main_ready(struct hilo_redis *r, void *data)
{
    struct hilo_server *s = data;
    if (!hilo_scripts_ready()) {
        /* Redis answered PING but not SCRIPT LOAD (still loading its AOF):
         * try the whole set-up again. */
        hilo_warn("redis main: scripts not loaded yet; reconnecting");
        hilo_redis_reset(r);
        return;
    }
    hilo_refpool_fill(s);
    hilo_sla_refresh(s, 1); /* whether ticket writes queue SLA looks */
}

static void main_down(struct hilo_redis *r, void *data)
{
    struct hilo_server *s = data;
    (void)r;
    /* The subscription shares the server's fate: make it reconnect too, so
     * that the catch-up after it covers whatever happened meanwhile. */
    if (s->sub)
        hilo_redis_reset(s->sub);
}

/* Runs once the subscription and the command link are both ready: the
 * catch-up needs both, and a subscription back first must wait for it. */
static int sub_catchup(struct hilo_redis *r, void *data)
{
    (void)r;
    hilo_live_resync(data);
    return 0;
}

/* The subscription is lost: whatever is published now is missed until the
 * catch-up; every watcher is told its ticket is stale. */
static void sub_down(struct hilo_redis *r, void *data)
{
    (void)r;
    hilo_live_stale_all(data);
}

static void sub_message(const char *payload, size_t len, void *data)
{
    hilo_live_on_message(data, payload, len);
}

static void timers_cb(uv_timer_t *t)
{
    hilo_followup_tick(t->data);
    hilo_live_gap_tick(t->data);
    hilo_reach_tick(t->data);
}

int hilo_server_init(struct hilo_server *s, uv_loop_t *loop, struct hilo_config *cfg,
                     const char *redis_url)
{
    unsigned char rnd[8];
    struct hilo_redis_opts o;

    memset(s, 0, sizeof *s);
    s->loop = loop;
    s->cfg = cfg;
    s->nroutes = 16384;
    hilo_reap_init(&s->reap, loop);
    s->routes = calloc(s->nroutes, sizeof *s->routes);
    if (!s->routes)
        return -1;
    if (hilo_keys_init(cfg->prefix) < 0)
        return -1;
    hilo_store_events_channel(s->events_channel, sizeof s->events_channel);
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(s->instance, sizeof s->instance, rnd, sizeof rnd);

    memset(&o, 0, sizeof o);
    o.url = redis_url;
    o.connect_timeout_ms = cfg->redis_connect_timeout_ms;
    o.timeout_ms = cfg->redis_timeout_ms;
    o.on_connect = main_connect;
    o.on_ready = main_ready;
    o.on_down = main_down;
    o.data = s;
    o.name = "main";
    s->redis = hilo_redis_new(loop, &o);
    if (!s->redis) {
        char shown[512];
        hilo_error("option redis_url: cannot use '%s'",
                   hilo_log_redact_url(redis_url, shown, sizeof shown));
        return -1;
    }
    memset(&o, 0, sizeof o);
    o.url = redis_url;
    o.connect_timeout_ms = cfg->redis_connect_timeout_ms;
    o.timeout_ms = cfg->redis_timeout_ms;
    o.subscribe = s->events_channel;
    o.on_catchup = sub_catchup;
    o.on_down = sub_down;
    o.peer = s->redis;
    o.on_message = sub_message;
    o.data = s;
    o.name = "pubsub";
    s->sub = hilo_redis_new(loop, &o);
    if (!s->sub)
        return -1;
    struct hilo_outbox_deps deps = {
        .loop = s->loop,
        .redis = s->redis,
        .cfg = s->cfg,
        .events_channel = s->events_channel,
        .instance = s->instance,
    };
    s->outbox = hilo_outbox_start(&deps);
    if (!s->outbox)
        return -1;
    uv_timer_init(loop, &s->timers);
    s->timers.data = s;
    uv_timer_start(&s->timers, timers_cb, 500, 500);
    return 0;
}

void hilo_server_stop_timers(struct hilo_server *s)
{
    uv_timer_stop(&s->timers);
    uv_close((uv_handle_t *)&s->timers, NULL);
    hilo_reap_close(&s->reap);
}

void hilo_server_deinit(struct hilo_server *s)
{
    hilo_reap_deinit(&s->reap);
    free(s->routes);
    s->routes = NULL;
    hilo_keys_deinit();
}
