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

void hilo_tickets_tx_webhook(struct hilo_tx *tx, struct hilo_server *s, const char *ref)
{
    if (tx->rc == 0) {
        int rc = hilo_outbox_add_webhook(s->outbox, ref);
        if (rc < 0)
            tx->rc = rc; /* the commit then discards the block */
    }
}

void hilo_tickets_customer_create(struct msg_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    struct hilo_server *s = c->srv;
    struct hilo_store_argv create_a, cust_a;
    struct hilo_tx tx;
    char ack[512], now[24], ik[160], dkey[200], act[128], all[128], ix[400];
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
    hilo_i18n_ack(se->locale, op->ref, s->cfg->ack_eta_minutes, ack, sizeof ack);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    snprintf(dkey, sizeof dkey, "c:%s:%s", se->id, op->client_id);
    struct hilo_store_create create = {
        .chan = s->events_channel,
        .ref = op->ref,
        .customer = se->id,
        .channel = "web",
        .name = se->name,
        .text = op->text,
        .text_len = op->text_len,
        .dedupe = dkey,
        .client_id = op->client_id,
        .locale = se->locale,
        .ack_text = ack,
        .eta_minutes = s->cfg->ack_eta_minutes,
    };
    struct hilo_store_cust cust = {
        .customer = se->id,
        .identity = se->ident,
        .name = se->name,
        .email = se->email,
        .locale = se->locale,
        .ref = op->ref,
    };
    hilo_key(ik, sizeof ik, HILO_K_IDENT, se->ident);
    hilo_key(act, sizeof act, HILO_K_IDX_ACTIVE, NULL);
    hilo_key(all, sizeof all, HILO_K_IDX_ALL, NULL);
    rc = hilo_store_create_argv(&create_a, &create);
    if (rc == 0)
        rc = hilo_store_cust_argv(&cust_a, &cust);
    if (rc == 0) {
        hilo_tx_begin(&tx, s->redis);
        hilo_tx_add_argv(&tx, &create_a);
        hilo_tx_add_argv(&tx, &cust_a);
        hilo_tx_add(&tx, 4, (const char *[]){"SET", ik, se->id, "NX"}, NULL);
        hilo_tx_add(&tx, 5, (const char *[]){"ZADD", act, "NX", now, op->ref}, NULL);
        hilo_tx_add(&tx, 5, (const char *[]){"ZADD", all, "NX", now, op->ref}, NULL);
        if (se->email) {
            hilo_identity_email_key(se->email, ix, sizeof ix);
            hilo_tx_add(&tx, 3, (const char *[]){"SADD", ix, se->id}, NULL);
        }
        hilo_tickets_tx_webhook(&tx, s, op->ref);
        rc = hilo_tx_commit(&tx, create_cb, op);
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
    int kind = hilo_append_op_parse(op->op);
    struct hilo_store_argv a;
    char dkey[200];
    int rc;

    snprintf(dkey, sizeof dkey, "%c:%s:%s", agent ? 'a' : 'c', se->id, op->client_id);
    struct hilo_store_append app = {
        .chan = s->events_channel,
        .ref = op->ref,
        .op = (enum hilo_append_op)kind,
        .channel = "web",
        .role = agent ? "agent" : "customer",
        .author_id = se->id,
        .author_name = se->name,
        .text = op->text,
        .text_len = op->text_len,
        .dedupe = dkey,
        .client_id = op->client_id,
        .customer = agent ? "" : se->id,
        .delivery = op->delivery,
        .fields = op->fields,
        .nfields = op->nfields,
    };
    rc = kind < 0 ? -HILO_EINTERNAL : hilo_store_append_argv(&a, &app);
    if (rc < 0) {
        hilo_conn_error(c, rc, op->req, op->client_id);
        hilo_msg_free(op);
        return;
    }
    if (kind == HILO_APPEND_RESOLVE || kind == HILO_APPEND_MESSAGE || op->entry ||
        s->cfg->webhook_url[0]) {
        /* the queue index and the outbox change with the ticket, in one
         * transaction */
        char idx[128], now[24];
        struct hilo_tx tx;
        hilo_key(idx, sizeof idx, HILO_K_IDX_ACTIVE, NULL);
        snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
        hilo_tx_begin(&tx, s->redis);
        hilo_tx_add_argv(&tx, &a);
        if (kind == HILO_APPEND_RESOLVE)
            hilo_tx_add(&tx, 3, (const char *[]){"ZREM", idx, op->ref}, NULL);
        else if (kind == HILO_APPEND_MESSAGE)
            hilo_tx_add(&tx, 5, (const char *[]){"ZADD", idx, "NX", now, op->ref}, NULL);
        if (tx.rc == 0 && op->entry) {
            int erc = hilo_outbox_add(s->outbox, op->entry);
            if (erc < 0)
                tx.rc = erc; /* the commit then discards the block */
        }
        hilo_tickets_tx_webhook(&tx, s, op->ref);
        rc = hilo_tx_commit(&tx, append_cb, op);
    } else {
        rc = hilo_store_send(s->redis, &a, append_cb, op);
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
