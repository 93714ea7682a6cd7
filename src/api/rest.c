/* REST API calls: their life (struct api), the shared "summaries of a list
 * of tickets" fan-out, and dispatch: authentication by agent session cookie
 * or API key, then the endpoint. */
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/store_records.h"

#include "internal.h"
#include "merge.h"

void api_free(struct api *a)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->refs)
            free(a->refs[i]);
        if (a->items)
            json_decref(a->items[i]);
    }
    free(a->refs);
    free(a->items);
    json_decref(a->result);
    json_decref(a->body);
    free(a->text);
    if (a->job_free)
        a->job_free(a->job);
    hilo_http_unref(a->r);
    free(a);
}

/* Answers an error and ends the call. */
void api_fail(struct api *a, int err)
{
    hilo_http_respond_error(a->r, err);
    api_free(a);
}

void api_not_found(struct api *a)
{
    hilo_http_respond_json(a->r, 404, json_pack("{s:{s:s, s:s}}", "error", "code", "not_found",
                                                "message", "No such resource."));
}

int api_alloc_refs(struct api *a, size_t n)
{
    a->n = n;
    a->refs = calloc(n ? n : 1, sizeof *a->refs);
    a->items = calloc(n ? n : 1, sizeof *a->items);
    return a->refs && a->items ? 0 : -1;
}

/* The strings of an array reply become a->refs. -1 when the reply is not
 * one (or memory runs out). */
int api_take_refs(struct api *a, const redisReply *reply)
{
    if (!reply || reply->type != REDIS_REPLY_ARRAY || api_alloc_refs(a, reply->elements) < 0)
        return -1;
    for (size_t i = 0; i < a->n; i++)
        a->refs[i] = strdup(reply->element[i]->str);
    return 0;
}

/* A command of a batch (one per ref) could not be sent: the replies of those
 * sent still come, in order, and the last one answers. */
void api_batch_broken(struct api *a, size_t sent)
{
    a->failed = 1;
    a->n = sent;
    if (a->waiting == 0)
        api_fail(a, -HILO_EUNAVAIL);
}

int api_sent(struct api *a, int rc)
{
    if (rc == 0)
        a->waiting++;
    return rc;
}

int api_send_op(struct api *a, const struct hilo_store_argv *op, hilo_redis_cb cb)
{
    int rc = hilo_store_send(a->s->redis, op, cb, a);
    if (rc == 0)
        a->waiting++;
    return rc;
}

int api_tx_commit(struct api *a, struct hilo_tx *tx, hilo_redis_cb cb)
{
    int rc = hilo_tx_commit(tx, cb, a);
    if (rc == 0)
        a->waiting++;
    return rc;
}

int api_send_summary(struct api *a, const char *ref, hilo_redis_cb cb)
{
    struct hilo_store_argv op;
    struct hilo_store_history h = {.ref = ref, .customer = "", .count = 0};
    int rc = hilo_store_history_argv(&op, &h);
    return rc < 0 ? rc : api_send_op(a, &op, cb);
}

json_t *api_summary_of(const redisReply *reply)
{
    json_error_t je;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_STRING)
        return NULL;
    return json_loadb(reply->element[0]->str, reply->element[0]->len, 0, &je);
}

/* Index of the ref a reply belongs to: replies come in order. */
size_t api_next_index(struct api *a) { return a->n - (size_t)a->waiting; }

/* ---- summaries of a list of refs, then a callback -------------------------- */

static void summaries_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    size_t i = api_next_index(a);
    if (!reply)
        a->failed = 1;
    else if (i < a->n)
        a->items[i] = api_summary_of(reply);
    if (--a->waiting)
        return;
    if (a->failed)
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    else
        a->then(a);
    api_free(a);
}

/* Replies come in the order sent, so reply k is for ref k: api_next_index
 * counts from the first. */
void api_fetch_summaries(struct api *a, void (*then)(struct api *a))
{
    a->then = then;
    if (a->n == 0) {
        then(a);
        api_free(a);
        return;
    }
    for (size_t i = 0; i < a->n; i++)
        if (api_send_summary(a, a->refs[i], summaries_cb) < 0) {
            api_batch_broken(a, i);
            return;
        }
}

void api_respond_tickets(struct api *a)
{
    json_t *list = json_array();
    for (size_t i = 0; i < a->n && json_array_size(list) < SEARCH_MAX; i++)
        if (a->items[i])
            json_array_append(list, a->items[i]);
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "tickets", list));
}

/* The JSON objects stored as the strings of an array reply (others skipped). */
json_t *api_json_of_strings(const redisReply *reply)
{
    json_t *list = json_array();
    for (size_t i = 0; i < reply->elements; i++) {
        json_error_t je;
        json_t *e;
        if (reply->element[i]->type == REDIS_REPLY_STRING &&
            (e = json_loadb(reply->element[i]->str, reply->element[i]->len, 0, &je)))
            json_array_append_new(list, e);
    }
    return list;
}

/* ---- dispatch ------------------------------------------------------------------ */

/* Who may call what. Paths are relative to /api/v1/; /api/v1/session is
 * routed before this module (src/api/session.c). */
static const struct api_route routes[] = {
    {"GET", "tickets", R_AGENT | R_APIKEY, api_ticket_list},
    {"POST", "tickets", R_AGENT | R_APIKEY, api_ticket_create},
    {"GET", "tickets/:ref", R_AGENT | R_APIKEY, api_ticket_get},
    {"POST", "tickets/:ref/messages", R_AGENT | R_APIKEY, api_ticket_message},
    {"GET", "webhooks/log", R_AGENT | R_APIKEY, api_webhook_log},
    {"GET", "media/whatsapp/:id", R_AGENT, api_media},
    {"GET", "reports", R_AGENT, api_reports},
    {"GET", "search", R_AGENT, api_search},
    {"GET", "outbox/dead", R_AGENT, api_dead},
    {"GET", "customers/:id", R_AGENT, api_customer},
    /* merge, undo, suggestions, blocked identities (merge.h) */
    {"POST", "customers/:id/merge", R_AGENT, api_customer_merge},
    {"GET", "customers/:id/merges", R_AGENT, api_customer_merges},
    {"GET", "merges", R_AGENT, api_merges},
    {"POST", "merges/:id/undo", R_AGENT, api_merge_undo},
    {"GET", "customers/:id/identities", R_AGENT, api_customer_identities},
    {"POST", "customers/:id/identities/block", R_AGENT, api_identity_block},
    {"POST", "customers/:id/identities/unblock", R_AGENT, api_identity_unblock},
    {"GET", "customers/:id/blocked", R_AGENT, api_customer_blocked},
    {"GET", "customers/:id/suggestions", R_AGENT, api_customer_suggestions},
    {"GET", "suggestions", R_AGENT, api_suggestions},
    {"POST", "customers/:id/suggestions/:other/dismiss", R_AGENT, api_suggestion_dismiss},
    {"GET", "agents", R_AGENT, api_agents_list},
    {"POST", "agents", R_ADMIN, api_agent_create},
    {"PATCH", "agents/:name", R_ADMIN, api_agent_patch},
    {"DELETE", "agents/:name", R_ADMIN, api_agent_delete},
    {"POST", "agents/:name/password", R_ADMIN | R_SELF, api_agent_password},
    {"GET", "holds", R_AGENT, api_holds_list},
    {"GET", "holds/:id", R_AGENT, api_hold_get},
    {"POST", "holds/:id/approve", R_AGENT, api_hold_approve},
    {"POST", "holds/:id/reject", R_AGENT, api_hold_reject},
    {"POST", "customers/:id/identities/revoke", R_ADMIN, api_identity_revoke},
    {"GET", "sla/teams", R_AGENT | R_APIKEY, api_sla_teams},
    {"GET", "sla/teams/:team", R_AGENT | R_APIKEY, api_sla_teams},
    {"PUT", "sla/teams/:team", R_ADMIN, api_sla_team_put},
    {"DELETE", "sla/teams/:team", R_ADMIN, api_sla_team_delete},
    {"GET", "team-settings", R_AGENT, api_team_settings_get},
    {"GET", "team-settings/:team", R_ADMIN, api_team_settings_get},
    {"PUT", "team-settings/:team", R_ADMIN, api_team_settings_put},
    {"DELETE", "team-settings/:team", R_ADMIN, api_team_settings_delete},
    {"GET", "tickets/:ref/holds", R_AGENT, api_ticket_holds},
};

/* The one place that refuses a request: 401 (err from authentication), then
 * 404 (no such path), 405 (the path has other methods), 403 (the route's
 * flags exclude the caller). Otherwise the handler answers. */
static void authed_cb(int err, const struct hilo_session_info *si, void *data)
{
    struct api *a = data;
    const struct api_route *row;
    char allow[64];
    int rc;

    if (err) {
        api_fail(a, err);
        return;
    }
    a->who = *si;
    rc = api_route_find(routes, HILO_ARRAY_LEN(routes), hilo_http_method(a->r),
                        hilo_http_path(a->r) + 8 /* after /api/v1/ */, &row, &a->params, allow,
                        sizeof allow);
    if (rc == API_ROUTE_NOT_FOUND) {
        api_not_found(a);
        api_free(a);
    } else if (rc == API_ROUTE_BAD_METHOD) {
        /* the methods in the Allow header (RFC 9110) and in the body */
        hilo_http_set_allow(a->r, allow);
        hilo_http_respond_json(a->r, 405, json_pack("{s:{s:s, s:s, s:s}}", "error", "code",
                                                    "method_not_allowed", "message",
                                                    "Method not allowed here.", "allow", allow));
        api_free(a);
    } else if (!api_route_allows(row->flags, a->integration, a->who.role, a->who.name,
                                 &a->params)) {
        api_fail(a, -HILO_EFORBIDDEN);
    } else {
        row->fn(a);
    }
}

static void apikey_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    struct hilo_session_info si;
    a->waiting--;
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        authed_cb(-HILO_EUNAVAIL, NULL, a);
        return;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        authed_cb(-HILO_EUNAUTH, NULL, a);
        return;
    }
    memset(&si, 0, sizeof si);
    snprintf(si.name, sizeof si.name, "%s", reply->str);
    snprintf(si.role, sizeof si.role, "integration");
    a->integration = 1;
    authed_cb(0, &si, a);
}

/* Looks the key up by its SHA-256; apikey_cb answers. */
static int apikey_auth(struct api *a, const char *key)
{
    char hex[65];
    if (strncmp(key, "hk_", 3) != 0 || strlen(key) > 128)
        return -HILO_EUNAUTH;
    hilo_token_hash(key, hex);
    return api_sent(a, hilo_store_apikey_get(a->s->redis, hex, apikey_cb, a)) < 0 ? -HILO_EUNAVAIL
                                                                                  : 0;
}

void hilo_api_handle(struct hilo_http *r)
{
    struct hilo_server *s = hilo_http_server(r);
    const char *cookies = hilo_http_cookie(r);
    const char *authz = hilo_http_header(r, "authorization");
    char tok[256];
    struct api *a;
    int rc;

    a = calloc(1, sizeof *a);
    if (!a) {
        hilo_http_respond_error(r, -HILO_EINTERNAL);
        return;
    }
    hilo_http_ref(r);
    a->r = r;
    a->s = s;
    /* an API key, else the agent session in the cookie */
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0)
        rc = apikey_auth(a, authz + 7);
    else if (!cookies || hilo_http_cookie_token(cookies, tok, sizeof tok) < 0)
        rc = -HILO_EUNAUTH;
    else
        rc = hilo_agents_check(s, tok, authed_cb, a);
    if (rc < 0)
        authed_cb(rc, NULL, a); /* the callbacks never run: answer here */
}
