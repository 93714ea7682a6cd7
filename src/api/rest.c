/* REST API calls: their life (struct api), the shared "summaries of a list
 * of tickets" fan-out, and dispatch: authentication by agent session cookie
 * or API key, then the endpoint. */
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/keys.h"
#include "hilo/log.h"
#include "hilo/scripts.h"

#include "internal.h"

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
    if (a->password) {
        sodium_memzero(a->password, strlen(a->password));
        free(a->password);
    }
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

void api_method_not_allowed(struct api *a)
{
    hilo_http_respond_json(a->r, 405, json_pack("{s:{s:s, s:s}}", "error", "code",
                                                "method_not_allowed", "message",
                                                "Method not allowed here."));
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

int api_send_argv(struct api *a, hilo_redis_cb cb, int argc, const char **argv)
{
    int rc = hilo_redis_cmdargv(a->s->redis, cb, a, argc, argv, NULL);
    if (rc == 0)
        a->waiting++;
    return rc;
}

/* EVALSHA history <ref> summary only. */
int api_send_summary(struct api *a, const char *ref, hilo_redis_cb cb)
{
    char tk[128], ev[128], dl[128];
    hilo_key(tk, sizeof tk, HILO_K_TICKET, ref);
    hilo_key(ev, sizeof ev, HILO_K_THREAD, ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, ref);
    const char *argv[] = {"EVALSHA", hilo_scripts_sha(HILO_S_HISTORY), "3", tk, ev, dl, "0", "0", "",
                          "0"};
    return api_send_argv(a, cb, 10, argv);
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

static void authed_cb(int err, const struct hilo_session_info *si, void *data)
{
    struct api *a = data;
    const char *path = hilo_http_path(a->r) + 8; /* after /api/v1/ */
    const char *method = hilo_http_method(a->r);

    if (err) {
        api_fail(a, err);
        return;
    }
    a->who = *si;
    if (strcmp(path, "tickets") == 0) {
        if (strcmp(method, "POST") == 0)
            api_ticket_create(a);
        else if (strcmp(method, "GET") == 0)
            api_ticket_list(a);
        else {
            api_method_not_allowed(a);
            api_free(a);
        }
        return;
    }
    if (strncmp(path, "tickets/", 8) == 0) {
        const char *rest = path + 8, *slash = strchr(rest, '/');
        char ref[32];
        if (slash && strcmp(slash, "/messages") == 0 && (size_t)(slash - rest) < sizeof ref) {
            snprintf(ref, sizeof ref, "%.*s", (int)(slash - rest), rest);
            if (strcmp(method, "POST") == 0)
                api_ticket_message(a, ref);
            else {
                api_method_not_allowed(a);
                api_free(a);
            }
        } else if (!slash && strcmp(method, "GET") == 0) {
            api_ticket_get(a, rest);
        } else if (!slash) {
            api_method_not_allowed(a);
            api_free(a);
        } else {
            api_not_found(a);
            api_free(a);
        }
        return;
    }
    if (strcmp(path, "webhooks/log") == 0 && strcmp(method, "GET") == 0) {
        api_webhook_log(a);
        return;
    }
    if (a->integration) {
        /* API keys reach the integration endpoints only */
        api_fail(a, -HILO_EFORBIDDEN);
        return;
    }
    if (strncmp(path, "media/whatsapp/", 15) == 0 && strcmp(method, "GET") == 0) {
        api_media(a, path + 15);
        return;
    }
    if (strcmp(path, "reports") == 0 || strcmp(path, "search") == 0) {
        if (strcmp(method, "GET") != 0) {
            api_method_not_allowed(a);
            api_free(a);
        } else if (path[0] == 'r') {
            api_reports(a);
        } else {
            api_search(a);
        }
        return;
    }
    if (strcmp(path, "outbox/dead") == 0) {
        if (strcmp(method, "GET") != 0) {
            api_method_not_allowed(a);
            api_free(a);
        } else {
            api_dead(a);
        }
        return;
    }
    if (strncmp(path, "customers/", 10) == 0) {
        if (strcmp(method, "GET") != 0) {
            api_method_not_allowed(a);
            api_free(a);
            return;
        }
        api_customer(a, path + 10);
        return;
    }
    if (strcmp(path, "agents") == 0 || strncmp(path, "agents/", 7) == 0) {
        api_agents(a, path[6] == '/' ? path + 7 : "");
        return;
    }
    api_not_found(a);
    api_free(a);
}

static void apikey_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    struct hilo_session_info si;
    a->waiting--;
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        api_fail(a, -HILO_EUNAUTH);
        return;
    }
    memset(&si, 0, sizeof si);
    snprintf(si.name, sizeof si.name, "%s", reply->str);
    snprintf(si.role, sizeof si.role, "integration");
    a->integration = 1;
    authed_cb(0, &si, a);
}

static void apikey_auth(struct hilo_http *r, const char *key)
{
    struct hilo_server *s = hilo_http_server(r);
    char hex[65], k[160];
    struct api *a;
    if (strncmp(key, "hk_", 3) != 0 || strlen(key) > 128) {
        hilo_http_respond_error(r, -HILO_EUNAUTH);
        return;
    }
    a = calloc(1, sizeof *a);
    if (!a) {
        hilo_http_respond_error(r, -HILO_EINTERNAL);
        return;
    }
    hilo_http_ref(r);
    a->r = r;
    a->s = s;
    hilo_token_hash(key, hex);
    hilo_key(k, sizeof k, HILO_K_APIKEY, hex);
    const char *argv[] = {"GET", k};
    if (api_send_argv(a, apikey_cb, 2, argv) < 0) {
        hilo_http_respond_error(r, -HILO_EUNAVAIL);
        api_free(a);
    }
}

void hilo_api_handle(struct hilo_http *r)
{
    struct hilo_server *s = hilo_http_server(r);
    const char *cookies = hilo_http_cookie(r);
    char tok[256];
    struct api *a;
    int rc;

    const char *authz = hilo_http_header(r, "authorization");
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        apikey_auth(r, authz + 7);
        return;
    }
    if (!cookies || hilo_http_cookie_token(cookies, tok, sizeof tok) < 0) {
        hilo_http_respond_error(r, -HILO_EUNAUTH);
        return;
    }
    a = calloc(1, sizeof *a);
    if (!a) {
        hilo_http_respond_error(r, -HILO_EINTERNAL);
        return;
    }
    hilo_http_ref(r);
    a->r = r;
    a->s = s;
    rc = hilo_agents_check(s, tok, authed_cb, a);
    if (rc < 0) {
        hilo_http_respond_error(r, rc);
        api_free(a);
    }
}
