/* Webhooks of the messaging providers: verify, parse (src/channels/), join
 * each message to the right ticket, store it durably, then answer. See
 * docs/delivery.md for the rules. */
#include <ctype.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hilo/channels.h"
#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/i18n.h"
#include "hilo/keys.h"
#include "hilo/log.h"
#include "hilo/outbox.h"
#include "hilo/redis.h"
#include "hilo/ref.h"
#include "hilo/scripts.h"
#include "hilo/server.h"
#include "hilo/store.h"

#define SEEN_TTL "2592000"

enum answer { ANSWER_OK, ANSWER_TWIML_EMPTY };

/* One webhook request being processed: its messages one after the other. */
struct in_op {
    struct hilo_http *r;
    struct hilo_server *s;
    struct hilo_inbound *msgs, *cur;
    struct hilo_delivery *statuses, *curst;
    enum answer answer;
    const char *provider;  /* of the statuses: "whatsapp" or "twilio" */
    /* per message */
    char identity[300];
    char cid[40];        /* the sender's customer, if known */
    char ref[HILO_REF_MAX];
    char tcust[40];      /* the target ticket's customer */
    char status[16];
    char locale[4];
    int step;
    int waited;          /* waited once for a reference */
    /* voice */
    struct hilo_call call;
    int voice;
    char voice_kind[16];
    char twiml_text[600];
};

static void next_message(struct in_op *op);
static void next_status(struct in_op *op);
static void remember_call(struct in_op *op);

static void op_free(struct in_op *op)
{
    hilo_inbound_free(op->msgs);
    hilo_delivery_free(op->statuses);
    if (op->voice)
        hilo_call_free(&op->call);
    hilo_http_unref(op->r);
    free(op);
}

static void answer_error(struct hilo_http *r, int status, const char *code, const char *msg)
{
    hilo_http_respond_json(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

static void answer_twiml(struct hilo_http *r, char *xml)
{
    if (!xml) {
        answer_error(r, 500, "internal", "Could not build TwiML.");
        return;
    }
    hilo_http_respond(r, 200, "text/xml", xml, strlen(xml));
    free(xml);
}

static void done(struct in_op *op)
{
    if (op->answer == ANSWER_TWIML_EMPTY)
        answer_twiml(op->r, hilo_twiml_empty());
    else
        hilo_http_respond_json(op->r, 200, json_pack("{s:s}", "status", "ok"));
    op_free(op);
}

static void fail(struct in_op *op, int err)
{
    /* 503 makes the provider retry: nothing of this message was stored */
    if (err == -HILO_EUNAVAIL)
        answer_error(op->r, 503, "unavailable", "Storage is unavailable; retry later.");
    else
        answer_error(op->r, 500, "internal", "Internal error.");
    op_free(op);
}

/* The first valid reference of an existing-looking shape in a text. */
static int find_ref(const char *text, char out[HILO_REF_MAX])
{
    for (const char *p = text; p && *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > text && isdigit((unsigned char)p[-1])))
            continue;
        char run[32];
        size_t n = 0;
        const char *q = p;
        while (*q && n < sizeof run - 1 && (isdigit((unsigned char)*q) ||
                                            ((*q == ' ' || *q == '-') && isdigit((unsigned char)q[1])))) {
            if (isdigit((unsigned char)*q))
                run[n++] = *q;
            q++;
        }
        run[n] = '\0';
        if ((n == 8 || n == 9) && hilo_ref_normalize(run, out) == 0)
            return 0;
    }
    return -1;
}

/* ---- writing a message ------------------------------------------------------- */

/* The message is stored: a call also remembers its ticket and is answered. */
static void stored(struct in_op *op)
{
    if (op->voice) {
        remember_call(op);
        answer_twiml(op->r, hilo_twiml_say_then_record(op->locale, op->twiml_text,
                                                       "/webhooks/twilio/voice/recording",
                                                       "/webhooks/twilio/voice/transcription"));
        op_free(op);
        return;
    }
    op->cur = op->cur->next;
    next_message(op);
}

/* Every element of a transaction's EXEC reply succeeded: 0, or -HILO_E*. */
static int exec_err(const redisReply *reply)
{
    if (!reply)
        return -HILO_EUNAVAIL;
    if (reply->type != REDIS_REPLY_ARRAY)
        return -HILO_EINTERNAL;
    for (size_t i = 0; i < reply->elements; i++) {
        int err = hilo_store_err(reply->element[i]);
        if (err < 0)
            return err;
    }
    return 0;
}

/* The last write of a message: after it the provider may get its 200. */
static void written_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    int err = exec_err(reply);
    if (err < 0) {
        fail(op, err == -HILO_EUNAVAIL ? err : -HILO_EINTERNAL);
        return;
    }
    stored(op);
}

static void seen_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    if (!reply || hilo_store_err(reply) < 0) {
        fail(op, -HILO_EUNAVAIL);
        return;
    }
    stored(op);
}

/* Fields the ticket keeps to reach the customer on this channel again. */
static int channel_fields(struct in_op *op, const struct hilo_inbound *m, const char **out, char *addrkey,
                          size_t n)
{
    int k = 0;
    snprintf(addrkey, n, "addr:%s", m->channel);
    out[k++] = addrkey;
    out[k++] = m->from;
    if (strcmp(m->channel, "whatsapp") == 0) {
        out[k++] = "wa_via";
        out[k++] = strcmp(m->provider, "whatsapp") == 0 ? "cloud" : "twilio";
    }
    if (strcmp(m->channel, "email") == 0) {
        out[k++] = "email_subject";
        out[k++] = m->subject;
        out[k++] = "email_last_msgid";
        out[k++] = m->message_id;
        out[k++] = "email_refs";
        out[k++] = m->references;
    }
    (void)op;
    return k;
}

static json_t *event_extra(const struct hilo_inbound *m)
{
    json_error_t je;
    json_t *x = json_loads(m->extra_json && *m->extra_json ? m->extra_json : "{}", 0, &je);
    if (!json_is_object(x)) {
        json_decref(x);
        x = json_object();
    }
    json_object_set_new(x, "type", json_string(m->type));
    json_object_set_new(x, "provider", json_string(m->provider));
    if (*m->subject)
        json_object_set_new(x, "subject", json_string(m->subject));
    return x;
}

/* The dedupe mark: this provider message is stored on ref. Set only once
 * the message is (issue #8): a mark beside a refused write would drop the
 * provider's redelivery of a message stored nowhere. */
static int mark_seen(struct in_op *op, const struct hilo_inbound *m, const char *ref, hilo_redis_cb cb)
{
    char seen[400], arg[300];
    snprintf(arg, sizeof arg, "%s:%s", m->provider, m->provider_id);
    hilo_key(seen, sizeof seen, HILO_K_SEEN, arg);
    const char *set[] = {"SET", seen, ref, "EX", SEEN_TTL};
    return hilo_redis_cmdargv(op->s->redis, cb, cb ? op : NULL, 5, set, NULL);
}

/* The parts every write shares: identity link, customer. */
static int common_writes(struct in_op *op, const struct hilo_inbound *m, const char *cust, const char *ref)
{
    struct hilo_server *s = op->s;
    char ik[400], cu[160], ids[160], tix[160], email[300] = "";
    int rc = 0;
    if (!op->cid[0]) {
        hilo_key(ik, sizeof ik, HILO_K_IDENT, op->identity);
        const char *link[] = {"SET", ik, cust, "NX"};
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 4, link, NULL);
    }
    if (strcmp(m->channel, "email") == 0)
        snprintf(email, sizeof email, "%s", m->from);
    hilo_key(cu, sizeof cu, HILO_K_CUSTOMER, cust);
    hilo_key(ids, sizeof ids, HILO_K_CUST_IDS, cust);
    hilo_key(tix, sizeof tix, HILO_K_CUST_TIX, cust);
    const char *cs[] = {"EVALSHA", hilo_scripts_sha(HILO_S_CUST), "3", cu, ids, tix, cust,
                        op->identity, m->from_name, email, "", ref, ""};
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 13, cs, NULL);
    return rc;
}

static void write_create(struct in_op *op, const struct hilo_inbound *m);

/* The append's outcome decides what follows: stored (or a duplicate of a
 * stored one) -> the writes that go with a stored message, the dedupe mark
 * last; the ticket was closed after it was chosen -> a new ticket, as for
 * any message to a closed ticket. */
static void appended_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    const struct hilo_inbound *m = op->cur;
    char idx[128], now[24];
    int err = reply ? hilo_store_err(reply) : -HILO_EUNAVAIL, rc;
    if (err == -HILO_EBADSTATE) {
        op->tcust[0] = '\0';
        write_create(op, m);
        return;
    }
    if (err == 0 && (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3))
        err = -HILO_EINTERNAL;
    if (err < 0) {
        fail(op, err);
        return;
    }
    hilo_key(idx, sizeof idx, HILO_K_IDX_ACTIVE, NULL);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    const char *z[] = {"ZADD", idx, "NX", now, op->ref};
    struct hilo_tx tx;
    hilo_tx_begin(&tx, op->s->redis);
    if (!op->voice)
        hilo_tx_add(&tx, 5, z, NULL);
    if (tx.rc == 0)
        tx.rc = common_writes(op, m, op->tcust, op->ref);
    if (tx.rc == 0)
        tx.rc = hilo_outbox_add_webhook(op->s->outbox, op->ref);
    if (tx.rc == 0)
        tx.rc = mark_seen(op, m, op->ref, NULL);
    rc = hilo_tx_commit(&tx, written_cb, op);
    if (rc < 0)
        fail(op, -HILO_EUNAVAIL);
}

static void write_append(struct in_op *op, const struct hilo_inbound *m, const char *kind)
{
    char dkey[300], addrkey[40];
    const char *fields[12];
    int nf = channel_fields(op, m, fields, addrkey, sizeof addrkey);
    json_t *x = event_extra(m);
    char *xjs = json_dumps(x, JSON_COMPACT);
    json_decref(x);
    snprintf(dkey, sizeof dkey, "p:%s:%s", m->provider, m->provider_id);
    struct hilo_store_append ap = {
        .chan = op->s->events_channel, .ref = op->ref,
        .op = strcmp(kind, "call") == 0 ? HILO_APPEND_CALL : HILO_APPEND_MESSAGE,
        .channel = m->channel, .role = "customer", .author_id = op->cid[0] ? op->cid : op->tcust,
        .author_name = m->from_name, .text = m->text, .dedupe = dkey, .client_id = m->provider_id,
        .extra = xjs ? xjs : "{}", .customer = "", .delivery = "", .fields = fields, .nfields = nf,
    };
    /* alone, not in a transaction: what else is written depends on it */
    int rc = hilo_store_append(op->s->redis, &ap, appended_cb, op);
    free(xjs);
    if (rc < 0)
        fail(op, -HILO_EUNAVAIL);
}



static void create_again(void *data)
{
    struct in_op *op = data;
    write_create(op, op->cur);
}

/* The new ticket is written: the dedupe mark follows (see mark_seen). */
static void created_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    int err = exec_err(reply);
    if (err < 0 || mark_seen(op, op->cur, op->ref, seen_cb) < 0)
        fail(op, err == -HILO_EINTERNAL ? err : -HILO_EUNAVAIL);
}

static void write_create(struct in_op *op, const struct hilo_inbound *m)
{
    struct hilo_server *s = op->s;
    char dkey[300], act[128], all[128], now[24];
    char ack[600], addrkey[40], cid[40];
    const char *fields[12];
    int nf = channel_fields(op, m, fields, addrkey, sizeof addrkey), rc;
    json_t *x = event_extra(m), *entry = NULL;
    char *xjs = json_dumps(x, JSON_COMPACT), *delivery = NULL;
    struct hilo_store_argv a;
    struct hilo_tx tx;

    json_decref(x);
    if (hilo_hub_take_ref(s, op->ref) < 0) {
        free(xjs);
        if (!op->waited) {
            op->waited = 1;
            hilo_hub_when_ref(s, create_again, op);
            return;
        }
        fail(op, -HILO_EUNAVAIL);
        return;
    }
    if (op->cid[0]) {
        snprintf(cid, sizeof cid, "%s", op->cid);
    } else {
        unsigned char rnd[10];
        char hex[21];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        snprintf(cid, sizeof cid, "c%s", hex);
    }
    snprintf(op->tcust, sizeof op->tcust, "%s", cid);
    snprintf(op->locale, sizeof op->locale, "%s", hilo_i18n_guess(m->text, s->cfg->default_locale));
    if (op->voice)
        hilo_i18n_voice_new(op->locale, op->ref, s->cfg->ack_eta_minutes, op->twiml_text,
                            sizeof op->twiml_text);
    hilo_i18n_ack(op->locale, op->ref, s->cfg->ack_eta_minutes, ack, sizeof ack);
    /* The acknowledgement goes back on the channel the message came from
     * (spoken, for a call). */
    if (!op->voice) {
        /* the new ticket's fields, as the outbox reads them from a ticket */
        const char *f[HILO_OUTBOX_NFIELDS] = {m->channel, "", "", "", "", "", m->subject,
                                              m->message_id, m->references, op->locale};
        if (strcmp(m->channel, "whatsapp") == 0) {
            f[1] = m->from;
            f[5] = strcmp(m->provider, "whatsapp") == 0 ? "cloud" : "twilio";
        } else if (strcmp(m->channel, "sms") == 0) {
            f[2] = m->from;
        } else if (strcmp(m->channel, "email") == 0) {
            f[4] = m->from;
        }
        hilo_route_entry(s->cfg, NULL, f, op->ref, "ack", ack, &entry, &delivery);
    }
    snprintf(dkey, sizeof dkey, "p:%s:%s", m->provider, m->provider_id);
    hilo_key(act, sizeof act, HILO_K_IDX_ACTIVE, NULL);
    hilo_key(all, sizeof all, HILO_K_IDX_ALL, NULL);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    struct hilo_store_create cr = {
        .chan = s->events_channel, .ref = op->ref, .customer = cid, .channel = m->channel,
        .name = m->from_name, .text = m->text, .dedupe = dkey, .client_id = m->provider_id,
        .locale = op->locale, .ack_text = ack, .eta_minutes = s->cfg->ack_eta_minutes,
        .extra = xjs ? xjs : "{}", .ack_delivery = delivery ? delivery : "",
        .kind = op->voice ? "call" : "message", .fields = fields, .nfields = nf,
    };
    const char *z1[] = {"ZADD", act, "NX", now, op->ref}, *z2[] = {"ZADD", all, "NX", now, op->ref};
    hilo_tx_begin(&tx, s->redis);
    if (hilo_store_create_argv(&a, &cr) < 0)
        tx.rc = -HILO_EINTERNAL;
    hilo_tx_add_argv(&tx, &a);
    hilo_tx_add(&tx, 5, z1, NULL);
    hilo_tx_add(&tx, 5, z2, NULL);
    if (tx.rc == 0 && entry)
        tx.rc = hilo_outbox_add(s->outbox, entry);
    if (tx.rc == 0)
        tx.rc = common_writes(op, m, cid, op->ref);
    if (tx.rc == 0)
        tx.rc = hilo_outbox_add_webhook(s->outbox, op->ref);
    rc = hilo_tx_commit(&tx, created_cb, op);
    json_decref(entry);
    free(delivery);
    free(xjs);
    if (rc < 0)
        fail(op, rc == -HILO_EINTERNAL ? rc : -HILO_EUNAVAIL);
}

/* ---- choosing the ticket ------------------------------------------------------ */

static void step_cb(redisReply *reply, void *data);

static int send_summary(struct in_op *op, const char *ref)
{
    struct hilo_ticket_keys k;
    hilo_ticket_keys(&k, ref);
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    const char *argv[] = {"EVALSHA", hilo_scripts_sha(HILO_S_HISTORY), "3", k.tk, k.ev, k.dl, "0", "0", "", "0"};
    return hilo_redis_cmdargv(op->s->redis, step_cb, op, 10, argv, NULL);
}

/* The message goes to op->ref (exists, not closed) or to a new ticket. */
static void decide(struct in_op *op, int target)
{
    const struct hilo_inbound *m = op->cur;
    if (target)
        write_append(op, m, op->voice ? "call" : "message");
    else
        write_create(op, m);
}

static void step_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    const struct hilo_inbound *m = op->cur;

    if (!reply) {
        fail(op, -HILO_EUNAVAIL);
        return;
    }
    switch (op->step) {
    case 1: { /* [seen, ident, msgid] */
        char ref[HILO_REF_MAX] = "";
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
            fail(op, -HILO_EINTERNAL);
            return;
        }
        if (reply->element[0]->type == REDIS_REPLY_STRING) {
            /* a redelivery: acknowledged, stored once */
            op->cur = op->cur->next;
            next_message(op);
            return;
        }
        op->cid[0] = '\0';
        if (reply->element[1]->type == REDIS_REPLY_STRING)
            snprintf(op->cid, sizeof op->cid, "%s", reply->element[1]->str);
        if (reply->element[2]->type == REDIS_REPLY_STRING)
            hilo_ref_normalize(reply->element[2]->str, ref);
        if (!ref[0] && m->ref_hint && *m->ref_hint)
            hilo_ref_normalize(m->ref_hint, ref);
        if (!ref[0])
            find_ref(m->text, ref);
        if (!ref[0] && strcmp(m->channel, "email") == 0)
            find_ref(m->subject, ref);
        if (ref[0]) {
            op->step = 2;
            if (send_summary(op, ref) < 0)
                fail(op, -HILO_EUNAVAIL);
            return;
        }
        goto current;
    }
    case 2: /* summary of a quoted ticket */
    case 4: { /* summary of the sender's current ticket */
        json_error_t je;
        json_t *sum = NULL;
        if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1)
            sum = json_loadb(reply->element[0]->str, reply->element[0]->len, 0, &je);
        const char *st = sum ? json_string_value(json_object_get(sum, "status")) : NULL;
        const char *cu = sum ? json_string_value(json_object_get(sum, "customer")) : NULL;
        const char *loc = sum ? json_string_value(json_object_get(sum, "locale")) : NULL;
        if (st && strcmp(st, "closed") != 0 && cu) {
            snprintf(op->tcust, sizeof op->tcust, "%s", cu);
            snprintf(op->status, sizeof op->status, "%s", st);
            snprintf(op->locale, sizeof op->locale, "%s", loc && *loc ? loc : "en");
            json_decref(sum);
            if (op->voice)
                hilo_i18n_voice_known(op->locale, op->ref, op->status, op->twiml_text,
                                      sizeof op->twiml_text);
            decide(op, 1);
            return;
        }
        json_decref(sum);
        if (op->step == 4) {
            decide(op, 0);
            return;
        }
        goto current;
    }
    case 3: { /* HGET customer cur */
        if (reply->type == REDIS_REPLY_STRING && strlen(reply->str) < HILO_REF_MAX) {
            op->step = 4;
            if (send_summary(op, reply->str) < 0)
                fail(op, -HILO_EUNAVAIL);
            return;
        }
        decide(op, 0);
        return;
    }
    }
    return;
current:
    /* the sender's current ticket, if any */
    if (op->cid[0]) {
        char cu[160];
        hilo_key(cu, sizeof cu, HILO_K_CUSTOMER, op->cid);
        const char *argv[] = {"HGET", cu, "cur"};
        op->step = 3;
        if (hilo_redis_cmdargv(op->s->redis, step_cb, op, 3, argv, NULL) < 0)
            fail(op, -HILO_EUNAVAIL);
        return;
    }
    decide(op, 0);
}

static void start_message(struct in_op *op)
{
    struct hilo_inbound *m = op->cur;
    char seen[400], ik[400], mk[400], arg[300];
    const char *irt = m->in_reply_to && *m->in_reply_to ? m->in_reply_to : "";
    int rc;

    if (!m->text || !*m->text) {
        /* a type without text (an unknown one, say) still shows what it was */
        char label[80];
        snprintf(label, sizeof label, "[%s]", m->type && *m->type ? m->type : "message");
        free(m->text);
        m->text = strdup(label);
    }
    if (strcmp(m->channel, "email") == 0)
        snprintf(op->identity, sizeof op->identity, "email:%s", m->from);
    else
        snprintf(op->identity, sizeof op->identity, "phone:%s", m->from);
    snprintf(arg, sizeof arg, "%s:%s", m->provider, m->provider_id);
    hilo_key(seen, sizeof seen, HILO_K_SEEN, arg);
    hilo_key(ik, sizeof ik, HILO_K_IDENT, op->identity);
    /* In-Reply-To, else the last of References */
    char last[300] = "";
    if (!*irt && m->references && *m->references) {
        const char *sp = strrchr(m->references, ' ');
        snprintf(last, sizeof last, "%s", sp ? sp + 1 : m->references);
        irt = last;
    }
    char idbuf[300];
    size_t n = strlen(irt);
    if (n > 1 && irt[0] == '<' && irt[n - 1] == '>')
        snprintf(idbuf, sizeof idbuf, "%.*s", (int)(n - 2), irt + 1);
    else
        snprintf(idbuf, sizeof idbuf, "%s", irt);
    hilo_key(mk, sizeof mk, HILO_K_MSGID, idbuf[0] ? idbuf : "-");
    op->step = 1;
    const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
    const char *g1[] = {"GET", seen}, *g2[] = {"GET", ik}, *g3[] = {"GET", mk};
    rc = hilo_redis_cmdargv(op->s->redis, NULL, NULL, 1, mu, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(op->s->redis, NULL, NULL, 2, g1, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(op->s->redis, NULL, NULL, 2, g2, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(op->s->redis, NULL, NULL, 2, g3, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(op->s->redis, step_cb, op, 1, ex, NULL);
    if (rc < 0)
        fail(op, -HILO_EUNAVAIL);
}

static void next_message(struct in_op *op)
{
    if (op->cur) {
        start_message(op);
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
        fail(op, -HILO_EUNAVAIL);
        return;
    }
    op->curst = op->curst->next;
    next_status(op);
}

static void status_found_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    struct hilo_delivery *d = op->curst;
    char ref[HILO_REF_MAX], ev[48], tk[128], dl[128], dd[128];
    if (!reply) {
        fail(op, -HILO_EUNAVAIL);
        return;
    }
    if (reply->type != REDIS_REPLY_STRING || sscanf(reply->str, "%9s %47s", ref, ev) != 2 ||
        strcmp(d->status, "queued") == 0) {
        /* not one of ours (or not news) */
        op->curst = d->next;
        next_status(op);
        return;
    }
    hilo_key(tk, sizeof tk, HILO_K_TICKET, ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, ref);
    hilo_key(dd, sizeof dd, HILO_K_DEDUPE, ref);
    json_t *u = json_pack("{s:s}", "status", d->status);
    if (d->error && *d->error)
        json_object_set_new(u, "error", json_string(d->error));
    char *js = json_dumps(u, JSON_COMPACT);
    json_decref(u);
    const char *argv[] = {"EVALSHA", hilo_scripts_sha(HILO_S_DELIVERY), "3", tk, dl, dd,
                          op->s->events_channel, ref, "update", ev, js};
    int rc = hilo_redis_cmdargv(op->s->redis, status_done_cb, op, 11, argv, NULL);
    free(js);
    if (rc < 0)
        fail(op, -HILO_EUNAVAIL);
}

static void next_status(struct in_op *op)
{
    struct hilo_delivery *d = op->curst;
    char pk[400], arg[300];
    if (!d) {
        done(op);
        return;
    }
    snprintf(arg, sizeof arg, "%s:%s", op->provider, d->provider_id);
    hilo_key(pk, sizeof pk, HILO_K_PID, arg);
    const char *argv[] = {"GET", pk};
    if (hilo_redis_cmdargv(op->s->redis, status_found_cb, op, 2, argv, NULL) < 0)
        fail(op, -HILO_EUNAVAIL);
}

/* ---- providers ---------------------------------------------------------------- */

static struct in_op *op_new(struct hilo_http *r, enum answer answer)
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

static void run(struct in_op *op)
{
    if (!hilo_redis_ready(op->s->redis) || !hilo_scripts_ready()) {
        fail(op, -HILO_EUNAVAIL);
        return;
    }
    op->cur = op->msgs;
    next_message(op);
}

static void whatsapp(struct hilo_http *r)
{
    struct hilo_server *s = hilo_http_server(r);
    const struct hilo_config *c = s->cfg;
    const char *method = hilo_http_method(r);
    size_t len;
    const char *body;
    char err[256];
    struct in_op *op;

    if (!c->whatsapp_app_secret[0] && !c->whatsapp_verify_token[0]) {
        answer_error(r, 404, "not_found", "WhatsApp is not configured.");
        return;
    }
    if (strcmp(method, "GET") == 0) {
        const char *mode = hilo_http_arg(r, "hub.mode"), *tok = hilo_http_arg(r, "hub.verify_token");
        const char *ch = hilo_http_arg(r, "hub.challenge");
        if (mode && tok && ch && strcmp(mode, "subscribe") == 0 && c->whatsapp_verify_token[0] &&
            strlen(tok) == strlen(c->whatsapp_verify_token) &&
            sodium_memcmp(tok, c->whatsapp_verify_token, strlen(tok)) == 0)
            hilo_http_respond(r, 200, "text/plain", ch, strlen(ch));
        else
            answer_error(r, 403, "forbidden", "Verification failed.");
        return;
    }
    body = hilo_http_body(r, &len);
    if (!body) {
        answer_error(r, 413, "too_large", "Body too large.");
        return;
    }
    const char *sig = hilo_http_header(r, "x-hub-signature-256");
    if (!sig || !*sig) {
        answer_error(r, 401, "unauthorized", "Missing X-Hub-Signature-256.");
        return;
    }
    if (hilo_whatsapp_verify_signature(c->whatsapp_app_secret, body, len, sig) < 0) {
        answer_error(r, 403, "forbidden", "Bad signature.");
        return;
    }
    op = op_new(r, ANSWER_OK);
    if (!op)
        return;
    op->provider = "whatsapp";
    if (hilo_whatsapp_parse(body, len, &op->msgs, &op->statuses, err, sizeof err) < 0) {
        answer_error(r, 400, "bad_json", err);
        op_free(op);
        return;
    }
    run(op);
}

/* The URL Twilio signed: the public URL with the path and query. */
static void twilio_url(struct hilo_http *r, char *out, size_t n)
{
    struct hilo_server *s = hilo_http_server(r);
    size_t k = (size_t)snprintf(out, n, "%s%s", s->cfg->public_url, hilo_http_path(r));
    for (int i = 0; i < hilo_http_nargs(r) && k < n; i++)
        k += (size_t)snprintf(out + k, n - k, "%c%s", i ? '&' : '?', hilo_http_argn(r, i));
}

static int twilio_check(struct hilo_http *r, struct hilo_form *form)
{
    struct hilo_server *s = hilo_http_server(r);
    char url[1200];
    size_t len;
    const char *body = hilo_http_body(r, &len);
    if (!s->cfg->twilio_auth_token[0]) {
        answer_error(r, 404, "not_found", "Twilio is not configured.");
        return -1;
    }
    if (!body) {
        answer_error(r, 413, "too_large", "Body too large.");
        return -1;
    }
    const char *sig = hilo_http_header(r, "x-twilio-signature");
    if (!sig || !*sig) {
        answer_error(r, 401, "unauthorized", "Missing X-Twilio-Signature.");
        return -1;
    }
    if (hilo_form_parse(body, len, form) < 0) {
        /* a body we cannot read cannot be verified either */
        answer_error(r, 400, "bad_frame", "Malformed form body.");
        return -1;
    }
    twilio_url(r, url, sizeof url);
    if (hilo_twilio_verify_signature(s->cfg->twilio_auth_token, url, form, sig) < 0) {
        hilo_form_free(form);
        answer_error(r, 403, "forbidden", "Bad signature.");
        return -1;
    }
    return 0;
}

static void twilio_messaging(struct hilo_http *r, int status_cb)
{
    struct hilo_form form;
    struct in_op *op;
    if (twilio_check(r, &form) < 0)
        return;
    op = op_new(r, ANSWER_TWIML_EMPTY);
    if (!op) {
        hilo_form_free(&form);
        return;
    }
    op->provider = "twilio";
    int rc = status_cb ? hilo_twilio_parse_status(&form, &op->statuses)
                       : hilo_twilio_parse_message(&form, &op->msgs);
    hilo_form_free(&form);
    if (rc < 0) {
        answer_error(r, 400, "bad_frame", "Missing MessageSid or From.");
        op_free(op);
        return;
    }
    run(op);
}

static void email(struct hilo_http *r)
{
    struct hilo_server *s = hilo_http_server(r);
    struct hilo_form form;
    size_t len;
    const char *body = hilo_http_body(r, &len);
    const char *ctype = hilo_http_header(r, "content-type");
    struct in_op *op;
    int rc;

    if (!s->cfg->mailgun_signing_key[0]) {
        answer_error(r, 404, "not_found", "Inbound email is not configured.");
        return;
    }
    if (!body) {
        answer_error(r, 413, "too_large", "Body too large.");
        return;
    }
    if (ctype && strncasecmp(ctype, "multipart/form-data", 19) == 0)
        rc = hilo_form_parse_multipart(body, len, ctype, &form);
    else
        rc = hilo_form_parse(body, len, &form);
    if (rc < 0) {
        answer_error(r, 400, "bad_frame", "Malformed form body.");
        return;
    }
    const char *ts = hilo_form_get(&form, "timestamp"), *tok = hilo_form_get(&form, "token");
    const char *sig = hilo_form_get(&form, "signature");
    if (!ts || !tok || !sig) {
        hilo_form_free(&form);
        answer_error(r, 401, "unauthorized", "Missing signature.");
        return;
    }
    if (hilo_mailgun_verify(s->cfg->mailgun_signing_key, ts, tok, sig,
                            (int64_t)(hilo_now_ms() / 1000), 300) < 0) {
        hilo_form_free(&form);
        answer_error(r, 403, "forbidden", "Bad or stale signature.");
        return;
    }
    op = op_new(r, ANSWER_OK);
    if (!op) {
        hilo_form_free(&form);
        return;
    }
    rc = hilo_mailgun_parse(&form, &op->msgs);
    hilo_form_free(&form);
    if (rc < 0) {
        answer_error(r, 400, "bad_frame", "Missing sender or message fields.");
        op_free(op);
        return;
    }
    run(op);
}

/* ---- voice -------------------------------------------------------------------- */

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
    return m;
}

static void voice_gather(struct hilo_http *r, struct in_op *op, int again)
{
    struct hilo_server *s = op->s;
    const char *lang = s->cfg->default_locale;
    char action[64];
    snprintf(action, sizeof action, "/webhooks/twilio/voice/gather?n=%d", again + 1);
    char *xml = hilo_twiml_gather_ref(lang, hilo_i18n_voice_ask_ref(lang, again), action, 9);
    /* no input is an answer too: it opens a new ticket */
    if (xml) {
        char *g = strstr(xml, "<Gather ");
        if (g) {
            size_t pre = (size_t)(g - xml) + 8;
            char *with = malloc(strlen(xml) + 32);
            if (with) {
                memcpy(with, xml, pre);
                strcpy(with + pre, "actionOnEmptyResult=\"true\" "); /* NOLINT: sized */
                strcat(with, xml + pre);                            /* NOLINT: sized */
                free(xml);
                xml = with;
            }
        }
    }
    answer_twiml(r, xml);
    op_free(op);
}

static void voice_known_cb(redisReply *reply, void *data);

static void voice(struct hilo_http *r, const char *what)
{
    struct hilo_server *s = hilo_http_server(r);
    struct hilo_form form;
    struct in_op *op;
    if (twilio_check(r, &form) < 0)
        return;
    op = op_new(r, ANSWER_TWIML_EMPTY);
    if (!op) {
        hilo_form_free(&form);
        return;
    }
    op->voice = 1;
    snprintf(op->voice_kind, sizeof op->voice_kind, "%s", what);
    int rc = hilo_twilio_parse_call(&form, &op->call);
    hilo_form_free(&form);
    if (rc < 0) {
        answer_error(r, 400, "bad_frame", "Missing CallSid.");
        op->voice = 0;
        op_free(op);
        return;
    }
    if (!hilo_redis_ready(s->redis) || !hilo_scripts_ready()) {
        fail(op, -HILO_EUNAVAIL);
        return;
    }
    /* which ticket is this call on (set when it was attached) */
    char ck[300];
    hilo_key(ck, sizeof ck, HILO_K_CALL, op->call.call_sid);
    const char *argv[] = {"GET", ck};
    if (hilo_redis_cmdargv(s->redis, voice_known_cb, op, 2, argv, NULL) < 0)
        fail(op, -HILO_EUNAVAIL);
}

static void voice_linked_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    (void)reply;
    answer_twiml(op->r, hilo_twiml_say(op->locale, hilo_i18n_voice_thanks(op->locale)));
    op_free(op);
}

static void voice_event_written(redisReply *reply, void *data)
{
    struct in_op *op = data;
    if (!reply) {
        fail(op, -HILO_EUNAVAIL);
        return;
    }
    if (strcmp(op->voice_kind, "recording") == 0)
        voice_linked_cb(reply, op);
    else
        done(op);
}

/* recording / transcription / status of a call already on a ticket */
static void voice_followup(struct in_op *op, const char *ref)
{
    struct hilo_server *s = op->s;
    const char *lang = "en";
    struct hilo_inbound *m;
    char text[300];
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->locale, sizeof op->locale, "%s", s->cfg->default_locale);
    lang = op->locale;
    if (strcmp(op->voice_kind, "recording") == 0) {
        snprintf(text, sizeof text, "%s (%d s)", hilo_i18n_call(lang, "voicemail"), op->call.duration_s);
        m = call_item(op, "voicemail", text, "rec");
    } else if (strcmp(op->voice_kind, "transcription") == 0) {
        m = call_item(op, "transcription", op->call.transcription ? op->call.transcription : "", "tr");
    } else {
        if (!op->call.status || strcmp(op->call.status, "completed") != 0) {
            done(op);
            return;
        }
        snprintf(text, sizeof text, "%s (%d s)", hilo_i18n_call(lang, "ended"), op->call.duration_s);
        m = call_item(op, "call_end", text, "end");
    }
    if (!m) {
        fail(op, -HILO_EINTERNAL);
        return;
    }
    op->msgs = m;
    op->cur = m;
    /* stored like a message of the caller; a transcription is the customer's words */
    struct hilo_ticket_keys k;
    char dkey[300];
    hilo_ticket_keys(&k, ref);
    snprintf(dkey, sizeof dkey, "p:twilio:%s", m->provider_id);
    json_t *x = event_extra(m);
    char *xjs = json_dumps(x, JSON_COMPACT);
    json_decref(x);
    const char *kind = strcmp(op->voice_kind, "transcription") == 0 ? "message"
                       : strcmp(op->voice_kind, "recording") == 0   ? "voicemail"
                                                                     : "call";
    const char *argv[] = {"EVALSHA", hilo_scripts_sha(HILO_S_APPEND), "4", k.tk, k.ev, k.dd, k.dl,
                          s->events_channel, ref, kind, "voice", "customer", "", "", m->text, dkey,
                          m->provider_id, xjs, "", ""};
    const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
    int rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, mu, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 20, argv, NULL);
    if (rc == 0)
        rc = hilo_outbox_add_webhook(s->outbox, ref);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, voice_event_written, op, 1, ex, NULL);
    free(xjs);
    if (rc < 0)
        fail(op, -HILO_EUNAVAIL);
}

static void voice_attach_written(redisReply *reply, void *data);

static void voice_known_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    struct hilo_server *s = op->s;
    char ref[HILO_REF_MAX] = "";
    if (!reply) {
        fail(op, -HILO_EUNAVAIL);
        return;
    }
    if (reply->type == REDIS_REPLY_STRING)
        snprintf(ref, sizeof ref, "%s", reply->str);
    if (strcmp(op->voice_kind, "incoming") != 0 && strcmp(op->voice_kind, "gather") != 0) {
        if (ref[0])
            voice_followup(op, ref);
        else if (strcmp(op->voice_kind, "recording") == 0)
            voice_linked_cb(reply, op);
        else
            done(op);
        return;
    }
    const char *lang = s->cfg->default_locale;
    snprintf(op->locale, sizeof op->locale, "%s", lang);
    if (strcmp(op->voice_kind, "gather") == 0) {
        const char *digits = op->call.digits ? op->call.digits : "";
        const char *n = hilo_http_arg(op->r, "n");
        int attempt = n ? atoi(n) : 1; /* NOLINT: bounded small number */
        char norm[HILO_REF_MAX];
        if (*digits && hilo_ref_normalize(digits, norm) < 0 && attempt < 2) {
            voice_gather(op->r, op, 1);
            return;
        }
        op->msgs = call_item(op, "call", hilo_i18n_call(lang, "incoming"), "start");
        if (!op->msgs) {
            fail(op, -HILO_EINTERNAL);
            return;
        }
        if (*digits && hilo_ref_normalize(digits, norm) == 0) {
            free(op->msgs->ref_hint);
            op->msgs->ref_hint = strdup(norm);
        } else {
            /* no (valid) reference: a new ticket */
            free(op->msgs->text);
            op->msgs->text = strdup(hilo_i18n_call(lang, "incoming"));
            op->msgs->ref_hint[0] = '\0';
        }
        op->cur = op->msgs;
        op->step = 0;
        start_message(op);
        return;
    }
    /* incoming call: known number with a ticket is answered with its status */
    op->msgs = call_item(op, "call", hilo_i18n_call(lang, "incoming"), "start");
    if (!op->msgs) {
        fail(op, -HILO_EINTERNAL);
        return;
    }
    op->cur = op->msgs;
    char ik[300];
    snprintf(op->identity, sizeof op->identity, "phone:%s", op->call.from);
    hilo_key(ik, sizeof ik, HILO_K_IDENT, op->identity);
    const char *argv[] = {"GET", ik};
    op->step = 100;
    if (hilo_redis_cmdargv(s->redis, voice_attach_written, op, 2, argv, NULL) < 0)
        fail(op, -HILO_EUNAVAIL);
}

/* incoming call: is the caller a customer with a ticket that is not closed? */
static void voice_attach_written(redisReply *reply, void *data)
{
    struct in_op *op = data;
    if (!reply) {
        fail(op, -HILO_EUNAVAIL);
        return;
    }
    if (op->step == 100) {
        if (reply->type != REDIS_REPLY_STRING) {
            voice_gather(op->r, op, 0);
            return;
        }
        char cu[160];
        snprintf(op->cid, sizeof op->cid, "%s", reply->str);
        hilo_key(cu, sizeof cu, HILO_K_CUSTOMER, op->cid);
        const char *argv[] = {"HGET", cu, "cur"};
        op->step = 101;
        if (hilo_redis_cmdargv(op->s->redis, voice_attach_written, op, 3, argv, NULL) < 0)
            fail(op, -HILO_EUNAVAIL);
        return;
    }
    if (op->step == 101) {
        if (reply->type != REDIS_REPLY_STRING) {
            voice_gather(op->r, op, 0);
            return;
        }
        char tk[128];
        snprintf(op->ref, sizeof op->ref, "%.9s", reply->str);
        hilo_key(tk, sizeof tk, HILO_K_TICKET, op->ref);
        const char *argv[] = {"HMGET", tk, "status", "locale", "customer"};
        op->step = 102;
        if (hilo_redis_cmdargv(op->s->redis, voice_attach_written, op, 5, argv, NULL) < 0)
            fail(op, -HILO_EUNAVAIL);
        return;
    }
    /* 102: [status, locale, customer] */
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[0]->type != REDIS_REPLY_STRING || strcmp(reply->element[0]->str, "closed") == 0) {
        voice_gather(op->r, op, 0);
        return;
    }
    snprintf(op->status, sizeof op->status, "%s", reply->element[0]->str);
    if (reply->element[1]->type == REDIS_REPLY_STRING && reply->element[1]->str[0])
        snprintf(op->locale, sizeof op->locale, "%s", reply->element[1]->str);
    if (reply->element[2]->type == REDIS_REPLY_STRING)
        snprintf(op->tcust, sizeof op->tcust, "%s", reply->element[2]->str);
    hilo_i18n_voice_known(op->locale, op->ref, op->status, op->twiml_text, sizeof op->twiml_text);
    write_append(op, op->cur, "call");
}

/* After a call is written to a ticket, remember the call's ticket. */
static void remember_call(struct in_op *op)
{
    char ck[300];
    hilo_key(ck, sizeof ck, HILO_K_CALL, op->call.call_sid);
    const char *argv[] = {"SET", ck, op->ref, "EX", "86400"};
    hilo_redis_cmdargv(op->s->redis, NULL, NULL, 5, argv, NULL);
}

void hilo_webhook_handle(struct hilo_http *r)
{
    const char *p = hilo_http_path(r) + 10; /* after /webhooks/ */
    const char *method = hilo_http_method(r);

    if (strcmp(p, "whatsapp") == 0) {
        whatsapp(r);
        return;
    }
    if (strcmp(method, "POST") != 0) {
        answer_error(r, 405, "method_not_allowed", "Webhooks are POSTed.");
        return;
    }
    if (strcmp(p, "twilio/messaging") == 0)
        twilio_messaging(r, 0);
    else if (strcmp(p, "twilio/status") == 0)
        twilio_messaging(r, 1);
    else if (strcmp(p, "twilio/voice") == 0)
        voice(r, "incoming");
    else if (strcmp(p, "twilio/voice/gather") == 0)
        voice(r, "gather");
    else if (strcmp(p, "twilio/voice/recording") == 0)
        voice(r, "recording");
    else if (strcmp(p, "twilio/voice/transcription") == 0)
        voice(r, "transcription");
    else if (strcmp(p, "twilio/voice/status") == 0)
        voice(r, "status");
    else if (strcmp(p, "email") == 0)
        email(r);
    else
        answer_error(r, 404, "not_found", "No such webhook.");
}
