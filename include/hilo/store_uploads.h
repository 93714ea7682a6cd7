/* Typed store operations for the widget's uploaded files
 * (src/store/uploads.c; docs/data-model.md "Uploads"). Conventions as in
 * store_records.h. */
#ifndef HILO_STORE_UPLOADS_H
#define HILO_STORE_UPLOADS_H

#include <stddef.h>
#include <stdint.h>

#include "hilo/store.h"

/* One uploaded file: HSET upload:<id> data mime size name customer ticket
 * at, then PEXPIRE upload:<id> ttl_ms, in one MULTI (the bytes and what
 * they are expire together). The callback gets the EXEC reply. */
struct hilo_store_upload {
    const char *id;       /* "u" + 32 hex */
    const char *data;     /* the bytes (borrowed) */
    size_t len;
    const char *mime;     /* sniffed: image/png, ..., application/pdf */
    const char *name;     /* sanitised file name */
    const char *customer; /* the uploader */
    const char *ticket;   /* the ticket it was sent to */
    uint64_t at_ms;
    uint64_t ttl_ms;      /* the retention */
};
int hilo_store_upload_put(struct hilo_redis *r, const struct hilo_store_upload *op,
                          hilo_redis_cb cb, void *data);
/* HGETALL upload:<id>: an empty array when it expired or never was. */
int hilo_store_upload_get_argv(struct hilo_store_cmd *c, const char *id);
int hilo_store_upload_get(struct hilo_redis *r, const char *id, hilo_redis_cb cb, void *data);
/* PTTL upload:<id> (tests and operators: the retention left). */
int hilo_store_upload_ttl_argv(struct hilo_store_cmd *c, const char *id);
/* HSET upload:<id> ticket <ref>: a file that opened a ticket learns which;
 * cb may be NULL. */
int hilo_store_upload_set_ticket(struct hilo_redis *r, const char *id, const char *ref,
                                 hilo_redis_cb cb, void *data);
/* DEL upload:<id> (a resend's copy, when the first one is in the thread). */
int hilo_store_upload_del(struct hilo_redis *r, const char *id, hilo_redis_cb cb, void *data);

#endif
