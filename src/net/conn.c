/* WebSocket connections: frames, send queues, rate limits, error frames.
 * What a frame means is decided in domain/hub.c. */
#include <jansson.h>
#include <libwebsockets.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/log.h"
#include "hilo/rate.h"
#include "hilo/server.h"
#include "hilo/session.h"


struct hilo_frame *hilo_frame_new(const char *data, size_t len)
{
    struct hilo_frame *f = malloc(sizeof *f + LWS_PRE + len);
    if (!f)
        return NULL;
    f->refs = 1;
    f->len = (uint32_t)len;
    memcpy(f->buf + LWS_PRE, data, len);
    return f;
}

unsigned char *hilo_frame_data(struct hilo_frame *f) { return f->buf + LWS_PRE; }

void hilo_frame_unref(struct hilo_frame *f)
{
    if (f && --f->refs == 0)
        free(f);
}

struct hilo_conn *hilo_conn_new(struct hilo_server *s, struct lws *wsi, int role)
{
    struct hilo_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->wsi = wsi;
    c->srv = s;
    c->refs = 1;
    c->serial = ++s->serial;
    hilo_rate_init(&c->rate, s->cfg->msg_burst, hilo_now_ms());
    /* Until net registers the domain's hooks (issue 8, ws_ops), the domain
     * half is made here. */
    c->session = hilo_session_new(c, role);
    if (!c->session) {
        free(c);
        return NULL;
    }
    c->session_free = hilo_session_free;
    c->all_next = s->all_head;
    if (s->all_head)
        s->all_head->all_prev = c;
    s->all_head = c;
    s->nconns++;
    return c;
}

void hilo_conn_ref(struct hilo_conn *c) { c->refs++; }

static void conn_free(struct hilo_reap_node *n)
{
    struct hilo_conn *c = (struct hilo_conn *)((char *)n - offsetof(struct hilo_conn, reap));
    if (c->session_free)
        c->session_free(c->session);
    free(c->rx);
    free(c->cookie);
    free(c);
}

void hilo_conn_unref(struct hilo_conn *c)
{
    if (--c->refs)
        return;
    /* A callback that dropped the last reference may read c until it returns
     * (create_cb did: issue 8): free it once the loop turn is over. */
    hilo_reap_later(&c->srv->reap, &c->reap, conn_free);
}

static void drop_queue(struct hilo_conn *c)
{
    struct hilo_qnode *n = c->q_head;
    while (n) {
        struct hilo_qnode *next = n->next;
        hilo_frame_unref(n->f);
        free(n);
        n = next;
    }
    c->q_head = c->q_tail = NULL;
    c->q_len = 0;
}

void hilo_conn_closed(struct hilo_conn *c)
{
    hilo_debug("conn %u: closed", c->serial);
    hilo_hub_conn_gone(c);
    drop_queue(c);
    c->wsi = NULL;
    if (c->all_prev)
        c->all_prev->all_next = c->all_next;
    else
        c->srv->all_head = c->all_next;
    if (c->all_next)
        c->all_next->all_prev = c->all_prev;
    c->srv->nconns--;
    hilo_conn_unref(c);
}

void hilo_conn_close(struct hilo_conn *c, int code)
{
    if (!c->wsi || c->closing)
        return;
    c->closing = 1;
    c->close_code = (uint16_t)code;
    lws_callback_on_writable(c->wsi);
}

void hilo_conn_send(struct hilo_conn *c, struct hilo_frame *f)
{
    struct hilo_qnode *n;
    if (!c->wsi || c->closing)
        return;
    if (c->q_len >= (uint32_t)c->srv->cfg->send_queue) {
        /* The client does not read: cut it off rather than grow without bound. */
        hilo_warn("conn %u: send queue full, closing", c->serial);
        drop_queue(c);
        hilo_conn_close(c, 1008);
        return;
    }
    n = malloc(sizeof *n);
    if (!n)
        return;
    f->refs++;
    n->f = f;
    n->next = NULL;
    if (c->q_tail)
        c->q_tail->next = n;
    else
        c->q_head = n;
    c->q_tail = n;
    if (c->q_len++ == 0)
        lws_callback_on_writable(c->wsi);
}

void hilo_conn_send_buf(struct hilo_conn *c, const char *data, size_t len)
{
    struct hilo_frame *f;
    if (!c->wsi || c->closing)
        return;
    f = hilo_frame_new(data, len);
    if (!f)
        return;
    hilo_conn_send(c, f);
    hilo_frame_unref(f);
}

void hilo_conn_error(struct hilo_conn *c, int err, const char *req, const char *client_id)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "type", "error", "code", hilo_err_code(err),
                          "message", hilo_strerror(err));
    char *s;
    hilo_err_count(err);
    if (!o)
        return;
    if (req)
        json_object_set_new(o, "req", json_string(req));
    if (client_id)
        json_object_set_new(o, "client_id", json_string(client_id));
    s = json_dumps(o, JSON_COMPACT);
    if (s) {
        hilo_conn_send_buf(c, s, strlen(s));
        free(s);
    }
    json_decref(o);
}

int hilo_conn_writeable(struct hilo_conn *c)
{
    /* Several frames per callback: one syscall each, but no trip through the
     * loop between them while the socket takes them. */
    while (c->q_head) {
        struct hilo_qnode *n = c->q_head;
        int w = lws_write(c->wsi, n->f->buf + LWS_PRE, n->f->len, LWS_WRITE_TEXT);
        c->q_head = n->next;
        if (!c->q_head)
            c->q_tail = NULL;
        c->q_len--;
        hilo_frame_unref(n->f);
        free(n);
        if (w < 0)
            return -1;
        if (c->q_head && lws_send_pipe_choked(c->wsi)) {
            lws_callback_on_writable(c->wsi);
            return 0;
        }
    }
    if (c->closing) {
        /* Returning -1 from the writeable callback makes lws 4.1 treat the
         * socket as broken and skip the close frame; a timer callback that
         * returns -1 closes it politely, with the reason prepared here. */
        static const char *why[] = {"going away", "policy", "too large", "session expired"};
        const char *reason = c->close_code == 1001 ? why[0]
                             : c->close_code == 1009 ? why[2]
                             : c->close_code == 4401 ? why[3]
                                                     : why[1];
        if (c->close_sent)
            return 0;
        c->close_sent = 1;
        lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
                         (unsigned char *)reason, strlen(reason));
        lws_set_timer_usecs(c->wsi, 1);
        return 0;
    }
    return 0;
}

void hilo_conn_frame(struct hilo_conn *c, const char *data, size_t len)
{
    const struct hilo_config *cfg = c->srv->cfg;
    json_error_t jerr;
    json_t *msg;
    const char *type, *req = NULL, *client_id;
    json_t *jreq;
    int r;

    if (c->closing)
        return;
    msg = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    jreq = json_is_object(msg) ? json_object_get(msg, "req") : NULL;
    if (json_is_string(jreq) && json_string_length(jreq) <= 64)
        req = json_string_value(jreq);
    client_id = json_is_object(msg) ? json_string_value(json_object_get(msg, "client_id")) : NULL;
    if (client_id && strlen(client_id) > 64)
        client_id = NULL;
    r = hilo_rate_take(&c->rate, cfg->msg_rate, cfg->msg_burst, hilo_now_ms());
    if (r < 0) {
        hilo_conn_error(c, -HILO_ERATE, req, client_id);
        if (r == -2)
            hilo_conn_close(c, 1008);
        goto out;
    }
    if (!msg || !json_is_object(msg)) {
        hilo_conn_error(c, -HILO_EBADJSON, NULL, NULL);
        goto out;
    }
    if (jreq && !req) {
        hilo_conn_error(c, -HILO_EBADFRAME, NULL, client_id);
        goto out;
    }
    type = json_string_value(json_object_get(msg, "type"));
    if (!type) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, client_id);
        goto out;
    }
    hilo_hub_dispatch(c, msg, type, req);
out:
    json_decref(msg);
}

void hilo_server_close_all(struct hilo_server *s)
{
    for (struct hilo_conn *c = s->all_head; c; c = c->all_next)
        hilo_conn_close(c, 1001);
}
