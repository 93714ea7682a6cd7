/* The last gate before a provider: nothing is sent to a blocked identity
 * (docs/continuity.md "Merge, undo and blocking"), whatever queued it
 * (reply, acknowledgement, retry). */
#include <stdio.h>

#include "hilo/outbound_route.h"
#include "hilo/store_customers.h"
#include "internal.h"

static void block_cb(redisReply *reply, void *data)
{
    struct ob_job *j = data;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        ob_job_free(j); /* claimed again later */
        return;
    }
    if (reply->type == REDIS_REPLY_STRING) {
        ob_finish(j, HILO_V_FAILED, NULL, "identity_blocked", -1);
        return;
    }
    ob_send_now(j);
}

void ob_send_checked(struct ob_job *j)
{
    char ident[400];
    if (hilo_route_identity(ob_field(j->e, "ch"), ob_field(j->e, "to"), ident, sizeof ident) < 0 ||
        hilo_store_blocked_get(j->o->d.redis, ident, block_cb, j) < 0)
        ob_job_free(j); /* claimed again later */
}
