/* What the inbound files share (pipeline.c, hooks.c, voice.c); not part of
 * the public interface (include/hilo/inbound.h). */
#ifndef HILO_INBOUND_INTERNAL_H
#define HILO_INBOUND_INTERNAL_H

#include <hiredis/hiredis.h>

#include "hilo/channels.h"
#include "hilo/holds.h"
#include "hilo/inbound.h"
#include "hilo/ref.h"
#include "hilo/store.h"

struct hilo_http;
struct hilo_server;

enum in_answer { IN_ANSWER_OK, IN_ANSWER_TWIML_EMPTY };

/* Where the pipeline is in choosing a message's ticket (step_cb). */
enum in_step {
    IN_STEP_NONE,
    IN_STEP_SEEN,        /* [seen, ident, msgid] */
    IN_STEP_QUOTED,      /* summary of a quoted ticket */
    IN_STEP_CURRENT_REF, /* the sender's current ticket's reference */
    IN_STEP_CURRENT,     /* summary of the sender's current ticket */
};

/* Where a call is in finding the caller's ticket (voice.c). */
enum in_voice_step {
    IN_VOICE_CALLER,  /* the caller's customer, by phone identity */
    IN_VOICE_CURRENT, /* that customer's current ticket */
    IN_VOICE_TICKET,  /* its status, locale, customer */
    IN_VOICE_FOLLOWUP, /* the locale of a known call's ticket */
};

/* One webhook request being processed: its messages one after the other.
 * Owns the lists, the call and a reference on the request. */
struct in_op {
    struct hilo_http *r;
    struct hilo_server *s;
    struct hilo_inbound *msgs, *cur;
    struct hilo_delivery *statuses, *curst;
    char st_ref[32], st_ev[48]; /* the status's ticket and event (late_cb, status_done_cb) */
    enum in_answer answer;
    const char *provider; /* of the statuses: the row's provider name */
    /* per message */
    char identity[300];
    char identity2[300]; /* "bsuid:..." beside a phone identity, or "" (linked
                          * only when nobody else holds it) */
    char cid[40];  /* the sender's customer, if known */
    char ref[HILO_REF_MAX];
    char tcust[40]; /* the target ticket's customer */
    char status[16];
    char locale[4];
    enum in_step step;
    /* voice */
    struct hilo_call call;
    int voice;
    enum hilo_voice_kind voice_kind;
    enum in_voice_step vstep;
    char twiml_text[600];
    char replay_digest[65]; /* what the signature's token was claimed for */
    /* held joins (holds.c) */
    char hold[HILO_HOLD_ID_MAX];    /* the sender's pending hold, if any */
    char code[7];                   /* the code the message is ('' = none) */
    char msgid_ref[HILO_REF_MAX];   /* ref of the email this answers ('' = none) */
    char qref[HILO_REF_MAX];        /* the reference a held message names */
    int real;                       /* it names a ticket that could take it */
    char newhold[HILO_HOLD_ID_MAX]; /* the hold being opened */
    char owner_code[7];             /* its code, until sent */
    int ask_code;                   /* a call's answer asks for the code (voice.c) */
};

struct in_op *in_op_new(struct hilo_http *r, enum in_answer answer);
void in_op_free(struct in_op *op);
void in_answer_error(struct hilo_http *r, int status, const char *code, const char *msg);
/* Answers with xml (taken; NULL -> 500). */
void in_answer_twiml(struct hilo_http *r, char *xml);
/* Answers 200 (JSON or empty TwiML) and frees op. */
void in_done(struct in_op *op);
/* Answers 503 (-HILO_EUNAVAIL: nothing stored, retry) or 500, frees op. */
void in_fail(struct in_op *op, int err);
/* Stores op->msgs, then the statuses, then answers (pipeline.c). */
void in_run(struct in_op *op);
/* Chooses the ticket of op->cur and stores it (pipeline.c). */
void in_start_message(struct in_op *op);
/* Appends op->cur to op->ref (HILO_APPEND_MESSAGE or _CALL); a ticket
 * closed under the write sends it to a new one. */
void in_write_append(struct in_op *op, enum hilo_append_op kind);
/* The event's extra JSON (type, provider, subject); caller frees. */
char *in_event_extra(const struct hilo_inbound *m);

/* Sets the dedupe mark of op->cur (stored on ref) in tx. */
void in_tx_mark_seen(struct hilo_tx *tx, struct in_op *op, const char *ref);
/* The message is handled: the next one (or the statuses). */
void in_message_done(struct in_op *op);
/* The ticket op->cur goes to when it is no code for a hold: quoted, the
 * sender's current, or new (pipeline.c). */
void in_route(struct in_op *op);

/* holds.c (docs/continuity.md) */
/* op->cur names ref (op->real: a ticket that could take it) and its sender
 * is not proven for it: held (or added to the sender's pending hold). */
void in_hold(struct in_op *op, const char *ref, int real);
/* op->cur is op->code for the sender's pending hold op->hold. */
void in_hold_try(struct in_op *op);

/* voice.c */
/* Answers a call with text and hangs up; frees op. */
void in_voice_say(struct in_op *op, const char *text);
/* Answers a held call with text and a <Gather> of its 6-digit code, in the
 * same call (docs/continuity.md); frees op. */
void in_voice_ask_code(struct in_op *op, const char *text);
/* A verified voice webhook of kind (enum hilo_voice_kind, or -1). */
void in_voice(struct hilo_http *r, const struct hilo_http_in *in, int kind);
/* A call was stored on op->ref: remember its ticket and answer. */
void in_voice_stored(struct in_op *op);
/* The ticket's locale is known (op->locale): the call's "incoming" label
 * on op->cur follows it (issue #10: voice in the ticket's language). */
void in_voice_relabel(struct in_op *op);

#endif
