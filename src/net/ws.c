/* libwebsockets on our libuv loop (foreign loop): the /ws endpoint with its
 * two subprotocols, and the lws context that also carries plain HTTP
 * (http.c). The WebSocket half still reaches the connection layer through
 * server.h (hilo_conn_*); the HTTP half knows no domain. */
#include "hilo/ws.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/http.h"
#include "hilo/log.h"
#include "hilo/server.h"
#include "internal.h"

struct ws_pss {
    struct hilo_conn *conn;
    char ip[48];  /* counted in the net's per_ip since ESTABLISHED, when set */
    int role;
};

static struct hilo_server *srv_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static const char subprotocols_msg[] = "Use subprotocol hilo.customer.v1 or hilo.agent.v1";

/* The "http" protocol: upgrades are checked here, the rest is http.c. */
static int http_proto_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
        /* An upgrade must name one of our subprotocols. */
        char list[256];
        int n = lws_hdr_copy(wsi, list, sizeof list, WSI_TOKEN_PROTOCOL);
        for (char *save = NULL, *t = n > 0 ? strtok_r(list, ", ", &save) : NULL; t;
             t = strtok_r(NULL, ", ", &save))
            if (strcmp(t, "hilo.customer.v1") == 0 || strcmp(t, "hilo.agent.v1") == 0)
                return 0;
        lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST, subprotocols_msg);
        return -1;
    }
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* A WebSocket upgrade that named none of our subprotocols. */
        lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST, subprotocols_msg);
        return -1;
    default:
        return hilo_net_http_cb(wsi, reason, user, in, len);
    }
}

void hilo_ws_plain_http(void *ctx, struct hilo_http *r)
{
    (void)ctx;
    hilo_net_respond_json_error(r, 400, "bad_request",
                                "A WebSocket upgrade with subprotocol hilo.customer.v1 or "
                                "hilo.agent.v1 is needed here.");
}

/* ---- WebSockets --------------------------------------------------------------- */

/* Is this Origin allowed to open a customer socket? */
static int origin_ok(struct hilo_server *s, struct lws *wsi)
{
    char origin[256], host[256];
    if (!hilo_net_wsi_origin(wsi, origin, sizeof origin))
        return 1; /* not a browser */
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) > 0 &&
        hilo_net_origin_same_host(origin, host))
        return 1; /* a page served by Hilo itself */
    return hilo_net_origin_listed(s->cfg->widget_origins, origin, 1);
}

/* May this Origin open an agent socket? The agent's cookie goes with any
 * page of the same site (another port of the same host too), so only the
 * console's own origins may; clients without Origin are not browsers. */
static int console_origin_ok(struct hilo_server *s, struct lws *wsi)
{
    char origin[256], host[256];
    if (!hilo_net_wsi_origin(wsi, origin, sizeof origin))
        return 1;
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
        host[0] = '\0';
    return hilo_net_console_origin_ok(s->cfg->console_origins, s->cfg->public_url, origin, host);
}

/* Is there room for one more socket of this role from this address? Each
 * address gets at most max_conns_per_ip; customers get at most what the
 * agents' reserved share leaves of max_conns. 0, or the status to refuse
 * with. */
static int conn_room(struct hilo_server *s, struct hilo_net *n, int role, const char *ip,
                     const char **why)
{
    const struct hilo_config *cfg = s->cfg;
    unsigned customers_max =
        (unsigned)cfg->max_conns - (unsigned)((long long)cfg->max_conns * cfg->agent_reserve_pct / 100);

    if (s->stopping || s->nconns >= (uint32_t)cfg->max_conns) {
        *why = "Try again later";
        return HTTP_STATUS_SERVICE_UNAVAILABLE;
    }
    if (role == HILO_ROLE_CUSTOMER && n->ws_customers >= customers_max) {
        *why = "Try again later";
        return HTTP_STATUS_SERVICE_UNAVAILABLE;
    }
    if (hilo_net_ipcount_get(&n->per_ip, ip) >= (unsigned)cfg->max_conns_per_ip) {
        *why = "Too many connections from your address";
        return 429;
    }
    return 0;
}

static int ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                 size_t len)
{
    struct ws_pss *pss = user;
    struct hilo_conn *c = pss ? pss->conn : NULL;
    struct hilo_server *s = srv_of(wsi);
    const struct lws_protocols *proto = lws_get_protocol(wsi);
    int role = proto && strcmp(proto->name, "hilo.agent.v1") == 0 ? HILO_ROLE_AGENT
                                                                  : HILO_ROLE_CUSTOMER;
    struct hilo_net *n = proto ? proto->user : NULL;

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        char ip[48];
        const char *why = NULL;
        int status;
        if (!n)
            return -1;
        if (role == HILO_ROLE_CUSTOMER && !origin_ok(s, wsi)) {
            hilo_info("refused customer socket from a disallowed origin");
            lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, "Origin not allowed");
            return -1;
        }
        if (role == HILO_ROLE_AGENT && !console_origin_ok(s, wsi)) {
            hilo_info("refused agent socket from an origin that is not the console's");
            lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, "Origin not allowed");
            return -1;
        }
        hilo_net_wsi_client_ip(n, wsi, ip, sizeof ip);
        if ((status = conn_room(s, n, role, ip, &why))) {
            if (status == 429)
                hilo_info("refused a socket: %s has %d open", ip, s->cfg->max_conns_per_ip);
            lws_return_http_status(wsi, (unsigned)status, why);
            return -1;
        }
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED:
        /* counted before anything else can fail, so CLOSED always uncounts */
        if (!n)
            return -1;
        hilo_net_wsi_client_ip(n, wsi, pss->ip, sizeof pss->ip);
        if (hilo_net_ipcount_add(&n->per_ip, pss->ip, 1) < 0) {
            pss->ip[0] = '\0';
            return -1;
        }
        pss->role = role;
        if (role == HILO_ROLE_AGENT)
            n->ws_agents++;
        else
            n->ws_customers++;
        c = hilo_conn_new(s, wsi, role);
        if (!c)
            return -1;
        pss->conn = c;
        if (role == HILO_ROLE_AGENT) {
            char *cookies = hilo_net_copy_header(wsi, WSI_TOKEN_HTTP_COOKIE);
            char tok[256];
            if (cookies && hilo_http_cookie_token(cookies, tok, sizeof tok) == 0) {
                c->cookie = strdup(tok);
                hilo_conn_cookie_auth(c);
            }
            free(cookies);
        }
        return 0;
    case LWS_CALLBACK_RECEIVE: {
        size_t max = (size_t)s->cfg->max_frame;
        int done = lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);
        if (!c)
            return -1;
        if (lws_frame_is_binary(wsi)) {
            c->rx_total = UINT32_MAX / 2; /* mark: reject at the end */
        }
        if (c->rx_total != UINT32_MAX / 2) {
            if ((uint64_t)c->rx_total + len > 16ull * max) {
                hilo_conn_error(c, -HILO_ETOOLARGE, NULL, NULL);
                free(c->rx);
                c->rx = NULL;
                c->rx_len = c->rx_total = 0;
                lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                                 (unsigned char *)"too large", 9);
                return -1;
            }
            c->rx_total += (uint32_t)len;
            if (c->rx_total <= max) {
                if (done && c->rx_len == 0) {
                    hilo_conn_frame(c, in, len);
                    c->rx_total = 0;
                    return 0;
                }
                char *p = realloc(c->rx, c->rx_len + len);
                if (!p)
                    return -1;
                c->rx = p;
                memcpy(c->rx + c->rx_len, in, len);
                c->rx_len += (uint32_t)len;
            } else if (c->rx) {
                free(c->rx);
                c->rx = NULL;
                c->rx_len = 0;
            }
        }
        if (!done)
            return 0;
        if (c->rx_total == UINT32_MAX / 2)
            hilo_conn_error(c, -HILO_EBADFRAME, NULL, NULL);
        else if (c->rx_total > max)
            hilo_conn_error(c, -HILO_ETOOLARGE, NULL, NULL);
        else
            hilo_conn_frame(c, c->rx, c->rx_len);
        free(c->rx);
        c->rx = NULL;
        c->rx_len = c->rx_total = 0;
        return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c ? hilo_conn_writeable(c) : -1;
    case LWS_CALLBACK_TIMER:
        /* set by hilo_conn_writeable once the last frame before a close is out */
        return c && c->closing ? -1 : 0;
    case LWS_CALLBACK_CLOSED:
        if (c) {
            pss->conn = NULL;
            hilo_conn_closed(c);
        }
        if (n && pss && pss->ip[0]) {
            hilo_net_ipcount_add(&n->per_ip, pss->ip, -1);
            if (pss->role == HILO_ROLE_AGENT)
                n->ws_agents--;
            else
                n->ws_customers--;
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
    const struct lws_protocols p[] = {
        {"http", http_proto_cb, hilo_net_http_pss_size(), 0, 0, n, 0},
        {"hilo.customer.v1", ws_cb, sizeof(struct ws_pss), 2048, 0, n, 0},
        {"hilo.agent.v1", ws_cb, sizeof(struct ws_pss), 2048, 0, n, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
    };
    memcpy(n->protocols, p, sizeof p);
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

int hilo_ws_start(struct hilo_server *s, struct hilo_net *n)
{
    struct lws_context_creation_info info;
    void *loops[1] = {s->loop};
    const char *host = s->cfg->listen_host;

    n->cfg = s->cfg;
    free(n->trusted);
    if (hilo_net_cidrs_parse(s->cfg->trusted_proxies, &n->trusted, &n->ntrusted) < 0) {
        hilo_error("--trusted-proxies: not a list of addresses or networks: %s",
                   s->cfg->trusted_proxies);
        return -1;
    }
    /* Hilo speaks plain HTTP: an https public_url means a proxy in front */
    if (!n->ntrusted && strncmp(s->cfg->public_url, "https://", 8) == 0)
        hilo_warn("public_url is https but trusted_proxies is empty: if a proxy is in front, "
                  "every client shares its address and its max_conns_per_ip");
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_cb);
    memset(&info, 0, sizeof info);
    info.port = s->cfg->listen_port;
    info.iface = host[0] && strcmp(host, "0.0.0.0") != 0 && strcmp(host, "*") != 0 ? host : NULL;
    protocols_init(n);
    info.protocols = n->protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
    if (strchr(host, ':'))
        info.options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = loops;
    info.user = s;
    info.server_string = "hilo";
    info.ka_time = 60;
    info.ka_probes = 3;
    info.ka_interval = 10;
    info.timeout_secs = 20;
    info.fd_limit_per_thread = (unsigned int)s->cfg->max_conns + 64;
    s->lws = lws_create_context(&info);
    if (!s->lws) {
        hilo_error("cannot listen on %s", s->cfg->listen);
        return -1;
    }
    hilo_info("listening on http://%s", s->cfg->listen);
    return 0;
}

void hilo_ws_stop(struct hilo_server *s)
{
    if (s->lws) {
        lws_context_destroy(s->lws);
        s->lws = NULL;
    }
}
