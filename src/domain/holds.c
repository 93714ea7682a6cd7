/* What follows a decision on a held join (include/hilo/holds.h,
 * docs/continuity.md): the join (held messages appended to the ticket in
 * order, the identity linked with its evidence), a rejection, and the
 * notices sent to a held sender. */
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/holds.h"
#include "hilo/i18n.h"
#include "hilo/identity.h"
#include "hilo/inbound.h"
#include "hilo/log.h"
#include "hilo/outbound_route.h"
#include "hilo/outbox.h"
#include "hilo/server.h"
#include "hilo/store.h"
#include "hilo/store_holds.h"
#include "hilo/store_records.h"
#include "hilo/tickets.h"

void hilo_hold_new_id(char id[HILO_HOLD_ID_MAX])
{
    unsigned char rnd[4];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(id, HILO_HOLD_ID_MAX, rnd, sizeof rnd);
}

void hilo_hold_new_code(char code[7])
{
    snprintf(code, 7, "%06u", (unsigned)randombytes_uniform(1000000));
}

void hilo_hold_code_hash(const char *id, const char *code, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)id, strlen(id));
    crypto_hash_sha256_update(&st, (const unsigned char *)":", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)code, strlen(code));
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, 65, h, sizeof h);
}

void hilo_hold_mask(const char *addr, char *out, size_t n)
{
    const char *at = strchr(addr, '@');
    size_t len = strlen(addr);
    if (at) /* a***@example.com */
        snprintf(out, n, "%.1s***%s", addr, at);
    else if (len > 4) /* ***1234 */
        snprintf(out, n, "***%s", addr + len - 4);
    else
        snprintf(out, n, "***");
}

void hilo_holds_tx_send(struct hilo_tx *tx, struct hilo_server *s, const char *id,
                        const char *key, const char *want,
                        const char *const route[HILO_OUTBOX_NFIELDS], const char *text)
{
    char pref[16], evid[40];
    json_t *entry = NULL;
    char *delivery = NULL;
    static unsigned seq;

    if (tx->rc)
        return;
    snprintf(pref, sizeof pref, "h%s", id);
    if (hilo_route_entry(s->cfg, want, route, pref, key, text, &entry, &delivery) < 0 || !entry) {
        free(delivery);
        json_decref(entry);
        return; /* no provider reaches it (the web, or not configured) */
    }
    json_object_set_new(entry, "auto", json_string("auto-replied")); /* a code, a notice */
    snprintf(evid, sizeof evid, "%llu-%u", (unsigned long long)hilo_now_ms(), ++seq);
    struct hilo_store_notice n = {.id = id, .key = key, .event_id = evid, .delivery = delivery};
    if (hilo_tx_notice(tx, &n) == 0) {
        int rc = hilo_outbox_add(s->outbox, entry);
        if (rc < 0 && tx->rc == 0)
            tx->rc = rc;
    }
    json_decref(entry);
    free(delivery);
}

void hilo_holds_tx_notice(struct hilo_tx *tx, struct hilo_server *s, const char *id,
                          const char *key, const struct hilo_inbound *m, const char *locale,
                          const char *text)
{
    const char *pairs[HILO_INBOUND_MAX_FIELDS], *route[HILO_OUTBOX_NFIELDS];
    char addrkey[40];
    int np = hilo_inbound_ticket_fields(m, pairs, addrkey, sizeof addrkey);
    hilo_inbound_route_fields(m, pairs, np, locale, route);
    hilo_holds_tx_send(tx, s, id, key, m->channel, route, text);
}

/* ---- loading a hold -------------------------------------------------------- */

struct hold_op {
    struct hilo_server *s;
    char id[HILO_HOLD_ID_MAX];
    char how[16];
    char by[65];
    int approve;               /* decide */
    hilo_hold_cb cb;
    void *data;
    /* the hold */
    char ref[HILO_REF_MAX], identity[300], customer[40], locale[4], status[16];
    char former[40];           /* the customer the identity leaves ('' = none) */
    int err;                   /* a failed join's error, reported once the hold is back */
    struct hilo_inbound *msgs; /* in order */
    char (*kinds)[16];
    size_t n, i;
};

static void hold_free(struct hold_op *op)
{
    hilo_inbound_free(op->msgs);
    free(op->kinds);
    free(op);
}

static void hold_end(struct hold_op *op, int err)
{
    op->cb(err, op->ref, op->data);
    hold_free(op);
}

static const char *hget(const redisReply *h, const char *name)
{
    for (size_t i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2)
        if (h->element[i]->str && strcmp(h->element[i]->str, name) == 0)
            return h->element[i + 1]->str ? h->element[i + 1]->str : "";
    return "";
}

/* [hash, messages] -> op's fields; 0 or -HILO_E* */
static int hold_parse(struct hold_op *op, const redisReply *reply)
{
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
        return -HILO_EUNAVAIL;
    const redisReply *h = reply->element[0], *l = reply->element[1];
    if (h->type != REDIS_REPLY_ARRAY || h->elements == 0)
        return -HILO_EUNKNOWNHOLD;
    snprintf(op->ref, sizeof op->ref, "%s", hget(h, "ref"));
    snprintf(op->identity, sizeof op->identity, "%s", hget(h, "identity"));
    snprintf(op->customer, sizeof op->customer, "%s", hget(h, "customer"));
    snprintf(op->locale, sizeof op->locale, "%s", hget(h, "locale"));
    snprintf(op->status, sizeof op->status, "%s", hget(h, "status"));
    if (l->type != REDIS_REPLY_ARRAY)
        return -HILO_EINTERNAL;
    op->kinds = calloc(l->elements ? l->elements : 1, sizeof *op->kinds);
    if (!op->kinds)
        return -HILO_EINTERNAL;
    struct hilo_inbound **tail = &op->msgs;
    for (size_t i = 0; i < l->elements; i++) {
        struct hilo_inbound *m = hilo_inbound_from_held(l->element[i]->str, l->element[i]->len,
                                                        op->kinds[op->n], sizeof op->kinds[0]);
        if (!m)
            continue; /* not ours: skipped, never fatal */
        *tail = m;
        tail = &m->next;
        op->n++;
    }
    return 0;
}

static int hold_load(struct hold_op *op, hilo_redis_cb cb)
{
    struct hilo_tx tx;
    hilo_tx_begin(&tx, op->s->redis);
    hilo_tx_hold_get(&tx, op->id);
    hilo_tx_hold_msgs(&tx, op->id);
    return hilo_tx_commit(&tx, cb, op);
}

static struct hold_op *hold_new(struct hilo_server *s, const char *id, hilo_hold_cb cb, void *data)
{
    struct hold_op *op;
    if (!id || strlen(id) != HILO_HOLD_ID_MAX - 1 || strspn(id, "0123456789abcdef") != strlen(id))
        return NULL;
    if (!(op = calloc(1, sizeof *op)))
        return NULL;
    op->s = s;
    op->cb = cb;
    op->data = data;
    snprintf(op->id, sizeof op->id, "%s", id);
    return op;
}

/* The hold event on the ticket (agents only) in tx. */
static void tx_event(struct hilo_tx *tx, struct hold_op *op, const char *what, const char *text)
{
    struct hilo_store_argv a;
    json_t *x = json_pack("{s:s, s:s, s:s, s:s}", "hold", op->id, "hold_event", what, "identity",
                          op->identity, "by", op->by);
    char *js = x ? json_dumps(x, JSON_COMPACT) : NULL;
    json_decref(x);
    struct hilo_store_holdev ev = {.chan = op->s->events_channel, .ref = op->ref, .text = text,
                                   .extra = js ? js : "{}", .counter = ""};
    int rc = hilo_store_holdev_argv(&a, &ev);
    if (rc < 0) {
        if (tx->rc == 0)
            tx->rc = rc;
    } else {
        hilo_tx_add_argv(tx, &a);
    }
    free(js);
}

/* ---- the join ---------------------------------------------------------------- */

static void join_next(struct hold_op *op);

static void joined_cb(redisReply *reply, void *data)
{
    struct hold_op *op = data;
    hold_end(op, !reply || reply->type != REDIS_REPLY_ARRAY ? -HILO_EUNAVAIL : 0);
}

static void join_finish(struct hold_op *op)
{
    struct hilo_tx tx;
    char text[400], key[40];
    uint64_t now = hilo_now_ms();
    hilo_tx_begin(&tx, op->s->redis);
    hilo_tx_hold_done(&tx, op->id, now);
    hilo_tx_holds_rem(&tx, op->id);
    hilo_tx_hold_by_del(&tx, op->identity);
    snprintf(text, sizeof text, "%s: %s",
             strcmp(op->how, "code") == 0 ? "Joined with a confirmed code" : "Join approved",
             op->identity);
    tx_event(&tx, op, "joined", text);
    /* the identity is linked only now that every held message joined (a
     * join that fails links nothing); a withheld caller is nobody's
     * identity: its messages join, nothing links. An identity proven this
     * way moves to the customer: its former one (if any) no longer lists
     * it, and keeps its tickets. Nothing else about the customer changes. */
    if (hilo_identity_evidence_default(op->identity) != NULL) {
        struct hilo_store_ident_link link = {.identity = op->identity, .customer = op->customer};
        hilo_tx_ident_link(&tx, &link);
        hilo_tx_customer_ids_add(&tx, op->customer, op->identity);
        hilo_identity_tx_evidence(&tx, op->customer, op->identity, op->how, op->by);
    }
    if (op->former[0]) {
        hilo_tx_customer_ids_rem(&tx, op->former, op->identity);
        hilo_tx_evidence_del(&tx, op->former, op->identity);
    }
    if (op->msgs) {
        struct hilo_inbound *last = op->msgs;
        while (last->next)
            last = last->next;
        hilo_i18n_hold_connected(op->locale, op->ref, text, sizeof text);
        snprintf(key, sizeof key, "connected:%llu", (unsigned long long)now);
        hilo_holds_tx_notice(&tx, op->s, op->id, key, last, op->locale, text);
    }
    int rc = hilo_tx_commit(&tx, joined_cb, op);
    if (rc < 0)
        hold_end(op, rc);
}

static void back_cb(redisReply *reply, void *data)
{
    struct hold_op *op = data;
    (void)reply;
    hold_end(op, op->err);
}

/* The join cannot be done (the case was closed or is gone): the hold goes
 * back to pending, so that an agent can reject it; err is reported. An
 * unavailable store is retried instead (the join picks up where it stopped). */
static void join_failed(struct hold_op *op, int err)
{
    struct hilo_tx tx;
    if (err == -HILO_EUNAVAIL) {
        hold_end(op, err);
        return;
    }
    op->err = err;
    hilo_tx_begin(&tx, op->s->redis);
    hilo_tx_hold_back(&tx, op->id);
    if (hilo_tx_commit(&tx, back_cb, op) < 0)
        hold_end(op, err);
}

static void appended_cb(const struct hilo_ticket_result *res, void *data)
{
    struct hold_op *op = data;
    if (res->err < 0) {
        join_failed(op, res->err);
        return;
    }
    op->i++;
    join_next(op);
}

static void join_next(struct hold_op *op)
{
    struct hilo_inbound *m = op->msgs;
    for (size_t k = 0; m && k < op->i; k++)
        m = m->next;
    if (!m) {
        join_finish(op);
        return;
    }
    char dkey[300], addrkey[40];
    const char *fields[HILO_INBOUND_MAX_FIELDS];
    int nf = hilo_inbound_ticket_fields(m, fields, addrkey, sizeof addrkey);
    json_error_t je;
    json_t *x = json_loads(m->extra_json, 0, &je);
    if (!json_is_object(x)) {
        json_decref(x);
        x = json_object();
    }
    json_object_set_new(x, "type", json_string(m->type));
    json_object_set_new(x, "provider", json_string(m->provider));
    json_object_set_new(x, "held", json_string(op->id));
    if (*m->subject)
        json_object_set_new(x, "subject", json_string(m->subject));
    char *extra = json_dumps(x, JSON_COMPACT);
    json_decref(x);
    snprintf(dkey, sizeof dkey, "p:%s:%s", m->provider, m->provider_id);
    struct hilo_ticket_append ap = {
        .ref = op->ref,
        .op = strcmp(op->kinds[op->i], "call") == 0 ? HILO_APPEND_CALL : HILO_APPEND_MESSAGE,
        .channel = m->channel, .role = "customer", .author_id = "", .author_name = m->from_name,
        .text = m->text, .dedupe = dkey, .client_id = m->provider_id,
        .extra = extra ? extra : "{}", .customer = op->customer, .delivery = "",
        .fields = fields, .nfields = nf, .link = NULL, /* linked once all joined */
    };
    int rc = hilo_tickets_append(op->s, &ap, appended_cb, op);
    free(extra);
    if (rc < 0)
        hold_end(op, rc);
}

/* The customer the identity points at before the join. */
static void owner_cb(redisReply *reply, void *data)
{
    struct hold_op *op = data;
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        hold_end(op, -HILO_EUNAVAIL);
        return;
    }
    if (reply->type == REDIS_REPLY_STRING && strcmp(reply->str, op->customer) != 0)
        snprintf(op->former, sizeof op->former, "%s", reply->str);
    join_next(op);
}

static void join_loaded_cb(redisReply *reply, void *data)
{
    struct hold_op *op = data;
    int rc = hold_parse(op, reply);
    if (rc == 0 && strcmp(op->status, "joining") != 0)
        rc = -HILO_EBADSTATE;
    if (rc == 0 && (!op->ref[0] || !op->customer[0])) {
        join_failed(op, -HILO_EUNKNOWNTICKET); /* it named no real ticket: nothing to join */
        return;
    }
    if (rc < 0) {
        hold_end(op, rc);
        return;
    }
    if (hilo_identity_evidence_default(op->identity) == NULL) {
        join_next(op); /* links nothing */
        return;
    }
    if (hilo_store_ident_get(op->s->redis, op->identity, owner_cb, op) < 0)
        hold_end(op, -HILO_EUNAVAIL);
}

int hilo_holds_join(struct hilo_server *s, const char *id, const char *how, const char *by,
                    hilo_hold_cb cb, void *data)
{
    struct hold_op *op = hold_new(s, id, cb, data);
    int rc;
    if (!op)
        return -HILO_EUNKNOWNHOLD;
    snprintf(op->how, sizeof op->how, "%s", how);
    snprintf(op->by, sizeof op->by, "%s", by ? by : "");
    if ((rc = hold_load(op, join_loaded_cb)) < 0)
        hold_free(op);
    return rc;
}

/* ---- an agent's decision ----------------------------------------------------- */

static void rejected_cb(redisReply *reply, void *data)
{
    struct hold_op *op = data;
    hold_end(op, !reply || reply->type != REDIS_REPLY_ARRAY ? -HILO_EUNAVAIL : 0);
}

static void reject_loaded_cb(redisReply *reply, void *data)
{
    struct hold_op *op = data;
    struct hilo_tx tx;
    char text[400];
    int rc = hold_parse(op, reply);
    if (rc < 0) {
        hold_end(op, rc);
        return;
    }
    hilo_tx_begin(&tx, op->s->redis);
    hilo_tx_holds_rem(&tx, op->id);
    hilo_tx_hold_by_del(&tx, op->identity);
    if (op->ref[0] && op->customer[0]) {
        snprintf(text, sizeof text, "Join rejected: %s", op->identity);
        tx_event(&tx, op, "rejected", text);
    }
    if (op->msgs)
        hilo_holds_tx_notice(&tx, op->s, op->id, "rejected", op->msgs, op->locale,
                             hilo_i18n_hold(op->locale, "rejected"));
    if ((rc = hilo_tx_commit(&tx, rejected_cb, op)) < 0)
        hold_end(op, rc);
}

static void approved_cb(int err, const char *ref, void *data)
{
    struct hold_op *op = data;
    snprintf(op->ref, sizeof op->ref, "%s", ref ? ref : "");
    hold_end(op, err);
}

static void decided_cb(redisReply *reply, void *data)
{
    struct hold_op *op = data;
    int err = hilo_store_err(reply);
    if (err == 0 && reply->type != REDIS_REPLY_ARRAY)
        err = -HILO_EUNKNOWNHOLD;
    if (err < 0) {
        hold_end(op, err);
        return;
    }
    if (op->approve) {
        int rc = hilo_holds_join(op->s, op->id, "agent", op->by, approved_cb, op);
        if (rc < 0)
            hold_end(op, rc);
        return;
    }
    if ((err = hold_load(op, reject_loaded_cb)) < 0)
        hold_end(op, err);
}

int hilo_holds_decide(struct hilo_server *s, const char *id, int approve, const char *by,
                      hilo_hold_cb cb, void *data)
{
    struct hold_op *op = hold_new(s, id, cb, data);
    int rc;
    if (!op)
        return -HILO_EUNKNOWNHOLD;
    op->approve = approve;
    snprintf(op->by, sizeof op->by, "%s", by ? by : "");
    struct hilo_store_hold_decide d = {
        .id = op->id, .status = approve ? "joining" : "rejected", .by = op->by,
        .now_ms = hilo_now_ms()};
    if ((rc = hilo_store_hold_decide(s->redis, &d, decided_cb, op)) < 0)
        hold_free(op);
    return rc;
}
