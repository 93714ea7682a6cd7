/* What the outbox's files share (outbox.c, send.c, webhooks.c); not part of
 * the public interface. */
#ifndef HILO_OUTBOUND_INTERNAL_H
#define HILO_OUTBOUND_INTERNAL_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#include "hilo/outbound_retry.h"
#include "hilo/outbox.h"

struct hilo_outbox {
    struct hilo_outbox_deps d;
    struct hilo_fetch *fetch;
    uv_timer_t tick;
    int reading, claiming, moving, group_ok;
    int inflight;
    uint64_t last_claim, last_move;
    char consumer[40];
    void (*done)(void *);
    void *done_data;
    int closing;
};

/* One stream entry being sent; owned by the outbox until ob_finish or
 * ob_job_free. */
struct ob_job {
    struct hilo_outbox *o;
    char id[48];       /* stream entry id */
    json_t *e;         /* entry fields, all strings */
    char ev[48];       /* event id */
    char provider[16]; /* names the provider id's key: "whatsapp", "twilio", "email" */
    uint64_t started_ms; /* when this attempt's request started */
};

/* An entry's field, "" when absent. */
const char *ob_field(json_t *e, const char *k);
/* The entry's attempt counter (attempts made before this one). */
int ob_attempts(json_t *e);
/* A free-form WhatsApp entry that WhatsApp refused with 131047 becomes its
 * late template (late_tpl, late_lang, late_params -> tpl...): 1, or 0 when
 * it has none or already is a template. hilo_route_plan_entry. */
int ob_take_late_template(json_t *e);
/* {"route": {...}} of a late template's delivery (route code
 * wa_template_late, the template e carries now); caller owns. */
json_t *ob_late_route(json_t *e);
/* Records the attempt's outcome in one transaction (delivery record,
 * acknowledgement, then the retry, the dead letter or the provider id) and
 * frees j. pid: the provider's message id, or NULL. retry_after_s: a
 * Retry-After to honour, or -1. */
void ob_finish(struct ob_job *j, enum hilo_verdict v, const char *pid, const char *error,
               long retry_after_s);
/* Forgets j without acknowledging it: the entry is claimed again later. */
void ob_job_free(struct ob_job *j);
/* EXEC's callback of a transaction that settles j. */
void ob_finished_cb(redisReply *reply, void *data);
/* Sends an entry for a provider (send.c). */
void ob_send_now(struct ob_job *j);
/* ob_send_now unless the address is a blocked identity's: then the
 * delivery fails with "identity_blocked" and nothing is sent (blocked.c). */
void ob_send_checked(struct ob_job *j);
/* A look-up's result (lookup.c): found 1 (pid: the provider's id), 0 not
 * there, -1 the look-up failed (why says how). */
struct hilo_channel_ops;
typedef void (*ob_lookup_cb)(struct ob_job *j, int found, const char *pid, const char *why);
/* Can the provider of ops say whether a message arrived? */
int ob_lookup_available(const struct hilo_channel_ops *ops);
/* Asks it for j's message (uses the entry's to, text and unk_at); cb runs
 * once, maybe at once. */
void ob_lookup_start(struct ob_job *j, const struct hilo_channel_ops *ops, ob_lookup_cb cb);
/* Queues in tx what a permanent failure of (ref, event_id) changes besides
 * the dead letter ob_finish files: the 'undelivered' event and the ticket
 * (undelivered.c). */
struct hilo_tx;
int ob_tx_undelivered(struct hilo_tx *tx, struct hilo_outbox *o, const char *ref,
                      const char *event_id, const char *error);
/* Posts a ticket's new events to the webhook (webhooks.c). */
void ob_webhook_start(struct ob_job *j);

#endif
