/* The inbound pipeline: for each message of a webhook, dedupe, choose the
 * ticket (docs/delivery.md "Which ticket a message joins"), write it, and
 * only then answer the provider; then apply the delivery updates. The
 * decisions are in rules.c; see docs/internals/inbound.md. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/http.h"
#include "hilo/i18n.h"
#include "hilo/log.h"
#include "hilo/metrics.h"
#include "hilo/outbox.h"
#include "hilo/redis.h"
#include "hilo/scripts.h"
#include "hilo/server.h"
#include "hilo/store.h"
#include "hilo/store_records.h"
#include "hilo/store_holds.h"
#include "hilo/tickets.h"
#include "blocked.h"
#include "hilo/store_customers.h"
#include "internal.h"
#include "hilo/route_plan.h"

#define SEEN_TTL 2592000

static void next_message(struct in_op *op);
static void next_status(struct in_op *op);

struct in_op *in_op_new(struct hilo_http *r, enum in_answer answer)
{
    struct in_op *op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    hilo_http_ref(r);
    op->r = r;
    op->s = hilo_http_server(r);
    op->answer = answer;
    return op;
}

void in_op_free(struct in_op *op)
{
    hilo_inbound_free(op->msgs);
    hilo_delivery_free(op->statuses);
    if (op->voice)
        hilo_call_free(&op->call);
    hilo_http_unref(op->r);
    free(op);
}

void in_answer_error(struct hilo_http *r, int status, const char *code, const char *msg)
{
    hilo_http_respond_json(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

void in_answer_twiml(struct hilo_http *r, char *xml)
{
    if (!xml) {
        in_answer_error(r, 500, "internal", "Could not build TwiML.");
        return;
    }
    hilo_http_respond(r, 200, "text/xml", xml, strlen(xml));
    free(xml);
}

void in_done(struct in_op *op)
{
    if (op->answer == IN_ANSWER_TWIML_EMPTY)
        in_answer_twiml(op->r, hilo_twiml_empty());
    else
        hilo_http_respond_json(op->r, 200, json_pack("{s:s}", "status", "ok"));
    in_op_free(op);
}

void in_fail(struct in_op *op, int err)
{
    /* 503 makes the provider retry: nothing of this message was stored */
    if (err == -HILO_EUNAVAIL)
        in_answer_error(op->r, 503, "unavailable", "Storage is unavailable; retry later.");
    else
        in_answer_error(op->r, 500, "internal", "Internal error.");
    in_op_free(op);
}

void in_run(struct in_op *op)
{
    if (!hilo_redis_ready(op->s->redis) || !hilo_scripts_ready()) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    op->cur = op->msgs;
    next_message(op);
}

/* ---- writing a message ------------------------------------------------------- */

/* The message is stored: a call is answered, else the next message. */
static void stored(struct in_op *op)
{
    if (op->voice) {
        in_voice_stored(op);
        return;
    }
    op->cur = op->cur->next;
    next_message(op);
}

static void seen_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    if (!reply || hilo_store_err(reply) < 0) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    stored(op);
}

char *in_event_extra(const struct hilo_inbound *m)
{
    json_error_t je;
    json_t *x = json_loads(m->extra_json && *m->extra_json ? m->extra_json : "{}", 0, &je);
    char *js;
    if (!json_is_object(x)) {
        json_decref(x);
        x = json_object();
    }
    json_object_set_new(x, "type", json_string(m->type));
    json_object_set_new(x, "provider", json_string(m->provider));
    if (*m->subject)
        json_object_set_new(x, "subject", json_string(m->subject));
    js = json_dumps(x, JSON_COMPACT);
    json_decref(x);
    return js;
}

/* The dedupe mark: this provider message is stored on ref. Set only once
 * the message is (issue #8): a mark beside a refused write would drop the
 * provider's redelivery of a message stored nowhere. */
static int mark_seen(struct in_op *op, const struct hilo_inbound *m, const char *ref, hilo_redis_cb cb)
{
    struct hilo_store_seen mark = {
        .provider = m->provider, .provider_id = m->provider_id, .ref = ref, .ttl_s = SEEN_TTL};
    return hilo_store_seen_set(op->s->redis, &mark, cb, cb ? op : NULL);
}

void in_tx_mark_seen(struct hilo_tx *tx, struct in_op *op, const char *ref)
{
    struct hilo_store_cmd c;
    struct hilo_store_seen mark = {.provider = op->cur->provider, .provider_id = op->cur->provider_id,
                                   .ref = ref, .ttl_s = SEEN_TTL};
    if (hilo_store_seen_set_argv(&c, &mark) < 0) {
        if (tx->rc == 0)
            tx->rc = -HILO_EINTERNAL;
        return;
    }
    hilo_tx_add_cmd(tx, &c);
}

void in_message_done(struct in_op *op)
{
    op->cur = op->cur->next;
    next_message(op);
}

/* The sender, as the customer the write links the ticket to. */
static void sender(struct in_op *op, const struct hilo_inbound *m, const char *cust,
                   struct hilo_ticket_customer *out)
{
    const struct hilo_channel_ops *o = hilo_channel_of(m->channel, m->provider);
    *out = (struct hilo_ticket_customer){
        .id = cust, .name = m->from_name,
        .email = o && o->identity && strcmp(o->identity, "email") == 0 ? m->from : "",
        .locale = "", .identities = {op->identity, op->identity2[0] ? op->identity2 : NULL},
    };
}

static void write_create(struct in_op *op);

/* The append's outcome decides what follows (hilo_inbound_after_append);
 * stored, the dedupe mark follows (see mark_seen). */
static void appended_cb(const struct hilo_ticket_result *res, void *data)
{
    struct in_op *op = data;
    switch (hilo_inbound_after_append(res->err)) {
    case HILO_INBOUND_NEW_TICKET:
        op->tcust[0] = '\0';
        write_create(op);
        return;
    case HILO_INBOUND_RETRY:
    case HILO_INBOUND_FAIL:
        in_fail(op, res->err);
        return;
    case HILO_INBOUND_STORED:
        break;
    }
    if (mark_seen(op, op->cur, op->ref, seen_cb) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}

/* A WhatsApp message opens its number's 24-hour window: the ticket shows
 * until when (wa_window_until, docs/continuity.md "Routing at send time");
 * routing itself reads the number's window (reach.h). */
static int window_field(const struct hilo_inbound *m, const char **f, int nf, char *buf, size_t n)
{
    if (strcmp(m->channel, "whatsapp") != 0 || nf + 2 > HILO_INBOUND_MAX_FIELDS)
        return nf;
    snprintf(buf, n, "%llu", (unsigned long long)(hilo_now_ms() + HILO_WA_WINDOW_MS));
    f[nf++] = "wa_window_until";
    f[nf++] = buf;
    return nf;
}

void in_write_append(struct in_op *op, enum hilo_append_op kind)
{
    const struct hilo_inbound *m = op->cur;
    char dkey[300], addrkey[40];
    const char *fields[HILO_INBOUND_MAX_FIELDS];
    char winbuf[24];
    int nf = hilo_inbound_ticket_fields(m, fields, addrkey, sizeof addrkey);
    nf = window_field(m, fields, nf, winbuf, sizeof winbuf);
    char *xjs = in_event_extra(m);
    struct hilo_ticket_customer link;
    sender(op, m, op->tcust, &link);
    snprintf(dkey, sizeof dkey, "p:%s:%s", m->provider, m->provider_id);
    struct hilo_ticket_append ap = {
        .ref = op->ref, .op = kind, .channel = m->channel, .role = "customer",
        .author_id = op->cid[0] ? op->cid : op->tcust, .author_name = m->from_name,
        .text = m->text, .dedupe = dkey, .client_id = m->provider_id,
        .extra = xjs ? xjs : "{}", .customer = "", .delivery = "", .fields = fields,
        .nfields = nf, .link = &link,
    };
    int rc = hilo_tickets_append(op->s, &ap, appended_cb, op);
    free(xjs);
    if (rc < 0)
        in_fail(op, rc);
}

/* The reference is taken: a call's answer names it. */
static int ref_taken_cb(const char *ref, void *data)
{
    struct in_op *op = data;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    if (op->voice)
        hilo_i18n_voice_new(op->locale, op->ref, op->s->cfg->ack_eta_minutes, op->twiml_text,
                            sizeof op->twiml_text);
    return 0;
}

/* The new ticket is written: the dedupe mark follows (see mark_seen). */
static void created_cb(const struct hilo_ticket_result *res, void *data)
{
    struct in_op *op = data;
    if (res->err < 0 || mark_seen(op, op->cur, op->ref, seen_cb) < 0)
        in_fail(op, res->err == -HILO_EINTERNAL ? res->err : -HILO_EUNAVAIL);
}

/* A new customer id, unless the sender is known. */
static void customer_id(struct in_op *op, char cid[40])
{
    unsigned char rnd[10];
    char hex[21];
    if (op->cid[0]) {
        snprintf(cid, 40, "%s", op->cid);
        return;
    }
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(cid, 40, "c%s", hex);
}

static void write_create(struct in_op *op)
{
    const struct hilo_inbound *m = op->cur;
    struct hilo_server *s = op->s;
    char dkey[300], addrkey[40], cid[40];
    const char *fields[HILO_INBOUND_MAX_FIELDS], *route[HILO_OUTBOX_NFIELDS];
    char winbuf[24];
    int nf = hilo_inbound_ticket_fields(m, fields, addrkey, sizeof addrkey), rc;
    nf = window_field(m, fields, nf, winbuf, sizeof winbuf);
    char *xjs = in_event_extra(m);

    customer_id(op, cid);
    snprintf(op->tcust, sizeof op->tcust, "%s", cid);
    /* a call has no words to guess from: the language it was greeted in
     * (the number's country, or the default) is the new ticket's */
    snprintf(op->locale, sizeof op->locale, "%s",
             op->voice ? hilo_i18n_phone_lang(m->from, s->cfg->default_locale)
                       : hilo_i18n_guess(m->text, s->cfg->default_locale));
    snprintf(dkey, sizeof dkey, "p:%s:%s", m->provider, m->provider_id);
    struct hilo_ticket_create cr = {
        .channel = m->channel, .text = m->text, .dedupe = dkey, .client_id = m->provider_id,
        .locale = op->locale, .extra = xjs ? xjs : "{}", .kind = op->voice ? "call" : "message",
        .nfields = nf, .before = ref_taken_cb,
        /* the acknowledgement goes back on the channel the message came
         * from; a call's is spoken (ref_taken_cb) */
        .ack_route = op->voice || m->automatic ? NULL : route, /* no robot is answered */
    };
    for (int i = 0; i < nf && i < HILO_TICKETS_MAX_FIELDS; i++)
        cr.fields[i] = fields[i];
    if (!op->voice)
        hilo_inbound_route_fields(m, fields, nf, op->locale, route);
    sender(op, m, cid, &cr.customer);
    rc = hilo_tickets_create(s, &cr, created_cb, op);
    free(xjs);
    if (rc < 0)
        in_fail(op, rc == -HILO_EINTERNAL ? rc : -HILO_EUNAVAIL);
}

/* ---- choosing the ticket ------------------------------------------------------ */

static void step_cb(redisReply *reply, void *data);

static int send_summary(struct in_op *op, const char *ref)
{
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    struct hilo_store_history h = {.ref = op->ref, .after = "0", .customer = "", .count = 0};
    return hilo_store_history(op->s->redis, &h, step_cb, op);
}

/* The message goes to op->ref (exists, not closed) or to a new ticket. */
static void decide(struct in_op *op, int target)
{
    if (target)
        in_write_append(op, op->voice ? HILO_APPEND_CALL : HILO_APPEND_MESSAGE);
    else
        write_create(op);
}

/* The sender's current ticket, if any; else a new one. */
static void current(struct in_op *op)
{
    /* automatic mail that names no ticket is a new one (a relay's forms
     * are not one conversation) */
    if (op->cid[0] && !op->cur->automatic) {
        op->step = IN_STEP_CURRENT_REF;
        if (hilo_store_customer_current(op->s->redis, op->cid, step_cb, op) < 0)
            in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    decide(op, 0);
}

/* A summary of the ticket op->ref: does it take the message? Its
 * customer into cust (n bytes; "" when none). */
static int summary_takes(struct in_op *op, const redisReply *reply, char *cust, size_t n)
{
    json_error_t je;
    json_t *sum = NULL;
    int takes;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 &&
        reply->element[0]->type == REDIS_REPLY_STRING)
        sum = json_loadb(reply->element[0]->str, reply->element[0]->len, 0, &je);
    const char *st = sum ? json_string_value(json_object_get(sum, "status")) : NULL;
    const char *cu = sum ? json_string_value(json_object_get(sum, "customer")) : NULL;
    const char *loc = sum ? json_string_value(json_object_get(sum, "locale")) : NULL;
    takes = st && cu && *cu && hilo_inbound_ticket_takes(st, cu);
    snprintf(cust, n, "%s", cu ? cu : "");
    if (takes) {
        snprintf(op->tcust, sizeof op->tcust, "%s", cu);
        snprintf(op->status, sizeof op->status, "%s", st);
        snprintf(op->locale, sizeof op->locale, "%s", loc && *loc ? loc : "en");
        if (op->voice)
            in_voice_relabel(op);
    }
    json_decref(sum);
    return takes;
}

void in_route(struct in_op *op)
{
    char ref[HILO_REF_MAX];
    if (hilo_inbound_quoted_ref(op->cur, op->msgid_ref[0] ? op->msgid_ref : NULL, ref) == 0) {
        op->step = IN_STEP_QUOTED;
        if (send_summary(op, ref) < 0)
            in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    current(op);
}

static void step_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    char ref[HILO_REF_MAX];

    if (!reply) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    switch (op->step) {
    case IN_STEP_SEEN: /* [seen, ident, msgid, hold, blocked (, ident2, blocked2)] */
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != (op->identity2[0] ? 7u : 5u)) {
            in_fail(op, -HILO_EINTERNAL);
            return;
        }
        if (reply->element[0]->type == REDIS_REPLY_STRING) {
            /* a redelivery of a stored message: acknowledged, stored once */
            op->cur = op->cur->next;
            next_message(op);
            return;
        }
        if (reply->element[4]->type == REDIS_REPLY_STRING ||
            (op->identity2[0] && reply->element[6]->type == REDIS_REPLY_STRING)) { /* a blocked identity */
            if (in_blocked_store(op, seen_cb) < 0)
                in_fail(op, -HILO_EUNAVAIL);
            return;
        }
        op->cid[0] = op->hold[0] = op->msgid_ref[0] = '\0';
        if (reply->element[1]->type == REDIS_REPLY_STRING)
            snprintf(op->cid, sizeof op->cid, "%s", reply->element[1]->str);
        if (op->identity2[0] && reply->element[5]->type == REDIS_REPLY_STRING) {
            /* the provider says the phone and the BSUID are one sender: a
             * new phone joins the BSUID's customer; a BSUID another
             * customer holds is left where it is (never moved) */
            if (!op->cid[0])
                snprintf(op->cid, sizeof op->cid, "%s", reply->element[5]->str);
            else if (strcmp(op->cid, reply->element[5]->str) != 0)
                op->identity2[0] = '\0';
        }
        if (reply->element[2]->type == REDIS_REPLY_STRING &&
            hilo_ref_normalize(reply->element[2]->str, ref) == 0)
            snprintf(op->msgid_ref, sizeof op->msgid_ref, "%s", ref);
        if (reply->element[3]->type == REDIS_REPLY_STRING &&
            reply->element[3]->len == HILO_HOLD_ID_MAX - 1)
            snprintf(op->hold, sizeof op->hold, "%s", reply->element[3]->str);
        /* a code from a sender with a pending hold confirms it (a call's
         * code is keyed in: voice.c sets op->code) */
        if (op->hold[0] && (op->code[0] || (!op->voice && hilo_inbound_code(op->cur->text, op->code) == 0))) {
            in_hold_try(op);
            return;
        }
        op->code[0] = '\0';
        in_route(op);
        return;
    case IN_STEP_QUOTED: {
        /* only a sender proven for the ticket's customer joins it; anyone
         * else is held, whether the ticket exists or not (no oracle) */
        char cust[40];
        int takes = summary_takes(op, reply, cust, sizeof cust);
        if (op->cid[0] && strcmp(cust, op->cid) == 0) {
            if (!takes) {
                current(op);
                return;
            }
            if (op->voice)
                hilo_i18n_voice_known(op->locale, op->ref, op->status, op->twiml_text,
                                      sizeof op->twiml_text);
            decide(op, 1);
            return;
        }
        in_hold(op, op->ref, takes);
        return;
    }
    case IN_STEP_CURRENT: {
        char cust[40];
        if (summary_takes(op, reply, cust, sizeof cust)) {
            if (op->voice)
                hilo_i18n_voice_known(op->locale, op->ref, op->status, op->twiml_text,
                                      sizeof op->twiml_text);
            decide(op, 1);
        } else {
            decide(op, 0);
        }
        return;
    }
    case IN_STEP_CURRENT_REF:
        if (reply->type == REDIS_REPLY_STRING && strlen(reply->str) < HILO_REF_MAX) {
            op->step = IN_STEP_CURRENT;
            if (send_summary(op, reply->str) < 0)
                in_fail(op, -HILO_EUNAVAIL);
            return;
        }
        decide(op, 0);
        return;
    case IN_STEP_NONE:
        break;
    }
    in_fail(op, -HILO_EINTERNAL);
}

void in_start_message(struct in_op *op)
{
    struct hilo_inbound *m = op->cur;
    char reply_id[300];
    struct hilo_tx tx;

    if (hilo_inbound_fill_text(m) < 0 ||
        hilo_inbound_identity(m, op->identity, sizeof op->identity) < 0 ||
        hilo_inbound_identity2(m, op->identity2, sizeof op->identity2) < 0) {
        in_fail(op, -HILO_EINTERNAL);
        return;
    }
    hilo_inbound_reply_id(m, reply_id, sizeof reply_id);
    struct hilo_store_seen seen = {.provider = m->provider, .provider_id = m->provider_id};
    op->step = IN_STEP_SEEN;
    /* [seen ref, identity's customer, ref of the email this replies to,
     * the identity's pending hold, the identity's block] */
    hilo_tx_begin(&tx, op->s->redis);
    hilo_tx_seen_get(&tx, &seen);
    hilo_tx_ident_get(&tx, op->identity);
    hilo_tx_msgid_get(&tx, reply_id[0] ? reply_id : "-");
    hilo_tx_hold_by_get(&tx, op->identity);
    hilo_tx_blocked_get(&tx, op->identity);
    if (op->identity2[0]) { /* [+ the BSUID's customer, its block] */
        hilo_tx_ident_get(&tx, op->identity2);
        hilo_tx_blocked_get(&tx, op->identity2);
    }
    if (hilo_tx_commit(&tx, step_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}

static void next_message(struct in_op *op)
{
    /* Automatic mail is never answered, so two robots cannot write to each
     * other for ever. One that answers a ticket (an out-of-office: In-Reply-To,
     * References, a reference in the subject or address) or a report is not
     * stored: it would reopen the ticket or start a thread with a daemon.
     * Other automatic mail (a contact form's relay, an alert) is a new
     * ticket without an acknowledgement (write_create). */
    while (op->cur && (op->cur->automatic == HILO_AUTO_BOUNCE ||
                       (op->cur->automatic && (*op->cur->ref_hint || *op->cur->in_reply_to ||
                                               *op->cur->references)))) {
        hilo_info("webhook %s: %s from %s not stored: %s", op->provider,
                  op->cur->automatic == HILO_AUTO_BOUNCE ? "delivery report" : "automatic reply",
                  op->cur->from, op->cur->automatic == HILO_AUTO_BOUNCE
                                     ? "it names no message of ours that failed"
                                     : "automatic mail never changes a ticket");
        hilo_metrics_inc(op->cur->automatic == HILO_AUTO_BOUNCE ? HILO_M_EMAIL_REPORTS
                                                                : HILO_M_EMAIL_AUTOREPLIES);
        op->cur = op->cur->next;
    }
    if (op->cur) {
        in_start_message(op);
        return;
    }
    op->curst = op->statuses;
    next_status(op);
}

/* ---- delivery statuses ---------------------------------------------------------- */

static void status_done_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    if (!reply) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    /* delivered or read, as the record now says (a status the record
     * ignored, e.g. of a send it replaced, settles nothing): it can no
     * longer fail */
    if (reply->type == REDIS_REPLY_STRING &&
        (strcmp(reply->str, "delivered") == 0 || strcmp(reply->str, "read") == 0))
        hilo_outbox_settled(op->s->redis, op->st_ref, op->st_ev);
    op->curst = op->curst->next;
    next_status(op);
}

/* hilo_outbox_undelivered's answer: as status_done_cb */
static void undelivered_cb(int err, void *data)
{
    struct in_op *op = data;
    if (err < 0) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    op->curst = op->curst->next;
    next_status(op);
}

/* hilo_outbox_late_template's answer: sent again, or the failure reported */
static void late_cb(int rc, void *data)
{
    struct in_op *op = data;
    struct hilo_delivery *d = op->curst;
    if (rc < 0) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    if (rc == 1) {
        op->curst = d->next;
        next_status(op);
        return;
    }
    /* no template for it: the failure as it is */
    if (hilo_outbox_undelivered(op->s->redis, op->s->events_channel, op->st_ref, op->st_ev,
                                d->error, undelivered_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}

static void status_found_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    struct hilo_delivery *d = op->curst;
    char ref[HILO_REF_MAX], ev[48];
    if (!reply) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    int by_marker = 0;
    if (reply->type != REDIS_REPLY_STRING && d->marker &&
        sscanf(d->marker, "hilo:%9[0-9]:%47[0-9-]", ref, ev) == 2)
        by_marker = 1; /* a send whose answer never came (docs/delivery.md) */
    if ((!by_marker &&
         (reply->type != REDIS_REPLY_STRING || sscanf(reply->str, "%9s %47s", ref, ev) != 2)) ||
        strcmp(d->status, "queued") == 0) {
        /* not one of ours (or not news) */
        op->curst = d->next;
        next_status(op);
        return;
    }
    if (strcmp(d->status, "failed") == 0 && strncmp(d->error ? d->error : "", "131047", 6) == 0 &&
        op->s->outbox) {
        /* WhatsApp's window was closed after all: its template instead, if
         * the route gave it one (docs/continuity.md) */
        snprintf(op->st_ref, sizeof op->st_ref, "%s", ref);
        snprintf(op->st_ev, sizeof op->st_ev, "%s", ev);
        if (hilo_outbox_late_template(op->s->outbox, ref, ev, d->provider_id, late_cb, op) < 0)
            in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    if (strcmp(d->status, "failed") == 0) {
        /* a permanent failure after the provider accepted it: a dead letter
         * with its reason, an event, the ticket waiting again */
        if (hilo_outbox_undelivered(op->s->redis, op->s->events_channel, ref, ev, d->error,
                                    undelivered_cb, op) < 0)
            in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    snprintf(op->st_ref, sizeof op->st_ref, "%s", ref); /* status_done_cb settles */
    snprintf(op->st_ev, sizeof op->st_ev, "%s", ev);
    json_t *u = json_pack("{s:s, s:s}", "status", d->status, "if_pid", d->provider_id);
    if (by_marker)
        json_object_set_new(u, "provider_id", json_string(d->provider_id));
    if (d->error && *d->error)
        json_object_set_new(u, "error", json_string(d->error));
    char *js = json_dumps(u, JSON_COMPACT);
    json_decref(u);
    struct hilo_store_delivery up = {.chan = op->s->events_channel, .ref = ref,
                                     .op = HILO_DELIVERY_UPDATE, .event_id = ev, .dedupe = "",
                                     .fields = js ? js : "{}"};
    int rc = hilo_store_delivery(op->s->redis, &up, status_done_cb, op);
    free(js);
    if (rc < 0)
        in_fail(op, -HILO_EUNAVAIL);
}

static void next_status(struct in_op *op)
{
    struct hilo_delivery *d = op->curst;
    if (!d) {
        in_done(op);
        return;
    }
    /* a bounce comes in by Mailgun about a mail sent by SMTP */
    struct hilo_store_pid pid = {.provider = d->provider ? d->provider : op->provider,
                                 .provider_id = d->provider_id};
    if (hilo_store_pid_get(op->s->redis, &pid, status_found_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}
