/* The transport's registration interface (h2o's *_register): net names no
 * handler and includes no domain header. At start-up main.c registers every
 * HTTP route (hilo_net_route) and the domain registers its WebSocket
 * subprotocols (hilo_net_ws_protocol); the WebSocket half is then started
 * with hilo_ws_start (ws.h). */
#ifndef HILO_NET_H
#define HILO_NET_H

#include <stddef.h>

struct hilo_net;
struct hilo_http;
struct hilo_server;
struct hilo_conn;

/* Answers r now or later (then it takes a reference, see http.h). ctx is the
 * pointer given to hilo_net_route, borrowed for the life of the net. */
typedef void (*hilo_http_handler)(void *ctx, struct hilo_http *r);

enum hilo_route_flags {
    HILO_ROUTE_EXACT = 1u << 0, /* the path must equal the prefix */
    /* POST, PUT, PATCH and DELETE authenticated by the session cookie (not
     * by Authorization: Bearer) need an Origin allowed by --console-origins
     * and, with a body, Content-Type: application/json; else 403 forbidden
     * before the handler runs (cross-site request forgery). */
    HILO_ROUTE_CSRF = 1u << 1,
};

/* srv is opaque here: it is what hilo_http_server() returns to handlers not
 * yet converted to their route's ctx. */
struct hilo_net *hilo_net_new(struct hilo_server *srv);
void hilo_net_free(struct hilo_net *n);

/* Adds a route. method is "GET", "POST", ... or NULL for any method; a GET
 * route also answers HEAD. The route with the longest matching prefix wins;
 * when its prefix has no route for the method the answer is 405 with an
 * Allow header; no match at all is 404. Prefixes are copied. 0 or -errno. */
int hilo_net_route(struct hilo_net *n, const char *method, const char *prefix, unsigned flags,
                   hilo_http_handler h, void *ctx);

/* ORs flags into every route already added whose prefix starts with
 * prefix (routes another module registered). The number changed, or
 * -ENOENT when none. */
int hilo_net_route_set_flags(struct hilo_net *n, const char *prefix, unsigned flags);

/* ---- WebSocket subprotocols ---- */

/* The upgrade request as an accept or open hook sees it; every string is
 * borrowed until the hook returns. */
struct hilo_upgrade {
    const char *origin; /* the Origin header, NULL when absent (not a browser) */
    const char *host;   /* the Host header, "" when absent */
    const char *cookie; /* the Cookie header, NULL when absent */
    const char *ip;     /* the client's address (trusted proxies resolved) */
};

enum hilo_ws_flags {
    /* May use the share of max_conns held back by agent_reserve_pct; the
     * other subprotocols together stop short of it. */
    HILO_WS_RESERVED = 1u << 0,
};

/* One subprotocol's hooks. ctx is the pointer given to hilo_net_ws_protocol;
 * session is what open returned. All run on the loop.
 * Net checks the connection caps (max_conns, the reserved share,
 * max_conns_per_ip) after accept, reassembles fragmented messages up to
 * max_frame and refuses binary or oversized ones with an error frame. */
struct hilo_ws_ops {
    const char *subprotocol; /* "hilo.agent.v1"; borrowed for the net's life */
    unsigned flags;          /* enum hilo_ws_flags */
    /* Before the handshake: 0 to go on, or the HTTP status to refuse with
     * and, in *why, its text (static). NULL accepts every upgrade. */
    int (*accept)(void *ctx, const struct hilo_upgrade *u, const char **why);
    /* The socket is open: the session for c, or NULL to drop it. Net stores
     * the result in c->session; a hook that starts work reading
     * c->session before returning sets it itself. */
    void *(*open)(void *ctx, struct hilo_conn *c, const struct hilo_upgrade *u);
    /* One complete text message (data borrowed until it returns). */
    void (*message)(void *session, const char *data, size_t len);
    /* A message net refused (binary: -HILO_EBADFRAME, over max_frame:
     * -HILO_ETOOLARGE): the hook answers it and counts it against the
     * session's frame budget, so refused frames cost as much as others.
     * NULL: net sends the error frame itself. */
    void (*refused)(void *session, int err);
    /* The socket is gone: forget the connection. Once it returns, the
     * queue is dropped and c->wsi is NULL; the session stays readable
     * until free. */
    void (*closed)(void *session);
    /* The connection's last reference went, at the end of the loop turn. */
    void (*free)(void *session);
};

#define HILO_WS_MAX_PROTOCOLS 4

/* Registers a subprotocol before hilo_ws_start; ops and ctx are borrowed
 * for the life of the net. 0, -EINVAL (incomplete ops, a duplicate name),
 * -ENOSPC (more than HILO_WS_MAX_PROTOCOLS) or -EBUSY (already started). */
int hilo_net_ws_protocol(struct hilo_net *n, const struct hilo_ws_ops *ops, void *ctx);

/* Origin rules for accept hooks (pure; src/net/addr.c). */
/* Is origin in the comma list? "*" matches any origin when any_ok. */
int hilo_net_origin_listed(const char *list, const char *origin, int any_ok);
/* Is origin's host[:port] the Host header (a page served by Hilo itself)? */
int hilo_net_origin_same_host(const char *origin, const char *host);
/* May a page on origin act with an agent's cookie? The console_origins
 * list when set; else the origin of public_url and, with public_url's
 * scheme, the request's own Host (same origin only). A NULL origin is
 * refused. */
int hilo_net_console_origin_ok(const char *console_origins, const char *public_url,
                               const char *origin, const char *host);

/* Refuses new TCP connections from now on (shutdown), and fails every
 * streamed response in progress so its producer lets go. */
void hilo_net_drain(struct hilo_net *n);

/* Ready-made handlers. */
/* 404 {"error":{"code":"not_found"}}. */
void hilo_http_not_found(void *ctx, struct hilo_http *r);
/* Static files under the directory ctx (a const char *, borrowed). */
void hilo_static_serve(void *root, struct hilo_http *r);

/* Maps a URL path to a regular file under root (no traversal, no symlink
 * escapes, directories to index.html). 0 or -errno. */
int hilo_static_resolve(const char *root, const char *url, char *out, size_t n);

/* May the file at rel (a path under the web root, "/console/app.js") be
 * served? Only known file types, nothing under src/, node_modules/ or a
 * dot-folder: the web root also holds the bundles' sources. */
int hilo_static_allowed(const char *rel);

/* Request bodies larger than this are refused with 413 before they are read. */
#define HILO_HTTP_MAX_BODY (4u << 20) /* WhatsApp batches up to 3 MB */

#endif
