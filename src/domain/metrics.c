/* GET /metrics: the Prometheus text page. Counters come from core/metrics.c;
 * gauges are read now: sessions by role, stale tickets, the Redis links and
 * (one transaction) the outbox's depth. Access: the metrics_token as a
 * Bearer token when set, else loopback clients only. See docs/operations.md. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/buf.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/http.h"
#include "hilo/metrics.h"
#include "hilo/redis.h"
#include "hilo/server.h"
#include "hilo/store.h"
#include "hilo/store_live.h"

struct page {
    struct hilo_server *s;
    struct hilo_http *r;
};

static int allowed(struct hilo_server *s, struct hilo_http *r)
{
    const char *tok = s->cfg->metrics_token;
    if (tok && *tok) {
        const char *h = hilo_http_header(r, "authorization");
        size_t n = strlen(tok);
        return h && strncmp(h, "Bearer ", 7) == 0 && strlen(h + 7) == n &&
               sodium_memcmp(h + 7, tok, n) == 0;
    }
    const char *ip = hilo_http_client_ip(r);
    return ip && (strcmp(ip, "127.0.0.1") == 0 || strcmp(ip, "::1") == 0);
}

static void gauge(struct hilo_buf *b, const char *name, const char *help, const char *label,
                  uint64_t v)
{
    char line[320];
    if (help) {
        snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
        hilo_buf_adds(b, line);
    }
    snprintf(line, sizeof line, "%s%s%s%s %" PRIu64 "\n", name, label ? "{" : "",
             label ? label : "", label ? "}" : "", v);
    hilo_buf_adds(b, line);
}

static void links(struct hilo_buf *b, struct hilo_server *s)
{
    static const char *const states[] = {"ready", "connecting", "down"};
    struct {
        const char *name;
        struct hilo_redis *r;
    } l[] = {{"main", s->redis}, {"pubsub", s->sub}};
    char label[96];
    hilo_buf_adds(b, "# HELP hilo_redis_link_state Redis link state (1 for the current one).\n"
                     "# TYPE hilo_redis_link_state gauge\n");
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 3; k++) {
            snprintf(label, sizeof label, "link=\"%s\",state=\"%s\"", l[i].name, states[k]);
            gauge(b, "hilo_redis_link_state", NULL, label,
                  strcmp(hilo_redis_state(l[i].r), states[k]) == 0);
        }
    hilo_buf_adds(b, "# HELP hilo_redis_reconnects_total Reconnections of a Redis link.\n"
                     "# TYPE hilo_redis_reconnects_total counter\n");
    for (int i = 0; i < 2; i++) {
        snprintf(label, sizeof label, "link=\"%s\"", l[i].name);
        gauge(b, "hilo_redis_reconnects_total", NULL, label, hilo_redis_reconnects(l[i].r));
    }
    gauge(b, "hilo_live_catchup_pending", "1 while the catch-up after the subscription is pending.",
          NULL, (uint64_t)hilo_redis_catchup_pending(s->sub));
}

static void finish(struct page *p, const redisReply *depth)
{
    struct hilo_buf b;
    uint64_t tickets = 0, watches = 0;
    hilo_buf_init(&b, (size_t)1 << 20);
    hilo_metrics_render(&b);
    gauge(&b, "hilo_ws_connections", "Open WebSocket sessions by role.", "role=\"customer\"",
          hilo_metrics_conns(HILO_ROLE_CUSTOMER));
    gauge(&b, "hilo_ws_connections", NULL, "role=\"agent\"", hilo_metrics_conns(HILO_ROLE_AGENT));
    hilo_live_stale_counts(p->s, &tickets, &watches);
    gauge(&b, "hilo_live_stale_tickets", "Watched tickets not caught up on this instance.", NULL,
          tickets);
    gauge(&b, "hilo_live_stale_watches", "Watches (connection, ticket) not caught up.", NULL,
          watches);
    links(&b, p->s);
    if (depth && depth->type == REDIS_REPLY_ARRAY && depth->elements == 3) {
        gauge(&b, "hilo_outbox_depth", "Outbox entries by state (shared by every instance).",
              "state=\"queued\"", (uint64_t)depth->element[0]->integer);
        gauge(&b, "hilo_outbox_depth", NULL, "state=\"retry_wait\"",
              (uint64_t)depth->element[1]->integer);
        gauge(&b, "hilo_outbox_depth", NULL, "state=\"dead\"",
              (uint64_t)depth->element[2]->integer);
    }
    gauge(&b, "hilo_metrics_redis_up", "1 when this scrape could read Redis.", NULL,
          depth != NULL);
    hilo_http_respond(p->r, 200, "text/plain; version=0.0.4; charset=utf-8", b.p ? b.p : "",
                      b.len);
    hilo_buf_deinit(&b);
    hilo_http_unref(p->r);
    free(p);
}

static void depth_cb(redisReply *reply, void *data)
{
    finish(data, reply && reply->type == REDIS_REPLY_ARRAY ? reply : NULL);
}

void hilo_metrics_serve(void *ctx, struct hilo_http *r)
{
    struct hilo_server *s = ctx;
    struct page *p;
    struct hilo_tx tx;
    if (!allowed(s, r)) {
        hilo_http_respond_error(r, -HILO_EFORBIDDEN);
        return;
    }
    p = calloc(1, sizeof *p);
    if (!p) {
        hilo_http_respond_error(r, -HILO_EINTERNAL);
        return;
    }
    p->s = s;
    p->r = r;
    hilo_http_ref(r);
    hilo_tx_begin(&tx, s->redis);
    hilo_tx_outbox_depth(&tx);
    if (hilo_tx_commit(&tx, depth_cb, p) < 0)
        finish(p, NULL); /* the page without the outbox: Redis is away */
}
