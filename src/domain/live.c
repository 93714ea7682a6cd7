/* Live routing: which connection watches which ticket, delivery of the
 * events this process hears on the events channel, and catching a watch up
 * from Redis (resume, ticket.open, resync).
 *
 * Live delivery rule: per (connection, ticket) we remember the id of the last
 * event delivered and never deliver an id at or below it. While a watch
 * catches up from Redis live events are held and flushed after the history,
 * so nothing is missed or doubled. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/team_settings.h"
#include "internal.h"
#include "hilo/agents.h"
#include "hilo/buf.h"
#include "hilo/identity.h"
#include "hilo/log.h"
#include "hilo/metrics.h"
#include "hilo/proto.h"
#include "hilo/store.h"
#include "hilo/store_index.h"
#include "hilo/store_records.h"

static uint32_t ref_key(const char *ref)
{
    uint32_t k = 0;
    for (; *ref; ref++)
        k = k * 10u + (uint32_t)(*ref - '0');
    return k;
}

/* ---- routing ---------------------------------------------------------- */

static struct hilo_route *route_find(struct hilo_server *s, const char *ref, int create)
{
    uint32_t key = ref_key(ref);
    struct hilo_route **slot = &s->routes[key & (s->nroutes - 1)];
    for (struct hilo_route *r = *slot; r; r = r->next)
        if (r->key == key && strcmp(r->ref, ref) == 0)
            return r;
    if (!create)
        return NULL;
    struct hilo_route *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->key = key;
    snprintf(r->ref, sizeof r->ref, "%s", ref);
    r->next = *slot;
    *slot = r;
    return r;
}

static void route_drop_if_empty(struct hilo_server *s, struct hilo_route *r)
{
    if (r->watches)
        return;
    struct hilo_route **slot = &s->routes[r->key & (s->nroutes - 1)];
    for (; *slot; slot = &(*slot)->next) {
        if (*slot == r) {
            *slot = r->next;
            free(r);
            return;
        }
    }
}

struct hilo_watch *hilo_live_watch_find(struct hilo_conn *c, const char *ref)
{
    for (struct hilo_watch *w = hilo_sess(c)->watches; w; w = w->cnext)
        if (strcmp(w->route->ref, ref) == 0)
            return w;
    return NULL;
}

struct hilo_watch *hilo_live_watch_get(struct hilo_conn *c, const char *ref)
{
    struct hilo_watch *w = hilo_live_watch_find(c, ref);
    struct hilo_route *r;
    if (w)
        return w;
    r = route_find(c->srv, ref, 1);
    if (!r)
        return NULL;
    w = calloc(1, sizeof *w);
    if (!w) {
        route_drop_if_empty(c->srv, r);
        return NULL;
    }
    static uint32_t next_gen;
    w->conn = c;
    w->route = r;
    if (++next_gen == 0) /* never 0 */
        ++next_gen;
    w->gen = next_gen;
    w->rnext = r->watches;
    r->watches = w;
    w->cnext = hilo_sess(c)->watches;
    hilo_sess(c)->watches = w;
    if (c->srv->sub && (!hilo_redis_ready(c->srv->sub) || hilo_redis_catchup_pending(c->srv->sub)))
        hilo_gap_stale(w); /* what is published meanwhile is missed until the catch-up */
    return w;
}

static void pend_clear(struct hilo_watch *w)
{
    struct pend *p = w->ph;
    while (p) {
        struct pend *n = p->next;
        hilo_frame_unref(p->f);
        free(p);
        p = n;
    }
    w->ph = w->pt = NULL;
    w->npend = 0;
}

void hilo_live_watch_free(struct hilo_conn *c, struct hilo_watch *w)
{
    struct hilo_route *r = w->route;
    for (struct hilo_watch **pp = &r->watches; *pp; pp = &(*pp)->rnext)
        if (*pp == w) {
            *pp = w->rnext;
            break;
        }
    for (struct hilo_watch **pp = &hilo_sess(c)->watches; *pp; pp = &(*pp)->cnext)
        if (*pp == w) {
            *pp = w->cnext;
            break;
        }
    pend_clear(w);
    free(w);
    route_drop_if_empty(c->srv, r);
}

static void deliver(struct hilo_watch *w, struct hilo_frame *f, uint64_t ms, uint64_t seq)
{
    if (w->syncing) {
        struct pend *p;
        if (w->npend >= MAX_PENDING) {
            /* Cannot hold more while catching up: let the client resume. */
            hilo_conn_close(w->conn, 1008);
            return;
        }
        p = malloc(sizeof *p);
        if (!p)
            return;
        f->refs++;
        p->f = f;
        p->ms = ms;
        p->seq = seq;
        p->next = NULL;
        if (w->pt)
            w->pt->next = p;
        else
            w->ph = p;
        w->pt = p;
        w->npend++;
        return;
    }
    if (!id_after(ms, seq, w->ms, w->seq))
        return;
    w->ms = ms;
    w->seq = seq;
    hilo_metrics_inc(HILO_M_DELIVERIES);
    hilo_conn_send(w->conn, f);
}

static void watch_sync_done(struct hilo_watch *w)
{
    struct pend *p;
    if (--w->syncing)
        return;
    p = w->ph;
    w->ph = w->pt = NULL;
    w->npend = 0;
    while (p) {
        struct pend *n = p->next;
        deliver(w, p->f, p->ms, p->seq);
        hilo_frame_unref(p->f);
        free(p);
        p = n;
    }
}

/* ---- published events -------------------------------------------------- */

void hilo_live_on_message(struct hilo_server *s, const char *payload, size_t len)
{
    const char *end = payload + len;
    const char *nl = memchr(payload, '\n', len);
    char ref[HILO_REF_MAX];
    struct hilo_route *route;

    if (!nl || nl == payload || (size_t)(nl - payload) >= sizeof ref)
        return;
    memcpy(ref, payload, (size_t)(nl - payload));
    ref[nl - payload] = '\0';
    route = route_find(s, ref, 0);

    for (const char *line = nl + 1; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            eol = end;
        char kind = *line;
        if (kind == 'E' && route && eol - line > 3) {
            char vis = line[1];
            const char *sp = memchr(line + 2, ' ', (size_t)(eol - line - 2));
            char idbuf[48];
            uint64_t ms, seq;
            if (sp && (size_t)(sp - line - 2) < sizeof idbuf) {
                memcpy(idbuf, line + 2, (size_t)(sp - line - 2));
                idbuf[sp - line - 2] = '\0';
                if (parse_id(idbuf, &ms, &seq) == 0) {
                    struct hilo_frame *f = hilo_frame_new(sp + 1, (size_t)(eol - sp - 1));
                    for (struct hilo_watch *w = route->watches; f && w; w = w->rnext) {
                        if (vis == 'i' && hilo_sess(w->conn)->role != HILO_ROLE_AGENT)
                            continue;
                        deliver(w, f, ms, seq);
                    }
                    hilo_frame_unref(f);
                }
            }
        } else if (kind == 'T') {
            struct hilo_frame *f = hilo_frame_new(line + 1, (size_t)(eol - line - 1));
            for (struct hilo_conn *c = s->qw_head; f && c; c = hilo_sess(c)->qw_next)
                hilo_conn_send(c, f);
            for (struct hilo_watch *w = route ? route->watches : NULL; f && w; w = w->rnext)
                if (hilo_sess(w->conn)->role == HILO_ROLE_AGENT && !hilo_sess(w->conn)->queue_watch)
                    hilo_conn_send(w->conn, f);
            hilo_frame_unref(f);
            if (route) /* a move to another team shows in the widget's hours */
                hilo_hours_widget_on_ticket(route, line + 1, (size_t)(eol - line - 1));
        } else if (kind == 'D' && route) {
            struct hilo_frame *f = hilo_frame_new(line + 1, (size_t)(eol - line - 1));
            for (struct hilo_watch *w = route->watches; f && w; w = w->rnext)
                if (hilo_sess(w->conn)->role == HILO_ROLE_AGENT)
                    hilo_conn_send(w->conn, f);
            hilo_frame_unref(f);
        } else if (kind == 'P' && route) {
            const char *sp = memchr(line + 1, ' ', (size_t)(eol - line - 1));
            if (sp) {
                size_t nlen = (size_t)(sp - line - 1);
                struct hilo_frame *f = hilo_frame_new(sp + 1, (size_t)(eol - sp - 1));
                for (struct hilo_watch *w = route->watches; f && w; w = w->rnext) {
                    struct hilo_session *ws = hilo_sess(w->conn);
                    if (ws->role != HILO_ROLE_AGENT ||
                        (ws->id && strlen(ws->id) == nlen && memcmp(ws->id, line + 1, nlen) == 0))
                        continue;
                    hilo_conn_send(w->conn, f);
                }
                hilo_frame_unref(f);
            }
        } else if (kind == 'V' && route) {
            /* a held join's code for the customer's open widget
             * (docs/continuity.md): customers only, never stored */
            struct hilo_frame *f = hilo_frame_new(line + 1, (size_t)(eol - line - 1));
            for (struct hilo_watch *w = route->watches; f && w; w = w->rnext)
                if (hilo_sess(w->conn)->role != HILO_ROLE_AGENT && w->proven) /* owner proven */
                    hilo_conn_send(w->conn, f);
            hilo_frame_unref(f);
        } else if (kind == 'R') { /* an agent session ended (revoke.c) */
            hilo_agents_on_revoke(s, line + 1, (size_t)(eol - line - 1));
        } else if (kind == 'B') { /* an identity was blocked (revoke.c) */
            hilo_identity_on_block(s, line + 1, (size_t)(eol - line - 1));
        } else if (kind == 'C' || kind == 'I') { /* a merge or its undo (revoke.c) */
            hilo_identity_on_moved(s, kind, line + 1, (size_t)(eol - line - 1));
        } else if (kind == 'H') { /* a team's SLA settings changed (api/sla.c) */
            hilo_hours_widget_on_change(s, line + 1, (size_t)(eol - line - 1));
        } else if (kind == 'S') { /* a team's settings changed (team_settings.c) */
            hilo_team_settings_on_publish(s, line + 1, (size_t)(eol - line - 1));
        } else if (kind == 'N') { /* an agent's display name changed (rename.c) */
            hilo_agents_on_rename(s, line + 1, (size_t)(eol - line - 1));
        } else if (kind == 'Y' && route && eol - line > 2) {
            char from = line[1];
            struct hilo_frame *f = hilo_frame_new(line + 2, (size_t)(eol - line - 2));
            for (struct hilo_watch *w = route->watches; f && w; w = w->rnext) {
                if (hilo_sess(w->conn)->role != HILO_ROLE_AGENT && (from == 'c' || !w->proven))
                    continue; /* a customer's watch only once its ownership is proven */
                hilo_conn_send(w->conn, f);
            }
            hilo_frame_unref(f);
        }
        line = eol + 1;
    }
}

/* ---- catching up from Redis (resume, ticket.open, resync) -------------- */


struct sync_op {
    struct hilo_conn *c;
    enum sync_mode mode;
    char ref[HILO_REF_MAX];
    char after[48];
    char *req;
    char *summary;     /* SYNC_THREAD: summary json of the first page */
    struct hilo_buf events; /* SYNC_THREAD: first page events, comma separated */
    char *customer_id;
    json_t *cust, *viewers, *others; /* SYNC_THREAD: the context for agents */
    int waiting;
    int repair;              /* gap check: the stream is read up to cov */
    uint64_t cov_ms, cov_seq;
    uint32_t gen;            /* the watch it was started for */
};

/* The watch this sync was started for, if it still is (not a later watch
 * of the same ticket, made after that one was dropped). */
static struct hilo_watch *op_watch(const struct sync_op *op)
{
    struct hilo_watch *w = op->c->wsi ? hilo_live_watch_find(op->c, op->ref) : NULL;
    return w && w->gen == op->gen ? w : NULL;
}

static void sync_page(struct sync_op *op);

static void sync_free(struct sync_op *op, int failed)
{
    struct hilo_watch *w = op_watch(op);
    if (w) {
        if (failed && op->mode != SYNC_SILENT && w->syncing == 1) {
            /* Nothing was resumed: forget the watch entirely. */
            hilo_live_watch_free(op->c, w);
        } else {
            if (!failed && op->repair && id_after(op->cov_ms, op->cov_seq, w->cms, w->cseq)) {
                w->cms = op->cov_ms;
                w->cseq = op->cov_seq;
            }
            if (!failed)
                w->proven = 1; /* history was read as this client's */
            watch_sync_done(w);
            if (!failed && !w->syncing)
                hilo_gap_caught_up(w);
        }
    }
    hilo_conn_unref(op->c);
    free(op->req);
    free(op->summary);
    free(op->customer_id);
    json_decref(op->cust);
    json_decref(op->viewers);
    json_decref(op->others);
    hilo_buf_deinit(&op->events);
    free(op);
}

static void send_thread(struct sync_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_buf b;
    char *cjs, *vjs;

    json_object_set_new(op->cust, "tickets", op->others);
    op->others = NULL;
    cjs = json_dumps(op->cust, JSON_COMPACT);
    vjs = json_dumps(op->viewers, JSON_COMPACT);
    hilo_buf_init(&b, (size_t)1 << 30);
    hilo_buf_adds(&b, "{\"type\":\"thread\",");
    if (op->req) {
        json_t *r = json_string(op->req);
        char *rs = json_dumps(r, JSON_ENCODE_ANY);
        hilo_buf_adds(&b, "\"req\":");
        hilo_buf_adds(&b, rs);
        hilo_buf_adds(&b, ",");
        free(rs);
        json_decref(r);
    }
    hilo_buf_adds(&b, "\"ticket\":");
    hilo_buf_adds(&b, op->summary);
    hilo_buf_adds(&b, ",\"customer\":");
    hilo_buf_adds(&b, cjs ? cjs : "{}");
    hilo_buf_adds(&b, ",\"viewers\":");
    hilo_buf_adds(&b, vjs ? vjs : "[]");
    hilo_buf_adds(&b, ",\"events\":[");
    if (op->events.len)
        hilo_buf_add(&b, op->events.p, op->events.len);
    hilo_buf_adds(&b, "]}");
    hilo_conn_send_buf(c, b.p, b.len);
    hilo_buf_deinit(&b);
    free(cjs);
    free(vjs);
    /* Further pages, if any, follow as event frames. */
    op->mode = SYNC_SILENT;
    if (strcmp(op->after, "done") != 0)
        sync_page(op);
    else
        sync_free(op, 0);
}

static void thread_other_cb(redisReply *reply, void *data)
{
    struct sync_op *op = data;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1) {
        json_error_t je;
        json_t *sum = json_loadb(reply->element[0]->str, reply->element[0]->len, 0, &je);
        if (sum)
            json_array_append_new(op->others, sum);
    }
    if (--op->waiting)
        return;
    if (!op->c->wsi) {
        sync_free(op, 1);
        return;
    }
    send_thread(op);
}

static void thread_customer_cb(redisReply *reply, void *data)
{
    struct sync_op *op = data;
    struct hilo_conn *c = op->c;
    uint64_t now = hilo_now_ms();

    if (!c->wsi) {
        sync_free(op, 1);
        return;
    }
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 4) {
        hilo_conn_error(c, reply ? -HILO_EINTERNAL : -HILO_EUNAVAIL, op->req, NULL);
        sync_free(op, 1);
        return;
    }
    redisReply *h = reply->element[0], *set = reply->element[1], *tix = reply->element[2],
               *vw = reply->element[3];
    op->cust = json_pack("{s:s, s:s, s:s}", "id", op->customer_id ? op->customer_id : "", "name",
                         "", "email", "");
    json_t *ids = json_array();
    if (h->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i + 1 < h->elements; i += 2) {
            const char *k = h->element[i]->str;
            if (strcmp(k, "name") == 0 || strcmp(k, "email") == 0)
                json_object_set_new(op->cust, k,
                                    json_stringn(h->element[i + 1]->str, h->element[i + 1]->len));
        }
    if (set->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < set->elements; i++)
            json_array_append_new(ids, hilo_identity_json(set->element[i]->str));
    json_object_set_new(op->cust, "identities", ids);
    op->viewers = json_array();
    if (vw->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i + 1 < vw->elements; i += 2)
            if (strcmp(vw->element[i]->str, hilo_sess(c)->id) != 0 &&
                strtoull(vw->element[i + 1]->str, NULL, 10) > now)
                json_array_append_new(op->viewers, json_string(vw->element[i]->str));
    op->others = json_array();
    op->waiting = 1; /* held until every request below is sent */
    size_t others = 0;
    if (tix->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < tix->elements && others < 10; i++) {
            const char *ref = tix->element[i]->str;
            if (strcmp(ref, op->ref) == 0 || strlen(ref) >= HILO_REF_MAX)
                continue;
            struct hilo_store_history sum = {.ref = ref}; /* the summary only */
            if (hilo_store_history(c->srv->redis, &sum, thread_other_cb, op) == 0) {
                op->waiting++;
                others++;
            }
        }
    thread_other_cb(NULL, op);
}

static void sync_cb(redisReply *reply, void *data)
{
    struct sync_op *op = data;
    struct hilo_conn *c = op->c;
    struct hilo_watch *w;
    int err, more;

    if (!c->wsi) {
        sync_free(op, 1);
        return;
    }
    err = hilo_store_err(reply);
    if (!err && (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3))
        err = -HILO_EINTERNAL;
    if (err) {
        if (err == -HILO_EUNKNOWNTICKET && op->mode == SYNC_RESUME &&
            hilo_sess(c)->role != HILO_ROLE_AGENT)
            hilo_ws_customer_resume_refused(c); /* a guess: counted (docs/continuity.md) */
        if (op->mode != SYNC_SILENT)
            hilo_conn_error(c, err, op->req, NULL);
        else if (err == -HILO_EUNAVAIL) {
            /* A resync that failed: the subscriber runs the catch-up again
             * (only when Redis was unavailable: an unknown ticket would
             * retry for ever). */
            hilo_debug("resync of %s failed", op->ref);
            hilo_redis_catchup_again(c->srv->sub);
        }
        if (err != -HILO_EUNAVAIL && err != -HILO_EINTERNAL) {
            /* not this client's ticket (unknown, forbidden): the watch goes
             * now, whatever else is syncing it, so nothing of it is ever
             * delivered or flushed to this socket */
            struct hilo_watch *gone = op_watch(op);
            if (gone)
                hilo_live_watch_free(c, gone);
        }
        sync_free(op, 1);
        return;
    }
    w = op_watch(op);
    if (!w) {
        sync_free(op, 1);
        return;
    }
    more = reply->element[1]->integer == 1;
    snprintf(op->after, sizeof op->after, "%s", reply->element[2]->str);
    for (size_t i = 3; i + 1 < reply->elements; i += 2) {
        uint64_t ms, seq;
        const redisReply *id = reply->element[i], *ev = reply->element[i + 1];
        if (parse_id(id->str, &ms, &seq) < 0 || !id_after(ms, seq, w->ms, w->seq))
            continue;
        w->ms = ms;
        w->seq = seq;
        if (op->mode == SYNC_THREAD) {
            if (op->events.len)
                hilo_buf_add(&op->events, ",", 1);
            hilo_buf_add(&op->events, ev->str, ev->len);
        } else {
            struct hilo_buf b;
            hilo_buf_init(&b, (size_t)1 << 30);
            hilo_buf_adds(&b, "{\"type\":\"event\",\"event\":");
            hilo_buf_add(&b, ev->str, ev->len);
            hilo_buf_adds(&b, "}");
            hilo_conn_send_buf(c, b.p, b.len);
            hilo_buf_deinit(&b);
        }
    }
    if (op->mode == SYNC_THREAD && !op->summary) {
        json_error_t je;
        json_t *sum = json_loadb(reply->element[0]->str, reply->element[0]->len, 0, &je);
        const char *cid = sum ? json_string_value(json_object_get(sum, "customer")) : NULL;
        op->summary = strndup(reply->element[0]->str, reply->element[0]->len);
        op->customer_id = strdup(cid ? cid : "");
        json_decref(sum);
        if (!more)
            snprintf(op->after, sizeof op->after, "done");
        /* Context card: the reads in one transaction, one reply. */
        struct hilo_store_customer_tickets tix = {.customer = op->customer_id, .stop = 10};
        struct hilo_store_viewer vw = {.ref = op->ref};
        struct hilo_tx tx;
        hilo_tx_begin(&tx, c->srv->redis);
        hilo_tx_customer_get(&tx, op->customer_id);
        hilo_tx_customer_ids(&tx, op->customer_id);
        hilo_tx_customer_tickets(&tx, &tix);
        hilo_tx_viewers_get(&tx, &vw);
        if (hilo_tx_commit(&tx, thread_customer_cb, op) < 0) {
            hilo_conn_error(c, -HILO_EUNAVAIL, op->req, NULL);
            sync_free(op, 1);
        }
        return;
    }
    if (more) {
        sync_page(op);
        return;
    }
    if (op->mode == SYNC_RESUME) {
        char last[48];
        json_t *o;
        snprintf(last, sizeof last, "%llu-%llu", (unsigned long long)w->ms,
                 (unsigned long long)w->seq);
        o = json_pack("{s:s, s:s, s:s}", "type", "resumed", "ticket", op->ref, "last",
                      w->ms || w->seq ? last : "0");
        if (op->req)
            json_object_set_new(o, "req", json_string(op->req));
        hilo_dispatch_send_json(c, o);
    }
    sync_free(op, 0);
}

static void sync_page(struct sync_op *op)
{
    struct hilo_conn *c = op->c;
    int agent = hilo_sess(c)->role == HILO_ROLE_AGENT;
    struct hilo_store_history h = {
        .ref = op->ref,
        .after = op->after,
        .public_only = !agent, /* customers see no notes, no assignments */
        .customer = agent ? "" : hilo_sess(c)->id,
        .count = op->mode == SYNC_THREAD ? 1000 : HISTORY_PAGE,
    };
    if (hilo_store_history(c->srv->redis, &h, sync_cb, op) < 0) {
        if (op->mode != SYNC_SILENT)
            hilo_conn_error(c, -HILO_EUNAVAIL, op->req, NULL);
        else
            hilo_redis_catchup_again(c->srv->sub);
        sync_free(op, 1);
    }
}

static struct sync_op *sync_begin(struct hilo_conn *c, const char *ref, const char *after,
                                  enum sync_mode mode, const char *req);

int hilo_live_sync_start(struct hilo_conn *c, const char *ref, const char *after,
                         enum sync_mode mode, const char *req)
{
    struct sync_op *op = sync_begin(c, ref, after, mode, req);
    if (!op)
        return -HILO_EINTERNAL;
    sync_page(op);
    return 0;
}

int hilo_live_repair_start(struct hilo_watch *w, uint64_t cov_ms, uint64_t cov_seq)
{
    char after[48];
    struct sync_op *op;
    snprintf(after, sizeof after, "%llu-%llu", (unsigned long long)w->ms,
             (unsigned long long)w->seq);
    op = sync_begin(w->conn, w->route->ref, w->ms || w->seq ? after : "0", SYNC_SILENT, NULL);
    if (!op)
        return -HILO_EINTERNAL;
    op->repair = 1;
    op->cov_ms = cov_ms;
    op->cov_seq = cov_seq;
    sync_page(op);
    return 0;
}

static struct sync_op *sync_begin(struct hilo_conn *c, const char *ref, const char *after,
                                  enum sync_mode mode, const char *req)
{
    struct hilo_watch *w = hilo_live_watch_get(c, ref);
    struct sync_op *op;
    uint64_t ms, seq;

    if (!w || parse_id(after, &ms, &seq) < 0)
        return NULL;
    op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    if (mode != SYNC_SILENT) {
        /* The client says what it has seen: trust it. */
        w->ms = ms;
        w->seq = seq;
    }
    w->syncing++;
    hilo_conn_ref(c);
    op->c = c;
    op->gen = w->gen;
    op->mode = mode;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->after, sizeof op->after, "%s", after);
    op->req = req ? strdup(req) : NULL;
    hilo_buf_init(&op->events, (size_t)1 << 30);
    return op;
}

struct hilo_route *hilo_live_route(struct hilo_server *s, const char *ref)
{
    return route_find(s, ref, 0);
}

void hilo_live_each_watch(struct hilo_server *s, void (*f)(struct hilo_watch *w, void *d), void *d)
{
    for (uint32_t i = 0; i < s->nroutes; i++)
        for (struct hilo_route *r = s->routes[i]; r; r = r->next)
            for (struct hilo_watch *w = r->watches, *n; w; w = n) {
                n = w->rnext;
                f(w, d);
            }
}

void hilo_live_resync(struct hilo_server *s)
{
    /* The subscription was lost and is back: catch every watch up. */
    hilo_metrics_inc(HILO_M_CATCHUPS);
    for (uint32_t i = 0; i < s->nroutes; i++)
        for (struct hilo_route *r = s->routes[i]; r; r = r->next)
            for (struct hilo_watch *w = r->watches; w; w = w->rnext) {
                char after[48];
                snprintf(after, sizeof after, "%llu-%llu", (unsigned long long)w->ms,
                         (unsigned long long)w->seq);
                int err = hilo_live_sync_start(w->conn, r->ref, w->ms || w->seq ? after : "0",
                                               SYNC_SILENT, NULL);
                if (err)
                    hilo_conn_error(w->conn, err, NULL, NULL);
            }
    for (struct hilo_conn *c = s->qw_head; c; c = hilo_sess(c)->qw_next) {
        int err = hilo_ws_agent_queue_snapshot(c, NULL);
        if (err)
            hilo_conn_error(c, err, NULL, NULL);
    }
    /* blocks, merges and undos published meanwhile were missed: every open
     * widget asks Redis what it is now (revoke.c) */
    hilo_identity_recheck_all(s);
}
