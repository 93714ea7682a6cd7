/* Store operations of the live gap check; see include/hilo/store_live.h. */
#include "hilo/store_live.h"

#include "hilo/common.h"
#include "internal.h"

int hilo_store_thread_last_argv(struct hilo_store_cmd *c, const char *ref)
{
    hilo_cmd_start(c, "XREVRANGE");
    if (hilo_cmd_key(c, 0, HILO_K_THREAD, ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "+");
    hilo_cmd_add(c, "-");
    hilo_cmd_add(c, "COUNT");
    hilo_cmd_add(c, "1");
    return hilo_cmd_finish(c);
}

int hilo_tx_thread_last(struct hilo_tx *tx, const char *ref)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_thread_last_argv(&c, ref), &c);
}

static int count_argv(struct hilo_store_cmd *c, const char *cmd, int k)
{
    hilo_cmd_start(c, cmd);
    if (hilo_cmd_key(c, 0, k, "") < 0)
        return -HILO_EINTERNAL;
    return hilo_cmd_finish(c);
}

int hilo_tx_outbox_depth(struct hilo_tx *tx)
{
    struct hilo_store_cmd c;
    int rc = hilo_cmd_tx_built(tx, count_argv(&c, "XLEN", HILO_K_OUTBOX), &c);
    rc |= hilo_cmd_tx_built(tx, count_argv(&c, "ZCARD", HILO_K_OUTBOX_DUE), &c);
    rc |= hilo_cmd_tx_built(tx, count_argv(&c, "ZCARD", HILO_K_OUTBOX_DEAD), &c);
    return rc ? -HILO_EINTERNAL : 0;
}
