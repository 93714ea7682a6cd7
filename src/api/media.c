/* GET /api/v1/media/whatsapp/:id: a WhatsApp media file, fetched from the
 * Graph API with our token and streamed to the agent as it arrives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/fetch.h"
#include "hilo/http.h"
#include "hilo/outbox.h"

#include "internal.h"

/* A media transfer may take this long in all (curl's total timeout). */
#define HILO_MEDIA_TIMEOUT_MS (10L * 60 * 1000)

/* The transfer of one file, streamed to the client (src/net/stream.c):
 * never more than the stream's queue is held, whatever the size. */
struct media_job {
    struct api *a;
    int streaming; /* the response has begun */
    int too_large; /* the Content-Length was over media_max_bytes */
};

static void media_too_large(struct api *a)
{
    hilo_http_respond_json(a->r, 502, json_pack("{s:{s:s, s:s}}", "error", "code", "too_large",
                                                "message", "The media is larger than media_max_bytes."));
}

static void media_drain(void *data)
{
    struct media_job *m = data;
    hilo_fetch_resume(hilo_outbox_fetcher(m->a->s->outbox), m);
}

static int media_head(void *data, long status, long long length)
{
    struct media_job *m = data;
    struct api *a = m->a;
    const char *mime = json_string_value(json_object_get(a->result, "mime_type"));
    char name[96];
    if (status < 200 || status >= 300)
        return -1;
    if (length > (long long)a->s->cfg->media_max_bytes) {
        m->too_large = 1;
        return -1;
    }
    snprintf(name, sizeof name, "whatsapp-%s", api_param(&a->params, "id"));
    hilo_http_set_attachment(a->r, name);
    if (hilo_http_stream_begin(a->r, 200, mime && *mime ? mime : "application/octet-stream",
                               length, media_drain, m) < 0)
        return -1; /* the client is gone */
    m->streaming = 1;
    return 0;
}

static int media_sink(void *data, const char *p, size_t n)
{
    struct media_job *m = data;
    return hilo_http_stream_write(m->a->r, p, n);
}

static void media_bytes_cb(const struct hilo_fetch_res *res, void *data)
{
    struct media_job *m = data;
    struct api *a = m->a;
    json_int_t size = json_integer_value(json_object_get(a->result, "file_size"));
    int ok = res->ok && res->status >= 200 && res->status < 300;

    if (m->streaming) {
        hilo_http_stream_end(a->r, ok);
    } else if (m->too_large || (!res->ok && size > (json_int_t)a->s->cfg->media_max_bytes)) {
        media_too_large(a);
    } else if (ok) {
        /* an empty file: no body byte ever started the stream */
        char name[96];
        const char *mime = json_string_value(json_object_get(a->result, "mime_type"));
        snprintf(name, sizeof name, "whatsapp-%s", api_param(&a->params, "id"));
        hilo_http_set_attachment(a->r, name);
        hilo_http_respond(a->r, 200, mime && *mime ? mime : "application/octet-stream", "", 0);
    } else {
        hilo_http_respond_json(a->r, 502, json_pack("{s:{s:s, s:s}}", "error", "code", "bad_gateway",
                                                    "message", "The media could not be fetched."));
    }
    free(m);
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
    /* the size the Graph API states is refused before any byte is fetched */
    if (json_integer_value(json_object_get(meta, "file_size")) > (json_int_t)c->media_max_bytes) {
        media_too_large(a);
        api_free(a);
        return;
    }
    struct media_job *m = calloc(1, sizeof *m);
    if (!m) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    m->a = a;
    char auth[600];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->whatsapp_token);
    const char *headers[] = {auth, NULL};
    struct hilo_fetch_req req;
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.url = url;
    req.headers = headers;
    /* the whole transfer, at the pace of the slowest client */
    req.timeout_ms = HILO_MEDIA_TIMEOUT_MS;
    req.max_response = (size_t)c->media_max_bytes;
    req.head = media_head;
    req.sink = media_sink;
    if (hilo_fetch_start(hilo_outbox_fetcher(a->s->outbox), &req, media_bytes_cb, m) < 0) {
        free(m);
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
