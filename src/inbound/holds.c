/* Held joins on the inbound side (docs/continuity.md): a message that names
 * a ticket whose customer its sender is not proven for is held, whatever
 * the ticket (real, another's, closed, made up): the sender gets the same
 * answer; a code goes to a channel already proven for a real ticket. A code
 * written back on the held channel confirms the hold. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/holds.h"
#include "hilo/i18n.h"
#include "hilo/log.h"
#include "hilo/outbound_route.h"
#include "hilo/server.h"
#include "hilo/store.h"
#include "hilo/store_holds.h"
#include "hilo/store_index.h"
#include "hilo/store_records.h"
#include "internal.h"

#define HOUR_MS 3600000ull

/* The language of what a held sender is told: guessed from its own words,
 * never the ticket's (that would tell a real ticket from a made-up one). */
static const char *sender_lang(struct in_op *op)
{
    return hilo_i18n_guess(op->cur->text, op->s->cfg->default_locale);
}

/* Stored: a call hears text (and may key in the code: op->ask_code); a
 * message is done. */
static void answered(struct in_op *op, const char *text)
{
    if (op->voice) {
        if (op->ask_code)
            in_voice_ask_code(op, text);
        else
            in_voice_say(op, text);
        return;
    }
    in_message_done(op);
}

static void stored_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    op->ask_code = 1; /* a held call: the code may be keyed in now */
    answered(op, hilo_i18n_hold(sender_lang(op), "held_voice"));
}

/* A hold event (and counter) on the named ticket: nothing if it is not real. */
static void tx_ticket_event(struct hilo_tx *tx, struct in_op *op, const char *ref, const char *id,
                            const char *what, const char *text, const char *counter)
{
    struct hilo_store_argv a;
    json_t *x = json_pack("{s:s, s:s, s:s, s:s}", "hold", id, "hold_event", what, "identity",
                          op->identity, "channel", op->cur->channel);
    char *js = x ? json_dumps(x, JSON_COMPACT) : NULL;
    json_decref(x);
    struct hilo_store_holdev ev = {.chan = op->s->events_channel, .ref = ref, .text = text,
                                   .extra = js ? js : "{}", .counter = counter};
    int rc = hilo_store_holdev_argv(&a, &ev);
    /* the argv points into js: it is copied by hilo_tx_add_argv, freed after */
    if (rc < 0) {
        if (tx->rc == 0)
            tx->rc = rc;
    } else {
        hilo_tx_add_argv(tx, &a);
    }
    free(js);
}

/* ---- one more message for a pending hold ------------------------------------ */

static void added_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    struct hilo_tx tx;
    if (!reply || hilo_store_err(reply) < 0) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    /* added (or the hold is full or just decided): the mark, then on */
    hilo_tx_begin(&tx, op->s->redis);
    char pref[16];
    snprintf(pref, sizeof pref, "h%s", op->hold);
    in_tx_mark_seen(&tx, op, pref);
    if (hilo_tx_commit(&tx, stored_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}

/* ---- opening a hold ---------------------------------------------------------- */

static void open_hold(struct in_op *op, const redisReply *route);

static void route_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    if (!reply) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    open_hold(op, reply);
}

static void limited_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    answered(op, hilo_i18n_hold(sender_lang(op), "rate"));
}

static void counted_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    const struct hilo_config *c = op->s->cfg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER ||
        reply->element[1]->type != REDIS_REPLY_INTEGER) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    long long by_id = reply->element[0]->integer, by_ticket = reply->element[1]->integer;
    if (by_id > c->ref_attempts_identity) {
        /* rate_limited: told once per window, then silence (no echo loop) */
        struct hilo_tx tx;
        hilo_warn("inbound %s: reference attempts of %s over the limit", op->cur->channel,
                  op->identity);
        hilo_tx_begin(&tx, op->s->redis);
        in_tx_mark_seen(&tx, op, "-");
        if (by_id == c->ref_attempts_identity + 1 && !op->voice) {
            char id[HILO_HOLD_ID_MAX];
            hilo_hold_new_id(id);
            hilo_holds_tx_notice(&tx, op->s, id, "rate", op->cur, sender_lang(op),
                                 hilo_i18n_hold(sender_lang(op), "rate"));
        }
        if (hilo_tx_commit(&tx, limited_cb, op) < 0)
            in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    hilo_hold_new_id(op->newhold);
    /* every hold has a code; only a real ticket under its limit sends it
     * (a made-up reference takes wrong codes exactly like a real one) */
    hilo_hold_new_code(op->owner_code);
    if (!op->real || by_ticket > c->ref_attempts_ticket) {
        open_hold(op, NULL);
        return;
    }
    struct hilo_store_ticket_fields tf = {
        .ref = op->qref, .fields = hilo_outbox_ticket_fields, .nfields = HILO_OUTBOX_NFIELDS};
    if (hilo_store_ticket_fields(op->s->redis, &tf, route_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}

void in_hold(struct in_op *op, const char *ref, int real)
{
    struct hilo_tx tx;
    char *msg;
    snprintf(op->qref, sizeof op->qref, "%s", ref);
    op->real = real;
    if (op->hold[0]) {
        /* the sender waits already: the message joins its hold */
        msg = hilo_inbound_held_json(op->cur, op->voice ? "call" : "message");
        int rc = msg ? hilo_store_hold_add(op->s->redis, op->hold, msg, HILO_HOLD_MAX_MSGS,
                                           added_cb, op)
                     : -HILO_EINTERNAL;
        free(msg);
        if (rc < 0)
            in_fail(op, rc);
        return;
    }
    /* attempts by this identity and on this reference, made up or not */
    uint64_t win = (uint64_t)op->s->cfg->ref_attempt_window * 1000ull;
    struct hilo_store_rate by_id = {.scope = "id", .key = op->identity, .window_ms = win};
    struct hilo_store_rate by_tk = {.scope = "tk", .key = ref, .window_ms = win};
    hilo_tx_begin(&tx, op->s->redis);
    hilo_tx_rate_hit(&tx, &by_id);
    hilo_tx_rate_hit(&tx, &by_tk);
    if (hilo_tx_commit(&tx, counted_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}

/* The hold, its indexes, the sender's notice, the owner's code, the event
 * on the ticket and the dedupe mark: one transaction. route: the ticket's
 * route fields when the code goes out, else NULL. */
static void open_hold(struct in_op *op, const redisReply *route)
{
    struct hilo_server *s = op->s;
    const char *lang = sender_lang(op);
    char hash[65], exp[24], text[600], masked[80], evtext[300], pref[16];
    uint64_t now = hilo_now_ms();
    const char *code_to = "";
    const char *rf[HILO_OUTBOX_NFIELDS];
    struct hilo_tx tx;
    int send_code = route && route->type == REDIS_REPLY_ARRAY &&
                    route->elements == HILO_OUTBOX_NFIELDS;

    if (send_code) {
        for (int i = 0; i < HILO_OUTBOX_NFIELDS; i++)
            rf[i] = route->element[i]->type == REDIS_REPLY_STRING ? route->element[i]->str : "";
        struct hilo_route_choice rc;
        code_to = hilo_route_decide(s->cfg, NULL, rf, &rc) == 0 && rc.channel ? rc.channel : "web";
    }
    hilo_hold_code_hash(op->newhold, op->owner_code, hash);
    snprintf(exp, sizeof exp, "%llu", (unsigned long long)(now + HILO_HOLD_CODE_MS));
    char *msg = hilo_inbound_held_json(op->cur, op->voice ? "call" : "message");
    if (!msg) {
        in_fail(op, -HILO_EINTERNAL);
        return;
    }
    const char *fields[] = {
        "id", op->newhold, "ref", op->qref, "identity", op->identity, "channel", op->cur->channel,
        "from", op->cur->from, "locale", lang, "customer", op->real ? op->tcust : "",
        "code_hash", hash, "code_exp", exp, "code_to", code_to,
    };
    struct hilo_store_hold_open ho = {.id = op->newhold, .now_ms = now, .ttl_s = HILO_HOLD_TTL_S,
                                      .msg = msg, .fields = fields,
                                      .nfields = (int)HILO_ARRAY_LEN(fields)};
    snprintf(pref, sizeof pref, "h%s", op->newhold);
    hilo_tx_begin(&tx, s->redis);
    hilo_tx_hold_open(&tx, &ho);
    hilo_tx_holds_add(&tx, op->newhold, now);
    hilo_tx_hold_by_set(&tx, op->identity, op->newhold, HILO_HOLD_TTL_S);
    in_tx_mark_seen(&tx, op, pref);
    if (!op->voice)
        hilo_holds_tx_notice(&tx, s, op->newhold, "held", op->cur, lang,
                             hilo_i18n_hold(lang, "held"));
    if (op->real) {
        hilo_tx_ticket_holds_add(&tx, op->qref, op->newhold, now);
        snprintf(evtext, sizeof evtext, "Held: %s %s asks to join this case (%s)",
                 op->cur->channel, op->cur->from,
                 send_code ? "a code was sent to the customer" : "no code sent: too many attempts");
        tx_ticket_event(&tx, op, op->qref, op->newhold, "held", evtext, "holds");
    }
    if (send_code) {
        hilo_hold_mask(op->cur->from, masked, sizeof masked);
        hilo_i18n_hold_code(rf[HILO_OUTBOX_NFIELDS - 1], op->qref, op->cur->channel, masked,
                            op->owner_code, text, sizeof text);
        hilo_holds_tx_send(&tx, s, op->newhold, "code", NULL, rf, text);
        /* and to the customer's open widget (customers only, never stored) */
        json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "type", "verify", "ticket",
                              op->qref, "channel", op->cur->channel, "from", masked, "code",
                              op->owner_code, "expires_at", (json_int_t)(now + HILO_HOLD_CODE_MS));
        char *vj = v ? json_dumps(v, JSON_COMPACT) : NULL;
        json_decref(v);
        if (vj) {
            size_t n = strlen(op->qref) + strlen(vj) + 3;
            char *payload = malloc(n);
            if (payload) {
                snprintf(payload, n, "%s\nV%s", op->qref, vj);
                struct hilo_store_cmd c;
                struct hilo_store_publish p = {.channel = s->events_channel, .message = payload};
                if (hilo_store_publish_argv(&c, &p) == 0)
                    hilo_tx_add_cmd(&tx, &c);
                free(payload);
            }
            free(vj);
        }
    }
    free(msg);
    sodium_memzero(op->owner_code, sizeof op->owner_code);
    if (hilo_tx_commit(&tx, stored_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}

/* ---- a code for a pending hold ------------------------------------------------ */

static void try_answered_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    answered(op, op->twiml_text);
}

/* A wrong or dead code: the sender is told, the ticket counts a failure. */
static void try_failed(struct in_op *op, const char *ref, const char *what)
{
    struct hilo_tx tx;
    const char *lang = sender_lang(op);
    char pref[16], text[200];
    snprintf(pref, sizeof pref, "h%s", op->hold);
    snprintf(op->twiml_text, sizeof op->twiml_text, "%s", hilo_i18n_hold(lang, what));
    op->ask_code = strcmp(what, "code_bad") == 0; /* a call may try again */
    hilo_tx_begin(&tx, op->s->redis);
    in_tx_mark_seen(&tx, op, pref);
    if (!op->voice)
        hilo_holds_tx_notice(&tx, op->s, op->hold, what, op->cur, lang, op->twiml_text);
    if (ref && hilo_ref_normalize(ref, text) == 0) {
        char evtext[300];
        snprintf(evtext, sizeof evtext, "Wrong confirmation code from %s %s%s", op->cur->channel,
                 op->cur->from, strcmp(what, "code_dead") == 0 ? " (no tries left)" : "");
        tx_ticket_event(&tx, op, text, op->hold, "code_failed", evtext, "hold_failures");
    }
    if (hilo_tx_commit(&tx, try_answered_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}

static void joined(int err, const char *ref, void *data)
{
    struct in_op *op = data;
    struct hilo_tx tx;
    if (err == -HILO_EUNAVAIL) {
        in_fail(op, err); /* the provider retries: the join picks up where it stopped */
        return;
    }
    if (err < 0) {
        hilo_warn("hold %s: confirmed, but the join failed: %s", op->hold, hilo_err_code(err));
        try_failed(op, NULL, "code_dead");
        return;
    }
    hilo_i18n_hold_connected(sender_lang(op), ref, op->twiml_text, sizeof op->twiml_text);
    hilo_tx_begin(&tx, op->s->redis);
    in_tx_mark_seen(&tx, op, ref);
    if (hilo_tx_commit(&tx, try_answered_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}

static void tried_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    if (!reply || hilo_store_err(reply) < 0 || reply->type != REDIS_REPLY_ARRAY ||
        reply->elements < 1 || reply->element[0]->type != REDIS_REPLY_STRING) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    const char *v = reply->element[0]->str;
    const char *ref = reply->elements >= 2 && reply->element[reply->elements - 1]->type ==
                                                  REDIS_REPLY_STRING
                          ? reply->element[reply->elements - 1]->str
                          : NULL;
    if (strcmp(v, "ok") == 0) {
        int rc = hilo_holds_join(op->s, op->hold, "code", "", joined, op);
        if (rc < 0)
            in_fail(op, rc);
    } else if (strcmp(v, "bad") == 0) {
        try_failed(op, ref, "code_bad");
    } else if (strcmp(v, "dead") == 0) {
        try_failed(op, ref, "code_dead");
    } else {
        /* the hold was decided meanwhile: an ordinary message */
        op->hold[0] = op->code[0] = '\0';
        in_route(op);
    }
}

void in_hold_try(struct in_op *op)
{
    char hash[65];
    hilo_hold_code_hash(op->hold, op->code, hash);
    struct hilo_store_hold_try t = {.id = op->hold, .code_hash = hash, .now_ms = hilo_now_ms(),
                                    .max_tries = HILO_HOLD_TRIES};
    if (hilo_store_hold_try(op->s->redis, &t, tried_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}
