/* Merging customers and undoing merges (docs/continuity.md "Merge, undo and
 * blocking"): POST customers/:id/merge, POST merges/:id/undo, GET merges,
 * GET customers/:id/merges. The scripts do the work atomically; this file
 * reads what they need, retries a read gone stale, and answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/identity.h"
#include "hilo/store_customers.h"
#include "hilo/store_records.h"

#include "internal.h"
#include "merge.h"

#define MERGE_TRIES 3

struct merge_job {
    char from[65], into[65], id[32];
    int tries;
};

static void job_free(void *p) { free(p); }

int api_customer_id_ok(const char *id)
{
    return id && *id && strlen(id) <= 64 && !strpbrk(id, "{}:/ \r\n\t");
}

/* A script's error: "HILO conflict" is -1 (read again), "HILO not_found"
 * -2 (404 not_found), else -HILO_E*. */
static int script_err(const redisReply *reply)
{
    if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "HILO conflict", 13) == 0)
        return -1;
    if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "HILO not_found", 14) == 0)
        return -2;
    return hilo_store_err(reply);
}

/* The record as agents see it: without the undo snapshot. */
json_t *api_merge_public(const char *js, size_t len)
{
    json_error_t je;
    json_t *rec = json_loadb(js, len, 0, &je);
    if (json_is_object(rec))
        json_object_del(rec, "snap");
    return rec;
}

/* The widgets open on any instance follow the merge (all of A's sockets
 * write as B) or its undo (the sockets of each identity that went back to A
 * write as A). The record (with its snapshot) is the script's answer. */
static void tell_widgets(struct api *a, const redisReply *reply, int undo)
{
    json_error_t je;
    json_t *rec = reply->type == REDIS_REPLY_STRING ? json_loadb(reply->str, reply->len, 0, &je) : NULL;
    const char *from = json_string_value(json_object_get(rec, "from"));
    const char *into = json_string_value(json_object_get(rec, "into"));
    json_t *ids = json_object_get(json_object_get(rec, "snap"), "ids");
    if (from && into && !undo)
        hilo_identity_publish_moved(a->s, 'C', from, into);
    for (size_t i = 0; from && undo && i < json_array_size(ids); i++) {
        const char *id = json_string_value(json_array_get(json_array_get(ids, i), 0));
        if (id && (strncmp(id, "web:", 4) == 0 || strncmp(id, "user:", 5) == 0))
            hilo_identity_publish_moved(a->s, 'I', id, from);
    }
    json_decref(rec);
}

static void answer_err(struct api *a, int rc)
{
    if (rc == -2) {
        api_not_found(a);
        api_free(a);
        return;
    }
    api_fail(a, rc < 0 ? rc : -HILO_EINTERNAL);
}

static void answer_rec(struct api *a, redisReply *reply, int status)
{
    json_t *rec = reply->type == REDIS_REPLY_STRING ? api_merge_public(reply->str, reply->len) : NULL;
    if (!rec) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    hilo_http_respond_json(a->r, status, json_pack("{s:o}", "merge", rec));
    api_free(a);
}

/* ---- merge ---------------------------------------------------------------- */

static void merge_read(struct api *a);

static void merged_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    struct merge_job *j = a->job;
    int rc;
    a->waiting--;
    if (!reply) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    rc = script_err(reply);
    if (rc == -1 && ++j->tries < MERGE_TRIES) {
        merge_read(a);
        return;
    }
    if (rc != 0) {
        answer_err(a, rc == -1 ? -HILO_EUNAVAIL : rc);
        return;
    }
    tell_widgets(a, reply, 0);
    answer_rec(a, reply, 200);
}

static const char *field(const redisReply *h, const char *name)
{
    for (size_t i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2)
        if (strcmp(h->element[i]->str, name) == 0)
            return h->element[i + 1]->str;
    return "";
}

static void strings(const redisReply *r, const char ***out, int *n)
{
    *n = 0;
    *out = NULL;
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0)
        return;
    *out = calloc(r->elements, sizeof **out);
    if (!*out)
        return;
    for (size_t i = 0; i < r->elements; i++)
        if (r->element[i]->type == REDIS_REPLY_STRING)
            (*out)[(*n)++] = r->element[i]->str;
}

/* [A's hash, A's identities, A's tickets, B's hash] */
static void read_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    struct merge_job *j = a->job;
    const char **ids = NULL, **refs = NULL;
    int nids = 0, ntix = 0, rc;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 4) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    redisReply *ah = reply->element[0], *bh = reply->element[3];
    if (ah->type != REDIS_REPLY_ARRAY || ah->elements == 0 || bh->type != REDIS_REPLY_ARRAY ||
        bh->elements == 0) {
        api_fail(a, -HILO_EUNKNOWNCUSTOMER);
        return;
    }
    if (*field(ah, "merged_into") || *field(bh, "merged_into")) {
        api_fail(a, -HILO_EBADSTATE);
        return;
    }
    strings(reply->element[1], &ids, &nids);
    strings(reply->element[2], &refs, &ntix);
    struct hilo_store_merge op = {
        .chan = a->s->events_channel, .from = j->from, .into = j->into, .agent = a->who.name,
        .agent_name = a->who.display[0] ? a->who.display : a->who.name, .now_ms = hilo_now_ms(),
        .email = field(ah, "email"), .name = field(ah, "name"), .ids = ids, .nids = nids,
        .refs = refs, .ntix = ntix,
    };
    rc = api_sent(a, hilo_store_merge(a->s->redis, &op, merged_cb, a));
    free(ids);
    free(refs);
    if (rc < 0)
        api_fail(a, rc);
}

static void merge_read(struct api *a)
{
    struct merge_job *j = a->job;
    struct hilo_tx tx;
    hilo_tx_begin(&tx, a->s->redis);
    hilo_tx_customer_get(&tx, j->from);
    hilo_tx_customer_ids(&tx, j->from);
    hilo_tx_customer_all_tickets(&tx, j->from);
    hilo_tx_customer_get(&tx, j->into);
    if (api_tx_commit(a, &tx, read_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

void api_customer_merge(struct api *a)
{
    const char *id = api_param(&a->params, "id");
    size_t len;
    const char *body = hilo_http_body(a->r, &len);
    json_error_t je;
    struct merge_job *j;
    if (!api_customer_id_ok(id)) {
        api_fail(a, -HILO_EUNKNOWNCUSTOMER);
        return;
    }
    if (!body) {
        api_fail(a, -HILO_ETOOLARGE);
        return;
    }
    a->body = json_loadb(body, len, 0, &je);
    const char *into = json_string_value(json_object_get(a->body, "into"));
    if (!json_is_object(a->body) || !into || !api_customer_id_ok(into) || strcmp(into, id) == 0) {
        api_fail(a, a->body ? -HILO_EBADFRAME : -HILO_EBADJSON);
        return;
    }
    if (!(j = calloc(1, sizeof *j))) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    snprintf(j->from, sizeof j->from, "%s", id);
    snprintf(j->into, sizeof j->into, "%s", into);
    a->job = j;
    a->job_free = job_free;
    merge_read(a);
}

/* ---- undo ----------------------------------------------------------------- */

static void undo_read(struct api *a);

static void undone_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    struct merge_job *j = a->job;
    int rc;
    a->waiting--;
    if (!reply) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    rc = script_err(reply);
    if (rc == -1 && ++j->tries < MERGE_TRIES) {
        undo_read(a);
        return;
    }
    if (rc != 0) {
        answer_err(a, rc == -1 ? -HILO_EUNAVAIL : rc);
        return;
    }
    tell_widgets(a, reply, 1);
    answer_rec(a, reply, 200);
}

/* The first element of each array in list (identities, tickets). */
static const char **firsts(json_t *list, int *n)
{
    size_t k = json_array_size(list);
    const char **out = calloc(k ? k : 1, sizeof *out);
    *n = 0;
    for (size_t i = 0; out && i < k; i++) {
        const char *s = json_string_value(json_array_get(json_array_get(list, i), 0));
        if (s)
            out[(*n)++] = s;
    }
    return out;
}

static void rec_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    json_error_t je;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 1) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    redisReply *r = reply->element[0];
    json_t *rec = r->type == REDIS_REPLY_STRING ? json_loadb(r->str, r->len, 0, &je) : NULL;
    if (!json_is_object(rec)) {
        json_decref(rec);
        api_not_found(a);
        api_free(a);
        return;
    }
    json_t *snap = json_object_get(rec, "snap"), *acu = json_object_get(snap, "a_cu");
    const char *email = "", *name = "";
    for (size_t i = 0; i + 1 < json_array_size(acu); i += 2) {
        const char *k = json_string_value(json_array_get(acu, i));
        const char *v = json_string_value(json_array_get(acu, i + 1));
        if (k && v && strcmp(k, "email") == 0)
            email = v;
        if (k && v && strcmp(k, "name") == 0)
            name = v;
    }
    int nids, ntix, rc;
    const char **ids = firsts(json_object_get(snap, "ids"), &nids);
    const char **refs = firsts(json_object_get(snap, "tix"), &ntix);
    struct merge_job *j = a->job;
    struct hilo_store_unmerge op = {
        .chan = a->s->events_channel, .id = j->id,
        .from = json_string_value(json_object_get(rec, "from")),
        .into = json_string_value(json_object_get(rec, "into")), .agent = a->who.name,
        .agent_name = a->who.display[0] ? a->who.display : a->who.name, .now_ms = hilo_now_ms(),
        .email = email, .name = name, .ids = ids, .nids = nids, .refs = refs, .ntix = ntix,
    };
    rc = ids && refs && op.from && op.into
             ? api_sent(a, hilo_store_unmerge(a->s->redis, &op, undone_cb, a))
             : -HILO_EINTERNAL;
    free(ids);
    free(refs);
    json_decref(rec);
    if (rc < 0)
        api_fail(a, rc);
}

static void undo_read(struct api *a)
{
    struct merge_job *j = a->job;
    struct hilo_tx tx;
    hilo_tx_begin(&tx, a->s->redis);
    hilo_tx_merge_get(&tx, j->id);
    if (api_tx_commit(a, &tx, rec_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

void api_merge_undo(struct api *a)
{
    const char *id = api_param(&a->params, "id");
    struct merge_job *j;
    if (!id || id[0] != 'm' || strlen(id) < 2 || strlen(id) > 20 ||
        strspn(id + 1, "0123456789") != strlen(id + 1)) {
        api_not_found(a);
        api_free(a);
        return;
    }
    if (!(j = calloc(1, sizeof *j))) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    snprintf(j->id, sizeof j->id, "%s", id);
    a->job = j;
    a->job_free = job_free;
    undo_read(a);
}

/* ---- history ---------------------------------------------------------------- */

static void recs_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < reply->elements; i++) {
        redisReply *r = reply->element[i];
        json_t *rec = r->type == REDIS_REPLY_STRING ? api_merge_public(r->str, r->len) : NULL;
        if (rec)
            json_array_append_new(list, rec);
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "merges", list));
    api_free(a);
}

static void ids_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    const char **ids;
    int n, rc;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 1) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    strings(reply->element[0], &ids, &n);
    if (n == 0) {
        free(ids);
        hilo_http_respond_json(a->r, 200, json_pack("{s:[]}", "merges"));
        api_free(a);
        return;
    }
    rc = api_sent(a, hilo_store_merge_recs(a->s->redis, ids, n, recs_cb, a));
    free(ids);
    if (rc < 0)
        api_fail(a, rc);
}

static void history(struct api *a, const char *customer)
{
    struct hilo_tx tx;
    hilo_tx_begin(&tx, a->s->redis);
    hilo_tx_merges_ids(&tx, customer, 50);
    if (api_tx_commit(a, &tx, ids_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

void api_merges(struct api *a) { history(a, NULL); }

void api_customer_merges(struct api *a)
{
    const char *id = api_param(&a->params, "id");
    if (!api_customer_id_ok(id)) {
        api_not_found(a);
        api_free(a);
        return;
    }
    history(a, id);
}
