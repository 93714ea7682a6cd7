/* Twilio Voice: a call from a known number with an open ticket is recorded
 * there and answered with its status; an unknown caller keys in a
 * reference or gets a new ticket; recordings, transcriptions and the call's
 * end follow the call to its ticket (docs/delivery.md "Voice"). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/http.h"
#include "hilo/i18n.h"
#include "hilo/redis.h"
#include "hilo/scripts.h"
#include "hilo/server.h"
#include "hilo/store.h"
#include "hilo/store_records.h"
#include "hilo/survey.h"
#include "hilo/tickets.h"
#include "internal.h"

#define CALL_TTL 86400

/* A call becomes an inbound item of channel voice; its text is the event's. */
static struct hilo_inbound *call_item(struct in_op *op, const char *kind, const char *text,
                                      const char *suffix)
{
    struct hilo_inbound *m = calloc(1, sizeof *m);
    char id[200];
    if (!m)
        return NULL;
    snprintf(id, sizeof id, "%s:%s", op->call.call_sid, suffix);
    m->channel = strdup("voice");
    m->provider = strdup("twilio");
    m->provider_id = strdup(id);
    m->from = strdup(op->call.from);
    m->from_name = strdup("");
    m->to = strdup(op->call.to ? op->call.to : "");
    m->type = strdup(kind);
    m->text = strdup(text);
    json_t *x = json_pack("{s:s, s:s}", "call_sid", op->call.call_sid, "call_status",
                          op->call.status ? op->call.status : "");
    if (op->call.recording_url && *op->call.recording_url)
        json_object_set_new(x, "recording_url", json_string(op->call.recording_url));
    if (op->call.duration_s > 0)
        json_object_set_new(x, "duration_s", json_integer(op->call.duration_s));
    m->extra_json = json_dumps(x, JSON_COMPACT);
    json_decref(x);
    m->ref_hint = strdup("");
    m->subject = strdup("");
    m->message_id = strdup("");
    m->in_reply_to = strdup("");
    m->references = strdup("");
    if (!m->channel || !m->provider || !m->provider_id || !m->from || !m->from_name || !m->to ||
        !m->type || !m->text || !m->extra_json || !m->ref_hint || !m->subject || !m->message_id ||
        !m->in_reply_to || !m->references) {
        hilo_inbound_free(m);
        return NULL;
    }
    return m;
}

/* Asks for a reference; no input is an answer too: it opens a new ticket. */
static void voice_gather(struct in_op *op, int again)
{
    /* an unknown caller: the language of the number's country */
    const char *lang = hilo_i18n_phone_lang(op->call.from, op->s->cfg->default_locale);
    char action[64];
    snprintf(action, sizeof action, "/webhooks/twilio/voice/gather?n=%d", again + 1);
    char *xml = hilo_twiml_gather_ref(lang, hilo_i18n_voice_ask_ref(lang, again), action, 9);
    char *g = xml ? strstr(xml, "<Gather ") : NULL;
    if (g) {
        static const char attr[] = "actionOnEmptyResult=\"true\" ";
        size_t pre = (size_t)(g - xml) + 8, n = strlen(xml) + sizeof attr;
        char *with = malloc(n);
        if (with) {
            snprintf(with, n, "%.*s%s%s", (int)pre, xml, attr, xml + pre);
            free(xml);
            xml = with;
        }
    }
    in_answer_twiml(op->r, xml);
    in_op_free(op);
}

void in_voice_say(struct in_op *op, const char *text)
{
    in_answer_twiml(op->r, hilo_twiml_say(op->locale[0] ? op->locale : op->s->cfg->default_locale,
                                          text));
    in_op_free(op);
}

void in_voice_ask_code(struct in_op *op, const char *text)
{
    /* each try of the call is its own item ("<CallSid>:code<c>"), so a
     * retried webhook is deduplicated and a new try is not */
    const char *c = hilo_http_arg(op->r, "c");
    long tries = c ? strtol(c, NULL, 10) : 0;
    char action[64];
    snprintf(action, sizeof action, "/webhooks/twilio/voice/gather?c=%ld",
             tries >= 0 && tries < 9 ? tries + 1 : 9);
    in_answer_twiml(op->r, hilo_twiml_gather_ref(op->locale[0] ? op->locale
                                                                : op->s->cfg->default_locale,
                                                 text, action, 6));
    in_op_free(op);
}

static void voice_thanks(struct in_op *op)
{
    /* with surveys on, the call ends with a keypress for satisfaction */
    if (op->s->cfg->survey && op->ref[0])
        in_answer_twiml(op->r, hilo_twiml_gather_ref(op->locale, hilo_survey_voice_prompt(op->locale),
                                                     "/webhooks/twilio/voice/csat", 1));
    else
        in_answer_twiml(op->r, hilo_twiml_say(op->locale, hilo_i18n_voice_thanks(op->locale)));
    in_op_free(op);
}

static void voice_scored(const struct hilo_ticket_result *res, void *data)
{
    struct in_op *op = data;
    if (res->err == -HILO_EUNAVAIL) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    in_voice_say(op, hilo_survey_voice_thanks(op->locale));
}

/* csat: the key pressed at the end of a call is the ticket's score */
static void voice_csat(struct in_op *op, const char *ref)
{
    const char *d = op->call.digits ? op->call.digits : "";
    char score[2] = {d[0], 0}, dkey[200], extra[64];
    int rc;
    if (!ref[0] || d[0] < '1' || d[0] > '5' || d[1]) {
        in_voice_say(op, hilo_i18n_voice_thanks(op->locale));
        return;
    }
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(dkey, sizeof dkey, "p:twilio:csat:%s", op->call.call_sid);
    snprintf(extra, sizeof extra, "{\"survey\":\"voice\"}");
    const char *fields[] = {"csat", score};
    struct hilo_ticket_append req = {
        .ref = ref, .op = HILO_APPEND_CSAT, .channel = "voice", .role = "customer", .author_id = "",
        .text = score, .dedupe = dkey, .client_id = op->call.call_sid, .extra = extra,
        .fields = fields, .nfields = 2};
    rc = hilo_tickets_append(op->s, &req, voice_scored, op);
    if (rc < 0)
        in_fail(op, rc);
}

/* Only an unavailable store makes Twilio retry; a call event the ticket
 * refused (gone, closed) is answered as before. */
static void voice_event_written(const struct hilo_ticket_result *res, void *data)
{
    struct in_op *op = data;
    if (res->err == -HILO_EUNAVAIL) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    if (op->voice_kind == HILO_VOICE_RECORDING)
        voice_thanks(op);
    else
        in_done(op);
}

/* recording / transcription / status of a call already on a ticket */
static void voice_followup(struct in_op *op, const char *ref)
{
    struct hilo_server *s = op->s;
    struct hilo_inbound *m;
    enum hilo_append_op kind = HILO_APPEND_CALL;
    char text[300], dkey[300];
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->locale, sizeof op->locale, "%s", s->cfg->default_locale);
    switch (op->voice_kind) {
    case HILO_VOICE_RECORDING:
        snprintf(text, sizeof text, "%s (%d s)", hilo_i18n_call(op->locale, "voicemail"),
                 op->call.duration_s);
        m = call_item(op, "voicemail", text, "rec");
        kind = HILO_APPEND_VOICEMAIL;
        break;
    case HILO_VOICE_TRANSCRIPTION:
        /* the transcription is the customer's words */
        m = call_item(op, "transcription", op->call.transcription ? op->call.transcription : "", "tr");
        kind = HILO_APPEND_MESSAGE;
        break;
    default:
        if (!op->call.status || strcmp(op->call.status, "completed") != 0) {
            in_done(op);
            return;
        }
        snprintf(text, sizeof text, "%s (%d s)", hilo_i18n_call(op->locale, "ended"),
                 op->call.duration_s);
        m = call_item(op, "call_end", text, "end");
        break;
    }
    if (!m) {
        in_fail(op, -HILO_EINTERNAL);
        return;
    }
    op->msgs = m;
    op->cur = m;
    snprintf(dkey, sizeof dkey, "p:twilio:%s", m->provider_id);
    char *xjs = in_event_extra(m);
    struct hilo_ticket_append ap = {
        .ref = op->ref, .op = kind, .channel = "voice", .role = "customer",
        .author_id = "", .author_name = "", .text = m->text, .dedupe = dkey,
        .client_id = m->provider_id, .extra = xjs ? xjs : "{}", .customer = "", .delivery = "",
    };
    int rc = hilo_tickets_append(s, &ap, voice_event_written, op);
    free(xjs);
    if (rc < 0)
        in_fail(op, rc);
}

static void voice_attach_cb(redisReply *reply, void *data);

/* gather: the digits keyed in name the ticket, or (none, or wrong twice) a
 * new one. */
static void voice_gathered(struct in_op *op)
{
    /* an unknown caller: the language of the number's country */
    const char *lang = hilo_i18n_phone_lang(op->call.from, op->s->cfg->default_locale);
    const char *digits = op->call.digits ? op->call.digits : "";
    const char *n = hilo_http_arg(op->r, "n");
    int attempt = n ? (int)strtol(n, NULL, 10) : 1;
    char norm[HILO_REF_MAX];
    int valid = *digits && hilo_ref_normalize(digits, norm) == 0;
    /* six digits: the code of the caller's held join (pipeline: only if
     * the number has one pending) */
    if (!valid && hilo_inbound_code(digits, op->code) == 0) {
        const char *c = hilo_http_arg(op->r, "c");
        char suffix[16];
        snprintf(suffix, sizeof suffix, "code%d", c ? (int)strtol(c, NULL, 10) % 10 : 0);
        op->msgs = call_item(op, "call", hilo_i18n_call(lang, "incoming"), suffix);
        if (!op->msgs) {
            in_fail(op, -HILO_EINTERNAL);
            return;
        }
        op->cur = op->msgs;
        in_start_message(op);
        return;
    }
    op->code[0] = '\0';
    if (*digits && !valid && attempt < 2) {
        voice_gather(op, 1);
        return;
    }
    op->msgs = call_item(op, "call", hilo_i18n_call(lang, "incoming"), "start");
    if (!op->msgs) {
        in_fail(op, -HILO_EINTERNAL);
        return;
    }
    if (valid) {
        free(op->msgs->ref_hint);
        op->msgs->ref_hint = strdup(norm);
        if (!op->msgs->ref_hint) {
            in_fail(op, -HILO_EINTERNAL);
            return;
        }
    }
    op->cur = op->msgs;
    in_start_message(op);
}

static void voice_known_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    char ref[HILO_REF_MAX] = "";
    if (!reply) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    if (reply->type == REDIS_REPLY_STRING)
        snprintf(ref, sizeof ref, "%s", reply->str);
    snprintf(op->locale, sizeof op->locale, "%s",
             hilo_i18n_phone_lang(op->call.from, op->s->cfg->default_locale));
    switch (op->voice_kind) {
    case HILO_VOICE_GATHER:
        voice_gathered(op);
        return;
    case HILO_VOICE_INCOMING:
        break;
    case HILO_VOICE_CSAT:
        voice_csat(op, ref);
        return;
    default:
        if (ref[0])
            voice_followup(op, ref);
        else if (op->voice_kind == HILO_VOICE_RECORDING)
            voice_thanks(op);
        else
            in_done(op);
        return;
    }
    /* incoming call: a known number with a ticket is answered with its status */
    op->msgs = call_item(op, "call", hilo_i18n_call(op->locale, "incoming"), "start");
    if (!op->msgs) {
        in_fail(op, -HILO_EINTERNAL);
        return;
    }
    op->cur = op->msgs;
    /* a withheld number is nobody: never look it up, ask for a reference */
    if (hilo_inbound_withheld(op->call.from)) {
        voice_gather(op, 0);
        return;
    }
    snprintf(op->identity, sizeof op->identity, "phone:%s", op->call.from);
    op->vstep = IN_VOICE_CALLER;
    if (hilo_store_ident_get(op->s->redis, op->identity, voice_attach_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}

/* incoming call: is the caller a customer with a ticket that is not closed? */
static void voice_attach_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    if (!reply) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    switch (op->vstep) {
    case IN_VOICE_CALLER: {
        if (reply->type != REDIS_REPLY_STRING) {
            voice_gather(op, 0);
            return;
        }
        snprintf(op->cid, sizeof op->cid, "%s", reply->str);
        op->vstep = IN_VOICE_CURRENT;
        if (hilo_store_customer_current(op->s->redis, op->cid, voice_attach_cb, op) < 0)
            in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    case IN_VOICE_CURRENT: {
        if (reply->type != REDIS_REPLY_STRING) {
            voice_gather(op, 0);
            return;
        }
        snprintf(op->ref, sizeof op->ref, "%.9s", reply->str);
        static const char *const fields[] = {"status", "locale", "customer"};
        struct hilo_store_ticket_fields tf = {.ref = op->ref, .fields = fields, .nfields = 3};
        op->vstep = IN_VOICE_TICKET;
        if (hilo_store_ticket_fields(op->s->redis, &tf, voice_attach_cb, op) < 0)
            in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    case IN_VOICE_TICKET: /* [status, locale, customer] */
        break;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        !hilo_inbound_ticket_takes(reply->element[0]->str, "")) {
        voice_gather(op, 0);
        return;
    }
    snprintf(op->status, sizeof op->status, "%s", reply->element[0]->str);
    if (reply->element[1]->type == REDIS_REPLY_STRING && reply->element[1]->str[0])
        snprintf(op->locale, sizeof op->locale, "%s", reply->element[1]->str);
    if (reply->element[2]->type == REDIS_REPLY_STRING)
        snprintf(op->tcust, sizeof op->tcust, "%s", reply->element[2]->str);
    hilo_i18n_voice_known(op->locale, op->ref, op->status, op->twiml_text, sizeof op->twiml_text);
    in_write_append(op, HILO_APPEND_CALL);
}

void in_voice_stored(struct in_op *op)
{
    /* remember the call's ticket for its recording, transcription and end */
    struct hilo_store_call call = {.sid = op->call.call_sid, .ref = op->ref, .ttl_s = CALL_TTL};
    hilo_store_call_set(op->s->redis, &call, NULL, NULL);
    in_answer_twiml(op->r, hilo_twiml_say_then_record(op->locale, op->twiml_text,
                                                      "/webhooks/twilio/voice/recording",
                                                      "/webhooks/twilio/voice/transcription"));
    in_op_free(op);
}

void in_voice(struct hilo_http *r, const struct hilo_http_in *in, int kind)
{
    struct hilo_server *s = hilo_http_server(r);
    struct hilo_form form = {0};
    struct in_op *op;
    int rc;
    if (kind < 0) {
        in_answer_error(r, 404, "not_found", "No such webhook.");
        return;
    }
    if (hilo_form_parse(in->body, in->body_len, &form) < 0) {
        in_answer_error(r, 400, "bad_frame", "Malformed form body.");
        return;
    }
    op = in_op_new(r, IN_ANSWER_TWIML_EMPTY);
    if (!op) {
        hilo_form_free(&form);
        in_answer_error(r, 500, "internal", "Internal error.");
        return;
    }
    rc = hilo_twilio_parse_call(&form, &op->call);
    hilo_form_free(&form);
    if (rc < 0) {
        in_answer_error(r, 400, "bad_frame", "Missing CallSid.");
        in_op_free(op);
        return;
    }
    op->voice = 1;
    op->voice_kind = (enum hilo_voice_kind)kind;
    if (!hilo_redis_ready(s->redis) || !hilo_scripts_ready()) {
        in_fail(op, -HILO_EUNAVAIL);
        return;
    }
    /* which ticket is this call on (set when it was attached) */
    struct hilo_store_call call = {.sid = op->call.call_sid};
    if (hilo_store_call_get(s->redis, &call, voice_known_cb, op) < 0)
        in_fail(op, -HILO_EUNAVAIL);
}
