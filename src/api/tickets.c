/* /api/v1/tickets for integrations: create, list, read, post a message. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/i18n.h"
#include "hilo/store_index.h"
#include "hilo/store_records.h"
#include "hilo/proto.h"
#include "hilo/tickets.h"

#include "internal.h"

/* ---- integrations: tickets ---------------------------------------------------- */

static int text_ok(struct api *a, json_t *t)
{
    return json_is_string(t) && json_string_length(t) > 0 &&
           hilo_proto_chars(json_string_value(t), json_string_length(t)) <= (size_t)a->s->cfg->max_text;
}

/* {"ticket": summary, ...extra} once the summary is read */
static void created_summary_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    json_t *sum = api_summary_of(reply);
    if (!sum) {
        api_fail(a, reply ? -HILO_EINTERNAL : -HILO_EUNAVAIL);
        return;
    }
    json_object_set_new(a->result, "ticket", sum);
    int dup = json_is_true(json_object_get(a->result, "duplicate"));
    hilo_http_respond_json(a->r, dup ? 200 : 201, json_incref(a->result));
    api_free(a);
}

/* The ticket is written: the client_id is marked seen (only now: a mark
 * beside a refused write would answer a retry with a ticket stored
 * nowhere), then the answer waits for the summary. */
static void ticket_created_cb(const struct hilo_ticket_result *res, void *data)
{
    struct api *a = data;
    const char *cidc = json_string_value(json_object_get(a->body, "client_id"));
    if (res->err) {
        api_fail(a, res->err);
        return;
    }
    snprintf(a->ref, sizeof a->ref, "%s", res->ref);
    json_object_set_new(a->result, "event_id", json_string(res->event_id));
    json_object_set_new(a->result, "duplicate", json_false());
    json_object_set_new(a->result, "ack", json_pack("{s:s, s:s}", "text", res->ack_text,
                                                    "event_id", res->ack_event_id));
    if (cidc) {
        char prov[200];
        snprintf(prov, sizeof prov, "api:%s", a->who.name);
        struct hilo_store_seen mark = {
            .provider = prov, .provider_id = cidc, .ref = a->ref, .ttl_s = 2592000};
        /* sent before the summary on the same connection: done when it is */
        hilo_store_seen_set(a->s->redis, &mark, NULL, NULL);
    }
    if (api_send_summary(a, a->ref, created_summary_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

static void ticket_dup_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    /* [summary script reply, HGET dd key, HGET dd ack] */
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *sum = api_summary_of(reply->element[0]);
    json_t *out = json_pack("{s:o, s:s, s:b, s:{s:s}}", "ticket", sum ? sum : json_null(), "event_id",
                            reply->element[1]->type == REDIS_REPLY_STRING ? reply->element[1]->str : "",
                            "duplicate", 1, "ack", "event_id",
                            reply->element[2]->type == REDIS_REPLY_STRING ? reply->element[2]->str : "");
    hilo_http_respond_json(a->r, 200, out);
    api_free(a);
}

static void ticket_create_write(struct api *a);

static void ticket_lookup_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    /* [GET seen, GET ident...] */
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (reply->element[0]->type == REDIS_REPLY_STRING) {
        /* the same client_id again: the same ticket */
        struct hilo_store_argv op;
        struct hilo_tx tx;
        snprintf(a->ref, sizeof a->ref, "%.9s", reply->element[0]->str);
        struct hilo_store_history h = {.ref = a->ref, .customer = "", .count = 0};
        int rc = hilo_store_history_argv(&op, &h);
        if (rc < 0) {
            api_fail(a, rc);
            return;
        }
        struct hilo_store_ticket_field g1 = {.ref = a->ref, .field = a->dkey};
        struct hilo_store_ticket_field g2 = {.ref = a->ref, .field = "ack"};
        hilo_tx_begin(&tx, a->s->redis);
        hilo_tx_add_argv(&tx, &op);
        hilo_tx_dedupe_get(&tx, &g1);
        hilo_tx_dedupe_get(&tx, &g2);
        if (api_tx_commit(a, &tx, ticket_dup_cb) < 0)
            api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    for (size_t i = 1; i < reply->elements && !a->cid[0]; i++)
        if (reply->element[i]->type == REDIS_REPLY_STRING)
            snprintf(a->cid, sizeof a->cid, "%s", reply->element[i]->str);
    if (!a->cid[0]) {
        unsigned char rnd[10];
        char hex[21];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        snprintf(a->cid, sizeof a->cid, "c%s", hex);
    }
    /* Only identities nobody owns yet (or this customer already owns) are
     * linked: one that is someone else's stays theirs, and an email that is
     * someone else's does not become this customer's email either. */
    json_t *idl = json_object_get(a->result, "identities"), *keep = json_array();
    const char *email = json_string_value(json_object_get(a->result, "email"));
    int email_kept = 0;
    for (size_t i = 0; i < json_array_size(idl) && i + 1 < reply->elements; i++) {
        const redisReply *owner = reply->element[i + 1];
        const char *ident = json_string_value(json_array_get(idl, i));
        if (owner->type == REDIS_REPLY_STRING && strcmp(owner->str, a->cid) != 0)
            continue;
        json_array_append_new(keep, json_string(ident));
        if (email && strncmp(ident, "email:", 6) == 0 && strcmp(ident + 6, email) == 0)
            email_kept = 1;
    }
    json_object_set_new(a->result, "identities", keep);
    if (email && !email_kept)
        json_object_del(a->result, "email");
    ticket_create_write(a);
}

/* The customer is known: write the ticket (tickets.h). */
static void ticket_create_write(struct api *a)
{
    json_t *b = a->body, *cust = json_object_get(b, "customer");
    json_t *idl = json_object_get(a->result, "identities");
    struct hilo_ticket_create req = {
        .channel = json_string_value(json_object_get(a->result, "channel")),
        .text = json_string_value(json_object_get(b, "text")),
        .dedupe = a->dkey,
        .client_id = json_string_value(json_object_get(b, "client_id")),
        .locale = a->locale,
        .customer = {.id = a->cid, .name = json_string_value(json_object_get(cust, "name")),
                     .email = json_string_value(json_object_get(a->result, "email")),
                     .locale = a->locale},
    };
    /* every identity given points at this customer unless it is someone's */
    for (size_t i = 0; i < json_array_size(idl) && i < HILO_TICKETS_MAX_IDENTS; i++)
        req.customer.identities[i] = json_string_value(json_array_get(idl, i));
    int rc = hilo_tickets_create(a->s, &req, ticket_created_cb, a);
    if (rc < 0)
        api_fail(a, rc);
}

void api_ticket_create(struct api *a)
{
    size_t len;
    const char *body = hilo_http_body(a->r, &len);
    json_error_t je;
    json_t *b, *cust, *ch, *cidc;
    if (!body) {
        api_fail(a, -HILO_ETOOLARGE);
        return;
    }
    a->body = b = json_loadb(body, len, 0, &je);
    cust = json_object_get(b, "customer");
    ch = json_object_get(b, "channel");
    cidc = json_object_get(b, "client_id");
    const char *cid_ext = json_string_value(json_object_get(cust, "id"));
    const char *email = json_string_value(json_object_get(cust, "email"));
    const char *phone = json_string_value(json_object_get(cust, "phone"));
    json_t *jn = json_object_get(cust, "name"), *loc = json_object_get(b, "locale");
    if (!json_is_object(b)) {
        api_fail(a, -HILO_EBADJSON);
        return;
    }
    if (!json_is_object(cust) || (!cid_ext && !email && !phone) || (ch && (!json_is_string(ch) ||
        !api_channel_name_ok(json_string_value(ch)))) || (cidc && (!json_is_string(cidc) ||
        json_string_length(cidc) == 0 || json_string_length(cidc) > 64)) ||
        (jn && (!json_is_string(jn) || json_string_length(jn) > 200)) ||
        (loc && !json_is_string(loc)) || (cid_ext && (strlen(cid_ext) == 0 || strlen(cid_ext) > 128)) ||
        (email && (!strchr(email, '@') || strlen(email) > 254)) ||
        (phone && (phone[0] != '+' || strlen(phone) > 32))) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    if (!text_ok(a, json_object_get(b, "text"))) {
        json_t *t = json_object_get(b, "text");
        api_fail(a, json_is_string(t) && json_string_length(t) ? -HILO_ETEXTLONG
                                                                                  : -HILO_EBADFRAME);
        return;
    }
    const char *channel = ch ? json_string_value(ch) : "api";
    const char *text = json_string_value(json_object_get(b, "text"));
    snprintf(a->locale, sizeof a->locale, "%s",
             loc ? hilo_i18n_lang(json_string_value(loc)) : hilo_i18n_guess(text, a->s->cfg->default_locale));
    a->result = json_pack("{s:s}", "channel", channel);
    json_t *idl = json_array();
    char buf[400];
    if (cid_ext) {
        snprintf(buf, sizeof buf, "ext:%s:%s", channel, cid_ext);
        json_array_append_new(idl, json_string(buf));
    }
    /* lengths were checked above: both fit in buf */
    if (email && api_ident_email(email, buf, sizeof buf) == 0) {
        json_array_append_new(idl, json_string(buf));
        json_object_set_new(a->result, "email", json_string(buf + 6)); /* after "email:" */
    }
    if (phone && api_ident_phone(phone, buf, sizeof buf) == 0)
        json_array_append_new(idl, json_string(buf));
    json_object_set_new(a->result, "identities", idl);
    snprintf(a->dkey, sizeof a->dkey, "p:api:%s:%s", a->who.name,
             cidc ? json_string_value(cidc) : "");
    /* seen (repeated client_id), then who the customer is */
    char prov[200];
    snprintf(prov, sizeof prov, "api:%s", a->who.name);
    /* without a client_id, "-:-": a mark nobody sets, so the reply is nil */
    struct hilo_store_seen seen = {.provider = cidc ? prov : "-",
                                   .provider_id = cidc ? json_string_value(cidc) : "-"};
    struct hilo_tx tx;
    hilo_tx_begin(&tx, a->s->redis);
    hilo_tx_seen_get(&tx, &seen);
    for (size_t i = 0; i < json_array_size(idl); i++)
        hilo_tx_ident_get(&tx, json_string_value(json_array_get(idl, i)));
    if (api_tx_commit(a, &tx, ticket_lookup_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

static void message_posted_cb(const struct hilo_ticket_result *res, void *data)
{
    struct api *a = data;
    if (res->err)
        hilo_http_respond_error(a->r, res->err);
    else
        hilo_http_respond_json(a->r, res->duplicate ? 200 : 201,
                               json_pack("{s:s, s:b}", "event_id", res->event_id, "duplicate",
                                         res->duplicate));
    api_free(a);
}

void api_ticket_message(struct api *a)
{
    const char *refpath = api_param(&a->params, "ref");
    size_t len;
    const char *body = hilo_http_body(a->r, &len);
    json_error_t je;
    if (hilo_ref_normalize(refpath, a->ref) < 0) {
        api_fail(a, -HILO_EUNKNOWNTICKET);
        return;
    }
    a->body = body ? json_loadb(body, len, 0, &je) : NULL;
    json_t *ch = json_object_get(a->body, "channel"), *cidc = json_object_get(a->body, "client_id");
    if (!json_is_object(a->body)) {
        api_fail(a, body ? -HILO_EBADJSON : -HILO_ETOOLARGE);
        return;
    }
    if ((ch && (!json_is_string(ch) || !api_channel_name_ok(json_string_value(ch)))) ||
        (cidc && (!json_is_string(cidc) || json_string_length(cidc) == 0 || json_string_length(cidc) > 64))) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    json_t *t = json_object_get(a->body, "text");
    if (!text_ok(a, t)) {
        api_fail(a, json_is_string(t) && json_string_length(t) ? -HILO_ETEXTLONG
                                                                                  : -HILO_EBADFRAME);
        return;
    }
    snprintf(a->dkey, sizeof a->dkey, "p:api:%s:%s", a->who.name, cidc ? json_string_value(cidc) : "");
    struct hilo_ticket_append req = {
        .ref = a->ref, .op = HILO_APPEND_MESSAGE,
        .channel = ch ? json_string_value(ch) : "api", .role = "customer",
        .text = json_string_value(t), .text_len = json_string_length(t), .dedupe = a->dkey,
        .client_id = cidc ? json_string_value(cidc) : ""};
    int rc = hilo_tickets_append(a->s, &req, message_posted_cb, a);
    if (rc < 0)
        api_fail(a, rc);
}

static void thread_read_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    int err = hilo_store_err(reply);
    if (!err && (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3))
        err = -HILO_EINTERNAL;
    if (err) {
        api_fail(a, err);
        return;
    }
    json_t *sum = api_summary_of(reply), *evs = json_array();
    for (size_t i = 3; i + 1 < reply->elements; i += 2) {
        json_error_t je;
        json_t *e = json_loadb(reply->element[i + 1]->str, reply->element[i + 1]->len, 0, &je);
        if (e)
            json_array_append_new(evs, e);
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:o, s:o}", "ticket", sum ? sum : json_null(), "events", evs));
    api_free(a);
}

void api_ticket_get(struct api *a)
{
    const char *refpath = api_param(&a->params, "ref");
    struct hilo_store_argv op;
    if (hilo_ref_normalize(refpath, a->ref) < 0) {
        api_fail(a, -HILO_EUNKNOWNTICKET);
        return;
    }
    struct hilo_store_history h = {.ref = a->ref, .customer = "", .count = 10000};
    int rc = hilo_store_history_argv(&op, &h);
    if (rc == 0)
        rc = api_send_op(a, &op, thread_read_cb);
    if (rc < 0)
        api_fail(a, rc == -HILO_EINTERNAL ? rc : -HILO_EUNAVAIL);
}

static void respond_ticket_list(struct api *a)
{
    json_t *list = json_array();
    for (size_t i = 0; i < a->n && json_array_size(list) < a->list.limit; i++) {
        json_t *t = a->items[i];
        if (t && api_ticket_query_match(&a->list, json_string_value(json_object_get(t, "status")),
                                        json_string_value(json_object_get(t, "channel"))))
            json_array_append(list, t);
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "tickets", list));
}

static void ticket_list_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (api_take_refs(a, reply) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    api_fetch_summaries(a, respond_ticket_list);
}

void api_ticket_list(struct api *a)
{
    if (api_ticket_query(hilo_http_arg(a->r, "status"), hilo_http_arg(a->r, "channel"),
                         hilo_http_arg(a->r, "limit"), &a->list) < 0) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    struct hilo_store_index_range range = {
        .index = a->list.active ? HILO_STORE_IDX_ACTIVE : HILO_STORE_IDX_ALL,
        .start = 0, .stop = 999, .rev = 1};
    if (api_sent(a, hilo_store_index_range(a->s->redis, &range, ticket_list_cb, a)) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}
