/* The network side: libwebsockets on the server's libuv loop. */
#ifndef HILO_WS_H
#define HILO_WS_H

#include <stddef.h>

struct hilo_server;

/* Creates the lws context listening on cfg->listen. */
int hilo_ws_start(struct hilo_server *s);
/* Destroys the lws context; its handles finish closing as the loop runs. */
void hilo_ws_stop(struct hilo_server *s);
/* Maps a URL path to a regular file under root (no traversal, no symlink
 * escapes, directories to index.html). 0 or -errno. */
int hilo_ws_resolve_static(const char *root, const char *url, char *out, size_t n);

#endif
