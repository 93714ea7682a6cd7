/* Provider webhooks: verify and parse through the channel table
 * (channels.h), join each message to the right ticket, store it durably,
 * then answer (docs/delivery.md, docs/internals/inbound.md).
 *
 * The entry point is hilo_webhook_handle (also declared in http.h, which
 * the network layer calls today). The rest of this header is the pure
 * half: the decisions of the pipeline, without Redis or sockets, unit
 * tested in tests/unit/test_inbound_rules.c. */
#ifndef HILO_INBOUND_H
#define HILO_INBOUND_H

#include <stddef.h>

#include "hilo/channels.h"
#include "hilo/outbound_route.h"
#include "hilo/ref.h"

struct hilo_http;

/* /webhooks/... : answers every request exactly once. */
void hilo_webhook_handle(struct hilo_http *r);

/* ---- which ticket a message goes to ----------------------------------------- */

/* The first valid reference (8 or 9 digits, spaces or dashes allowed, check
 * digit right) in a text: 0 and out, or -1. */
int hilo_inbound_find_ref(const char *text, char out[HILO_REF_MAX]);
/* The ticket a message names, in the order of docs/delivery.md: the ticket
 * of the email it answers (msgid_ref, the value stored for its Message-Id;
 * NULL or "" if none), the provider's hint (plus-address), a reference in
 * the text, then in the subject. 0 and out, or -1 (then: the sender's
 * current ticket, else a new one). */
int hilo_inbound_quoted_ref(const struct hilo_inbound *m, const char *msgid_ref,
                            char out[HILO_REF_MAX]);
/* May a message join a ticket whose summary says status and customer?
 * Not when it is closed, unknown, or has no customer. */
int hilo_inbound_ticket_takes(const char *status, const char *customer);

/* ---- what is written -------------------------------------------------------- */

/* The sender's identity: "phone:+1650..." or "email:a@b.c" (by the
 * channel's row), "bsuid:US.1349..." for a WhatsApp sender known only by
 * its business-scoped user id. A withheld caller id is nobody's identity: it becomes
 * "withheld:<provider id>", one conversation per call or message that
 * never matches another. 0, or -1 when it does not fit n. */
int hilo_inbound_identity(const struct hilo_inbound *m, char *out, size_t n);
/* The sender's second identity, asserted by the provider in the same
 * signed message: "bsuid:<id>" when a WhatsApp message has both a phone
 * number (the identity) and a business-scoped user id; else "". 0, or -1
 * when it does not fit n. */
int hilo_inbound_identity2(const struct hilo_inbound *m, char *out, size_t n);
/* Is a phone sender a withheld caller id ("Anonymous", "Restricted",
 * Twilio's placeholder numbers, empty)? */
int hilo_inbound_withheld(const char *from);
/* The Message-Id an email answers, without <>: In-Reply-To, else the last
 * of References; "" when none. */
void hilo_inbound_reply_id(const struct hilo_inbound *m, char *out, size_t n);
/* A message without text (an unknown type, say) shows what it was:
 * "[sticker]". 0, or -1 (memory). */
int hilo_inbound_fill_text(struct hilo_inbound *m);
/* The ticket fields that reach the customer on this channel again, as
 * field, value pairs into out (room for HILO_INBOUND_MAX_FIELDS strings):
 * addr:<channel>, wa_via for a channel with several rows, the email
 * threading fields. Strings are borrowed from m, the row and addrkey (n >=
 * 40). Returns the count of strings. */
#define HILO_INBOUND_MAX_FIELDS 12
int hilo_inbound_ticket_fields(const struct hilo_inbound *m, const char **out, char *addrkey,
                               size_t n);
/* The same fields as the outbox's route reads them from a new ticket
 * (hilo_outbox_ticket_fields order), for the acknowledgement's route. */
void hilo_inbound_route_fields(const struct hilo_inbound *m, const char *const *pairs, int npairs,
                               const char *locale, const char *f[HILO_OUTBOX_NFIELDS]);

/* ---- what the write's outcome decides (issue #8) ---------------------------- */

enum hilo_inbound_next {
    HILO_INBOUND_STORED,     /* stored (or already was): the follow-up writes, the dedupe mark */
    HILO_INBOUND_NEW_TICKET, /* the ticket was closed under the write: a new ticket */
    HILO_INBOUND_RETRY,      /* nothing stored: 503, the provider retries */
    HILO_INBOUND_FAIL,       /* nothing stored: 500 */
};
/* After the APPEND of a message: its error value (0 or -HILO_E*). The
 * dedupe mark is set only on STORED, after the write; never beside it. */
enum hilo_inbound_next hilo_inbound_after_append(int err);

/* ---- held messages (docs/continuity.md) --------------------------------------- */

/* A message as it waits in a hold: JSON of its fields and kind ("message",
 * "call"); caller frees. NULL: no memory. */
char *hilo_inbound_held_json(const struct hilo_inbound *m, const char *kind);
/* The message back (one item, next NULL; hilo_inbound_free), its kind into
 * kind; NULL when js is not a held message. */
struct hilo_inbound *hilo_inbound_from_held(const char *js, size_t len, char *kind, size_t kn);
/* Is a text a confirmation code: six digits (spaces or dashes between
 * them allowed) and nothing else? 0 and the digits, or -1. */
int hilo_inbound_code(const char *text, char out[7]);

/* ---- voice ------------------------------------------------------------------ */

enum hilo_voice_kind {
    HILO_VOICE_INCOMING,      /* /webhooks/twilio/voice */
    HILO_VOICE_GATHER,        /* .../gather: the digits keyed in */
    HILO_VOICE_RECORDING,     /* .../recording: the voicemail */
    HILO_VOICE_TRANSCRIPTION, /* .../transcription */
    HILO_VOICE_STATUS,        /* .../status: the call ended */
    HILO_VOICE_CSAT,          /* .../csat: the satisfaction key pressed at the end */
};
/* The kind of a voice webhook path, or -1. */
int hilo_voice_kind_of(const char *path);

#endif
