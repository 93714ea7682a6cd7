/* Inbound messages of a blocked identity (docs/continuity.md "Merge, undo
 * and blocking"): the pipeline's one hook (pipeline.c, step IN_STEP_SEEN). */
#ifndef HILO_INBOUND_BLOCKED_H
#define HILO_INBOUND_BLOCKED_H

#include "internal.h"

/* Keeps op->cur apart for agents (never in a thread, no ticket, no
 * acknowledgement) with its dedupe mark, then runs done(reply, op) as the
 * pipeline's "stored" step; a call is answered with empty TwiML instead.
 * 0, or -HILO_EUNAVAIL (done never runs). */
int in_blocked_store(struct in_op *op, hilo_redis_cb done);

#endif
