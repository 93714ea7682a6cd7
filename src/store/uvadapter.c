/* Our libuv adapter for hiredis 0.14. The stock one (hiredis/adapters/libuv.h)
 * returns early when the poll reports an error: libuv stops the poll on
 * POLLERR (a TCP reset), hiredis never reads again and never learns the
 * connection is gone, so the link hangs with no error. Here an error on the
 * poll is treated as a read, so hiredis sees ECONNRESET or EOF and runs its
 * disconnect callback; if the context is still alive after that, the owner
 * is told (on_error) and drops the connection itself. */
#include <stdlib.h>

#include "redis_int.h"

struct uvev {
    redisAsyncContext *ac; /* NULL once hiredis has let go of us */
    uv_poll_t poll;
    int events;
    void (*on_error)(redisAsyncContext *ac, int status);
};

static void poll_cb(uv_poll_t *h, int status, int events)
{
    struct uvev *p = h->data;
    if (status < 0) {
        /* libuv has stopped the poll: make hiredis read now (it fails and
         * frees the context), else let the owner drop it. */
        if (p->ac)
            redisAsyncHandleRead(p->ac);
        if (p->ac && p->on_error)
            p->on_error(p->ac, status);
        return;
    }
    if (p->ac && (events & UV_READABLE))
        redisAsyncHandleRead(p->ac);
    if (p->ac && (events & UV_WRITABLE))
        redisAsyncHandleWrite(p->ac);
}

static void update(struct uvev *p)
{
    if (p->events)
        uv_poll_start(&p->poll, p->events, poll_cb);
    else
        uv_poll_stop(&p->poll);
}

static void add_read(void *d)
{
    struct uvev *p = d;
    p->events |= UV_READABLE;
    update(p);
}

static void del_read(void *d)
{
    struct uvev *p = d;
    p->events &= ~UV_READABLE;
    update(p);
}

static void add_write(void *d)
{
    struct uvev *p = d;
    p->events |= UV_WRITABLE;
    update(p);
}

static void del_write(void *d)
{
    struct uvev *p = d;
    p->events &= ~UV_WRITABLE;
    update(p);
}

static void closed_cb(uv_handle_t *h) { free(h->data); }

static void cleanup(void *d)
{
    struct uvev *p = d;
    p->ac = NULL; /* the context is being freed */
    uv_close((uv_handle_t *)&p->poll, closed_cb);
}

int hilo_uv_attach(redisAsyncContext *ac, uv_loop_t *loop,
                   void (*on_error)(redisAsyncContext *ac, int status))
{
    struct uvev *p;
    if (ac->ev.data)
        return REDIS_ERR;
    p = calloc(1, sizeof *p);
    if (!p)
        return REDIS_ERR;
    if (uv_poll_init(loop, &p->poll, ac->c.fd) != 0) {
        free(p);
        return REDIS_ERR;
    }
    p->ac = ac;
    p->on_error = on_error;
    p->poll.data = p;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    ac->ev.data = p;
    return REDIS_OK;
}
