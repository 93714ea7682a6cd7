/* GET /api/v1/media/whatsapp/:id: a WhatsApp media file, fetched from the
 * Graph API with our token. */
#include <stdio.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/fetch.h"
#include "hilo/http.h"
#include "hilo/outbox.h"

#include "internal.h"

static void media_bytes_cb(const struct hilo_fetch_res *res, void *data)
{
    struct api *a = data;
    json_int_t size = json_integer_value(json_object_get(a->result, "file_size"));
    if (!res->ok && size > (json_int_t)a->s->cfg->media_max_bytes) {
        hilo_http_respond_json(a->r, 502, json_pack("{s:{s:s, s:s}}", "error", "code", "too_large",
                                                    "message", "The media is larger than media_max_bytes."));
    } else if (!res->ok || res->status < 200 || res->status >= 300) {
        hilo_http_respond_json(a->r, 502, json_pack("{s:{s:s, s:s}}", "error", "code", "bad_gateway",
                                                    "message", "The media could not be fetched."));
    } else {
        const char *mime = json_string_value(json_object_get(a->result, "mime_type"));
        char name[96];
        snprintf(name, sizeof name, "whatsapp-%s", api_param(&a->params, "id"));
        hilo_http_set_attachment(a->r, name);
        hilo_http_respond(a->r, 200, mime && *mime ? mime : "application/octet-stream", res->body, res->body_len);
    }
    api_free(a);
}

static void media_meta_cb(const struct hilo_fetch_res *res, void *data)
{
    struct api *a = data;
    const struct hilo_config *c = a->s->cfg;
    json_error_t je;
    json_t *meta = res->ok && res->status == 200 ? json_loadb(res->body, res->body_len, 0, &je) : NULL;
    const char *url = json_string_value(json_object_get(meta, "url"));
    if (!url) {
        json_decref(meta);
        hilo_http_respond_json(a->r, 502, json_pack("{s:{s:s, s:s}}", "error", "code", "bad_gateway",
                                                    "message", "The Graph API refused the media id."));
        api_free(a);
        return;
    }
    a->result = meta;
    char auth[600];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->whatsapp_token);
    const char *headers[] = {auth, NULL};
    struct hilo_fetch_req req;
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.url = url;
    req.headers = headers;
    req.timeout_ms = c->http_timeout_ms;
    req.max_response = (size_t)c->media_max_bytes;
    if (hilo_fetch_start(hilo_outbox_fetcher(a->s->outbox), &req, media_bytes_cb, a) < 0) {
        api_fail(a, -HILO_EINTERNAL);
    }
}

void api_media(struct api *a)
{
    const char *id = api_param(&a->params, "id");
    const struct hilo_config *c = a->s->cfg;
    char url[1024], auth[600];
    if (!c->whatsapp_token[0]) {
        api_not_found(a);
        api_free(a);
        return;
    }
    if (!*id || strlen(id) > 64 || strspn(id, "0123456789") != strlen(id)) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    snprintf(url, sizeof url, "%s/%s", c->whatsapp_api_base, id);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->whatsapp_token);
    const char *headers[] = {auth, NULL};
    struct hilo_fetch_req req;
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.url = url;
    req.headers = headers;
    req.timeout_ms = c->http_timeout_ms;
    if (hilo_fetch_start(hilo_outbox_fetcher(a->s->outbox), &req, media_meta_cb, a) < 0) {
        api_fail(a, -HILO_EINTERNAL);
    }
}
