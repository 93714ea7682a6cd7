/* The domain's WebSocket subprotocols, registered with the net at start-up
 * (struct hilo_ws_ops): who may open a socket (origin rules; net adds its
 * connection caps), the session each connection gets, and where its frames
 * go. Net knows none of this. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/log.h"
#include "hilo/net.h"

/* The refused Origin for the log: printable ASCII, at most 120 bytes. */
static void origin_shown(const char *origin, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = origin; p && *p && n + 1 < cap && n < 120; p++)
        out[n++] = (*p > ' ' && *p < 0x7f) ? *p : '?';
    out[n] = '\0';
}

/* A customer socket from a browser page: the widget's listed origins, or a
 * page served by Hilo itself. Clients without Origin are not browsers. */
static int customer_accept(void *ctx, const struct hilo_upgrade *u, const char **why)
{
    struct hilo_server *s = ctx;
    if (!u->origin || (u->host[0] && hilo_net_origin_same_host(u->origin, u->host)) ||
        hilo_net_origin_listed(s->cfg->widget_origins, u->origin, 1))
        return 0;
    char shown[128];
    origin_shown(u->origin, shown, sizeof shown);
    /* named, so that whoever embeds the widget knows what to add */
    hilo_info("refused customer socket from origin %s: not in widget_origins", shown);
    *why = "Origin not allowed";
    return 403;
}

/* The agent's cookie goes with any page of the same site (another port of
 * the same host too), so only the console's own origins may open an agent
 * socket; clients without Origin are not browsers. */
static int agent_accept(void *ctx, const struct hilo_upgrade *u, const char **why)
{
    struct hilo_server *s = ctx;
    if (!u->origin ||
        hilo_net_console_origin_ok(s->cfg->console_origins, s->cfg->public_url, u->origin, u->host))
        return 0;
    char shown[128];
    origin_shown(u->origin, shown, sizeof shown);
    hilo_info("refused agent socket from origin %s: not the console's (console_origins)", shown);
    *why = "Origin not allowed";
    return 403;
}

static struct hilo_session *session_open(struct hilo_server *s, struct hilo_conn *c, int role)
{
    struct hilo_session *se = hilo_session_new(c, role);
    if (!se)
        return NULL;
    c->srv = s;
    hilo_rate_init(&se->rate, s->cfg->msg_burst, hilo_now_ms());
    return se;
}

static void *customer_open(void *ctx, struct hilo_conn *c, const struct hilo_upgrade *u)
{
    struct hilo_session *se = session_open(ctx, c, HILO_ROLE_CUSTOMER);
    /* per-address ticket limits (ws_write.c) */
    if (se)
        snprintf(se->ip, sizeof se->ip, "%s", u->ip ? u->ip : "");
    return se;
}

/* An upgrade with a session cookie is authenticated at once; the session is
 * attached to c first (hilo_session_new) since the check reads it. */
static void *agent_open(void *ctx, struct hilo_conn *c, const struct hilo_upgrade *u)
{
    struct hilo_session *se = session_open(ctx, c, HILO_ROLE_AGENT);
    char tok[256];
    if (!se)
        return NULL;
    snprintf(se->ip, sizeof se->ip, "%s", u->ip ? u->ip : "");
    if (u->cookie && hilo_http_cookie_token(u->cookie, tok, sizeof tok) == 0) {
        se->cookie = strdup(tok);
        hilo_conn_cookie_auth(c);
    }
    return se;
}

static const struct hilo_ws_ops customer_ops = {
    .subprotocol = "hilo.customer.v1",
    .accept = customer_accept,
    .open = customer_open,
    .message = hilo_session_message,
    .refused = hilo_session_refused,
    .closed = hilo_session_closed,
    .free = hilo_session_free,
};

static const struct hilo_ws_ops agent_ops = {
    .subprotocol = "hilo.agent.v1",
    .flags = HILO_WS_RESERVED, /* agents get the share customers cannot fill */
    .accept = agent_accept,
    .open = agent_open,
    .message = hilo_session_message,
    .refused = hilo_session_refused,
    .closed = hilo_session_closed,
    .free = hilo_session_free,
};

int hilo_domain_ws_register(struct hilo_net *n, struct hilo_server *s)
{
    int rc = hilo_net_ws_protocol(n, &customer_ops, s);
    s->net = n;
    return rc < 0 ? rc : hilo_net_ws_protocol(n, &agent_ops, s);
}
