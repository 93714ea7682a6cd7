/* WebSocket connections, the transport half: frames, send queues, the
 * close handshake, error frames. What a message means is the subprotocol's
 * business (ops->message, registered by the domain). */
#include <errno.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/conn.h"
#include "hilo/log.h"
#include "hilo/metrics.h"
#include "hilo/ws.h"
#include "internal.h"

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

struct hilo_conn *hilo_net_conn_new(struct hilo_net *n, struct lws *wsi,
                                    const struct hilo_ws_proto *p, const struct hilo_upgrade *u)
{
    struct hilo_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->wsi = wsi;
    c->net = n;
    c->refs = 1;
    c->serial = ++n->serial;
    c->ops = p->ops;
    c->session = p->ops->open(p->ctx, c, u);
    if (!c->session) {
        free(c);
        return NULL;
    }
    c->all_next = n->all_head;
    if (n->all_head)
        n->all_head->all_prev = c;
    n->all_head = c;
    n->nconns++;
    return c;
}

void hilo_conn_ref(struct hilo_conn *c) { c->refs++; }

static void conn_free(struct hilo_reap_node *n)
{
    struct hilo_conn *c = (struct hilo_conn *)((char *)n - offsetof(struct hilo_conn, reap));
    if (c->ops->free)
        c->ops->free(c->session);
    free(c->rx);
    free(c);
}

void hilo_conn_unref(struct hilo_conn *c)
{
    if (--c->refs)
        return;
    /* A callback that dropped the last reference may read c until it returns
     * (create_cb did: issue 8): free it once the loop turn is over. */
    hilo_reap_later(c->net->reap, &c->reap, conn_free);
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

void hilo_net_conn_closed(struct hilo_conn *c)
{
    struct hilo_net *n = c->net;
    hilo_debug("conn %u: closed", c->serial);
    if (c->ops->closed)
        c->ops->closed(c->session);
    drop_queue(c);
    c->wsi = NULL;
    if (c->all_prev)
        c->all_prev->all_next = c->all_next;
    else
        n->all_head = c->all_next;
    if (c->all_next)
        c->all_next->all_prev = c->all_prev;
    n->nconns--;
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
    if (c->q_len >= (uint32_t)c->net->cfg->send_queue) {
        /* The client does not read: cut it off rather than grow without bound. */
        hilo_warn("conn %u: send queue full, closing", c->serial);
        drop_queue(c);
        hilo_conn_close(c, 1008);
        return;
    }
    n = malloc(sizeof *n);
    if (!n)
        return;
    hilo_metrics_inc(HILO_M_FRAMES_OUT);
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

int hilo_net_conn_writeable(struct hilo_conn *c)
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

/* Is there room for one more socket of this subprotocol from this address?
 * Each address gets at most max_conns_per_ip; subprotocols without
 * HILO_WS_RESERVED get at most what the reserved share (agent_reserve_pct)
 * leaves of max_conns. 0, or the status to refuse with. */
static int conn_room(struct hilo_net *n, unsigned flags, const char *ip, const char **why)
{
    const struct hilo_config *cfg = n->cfg;
    unsigned shared_max =
        (unsigned)cfg->max_conns - (unsigned)((long long)cfg->max_conns * cfg->agent_reserve_pct / 100);

    if (n->draining || n->nconns >= (uint32_t)cfg->max_conns) {
        *why = "Try again later";
        return 503;
    }
    if (!(flags & HILO_WS_RESERVED) && n->ws_shared >= shared_max) {
        *why = "Try again later";
        return 503;
    }
    if (hilo_net_ipcount_get(&n->per_ip, ip) >= (unsigned)cfg->max_conns_per_ip) {
        *why = "Too many connections from your address";
        hilo_info("refused a socket: %s has %d open", ip, cfg->max_conns_per_ip);
        return 429;
    }
    return 0;
}

int hilo_net_ws_admit(struct hilo_net *n, const struct hilo_ws_proto *p,
                      const struct hilo_upgrade *u, const char **why)
{
    /* the domain's rules (origin) first, then the transport's caps */
    int status = p->ops->accept ? p->ops->accept(p->ctx, u, why) : 0;
    return status ? status : conn_room(n, p->ops->flags, u->ip, why);
}


/* A refused message: the domain answers and counts it (ops->refused), or
 * net answers when the subprotocol does not say. */
static void refuse(struct hilo_conn *c, int err)
{
    if (c->closing)
        return;
    if (c->ops->refused)
        c->ops->refused(c->session, err);
    else
        hilo_conn_error(c, err, NULL, NULL);
}

int hilo_net_conn_rx(struct hilo_conn *c, const char *in, size_t len, int final, int binary)
{
    size_t max = (size_t)c->net->cfg->max_frame;

    if (binary)
        c->rx_total = UINT32_MAX / 2; /* mark: reject at the end */
    if (c->rx_total != UINT32_MAX / 2) {
        if ((uint64_t)c->rx_total + len > 16ull * max) {
            /* far past the limit: stop reading rather than skip it all */
            hilo_conn_error(c, -HILO_ETOOLARGE, NULL, NULL);
            free(c->rx);
            c->rx = NULL;
            c->rx_len = c->rx_total = 0;
            return -HILO_ETOOLARGE;
        }
        c->rx_total += (uint32_t)len;
        if (c->rx_total <= max) {
            if (final && c->rx_len == 0) {
                c->rx_total = 0;
                if (!c->closing)
                    c->ops->message(c->session, in, len);
                return 0;
            }
            char *p = realloc(c->rx, c->rx_len + len);
            if (!p)
                return -ENOMEM;
            c->rx = p;
            memcpy(c->rx + c->rx_len, in, len);
            c->rx_len += (uint32_t)len;
        } else if (c->rx) {
            free(c->rx);
            c->rx = NULL;
            c->rx_len = 0;
        }
    }
    if (!final)
        return 0;
    if (c->rx_total == UINT32_MAX / 2)
        refuse(c, -HILO_EBADFRAME);
    else if (c->rx_total > max)
        refuse(c, -HILO_ETOOLARGE);
    else if (!c->closing)
        c->ops->message(c->session, c->rx, c->rx_len);
    free(c->rx);
    c->rx = NULL;
    c->rx_len = c->rx_total = 0;
    return 0;
}

void hilo_ws_close_all(struct hilo_net *n)
{
    for (struct hilo_conn *c = n->all_head; c; c = c->all_next)
        hilo_conn_close(c, 1001);
}

void hilo_ws_each(struct hilo_net *n, void (*fn)(struct hilo_conn *c, void *data), void *data)
{
    struct hilo_conn *next;
    /* fn may close c (the close is deferred: the list stays intact) */
    for (struct hilo_conn *c = n->all_head; c; c = next) {
        next = c->all_next;
        fn(c, data);
    }
}

unsigned hilo_ws_conns(const struct hilo_net *n) { return n ? n->nconns : 0; }
