/* Deferred free: objects that a callback later in the same loop turn may
 * still reach (a connection whose last reference an operation drops) are
 * freed at the end of the turn, from a uv_check handle, not at once. This is
 * mosquitto's deferred free of client contexts and Redis's freeClientAsync:
 * code may read an object after dropping its own reference, until it
 * returns to the loop. */
#ifndef HILO_REAP_H
#define HILO_REAP_H

#include <uv.h>

/* Embedded in the object to free (no allocation, so queueing cannot fail). */
struct hilo_reap_node {
    struct hilo_reap_node *next;
    void (*free_fn)(struct hilo_reap_node *n);
};

struct hilo_reap {
    uv_check_t check;
    struct hilo_reap_node *head;
    int open;
};

void hilo_reap_init(struct hilo_reap *r, uv_loop_t *loop);
/* Calls fn(n) once every callback of this loop turn has run. */
void hilo_reap_later(struct hilo_reap *r, struct hilo_reap_node *n,
                     void (*fn)(struct hilo_reap_node *n));
/* Closes the handle (at shutdown). Nodes queued after it wait for
 * hilo_reap_deinit. */
void hilo_reap_close(struct hilo_reap *r);
/* Frees whatever is still queued; call after the loop stopped. */
void hilo_reap_deinit(struct hilo_reap *r);

#endif
