/* The WebSocket side: libwebsockets on the server's libuv loop. The
 * subprotocols it serves are the ones registered with hilo_net_ws_protocol
 * (net.h) before hilo_ws_start. */
#ifndef HILO_WS_H
#define HILO_WS_H

#include <stddef.h>
#include <uv.h>

struct hilo_config;
struct hilo_net;
struct hilo_http;
struct hilo_reap;

/* Creates the lws context listening on cfg->listen; plain HTTP requests go
 * to n's routes, upgrades to its subprotocols. cfg and reap are borrowed
 * until the last connection is freed (reap takes the connections whose last
 * reference goes, to free them at the end of the loop turn). */
int hilo_ws_start(struct hilo_net *n, uv_loop_t *loop, const struct hilo_config *cfg,
                  struct hilo_reap *reap);
/* Destroys the lws context (if any); its handles finish closing as the loop runs. */
void hilo_ws_stop(struct hilo_net *n);
/* Starts closing every connection with 1001 (shutdown). */
void hilo_ws_close_all(struct hilo_net *n);
/* Calls fn for every open connection (fn may ask for its close). */
struct hilo_conn;
void hilo_ws_each(struct hilo_net *n, void (*fn)(struct hilo_conn *c, void *data), void *data);
/* Open WebSocket connections (0 for a NULL net). */
unsigned hilo_ws_conns(const struct hilo_net *n);
/* A route handler for /ws without an upgrade: 400 naming the subprotocols. */
void hilo_ws_plain_http(void *ctx, struct hilo_http *r);

#endif
