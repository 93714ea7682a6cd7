/* The widget's uploaded files (store_uploads.h). */
#include "hilo/store_uploads.h"

#include "hilo/common.h"
#include "hilo/keys.h"
#include "internal.h"

static int put_argv(struct hilo_store_cmd *c, const struct hilo_store_upload *op)
{
    hilo_cmd_start(c, "HSET");
    if (hilo_cmd_key(c, 0, HILO_K_UPLOAD, op->id) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "data");
    hilo_cmd_addn(c, op->data, op->len);
    hilo_cmd_add(c, "mime");
    hilo_cmd_add(c, op->mime);
    hilo_cmd_add(c, "size");
    hilo_cmd_num(c, 0, (uint64_t)op->len);
    hilo_cmd_add(c, "name");
    hilo_cmd_add(c, op->name);
    hilo_cmd_add(c, "customer");
    hilo_cmd_add(c, op->customer);
    hilo_cmd_add(c, "ticket");
    hilo_cmd_add(c, op->ticket);
    hilo_cmd_add(c, "at");
    hilo_cmd_num(c, 1, op->at_ms);
    return hilo_cmd_finish(c);
}

static int expire_argv(struct hilo_store_cmd *c, const struct hilo_store_upload *op)
{
    hilo_cmd_start(c, "PEXPIRE");
    if (hilo_cmd_key(c, 0, HILO_K_UPLOAD, op->id) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, op->ttl_ms > 0 ? op->ttl_ms : 1);
    return hilo_cmd_finish(c);
}

int hilo_store_upload_put(struct hilo_redis *r, const struct hilo_store_upload *op,
                          hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    struct hilo_tx tx;
    hilo_tx_begin(&tx, r);
    hilo_cmd_tx_built(&tx, put_argv(&c, op), &c);
    hilo_cmd_tx_built(&tx, expire_argv(&c, op), &c);
    return hilo_tx_commit(&tx, cb, data);
}

int hilo_store_upload_get_argv(struct hilo_store_cmd *c, const char *id)
{
    hilo_cmd_start(c, "HGETALL");
    return hilo_cmd_key(c, 0, HILO_K_UPLOAD, id) < 0 ? -HILO_EINTERNAL : hilo_cmd_finish(c);
}

int hilo_store_upload_get(struct hilo_redis *r, const char *id, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_upload_get_argv(&c, id), &c, cb, data);
}

int hilo_store_upload_set_ticket(struct hilo_redis *r, const char *id, const char *ref,
                                 hilo_redis_cb cb, void *data)
{
    /* sent just after the file was stored, days before its TTL ends */
    struct hilo_store_cmd c;
    hilo_cmd_start(&c, "HSET");
    if (hilo_cmd_key(&c, 0, HILO_K_UPLOAD, id) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(&c, "ticket");
    hilo_cmd_add(&c, ref);
    return hilo_cmd_send_built(r, hilo_cmd_finish(&c), &c, cb, data);
}

int hilo_store_upload_del(struct hilo_redis *r, const char *id, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    hilo_cmd_start(&c, "DEL");
    if (hilo_cmd_key(&c, 0, HILO_K_UPLOAD, id) < 0)
        return -HILO_EINTERNAL;
    return hilo_cmd_send_built(r, hilo_cmd_finish(&c), &c, cb, data);
}

int hilo_store_upload_ttl_argv(struct hilo_store_cmd *c, const char *id)
{
    hilo_cmd_start(c, "PTTL");
    return hilo_cmd_key(c, 0, HILO_K_UPLOAD, id) < 0 ? -HILO_EINTERNAL : hilo_cmd_finish(c);
}
