/* Writing to tickets from a WebSocket: the customer's first message
 * creates the ticket, later ones and agents' replies append to it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
#include "hilo/i18n.h"
#include "hilo/keys.h"
#include "hilo/outbox.h"
#include "hilo/proto.h"
#include "hilo/store.h"

void hilo_msg_free(struct msg_op *op)
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
    hilo_dispatch_send_json(c, o);
}


static void create_cb(redisReply *reply, void *data)
{
    struct msg_op *op = data;
    struct hilo_conn *c = op->c;
    int err = 0;
    redisReply *res;

    if (!reply)
        err = -HILO_EUNAVAIL;
    else if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
        err = hilo_store_err(reply) ? hilo_store_err(reply) : -HILO_EINTERNAL;
    if (!err) {
        res = reply->element[0];
        err = hilo_store_err(res);
        if (!err && (res->type != REDIS_REPLY_ARRAY || res->elements != 2))
            err = -HILO_EINTERNAL;
    }
    if (!c->wsi)
        goto out;
    if (err) {
        struct hilo_watch *w = hilo_live_watch_find(c, op->ref);
        if (w && !w->ms && !w->seq && !w->syncing)
            hilo_live_watch_free(c, w);
        hilo_conn_error(c, err, op->req, op->client_id);
        goto out;
    }
    snprintf(hilo_sess(c)->ticket, sizeof hilo_sess(c)->ticket, "%s", op->ref);
    send_ack(c, op->client_id, op->ref, reply->element[0]->element[0]->str, 0, op->req);
out:
    /* This may drop the last reference: c stays readable until the loop
     * turn ends (reap.h), and c->wsi says whether the socket is still up. */
    hilo_msg_free(op);
    if (c->wsi)
        hilo_session_unbusy(c);
}

static void customer_create_again(void *data) { hilo_tickets_customer_create(data); }

void hilo_tickets_customer_create(struct msg_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    struct hilo_server *s = c->srv;
    struct hilo_ticket_keys k;
    struct call create, cust;
    char ack[512], eta[16], now[24], cu[160], ids[160], tix[160], ik[160], dkey[200];
    char act[128], all[128];
    int rc;

    if (!c->wsi) {
        hilo_msg_free(op);
        return;
    }
    if (hilo_hub_take_ref(s, op->ref) < 0) {
        if (!op->waited) {
            /* tickets come faster than the pool refills: wait for it */
            op->waited = 1;
            se->busy = 1;
            hilo_hub_when_ref(s, customer_create_again, op);
            return;
        }
        hilo_conn_error(c, -HILO_EUNAVAIL, op->req, op->client_id);
        hilo_msg_free(op);
        hilo_session_unbusy(c);
        return;
    }
    op->creating = 1;
    se->busy = 1; /* later messages wait for the ticket to exist */
    /* Route before writing, so the published events find this connection. */
    hilo_live_watch_get(c, op->ref);
    hilo_ticket_keys(&k, op->ref);
    hilo_i18n_ack(se->locale, op->ref, s->cfg->ack_eta_minutes, ack, sizeof ack);
    snprintf(eta, sizeof eta, "%d", s->cfg->ack_eta_minutes);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    snprintf(dkey, sizeof dkey, "c:%s:%s", se->id, op->client_id);
    call_init(&create, HILO_S_CREATE, 5);
    call_add(&create, k.tk);
    call_add(&create, k.ev);
    call_add(&create, k.dd);
    call_add(&create, k.rsv);
    call_add(&create, k.dl);
    call_add(&create, s->events_channel);
    call_add(&create, op->ref);
    call_add(&create, se->id);
    call_add(&create, "web");
    call_add(&create, se->name ? se->name : "");
    call_addn(&create, op->text, op->text_len);
    call_add(&create, dkey);
    call_add(&create, op->client_id);
    call_add(&create, se->locale);
    call_add(&create, ack);
    call_add(&create, eta);
    call_add(&create, "");
    call_add(&create, "");
    call_add(&create, "message");
    hilo_key(cu, sizeof cu, HILO_K_CUSTOMER, se->id);
    hilo_key(ids, sizeof ids, HILO_K_CUST_IDS, se->id);
    hilo_key(tix, sizeof tix, HILO_K_CUST_TIX, se->id);
    hilo_key(ik, sizeof ik, HILO_K_IDENT, se->ident);
    hilo_key(act, sizeof act, HILO_K_IDX_ACTIVE, NULL);
    hilo_key(all, sizeof all, HILO_K_IDX_ALL, NULL);
    call_init(&cust, HILO_S_CUST, 3);
    call_add(&cust, cu);
    call_add(&cust, ids);
    call_add(&cust, tix);
    call_add(&cust, se->id);
    call_add(&cust, se->ident);
    call_add(&cust, se->name ? se->name : "");
    call_add(&cust, se->email ? se->email : "");
    call_add(&cust, se->locale);
    call_add(&cust, op->ref);
    call_add(&cust, "");
    {
        const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
        const char *set[] = {"SET", ik, se->id, "NX"};
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
        if (rc == 0 && se->email) {
            char ix[400];
            hilo_identity_email_key(se->email, ix, sizeof ix);
            const char *sadd[] = {"SADD", ix, se->id};
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 3, sadd, NULL);
        }
        if (rc == 0)
            rc = hilo_outbox_add_webhook(s->outbox, op->ref);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, create_cb, op, 1, x, NULL);
    }
    if (rc < 0) {
        struct hilo_watch *w = hilo_live_watch_find(c, op->ref);
        if (w && !w->ms && !w->seq && !w->syncing)
            hilo_live_watch_free(c, w);
        hilo_conn_error(c, -HILO_EUNAVAIL, op->req, op->client_id);
        hilo_msg_free(op);
        hilo_session_unbusy(c);
    }
}

static void append_cb(redisReply *reply, void *data)
{
    struct msg_op *op = data;
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    redisReply *res = reply;
    int err;

    /* resolve and status changes come as MULTI/EXEC: the script is first */
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
        reply->element[0]->type != REDIS_REPLY_STRING)
        res = reply->element[0];
    err = hilo_store_err(res);
    if (!err && (res->type != REDIS_REPLY_ARRAY || res->elements != 3))
        err = -HILO_EINTERNAL;
    if (!c->wsi)
        goto out;
    if (se->role == HILO_ROLE_CUSTOMER && strcmp(op->op, "message") == 0 &&
        (err == -HILO_EBADSTATE || err == -HILO_EUNKNOWNTICKET || err == -HILO_EFORBIDDEN)) {
        /* The current ticket is closed (or gone): this opens a new one. */
        struct hilo_watch *w = hilo_live_watch_find(c, op->ref);
        if (w && !w->syncing)
            hilo_live_watch_free(c, w);
        se->ticket[0] = '\0';
        se->busy = 0;
        hilo_tickets_customer_create(op);
        return;
    }
    if (err) {
        hilo_conn_error(c, err, op->req, op->client_id);
        goto out;
    }
    send_ack(c, op->client_id, op->ref, res->element[0]->str, res->element[1]->integer == 1,
             op->req);
out:
    hilo_msg_free(op);
}

/* message / reply / note / resolve */
void hilo_tickets_append(struct msg_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    struct hilo_server *s = c->srv;
    int agent = se->role == HILO_ROLE_AGENT;
    struct hilo_ticket_keys k;
    struct call call;
    char dkey[200];
    int rc;

    hilo_ticket_keys(&k, op->ref);
    snprintf(dkey, sizeof dkey, "%c:%s:%s", agent ? 'a' : 'c', se->id, op->client_id);
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
    call_add(&call, se->id);
    call_add(&call, se->name ? se->name : "");
    call_addn(&call, op->text, op->text_len);
    call_add(&call, dkey);
    call_add(&call, op->client_id);
    call_add(&call, "");
    call_add(&call, agent ? "" : se->id);
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
        hilo_msg_free(op);
    }
}


int hilo_msg_parse(struct hilo_conn *c, json_t *msg, const char *req, const char *kind,
                   struct msg_op **out)
{
    int bad = 0;
    const char *cid = hilo_dispatch_str(msg, "client_id", 64, &bad);
    json_t *text = json_object_get(msg, "text");
    struct msg_op *op;

    *out = NULL;
    if (bad || !cid || !*cid || !json_is_string(text) || json_string_length(text) == 0)
        return -HILO_EBADFRAME;
    if (hilo_proto_chars(json_string_value(text), json_string_length(text)) >
        (size_t)c->srv->cfg->max_text)
        return -HILO_ETEXTLONG;
    op = calloc(1, sizeof *op);
    if (!op)
        return -HILO_EINTERNAL;
    hilo_conn_ref(c);
    op->c = c;
    op->req = req ? strdup(req) : NULL;
    op->client_id = strdup(cid);
    op->text_len = json_string_length(text);
    op->text = malloc(op->text_len + 1);
    memcpy(op->text, json_string_value(text), op->text_len + 1);
    snprintf(op->op, sizeof op->op, "%s", kind);
    *out = op;
    return 0;
}
