/* Held joins and identity evidence for agents (docs/rest.md,
 * docs/continuity.md): the list of pending holds with their messages, an
 * agent's approve / reject, a customer's identities with their evidence,
 * and an admin's revocation of a signed identity. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/holds.h"
#include "hilo/http.h"
#include "hilo/identity.h"
#include "hilo/inbound.h"
#include "hilo/ref.h"
#include "hilo/store_holds.h"
#include "hilo/store_records.h"

#include "internal.h"

#define HOLDS_MAX 50

/* A hold as agents see it, from [hash, messages]; NULL when gone. */
json_t *api_hold_json(const redisReply *h, const redisReply *l)
{
    if (!h || h->type != REDIS_REPLY_ARRAY || h->elements == 0)
        return NULL;
    json_t *o = json_object();
    static const char *const str[] = {"id", "ref", "identity", "channel", "from", "status",
                                      "code_to", "decided_by", "locale"};
    static const char *const num[] = {"created_at", "decided_at", "tries", "code_exp"};
    for (size_t i = 0; i + 1 < h->elements; i += 2) {
        const char *k = h->element[i]->str, *v = h->element[i + 1]->str;
        for (size_t j = 0; k && v && j < HILO_ARRAY_LEN(str); j++)
            if (strcmp(k, str[j]) == 0)
                json_object_set_new(o, k, json_string(v));
        for (size_t j = 0; k && v && j < HILO_ARRAY_LEN(num); j++)
            if (strcmp(k, num[j]) == 0)
                json_object_set_new(o, k, json_integer(strtoll(v, NULL, 10)));
        /* whether the reference names a ticket that could take it: agents
         * may know, the sender never does */
        if (k && v && strcmp(k, "customer") == 0)
            json_object_set_new(o, "ticket_exists", json_boolean(*v != '\0'));
    }
    const char *ident = json_string_value(json_object_get(o, "identity"));
    json_object_set_new(o, "shown", hilo_identity_json(ident ? ident : ""));
    json_t *msgs = json_array();
    for (size_t i = 0; l && l->type == REDIS_REPLY_ARRAY && i < l->elements; i++) {
        char kind[16];
        struct hilo_inbound *m =
            hilo_inbound_from_held(l->element[i]->str, l->element[i]->len, kind, sizeof kind);
        if (!m)
            continue;
        json_array_append_new(msgs, json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", kind, "channel",
                                              m->channel, "type", m->type, "text", m->text,
                                              "name", m->from_name));
        hilo_inbound_free(m);
    }
    json_object_set_new(o, "messages", msgs);
    return o;
}

static void holds_got_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        json_t *h = api_hold_json(reply->element[i], reply->element[i + 1]);
        if (h)
            json_array_append_new(list, h);
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "holds", list));
    api_free(a);
}

static void holds_listed_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    struct hilo_tx tx;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (reply->elements == 0) {
        hilo_http_respond_json(a->r, 200, json_pack("{s:[]}", "holds"));
        api_free(a);
        return;
    }
    hilo_tx_begin(&tx, a->s->redis);
    for (size_t i = 0; i < reply->elements; i++) {
        hilo_tx_hold_get(&tx, reply->element[i]->str);
        hilo_tx_hold_msgs(&tx, reply->element[i]->str);
    }
    if (api_tx_commit(a, &tx, holds_got_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

void api_holds_list(struct api *a)
{
    if (api_sent(a, hilo_store_holds_list(a->s->redis, HOLDS_MAX - 1, holds_listed_cb, a)) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

/* The holds that named one ticket, newest first, in any status: the
 * console's view of the case's join attempts. */
static void ticket_holds_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
        reply->element[0]->type == REDIS_REPLY_ARRAY) {
        holds_listed_cb(reply->element[0], data);
        return;
    }
    a->waiting--;
    api_fail(a, -HILO_EUNAVAIL);
}

void api_ticket_holds(struct api *a)
{
    struct hilo_tx tx;
    if (hilo_ref_normalize(api_param(&a->params, "ref"), a->ref) < 0) {
        api_fail(a, -HILO_EUNKNOWNTICKET);
        return;
    }
    hilo_tx_begin(&tx, a->s->redis);
    hilo_tx_ticket_holds_latest(&tx, a->ref, HOLDS_MAX);
    if (api_tx_commit(a, &tx, ticket_holds_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

static void hold_got_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *h = api_hold_json(reply->element[0], reply->element[1]);
    if (!h) {
        api_fail(a, -HILO_EUNKNOWNHOLD);
        return;
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "hold", h));
    api_free(a);
}

static const char *hold_param(struct api *a)
{
    const char *id = api_param(&a->params, "id");
    if (!id || strlen(id) != HILO_HOLD_ID_MAX - 1 || strspn(id, "0123456789abcdef") != strlen(id))
        return NULL;
    return id;
}

void api_hold_get(struct api *a)
{
    const char *id = hold_param(a);
    struct hilo_tx tx;
    if (!id) {
        api_fail(a, -HILO_EUNKNOWNHOLD);
        return;
    }
    hilo_tx_begin(&tx, a->s->redis);
    hilo_tx_hold_get(&tx, id);
    hilo_tx_hold_msgs(&tx, id);
    if (api_tx_commit(a, &tx, hold_got_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

static void decided(int err, const char *ref, void *data)
{
    struct api *a = data;
    if (err < 0) {
        api_fail(a, err);
        return;
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:s, s:s, s:s}", "hold", a->name, "status",
                                                a->locale[0] == 'a' ? "joined" : "rejected",
                                                "ticket", ref ? ref : ""));
    api_free(a);
}

static void decide(struct api *a, int approve)
{
    const char *id = hold_param(a);
    int rc;
    if (!id) {
        api_fail(a, -HILO_EUNKNOWNHOLD);
        return;
    }
    snprintf(a->name, sizeof a->name, "%s", id);
    snprintf(a->locale, sizeof a->locale, "%s", approve ? "a" : "r");
    if ((rc = hilo_holds_decide(a->s, id, approve, a->who.name, decided, a)) < 0)
        api_fail(a, rc);
}

void api_hold_approve(struct api *a) { decide(a, 1); }
void api_hold_reject(struct api *a) { decide(a, 0); }

/* ---- identities and their evidence ----------------------------------------- */

static const char *customer_param(struct api *a)
{
    const char *id = api_param(&a->params, "id");
    if (!id || !*id || strlen(id) > 64 || strpbrk(id, "{}:/ "))
        return NULL;
    return id;
}

/* ---- revoking a signed identity (admin) -------------------------------------- */

static void revoked_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:s, s:O, s:b}", "customer", a->name,
                                                "identity", json_object_get(a->body, "identity"),
                                                "revoked", 1));
    api_free(a);
}

static void owner_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    struct hilo_tx tx;
    const char *ident = json_string_value(json_object_get(a->body, "identity"));
    a->waiting--;
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (reply->type != REDIS_REPLY_STRING || strcmp(reply->str, a->name) != 0) {
        /* not this customer's: nothing to revoke here */
        api_not_found(a);
        api_free(a);
        return;
    }
    hilo_tx_begin(&tx, a->s->redis);
    hilo_tx_ident_del(&tx, ident);
    hilo_tx_customer_ids_rem(&tx, a->name, ident);
    hilo_tx_evidence_del(&tx, a->name, ident);
    if (api_tx_commit(a, &tx, revoked_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

void api_identity_revoke(struct api *a)
{
    const char *id = customer_param(a), *ident;
    size_t len;
    json_error_t je;
    const char *body = hilo_http_body(a->r, &len);
    if (!id) {
        api_not_found(a);
        api_free(a);
        return;
    }
    snprintf(a->name, sizeof a->name, "%s", id);
    a->body = body ? json_loadb(body, len, 0, &je) : NULL;
    ident = json_string_value(json_object_get(a->body, "identity"));
    /* signed identities only: the others are proven by the channel they
     * come from, and blocking those is another matter */
    if (!json_is_object(a->body) || !ident || strncmp(ident, "user:", 5) != 0 ||
        strlen(ident) < 6 || strlen(ident) > 140) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    if (api_sent(a, hilo_store_ident_get(a->s->redis, ident, owner_cb, a)) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}
