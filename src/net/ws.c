/* libwebsockets on our libuv loop (foreign loop): the /ws endpoint with the
 * subprotocols the domain registered (struct hilo_ws_ops), and the lws
 * context that also carries plain HTTP (http.c). Net knows no domain: it
 * checks transport limits and hands whole messages to the ops. */
#include "hilo/ws.h"
#include "hilo/metrics.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/http.h"
#include "hilo/log.h"
#include "hilo/conn.h"
#include "hilo/net.h"
#include "hilo/tls.h"
#include "internal.h"

struct ws_pss {
    struct hilo_conn *conn;
    char ip[48];  /* counted in the net's per_ip since ESTABLISHED, when set */
    unsigned flags; /* the subprotocol's, for the per-share count */
};

static int proto_named(const struct hilo_net *n, const char *name)
{
    for (int i = 0; i < n->nws; i++)
        if (strcmp(n->ws[i].ops->subprotocol, name) == 0)
            return 1;
    return 0;
}

static void refuse_unknown(struct hilo_net *n, struct lws *wsi)
{
    char msg[300];
    snprintf(msg, sizeof msg, "Use subprotocol %s", n ? n->ws_names : "");
    lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST, msg);
}

/* The "http" protocol: upgrades are checked here, the rest is http.c. */
static int http_proto_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    const struct lws_protocols *proto = lws_get_protocol(wsi);
    struct hilo_net *n = proto ? proto->user : NULL;

    switch (reason) {
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
        /* the vhost's empty SSL_CTX (user): tls.c loads our certificate;
         * this wsi is a stand-in, so the net comes from the context */
        return hilo_net_tls_setup(lws_context_user(lws_get_context(wsi)), user) < 0 ? -1 : 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
        /* An upgrade must name one of our subprotocols. */
        char list[256];
        int k = lws_hdr_copy(wsi, list, sizeof list, WSI_TOKEN_PROTOCOL);
        for (char *save = NULL, *t = k > 0 ? strtok_r(list, ", ", &save) : NULL; t;
             t = strtok_r(NULL, ", ", &save))
            if (n && proto_named(n, t))
                return 0;
        refuse_unknown(n, wsi);
        return -1;
    }
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* A WebSocket upgrade that named none of our subprotocols. */
        refuse_unknown(n, wsi);
        return -1;
    default:
        return hilo_net_http_cb(wsi, reason, user, in, len);
    }
}

void hilo_ws_plain_http(void *ctx, struct hilo_http *r)
{
    char msg[320];
    (void)ctx;
    snprintf(msg, sizeof msg, "A WebSocket upgrade with subprotocol %s is needed here.",
             r->net->ws_names);
    hilo_net_respond_json_error(r, 400, "bad_request", msg);
}

int hilo_net_ws_protocol(struct hilo_net *n, const struct hilo_ws_ops *ops, void *ctx)
{
    size_t used = strlen(n->ws_names);
    if (!ops || !ops->subprotocol || !ops->subprotocol[0] || !ops->open || !ops->message ||
        proto_named(n, ops->subprotocol))
        return -EINVAL;
    if (n->lws)
        return -EBUSY; /* the lws protocol list was built at start */
    if (n->nws >= HILO_WS_MAX_PROTOCOLS)
        return -ENOSPC;
    if (snprintf(n->ws_names + used, sizeof n->ws_names - used, "%s%s", used ? " or " : "",
                 ops->subprotocol) >= (int)(sizeof n->ws_names - used)) {
        n->ws_names[used] = '\0';
        return -EINVAL;
    }
    n->ws[n->nws].ops = ops;
    n->ws[n->nws].ctx = ctx;
    n->ws[n->nws].net = n;
    n->nws++;
    return 0;
}

/* ---- WebSockets --------------------------------------------------------------- */

/* The request's headers for the hooks; the strings live in up. */
struct upgrade_buf {
    struct hilo_upgrade u;
    char origin[256], host[256], ip[48];
    char *cookie;
};

static void upgrade_read(struct hilo_net *n, struct lws *wsi, struct upgrade_buf *b)
{
    memset(&b->u, 0, sizeof b->u);
    b->u.origin = hilo_net_wsi_origin(wsi, b->origin, sizeof b->origin);
    if (lws_hdr_copy(wsi, b->host, sizeof b->host, WSI_TOKEN_HOST) <= 0)
        b->host[0] = '\0';
    b->u.host = b->host;
    b->cookie = hilo_net_copy_header(wsi, WSI_TOKEN_HTTP_COOKIE);
    b->u.cookie = b->cookie;
    hilo_net_wsi_client_ip(n, wsi, b->ip, sizeof b->ip);
    b->u.ip = b->ip;
}

static int ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                 size_t len)
{
    struct ws_pss *pss = user;
    struct hilo_conn *c = pss ? pss->conn : NULL;
    const struct lws_protocols *proto = lws_get_protocol(wsi);
    const struct hilo_ws_proto *p = proto ? proto->user : NULL;
    struct hilo_net *n = p ? p->net : NULL;

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        struct upgrade_buf b;
        const char *why = NULL;
        int status;
        if (!n)
            return -1;
        upgrade_read(n, wsi, &b);
        status = hilo_net_ws_admit(n, p, &b.u, &why);
        free(b.cookie);
        if (status) {
            lws_return_http_status(wsi, (unsigned)status, why ? why : "Refused");
            return -1;
        }
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED: {
        struct upgrade_buf b;
        /* counted before anything else can fail, so CLOSED always uncounts */
        if (!n)
            return -1;
        upgrade_read(n, wsi, &b);
        snprintf(pss->ip, sizeof pss->ip, "%s", b.ip);
        if (hilo_net_ipcount_add(&n->per_ip, pss->ip, 1) < 0) {
            pss->ip[0] = '\0';
            free(b.cookie);
            return -1;
        }
        pss->flags = p->ops->flags;
        if (pss->flags & HILO_WS_RESERVED)
            n->ws_reserved++;
        else
            n->ws_shared++;
        c = hilo_net_conn_new(n, wsi, p, &b.u);
        free(b.cookie);
        if (!c)
            return -1;
        snprintf(c->ip, sizeof c->ip, "%s", pss->ip);
        pss->conn = c;
        return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
        int done = lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);
        int rc;
        if (!c)
            return -1;
        if (done)
            hilo_metrics_inc(HILO_M_FRAMES_IN);
        rc = hilo_net_conn_rx(c, in, len, done, lws_frame_is_binary(wsi));
        if (rc == -HILO_ETOOLARGE)
            lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                             (unsigned char *)"too large", 9);
        return rc < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c ? hilo_net_conn_writeable(c) : -1;
    case LWS_CALLBACK_TIMER:
        /* set by hilo_net_conn_writeable once the last frame before a close is out */
        return c && c->closing ? -1 : 0;
    case LWS_CALLBACK_CLOSED:
        if (c) {
            pss->conn = NULL;
            hilo_net_conn_closed(c);
        }
        if (n && pss && pss->ip[0]) {
            hilo_net_ipcount_add(&n->per_ip, pss->ip, -1);
            if (pss->flags & HILO_WS_RESERVED)
                n->ws_reserved--;
            else
                n->ws_shared--;
            pss->ip[0] = '\0';
        }
        return 0;
    default:
        break;
    }
    return 0;
}

/* Filled per net so that the http protocol's user points at its routes. */
static void protocols_init(struct hilo_net *n)
{
    const struct lws_protocols http = {"http", http_proto_cb, hilo_net_http_pss_size(), 0, 0, n, 0};
    memset(n->protocols, 0, sizeof n->protocols); /* the terminator */
    n->protocols[0] = http;
    for (int i = 0; i < n->nws; i++) {
        const struct lws_protocols ws = {n->ws[i].ops->subprotocol, ws_cb, sizeof(struct ws_pss),
                                         2048, 0, &n->ws[i], 0};
        n->protocols[1 + i] = ws;
    }
}

static void lws_log_cb(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (level & LLL_ERR)
        hilo_error("lws: %.*s", (int)n, line);
    else if (level & LLL_WARN)
        hilo_warn("lws: %.*s", (int)n, line);
    else
        hilo_debug("lws: %.*s", (int)n, line);
}

int hilo_ws_start(struct hilo_net *n, uv_loop_t *loop, const struct hilo_config *cfg,
                  struct hilo_reap *reap)
{
    struct lws_context_creation_info info;
    void *loops[1] = {loop};
    const char *host = cfg->listen_host;

    n->cfg = cfg;
    n->reap = reap;
    free(n->trusted);
    if (hilo_net_cidrs_parse(cfg->trusted_proxies, &n->trusted, &n->ntrusted) < 0) {
        hilo_error("--trusted-proxies: not a list of addresses or networks: %s",
                   cfg->trusted_proxies);
        return -1;
    }
    /* without tls_cert Hilo speaks plain HTTP: an https public_url means a
     * proxy in front */
    if (!n->ntrusted && !hilo_tls_enabled(cfg) && strncmp(cfg->public_url, "https://", 8) == 0)
        hilo_warn("public_url is https but trusted_proxies is empty: if a proxy is in front, "
                  "every client shares its address and its max_conns_per_ip");
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_cb);
    memset(&info, 0, sizeof info);
    info.port = cfg->listen_port;
    info.iface = host[0] && strcmp(host, "0.0.0.0") != 0 && strcmp(host, "*") != 0 ? host : NULL;
    protocols_init(n);
    info.protocols = n->protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
    if (strchr(host, ':'))
        info.options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = loops;
    info.user = n;
    info.server_string = "hilo";
    info.ka_time = 60;
    info.ka_probes = 3;
    info.ka_interval = 10;
    info.timeout_secs = 20;
    info.fd_limit_per_thread = (unsigned int)cfg->max_conns + 64;
    if (hilo_tls_enabled(cfg)) {
        /* lws makes an empty SSL_CTX and hands it to the http protocol's
         * callback, where tls.c installs the checked certificate; no
         * plain HTTP on this port, and HTTP/1.1 only (no h2 in ALPN) */
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                        LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX;
        info.alpn = "http/1.1";
        if (cfg->hsts_max_age > 0) {
            /* lws adds the vhost's headers to every response it starts */
            snprintf(n->hsts_value, sizeof n->hsts_value, "max-age=%d", cfg->hsts_max_age);
            memset(&n->hsts, 0, sizeof n->hsts);
            n->hsts.name = "strict-transport-security:";
            n->hsts.value = n->hsts_value;
            info.headers = &n->hsts;
        }
    }
    n->lws = lws_create_context(&info);
    if (!n->lws) {
        hilo_error("cannot listen on %s%s", cfg->listen,
                   hilo_tls_enabled(cfg) ? " with TLS" : "");
        return -1;
    }
    if (hilo_tls_enabled(cfg) && !n->ssl_ctx) {
        hilo_error("TLS did not start on %s", cfg->listen);
        return -1;
    }
    hilo_info("listening on %s://%s", hilo_tls_enabled(cfg) ? "https" : "http", cfg->listen);
    return 0;
}

void hilo_ws_stop(struct hilo_net *n)
{
    if (n && n->lws) {
        lws_context_destroy(n->lws);
        n->lws = NULL;
    }
}
