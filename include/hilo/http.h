/* One HTTP request, for handlers that answer after an async step. A handler
 * that keeps the request past its return takes a reference and releases it
 * once it has responded; responding after the client went away is a no-op. */
#ifndef HILO_HTTP_H
#define HILO_HTTP_H

#include <jansson.h>
#include <stddef.h>

struct hilo_http;
struct hilo_server;

void hilo_http_ref(struct hilo_http *r);
void hilo_http_unref(struct hilo_http *r);
/* References taken with hilo_http_ref and not yet released (each is also a
 * hilo_loop_hold, so shutdown waits for them). */
int hilo_http_pending(void);
struct hilo_server *hilo_http_server(struct hilo_http *r);
const char *hilo_http_method(struct hilo_http *r);
const char *hilo_http_path(struct hilo_http *r);
const char *hilo_http_cookie(struct hilo_http *r);
/* The client's address: the socket peer, or the X-Forwarded-For address a
 * trusted proxy (--trusted-proxies) vouches for. */
const char *hilo_http_client_ip(struct hilo_http *r);
/* Did the request come over https: to Hilo itself (tls_cert), or to a
 * trusted proxy (--trusted-proxies) that says so in X-Forwarded-Proto? */
int hilo_http_secure(struct hilo_http *r);
/* The request body; NULL when it was larger than the server accepts. */
const char *hilo_http_body(struct hilo_http *r, size_t *len);
/* A decoded query argument, or NULL. */
const char *hilo_http_arg(struct hilo_http *r, const char *name);
/* x-hub-signature-256, x-twilio-signature, content-type, authorization or
 * x-hilo-identity (widget uploads of a signed-in customer). */
const char *hilo_http_header(struct hilo_http *r, const char *name);
int hilo_http_nargs(struct hilo_http *r);
const char *hilo_http_argn(struct hilo_http *r, int i);
void hilo_http_respond(struct hilo_http *r, int status, const char *ctype, const char *body, size_t len);
/* Takes ownership of o. */
void hilo_http_respond_json(struct hilo_http *r, int status, json_t *o);
/* {"error":{code,message}} with the status that fits the error. */
void hilo_http_respond_error(struct hilo_http *r, int err);
void hilo_http_respond_empty(struct hilo_http *r, int status);
/* Sets the response's Set-Cookie header (copied; at most 383 bytes). */
/* An Allow header for a 405 ("GET, POST"), set before responding. */
void hilo_http_set_allow(struct hilo_http *r, const char *methods);
/* Serves the response as a download named filename (sanitised), with
 * Content-Security-Policy: sandbox: for bytes Hilo did not write (provider
 * media), so HTML or SVG in them never runs on Hilo's origin. */
void hilo_http_set_attachment(struct hilo_http *r, const char *filename);
/* A Retry-After header (seconds) for a 429 or 503, set before responding. */
void hilo_http_set_retry_after(struct hilo_http *r, unsigned seconds);
void hilo_http_set_cookie(struct hilo_http *r, const char *cookie);
/* A streamed response (src/net/stream.c), for bodies too large to hold:
 * begin sends the status, type and length (len -1: unknown, then the
 * connection closes after the body) with the headers set so far (an
 * attachment's too); write queues bytes: 0 taken, 1 the queue is full and
 * nothing was taken (drain(data) runs once there is room again, or once the
 * client is gone), -1 the client is gone or the stream failed; end says no
 * more bytes come (ok 0: the upstream failed, so the client sees a cut
 * connection, or a 502 when nothing was sent yet), and drain is never
 * called after it: the producer may free data. begin: 0, or -1 when the
 * client is gone or a response was already given. */
typedef void (*hilo_http_drain_fn)(void *data);
int hilo_http_stream_begin(struct hilo_http *r, int status, const char *ctype, long long len,
                           hilo_http_drain_fn drain, void *data);
int hilo_http_stream_write(struct hilo_http *r, const char *p, size_t n);
void hilo_http_stream_end(struct hilo_http *r, int ok);
/* The Origin header, or NULL when absent (not a browser); the Host header
 * ('' when absent). */
const char *hilo_http_origin(struct hilo_http *r);
const char *hilo_http_host(struct hilo_http *r);
/* CORS for a page on another origin (the widget's uploads): the response
 * gets Access-Control-Allow-Origin: origin (and Vary: Origin); preflight 1
 * adds the Allow-Methods (GET, POST) and Allow-Headers (Authorization,
 * Content-Type, X-Hilo-Identity) of an OPTIONS answer. Set before responding. */
void hilo_http_set_cors(struct hilo_http *r, const char *origin, int preflight);
/* Extracts hilo_session=<token> from a Cookie header. 0 or -1. */
int hilo_http_cookie_token(const char *cookies, char *out, size_t n);

/* Entry points that main.c registers as routes (see net.h). */
/* /webhooks/... (domain/inbound.c). */
void hilo_webhook_handle(struct hilo_http *r);
/* /api/v1/... except /api/v1/session (domain/api.c). */
void hilo_api_handle(struct hilo_http *r);

#endif
