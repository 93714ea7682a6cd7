/* GET /api/v1/media/upload/:id: a file a customer uploaded from the widget,
 * through the same safe path as provider media (src/api/media.c): always a
 * download (Content-Disposition: attachment, with Content-Security-Policy:
 * sandbox and nosniff), typed with the type sniffed at upload. Agents (the
 * session cookie) and integrations (an API key) may fetch any; the visitor
 * token fetches the files its own customer uploaded, or that were uploaded
 * into a ticket that is its customer's now (a merge moved it). Expired,
 * unknown or someone else's: 404. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hilo/agents.h"
#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/server.h"
#include "hilo/store_records.h"
#include "hilo/store_uploads.h"
#include "hilo/upload.h"

#include "upload_cors.h"

#define PREFIX "/api/v1/media/upload/"

struct serve {
    struct hilo_http *r;
    struct hilo_server *s;
    char id[HILO_UPLOAD_ID_LEN + 1];
    char ident[API_UPLOAD_IDENT];
    char customer[40]; /* '' = an agent: any file */
    char ticket[HILO_REF_MAX];
    int step;
};

static void serve_end(struct serve *v)
{
    hilo_http_unref(v->r);
    free(v);
}

static void not_found(struct hilo_http *r)
{
    hilo_http_respond_json(r, 404, json_pack("{s:{s:s, s:s}}", "error", "code", "not_found",
                                             "message", "No such file (it may have expired)."));
}

static void fetch_file(struct serve *v);

/* [HMGET ticket customer]: the file's ticket is the requester's customer's
 * now (a merge moved it there): served as its own. */
static void ticket_cb(redisReply *reply, void *data)
{
    struct serve *v = data;
    const redisReply *cu =
        reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 ? reply->element[0] : NULL;
    if (!reply) {
        api_upload_fail(v->r, -HILO_EUNAVAIL, 0);
        serve_end(v);
        return;
    }
    if (cu && cu->type == REDIS_REPLY_STRING && strcmp(cu->str, v->customer) == 0) {
        v->customer[0] = '\0';
        fetch_file(v);
        return;
    }
    not_found(v->r);
    serve_end(v);
}

static void file_cb(redisReply *reply, void *data)
{
    struct serve *v = data;
    const redisReply *bytes = NULL;
    const char *mime = NULL, *name = NULL, *owner = NULL, *ticket = NULL;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_upload_fail(v->r, -HILO_EUNAVAIL, 0);
        serve_end(v);
        return;
    }
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const char *k = reply->element[i]->str;
        const redisReply *val = reply->element[i + 1];
        if (!k || val->type != REDIS_REPLY_STRING)
            continue;
        if (strcmp(k, "data") == 0)
            bytes = val;
        else if (strcmp(k, "mime") == 0)
            mime = val->str;
        else if (strcmp(k, "name") == 0)
            name = val->str;
        else if (strcmp(k, "customer") == 0)
            owner = val->str;
        else if (strcmp(k, "ticket") == 0)
            ticket = val->str;
    }
    if (bytes && v->customer[0] && (!owner || strcmp(owner, v->customer) != 0) && ticket &&
        *ticket && strlen(ticket) < sizeof v->ticket && !v->ticket[0]) {
        static const char *const fields[] = {"customer"};
        snprintf(v->ticket, sizeof v->ticket, "%s", ticket);
        struct hilo_store_ticket_fields op = {.ref = v->ticket, .fields = fields, .nfields = 1};
        if (hilo_store_ticket_fields(v->s->redis, &op, ticket_cb, v) < 0) {
            api_upload_fail(v->r, -HILO_EUNAVAIL, 0);
            serve_end(v);
        }
        return;
    }
    if (!bytes || !mime || !hilo_upload_sniff((const unsigned char *)bytes->str, bytes->len) ||
        (v->customer[0] && (!owner || strcmp(owner, v->customer) != 0))) {
        not_found(v->r);
    } else {
        hilo_http_set_attachment(v->r, name && *name ? name : v->id);
        hilo_http_respond(v->r, 200, mime, bytes->str, bytes->len);
    }
    serve_end(v);
}

static void fetch_file(struct serve *v)
{
    if (hilo_store_upload_get(v->s->redis, v->id, file_cb, v) < 0) {
        api_upload_fail(v->r, -HILO_EUNAVAIL, 0);
        serve_end(v);
    }
}

static void ident_cb(redisReply *reply, void *data)
{
    struct serve *v = data;
    int err = api_upload_ident_result(reply, v->customer, sizeof v->customer);
    if (err) {
        api_upload_fail(v->r, err, 0);
        serve_end(v);
        return;
    }
    fetch_file(v);
}

static void apikey_cb(redisReply *reply, void *data)
{
    struct serve *v = data;
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        api_upload_fail(v->r, -HILO_EUNAVAIL, 0);
        serve_end(v);
        return;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        api_upload_fail(v->r, -HILO_EUNAUTH, 0);
        serve_end(v);
        return;
    }
    fetch_file(v); /* an integration: any file */
}

static void agent_cb(int err, const struct hilo_session_info *si, void *data)
{
    struct serve *v = data;
    (void)si;
    if (err) {
        api_upload_fail(v->r, err, 0);
        serve_end(v);
        return;
    }
    fetch_file(v); /* any agent: customer stays '' */
}

void hilo_api_upload_serve(void *ctx, struct hilo_http *r)
{
    struct hilo_server *s = ctx;
    const char *path = hilo_http_path(r) + strlen(PREFIX);
    const char *authz = hilo_http_header(r, "authorization");
    const char *cookies = hilo_http_cookie(r);
    int visitor = (authz && strncasecmp(authz, "Bearer ", 7) == 0) ||
                  hilo_http_header(r, "x-hilo-identity");
    char tok[256];
    struct serve *v;
    int rc;

    if ((rc = api_upload_origin(s, r, strcmp(hilo_http_method(r), "OPTIONS") == 0)) < 0) {
        api_upload_fail(r, rc, 0);
        return;
    }
    if (strcmp(hilo_http_method(r), "OPTIONS") == 0) {
        hilo_http_respond_empty(r, 204);
        return;
    }
    if (!hilo_upload_id_ok(path)) {
        not_found(r);
        return;
    }
    v = calloc(1, sizeof *v);
    if (!v) {
        api_upload_fail(r, -HILO_EINTERNAL, 0);
        return;
    }
    v->s = s;
    v->r = r;
    memcpy(v->id, path, HILO_UPLOAD_ID_LEN + 1);
    if (authz && strncasecmp(authz, "Bearer hk_", 10) == 0 && strlen(authz) <= 7 + 128) {
        /* an integration's API key, looked up by its SHA-256 (as rest.c) */
        char hex[65];
        hilo_token_hash(authz + 7, hex);
        hilo_http_ref(r);
        rc = hilo_store_apikey_get(s->redis, hex, apikey_cb, v);
        if (rc < 0)
            hilo_http_unref(r);
    } else if (visitor) {
        rc = api_upload_visitor(s, r, v->ident, sizeof v->ident);
        if (rc == 0) {
            hilo_http_ref(r);
            rc = api_upload_ident_tx(s, v->ident, ident_cb, v);
            if (rc < 0)
                hilo_http_unref(r);
        }
    } else if (!cookies || hilo_http_cookie_token(cookies, tok, sizeof tok) < 0) {
        rc = -HILO_EUNAUTH;
    } else {
        hilo_http_ref(r);
        rc = hilo_agents_check(s, tok, agent_cb, v);
        if (rc < 0)
            hilo_http_unref(r);
    }
    if (rc < 0) {
        free(v);
        api_upload_fail(r, rc, 0);
    }
}
