/* A customer's identities with their blocks, blocking and unblocking one
 * identity, the messages kept from blocked identities, and merge
 * suggestions (docs/continuity.md "Merge, undo and blocking"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/store_customers.h"
#include "hilo/identity.h"
#include "hilo/store_holds.h"
#include "hilo/store_records.h"

#include "internal.h"
#include "merge.h"

#define BLOCKED_MSGS 50

/* The customer in the path, or 404 (the call ends). */
static const char *path_customer(struct api *a)
{
    const char *id = api_param(&a->params, "id");
    if (api_customer_id_ok(id))
        return id;
    api_fail(a, -HILO_EUNKNOWNCUSTOMER);
    return NULL;
}

static const char *hfield(const redisReply *h, const char *name)
{
    for (size_t i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2)
        if (strcmp(h->element[i]->str, name) == 0)
            return h->element[i + 1]->str;
    return "";
}

/* [customer hash, identities] of a->cid: 0, or the call is answered. */
static int check_customer(struct api *a, redisReply *reply)
{
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        api_fail(a, -HILO_EUNAVAIL);
        return -1;
    }
    if (reply->element[0]->type != REDIS_REPLY_ARRAY || reply->element[0]->elements == 0) {
        api_fail(a, -HILO_EUNKNOWNCUSTOMER);
        return -1;
    }
    return 0;
}

static int read_customer(struct api *a, const char *id, hilo_redis_cb cb)
{
    struct hilo_tx tx;
    snprintf(a->cid, sizeof a->cid, "%s", id);
    hilo_tx_begin(&tx, a->s->redis);
    hilo_tx_customer_get(&tx, id);
    hilo_tx_customer_ids(&tx, id);
    return api_tx_commit(a, &tx, cb);
}

/* ---- GET customers/:id/identities ------------------------------------------ */

static void blocks_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    json_error_t je;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != json_array_size(a->result)) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    for (size_t i = 0; i < reply->elements; i++) {
        json_t *it = json_array_get(a->result, i), *b = NULL;
        if (reply->element[i]->type == REDIS_REPLY_STRING)
            b = json_loadb(reply->element[i]->str, reply->element[i]->len, 0, &je);
        json_object_set_new(it, "blocked", b ? b : json_null());
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:O}", "identities", a->result));
    api_free(a);
}

/* [customer hash, identities, evidence hash]: each identity with how it was
 * proven (hilo_identity_list), then its block, if any */
static void idents_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
        a->waiting--;
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    reply->elements = 2; /* check_customer reads the first two */
    int bad = check_customer(a, reply);
    reply->elements = 3;
    if (bad < 0)
        return;
    json_t *list = hilo_identity_list(reply->element[1], reply->element[2]);
    size_t n = json_array_size(list);
    const char **names = calloc(n ? n : 1, sizeof *names);
    int rc;
    a->result = list;
    for (size_t i = 0; names && i < n; i++)
        names[i] = json_string_value(json_object_get(json_array_get(list, i), "identity"));
    if (n == 0) {
        free(names);
        hilo_http_respond_json(a->r, 200, json_pack("{s:[]}", "identities"));
        api_free(a);
        return;
    }
    rc = names ? api_sent(a, hilo_store_blocked_many(a->s->redis, names, (int)n, blocks_cb, a))
               : -HILO_EINTERNAL;
    free(names);
    if (rc < 0)
        api_fail(a, rc);
}

void api_customer_identities(struct api *a)
{
    const char *id = path_customer(a);
    struct hilo_tx tx;
    if (!id)
        return;
    snprintf(a->cid, sizeof a->cid, "%s", id);
    hilo_tx_begin(&tx, a->s->redis);
    hilo_tx_customer_get(&tx, id);
    hilo_tx_customer_ids(&tx, id);
    hilo_tx_evidence_all(&tx, id);
    if (api_tx_commit(a, &tx, idents_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

/* ---- POST customers/:id/identities/block | unblock ---------------------------- */

static void block_done_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || hilo_store_err(reply) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    /* stored first; then the identity's open widgets close everywhere */
    if (json_is_true(json_object_get(a->body, "_block")))
        hilo_identity_publish_block(a->s, json_string_value(json_object_get(a->result, "identity")));
    hilo_http_respond_json(a->r, 200, json_incref(a->result));
    api_free(a);
}

/* The identity named in the body is one of the customer's: block or unblock. */
static void block_check_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    const char *ident = json_string_value(json_object_get(a->body, "identity"));
    int block = json_is_true(json_object_get(a->body, "_block")), found = 0, rc;
    if (check_customer(a, reply) < 0)
        return;
    redisReply *ids = reply->element[1];
    for (size_t i = 0; ids->type == REDIS_REPLY_ARRAY && i < ids->elements; i++)
        found |= strcmp(ids->element[i]->str, ident) == 0;
    if (!found) {
        api_not_found(a);
        api_free(a);
        return;
    }
    if (block) {
        json_t *b = json_pack("{s:s, s:s, s:I, s:s}", "by", a->who.name, "by_name",
                              a->who.display[0] ? a->who.display : a->who.name, "at",
                              (json_int_t)hilo_now_ms(), "customer", a->cid);
        char *js = json_dumps(b, JSON_COMPACT);
        a->result = json_pack("{s:s, s:o}", "identity", ident, "blocked", b);
        rc = js ? api_sent(a, hilo_store_block(a->s->redis, ident, js, block_done_cb, a))
                : -HILO_EINTERNAL;
        free(js);
    } else {
        a->result = json_pack("{s:s, s:n}", "identity", ident, "blocked");
        rc = api_sent(a, hilo_store_unblock(a->s->redis, ident, block_done_cb, a));
    }
    if (rc < 0)
        api_fail(a, rc);
}

static void block_common(struct api *a, int block)
{
    const char *id = path_customer(a), *body;
    size_t len;
    json_error_t je;
    if (!id)
        return;
    if (!(body = hilo_http_body(a->r, &len))) {
        api_fail(a, -HILO_ETOOLARGE);
        return;
    }
    a->body = json_loadb(body, len, 0, &je);
    const char *ident = json_string_value(json_object_get(a->body, "identity"));
    if (!json_is_object(a->body) || !ident || !*ident || strlen(ident) > 290) {
        api_fail(a, a->body ? -HILO_EBADFRAME : -HILO_EBADJSON);
        return;
    }
    json_object_set_new(a->body, "_block", json_boolean(block));
    if (read_customer(a, id, block_check_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

void api_identity_block(struct api *a) { block_common(a, 1); }
void api_identity_unblock(struct api *a) { block_common(a, 0); }

/* ---- GET customers/:id/blocked: what blocked identities sent ---------------- */

static void msgs_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != json_array_size(a->result)) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *out = json_array();
    for (size_t i = 0; i < reply->elements; i++) {
        redisReply *l = reply->element[i];
        const char *ident = json_string_value(json_array_get(a->result, i));
        for (size_t k = 0; l->type == REDIS_REPLY_ARRAY && k < l->elements; k++) {
            redisReply *e = l->element[k];
            if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
                continue;
            json_t *m = json_pack("{s:s, s:s}", "id", e->element[0]->str, "identity", ident);
            static const char *const names[][2] = {{"ch", "channel"}, {"pv", "provider"},
                                                   {"an", "name"}, {"tx", "text"}};
            redisReply *f = e->element[1];
            for (size_t q = 0; f->type == REDIS_REPLY_ARRAY && q + 1 < f->elements; q += 2) {
                for (size_t w = 0; w < 4; w++)
                    if (strcmp(f->element[q]->str, names[w][0]) == 0)
                        json_object_set_new(m, names[w][1], json_string(f->element[q + 1]->str));
                if (strcmp(f->element[q]->str, "at") == 0)
                    json_object_set_new(m, "at", json_integer(atoll(f->element[q + 1]->str)));
            }
            json_array_append_new(out, m);
        }
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "messages", out));
    api_free(a);
}

static void blocked_ids_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    struct hilo_tx tx;
    if (check_customer(a, reply) < 0)
        return;
    redisReply *ids = reply->element[1];
    size_t n = ids->type == REDIS_REPLY_ARRAY ? ids->elements : 0;
    if (n == 0) {
        hilo_http_respond_json(a->r, 200, json_pack("{s:[]}", "messages"));
        api_free(a);
        return;
    }
    a->result = json_array();
    hilo_tx_begin(&tx, a->s->redis);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a->result, json_string(ids->element[i]->str));
        hilo_tx_blocked_msgs(&tx, ids->element[i]->str, BLOCKED_MSGS);
    }
    if (api_tx_commit(a, &tx, msgs_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

void api_customer_blocked(struct api *a)
{
    const char *id = path_customer(a);
    if (id && read_customer(a, id, blocked_ids_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

/* ---- suggestions ------------------------------------------------------------- */

static void suggest_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    json_error_t je;
    int rc;
    a->waiting--;
    if (!reply) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "HILO not_found", 14) == 0) {
        api_not_found(a);
        api_free(a);
        return;
    }
    if ((rc = hilo_store_err(reply)) < 0 || reply->type != REDIS_REPLY_STRING) {
        api_fail(a, rc < 0 ? rc : -HILO_EINTERNAL);
        return;
    }
    json_t *v = json_loadb(reply->str, reply->len, 0, &je);
    if (!v) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    hilo_http_respond_json(a->r, 200, json_is_array(v) ? json_pack("{s:o}", "suggestions", v)
                                                       : json_pack("{s:o}", "suggestion", v));
    api_free(a);
}

static void suggest_customer_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    if (check_customer(a, reply) < 0)
        return;
    redisReply *h = reply->element[0];
    struct hilo_store_suggest op = {
        .op = HILO_SUGGEST_COMPUTE, .customer = a->cid, .email = hfield(h, "email"),
        .name = hfield(h, "name"), .now_ms = hilo_now_ms()};
    if (*hfield(h, "merged_into")) {
        /* merged away: its matches are its target's now */
        hilo_http_respond_json(a->r, 200, json_pack("{s:[]}", "suggestions"));
        api_free(a);
        return;
    }
    int rc = api_sent(a, hilo_store_suggest(a->s->redis, &op, suggest_cb, a));
    if (rc < 0)
        api_fail(a, rc);
}

void api_customer_suggestions(struct api *a)
{
    const char *id = path_customer(a);
    if (id && read_customer(a, id, suggest_customer_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

void api_suggestions(struct api *a)
{
    struct hilo_store_suggest op = {.op = HILO_SUGGEST_LIST, .customer = ""};
    int rc = api_sent(a, hilo_store_suggest(a->s->redis, &op, suggest_cb, a));
    if (rc < 0)
        api_fail(a, rc);
}

void api_suggestion_dismiss(struct api *a)
{
    const char *id = path_customer(a), *other = api_param(&a->params, "other");
    if (!id)
        return;
    if (!api_customer_id_ok(other)) {
        api_not_found(a);
        api_free(a);
        return;
    }
    struct hilo_store_suggest op = {.op = HILO_SUGGEST_DISMISS, .customer = id, .other = other,
                                    .agent = a->who.name, .now_ms = hilo_now_ms()};
    int rc = api_sent(a, hilo_store_suggest(a->s->redis, &op, suggest_cb, a));
    if (rc < 0)
        api_fail(a, rc);
}
