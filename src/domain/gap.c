/* Live delivery that cannot silently stop: "stale" / "fresh" frames, and the
 * periodic gap check.
 *
 * A watched ticket is stale for a connection while events may have been
 * published that the connection did not get: the subscription is down, a
 * catch-up is pending or running, or the gap check found the connection
 * behind. The connection is told {"type":"stale","ticket":...} once, and
 * {"type":"fresh","ticket":...} when a catch-up has read the stream to its
 * end with the subscription up.
 *
 * The gap check (every live_gap_check_ms) reads the last id of every watched
 * ticket's stream, a few hundred tickets per transaction (one round trip
 * each, whatever the number of watchers). A watch is behind when the id the
 * stream had at the previous check is above both the last id delivered to
 * it and the last id a repair read for it: an event has had a whole period
 * to arrive through the subscription and did not. Such a watch is caught up
 * from its last delivered id (the usual catch-up: live events are held, ids
 * are never delivered twice). Events a connection may not see (notes, for a
 * customer) are covered by the repair's "read up to" id, so they do not
 * count as gaps again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/config.h"
#include "hilo/log.h"
#include "hilo/metrics.h"
#include "hilo/proto.h"
#include "hilo/store.h"
#include "hilo/store_live.h"

#define GAP_BATCH 256

static void send_state(struct hilo_watch *w, const char *type)
{
    json_t *o = json_pack("{s:s, s:s}", "type", type, "ticket", w->route->ref);
    if (o)
        hilo_dispatch_send_json(w->conn, o);
}

void hilo_gap_stale(struct hilo_watch *w)
{
    if (w->stale || !w->conn->wsi)
        return;
    w->stale = 1;
    hilo_metrics_inc(HILO_M_STALE_SENT);
    send_state(w, "stale");
}

void hilo_gap_caught_up(struct hilo_watch *w)
{
    struct hilo_server *s = w->conn->srv;
    if (!w->stale || w->syncing || !w->conn->wsi)
        return;
    if (s->sub && (!hilo_redis_ready(s->sub) || hilo_redis_catchup_pending(s->sub)))
        return; /* the catch-up after the subscription is back will tell */
    w->stale = 0;
    send_state(w, "fresh");
}

static void stale_cb(struct hilo_watch *w, void *d)
{
    (void)d;
    hilo_gap_stale(w);
}

void hilo_live_stale_all(struct hilo_server *s) { hilo_live_each_watch(s, stale_cb, NULL); }

struct counts {
    uint64_t tickets, watches;
    const struct hilo_route *last;
};

static void count_cb(struct hilo_watch *w, void *d)
{
    struct counts *n = d;
    if (!w->stale)
        return;
    n->watches++;
    if (n->last != w->route)
        n->tickets++; /* a route's watches are visited one after another */
    n->last = w->route;
}

void hilo_live_stale_counts(struct hilo_server *s, uint64_t *tickets, uint64_t *watches)
{
    struct counts n = {0, 0, NULL};
    hilo_live_each_watch(s, count_cb, &n);
    *tickets = n.tickets;
    *watches = n.watches;
}

/* ---- the check ---------------------------------------------------------- */

struct batch {
    struct hilo_server *s;
    int n;
    char refs[GAP_BATCH][HILO_REF_MAX];
};

static void compare(struct hilo_route *r, uint64_t ms, uint64_t seq)
{
    if (r->seen) {
        for (struct hilo_watch *w = r->watches; w; w = w->rnext) {
            if (w->syncing || !w->conn->wsi)
                continue; /* a catch-up in flight reads to the end anyway */
            if (!id_after(r->seen_ms, r->seen_seq, w->ms, w->seq) ||
                !id_after(r->seen_ms, r->seen_seq, w->cms, w->cseq))
                continue;
            struct hilo_log_ctx lc = {.ticket = r->ref, .conn = w->conn->serial,
                                      .ip = w->conn->ip};
            hilo_logx(HILO_LOG_INFO, &lc,
                      "live gap: connection behind on ticket %s (delivered %llu-%llu, stream "
                      "%llu-%llu); catching it up",
                      r->ref, (unsigned long long)w->ms, (unsigned long long)w->seq,
                      (unsigned long long)r->seen_ms, (unsigned long long)r->seen_seq);
            hilo_metrics_inc(HILO_M_GAP_REPAIRS);
            hilo_gap_stale(w);
            if (hilo_live_repair_start(w, r->seen_ms, r->seen_seq) < 0)
                hilo_warn("live gap: cannot repair ticket %s", r->ref);
        }
    }
    r->seen_ms = ms;
    r->seen_seq = seq;
    r->seen = 1;
}

static void checked_cb(redisReply *reply, void *data)
{
    struct batch *b = data;
    struct hilo_server *s = b->s;
    s->gap_inflight--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != (size_t)b->n)
        goto out; /* Redis away: the link's catch-up covers it */
    for (int i = 0; i < b->n; i++) {
        const redisReply *e = reply->element[i];
        uint64_t ms = 0, seq = 0;
        struct hilo_route *r = hilo_live_route(s, b->refs[i]);
        if (!r)
            continue; /* nobody watches it any more */
        if (e->type != REDIS_REPLY_ARRAY)
            continue;
        if (e->elements >= 1) { /* [[id, fields]]; [] for an empty stream */
            const redisReply *ent = e->element[0];
            if (ent->type != REDIS_REPLY_ARRAY || ent->elements < 1 ||
                ent->element[0]->type != REDIS_REPLY_STRING ||
                parse_id(ent->element[0]->str, &ms, &seq) < 0)
                continue;
        }
        compare(r, ms, seq);
    }
    hilo_metrics_add(HILO_M_GAP_CHECKS, (uint64_t)b->n);
out:
    free(b);
}

static int flush(struct hilo_server *s, struct batch *b)
{
    struct hilo_tx tx;
    hilo_tx_begin(&tx, s->redis);
    for (int i = 0; i < b->n; i++)
        hilo_tx_thread_last(&tx, b->refs[i]);
    if (hilo_tx_commit(&tx, checked_cb, b) < 0) {
        free(b);
        return -1;
    }
    s->gap_inflight++;
    return 0;
}

void hilo_live_gap_tick(struct hilo_server *s)
{
    uint64_t now = hilo_mono_ms();
    struct batch *b = NULL;
    int period = s->cfg->live_gap_check_ms;

    if (period <= 0 || now - s->gap_last < (uint64_t)period || s->gap_inflight)
        return;
    s->gap_last = now;
    /* While the subscription is away the catch-up after it repairs all. */
    if (!hilo_redis_ready(s->redis) || !hilo_redis_ready(s->sub) ||
        hilo_redis_catchup_pending(s->sub))
        return;
    for (uint32_t i = 0; i < s->nroutes; i++)
        for (struct hilo_route *r = s->routes[i]; r; r = r->next) {
            if (!r->watches)
                continue;
            if (!b && !(b = calloc(1, sizeof *b)))
                return;
            b->s = s;
            snprintf(b->refs[b->n++], HILO_REF_MAX, "%s", r->ref);
            if (b->n == GAP_BATCH) {
                if (flush(s, b) < 0)
                    return;
                b = NULL;
            }
        }
    if (b && b->n)
        flush(s, b);
    else
        free(b);
}
