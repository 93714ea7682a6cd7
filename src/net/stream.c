/* Streamed responses: a producer (the media proxy, fed by curl) hands
 * bytes over as they arrive; they wait in a bounded queue and go out as the
 * socket takes them. When the queue is full the producer is told to wait
 * (it pauses its transfer) and is called back once half of it is written,
 * so a slow client holds at most STREAM_QUEUE bytes in Hilo, whatever the
 * size of the file. */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/http.h"
#include "hilo/metrics.h"
#include "internal.h"

#define STREAM_QUEUE (512u << 10) /* bytes held for one slow client */
#define STREAM_CHUNK (64u << 10)  /* bytes written per writeable turn */

struct hilo_http_stream {
    struct hilo_http_stream *prev, *next; /* the net's open streams */
    struct hilo_http *r;
    struct hilo_buf q;   /* bytes not written yet start at q.p + off */
    size_t off;
    long long len, sent; /* declared length (-1 unknown), bytes written */
    int status;
    char ctype[128];
    int head_sent, ended, failed, want_drain;
    hilo_http_drain_fn drain;
    void *data;
};

static size_t pending(const struct hilo_http_stream *s) { return s->q.len - s->off; }

int hilo_http_stream_begin(struct hilo_http *r, int status, const char *ctype, long long len,
                           hilo_http_drain_fn drain, void *data)
{
    struct hilo_http_stream *s;
    if (!r->wsi || r->ready || r->stream || !drain)
        return -1;
    s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    /* room for one producer chunk on top of a full queue */
    hilo_buf_init(&s->q, STREAM_QUEUE + (1u << 20));
    s->len = len;
    s->status = status;
    snprintf(s->ctype, sizeof s->ctype, "%s", ctype);
    s->drain = drain;
    s->data = data;
    s->r = r;
    s->next = r->net->streams;
    if (s->next)
        s->next->prev = s;
    r->net->streams = s;
    r->stream = s;
    r->ready = 1; /* no other response from now on */
    hilo_metrics_http(status);
    lws_callback_on_writable(r->wsi);
    return 0;
}

int hilo_http_stream_write(struct hilo_http *r, const char *p, size_t n)
{
    struct hilo_http_stream *s = r->stream;
    if (!r->wsi || !s || s->ended || s->failed)
        return -1;
    if (pending(s) && pending(s) + n > STREAM_QUEUE) {
        s->want_drain = 1;
        return 1;
    }
    if (s->off) {
        memmove(s->q.p, s->q.p + s->off, pending(s));
        s->q.len -= s->off;
        s->off = 0;
    }
    if (hilo_buf_add(&s->q, p, n) < 0)
        return -1;
    lws_callback_on_writable(r->wsi);
    return 0;
}

void hilo_http_stream_end(struct hilo_http *r, int ok)
{
    struct hilo_http_stream *s = r->stream;
    if (!s || s->ended)
        return;
    s->ended = 1;
    s->want_drain = 0; /* the producer is done: never call it again */
    if (!ok && !s->head_sent) {
        /* nothing went out yet: say so plainly instead of cutting */
        hilo_net_stream_free(r);
        r->ready = 0;
        hilo_net_respond_json_error(r, 502, "bad_gateway", "The upstream transfer failed.");
        return;
    }
    if (!ok)
        s->failed = 1;
    if (r->wsi)
        lws_callback_on_writable(r->wsi);
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                      unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

static int write_head(struct hilo_http *r, struct hilo_http_stream *s)
{
    unsigned char hdr[LWS_PRE + 2048], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    struct lws *wsi = r->wsi;
    /* an unknown length: lws adds "connection: close", which ends the body */
    if (lws_add_http_common_headers(wsi, (unsigned int)s->status, s->ctype,
                                    s->len >= 0 ? (lws_filepos_t)s->len
                                                : LWS_ILLEGAL_HTTP_CONTENT_LEN,
                                    &p, end) ||
        add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
        add_header(wsi, "cache-control:", "no-store", &p, end) || hilo_net_hsts_add(r, &p, end))
        return -1;
    if (r->disposition[0] &&
        (add_header(wsi, "content-disposition:", r->disposition, &p, end) ||
         add_header(wsi, "content-security-policy:", "sandbox; default-src 'none'", &p, end)))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    s->head_sent = 1;
    return 0;
}

int hilo_net_stream_writeable(struct hilo_http *r)
{
    struct hilo_http_stream *s = r->stream;
    static unsigned char chunk[LWS_PRE + STREAM_CHUNK];
    size_t n;

    if (!s->head_sent && write_head(r, s) < 0)
        return -1;
    if ((n = pending(s)) > 0) {
        int final;
        if (n > STREAM_CHUNK)
            n = STREAM_CHUNK;
        if (s->len >= 0 && s->sent + (long long)n > s->len)
            return -1; /* more than declared: the upstream lied */
        final = s->len >= 0 && s->sent + (long long)n == s->len;
        memcpy(chunk + LWS_PRE, s->q.p + s->off, n);
        if (lws_write(r->wsi, chunk + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
            (int)n)
            return -1;
        s->off += n;
        s->sent += (long long)n;
    }
    if (!pending(s))
        s->q.len = s->off = 0;
    if (s->failed)
        return -1; /* the upstream broke off: so does the client's copy */
    if (s->ended && !pending(s)) {
        /* without a length, or short of it, only a close ends the body */
        if (s->len < 0 || s->sent != s->len)
            return -1;
        return lws_http_transaction_completed(r->wsi) ? -1 : 0;
    }
    if (pending(s))
        lws_callback_on_writable(r->wsi);
    if (s->want_drain && pending(s) <= STREAM_QUEUE / 2) {
        s->want_drain = 0;
        s->drain(s->data); /* may write again before it returns */
    }
    return 0;
}

void hilo_net_stream_gone(struct hilo_http *r)
{
    struct hilo_http_stream *s = r->stream;
    if (s && s->want_drain) {
        s->want_drain = 0;
        s->drain(s->data); /* its next write hears -1 */
    }
}

/* Shutdown: every stream fails now, so its producer lets go of the
 * request (a paused download would otherwise hold shutdown up). */
void hilo_net_streams_abort(struct hilo_net *n)
{
    struct hilo_http_stream *s = n->streams, *next;
    for (; s; s = next) {
        next = s->next;
        if (s->ended)
            continue;
        s->failed = 1;
        if (s->r->wsi)
            lws_callback_on_writable(s->r->wsi);
        if (s->want_drain) {
            s->want_drain = 0;
            s->drain(s->data); /* its next write hears -1 */
        }
    }
}

void hilo_net_stream_free(struct hilo_http *r)
{
    struct hilo_http_stream *s = r->stream;
    if (!s)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else
        r->net->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    hilo_buf_deinit(&r->stream->q);
    free(r->stream);
    r->stream = NULL;
}
