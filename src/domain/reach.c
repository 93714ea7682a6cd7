/* Routing at send time: what the route depends on, read from Redis in two
 * round trips (the ticket, then the customer's evidence, the blocks, the
 * widget sockets and the WhatsApp window), then the plan; and the widget
 * sockets each instance lists. See include/hilo/reach.h. */
#include "hilo/reach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
#include "hilo/store.h"
#include "hilo/store_holds.h"
#include "hilo/store_records.h"
#include "hilo/store_route.h"

#define ONLINE_TTL_MS 75000
#define ONLINE_REFRESH_MS 20000

static const char *reach_fields[HILO_REACH_NFIELDS];

static void fields_init(void)
{
    if (reach_fields[0])
        return;
    for (int i = 0; i < HILO_OUTBOX_NFIELDS; i++)
        reach_fields[i] = hilo_outbox_ticket_fields[i];
    reach_fields[HILO_REACH_F_CUSTOMER] = "customer";
    reach_fields[HILO_REACH_F_NAME] = "name";
    reach_fields[HILO_REACH_F_SEEN] = "seen_upto";
    reach_fields[HILO_REACH_F_STATUS] = "status";
}

struct reach_op {
    struct hilo_server *s;
    hilo_reach_cb cb;
    void *data;
    char ref[HILO_REF_MAX];
    char want[16], category[16];
    int explicit_template, no_web;
    char *vals[HILO_REACH_NFIELDS];
    char blocked_ids[4][340];
    int nblocked;
};

static void op_free(struct reach_op *op)
{
    for (int i = 0; i < HILO_REACH_NFIELDS; i++)
        free(op->vals[i]);
    free(op);
}

static void finish(struct reach_op *op, int err, const struct hilo_route_in *in)
{
    struct hilo_reach_result r;
    const char *f[HILO_REACH_NFIELDS];
    memset(&r, 0, sizeof r);
    for (int i = 0; i < HILO_REACH_NFIELDS; i++)
        f[i] = op->vals[i] ? op->vals[i] : "";
    r.fields = f;
    r.err = err;
    if (!err && in)
        r.err = hilo_route_plan(op->s->cfg, in, &r.plan);
    if (!r.err && in)
        r.route = hilo_route_plan_json(&r.plan);
    op->cb(&r, op->data);
    json_decref(r.route);
    op_free(op);
}

static const redisReply *el(const redisReply *r, size_t i)
{
    return r && r->type == REDIS_REPLY_ARRAY && i < r->elements ? r->element[i] : NULL;
}

/* [ZCOUNT on, HGETALL idev, GET wawin, HMGET blocked] */
static void state_cb(redisReply *reply, void *data)
{
    struct reach_op *op = data;
    const redisReply *on = el(reply, 0), *ev = el(reply, 1), *win = el(reply, 2),
                     *bl = el(reply, 3);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 4 || !ev ||
        ev->type != REDIS_REPLY_ARRAY) {
        finish(op, -HILO_EUNAVAIL, NULL);
        return;
    }
    json_t *proven = json_object(), *blocked = json_object();
    for (size_t i = 0; i + 1 < ev->elements; i += 2)
        if (ev->element[i]->type == REDIS_REPLY_STRING)
            json_object_set_new(proven, ev->element[i]->str, json_true());
    for (int i = 0; bl && i < op->nblocked && (size_t)i < bl->elements; i++)
        if (bl->element[i]->type == REDIS_REPLY_STRING)
            json_object_set_new(blocked, op->blocked_ids[i], json_true());
    const char *f[HILO_REACH_NFIELDS];
    for (int i = 0; i < HILO_REACH_NFIELDS; i++)
        f[i] = op->vals[i] ? op->vals[i] : "";
    struct hilo_route_in in = {
        .want = op->want[0] ? op->want : NULL,
        .category = op->category,
        .fields = f,
        .online = on && on->type == REDIS_REPLY_INTEGER ? (int)on->integer : 0,
        .no_web = op->no_web,
        .explicit_template = op->explicit_template,
        .now_ms = hilo_now_ms(),
        .wa_last_in_ms = win && win->type == REDIS_REPLY_STRING ? strtoull(win->str, NULL, 10) : 0,
        .proven = proven,
        .blocked = blocked,
    };
    finish(op, 0, &in);
    json_decref(proven);
    json_decref(blocked);
}

static void ticket_cb(redisReply *reply, void *data)
{
    struct reach_op *op = data;
    struct hilo_tx tx;
    const char *ids[4];
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != HILO_REACH_NFIELDS) {
        finish(op, -HILO_EUNAVAIL, NULL);
        return;
    }
    for (int i = 0; i < HILO_REACH_NFIELDS; i++)
        if (reply->element[i]->type == REDIS_REPLY_STRING)
            op->vals[i] = strdup(reply->element[i]->str);
    const char *cust = op->vals[HILO_REACH_F_CUSTOMER];
    if (!cust || !*cust) {
        finish(op, -HILO_EUNKNOWNTICKET, NULL);
        return;
    }
    /* the ticket's addresses, as identities, may be blocked */
    static const struct { int f; const char *kind; } addr[] = {
        {1, "phone"}, {2, "phone"}, {3, "phone"}, {4, "email"}};
    for (size_t i = 0; i < 4; i++) {
        const char *v = op->vals[addr[i].f];
        if (v && *v) {
            snprintf(op->blocked_ids[op->nblocked], sizeof op->blocked_ids[0], "%s:%s",
                     addr[i].kind, v);
            ids[op->nblocked] = op->blocked_ids[op->nblocked];
            op->nblocked++;
        }
    }
    struct hilo_store_online on = {.ref = op->ref, .now_ms = hilo_now_ms()};
    const char *wa = op->vals[1] && *op->vals[1] ? op->vals[1] : "-";
    hilo_tx_begin(&tx, op->s->redis);
    hilo_tx_online_count(&tx, &on);
    hilo_tx_evidence_all(&tx, cust);
    hilo_tx_wa_window_get(&tx, wa);
    hilo_tx_route_blocked(&tx, ids, op->nblocked);
    if (hilo_tx_commit(&tx, state_cb, op) < 0)
        finish(op, -HILO_EUNAVAIL, NULL);
}

int hilo_reach_resolve(struct hilo_server *s, const struct hilo_reach_req *req, hilo_reach_cb cb,
                       void *data)
{
    struct reach_op *op = calloc(1, sizeof *op);
    if (!op)
        return -HILO_EINTERNAL;
    fields_init();
    op->s = s;
    op->cb = cb;
    op->data = data;
    snprintf(op->ref, sizeof op->ref, "%s", req->ref);
    snprintf(op->want, sizeof op->want, "%s", req->want ? req->want : "");
    snprintf(op->category, sizeof op->category, "%s", req->category ? req->category : "update");
    op->explicit_template = req->explicit_template;
    op->no_web = req->no_web;
    struct hilo_store_ticket_fields tf = {
        .ref = op->ref, .fields = reach_fields, .nfields = HILO_REACH_NFIELDS};
    if (hilo_store_ticket_fields(s->redis, &tf, ticket_cb, op) < 0) {
        free(op);
        return -HILO_EUNAVAIL;
    }
    return 0;
}

/* ---- the widget sockets of a ticket ---------------------------------------- */

static void online_member(struct hilo_conn *c, char *out, size_t n)
{
    snprintf(out, n, "%s:%u", c->srv->instance, (unsigned)c->serial);
}

void hilo_reach_online_gone(struct hilo_conn *c)
{
    struct hilo_session *se = hilo_sess(c);
    char m[64];
    if (se->role != HILO_ROLE_CUSTOMER || !se->online_ref[0] || !hilo_redis_ready(c->srv->redis))
        return;
    online_member(c, m, sizeof m);
    struct hilo_store_online on = {.ref = se->online_ref, .member = m};
    hilo_store_online_clear(c->srv->redis, &on, NULL, NULL);
    se->online_ref[0] = '\0';
}

void hilo_reach_online_touch(struct hilo_conn *c)
{
    struct hilo_session *se = hilo_sess(c);
    uint64_t now = hilo_mono_ms();
    char m[64];
    if (se->role != HILO_ROLE_CUSTOMER || !se->ticket[0] || !hilo_redis_ready(c->srv->redis))
        return;
    if (strcmp(se->online_ref, se->ticket) == 0 && now - se->online_at < ONLINE_REFRESH_MS)
        return;
    if (se->online_ref[0] && strcmp(se->online_ref, se->ticket) != 0)
        hilo_reach_online_gone(c);
    online_member(c, m, sizeof m);
    struct hilo_store_online on = {
        .ref = se->ticket, .member = m, .until_ms = hilo_now_ms() + ONLINE_TTL_MS};
    if (hilo_store_online_set(c->srv->redis, &on, NULL, NULL) == 0) {
        snprintf(se->online_ref, sizeof se->online_ref, "%s", se->ticket);
        se->online_at = now;
    }
}
