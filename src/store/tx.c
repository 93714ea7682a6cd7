/* The one MULTI builder. Commands of a block go out as they are added (they
 * are only queued by Redis until EXEC), so a block costs no allocation of
 * its own. */
#include "hilo/common.h"
#include "hilo/store.h"

void hilo_tx_begin(struct hilo_tx *tx, struct hilo_redis *r)
{
    const char *m[] = {"MULTI"};
    tx->r = r;
    tx->count = 0;
    tx->open = 0;
    tx->rc = hilo_redis_cmdargv(r, NULL, NULL, 1, m, NULL);
    if (tx->rc == 0)
        tx->open = 1;
}

int hilo_tx_add(struct hilo_tx *tx, int argc, const char **argv, const size_t *lens)
{
    if (tx->rc == 0)
        tx->rc = hilo_redis_cmdargv(tx->r, NULL, NULL, argc, argv, lens);
    if (tx->rc == 0)
        tx->count++;
    return tx->rc;
}

int hilo_tx_add_argv(struct hilo_tx *tx, const struct hilo_store_argv *a)
{
    if (tx->rc == 0 && a->lens[1] != 40)
        tx->rc = -HILO_EUNAVAIL; /* scripts not loaded yet */
    /* the cast only drops the const hiredis does not declare: argv is read */
    return hilo_tx_add(tx, a->argc, (const char **)a->argv, a->lens);
}

int hilo_tx_commit(struct hilo_tx *tx, hilo_redis_cb cb, void *data)
{
    const char *x[] = {"EXEC"}, *d[] = {"DISCARD"};
    if (tx->rc == 0)
        tx->rc = hilo_redis_cmdargv(tx->r, cb, data, 1, x, NULL);
    else if (tx->open)
        /* a MULTI left open would swallow the next caller's commands */
        hilo_redis_cmdargv(tx->r, NULL, NULL, 1, d, NULL);
    tx->open = 0;
    return tx->rc;
}
