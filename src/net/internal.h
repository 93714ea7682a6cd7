/* Shared between the files of src/net/ only. */
#ifndef HILO_NET_INTERNAL_H
#define HILO_NET_INTERNAL_H

#include <libwebsockets.h>
#include <stddef.h>

#include "hilo/buf.h"
#include "hilo/net.h"

/* An HTTP request that may be answered after an async step. Refcounted:
 * lws holds one reference until the connection closes. */
struct hilo_http {
    struct lws *wsi;
    struct hilo_net *net;
    int refs;
    char method[8];
    char path[256];
    char *cookie;
    char *args[16];  /* URL query arguments "name=value", decoded */
    int nargs;
    char *hdr[4];    /* the headers webhooks need, see hdr_names in http.c */
    struct hilo_buf body;
    int body_too_big;
    /* response */
    int status;
    char ctype[128];
    char *resp;   /* LWS_PRE + body */
    size_t resp_len;
    char set_cookie[384];
    char allow[64];  /* for a 405 */
    int ready;
    int close_after; /* the body was refused unread: close the connection */
    int fail;        /* a handler could not answer: drop the connection */
};

/* ---- router.c: the route table (pure; unit-tested) ---- */

struct hilo_http_route {
    char method[8];  /* "" for any */
    char *prefix;
    size_t plen;
    unsigned flags;
    hilo_http_handler h;
    void *ctx;
};

struct hilo_router {
    struct hilo_http_route *v;
    size_t n, cap;
};

void hilo_router_init(struct hilo_router *rt);
void hilo_router_deinit(struct hilo_router *rt);
int hilo_router_add(struct hilo_router *rt, const char *method, const char *prefix,
                    unsigned flags, hilo_http_handler h, void *ctx);
/* The route for method and path, or NULL with *status 404, or 405 and the
 * allowed methods ("GET, HEAD, POST") in allow. */
const struct hilo_http_route *hilo_router_match(const struct hilo_router *rt, const char *method,
                                                const char *path, char *allow, size_t n,
                                                int *status);

/* ---- the net ---- */

struct hilo_net {
    struct hilo_server *srv; /* opaque: for hilo_http_server() */
    struct hilo_router routes;
    int draining;
    struct lws_protocols protocols[4]; /* http's user points back here */
};

/* http.c: the lws callback of the "http" protocol. */
int hilo_net_http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len);
size_t hilo_net_http_pss_size(void);
void hilo_net_respond_json_error(struct hilo_http *r, int status, const char *code,
                                 const char *message);
/* A header's value, malloc'd, or NULL. */
char *hilo_net_copy_header(struct lws *wsi, enum lws_token_indexes h);

#endif
