/* Plain commands of the typed ops (struct hilo_store_cmd in store.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/store.h"
#include "internal.h"

void hilo_cmd_start(struct hilo_store_cmd *c, const char *name)
{
    c->argc = 0;
    hilo_cmd_add(c, name);
}

void hilo_cmd_addn(struct hilo_store_cmd *c, const char *s, size_t n)
{
    if (c->argc >= HILO_STORE_CMD_MAX) {
        c->argc = HILO_STORE_CMD_MAX + 1;
        return;
    }
    c->argv[c->argc] = s ? s : "";
    c->lens[c->argc++] = s ? n : 0;
}

void hilo_cmd_add(struct hilo_store_cmd *c, const char *s) { hilo_cmd_addn(c, s, s ? strlen(s) : 0); }

void hilo_cmd_num(struct hilo_store_cmd *c, int slot, uint64_t v)
{
    snprintf(c->num[slot], sizeof c->num[slot], "%" PRIu64, v);
    hilo_cmd_add(c, c->num[slot]);
}

int hilo_cmd_key(struct hilo_store_cmd *c, int slot, int k, const char *arg)
{
    if (hilo_key(c->key[slot], sizeof c->key[slot], (enum hilo_key)k, arg ? arg : "") < 0)
        return -1;
    hilo_cmd_add(c, c->key[slot]);
    return 0;
}

int hilo_cmd_finish(struct hilo_store_cmd *c)
{
    return c->argc > HILO_STORE_CMD_MAX ? -HILO_EINTERNAL : 0;
}

int hilo_store_cmd_send(struct hilo_redis *r, const struct hilo_store_cmd *c, hilo_redis_cb cb,
                        void *data)
{
    /* the cast only drops the const hiredis does not declare: argv is read */
    return hilo_redis_cmdargv(r, cb, data, c->argc, (const char **)c->argv, c->lens);
}

int hilo_tx_add_cmd(struct hilo_tx *tx, const struct hilo_store_cmd *c)
{
    return hilo_tx_add(tx, c->argc, (const char **)c->argv, c->lens);
}

int hilo_cmd_tx_built(struct hilo_tx *tx, int rc, const struct hilo_store_cmd *c)
{
    if (rc < 0) {
        if (tx->rc == 0)
            tx->rc = rc;
        return tx->rc;
    }
    return hilo_tx_add_cmd(tx, c);
}

int hilo_cmd_send_built(struct hilo_redis *r, int rc, const struct hilo_store_cmd *c,
                        hilo_redis_cb cb, void *data)
{
    return rc < 0 ? rc : hilo_store_cmd_send(r, c, cb, data);
}
