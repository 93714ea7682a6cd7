/* Writes from a WebSocket: the frames' part around the one write path
 * (tickets.c). The customer's first message creates the ticket, later ones
 * and agents' replies append; the sender gets an ack or an error frame. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
#include "hilo/log.h"
#include "hilo/metrics.h"
#include "hilo/proto.h"
#include "hilo/reach.h"
#include "hilo/config.h"
#include "hilo/log.h"
#include "hilo/server.h"
#include "hilo/store.h"
#include "hilo/store_limits.h"
#include "hilo/store_records.h"
#include "hilo/tickets.h"

void hilo_msg_free(struct msg_op *op)
{
    free(op->channel);
    free(op->delivery);
    json_decref(op->entry);
    json_decref(op->template);
    free(op->extra);
    json_decref(op->route);
    free(op->held_to);
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

/* Redis did not answer a write it was sent: it may have been stored (and
 * then published, so it reaches the watchers live or through the gap
 * check). Said as such; resending with the same client_id is safe. */
static void send_maybe_stored(struct hilo_conn *c, const char *ref, const char *client_id,
                              const char *req)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s}", "type", "error", "code",
                          hilo_err_code(-HILO_EUNAVAIL), "message",
                          "Storage did not answer in time: the message may have been stored. "
                          "Resend it with the same client_id; it is never stored twice.",
                          "maybe_stored", 1, "client_id", client_id);
    struct hilo_log_ctx lc = {.ticket = ref, .conn = c->serial, .ip = c->ip};
    hilo_logx(HILO_LOG_WARN, &lc, "write %s: Redis did not answer; it may have been stored",
              client_id);
    hilo_err_count(-HILO_EUNAVAIL);
    hilo_metrics_inc(HILO_M_MAYBE_STORED);
    if (req && o)
        json_object_set_new(o, "req", json_string(req));
    if (o)
        hilo_dispatch_send_json(c, o);
}

/* A watch made for a ticket that was not written goes again. */
static void forget_new_watch(struct hilo_conn *c, const char *ref)
{
    struct hilo_watch *w = ref && *ref ? hilo_live_watch_find(c, ref) : NULL;
    if (w && !w->ms && !w->seq && !w->syncing)
        hilo_live_watch_free(c, w);
}

/* Route before writing, so the published events find this connection. */
static int ref_taken_cb(const char *ref, void *data)
{
    struct msg_op *op = data;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    /* Gone while waiting for a reference: the message was read, so it is
     * still stored (the customer finds it on reconnecting); nobody to
     * watch the ticket for. */
    if (op->c->wsi) {
        struct hilo_watch *w = hilo_live_watch_get(op->c, ref);
        if (w)
            w->proven = 1; /* the ticket this message opens */
    }
    return 0;
}

static void created_cb(const struct hilo_ticket_result *res, void *data)
{
    struct msg_op *op = data;
    struct hilo_conn *c = op->c;
    if (!c->wsi)
        goto out;
    if (res->err && res->maybe_stored && res->ref && *res->ref) {
        /* The ticket may exist: keep watching it, and make it current so
         * that a resend appends to it (deduplicated by client_id) rather
         * than opening a second ticket; if it was not created, the resend
         * finds it unknown and creates one. */
        snprintf(hilo_sess(c)->ticket, sizeof hilo_sess(c)->ticket, "%s", res->ref);
        send_maybe_stored(c, res->ref, op->client_id, op->req);
        goto out;
    }
    if (res->err) {
        forget_new_watch(c, res->ref);
        hilo_conn_error(c, res->err, op->req, op->client_id);
        goto out;
    }
    snprintf(hilo_sess(c)->ticket, sizeof hilo_sess(c)->ticket, "%s", res->ref);
    hilo_reach_online_touch(c);
    hilo_metrics_inc(HILO_M_MESSAGES_STORED);
    send_ack(c, op->client_id, res->ref, res->event_id, 0, op->req);
out:
    /* This may drop the last reference: c stays readable until the loop
     * turn ends (reap.h), and c->wsi says whether the socket is still up. */
    hilo_msg_free(op);
    if (c->wsi)
        hilo_session_unbusy(c);
}

static void create_now(struct msg_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    char dkey[256];
    int rc;

    if (!c->wsi) {
        hilo_msg_free(op);
        return;
    }
    se->busy = 1; /* later messages wait for the ticket to exist */
    /* by the identity, not the customer: a resend after a merge (or its
     * undo) changed the customer is still the same message */
    snprintf(dkey, sizeof dkey, "c:%s:%s", se->ident ? se->ident : se->id, op->client_id);
    struct hilo_ticket_create req = {
        .channel = "web",
        .text = op->text,
        .text_len = op->text_len,
        .dedupe = dkey,
        .client_id = op->client_id,
        .locale = se->locale,
        .customer = {.id = se->id, .name = se->name, .email = se->email,
                     .locale = se->locale, .identities = {se->ident}},
        .before = ref_taken_cb,
    };
    req.extra = op->extra; /* where the customer wrote from */
    rc = hilo_tickets_create(c->srv, &req, created_cb, op);
    if (rc < 0) {
        hilo_conn_error(c, rc, op->req, op->client_id);
        hilo_msg_free(op);
        hilo_session_unbusy(c);
    }
}

/* The address's count for this window, taken before anything is written:
 * over the limit nothing is stored (issue #11). */
static void ticket_rate_cb(redisReply *reply, void *data)
{
    struct msg_op *op = data;
    struct hilo_conn *c = op->c;
    uint32_t retry = 0;
    int err = hilo_store_ticket_rate_result(reply, c->srv->cfg->ticket_rate_per_ip, &retry);
    if (err == 0 && c->wsi) {
        create_now(op);
        return;
    }
    if (c->wsi && err == -HILO_ERATE) {
        /* the error frame with the seconds until the window ends */
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i}", "type", "error", "code",
                              hilo_err_code(err), "message", hilo_strerror(err), "client_id",
                              op->client_id, "retry_after", (int)retry);
        if (o && op->req)
            json_object_set_new(o, "req", json_string(op->req));
        hilo_err_count(err);
        hilo_info("ticket creation refused: too many from %s (again in %u s)",
                  hilo_sess(c)->ip, retry);
        hilo_dispatch_send_json(c, o);
    } else if (c->wsi) {
        hilo_conn_error(c, err, op->req, op->client_id);
    }
    hilo_msg_free(op);
    if (c->wsi)
        hilo_session_unbusy(c);
}

void hilo_ws_write_create(struct msg_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    const struct hilo_config *cfg = c->srv->cfg;
    char who[64];

    if (!c->wsi || cfg->ticket_rate_per_ip <= 0 || !se->ip[0]) {
        create_now(op);
        return;
    }
    se->busy = 1; /* later messages wait for the ticket to exist */
    snprintf(who, sizeof who, "ip:%s", se->ip);
    struct hilo_store_ticket_rate rate = {
        .who = who, .window_ms = (uint64_t)cfg->ticket_rate_window * 1000u};
    int rc = hilo_store_ticket_rate(c->srv->redis, &rate, ticket_rate_cb, op);
    if (rc < 0) {
        hilo_conn_error(c, rc, op->req, op->client_id);
        hilo_msg_free(op);
        hilo_session_unbusy(c);
    }
}

/* The current ticket refused the customer's message: it opens a new one. */
static void append_refused(struct msg_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    struct hilo_watch *w = hilo_live_watch_find(c, op->ref);
    if (w && !w->syncing)
        hilo_live_watch_free(c, w);
    se->ticket[0] = '\0';
    se->busy = 0;
    hilo_ws_write_create(op);
}

/* [GET ident]: the customer the socket's identity belongs to now. A merge
 * (or its undo) may have moved it while this socket was open, the news on
 * the events channel not here yet: write as that customer, into the same
 * ticket, rather than open a ticket for a merged-away customer. */
static void recheck_cb(redisReply *reply, void *data)
{
    struct msg_op *op = data;
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    const redisReply *r =
        reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 ? reply->element[0] : NULL;
    if (!c->wsi) {
        hilo_msg_free(op);
        return;
    }
    /* Once more as the identity's customer (the news may have changed
     * se->id while the refused write was under way); a second refusal
     * opens a new ticket. */
    if (r && r->type == REDIS_REPLY_STRING && se->id) {
        char *id = strcmp(r->str, se->id) != 0 ? strdup(r->str) : NULL;
        if (id) {
            free(se->id);
            se->id = id;
        }
        hilo_ws_write_append(op);
        return;
    }
    append_refused(op);
}

static void appended_cb(const struct hilo_ticket_result *res, void *data)
{
    struct msg_op *op = data;
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    int err = res->err;

    if (!c->wsi)
        goto out;
    if (se->role == HILO_ROLE_CUSTOMER && strcmp(op->op, "message") == 0 &&
        (err == -HILO_EBADSTATE || err == -HILO_EUNKNOWNTICKET || err == -HILO_EFORBIDDEN)) {
        if (err == -HILO_EFORBIDDEN && !op->rechecked && se->ident) {
            struct hilo_tx tx;
            op->rechecked = 1;
            hilo_tx_begin(&tx, c->srv->redis);
            hilo_tx_ident_get(&tx, se->ident);
            if (hilo_tx_commit(&tx, recheck_cb, op) == 0)
                return;
        }
        /* The current ticket is closed (or gone, or not this customer's):
         * this opens a new one. */
        append_refused(op);
        return;
    }
    if (err && res->maybe_stored) {
        send_maybe_stored(c, op->ref, op->client_id, op->req);
        goto out;
    }
    if (err) {
        hilo_conn_error(c, err, op->req, op->client_id);
        goto out;
    }
    hilo_metrics_inc(res->duplicate ? HILO_M_DUPLICATES : HILO_M_MESSAGES_STORED);
    if (op->route && !res->duplicate)
        hilo_reach_after_write(c->srv, op->ref, res->event_id, op->route, op->held_to, op->text,
                               strcmp(op->op, "resolve") == 0 ? "resolution" : "update");
    if (se->role == HILO_ROLE_CUSTOMER)
        hilo_reach_online_touch(c);
    send_ack(c, op->client_id, op->ref, res->event_id, res->duplicate, op->req);
out:
    hilo_msg_free(op);
}

/* message / reply / note / resolve */
void hilo_ws_write_append(struct msg_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    int agent = se->role == HILO_ROLE_AGENT;
    int kind = hilo_append_op_parse(op->op);
    char dkey[256];
    int rc;

    /* a reply is badged with the channel it goes out on (its outbox entry,
     * or the route when held) and records why (reach.h) */
    const char *ch = op->entry ? json_string_value(json_object_get(op->entry, "ch")) : NULL;
    char *xjs = NULL;
    if (!ch && op->held_to)
        ch = "whatsapp";
    if (agent && op->route) {
        json_t *x = json_pack("{s:O}", "route", op->route);
        if (x && op->template) /* the template the agent picked (team_settings.h) */
            json_object_set_new(x, "template",
                                json_pack("{s:O?, s:O?, s:O?}", "name",
                                          json_object_get(op->template, "name"), "language",
                                          json_object_get(op->template, "language"), "params",
                                          json_object_get(op->template, "params")));
        xjs = x ? json_dumps(x, JSON_COMPACT) : NULL;
        json_decref(x);
    }
    snprintf(dkey, sizeof dkey, "%c:%s:%s", agent ? 'a' : 'c',
             agent || !se->ident ? se->id : se->ident, op->client_id); /* see create */
    struct hilo_ticket_append req = {
        .ref = op->ref,
        .op = (enum hilo_append_op)kind,
        .channel = agent && ch && *ch ? ch : "web",
        .role = agent ? "agent" : "customer",
        .author_id = se->id,
        .author_name = se->name,
        .text = op->text,
        .text_len = op->text_len,
        .dedupe = dkey,
        .client_id = op->client_id,
        .customer = agent ? "" : se->id,
        .delivery = op->delivery,
        .entry = op->entry,
        .extra = xjs,
    };
    if (!agent && op->extra)
        req.extra = op->extra; /* where the customer wrote from */
    rc = kind < 0 ? -HILO_EINTERNAL : hilo_tickets_append(c->srv, &req, appended_cb, op);
    free(xjs);
    if (rc < 0) {
        hilo_conn_error(c, rc, op->req, op->client_id);
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

    /* a customer's message may say where it was written: the page (scheme,
     * host and path, http(s) only) and a short browser name (issue #13) */
    int customer = hilo_sess(c)->role == HILO_ROLE_CUSTOMER;
    const char *page = customer ? hilo_dispatch_str(msg, "page", 1000, &bad) : NULL;
    const char *browser = customer ? hilo_dispatch_str(msg, "browser", 100, &bad) : NULL;

    *out = NULL;
    if (bad || !cid || !*cid || !json_is_string(text) || json_string_length(text) == 0)
        return -HILO_EBADFRAME;
    if (page && *page && strncmp(page, "https://", 8) != 0 && strncmp(page, "http://", 7) != 0)
        return -HILO_EBADFRAME;
    for (const char *p = page; p && *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return -HILO_EBADFRAME; /* no spaces or control characters in an address */
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
    if ((page && *page) || (browser && *browser)) {
        json_t *x = json_object();
        if (page && *page)
            json_object_set_new(x, "page", json_string(page));
        if (browser && *browser)
            json_object_set_new(x, "browser", json_string(browser));
        op->extra = json_dumps(x, JSON_COMPACT);
        json_decref(x);
    }
    *out = op;
    return 0;
}
