/* Inbound messages of a blocked identity: kept apart, never threaded. */
#include "blocked.h"

#include <stdlib.h>

#include "hilo/common.h"
#include "hilo/log.h"
#include "hilo/server.h"
#include "hilo/store_customers.h"

#define SEEN_TTL 2592000 /* as the pipeline's dedupe marks */

struct blocked_job {
    struct in_op *op;
    hilo_redis_cb done;
};

static void kept_cb(redisReply *reply, void *data)
{
    struct blocked_job *b = data;
    struct in_op *op = b->op;
    hilo_redis_cb done = b->done;
    free(b);
    if (op->voice && reply && hilo_store_err(reply) == 0) {
        in_done(op); /* nothing is recorded, nothing is said */
        return;
    }
    done(reply, op);
}

int in_blocked_store(struct in_op *op, hilo_redis_cb done)
{
    const struct hilo_inbound *m = op->cur;
    struct blocked_job *b = malloc(sizeof *b);
    struct hilo_store_blocked_in in = {
        .identity = op->identity, .channel = m->channel, .provider = m->provider,
        .provider_id = m->provider_id, .from_name = m->from_name, .text = m->text,
        .at_ms = hilo_now_ms(), .seen_ttl_s = SEEN_TTL,
    };
    if (!b)
        return -HILO_EUNAVAIL;
    b->op = op;
    b->done = done;
    hilo_info("inbound: %s message of a blocked identity kept apart", m->channel);
    if (hilo_store_blocked_in(op->s->redis, &in, kept_cb, b) < 0) {
        free(b);
        return -HILO_EUNAVAIL;
    }
    return 0;
}
