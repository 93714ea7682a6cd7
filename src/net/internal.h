/* Shared between the files of src/net/ only. */
#ifndef HILO_NET_INTERNAL_H
#define HILO_NET_INTERNAL_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#include "hilo/buf.h"
#include "hilo/conn.h"
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
    char *hdr[5];    /* the headers webhooks (and widget uploads) need, see hdr_names in http.c */
    char client_ip[48];
    struct hilo_buf body;
    int body_too_big;
    /* response */
    int status;
    char ctype[128];
    char *resp;   /* LWS_PRE + body */
    size_t resp_len;
    char set_cookie[384];
    char allow[64];  /* for a 405 */
    char retry_after[16]; /* for a 429/503: seconds */
    char disposition[480]; /* Content-Disposition of a download; also sandboxes it */
    int ready;
    int close_after; /* the body was refused unread: close the connection */
    int fail;        /* a handler could not answer: drop the connection */
    int secure;      /* came over TLS, here or at a trusted proxy (hilo_net_wsi_secure) */
    struct hilo_http_stream *stream; /* a streamed response (stream.c), or NULL */
    char origin[256];  /* the Origin header ('' = none), hilo_http_origin */
    char host[256];    /* the Host header ('' = none) */
    char cors[256];    /* Access-Control-Allow-Origin of the response ('' = none) */
    int cors_preflight; /* also the preflight's Allow-Methods/-Headers */
};

/* ---- stream.c: streamed responses ---- */

struct hilo_http_stream;
/* LWS_CALLBACK_HTTP_WRITEABLE of a streamed response; -1 closes. */
int hilo_net_stream_writeable(struct hilo_http *r);
/* The client went away (r->wsi is NULL now): a waiting producer hears it. */
void hilo_net_stream_gone(struct hilo_http *r);
void hilo_net_stream_free(struct hilo_http *r);
/* Fails every stream in progress (shutdown). */
void hilo_net_streams_abort(struct hilo_net *n);

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
/* ORs flags into every route whose prefix starts with prefix. The number
 * of routes changed, or -ENOENT. */
int hilo_router_set_flags(struct hilo_router *rt, const char *prefix, unsigned flags);
/* The route for method and path, or NULL with *status 404, or 405 and the
 * allowed methods ("GET, HEAD, POST") in allow. */
const struct hilo_http_route *hilo_router_match(const struct hilo_router *rt, const char *method,
                                                const char *path, char *allow, size_t n,
                                                int *status);

/* ---- addr.c: origins, client addresses, open sockets per address ---- */

/* "Scheme://host[:port]" lowercased, without a default port, from an
 * origin or a URL (its path is dropped). 0 or -1. */
int hilo_net_origin_norm(const char *in, size_t len, char *out, size_t n);
/* hilo_net_origin_listed, _same_host, _console_origin_ok: see net.h. */

/* An address or network: af 4 (IPv4-mapped IPv6 too) or 6. */
struct hilo_cidr {
    int af;
    int bits;
    unsigned char a[16];
};

/* Parses "10.0.0.1, 192.168.0.0/16, ::1, fd00::/8" into *out (malloc'd,
 * the caller frees). 0, -EINVAL on a bad entry or -ENOMEM. */
int hilo_net_cidrs_parse(const char *list, struct hilo_cidr **out, size_t *n);
int hilo_net_cidrs_match(const struct hilo_cidr *v, size_t n, const char *ip);
/* The client's address: the socket peer, or when the peer is a trusted
 * proxy, the rightmost X-Forwarded-For address that is not one. */
void hilo_net_client_ip(const char *peer, const char *xff, const struct hilo_cidr *trusted,
                        size_t ntrusted, char *out, size_t n);

#define HILO_IPCOUNT_BUCKETS 1024
struct hilo_ipcount;
struct hilo_ipcounts {
    struct hilo_ipcount *b[HILO_IPCOUNT_BUCKETS];
};
unsigned hilo_net_ipcount_get(const struct hilo_ipcounts *t, const char *ip);
/* Adds delta to ip's count; the new count, or -ENOMEM. */
int hilo_net_ipcount_add(struct hilo_ipcounts *t, const char *ip, int delta);
void hilo_net_ipcount_clear(struct hilo_ipcounts *t);

/* ---- the net ---- */

struct hilo_config;
struct hilo_reap;
struct hilo_conn;

/* A registered subprotocol; its lws protocol's user points here. */
struct hilo_ws_proto {
    const struct hilo_ws_ops *ops;
    void *ctx;
    struct hilo_net *net;
};

struct hilo_net {
    struct hilo_server *srv; /* opaque: for hilo_http_server() */
    const struct hilo_config *cfg; /* set by hilo_ws_start */
    struct hilo_router routes;
    int draining;
    struct lws_context *lws;
    struct hilo_reap *reap;            /* borrowed: connections freed at the end of the turn */
    struct hilo_ws_proto ws[HILO_WS_MAX_PROTOCOLS];
    int nws;
    /* http, the subprotocols, the terminator; http's user points back here */
    struct lws_protocols protocols[HILO_WS_MAX_PROTOCOLS + 2];
    char ws_names[256];                /* "a or b", for the 400 answers */
    struct hilo_conn *all_head;        /* every connection */
    uint32_t nconns;
    uint32_t serial;
    struct hilo_cidr *trusted;         /* --trusted-proxies */
    size_t ntrusted;
    struct hilo_ipcounts per_ip;       /* open WebSockets per client address */
    unsigned ws_shared, ws_reserved;  /* open WebSockets without and with HILO_WS_RESERVED */
    /* TLS (tls.c): the vhost's SSL_CTX once set up; the HSTS header lws adds */
    void *ssl_ctx;
    struct lws_protocol_vhost_options hsts;
    char hsts_value[32];
    struct hilo_http_stream *streams; /* streamed responses in progress (stream.c) */
};

/* The client address of wsi's request (see hilo_net_client_ip). */
void hilo_net_wsi_client_ip(struct hilo_net *n, struct lws *wsi, char *out, size_t len);
/* Did wsi's request come over TLS: to Hilo itself, or to a trusted proxy
 * that says so with X-Forwarded-Proto: https (its last value)? */
int hilo_net_wsi_secure(struct hilo_net *n, struct lws *wsi);
/* Adds Strict-Transport-Security to r's response headers when r came
 * over https through a trusted proxy (with TLS here, lws adds it to every
 * response). 0 or -1 when out of room. */
int hilo_net_hsts_add(struct hilo_http *r, unsigned char **p, unsigned char *end);
/* The CORS headers hilo_http_set_cors asked for (none when not set). */
int hilo_net_cors_add(struct hilo_http *r, unsigned char **p, unsigned char *end);
/* tls.c: checks the configured certificate and key and installs them into
 * the vhost's SSL_CTX (at vhost creation). 0 or -1 (logged). */
int hilo_net_tls_setup(struct hilo_net *n, void *ssl_ctx);
/* The Origin header's value, copied to out; NULL when there is none. */
const char *hilo_net_wsi_origin(struct lws *wsi, char *out, size_t len);

/* conn.c: the connection's transport half, driven by ws.c. */
/* A connection on wsi for a registered subprotocol; NULL when out of
 * memory or when ops->open refused (nothing is left behind). */
struct hilo_conn *hilo_net_conn_new(struct hilo_net *n, struct lws *wsi,
                                    const struct hilo_ws_proto *p, const struct hilo_upgrade *u);
/* The socket is gone: ops->closed, drop the queue, release lws's reference. */
void hilo_net_conn_closed(struct hilo_conn *c);
/* Writes queued frames; -1 when the socket must close. */
int hilo_net_conn_writeable(struct hilo_conn *c);
/* May this upgrade open a socket of p? The subprotocol's accept hook, then
 * the caps (draining, max_conns, the reserved share, max_conns_per_ip by
 * u->ip). 0, or the HTTP status to refuse with and its text in *why. */
int hilo_net_ws_admit(struct hilo_net *n, const struct hilo_ws_proto *p,
                      const struct hilo_upgrade *u, const char **why);
/* One piece of a message (final: its last; binary: a binary frame).
 * Reassembles up to max_frame and hands the whole message to ops->message
 * (not once the connection is closing); a binary or oversized message gets
 * an error frame instead. 0; -HILO_ETOOLARGE when the socket must close
 * (far past max_frame; the error frame is queued), -ENOMEM. */
int hilo_net_conn_rx(struct hilo_conn *c, const char *in, size_t len, int final, int binary);

/* http.c: the lws callback of the "http" protocol. */
int hilo_net_http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len);
size_t hilo_net_http_pss_size(void);
void hilo_net_respond_json_error(struct hilo_http *r, int status, const char *code,
                                 const char *message);
/* A header's value, malloc'd, or NULL. */
char *hilo_net_copy_header(struct lws *wsi, enum lws_token_indexes h);

#endif
