/* The one write path to tickets (include/hilo/tickets.h): create, append
 * (message, reply, note, resolve, call, voicemail), assign, status. Each
 * write is one MULTI: the ticket script first, then what changes with it
 * (queue index, customer link and identity indexes, outbox entry, webhook).
 * Callers (WebSocket, REST, webhooks) add only their own steps, in their
 * callbacks. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
#include "hilo/channels.h"
#include "hilo/hours.h"
#include "hilo/i18n.h"
#include "hilo/identity.h"
#include "hilo/outbound_route.h"
#include "hilo/outbox.h"
#include "hilo/sla.h"
#include "hilo/survey.h"
#include "hilo/store.h"
#include "hilo/store_index.h"
#include "hilo/store_records.h"
#include "hilo/store_customers.h"
#include "hilo/tickets.h"
#include "hilo/notify.h"

/* ---- the pure part ---------------------------------------------------------- */

static int empty(const char *s) { return !s || !*s; }

int hilo_tickets_create_check(const struct hilo_ticket_create *req)
{
    if (!req || empty(req->text) || empty(req->channel) || empty(req->customer.id) ||
        empty(req->dedupe) || req->nfields < 0 || req->nfields > HILO_TICKETS_MAX_FIELDS ||
        req->nfields % 2)
        return -HILO_EBADFRAME;
    if (req->kind && strcmp(req->kind, "message") != 0 && strcmp(req->kind, "call") != 0)
        return -HILO_EBADFRAME;
    return 0;
}

void hilo_tickets_create_op(const struct hilo_ticket_create *req, const char *chan,
                            const char *ref, const char *ack, int eta_minutes,
                            const char *ack_delivery, struct hilo_store_create *out)
{
    *out = (struct hilo_store_create){
        .chan = chan,
        .ref = ref,
        .customer = req->customer.id,
        .channel = req->channel,
        .name = req->customer.name,
        .text = req->text,
        .text_len = req->text_len,
        .dedupe = req->dedupe,
        .client_id = req->client_id,
        .locale = req->locale,
        .ack_text = ack,
        .eta_minutes = eta_minutes,
        .extra = req->extra,
        .ack_delivery = ack_delivery,
        .kind = req->kind ? req->kind : "message",
        .fields = req->fields,
        .nfields = req->nfields,
    };
}

int hilo_tickets_append_op(const struct hilo_ticket_append *req, const char *chan,
                           struct hilo_store_append *out)
{
    if (!req || empty(req->ref) || empty(req->text) || empty(req->channel) ||
        empty(req->role) || !*hilo_append_op_name(req->op) || req->nfields < 0 ||
        req->nfields % 2 || (req->nfields && !req->fields))
        return -HILO_EBADFRAME;
    *out = (struct hilo_store_append){
        .chan = chan,
        .ref = req->ref,
        .op = req->op,
        .channel = req->channel,
        .role = req->role,
        .author_id = req->author_id,
        .author_name = req->author_name,
        .text = req->text,
        .text_len = req->text_len,
        .dedupe = req->dedupe,
        .client_id = req->client_id,
        .extra = req->extra,
        .customer = req->customer,
        .delivery = req->delivery,
        .fields = req->fields,
        .nfields = req->nfields,
    };
    return 0;
}

int hilo_tickets_set_op(const struct hilo_ticket_set *req, enum hilo_set_op op,
                        const char *chan, struct hilo_store_set *out)
{
    if (!req || empty(req->ref) || !req->value)
        return -HILO_EBADFRAME;
    if (op == HILO_SET_STATUS && strcmp(req->value, "open") != 0 &&
        strcmp(req->value, "pending") != 0 && strcmp(req->value, "closed") != 0)
        return -HILO_EBADFRAME;
    if (req->follow_up_ms && (op != HILO_SET_STATUS || strcmp(req->value, "pending") != 0))
        return -HILO_EBADFRAME;
    if (op != HILO_SET_STATUS && op != HILO_SET_ASSIGN && op != HILO_SET_TAGS)
        return -HILO_EBADFRAME;
    if (op == HILO_SET_TAGS && (req->follow_up_ms || req->reason || strlen(req->value) > HILO_TAGS_MAX))
        return -HILO_EBADFRAME;
    if (req->reason && (op != HILO_SET_STATUS || strcmp(req->value, "closed") != 0 ||
                        (strcmp(req->reason, "spam") != 0 && strcmp(req->reason, "duplicate") != 0 &&
                         strcmp(req->reason, "other") != 0)))
        return -HILO_EBADFRAME;
    *out = (struct hilo_store_set){
        .chan = chan,
        .ref = req->ref,
        .op = op,
        .value = req->value,
        .author_id = req->author_id,
        .author_name = req->author_name,
        .team = req->team,
        .follow_up_ms = req->follow_up_ms,
        .reason = req->reason,
    };
    return 0;
}

enum hilo_tickets_index hilo_tickets_index_after_append(enum hilo_append_op op)
{
    if (op == HILO_APPEND_MESSAGE)
        return HILO_TICKETS_INDEX_ADD; /* a customer's message reopens */
    if (op == HILO_APPEND_RESOLVE)
        return HILO_TICKETS_INDEX_REMOVE;
    return HILO_TICKETS_INDEX_KEEP;
}

enum hilo_tickets_index hilo_tickets_index_after_set(enum hilo_set_op op, const char *value)
{
    if (op != HILO_SET_STATUS)
        return HILO_TICKETS_INDEX_KEEP;
    return value && strcmp(value, "closed") == 0 ? HILO_TICKETS_INDEX_REMOVE
                                                 : HILO_TICKETS_INDEX_ADD;
}

/* ---- what every write adds to its transaction ------------------------------ */

void hilo_tickets_tx_webhook(struct hilo_tx *tx, struct hilo_server *s, const char *ref)
{
    if (tx->rc == 0) {
        int rc = hilo_outbox_add_webhook(s->outbox, ref);
        if (rc < 0)
            tx->rc = rc; /* the commit then discards the block */
    }
}

static void tx_outbox(struct hilo_tx *tx, struct hilo_server *s, json_t *entry)
{
    if (tx->rc == 0 && entry) {
        int rc = hilo_outbox_add(s->outbox, entry);
        if (rc < 0)
            tx->rc = rc;
    }
}

/* The index moves inside the write's script: a refused write (closed,
 * unknown, forbidden) must not put a ticket back in the queue. */
static enum hilo_store_reindex store_reindex(enum hilo_tickets_index how)
{
    return how == HILO_TICKETS_INDEX_ADD      ? HILO_STORE_REINDEX_ADD
           : how == HILO_TICKETS_INDEX_REMOVE ? HILO_STORE_REINDEX_REMOVE
                                              : HILO_STORE_REINDEX_KEEP;
}

static void tx_index(struct hilo_tx *tx, enum hilo_tickets_index how, const char *ref,
                     int all_too)
{
    struct hilo_store_index_entry e = {
        .index = HILO_STORE_IDX_ACTIVE, .ref = ref, .at_ms = hilo_now_ms()};
    if (how == HILO_TICKETS_INDEX_REMOVE)
        hilo_tx_index_rem(tx, &e);
    else if (how == HILO_TICKETS_INDEX_ADD)
        hilo_tx_index_add(tx, &e);
    e.index = HILO_STORE_IDX_ALL;
    if (all_too)
        hilo_tx_index_add(tx, &e);
}

/* The customer record linked to ref, each identity pointing at the
 * customer unless it is someone's already, the email search index. */
static void tx_customer(struct hilo_tx *tx, const struct hilo_ticket_customer *cu,
                        const char *ref)
{
    struct hilo_store_argv a;
    struct hilo_store_cust op = {
        .customer = cu->id, .identity = "", .name = cu->name, .email = cu->email,
        .locale = cu->locale, .ref = ref, .identity2 = "",
    };
    if (hilo_store_cust_argv(&a, &op) < 0) {
        if (tx->rc == 0)
            tx->rc = -HILO_EINTERNAL;
        return;
    }
    hilo_tx_add_argv(tx, &a);
    for (int i = 0; i < HILO_TICKETS_MAX_IDENTS && cu->identities[i]; i++) {
        if (!*cu->identities[i])
            continue;
        struct hilo_store_ident_link link = {
            .identity = cu->identities[i], .customer = cu->id, .nx = 1};
        hilo_tx_ident_link(tx, &link);
        hilo_tx_customer_ids_add(tx, cu->id, cu->identities[i]);
        hilo_identity_tx_evidence(tx, cu->id, cu->identities[i], cu->evidence, cu->evidence_by);
    }
    if (!empty(cu->email)) {
        struct hilo_store_search_email ix = {.email = cu->email, .customer = cu->id};
        hilo_tx_search_email(tx, &ix);
    }
    /* the name index: weak matches become merge suggestions (store_customers.h) */
    struct hilo_store_search_name nx = {.name = cu->name, .customer = cu->id};
    hilo_tx_search_name(tx, &nx);
}

/* The script's error first (its reply is the block's first), then any
 * other command's. */
static int exec_err(const redisReply *reply)
{
    int err;
    if (!reply)
        return -HILO_EUNAVAIL;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
        return hilo_store_err(reply) ? hilo_store_err(reply) : -HILO_EINTERNAL;
    for (size_t i = 0; i < reply->elements; i++)
        if ((err = hilo_store_err(reply->element[i])) < 0)
            return err;
    return 0;
}

static const char *str_of(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING ? r->str : "";
}

/* ---- create ------------------------------------------------------------------ */

struct create_op {
    struct hilo_server *s;
    hilo_tickets_cb cb;
    void *data;
    struct hilo_ticket_create req;   /* strings point into owned[] */
    const char *ack_route[HILO_OUTBOX_NFIELDS];
    char *owned[64];
    int nowned;
    int waited;
    int sent;                        /* the transaction went to Redis, no answer came */
    char ref[HILO_REF_MAX];
    char ack[600];
};

static void create_free(struct create_op *op)
{
    for (int i = 0; i < op->nowned; i++)
        free(op->owned[i]);
    free(op);
}

/* A copy owned by op (NULL stays NULL); on failure *fail is set. */
static const char *own(struct create_op *op, const char *s, size_t len, int *fail)
{
    char *p;
    if (!s)
        return NULL;
    if (op->nowned >= (int)HILO_ARRAY_LEN(op->owned) || !(p = malloc(len + 1))) {
        *fail = 1;
        return "";
    }
    memcpy(p, s, len);
    p[len] = '\0';
    op->owned[op->nowned++] = p;
    return p;
}

#define OWN(op, s, fail) own(op, s, (s) ? strlen(s) : 0, fail)

static int create_copy(struct create_op *op, const struct hilo_ticket_create *in)
{
    struct hilo_ticket_create *r = &op->req;
    int fail = 0;
    *r = *in;
    r->text_len = in->text_len ? in->text_len : strlen(in->text);
    r->text = own(op, in->text, r->text_len, &fail);
    r->channel = OWN(op, in->channel, &fail);
    r->dedupe = OWN(op, in->dedupe, &fail);
    r->client_id = OWN(op, in->client_id, &fail);
    r->locale = OWN(op, in->locale, &fail);
    r->extra = OWN(op, in->extra, &fail);
    r->kind = OWN(op, in->kind, &fail);
    for (int i = 0; i < in->nfields; i++)
        r->fields[i] = OWN(op, in->fields[i], &fail);
    if (in->ack_route) {
        for (int i = 0; i < HILO_OUTBOX_NFIELDS; i++)
            op->ack_route[i] = OWN(op, in->ack_route[i], &fail);
        r->ack_route = op->ack_route;
    }
    r->customer.id = OWN(op, in->customer.id, &fail);
    r->customer.name = OWN(op, in->customer.name, &fail);
    r->customer.email = OWN(op, in->customer.email, &fail);
    r->customer.locale = OWN(op, in->customer.locale, &fail);
    memset(r->customer.identities, 0, sizeof r->customer.identities);
    for (int i = 0; i < HILO_TICKETS_MAX_IDENTS && in->customer.identities[i]; i++)
        r->customer.identities[i] = OWN(op, in->customer.identities[i], &fail);
    r->customer.evidence = in->customer.evidence ? OWN(op, in->customer.evidence, &fail) : NULL;
    r->customer.evidence_by = in->customer.evidence_by ? OWN(op, in->customer.evidence_by, &fail) : NULL;
    return fail ? -HILO_EINTERNAL : 0;
}

static void create_done(struct create_op *op, int err, const redisReply *ids)
{
    struct hilo_ticket_result res = {
        .err = err,
        .ref = op->ref,
        .event_id = ids ? str_of(ids->element[0]) : "",
        .ack_event_id = ids ? str_of(ids->element[1]) : "",
        .ack_text = op->ack,
        .status = err ? "" : "open",
        .maybe_stored = err == -HILO_EUNAVAIL && op->sent,
    };
    op->cb(&res, op->data);
    create_free(op);
}

static void created_cb(redisReply *reply, void *data)
{
    struct create_op *op = data;
    int err = exec_err(reply);
    const redisReply *ids = NULL;
    op->sent = !reply;
    if (!err) {
        ids = reply->element[0];
        if (ids->type != REDIS_REPLY_ARRAY || ids->elements != 2) {
            ids = NULL;
            err = -HILO_EINTERNAL;
        }
    }
    create_done(op, err, ids);
}

static void create_write(struct create_op *op);
static void create_again(void *data) { create_write(data); }


/* The channels the acknowledgement may name: those Hilo receives on (a
 * channel row whose webhooks are set up), so it never promises one that
 * is not there. */
static unsigned ack_channels(const struct hilo_config *cfg)
{
    static const struct {
        const char *channel;
        unsigned bit;
    } map[] = {{"whatsapp", HILO_I18N_WHATSAPP},
               {"sms", HILO_I18N_SMS},
               {"voice", HILO_I18N_PHONE},
               {"email", HILO_I18N_EMAIL}};
    unsigned mask = 0;
    for (size_t i = 0; i < hilo_channel_count(); i++) {
        const struct hilo_channel_ops *o = hilo_channel_at(i);
        if (!o->hooks_configured || !o->hooks_configured(cfg))
            continue;
        for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
            if (strcmp(o->channel, map[k].channel) == 0)
                mask |= map[k].bit;
    }
    return mask;
}

static void create_write(struct create_op *op)
{
    struct hilo_server *s = op->s;
    const struct hilo_ticket_create *r = &op->req;
    struct hilo_store_create cr;
    struct hilo_store_argv a;
    struct hilo_tx tx;
    json_t *entry = NULL;
    char *delivery = NULL;
    int rc;

    if (hilo_refpool_take(s, op->ref) < 0) {
        if (!op->waited) {
            /* tickets come faster than the pool refills: wait for it once */
            op->waited = 1;
            hilo_refpool_when(s, create_again, op);
            return;
        }
        create_done(op, -HILO_EUNAVAIL, NULL);
        return;
    }
    if (r->before && (rc = r->before(op->ref, op->data)) != 0) {
        create_done(op, rc < 0 ? rc : -HILO_EUNAVAIL, NULL);
        return;
    }
    /* "about 15 minutes" while open, the next opening when closed */
    if (s->sla_default_known) /* the stored default team too, and holidays (sla_timer.c) */
        hilo_hours_ack_cal(&s->sla_default_cal, r->locale, op->ref, s->cfg->ack_eta_minutes,
                           ack_channels(s->cfg), hilo_now_ms(), op->ack, sizeof op->ack);
    else
        hilo_hours_ack(s->cfg, r->locale, op->ref, s->cfg->ack_eta_minutes, ack_channels(s->cfg),
                       hilo_now_ms(), op->ack, sizeof op->ack);
    /* the acknowledgement goes back on the channel the message came from */
    if (r->ack_route)
        hilo_route_entry(s->cfg, NULL, r->ack_route, op->ref, "ack", op->ack, &entry, &delivery);
    if (entry) /* Auto-Submitted: auto-replied on a mail (RFC 3834) */
        json_object_set_new(entry, "auto", json_string("auto-replied"));
    hilo_tickets_create_op(r, s->events_channel, op->ref, op->ack, s->cfg->ack_eta_minutes,
                           delivery, &cr);
    /* the SLA clocks start now, by Hilo's clock (sla_timer.c) */
    const char *fields[HILO_TICKETS_MAX_FIELDS + 4];
    char start[24];
    for (int i = 0; i < r->nfields; i++)
        fields[i] = r->fields[i];
    snprintf(start, sizeof start, "%llu", (unsigned long long)hilo_now_ms());
    fields[r->nfields] = "sla_start";
    fields[r->nfields + 1] = start;
    /* when the customer last wrote on this channel (WhatsApp's window) */
    char in_at[48];
    snprintf(in_at, sizeof in_at, "in_at:%s", r->channel);
    fields[r->nfields + 2] = in_at;
    fields[r->nfields + 3] = start;
    cr.fields = fields;
    cr.nfields = r->nfields + 4;
    hilo_tx_begin(&tx, s->redis);
    if (hilo_store_create_argv(&a, &cr) < 0)
        tx.rc = -HILO_EINTERNAL;
    hilo_tx_add_argv(&tx, &a);
    tx_index(&tx, HILO_TICKETS_INDEX_ADD, op->ref, 1);
    tx_customer(&tx, &r->customer, op->ref);
    tx_outbox(&tx, s, entry);
    hilo_tickets_tx_webhook(&tx, s, op->ref);
    hilo_sla_tx_touch(op->s, &tx, op->ref);
    rc = hilo_tx_commit(&tx, created_cb, op);
    json_decref(entry);
    free(delivery);
    if (rc < 0)
        create_done(op, rc == -HILO_EINTERNAL ? rc : -HILO_EUNAVAIL, NULL);
}

int hilo_tickets_create(struct hilo_server *s, const struct hilo_ticket_create *req,
                        hilo_tickets_cb cb, void *data)
{
    struct create_op *op;
    int rc = hilo_tickets_create_check(req);
    if (rc < 0)
        return rc;
    op = calloc(1, sizeof *op);
    if (!op)
        return -HILO_EINTERNAL;
    if (create_copy(op, req) < 0) {
        create_free(op);
        return -HILO_EINTERNAL;
    }
    op->s = s;
    op->cb = cb;
    op->data = data;
    create_write(op);
    return 0;
}

/* ---- append, assign, status ---------------------------------------------------- */

struct write_op {
    hilo_tickets_cb cb;
    void *data;
    int set;                  /* SET's reply, not APPEND's */
    int resolve;              /* a resolution: the survey follows (survey.c) */
    char notify[16];          /* the state the customer may hear of (notify.c) */
    char sent_on[16];         /* the channel a resolution went out on */
    struct hilo_server *s;
    char ref[HILO_REF_MAX];
};

static void written_cb(redisReply *reply, void *data)
{
    struct write_op *op = data;
    int err = exec_err(reply);
    const redisReply *res = NULL;
    struct hilo_ticket_result out = {.ref = op->ref, .event_id = "", .status = ""};
    if (!err) {
        res = reply->element[0];
        if (res->type != REDIS_REPLY_ARRAY || res->elements < (op->set ? 2u : 3u))
            err = -HILO_EINTERNAL;
    }
    out.err = err;
    out.maybe_stored = !reply && err == -HILO_EUNAVAIL;
    if (!err) {
        out.event_id = str_of(res->element[0]);
        if (op->set) {
            out.status = str_of(res->element[1]);
        } else {
            out.duplicate = res->element[1]->type == REDIS_REPLY_INTEGER &&
                            res->element[1]->integer == 1;
            out.status = str_of(res->element[2]);
        }
    }
    if (op->resolve && !err && !out.duplicate)
        hilo_survey_after_resolve(op->s, op->ref);
    /* in progress only while open; waiting on you / resolved when it changed */
    if (op->notify[0] && !err && !out.duplicate && *out.event_id &&
        (strcmp(op->notify, "in_progress") != 0 || strcmp(out.status, "open") == 0))
        hilo_notify_status(op->s, op->ref, op->notify, out.event_id, op->sent_on);
    op->cb(&out, op->data);
    free(op);
}

static int write_commit_notify(struct hilo_tx *tx, const char *ref, int set, hilo_tickets_cb cb,
                               void *data, struct hilo_server *s, int resolve,
                               const char *notify, const char *sent_on);

static int write_commit_notify(struct hilo_tx *tx, const char *ref, int set, hilo_tickets_cb cb,
                               void *data, struct hilo_server *s, int resolve,
                               const char *notify, const char *sent_on)
{
    struct write_op *op = calloc(1, sizeof *op);
    int rc;
    if (!op) {
        tx->rc = tx->rc ? tx->rc : -HILO_EINTERNAL;
        hilo_tx_commit(tx, NULL, NULL); /* only sends DISCARD */
        return -HILO_EINTERNAL;
    }
    op->cb = cb;
    op->data = data;
    op->set = set;
    op->s = s;
    op->resolve = resolve;
    snprintf(op->notify, sizeof op->notify, "%s", s && notify ? notify : "");
    snprintf(op->sent_on, sizeof op->sent_on, "%s", sent_on ? sent_on : "");
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    rc = hilo_tx_commit(tx, written_cb, op);
    if (rc < 0) {
        free(op);
        return rc == -HILO_EINTERNAL ? rc : -HILO_EUNAVAIL;
    }
    return 0;
}

int hilo_tickets_append(struct hilo_server *s, const struct hilo_ticket_append *req,
                        hilo_tickets_cb cb, void *data)
{
    /* a short acknowledgement may land on a resolved ticket without
     * reopening it: thanks.c looks first */
    if (hilo_thanks_candidate(s, req))
        return hilo_thanks_append(s, req, cb, data);
    return hilo_tickets_append_now(s, req, cb, data);
}

int hilo_tickets_append_now(struct hilo_server *s, const struct hilo_ticket_append *req,
                            hilo_tickets_cb cb, void *data)
{
    struct hilo_store_append ap;
    struct hilo_store_argv a;
    struct hilo_tx tx;
    const char *fields[HILO_TICKETS_MAX_FIELDS + 2];
    char in_at[48], now[24];
    int rc = hilo_tickets_append_op(req, s->events_channel, &ap);
    if (rc < 0)
        return rc;
    ap.reindex = store_reindex(hilo_tickets_index_after_append(req->op));
    /* when the customer last wrote on this channel (WhatsApp's window), by
     * Hilo's clock */
    if ((req->op == HILO_APPEND_MESSAGE || req->op == HILO_APPEND_THANKS) &&
        req->nfields <= HILO_TICKETS_MAX_FIELDS && strcmp(req->role, "customer") == 0) {
        for (int i = 0; i < req->nfields; i++)
            fields[i] = req->fields[i];
        snprintf(in_at, sizeof in_at, "in_at:%s", req->channel);
        snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
        fields[req->nfields] = in_at;
        fields[req->nfields + 1] = now;
        ap.fields = fields;
        ap.nfields = req->nfields + 2;
    }
    if (hilo_store_append_argv(&a, &ap) < 0)
        return -HILO_EINTERNAL;
    hilo_tx_begin(&tx, s->redis);
    hilo_tx_add_argv(&tx, &a);
    if (req->link)
        tx_customer(&tx, req->link, req->ref);
    tx_outbox(&tx, s, req->entry);
    hilo_tickets_tx_webhook(&tx, s, req->ref);
    hilo_sla_tx_touch(s, &tx, req->ref);
    int resolve = req->op == HILO_APPEND_RESOLVE;
    return write_commit_notify(&tx, req->ref, 0, cb, data, s, resolve,
                               resolve ? "resolved" : NULL, resolve ? req->channel : NULL);
}

static int set(struct hilo_server *s, const struct hilo_ticket_set *req, enum hilo_set_op kind,
               hilo_tickets_cb cb, void *data)
{
    struct hilo_store_set op;
    struct hilo_store_argv a;
    struct hilo_tx tx;
    char member[32];
    int rc = hilo_tickets_set_op(req, kind, s->events_channel, &op);
    if (rc < 0)
        return rc;
    op.reindex = store_reindex(hilo_tickets_index_after_set(kind, req->value));
    if (hilo_store_set_argv(&a, &op) < 0)
        return -HILO_EINTERNAL;
    hilo_tx_begin(&tx, s->redis);
    hilo_tx_add_argv(&tx, &a);
    if (req->follow_up_ms) {
        /* followup.c reopens the ticket when this timer is due */
        snprintf(member, sizeof member, "followup:%s", req->ref);
        struct hilo_store_timer t = {.member = member, .at_ms = req->follow_up_ms};
        hilo_tx_timer_set(&tx, &t);
    }
    hilo_tickets_tx_webhook(&tx, s, req->ref);
    hilo_sla_tx_touch(s, &tx, req->ref);
    /* what the customer may hear of on their channel (notify.c) */
    const char *notify = NULL;
    if (kind == HILO_SET_ASSIGN && req->value && *req->value)
        notify = "in_progress";
    else if (kind == HILO_SET_STATUS && req->value && strcmp(req->value, "pending") == 0)
        notify = "pending";
    return write_commit_notify(&tx, req->ref, 1, cb, data, s, 0, notify, NULL);
}

int hilo_tickets_assign(struct hilo_server *s, const struct hilo_ticket_set *req,
                        hilo_tickets_cb cb, void *data)
{
    return set(s, req, HILO_SET_ASSIGN, cb, data);
}

int hilo_tickets_set_status(struct hilo_server *s, const struct hilo_ticket_set *req,
                            hilo_tickets_cb cb, void *data)
{
    return set(s, req, HILO_SET_STATUS, cb, data);
}

int hilo_tickets_set_tags(struct hilo_server *s, const struct hilo_ticket_set *req,
                          hilo_tickets_cb cb, void *data)
{
    return set(s, req, HILO_SET_TAGS, cb, data);
}

/* Lower-cases ASCII letters; a tag is 1-32 bytes without ',', spaces or
 * control characters. */
static int tag_norm(const char *in, char *out, size_t cap)
{
    size_t n = strlen(in);
    if (n == 0 || n > 32 || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (ch <= ' ' || ch == ',' || ch == 0x7f)
            return -1;
        out[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
    }
    out[n] = '\0';
    return 0;
}

int hilo_tickets_tags_join(const char *const *tags, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    char one[40];
    if (n > HILO_TAGS_COUNT || cap == 0)
        return -HILO_EBADFRAME;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!tags[i] || tag_norm(tags[i], one, sizeof one) < 0)
            return -HILO_EBADFRAME;
        /* duplicates (after lower-casing) are kept once */
        size_t ol = strlen(one);
        int dup = 0;
        for (const char *p = out; *p && !dup;) {
            const char *e = strchr(p, ',');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            dup = l == ol && memcmp(p, one, l) == 0;
            p = e ? e + 1 : p + l;
        }
        if (dup)
            continue;
        if (len + ol + 2 > cap)
            return -HILO_EBADFRAME;
        if (len)
            out[len++] = ',';
        memcpy(out + len, one, ol + 1);
        len += ol;
    }
    return 0;
}
