/* Permanent delivery failures, wherever they are learnt: at once (the
 * provider refused the message, or the last attempt failed: outbox.c) or
 * later (a status callback says failed or undelivered: inbound pipeline).
 * Either way the agents see an 'undelivered' event with the reason, live,
 * the ticket waits again instead of looking answered, and the message is a
 * dead letter that can be sent again (script UNDELIV, store_outbox.h). See
 * docs/delivery.md "When a message cannot be delivered". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/log.h"
#include "hilo/metrics.h"
#include "hilo/outbox.h"
#include "hilo/redis.h"
#include "hilo/store.h"
#include "hilo/store_outbox.h"
#include "internal.h"

int ob_tx_undelivered(struct hilo_tx *tx, struct hilo_outbox *o, const char *ref,
                      const char *event_id, const char *error)
{
    struct hilo_store_argv a;
    struct hilo_store_undelivered op = {.chan = o->d.events_channel, .ref = ref,
                                        .event_id = event_id, .error = error ? error : "",
                                        .bury = 0, .at_ms = hilo_now_ms()};
    int rc = hilo_store_undelivered_argv(&a, &op);
    return rc < 0 ? rc : hilo_tx_add_argv(tx, &a);
}

struct undeliv_op {
    void (*cb)(int err, void *data);
    void *data;
    char ref[32], ev[48];
};

static void reported_cb(redisReply *reply, void *data)
{
    struct undeliv_op *op = data;
    int err = 0;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        hilo_warn("outbox: could not record the failed delivery of %s on ticket %s (%s)", op->ev,
                  op->ref, reply ? reply->str : "no reply");
        err = -HILO_EUNAVAIL;
    } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
               reply->element[0]->type == REDIS_REPLY_INTEGER && reply->element[0]->integer == 1) {
        hilo_metrics_inc(HILO_M_OUTBOX_ASYNC_FAILED);
        hilo_warn("outbox: the provider reported message %s of ticket %s undelivered; filed as a "
                  "dead letter", op->ev, op->ref);
    }
    if (op->cb)
        op->cb(err, op->data);
    free(op);
}

int hilo_outbox_undelivered(struct hilo_redis *r, const char *events_channel, const char *ref,
                            const char *event_id, const char *error,
                            void (*cb)(int err, void *data), void *data)
{
    struct hilo_store_argv a;
    struct undeliv_op *op;
    struct hilo_store_undelivered u = {.chan = events_channel, .ref = ref, .event_id = event_id,
                                       .error = error ? error : "", .bury = 1,
                                       .at_ms = hilo_now_ms()};
    int rc = hilo_store_undelivered_argv(&a, &u);
    if (rc < 0)
        return rc;
    if (!(op = calloc(1, sizeof *op)))
        return -ENOMEM;
    op->cb = cb;
    op->data = data;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->ev, sizeof op->ev, "%s", event_id);
    rc = hilo_store_send(r, &a, reported_cb, op);
    if (rc < 0)
        free(op);
    return rc;
}

void hilo_outbox_settled(struct hilo_redis *r, const char *ref, const char *event_id)
{
    struct hilo_store_sent_entry se = {.ref = ref, .event_id = event_id};
    hilo_store_sent_entry_del(r, &se, NULL, NULL);
}
