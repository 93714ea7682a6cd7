/* The private redis-server Hilo starts when no redis_url is configured: a
 * child process on a Unix socket under var_dir, with AOF persistence. */
#ifndef HILO_EMBEDDED_H
#define HILO_EMBEDDED_H

#include <stddef.h>
#include <uv.h>

struct hilo_embedded;

/* Starts redis-server; writes its URL ("unix:///abs/var/redis.sock") into
 * url. Takes an exclusive lock on var_dir so two Hilos never share it. */
struct hilo_embedded *hilo_embedded_start(uv_loop_t *loop, const char *redis_server,
                                          const char *var_dir, char *url, size_t n);
/* Stops it (SIGTERM: Redis flushes the AOF) and frees it once it exited;
 * done runs then. */
void hilo_embedded_stop(struct hilo_embedded *e, void (*done)(void *), void *data);
/* For the CLI: the URL the embedded Redis of var_dir listens on. */
int hilo_embedded_url(const char *var_dir, char *url, size_t n);

#endif
