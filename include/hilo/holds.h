/* Held joins (docs/continuity.md): a message from an identity that is not
 * proven for the customer of the ticket it names waits in a hold until the
 * sender confirms a one-time code or an agent decides. src/domain/holds.c
 * does what follows a decision (the join, a rejection) and the notices;
 * src/inbound/holds.c opens holds and takes codes. */
#ifndef HILO_HOLDS_H
#define HILO_HOLDS_H

#include <stdint.h>

#include "hilo/channels.h"
#include "hilo/outbound_route.h"
#include "hilo/store_holds.h"

struct hilo_server;
struct hilo_tx;

#define HILO_HOLD_TTL_S (7 * 86400)        /* a hold waits a week for a decision */
#define HILO_HOLD_CODE_MS (10 * 60 * 1000) /* a code lives 10 minutes */
#define HILO_HOLD_TRIES 3                  /* and takes 3 wrong tries */
#define HILO_HOLD_MAX_MSGS 50              /* messages one hold keeps */

/* A new hold id: 8 random hex digits. */
void hilo_hold_new_id(char id[HILO_HOLD_ID_MAX]);
/* A new 6-digit code, uniformly random. */
void hilo_hold_new_code(char code[7]);
/* What Redis keeps of a code: SHA-256 hex of "<hold id>:<code>". */
void hilo_hold_code_hash(const char *id, const char *code, char out[65]);
/* "+1 *** *** 34 12" style: enough for the owner to recognise, no more. */
void hilo_hold_mask(const char *addr, char *out, size_t n);

/* Queues in tx a notice to the sender of m on m's channel (a voice sender
 * by SMS when configured), as an outbox entry of pseudo-ticket "h<id>"
 * keyed key. Nothing for a channel that cannot be reached. */
void hilo_holds_tx_notice(struct hilo_tx *tx, struct hilo_server *s, const char *id,
                          const char *key, const struct hilo_inbound *m, const char *locale,
                          const char *text);

/* The same to the route fields of a ticket (hilo_outbox_ticket_fields
 * order); want: the channel asked for ("" / NULL: the last one). */
void hilo_holds_tx_send(struct hilo_tx *tx, struct hilo_server *s, const char *id,
                        const char *key, const char *want,
                        const char *const route[HILO_OUTBOX_NFIELDS], const char *text);

/* err 0 and the ticket's ref, or -HILO_E*: -HILO_EUNKNOWNHOLD (no such
 * hold), -HILO_EBADSTATE (already decided, or the ticket is closed). */
typedef void (*hilo_hold_cb)(int err, const char *ref, void *data);

/* The join of a hold whose status is "joining": its messages are appended
 * to its ticket in order (idempotent: each keeps its provider dedupe key),
 * the identity is linked with evidence how ("code", "agent") and by, the
 * hold is done and the sender told "you're connected to case <ref>". */
int hilo_holds_join(struct hilo_server *s, const char *id, const char *how, const char *by,
                    hilo_hold_cb cb, void *data);
/* An agent's decision: approve (join, evidence "agent" by) or reject (the
 * hold is closed, nothing joins, the sender is told on its channel). */
int hilo_holds_decide(struct hilo_server *s, const char *id, int approve, const char *by,
                      hilo_hold_cb cb, void *data);

#endif
