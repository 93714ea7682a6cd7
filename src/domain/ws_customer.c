/* Customer frames: hello, message, resume, typing. */
#include <sodium.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/agents.h"
#include "hilo/reach.h"
#include "hilo/buf.h"
#include "hilo/i18n.h"
#include "hilo/identity.h"
#include "hilo/log.h"
#include "hilo/proto.h"
#include "hilo/store.h"
#include "hilo/store_records.h"
#include "hilo/store_customers.h"

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
    struct hilo_session *se = hilo_sess(op->c);
    if (se) {
        free(se->hello_ident);
        se->hello_ident = NULL;
    }
    hilo_conn_unref(op->c);
    free(op->req);
    free(op->after);
    free(op->name);
    free(op->email);
    free(op->user_ident);
    free(op);
}

static void welcome(struct hilo_conn *c, const char *token, const char *summary, size_t slen,
                    const char *req)
{
    struct hilo_buf b;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "type", "welcome", "token", token, "customer",
                          hilo_sess(c)->id, "locale", hilo_sess(c)->locale);
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
    struct hilo_session *se = hilo_sess(c);
    se->ready = 1;
    welcome(c, se->token, summary, slen, op->req);
    hilo_hours_widget_send(c, NULL); /* the business hours follow the welcome */
    hilo_reach_online_touch(c);
    if (summary && op->after && se->ticket[0]) {
        int err = hilo_live_sync_start(c, se->ticket, op->after, SYNC_RESUME, NULL);
        if (err)
            hilo_conn_error(c, err, NULL, NULL);
    }
    hello_free(op);
    hilo_session_unbusy(c);
}

static void hello_fail(struct hello_op *op, int err)
{
    struct hilo_conn *c = op->c;
    hilo_conn_error(c, err, op->req, NULL);
    hello_free(op);
    hilo_session_unbusy(c);
}

static void hello_cb(redisReply *reply, void *data);

static void hello_summary(struct hello_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    if (!se->ticket[0]) {
        hello_finish(op, NULL, 0);
        return;
    }
    op->step = 3;
    /* the summary only, and only if the ticket is still this customer's */
    struct hilo_store_history h = {.ref = se->ticket, .public_only = 1, .customer = se->id};
    if (hilo_store_history(c->srv->redis, &h, hello_cb, op) < 0)
        hello_fail(op, -HILO_EUNAVAIL);
}

static void hello_cb(redisReply *reply, void *data)
{
    struct hello_op *op = data;
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);

    if (!c->wsi || c->closing) { /* closed meanwhile (a block): never ready */
        hello_free(op);
        return;
    }
    if (!reply) {
        hello_fail(op, -HILO_EUNAVAIL);
        return;
    }
    switch (op->step) {
    case 1: { /* MULTI: GET web ident [, GET user ident], HGET blocked web [, user] */
        const char *web = NULL, *user = NULL;
        size_t n = op->user_ident ? 4 : 2;
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != n) {
            hello_fail(op, -HILO_EINTERNAL);
            return;
        }
        /* A blocked identity gets no customer, thread or ticket; the
         * socket is closed (docs/continuity.md): the browser's token and a
         * signed user's identity are each judged. */
        if (reply->element[n / 2]->type == REDIS_REPLY_STRING ||
            (op->user_ident && reply->element[3]->type == REDIS_REPLY_STRING)) {
            hilo_info("widget of blocked identity %s refused", op->user_ident ? op->user_ident : se->ident);
            hello_fail(op, -HILO_EBLOCKED);
            hilo_conn_close(c, 4403);
            return;
        }
        if (reply->element[0]->type == REDIS_REPLY_STRING)
            web = reply->element[0]->str;
        if (op->user_ident && reply->element[1]->type == REDIS_REPLY_STRING)
            user = reply->element[1]->str;
        /* A signed user is its own customer: its own if known, else a new
         * one; never the customer of an anonymous visitor's token this
         * browser holds (docs/continuity.md). Its identity is the signed
         * one, so the token links nothing to it. */
        if (op->user_ident) {
            free(se->ident);
            se->ident = strdup(op->user_ident);
            web = NULL;
        }
        if (user || web) {
            free(se->id);
            se->id = strdup(user ? user : web);
        }
        if (!se->ident || !se->id) {
            hello_fail(op, -HILO_EINTERNAL);
            return;
        }
        if (op->user_ident || op->name || op->email) {
            /* Signed identity or pre-chat fields: write them now. */
            struct hilo_store_cust cust = {
                .customer = se->id,
                .identity = se->ident,
                .name = op->name,
                .email = op->email,
                .locale = se->locale,
                .identity2 = "",
            };
            struct hilo_store_argv a;
            struct hilo_tx tx;
            struct hilo_store_ident_link web_link = {.identity = se->ident, .customer = se->id};
            struct hilo_store_ident_link user_link = {
                .identity = op->user_ident, .customer = se->id, .nx = 1};
            struct hilo_store_search_email ix = {.email = op->email, .customer = se->id};
            op->step = 2;
            if (hilo_store_cust_argv(&a, &cust) < 0) {
                hello_fail(op, -HILO_EINTERNAL);
                return;
            }
            hilo_tx_begin(&tx, c->srv->redis);
            hilo_tx_add_argv(&tx, &a);
            if (op->user_ident) {
                hilo_tx_ident_link(&tx, &user_link);
                hilo_identity_tx_evidence(&tx, se->id, op->user_ident, NULL, NULL);
            } else {
                hilo_tx_ident_link(&tx, &web_link);
            }
            if (op->email)
                hilo_tx_search_email(&tx, &ix);
            struct hilo_store_search_name nx = {.name = op->name, .customer = se->id};
            hilo_tx_search_name(&tx, &nx); /* merge suggestions (store_customers.h) */
            hilo_tx_customer_get(&tx, se->id);
            if (hilo_tx_commit(&tx, hello_cb, op) < 0)
                hello_fail(op, -HILO_EUNAVAIL);
            return;
        }
        if (!web) {
            hello_finish(op, NULL, 0); /* a new visitor: nothing stored yet */
            return;
        }
        op->step = 2;
        if (hilo_store_customer_get(c->srv->redis, se->id, hello_cb, op) < 0)
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
                snprintf(se->ticket, sizeof se->ticket, "%s", v);
            else if (strcmp(key, "name") == 0 && !se->name)
                se->name = strdup(v);
            else if (strcmp(key, "email") == 0 && !se->email)
                se->email = strdup(v);
            else if (strcmp(key, "locale") == 0 && !op->has_locale)
                snprintf(se->locale, sizeof se->locale, "%s", hilo_i18n_lang(v));
        }
        hello_summary(op);
        return;
    }
    case 3: { /* summary of the current ticket */
        if (hilo_store_err(reply) || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) {
            se->ticket[0] = '\0';
            hello_finish(op, NULL, 0);
            return;
        }
        hello_finish(op, reply->element[0]->str, reply->element[0]->len);
        return;
    }
    }
}

int hilo_ws_customer_hello(struct hilo_conn *c, json_t *msg, const char *req)
{
    struct hilo_session *se = hilo_sess(c);
    int bad = 0, err;
    const char *token = hilo_dispatch_str(msg, "token", 128, &bad);
    const char *locale = hilo_dispatch_str(msg, "locale", 35, &bad);
    const char *name = hilo_dispatch_str(msg, "name", 200, &bad);
    const char *email = hilo_dispatch_str(msg, "email", 254, &bad);
    const char *after = hilo_dispatch_str(msg, "after", 40, &bad);
    const char *uid = NULL, *iname = NULL, *iemail = NULL;
    json_t *identity = json_object_get(msg, "identity");
    char tok[64], hash[65], ident[80];
    uint64_t ms, seq;
    struct hello_op *op;

    if (se->ready || bad || (after && parse_id(after, &ms, &seq) < 0))
        return -HILO_EBADFRAME;
    if (identity && !json_is_null(identity)) {
        err = hilo_identity_check(c->srv, identity, &uid, &iname, &iemail);
        if (err)
            return err;
        if (iname && *iname)
            name = iname;
        if (iemail && *iemail)
            email = iemail;
    }
    if (token && hilo_proto_token_ok(token))
        snprintf(tok, sizeof tok, "%s", token);
    else
        hilo_identity_new_token(tok);
    hilo_token_hash(tok, hash); /* the same SHA-256 hex as agents' tokens */
    snprintf(ident, sizeof ident, "web:%.32s", hash);
    free(se->token);
    se->token = strdup(tok);
    free(se->ident);
    se->ident = strdup(ident);
    snprintf(se->locale, sizeof se->locale, "%s", hilo_i18n_lang(locale));
    if (name && *name)
        se->name = strdup(name);
    if (email && *email)
        se->email = strdup(email);
    {
        unsigned char rnd[10];
        char hex[21];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        free(se->id);
        se->id = malloc(23);
        snprintf(se->id, 23, "c%s", hex);
    }
    op = calloc(1, sizeof *op);
    if (!op)
        return -HILO_EINTERNAL;
    hilo_conn_ref(c);
    op->c = c;
    op->req = req ? strdup(req) : NULL;
    op->after = after ? strdup(after) : NULL;
    op->name = name && *name ? strdup(name) : NULL;
    op->email = email && *email ? strdup(email) : NULL;
    if (uid) {
        op->user_ident = malloc(strlen(uid) + 6);
        if (!op->user_ident) {
            hello_free(op);
            return -HILO_EINTERNAL;
        }
        sprintf(op->user_ident, "user:%s", uid); /* NOLINT: sized above */
        free(se->hello_ident); /* a block published meanwhile finds it */
        se->hello_ident = strdup(op->user_ident);
    }
    op->step = 1;
    op->has_locale = locale != NULL;
    se->busy = 1;
    struct hilo_tx tx;
    hilo_tx_begin(&tx, c->srv->redis);
    hilo_tx_ident_get(&tx, ident);
    if (op->user_ident)
        hilo_tx_ident_get(&tx, op->user_ident);
    hilo_tx_blocked_get(&tx, ident);
    if (op->user_ident)
        hilo_tx_blocked_get(&tx, op->user_ident);
    if (hilo_tx_commit(&tx, hello_cb, op) < 0)
        hello_fail(op, -HILO_EUNAVAIL); /* sent by hello_fail: it also unbusies */
    return 0;
}

int hilo_ws_customer_message(struct hilo_conn *c, json_t *msg, const char *req)
{
    struct hilo_session *se = hilo_sess(c);
    struct msg_op *op;
    int err = hilo_msg_parse(c, msg, req, "message", &op);
    if (err)
        return err;
    if (!hilo_redis_ready(c->srv->redis)) {
        hilo_msg_free(op);
        return -HILO_EUNAVAIL;
    }
    if (!se->ticket[0]) {
        hilo_ws_write_create(op);
        return 0;
    }
    snprintf(op->ref, sizeof op->ref, "%s", se->ticket);
    if (!hilo_live_watch_find(c, se->ticket)) {
        /* Live from now on, so the sender sees its own message echoed. */
        struct hilo_watch *w = hilo_live_watch_get(c, se->ticket);
        if (w) /* the ticket its hello was given as its own */
            w->proven = 1;
    }
    hilo_ws_write_append(op);
    return 0;
}

int hilo_ws_customer_resume(struct hilo_conn *c, json_t *msg, const char *req)
{
    char ref[HILO_REF_MAX];
    int bad = 0;
    const char *after = hilo_dispatch_str(msg, "after", 40, &bad);
    uint64_t ms, seq;
    int err = hilo_dispatch_ticket(msg, ref);
    if (err)
        return err;
    if (bad || !after || parse_id(after, &ms, &seq) < 0)
        return -HILO_EBADFRAME;
    return hilo_ws_customer_resume_checked(c, ref, after, req);
}

int hilo_ws_customer_typing(struct hilo_conn *c, json_t *msg, const char *req)
{
    json_t *st = json_object_get(msg, "state");
    if (!json_is_boolean(st))
        return -HILO_EBADFRAME;
    if (hilo_sess(c)->ticket[0])
        hilo_presence_typing(c, hilo_sess(c)->ticket, json_is_true(st));
    return 0;
}

/* {"type":"seen","event_id":..}: the widget showed the thread up to there
 * (docs/protocol.md); an unread reply's second route is then not taken. */
int hilo_ws_customer_seen(struct hilo_conn *c, json_t *msg, const char *req)
{
    struct hilo_session *se = hilo_sess(c);
    int bad = 0;
    uint64_t ms, seq;
    const char *ev = hilo_dispatch_str(msg, "event_id", 40, &bad);
    if (bad || !ev || parse_id(ev, &ms, &seq) < 0)
        return -HILO_EBADFRAME;
    if (!se->ticket[0])
        return -HILO_EBADSTATE;
    hilo_reach_seen(c->srv, se->ticket, ev);
    hilo_reach_online_touch(c);
    hilo_dispatch_ok(c, req);
    return 0;
}
