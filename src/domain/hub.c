/* The hub: what customer and agent frames mean, and the live routing of
 * events published by the Lua scripts to this process's connections.
 *
 * Live delivery rule: per (connection, ticket) we remember the id of the last
 * event delivered and never deliver an id at or below it. While a watch
 * catches up from Redis (resume, ticket.open, resync) live events are held
 * and flushed after the history, so nothing is missed or doubled. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/buf.h"
#include "hilo/common.h"
#include "hilo/i18n.h"
#include "hilo/keys.h"
#include "hilo/log.h"
#include "hilo/outbox.h"
#include "hilo/proto.h"
#include "hilo/redis.h"
#include "hilo/scripts.h"
#include "hilo/server.h"

#define ROUTE_BUCKETS 16384u
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
};

struct hilo_route {
    struct hilo_route *next;
    uint32_t key;
    char ref[HILO_REF_MAX];
    struct hilo_watch *watches;
};

struct hilo_deferred {
    struct hilo_deferred *next;
    json_t *msg;
};

/* ---- small helpers ---------------------------------------------------- */

#define parse_id hilo_proto_parse_id
#define id_after hilo_proto_id_after

static uint32_t ref_key(const char *ref)
{
    uint32_t k = 0;
    for (; *ref; ref++)
        k = k * 10u + (uint32_t)(*ref - '0');
    return k;
}

static const char *str_field(json_t *msg, const char *name, size_t maxlen, int *bad)
{
    json_t *v = json_object_get(msg, name);
    if (!v)
        return NULL;
    if (!json_is_string(v) || json_string_length(v) > maxlen) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

/* Sends a JSON object (stolen) as a frame. */
static void send_json(struct hilo_conn *c, json_t *o)
{
    char *s;
    if (!o)
        return;
    s = json_dumps(o, JSON_COMPACT);
    if (s) {
        hilo_conn_send_buf(c, s, strlen(s));
        free(s);
    }
    json_decref(o);
}

static void send_ok(struct hilo_conn *c, const char *req)
{
    json_t *o = json_pack("{s:s}", "type", "ok");
    if (req)
        json_object_set_new(o, "req", json_string(req));
    send_json(c, o);
}

/* Maps a script error reply ("HILO forbidden") to an error code. */
static int script_err(const redisReply *r)
{
    if (!r)
        return -HILO_EUNAVAIL;
    if (r->type != REDIS_REPLY_ERROR)
        return 0;
    if (strstr(r->str, "HILO unknown_ticket"))
        return -HILO_EUNKNOWNTICKET;
    if (strstr(r->str, "HILO forbidden"))
        return -HILO_EFORBIDDEN;
    if (strstr(r->str, "HILO closed"))
        return -HILO_EBADSTATE;
    if (strstr(r->str, "NOSCRIPT") || strstr(r->str, "LOADING") || strstr(r->str, "MASTERDOWN"))
        return -HILO_EUNAVAIL;
    hilo_error("redis script error: %s", r->str);
    return -HILO_EINTERNAL;
}

/* argv builder for EVALSHA */
struct call {
    int argc;
    const char *argv[32];
    size_t lens[32];
    char nkeys[8];
};

static void call_init(struct call *k, enum hilo_script sc, int nkeys)
{
    k->argc = 0;
    k->argv[k->argc] = "EVALSHA";
    k->lens[k->argc++] = 7;
    k->argv[k->argc] = hilo_scripts_sha(sc);
    k->lens[k->argc++] = 40;
    snprintf(k->nkeys, sizeof k->nkeys, "%d", nkeys);
    k->argv[k->argc] = k->nkeys;
    k->lens[k->argc++] = strlen(k->nkeys);
}

static void call_addn(struct call *k, const char *s, size_t n)
{
    k->argv[k->argc] = s ? s : "";
    k->lens[k->argc++] = s ? n : 0;
}

static void call_add(struct call *k, const char *s) { call_addn(k, s, s ? strlen(s) : 0); }

static int call_send(struct hilo_server *s, struct call *k, hilo_redis_cb cb, void *data)
{
    return hilo_redis_cmdargv(s->redis, cb, data, k->argc, k->argv, k->lens);
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

static struct hilo_watch *watch_find(struct hilo_conn *c, const char *ref)
{
    for (struct hilo_watch *w = c->watches; w; w = w->cnext)
        if (strcmp(w->route->ref, ref) == 0)
            return w;
    return NULL;
}

static struct hilo_watch *watch_get(struct hilo_conn *c, const char *ref)
{
    struct hilo_watch *w = watch_find(c, ref);
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
    w->conn = c;
    w->route = r;
    w->rnext = r->watches;
    r->watches = w;
    w->cnext = c->watches;
    c->watches = w;
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

static void watch_free(struct hilo_conn *c, struct hilo_watch *w)
{
    struct hilo_route *r = w->route;
    for (struct hilo_watch **pp = &r->watches; *pp; pp = &(*pp)->rnext)
        if (*pp == w) {
            *pp = w->rnext;
            break;
        }
    for (struct hilo_watch **pp = &c->watches; *pp; pp = &(*pp)->cnext)
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

static void presence(struct hilo_conn *c, const char *ref, int viewing);

void hilo_hub_conn_gone(struct hilo_conn *c)
{
    struct hilo_server *s = c->srv;
    while (c->watches) {
        if (c->role == HILO_ROLE_AGENT && c->ready && c->watches->viewing)
            presence(c, c->watches->route->ref, 0);
        watch_free(c, c->watches);
    }
    if (c->queue_watch) {
        if (c->qw_prev)
            c->qw_prev->qw_next = c->qw_next;
        else
            s->qw_head = c->qw_next;
        if (c->qw_next)
            c->qw_next->qw_prev = c->qw_prev;
        c->queue_watch = 0;
    }
    while (c->def_head) {
        struct hilo_deferred *d = c->def_head;
        c->def_head = d->next;
        json_decref(d->msg);
        free(d);
    }
    c->def_tail = NULL;
    c->ndef = 0;
}

/* ---- published events -------------------------------------------------- */

void hilo_hub_on_message(struct hilo_server *s, const char *payload, size_t len)
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
                        if (vis == 'i' && w->conn->role != HILO_ROLE_AGENT)
                            continue;
                        deliver(w, f, ms, seq);
                    }
                    hilo_frame_unref(f);
                }
            }
        } else if (kind == 'T') {
            struct hilo_frame *f = hilo_frame_new(line + 1, (size_t)(eol - line - 1));
            for (struct hilo_conn *c = s->qw_head; f && c; c = c->qw_next)
                hilo_conn_send(c, f);
            for (struct hilo_watch *w = route ? route->watches : NULL; f && w; w = w->rnext)
                if (w->conn->role == HILO_ROLE_AGENT && !w->conn->queue_watch)
                    hilo_conn_send(w->conn, f);
            hilo_frame_unref(f);
        } else if (kind == 'D' && route) {
            struct hilo_frame *f = hilo_frame_new(line + 1, (size_t)(eol - line - 1));
            for (struct hilo_watch *w = route->watches; f && w; w = w->rnext)
                if (w->conn->role == HILO_ROLE_AGENT)
                    hilo_conn_send(w->conn, f);
            hilo_frame_unref(f);
        } else if (kind == 'P' && route) {
            const char *sp = memchr(line + 1, ' ', (size_t)(eol - line - 1));
            if (sp) {
                size_t nlen = (size_t)(sp - line - 1);
                struct hilo_frame *f = hilo_frame_new(sp + 1, (size_t)(eol - sp - 1));
                for (struct hilo_watch *w = route->watches; f && w; w = w->rnext) {
                    struct hilo_conn *wc = w->conn;
                    if (wc->role != HILO_ROLE_AGENT ||
                        (wc->id && strlen(wc->id) == nlen && memcmp(wc->id, line + 1, nlen) == 0))
                        continue;
                    hilo_conn_send(wc, f);
                }
                hilo_frame_unref(f);
            }
        } else if (kind == 'Y' && route && eol - line > 2) {
            char from = line[1];
            struct hilo_frame *f = hilo_frame_new(line + 2, (size_t)(eol - line - 2));
            for (struct hilo_watch *w = route->watches; f && w; w = w->rnext) {
                if (from == 'c' && w->conn->role != HILO_ROLE_AGENT)
                    continue;
                hilo_conn_send(w->conn, f);
            }
            hilo_frame_unref(f);
        }
        line = eol + 1;
    }
}

static void publish_typing(struct hilo_conn *c, const char *ref, int state)
{
    struct hilo_server *s = c->srv;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "typing", "ticket", ref, "role",
                          c->role == HILO_ROLE_AGENT ? "agent" : "customer", "name",
                          c->name ? c->name : "", "state", state);
    char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
    struct hilo_buf b;
    hilo_buf_init(&b, 1 << 16);
    if (js && hilo_buf_adds(&b, ref) == 0 &&
        hilo_buf_adds(&b, c->role == HILO_ROLE_AGENT ? "\nYa" : "\nYc") == 0 &&
        hilo_buf_adds(&b, js) == 0) {
        const char *argv[] = {"PUBLISH", s->events_channel, b.p};
        size_t lens[] = {7, strlen(s->events_channel), b.len};
        hilo_redis_cmdargv(s->redis, NULL, NULL, 3, argv, lens);
    }
    hilo_buf_deinit(&b);
    free(js);
    json_decref(o);
}

/* Tells the other agents watching ref that this agent opened or left it;
 * the viewers hash lets an agent who opens it later see who is there. */
static void presence(struct hilo_conn *c, const char *ref, int viewing)
{
    struct hilo_server *s = c->srv;
    char vw[160], until[24];
    json_t *o;
    char *js;
    struct hilo_buf b;

    if (!c->id || !hilo_redis_ready(s->redis))
        return;
    hilo_key(vw, sizeof vw, HILO_K_VIEWERS, ref);
    snprintf(until, sizeof until, "%llu", (unsigned long long)(hilo_now_ms() + 30 * 60 * 1000));
    o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "presence", "ticket", ref, "agent", c->id,
                  "name", c->name ? c->name : c->id, "viewing", viewing);
    js = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    hilo_buf_init(&b, 1 << 16);
    if (js && hilo_buf_adds(&b, ref) == 0 && hilo_buf_adds(&b, "\nP") == 0 &&
        hilo_buf_adds(&b, c->id) == 0 && hilo_buf_adds(&b, " ") == 0 && hilo_buf_adds(&b, js) == 0) {
        const char *set[] = {"HSET", vw, c->id, until}, *del[] = {"HDEL", vw, c->id};
        const char *exp[] = {"PEXPIRE", vw, "1800000"};
        const char *pub[] = {"PUBLISH", s->events_channel, b.p};
        size_t publens[] = {7, strlen(s->events_channel), b.len};
        if (viewing)
            hilo_redis_cmdargv(s->redis, NULL, NULL, 4, set, NULL);
        else
            hilo_redis_cmdargv(s->redis, NULL, NULL, 3, del, NULL);
        hilo_redis_cmdargv(s->redis, NULL, NULL, 3, exp, NULL);
        hilo_redis_cmdargv(s->redis, NULL, NULL, 3, pub, publens);
    }
    hilo_buf_deinit(&b);
    free(js);
}

/* ---- catching up from Redis (resume, ticket.open, resync) -------------- */

enum sync_mode { SYNC_RESUME, SYNC_THREAD, SYNC_SILENT };

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
};

static void sync_page(struct sync_op *op);

static void sync_free(struct sync_op *op, int failed)
{
    struct hilo_watch *w = op->c->wsi ? watch_find(op->c, op->ref) : NULL;
    if (w) {
        if (failed && op->mode != SYNC_SILENT && w->syncing == 1) {
            /* Nothing was resumed: forget the watch entirely. */
            watch_free(op->c, w);
        } else {
            watch_sync_done(w);
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

/* "web:<hash>" -> "web" (the hash means nothing to people); others as they are. */
json_t *hilo_hub_identity_json(const char *v)
{
    if (strncmp(v, "web:", 4) == 0)
        return json_string("web");
    return json_string(v);
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
            json_array_append_new(ids, hilo_hub_identity_json(set->element[i]->str));
    json_object_set_new(op->cust, "identities", ids);
    op->viewers = json_array();
    if (vw->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i + 1 < vw->elements; i += 2)
            if (strcmp(vw->element[i]->str, c->id) != 0 &&
                strtoull(vw->element[i + 1]->str, NULL, 10) > now)
                json_array_append_new(op->viewers, json_string(vw->element[i]->str));
    op->others = json_array();
    op->waiting = 1; /* held until every request below is sent */
    size_t others = 0;
    if (tix->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < tix->elements && others < 10; i++) {
            const char *ref = tix->element[i]->str;
            struct hilo_ticket_keys k;
            struct call call;
            if (strcmp(ref, op->ref) == 0 || strlen(ref) >= HILO_REF_MAX)
                continue;
            hilo_ticket_keys(&k, ref);
            call_init(&call, HILO_S_HISTORY, 3);
            call_add(&call, k.tk);
            call_add(&call, k.ev);
            call_add(&call, k.dl);
            call_add(&call, "0");
            call_add(&call, "0");
            call_add(&call, "");
            call_add(&call, "0");
            if (call_send(c->srv, &call, thread_other_cb, op) == 0) {
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
    err = script_err(reply);
    if (!err && (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3))
        err = -HILO_EINTERNAL;
    if (err) {
        if (op->mode != SYNC_SILENT)
            hilo_conn_error(c, err, op->req, NULL);
        else if (err == -HILO_EUNAVAIL)
            /* A resync that failed: the next reconnect retries it. */
            hilo_debug("resync of %s failed", op->ref);
        sync_free(op, 1);
        return;
    }
    w = watch_find(c, op->ref);
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
        char cu[160], ids[160], tix[160], vw[160];
        op->summary = strndup(reply->element[0]->str, reply->element[0]->len);
        op->customer_id = strdup(cid ? cid : "");
        json_decref(sum);
        if (!more)
            snprintf(op->after, sizeof op->after, "done");
        hilo_key(cu, sizeof cu, HILO_K_CUSTOMER, op->customer_id);
        hilo_key(ids, sizeof ids, HILO_K_CUST_IDS, op->customer_id);
        hilo_key(tix, sizeof tix, HILO_K_CUST_TIX, op->customer_id);
        hilo_key(vw, sizeof vw, HILO_K_VIEWERS, op->ref);
        /* Context card: the reads in one transaction, one reply. */
        const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
        const char *hg[] = {"HGETALL", cu}, *sm[] = {"SMEMBERS", ids};
        const char *zr[] = {"ZREVRANGE", tix, "0", "10"}, *hv[] = {"HGETALL", vw};
        if (hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 1, m, NULL) < 0 ||
            hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 2, hg, NULL) < 0 ||
            hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 2, sm, NULL) < 0 ||
            hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 4, zr, NULL) < 0 ||
            hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 2, hv, NULL) < 0 ||
            hilo_redis_cmdargv(c->srv->redis, thread_customer_cb, op, 1, x, NULL) < 0) {
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
        send_json(c, o);
    }
    sync_free(op, 0);
}

static void sync_page(struct sync_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_ticket_keys k;
    struct call call;
    char count[16];
    int agent = c->role == HILO_ROLE_AGENT;

    hilo_ticket_keys(&k, op->ref);
    snprintf(count, sizeof count, "%d", op->mode == SYNC_THREAD ? 1000 : HISTORY_PAGE);
    call_init(&call, HILO_S_HISTORY, 3);
    call_add(&call, k.tk);
    call_add(&call, k.ev);
    call_add(&call, k.dl);
    call_add(&call, op->after);
    call_add(&call, agent ? "0" : "1");
    call_add(&call, agent ? "" : c->id);
    call_add(&call, count);
    if (call_send(c->srv, &call, sync_cb, op) < 0) {
        if (op->mode != SYNC_SILENT)
            hilo_conn_error(c, -HILO_EUNAVAIL, op->req, NULL);
        sync_free(op, 1);
    }
}

/* Starts catching a watch up from `after` (an id, or "0"). */
static void sync_start(struct hilo_conn *c, const char *ref, const char *after, enum sync_mode mode,
                       const char *req)
{
    struct hilo_watch *w = watch_get(c, ref);
    struct sync_op *op;
    uint64_t ms, seq;

    if (!w || parse_id(after, &ms, &seq) < 0) {
        hilo_conn_error(c, -HILO_EINTERNAL, req, NULL);
        return;
    }
    op = calloc(1, sizeof *op);
    if (!op) {
        hilo_conn_error(c, -HILO_EINTERNAL, req, NULL);
        return;
    }
    if (mode != SYNC_SILENT) {
        /* The client says what it has seen: trust it. */
        w->ms = ms;
        w->seq = seq;
    }
    w->syncing++;
    hilo_conn_ref(c);
    op->c = c;
    op->mode = mode;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->after, sizeof op->after, "%s", after);
    op->req = req ? strdup(req) : NULL;
    hilo_buf_init(&op->events, (size_t)1 << 30);
    sync_page(op);
}

static void queue_snapshot(struct hilo_conn *c, const char *req);

void hilo_hub_resync(struct hilo_server *s)
{
    /* The subscription was lost and is back: catch every watch up. */
    for (uint32_t i = 0; i < s->nroutes; i++)
        for (struct hilo_route *r = s->routes[i]; r; r = r->next)
            for (struct hilo_watch *w = r->watches; w; w = w->rnext) {
                char after[48];
                snprintf(after, sizeof after, "%llu-%llu", (unsigned long long)w->ms,
                         (unsigned long long)w->seq);
                sync_start(w->conn, r->ref, w->ms || w->seq ? after : "0", SYNC_SILENT, NULL);
            }
    for (struct hilo_conn *c = s->qw_head; c; c = c->qw_next)
        queue_snapshot(c, NULL);
}

/* ---- reference pool ----------------------------------------------------- */

struct reserve_op {
    struct hilo_server *s;
    char ref[HILO_REF_MAX];
};

static int reserve_send(struct hilo_server *s, int digits);

struct hilo_ref_waiter {
    struct hilo_ref_waiter *next;
    void (*fn)(void *data);
    void *data;
};

void hilo_hub_when_ref(struct hilo_server *s, void (*fn)(void *data), void *data)
{
    struct hilo_ref_waiter *w = calloc(1, sizeof *w);
    if (!w) {
        fn(data); /* fails to take a reference and reports it */
        return;
    }
    w->fn = fn;
    w->data = data;
    if (s->ref_waiters_tail)
        s->ref_waiters_tail->next = w;
    else
        s->ref_waiters = w;
    s->ref_waiters_tail = w;
    hilo_hub_fill_pool(s);
    if (!s->pool_filling)
        hilo_hub_drain_waiters(s, 1); /* nothing will refill: Redis is away */
}

/* Hands pooled references to those waiting; with `all`, everyone is called
 * (those who find the pool empty report that they could not create). */
void hilo_hub_drain_waiters(struct hilo_server *s, int all)
{
    while (s->ref_waiters && (s->npool > 0 || all)) {
        struct hilo_ref_waiter *w = s->ref_waiters;
        s->ref_waiters = w->next;
        if (!s->ref_waiters)
            s->ref_waiters_tail = NULL;
        w->fn(w->data);
        free(w);
    }
}

static void reserve_cb(redisReply *reply, void *data)
{
    struct reserve_op *op = data;
    struct hilo_server *s = op->s;
    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) {
        if (s->npool < (int)HILO_ARRAY_LEN(s->pool))
            memcpy(s->pool[s->npool++], op->ref, HILO_REF_MAX);
    } else if (reply && reply->type == REDIS_REPLY_INTEGER && s->pool_filling < 64) {
        /* Taken: try again, with a ninth digit, which grows the space
         * tenfold once eight digits get crowded. */
        s->pool_filling++;
        if (reserve_send(s, 9) < 0)
            s->pool_filling--;
    }
    s->pool_filling--;
    free(op);
    hilo_hub_drain_waiters(s, 0);
    if (s->pool_filling == 0 && s->npool < (int)HILO_ARRAY_LEN(s->pool) / 2 && reply)
        hilo_hub_fill_pool(s);
    if (s->pool_filling == 0)
        hilo_hub_drain_waiters(s, 1);
}

static int reserve_send(struct hilo_server *s, int digits)
{
    struct reserve_op *op = calloc(1, sizeof *op);
    struct hilo_ticket_keys k;
    struct call call;
    if (!op)
        return -ENOMEM;
    op->s = s;
    hilo_ref_generate(op->ref, digits);
    hilo_ticket_keys(&k, op->ref);
    call_init(&call, HILO_S_RESERVE, 2);
    call_add(&call, k.tk);
    call_add(&call, k.rsv);
    call_add(&call, s->instance);
    call_add(&call, "604800");
    if (call_send(s, &call, reserve_cb, op) < 0) {
        free(op);
        return -HILO_EUNAVAIL;
    }
    return 0;
}

/* Keeps references reserved in Redis ahead of need, so that creating a
 * ticket never waits for a uniqueness check (pool_filling counts the
 * reservations in flight). */
void hilo_hub_fill_pool(struct hilo_server *s)
{
    int want = (int)HILO_ARRAY_LEN(s->pool) - s->npool;
    if (s->pool_filling || s->npool >= (int)HILO_ARRAY_LEN(s->pool) / 2 || !hilo_redis_ready(s->redis))
        return;
    for (int i = 0; i < want; i++) {
        if (reserve_send(s, 8) < 0)
            break;
        s->pool_filling++;
    }
}

int hilo_hub_take_ref(struct hilo_server *s, char out[HILO_REF_MAX])
{
    if (s->npool == 0)
        return -1;
    memcpy(out, s->pool[--s->npool], HILO_REF_MAX);
    hilo_hub_fill_pool(s);
    return 0;
}

/* ---- deferred frames ---------------------------------------------------- */

static void defer(struct hilo_conn *c, json_t *msg)
{
    struct hilo_deferred *d;
    if (c->ndef >= MAX_DEFERRED) {
        hilo_conn_error(c, -HILO_ERATE, NULL, NULL);
        return;
    }
    d = malloc(sizeof *d);
    if (!d)
        return;
    d->msg = json_incref(msg);
    d->next = NULL;
    if (c->def_tail)
        c->def_tail->next = d;
    else
        c->def_head = d;
    c->def_tail = d;
    c->ndef++;
}

/* The operation that made the connection busy is over: replay what waited. */
static void unbusy(struct hilo_conn *c)
{
    c->busy = 0;
    while (c->wsi && !c->busy && c->def_head) {
        struct hilo_deferred *d = c->def_head;
        const char *type, *req;
        c->def_head = d->next;
        if (!c->def_head)
            c->def_tail = NULL;
        c->ndef--;
        type = json_string_value(json_object_get(d->msg, "type"));
        req = json_string_value(json_object_get(d->msg, "req"));
        hilo_hub_dispatch(c, d->msg, type, req);
        json_decref(d->msg);
        free(d);
    }
}

/* ---- customer ----------------------------------------------------------- */

struct hello_op {
    struct hilo_conn *c;
    char *req;
    char *after;
    char *name, *email;
    char *user_ident; /* "user:<id>" for a signed identity */
    int step;
    int has_locale;
};

static void hello_free(struct hello_op *op)
{
    hilo_conn_unref(op->c);
    free(op->req);
    free(op->after);
    free(op->name);
    free(op->email);
    free(op->user_ident);
    free(op);
}

/* Key of the search index for a customer-given email (lowercased). */
static void email_index_key(const char *email, char *out, size_t n)
{
    char low[260];
    size_t i;
    for (i = 0; email[i] && i < sizeof low - 1; i++)
        low[i] = (char)(email[i] >= 'A' && email[i] <= 'Z' ? email[i] - 'A' + 'a' : email[i]);
    low[i] = '\0';
    char arg[280];
    snprintf(arg, sizeof arg, "email:%s", low);
    hilo_key(out, n, HILO_K_SEARCH, arg);
}

static void welcome(struct hilo_conn *c, const char *token, const char *summary, size_t slen,
                    const char *req)
{
    struct hilo_buf b;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "type", "welcome", "token", token, "customer",
                          c->id, "locale", c->locale);
    char *js;
    if (req)
        json_object_set_new(o, "req", json_string(req));
    json_object_set_new(o, "ticket", json_null());
    js = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!js)
        return;
    hilo_buf_init(&b, (size_t)1 << 20);
    if (summary) {
        /* splice the summary json in place of null */
        char *null = strstr(js, "\"ticket\":null");
        hilo_buf_add(&b, js, (size_t)(null - js) + 9);
        hilo_buf_add(&b, summary, slen);
        hilo_buf_adds(&b, null + 13);
    } else {
        hilo_buf_adds(&b, js);
    }
    hilo_conn_send_buf(c, b.p, b.len);
    hilo_buf_deinit(&b);
    free(js);
}

static void hello_finish(struct hello_op *op, const char *summary, size_t slen)
{
    struct hilo_conn *c = op->c;
    c->ready = 1;
    welcome(c, c->cookie, summary, slen, op->req);
    if (summary && op->after && c->ticket[0])
        sync_start(c, c->ticket, op->after, SYNC_RESUME, NULL);
    hello_free(op);
    unbusy(c);
}

static void hello_fail(struct hello_op *op, int err)
{
    struct hilo_conn *c = op->c;
    hilo_conn_error(c, err, op->req, NULL);
    hello_free(op);
    unbusy(c);
}

static void hello_cb(redisReply *reply, void *data);

static void hello_summary(struct hello_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_ticket_keys k;
    struct call call;
    if (!c->ticket[0]) {
        hello_finish(op, NULL, 0);
        return;
    }
    op->step = 3;
    hilo_ticket_keys(&k, c->ticket);
    call_init(&call, HILO_S_HISTORY, 3);
    call_add(&call, k.tk);
    call_add(&call, k.ev);
    call_add(&call, k.dl);
    call_add(&call, "0");
    call_add(&call, "1");
    call_add(&call, c->id);
    call_add(&call, "0");
    if (call_send(c->srv, &call, hello_cb, op) < 0)
        hello_fail(op, -HILO_EUNAVAIL);
}

static void hello_cb(redisReply *reply, void *data)
{
    struct hello_op *op = data;
    struct hilo_conn *c = op->c;

    if (!c->wsi) {
        hello_free(op);
        return;
    }
    if (!reply) {
        hello_fail(op, -HILO_EUNAVAIL);
        return;
    }
    switch (op->step) {
    case 1: { /* MULTI: GET web ident [, GET user ident] */
        const char *web = NULL, *user = NULL;
        char cu[160];
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) {
            hello_fail(op, -HILO_EINTERNAL);
            return;
        }
        if (reply->element[0]->type == REDIS_REPLY_STRING)
            web = reply->element[0]->str;
        if (reply->elements > 1 && reply->element[1]->type == REDIS_REPLY_STRING)
            user = reply->element[1]->str;
        if (user || web) {
            free(c->id);
            c->id = strdup(user ? user : web);
        }
        if (op->user_ident || op->name || op->email) {
            /* Signed identity or pre-chat fields: write them now. */
            char ik[160], iu[160], ids[160], tix[160];
            struct call call;
            const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
            hilo_key(cu, sizeof cu, HILO_K_CUSTOMER, c->id);
            hilo_key(ids, sizeof ids, HILO_K_CUST_IDS, c->id);
            hilo_key(tix, sizeof tix, HILO_K_CUST_TIX, c->id);
            hilo_key(ik, sizeof ik, HILO_K_IDENT, c->ident);
            call_init(&call, HILO_S_CUST, 3);
            call_add(&call, cu);
            call_add(&call, ids);
            call_add(&call, tix);
            call_add(&call, c->id);
            call_add(&call, c->ident);
            call_add(&call, op->name ? op->name : "");
            call_add(&call, op->email ? op->email : "");
            call_add(&call, c->locale);
            call_add(&call, "");
            call_add(&call, op->user_ident ? op->user_ident : "");
            op->step = 2;
            int rc = hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 1, m, NULL);
            if (rc == 0)
                rc = call_send(c->srv, &call, NULL, NULL);
            if (rc == 0) {
                const char *set[] = {"SET", ik, c->id};
                rc = hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 3, set, NULL);
            }
            if (rc == 0 && op->email) {
                char ix[400];
                email_index_key(op->email, ix, sizeof ix);
                const char *sadd[] = {"SADD", ix, c->id};
                rc = hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 3, sadd, NULL);
            }
            if (rc == 0 && op->user_ident) {
                hilo_key(iu, sizeof iu, HILO_K_IDENT, op->user_ident);
                const char *set[] = {"SET", iu, c->id, "NX"};
                rc = hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 4, set, NULL);
            }
            if (rc == 0) {
                const char *hg[] = {"HGETALL", cu};
                rc = hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 2, hg, NULL);
            }
            if (rc == 0)
                rc = hilo_redis_cmdargv(c->srv->redis, hello_cb, op, 1, x, NULL);
            if (rc < 0)
                hello_fail(op, -HILO_EUNAVAIL);
            return;
        }
        if (!web) {
            hello_finish(op, NULL, 0); /* a new visitor: nothing stored yet */
            return;
        }
        hilo_key(cu, sizeof cu, HILO_K_CUSTOMER, c->id);
        op->step = 2;
        const char *hg[] = {"HGETALL", cu};
        if (hilo_redis_cmdargv(c->srv->redis, hello_cb, op, 2, hg, NULL) < 0)
            hello_fail(op, -HILO_EUNAVAIL);
        return;
    }
    case 2: { /* HGETALL customer (alone, or last of the write transaction) */
        redisReply *h = reply;
        if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
            reply->element[reply->elements - 1]->type == REDIS_REPLY_ARRAY &&
            (op->user_ident || op->name || op->email))
            h = reply->element[reply->elements - 1];
        if (h->type != REDIS_REPLY_ARRAY) {
            hello_fail(op, -HILO_EINTERNAL);
            return;
        }
        for (size_t i = 0; i + 1 < h->elements; i += 2) {
            const char *key = h->element[i]->str, *v = h->element[i + 1]->str;
            if (strcmp(key, "cur") == 0 && strlen(v) < HILO_REF_MAX)
                snprintf(c->ticket, sizeof c->ticket, "%s", v);
            else if (strcmp(key, "name") == 0 && !c->name)
                c->name = strdup(v);
            else if (strcmp(key, "email") == 0 && !c->email)
                c->email = strdup(v);
            else if (strcmp(key, "locale") == 0 && !op->has_locale)
                snprintf(c->locale, sizeof c->locale, "%s", hilo_i18n_lang(v));
        }
        hello_summary(op);
        return;
    }
    case 3: { /* summary of the current ticket */
        if (script_err(reply) || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) {
            c->ticket[0] = '\0';
            hello_finish(op, NULL, 0);
            return;
        }
        hello_finish(op, reply->element[0]->str, reply->element[0]->len);
        return;
    }
    }
}

static void new_token(char out[64])
{
    unsigned char rnd[24];
    randombytes_buf(rnd, sizeof rnd);
    memcpy(out, "v1.", 3);
    sodium_bin2base64(out + 3, 61, rnd, sizeof rnd, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void hex_sha256(const char *s, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* Checks a signed identity; returns 0 and sets *user_id, or an error. */
static int identity_check(struct hilo_server *s, json_t *id, const char **user_id,
                          const char **name, const char **email)
{
    const struct hilo_config *cfg = s->cfg;
    const char *uid, *nm, *em, *sig;
    json_t *ts;
    long long t, now;
    char hex[65];
    int bad = 0;

    if (!json_is_object(id))
        return -HILO_EBADFRAME;
    uid = str_field(id, "user_id", 128, &bad);
    nm = str_field(id, "name", 200, &bad);
    em = str_field(id, "email", 254, &bad);
    sig = str_field(id, "sig", 64, &bad);
    ts = json_object_get(id, "ts");
    if (bad || !uid || !*uid || !sig || !json_is_integer(ts))
        return -HILO_EBADFRAME;
    if (!cfg->identity_secret[0])
        return -HILO_EFORBIDDEN;
    t = json_integer_value(ts);
    now = (long long)(hilo_now_ms() / 1000);
    if (t > now + cfg->identity_max_age || t < now - cfg->identity_max_age)
        return -HILO_EFORBIDDEN;
    if (hilo_proto_identity_sig(cfg->identity_secret, uid, em, nm, t, hex) < 0)
        return -HILO_EBADFRAME;
    if (strlen(sig) != 64 || sodium_memcmp(hex, sig, 64) != 0)
        return -HILO_EFORBIDDEN;
    *user_id = uid;
    *name = nm;
    *email = em;
    return 0;
}

static void customer_hello(struct hilo_conn *c, json_t *msg, const char *req)
{
    int bad = 0, err;
    const char *token = str_field(msg, "token", 128, &bad);
    const char *locale = str_field(msg, "locale", 35, &bad);
    const char *name = str_field(msg, "name", 200, &bad);
    const char *email = str_field(msg, "email", 254, &bad);
    const char *after = str_field(msg, "after", 40, &bad);
    const char *uid = NULL, *iname = NULL, *iemail = NULL;
    json_t *identity = json_object_get(msg, "identity");
    char tok[64], hash[65], ident[80], k1[160], k2[160];
    uint64_t ms, seq;
    struct hello_op *op;

    if (c->ready) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
        return;
    }
    if (bad || (after && parse_id(after, &ms, &seq) < 0)) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
        return;
    }
    if (identity && !json_is_null(identity)) {
        err = identity_check(c->srv, identity, &uid, &iname, &iemail);
        if (err) {
            hilo_conn_error(c, err, req, NULL);
            return;
        }
        if (iname && *iname)
            name = iname;
        if (iemail && *iemail)
            email = iemail;
    }
    if (token && hilo_proto_token_ok(token))
        snprintf(tok, sizeof tok, "%s", token);
    else
        new_token(tok);
    hex_sha256(tok, hash);
    snprintf(ident, sizeof ident, "web:%.32s", hash);
    free(c->cookie);
    c->cookie = strdup(tok); /* for customers: the visitor token */
    free(c->ident);
    c->ident = strdup(ident);
    snprintf(c->locale, sizeof c->locale, "%s", hilo_i18n_lang(locale));
    if (name && *name)
        c->name = strdup(name);
    if (email && *email)
        c->email = strdup(email);
    {
        unsigned char rnd[10];
        char hex[21];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        free(c->id);
        c->id = malloc(23);
        snprintf(c->id, 23, "c%s", hex);
    }
    op = calloc(1, sizeof *op);
    if (!op) {
        hilo_conn_error(c, -HILO_EINTERNAL, req, NULL);
        return;
    }
    hilo_conn_ref(c);
    op->c = c;
    op->req = req ? strdup(req) : NULL;
    op->after = after ? strdup(after) : NULL;
    op->name = name && *name ? strdup(name) : NULL;
    op->email = email && *email ? strdup(email) : NULL;
    if (uid) {
        op->user_ident = malloc(strlen(uid) + 6);
        sprintf(op->user_ident, "user:%s", uid); /* NOLINT: sized above */
    }
    op->step = 1;
    op->has_locale = locale != NULL;
    c->busy = 1;
    hilo_key(k1, sizeof k1, HILO_K_IDENT, ident);
    const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
    const char *g1[] = {"GET", k1};
    int rc = hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 1, m, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 2, g1, NULL);
    if (rc == 0 && op->user_ident) {
        hilo_key(k2, sizeof k2, HILO_K_IDENT, op->user_ident);
        const char *g2[] = {"GET", k2};
        rc = hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 2, g2, NULL);
    }
    if (rc == 0)
        rc = hilo_redis_cmdargv(c->srv->redis, hello_cb, op, 1, x, NULL);
    if (rc < 0)
        hello_fail(op, -HILO_EUNAVAIL);
}

struct msg_op {
    struct hilo_conn *c;
    char *req;
    char *client_id;
    char *text;
    size_t text_len;
    char ref[HILO_REF_MAX];
    char op[12];
    int creating;
    int waited;          /* waited once for a reference */
    char *channel;       /* agent replies: the channel asked for, or NULL */
    char *delivery;      /* delivery json for the outbox, or NULL (web) */
    char *outbox[24];    /* outbox entry field/value pairs */
    int noutbox;
    const char *fields[8]; /* ticket fields to set (unused by the hub) */
    int nfields;
    json_t *entry;       /* outbox entry to queue with the event */
    json_t *template;    /* WhatsApp template {name, language, params} */
};

static void msg_free(struct msg_op *op)
{
    for (int i = 0; i < op->noutbox; i++)
        free(op->outbox[i]);
    free(op->channel);
    free(op->delivery);
    json_decref(op->entry);
    json_decref(op->template);
    hilo_conn_unref(op->c);
    free(op->req);
    free(op->client_id);
    free(op->text);
    free(op);
}

static void send_ack(struct hilo_conn *c, const char *client_id, const char *ref,
                     const char *event_id, int dup, const char *req)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "ack", "client_id", client_id,
                          "ticket", ref, "event_id", event_id, "duplicate", dup);
    if (req)
        json_object_set_new(o, "req", json_string(req));
    send_json(c, o);
}

static void customer_create(struct msg_op *op);
static void customer_append(struct msg_op *op);

static void create_cb(redisReply *reply, void *data)
{
    struct msg_op *op = data;
    struct hilo_conn *c = op->c;
    int err = 0;
    redisReply *res;

    if (!reply)
        err = -HILO_EUNAVAIL;
    else if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
        err = script_err(reply) ? script_err(reply) : -HILO_EINTERNAL;
    if (!err) {
        res = reply->element[0];
        err = script_err(res);
        if (!err && (res->type != REDIS_REPLY_ARRAY || res->elements != 2))
            err = -HILO_EINTERNAL;
    }
    if (!c->wsi)
        goto out;
    if (err) {
        struct hilo_watch *w = watch_find(c, op->ref);
        if (w && !w->ms && !w->seq && !w->syncing)
            watch_free(c, w);
        hilo_conn_error(c, err, op->req, op->client_id);
        goto out;
    }
    snprintf(c->ticket, sizeof c->ticket, "%s", op->ref);
    send_ack(c, op->client_id, op->ref, reply->element[0]->element[0]->str, 0, op->req);
out:
    msg_free(op);
    if (c->wsi)
        unbusy(c);
}

static void customer_create_again(void *data) { customer_create(data); }

static void customer_create(struct msg_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_server *s = c->srv;
    struct hilo_ticket_keys k;
    struct call create, cust;
    char ack[512], eta[16], now[24], cu[160], ids[160], tix[160], ik[160], dkey[200];
    char act[128], all[128];
    int rc;

    if (!c->wsi) {
        msg_free(op);
        return;
    }
    if (hilo_hub_take_ref(s, op->ref) < 0) {
        if (!op->waited) {
            /* tickets come faster than the pool refills: wait for it */
            op->waited = 1;
            c->busy = 1;
            hilo_hub_when_ref(s, customer_create_again, op);
            return;
        }
        hilo_conn_error(c, -HILO_EUNAVAIL, op->req, op->client_id);
        msg_free(op);
        unbusy(c);
        return;
    }
    op->creating = 1;
    c->busy = 1; /* later messages wait for the ticket to exist */
    /* Route before writing, so the published events find this connection. */
    watch_get(c, op->ref);
    hilo_ticket_keys(&k, op->ref);
    hilo_i18n_ack(c->locale, op->ref, s->cfg->ack_eta_minutes, ack, sizeof ack);
    snprintf(eta, sizeof eta, "%d", s->cfg->ack_eta_minutes);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    snprintf(dkey, sizeof dkey, "c:%s:%s", c->id, op->client_id);
    call_init(&create, HILO_S_CREATE, 5);
    call_add(&create, k.tk);
    call_add(&create, k.ev);
    call_add(&create, k.dd);
    call_add(&create, k.rsv);
    call_add(&create, k.dl);
    call_add(&create, s->events_channel);
    call_add(&create, op->ref);
    call_add(&create, c->id);
    call_add(&create, "web");
    call_add(&create, c->name ? c->name : "");
    call_addn(&create, op->text, op->text_len);
    call_add(&create, dkey);
    call_add(&create, op->client_id);
    call_add(&create, c->locale);
    call_add(&create, ack);
    call_add(&create, eta);
    call_add(&create, "");
    call_add(&create, "");
    call_add(&create, "message");
    hilo_key(cu, sizeof cu, HILO_K_CUSTOMER, c->id);
    hilo_key(ids, sizeof ids, HILO_K_CUST_IDS, c->id);
    hilo_key(tix, sizeof tix, HILO_K_CUST_TIX, c->id);
    hilo_key(ik, sizeof ik, HILO_K_IDENT, c->ident);
    hilo_key(act, sizeof act, HILO_K_IDX_ACTIVE, NULL);
    hilo_key(all, sizeof all, HILO_K_IDX_ALL, NULL);
    call_init(&cust, HILO_S_CUST, 3);
    call_add(&cust, cu);
    call_add(&cust, ids);
    call_add(&cust, tix);
    call_add(&cust, c->id);
    call_add(&cust, c->ident);
    call_add(&cust, c->name ? c->name : "");
    call_add(&cust, c->email ? c->email : "");
    call_add(&cust, c->locale);
    call_add(&cust, op->ref);
    call_add(&cust, "");
    {
        const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
        const char *set[] = {"SET", ik, c->id, "NX"};
        const char *z1[] = {"ZADD", act, "NX", now, op->ref};
        const char *z2[] = {"ZADD", all, "NX", now, op->ref};
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, m, NULL);
        if (rc == 0)
            rc = call_send(s, &create, NULL, NULL);
        if (rc == 0)
            rc = call_send(s, &cust, NULL, NULL);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 4, set, NULL);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, z1, NULL);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, z2, NULL);
        if (rc == 0 && c->email) {
            char ix[400];
            email_index_key(c->email, ix, sizeof ix);
            const char *sadd[] = {"SADD", ix, c->id};
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 3, sadd, NULL);
        }
        if (rc == 0)
            rc = hilo_outbox_add_webhook(s->outbox, op->ref);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, create_cb, op, 1, x, NULL);
    }
    if (rc < 0) {
        struct hilo_watch *w = watch_find(c, op->ref);
        if (w && !w->ms && !w->seq && !w->syncing)
            watch_free(c, w);
        hilo_conn_error(c, -HILO_EUNAVAIL, op->req, op->client_id);
        msg_free(op);
        unbusy(c);
    }
}

static void append_cb(redisReply *reply, void *data)
{
    struct msg_op *op = data;
    struct hilo_conn *c = op->c;
    redisReply *res = reply;
    int err;

    /* resolve and status changes come as MULTI/EXEC: the script is first */
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
        reply->element[0]->type != REDIS_REPLY_STRING)
        res = reply->element[0];
    err = script_err(res);
    if (!err && (res->type != REDIS_REPLY_ARRAY || res->elements != 3))
        err = -HILO_EINTERNAL;
    if (!c->wsi)
        goto out;
    if (c->role == HILO_ROLE_CUSTOMER && strcmp(op->op, "message") == 0 &&
        (err == -HILO_EBADSTATE || err == -HILO_EUNKNOWNTICKET || err == -HILO_EFORBIDDEN)) {
        /* The current ticket is closed (or gone): this opens a new one. */
        struct hilo_watch *w = watch_find(c, op->ref);
        if (w && !w->syncing)
            watch_free(c, w);
        c->ticket[0] = '\0';
        c->busy = 0;
        customer_create(op);
        return;
    }
    if (err) {
        hilo_conn_error(c, err, op->req, op->client_id);
        goto out;
    }
    send_ack(c, op->client_id, op->ref, res->element[0]->str, res->element[1]->integer == 1,
             op->req);
out:
    msg_free(op);
}

/* message / reply / note / resolve */
static void send_append(struct msg_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_server *s = c->srv;
    int agent = c->role == HILO_ROLE_AGENT;
    struct hilo_ticket_keys k;
    struct call call;
    char dkey[200];
    int rc;

    hilo_ticket_keys(&k, op->ref);
    snprintf(dkey, sizeof dkey, "%c:%s:%s", agent ? 'a' : 'c', c->id, op->client_id);
    call_init(&call, HILO_S_APPEND, 4);
    call_add(&call, k.tk);
    call_add(&call, k.ev);
    call_add(&call, k.dd);
    call_add(&call, k.dl);
    call_add(&call, s->events_channel);
    call_add(&call, op->ref);
    call_add(&call, op->op);
    call_add(&call, "web");
    call_add(&call, agent ? "agent" : "customer");
    call_add(&call, c->id);
    call_add(&call, c->name ? c->name : "");
    call_addn(&call, op->text, op->text_len);
    call_add(&call, dkey);
    call_add(&call, op->client_id);
    call_add(&call, "");
    call_add(&call, agent ? "" : c->id);
    call_add(&call, op->delivery ? op->delivery : "");
    for (int i = 0; i < op->nfields; i++)
        call_add(&call, op->fields[i]);
    if (strcmp(op->op, "resolve") == 0 || strcmp(op->op, "message") == 0 || op->entry ||
        s->cfg->webhook_url[0]) {
        /* the queue index and the outbox change with the ticket, in one
         * transaction */
        char idx[128], now[24];
        const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
        hilo_key(idx, sizeof idx, HILO_K_IDX_ACTIVE, NULL);
        snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
        const char *zrem[] = {"ZREM", idx, op->ref};
        const char *zadd[] = {"ZADD", idx, "NX", now, op->ref};
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, m, NULL);
        if (rc == 0)
            rc = call_send(s, &call, NULL, NULL);
        if (rc == 0 && strcmp(op->op, "resolve") == 0)
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 3, zrem, NULL);
        else if (rc == 0 && strcmp(op->op, "message") == 0)
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, zadd, NULL);
        if (rc == 0 && op->entry)
            rc = hilo_outbox_add(s->outbox, op->entry);
        if (rc == 0)
            rc = hilo_outbox_add_webhook(s->outbox, op->ref);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, append_cb, op, 1, x, NULL);
    } else {
        rc = call_send(s, &call, append_cb, op);
    }
    if (rc < 0) {
        hilo_conn_error(c, -HILO_EUNAVAIL, op->req, op->client_id);
        msg_free(op);
    }
}

static void customer_append(struct msg_op *op) { send_append(op); }

/* Validates client_id and text; returns a new op or NULL (error sent). */
static struct msg_op *msg_parse(struct hilo_conn *c, json_t *msg, const char *req, const char *kind)
{
    int bad = 0;
    const char *cid = str_field(msg, "client_id", 64, &bad);
    json_t *text = json_object_get(msg, "text");
    struct msg_op *op;

    if (bad || !cid || !*cid || !json_is_string(text) || json_string_length(text) == 0) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, cid);
        return NULL;
    }
    if (hilo_proto_chars(json_string_value(text), json_string_length(text)) >
        (size_t)c->srv->cfg->max_text) {
        hilo_conn_error(c, -HILO_ETEXTLONG, req, cid);
        return NULL;
    }
    op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    hilo_conn_ref(c);
    op->c = c;
    op->req = req ? strdup(req) : NULL;
    op->client_id = strdup(cid);
    op->text_len = json_string_length(text);
    op->text = malloc(op->text_len + 1);
    memcpy(op->text, json_string_value(text), op->text_len + 1);
    snprintf(op->op, sizeof op->op, "%s", kind);
    return op;
}

static void customer_message(struct hilo_conn *c, json_t *msg, const char *req)
{
    struct msg_op *op = msg_parse(c, msg, req, "message");
    if (!op)
        return;
    if (!hilo_redis_ready(c->srv->redis)) {
        hilo_conn_error(c, -HILO_EUNAVAIL, req, op->client_id);
        msg_free(op);
        return;
    }
    if (!c->ticket[0]) {
        customer_create(op);
        return;
    }
    snprintf(op->ref, sizeof op->ref, "%s", c->ticket);
    if (!watch_find(c, c->ticket)) {
        /* Live from now on, so the sender sees its own message echoed. */
        struct hilo_watch *w = watch_get(c, c->ticket);
        (void)w;
    }
    customer_append(op);
}

static int ticket_field(struct hilo_conn *c, json_t *msg, const char *req, char ref[HILO_REF_MAX])
{
    int bad = 0;
    const char *t = str_field(msg, "ticket", 32, &bad);
    if (bad || !t) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
        return -1;
    }
    if (hilo_ref_normalize(t, ref) < 0) {
        hilo_conn_error(c, -HILO_EUNKNOWNTICKET, req, NULL);
        return -1;
    }
    return 0;
}

static void customer_resume(struct hilo_conn *c, json_t *msg, const char *req)
{
    char ref[HILO_REF_MAX];
    int bad = 0;
    const char *after = str_field(msg, "after", 40, &bad);
    uint64_t ms, seq;
    if (ticket_field(c, msg, req, ref) < 0)
        return;
    if (bad || !after || parse_id(after, &ms, &seq) < 0) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
        return;
    }
    sync_start(c, ref, after, SYNC_RESUME, req);
}

static void customer_typing(struct hilo_conn *c, json_t *msg, const char *req)
{
    json_t *st = json_object_get(msg, "state");
    if (!json_is_boolean(st)) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
        return;
    }
    if (c->ticket[0])
        publish_typing(c, c->ticket, json_is_true(st));
}

/* ---- agent -------------------------------------------------------------- */

struct queue_op {
    struct hilo_conn *c;
    char *req;
    size_t n, done;
    char **refs;
    char **summaries;
};

static void queue_free(struct queue_op *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->refs[i]);
        free(q->summaries[i]);
    }
    free(q->refs);
    free(q->summaries);
    free(q->req);
    hilo_conn_unref(q->c);
    free(q);
}

static void queue_finish(struct queue_op *q)
{
    struct hilo_conn *c = q->c;
    struct hilo_buf b;
    char idx[128];
    if (!c->wsi)
        goto out;
    hilo_key(idx, sizeof idx, HILO_K_IDX_ACTIVE, NULL);
    hilo_buf_init(&b, (size_t)1 << 30);
    hilo_buf_adds(&b, "{\"type\":\"queue\",");
    if (q->req) {
        json_t *r = json_string(q->req);
        char *rs = json_dumps(r, JSON_ENCODE_ANY);
        hilo_buf_adds(&b, "\"req\":");
        hilo_buf_adds(&b, rs);
        hilo_buf_adds(&b, ",");
        free(rs);
        json_decref(r);
    }
    hilo_buf_adds(&b, "\"tickets\":[");
    int first = 1;
    for (size_t i = 0; i < q->n; i++) {
        if (!q->summaries[i])
            continue;
        if (!strstr(q->summaries[i], "\"status\":\"open\"") &&
            !strstr(q->summaries[i], "\"status\":\"pending\"")) {
            /* The index is repaired lazily: it only lists active tickets. */
            const char *zrem[] = {"ZREM", idx, q->refs[i]};
            hilo_redis_cmdargv(c->srv->redis, NULL, NULL, 3, zrem, NULL);
            continue;
        }
        if (!first)
            hilo_buf_adds(&b, ",");
        first = 0;
        hilo_buf_adds(&b, q->summaries[i]);
    }
    hilo_buf_adds(&b, "]}");
    hilo_conn_send_buf(c, b.p, b.len);
    hilo_buf_deinit(&b);
out:
    queue_free(q);
}

static void queue_item_cb(redisReply *reply, void *data)
{
    struct queue_op *q = data;
    size_t i = q->done++;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1)
        q->summaries[i] = strndup(reply->element[0]->str, reply->element[0]->len);
    if (!reply && q->c->wsi && q->done == q->n) {
        hilo_conn_error(q->c, -HILO_EUNAVAIL, q->req, NULL);
        queue_free(q);
        return;
    }
    if (q->done == q->n)
        queue_finish(q);
}

static void queue_list_cb(redisReply *reply, void *data)
{
    struct queue_op *q = data;
    struct hilo_conn *c = q->c;
    if (!c->wsi) {
        queue_free(q);
        return;
    }
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        hilo_conn_error(c, -HILO_EUNAVAIL, q->req, NULL);
        queue_free(q);
        return;
    }
    q->n = reply->elements;
    if (q->n == 0) {
        queue_finish(q);
        return;
    }
    q->refs = calloc(q->n, sizeof *q->refs);
    q->summaries = calloc(q->n, sizeof *q->summaries);
    for (size_t i = 0; i < q->n; i++)
        q->refs[i] = strndup(reply->element[i]->str, reply->element[i]->len);
    /* one pipelined batch: every summary in the same round trip */
    size_t n = q->n;
    for (size_t i = 0; i < n; i++) {
        struct hilo_ticket_keys k;
        struct call call;
        hilo_ticket_keys(&k, q->refs[i]);
        call_init(&call, HILO_S_HISTORY, 3);
        call_add(&call, k.tk);
        call_add(&call, k.ev);
        call_add(&call, k.dl);
        call_add(&call, "0");
        call_add(&call, "0");
        call_add(&call, "");
        call_add(&call, "0");
        if (call_send(c->srv, &call, queue_item_cb, q) < 0) {
            /* Not sent: count it as done without a summary. */
            if (++q->done == q->n) {
                queue_finish(q);
                return;
            }
        }
    }
}

static void queue_snapshot(struct hilo_conn *c, const char *req)
{
    char idx[128];
    struct queue_op *q = calloc(1, sizeof *q);
    if (!q)
        return;
    hilo_conn_ref(c);
    q->c = c;
    q->req = req ? strdup(req) : NULL;
    hilo_key(idx, sizeof idx, HILO_K_IDX_ACTIVE, NULL);
    const char *argv[] = {"ZRANGE", idx, "0", "999"};
    if (hilo_redis_cmdargv(c->srv->redis, queue_list_cb, q, 4, argv, NULL) < 0) {
        hilo_conn_error(c, -HILO_EUNAVAIL, req, NULL);
        queue_free(q);
    }
}

static void agent_queue_watch(struct hilo_conn *c, const char *req)
{
    struct hilo_server *s = c->srv;
    if (!c->queue_watch) {
        /* Live first, then the snapshot: clients keep the newer updated_at. */
        c->queue_watch = 1;
        c->qw_prev = NULL;
        c->qw_next = s->qw_head;
        if (s->qw_head)
            s->qw_head->qw_prev = c;
        s->qw_head = c;
    }
    queue_snapshot(c, req);
}

static void agent_queue_unwatch(struct hilo_conn *c, const char *req)
{
    struct hilo_server *s = c->srv;
    if (c->queue_watch) {
        if (c->qw_prev)
            c->qw_prev->qw_next = c->qw_next;
        else
            s->qw_head = c->qw_next;
        if (c->qw_next)
            c->qw_next->qw_prev = c->qw_prev;
        c->queue_watch = 0;
    }
    send_ok(c, req);
}

static void agent_open(struct hilo_conn *c, json_t *msg, const char *req)
{
    char ref[HILO_REF_MAX];
    int bad = 0;
    const char *after = str_field(msg, "after", 40, &bad);
    uint64_t ms, seq;
    if (ticket_field(c, msg, req, ref) < 0)
        return;
    if (bad || (after && parse_id(after, &ms, &seq) < 0)) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
        return;
    }
    sync_start(c, ref, after ? after : "0", SYNC_THREAD, req);
    struct hilo_watch *w = watch_find(c, ref);
    if (w && !w->viewing) {
        w->viewing = 1;
        presence(c, ref, 1);
    }
}

static void agent_close_ticket(struct hilo_conn *c, json_t *msg, const char *req)
{
    char ref[HILO_REF_MAX];
    struct hilo_watch *w;
    if (ticket_field(c, msg, req, ref) < 0)
        return;
    w = watch_find(c, ref);
    if (w && w->viewing) {
        w->viewing = 0;
        presence(c, ref, 0);
    }
    if (w && !w->syncing)
        watch_free(c, w);
    send_ok(c, req);
}

/* Where the customer can be reached decides the outbox entry. */
static void reply_route_cb(redisReply *reply, void *data)
{
    struct msg_op *op = data;
    struct hilo_conn *c = op->c;
    char dkey[200];
    int rc;
    if (!c->wsi) {
        msg_free(op);
        return;
    }
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        hilo_conn_error(c, -HILO_EUNAVAIL, op->req, op->client_id);
        msg_free(op);
        return;
    }
    const char *fields[HILO_OUTBOX_NFIELDS];
    for (int i = 0; i < HILO_OUTBOX_NFIELDS; i++)
        fields[i] = (size_t)i < reply->elements && reply->element[i]->type == REDIS_REPLY_STRING
                        ? reply->element[i]->str
                        : "";
    snprintf(dkey, sizeof dkey, "a:%s:%s", c->id, op->client_id);
    rc = hilo_route_entry(c->srv->cfg, op->channel, fields, op->ref, dkey, op->text, &op->entry,
                           &op->delivery);
    if (rc < 0) {
        hilo_conn_error(c, rc, op->req, op->client_id);
        msg_free(op);
        return;
    }
    if (op->template) {
        /* templates exist on the WhatsApp Cloud API only */
        if (!op->entry || strcmp(json_string_value(json_object_get(op->entry, "ch")), "whatsapp") != 0 ||
            strcmp(json_string_value(json_object_get(op->entry, "via")), "cloud") != 0) {
            hilo_conn_error(c, -HILO_EBADSTATE, op->req, op->client_id);
            msg_free(op);
            return;
        }
        json_t *t = op->template;
        char *params = json_dumps(json_object_get(t, "params") ? json_object_get(t, "params") : json_array(),
                                  JSON_COMPACT);
        json_object_set(op->entry, "tpl", json_object_get(t, "name"));
        json_object_set(op->entry, "tpl_lang", json_object_get(t, "language"));
        json_object_set_new(op->entry, "tpl_params", json_string(params ? params : "[]"));
        free(params);
    }
    send_append(op);
}

static void agent_write(struct hilo_conn *c, json_t *msg, const char *req, const char *kind)
{
    char ref[HILO_REF_MAX], tk[128];
    struct msg_op *op;
    int bad = 0;
    const char *channel = str_field(msg, "channel", 16, &bad);
    if (ticket_field(c, msg, req, ref) < 0)
        return;
    if (bad || (channel && strcmp(channel, "web") != 0 && strcmp(channel, "whatsapp") != 0 &&
                strcmp(channel, "sms") != 0 && strcmp(channel, "email") != 0)) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
        return;
    }
    json_t *tpl = json_object_get(msg, "template");
    if (tpl) {
        json_t *tn = json_object_get(tpl, "name"), *tl = json_object_get(tpl, "language");
        json_t *tp = json_object_get(tpl, "params");
        int ok = json_is_object(tpl) && json_is_string(tn) && json_string_length(tn) > 0 &&
                 json_string_length(tn) <= 512 && json_is_string(tl) && json_string_length(tl) > 0 &&
                 json_string_length(tl) <= 15 && (!tp || (json_is_array(tp) && json_array_size(tp) <= 10));
        for (size_t i = 0; ok && tp && i < json_array_size(tp); i++)
            ok = json_is_string(json_array_get(tp, i)) && json_string_length(json_array_get(tp, i)) <= 1024;
        if (!ok || strcmp(kind, "note") == 0) {
            hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
            return;
        }
    }
    op = msg_parse(c, msg, req, kind);
    if (!op)
        return;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    op->template = tpl ? json_incref(tpl) : NULL;
    if (strcmp(kind, "note") == 0) {
        send_append(op);
        return;
    }
    op->channel = channel ? strdup(channel) : NULL;
    hilo_key(tk, sizeof tk, HILO_K_TICKET, ref);
    const char *argv[2 + HILO_OUTBOX_NFIELDS];
    argv[0] = "HMGET";
    argv[1] = tk;
    for (int i = 0; i < HILO_OUTBOX_NFIELDS; i++)
        argv[2 + i] = hilo_outbox_ticket_fields[i];
    if (hilo_redis_cmdargv(c->srv->redis, reply_route_cb, op, 2 + HILO_OUTBOX_NFIELDS, argv, NULL) < 0) {
        hilo_conn_error(c, -HILO_EUNAVAIL, req, op->client_id);
        msg_free(op);
    }
}

struct retry_frame {
    struct hilo_conn *c;
    char *req;
};

static void delivery_retried(int err, void *data)
{
    struct retry_frame *f = data;
    if (f->c->wsi) {
        if (err)
            hilo_conn_error(f->c, err, f->req, NULL);
        else
            send_ok(f->c, f->req);
    }
    hilo_conn_unref(f->c);
    free(f->req);
    free(f);
}

static void agent_delivery_retry(struct hilo_conn *c, json_t *msg, const char *req)
{
    char ref[HILO_REF_MAX];
    int bad = 0;
    const char *ev = str_field(msg, "event_id", 40, &bad);
    uint64_t ms, seq;
    struct retry_frame *f;
    if (ticket_field(c, msg, req, ref) < 0)
        return;
    if (bad || !ev || parse_id(ev, &ms, &seq) < 0) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
        return;
    }
    f = calloc(1, sizeof *f);
    if (!f)
        return;
    hilo_conn_ref(c);
    f->c = c;
    f->req = req ? strdup(req) : NULL;
    int rc = hilo_outbox_requeue(c->srv->outbox, ref, ev, delivery_retried, f);
    if (rc < 0) {
        hilo_conn_error(c, rc, req, NULL);
        hilo_conn_unref(c);
        free(f->req);
        free(f);
    }
}

struct set_op {
    struct hilo_conn *c;
    char *req;
    char ref[HILO_REF_MAX];
    char op[12];
    char value[65];
    char team[65];
    int team_given;
    char follow_up[24];
};

static void set_free(struct set_op *op)
{
    hilo_conn_unref(op->c);
    free(op->req);
    free(op);
}

static void set_cb(redisReply *reply, void *data)
{
    struct set_op *op = data;
    redisReply *res = reply;
    int err;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
        reply->element[0]->type != REDIS_REPLY_STRING)
        res = reply->element[0];
    err = script_err(res);
    if (op->c->wsi) {
        if (err)
            hilo_conn_error(op->c, err, op->req, NULL);
        else
            send_ok(op->c, op->req);
    }
    set_free(op);
}

static void set_send(struct set_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_server *s = c->srv;
    struct hilo_ticket_keys k;
    struct call call;
    int rc;
    hilo_ticket_keys(&k, op->ref);
    call_init(&call, HILO_S_SET, 2);
    call_add(&call, k.tk);
    call_add(&call, k.ev);
    call_add(&call, s->events_channel);
    call_add(&call, op->ref);
    call_add(&call, op->op);
    call_add(&call, op->value);
    call_add(&call, c->id);
    call_add(&call, c->name ? c->name : "");
    call_add(&call, op->team);
    call_add(&call, op->follow_up[0] ? op->follow_up : "0");
    if (strcmp(op->op, "status") == 0 || s->cfg->webhook_url[0]) {
        char idx[128], now[24], timers[128], member[32];
        const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
        hilo_key(idx, sizeof idx, HILO_K_IDX_ACTIVE, NULL);
        hilo_key(timers, sizeof timers, HILO_K_TIMERS, NULL);
        snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
        snprintf(member, sizeof member, "followup:%s", op->ref);
        const char *zrem[] = {"ZREM", idx, op->ref};
        const char *zadd[] = {"ZADD", idx, "NX", now, op->ref};
        const char *tadd[] = {"ZADD", timers, op->follow_up, member};
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, m, NULL);
        if (rc == 0)
            rc = call_send(s, &call, NULL, NULL);
        if (rc == 0 && strcmp(op->op, "status") == 0)
            rc = strcmp(op->value, "closed") == 0
                     ? hilo_redis_cmdargv(s->redis, NULL, NULL, 3, zrem, NULL)
                     : hilo_redis_cmdargv(s->redis, NULL, NULL, 5, zadd, NULL);
        if (rc == 0 && op->follow_up[0])
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 4, tadd, NULL);
        if (rc == 0)
            rc = hilo_outbox_add_webhook(s->outbox, op->ref);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, set_cb, op, 1, x, NULL);
    } else {
        rc = call_send(s, &call, set_cb, op);
    }
    if (rc < 0) {
        hilo_conn_error(c, -HILO_EUNAVAIL, op->req, NULL);
        set_free(op);
    }
}

static void assign_check_cb(redisReply *reply, void *data)
{
    struct set_op *op = data;
    if (!op->c->wsi) {
        set_free(op);
        return;
    }
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        hilo_conn_error(op->c, -HILO_EUNAVAIL, op->req, NULL);
        set_free(op);
        return;
    }
    if (reply->element[0]->type != REDIS_REPLY_STRING) {
        hilo_conn_error(op->c, -HILO_EUNKNOWNAGENT, op->req, NULL);
        set_free(op);
        return;
    }
    /* Without a team in the frame, the ticket goes to the assignee's team. */
    if (!op->team_given && reply->element[1]->type == REDIS_REPLY_STRING)
        snprintf(op->team, sizeof op->team, "%s", reply->element[1]->str);
    set_send(op);
}

static void agent_set(struct hilo_conn *c, json_t *msg, const char *req, const char *kind)
{
    char ref[HILO_REF_MAX];
    int bad = 0;
    const char *v = str_field(msg, strcmp(kind, "assign") == 0 ? "agent" : "status", 64, &bad);
    const char *team = str_field(msg, "team", 64, &bad);
    json_t *fu = json_object_get(msg, "follow_up_at");
    struct set_op *op;
    if (ticket_field(c, msg, req, ref) < 0)
        return;
    if (fu && (!json_is_integer(fu) || json_integer_value(fu) <= 0 || strcmp(kind, "status") != 0 ||
               !v || strcmp(v, "pending") != 0))
        bad = 1;
    if (bad || !v ||
        (strcmp(kind, "status") == 0 && strcmp(v, "open") != 0 && strcmp(v, "pending") != 0 &&
         strcmp(v, "closed") != 0)) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
        return;
    }
    op = calloc(1, sizeof *op);
    if (!op)
        return;
    hilo_conn_ref(c);
    op->c = c;
    op->req = req ? strdup(req) : NULL;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->op, sizeof op->op, "%s", kind);
    snprintf(op->value, sizeof op->value, "%s", v);
    if (team) {
        snprintf(op->team, sizeof op->team, "%s", team);
        op->team_given = 1;
    }
    if (fu)
        snprintf(op->follow_up, sizeof op->follow_up, "%lld", (long long)json_integer_value(fu));
    if (strcmp(kind, "assign") == 0 && *v) {
        char ak[160];
        hilo_key(ak, sizeof ak, HILO_K_AGENT, v);
        const char *argv[] = {"HMGET", ak, "name", "team"};
        if (hilo_redis_cmdargv(c->srv->redis, assign_check_cb, op, 4, argv, NULL) < 0) {
            hilo_conn_error(c, -HILO_EUNAVAIL, req, NULL);
            set_free(op);
        }
        return;
    }
    set_send(op);
}

static void agent_typing(struct hilo_conn *c, json_t *msg, const char *req)
{
    char ref[HILO_REF_MAX];
    json_t *st = json_object_get(msg, "state");
    if (ticket_field(c, msg, req, ref) < 0)
        return;
    if (!json_is_boolean(st)) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
        return;
    }
    publish_typing(c, ref, json_is_true(st));
}

/* ---- dispatch ------------------------------------------------------------ */

static void pong(struct hilo_conn *c, const char *req)
{
    json_t *o = json_pack("{s:s, s:I}", "type", "pong", "ts", (json_int_t)hilo_now_ms());
    if (req)
        json_object_set_new(o, "req", json_string(req));
    send_json(c, o);
}

void hilo_hub_dispatch(struct hilo_conn *c, json_t *msg, const char *type, const char *req)
{
    if (c->busy) {
        defer(c, msg);
        return;
    }
    if (c->role == HILO_ROLE_AGENT && c->ready && hilo_now_ms() >= c->sess_exp_ms) {
        hilo_conn_error(c, -HILO_EEXPIRED, req, NULL);
        hilo_conn_close(c, 4401);
        return;
    }
    if (strcmp(type, "ping") == 0) {
        pong(c, req);
        return;
    }
    if (c->role == HILO_ROLE_CUSTOMER) {
        if (strcmp(type, "hello") == 0) {
            customer_hello(c, msg, req);
            return;
        }
        if (strcmp(type, "message") != 0 && strcmp(type, "resume") != 0 &&
            strcmp(type, "typing") != 0) {
            hilo_conn_error(c, -HILO_EUNKNOWNTYPE, req, NULL);
            return;
        }
        if (!c->ready) {
            hilo_conn_error(c, -HILO_EHELLO, req, NULL);
            return;
        }
        if (type[0] == 'm')
            customer_message(c, msg, req);
        else if (type[0] == 'r')
            customer_resume(c, msg, req);
        else
            customer_typing(c, msg, req);
        return;
    }

    static const char *const agent_types[] = {"login", "auth", "queue.watch", "queue.unwatch",
                                              "ticket.open", "ticket.close", "reply", "note",
                                              "resolve", "assign", "status", "typing",
                                              "delivery.retry"};
    size_t i;
    for (i = 0; i < HILO_ARRAY_LEN(agent_types); i++)
        if (strcmp(type, agent_types[i]) == 0)
            break;
    if (i == HILO_ARRAY_LEN(agent_types)) {
        hilo_conn_error(c, -HILO_EUNKNOWNTYPE, req, NULL);
        return;
    }
    if (i < 2) {
        int bad = 0;
        if (i == 0) {
            const char *name = str_field(msg, "name", 64, &bad);
            const char *pw = str_field(msg, "password", 256, &bad);
            if (bad || !name || !pw) {
                hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
                return;
            }
            hilo_agent_login(c, name, pw, req);
        } else {
            const char *tok = str_field(msg, "token", 256, &bad);
            if (bad || !tok) {
                hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
                return;
            }
            hilo_agent_auth(c, tok, req);
        }
        return;
    }
    if (!c->ready) {
        hilo_conn_error(c, -HILO_EUNAUTH, req, NULL);
        return;
    }
    if (hilo_now_ms() >= c->sess_exp_ms) {
        hilo_conn_error(c, -HILO_EEXPIRED, req, NULL);
        hilo_conn_close(c, 4401);
        return;
    }
    switch (i) {
    case 2: agent_queue_watch(c, req); break;
    case 3: agent_queue_unwatch(c, req); break;
    case 4: agent_open(c, msg, req); break;
    case 5: agent_close_ticket(c, msg, req); break;
    case 6: agent_write(c, msg, req, "reply"); break;
    case 7: agent_write(c, msg, req, "note"); break;
    case 8: agent_write(c, msg, req, "resolve"); break;
    case 9: agent_set(c, msg, req, "assign"); break;
    case 10: agent_set(c, msg, req, "status"); break;
    case 11: agent_typing(c, msg, req); break;
    case 12: agent_delivery_retry(c, msg, req); break;
    }
}

/* Used by agents.c: login/auth in flight defers other frames. */
void hilo_hub_busy(struct hilo_conn *c, int busy)
{
    if (busy)
        c->busy = 1;
    else
        unbusy(c);
}

/* ---- durable timers (follow-ups) ------------------------------------------ */

struct timer_op {
    struct hilo_server *s;
    char member[40];
    int multi;
};

static void followup_cb(redisReply *reply, void *data)
{
    struct timer_op *op = data;
    struct hilo_server *s = op->s;
    char timers[128];
    hilo_key(timers, sizeof timers, HILO_K_TIMERS, NULL);
    if (op->multi && reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0)
        reply = reply->element[0];
    /* Fired or found nothing to do: done. On an error the lease runs out and
     * some instance tries again. */
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
        reply->element[2]->type == REDIS_REPLY_INTEGER && reply->element[2]->integer > 0) {
        /* moved to a later time meanwhile: keep it for then */
        char due[24];
        snprintf(due, sizeof due, "%lld", reply->element[2]->integer);
        const char *argv[] = {"ZADD", timers, due, op->member};
        hilo_redis_cmdargv(s->redis, NULL, NULL, 4, argv, NULL);
    } else if (reply && reply->type == REDIS_REPLY_ARRAY) {
        const char *argv[] = {"ZREM", timers, op->member};
        hilo_redis_cmdargv(s->redis, NULL, NULL, 3, argv, NULL);
    } else if (reply && reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "unknown_ticket")) {
        const char *argv[] = {"ZREM", timers, op->member};
        hilo_redis_cmdargv(s->redis, NULL, NULL, 3, argv, NULL);
    }
    free(op);
}

static void due_cb(redisReply *reply, void *data)
{
    struct hilo_server *s = data;
    s->timers_busy = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < reply->elements; i++) {
        const char *m = reply->element[i]->str;
        char ref[HILO_REF_MAX];
        struct hilo_ticket_keys k;
        struct call call;
        struct timer_op *op;
        if (strncmp(m, "followup:", 9) != 0 || hilo_ref_normalize(m + 9, ref) < 0)
            continue;
        op = calloc(1, sizeof *op);
        if (!op)
            continue;
        op->s = s;
        snprintf(op->member, sizeof op->member, "%s", m);
        hilo_ticket_keys(&k, ref);
        call_init(&call, HILO_S_SET, 2);
        call_add(&call, k.tk);
        call_add(&call, k.ev);
        call_add(&call, s->events_channel);
        call_add(&call, ref);
        call_add(&call, "followup");
        call_add(&call, "");
        call_add(&call, "");
        call_add(&call, "");
        call_add(&call, "");
        call_add(&call, "0");
        /* MULTI so that a webhook hears of it in the same transaction; the
         * reply is the script's, first of the EXEC array */
        op->multi = 1;
        const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
        int rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, mu, NULL);
        if (rc == 0)
            rc = call_send(s, &call, NULL, NULL);
        if (rc == 0)
            rc = hilo_outbox_add_webhook(s->outbox, ref);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, followup_cb, op, 1, ex, NULL);
        if (rc < 0)
            free(op);
    }
}

void hilo_hub_timers_tick(struct hilo_server *s)
{
    char timers[128], now[24];
    struct call call;
    if (s->timers_busy || !hilo_redis_ready(s->redis) || !hilo_scripts_ready())
        return;
    hilo_key(timers, sizeof timers, HILO_K_TIMERS, NULL);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    call_init(&call, HILO_S_DUE, 1);
    call_add(&call, timers);
    call_add(&call, now);
    call_add(&call, "60000");
    call_add(&call, "100");
    if (call_send(s, &call, due_cb, s) == 0)
        s->timers_busy = 1;
}
