/* Deferred free at the end of the loop turn (see reap.h). */
#include "hilo/reap.h"

#include <stddef.h>

static void run(struct hilo_reap *r)
{
    /* A free function may queue more (a session dropping its connection):
     * take the list each round until it stays empty. */
    while (r->head) {
        struct hilo_reap_node *n = r->head;
        r->head = NULL;
        while (n) {
            struct hilo_reap_node *next = n->next;
            n->free_fn(n);
            n = next;
        }
    }
}

static void check_cb(uv_check_t *h)
{
    struct hilo_reap *r = h->data;
    run(r);
    uv_check_stop(h);
}

void hilo_reap_init(struct hilo_reap *r, uv_loop_t *loop)
{
    r->head = NULL;
    uv_check_init(loop, &r->check);
    r->check.data = r;
    /* never what keeps the loop running */
    uv_unref((uv_handle_t *)&r->check);
    r->open = 1;
}

void hilo_reap_later(struct hilo_reap *r, struct hilo_reap_node *n,
                     void (*fn)(struct hilo_reap_node *n))
{
    n->free_fn = fn;
    n->next = r->head;
    r->head = n;
    if (r->open)
        uv_check_start(&r->check, check_cb);
}

void hilo_reap_close(struct hilo_reap *r)
{
    if (!r->open)
        return;
    r->open = 0;
    uv_check_stop(&r->check);
    /* what is queued now or later waits for hilo_reap_deinit, after the
     * loop: at shutdown, operations still finish with their objects */
    uv_close((uv_handle_t *)&r->check, NULL);
}

void hilo_reap_deinit(struct hilo_reap *r) { run(r); }
