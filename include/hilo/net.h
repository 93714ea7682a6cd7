/* The HTTP transport's registration interface (h2o's *_register): the
 * transport names no handler; main.c registers every route at start-up.
 * The WebSocket half is started with hilo_ws_start (ws.h). */
#ifndef HILO_NET_H
#define HILO_NET_H

#include <stddef.h>

struct hilo_net;
struct hilo_http;
struct hilo_server;

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

/* Refuses new TCP connections from now on (shutdown). */
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
