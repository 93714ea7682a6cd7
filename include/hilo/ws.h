/* The WebSocket side: libwebsockets on the server's libuv loop. */
#ifndef HILO_WS_H
#define HILO_WS_H

#include <stddef.h>

struct hilo_server;
struct hilo_net;
struct hilo_http;

/* Creates the lws context listening on cfg->listen; plain HTTP requests go
 * to n's routes. n is borrowed until hilo_ws_stop. */
int hilo_ws_start(struct hilo_server *s, struct hilo_net *n);
/* Destroys the lws context; its handles finish closing as the loop runs. */
void hilo_ws_stop(struct hilo_server *s);
/* A route handler for /ws without an upgrade: 400 naming the subprotocols. */
void hilo_ws_plain_http(void *ctx, struct hilo_http *r);

#endif
