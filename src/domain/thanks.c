/* A customer's "gracias" after a resolution (include/hilo/csat.h,
 * docs/sla.md): recorded in the thread without reopening the ticket when it
 * comes within thanks_window_minutes of the resolution. The decision needs
 * the ticket's status first: one HMGET, then the append as "thanks" (which
 * the script refuses if the ticket was reopened meanwhile: then it goes as
 * the plain message it is). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/config.h"
#include "hilo/csat.h"
#include "hilo/store_records.h"
#include "hilo/tickets.h"

#define THANKS_MAX_FIELDS 34

struct thanks_op {
    struct hilo_server *s;
    hilo_tickets_cb cb;
    void *data;
    struct hilo_ticket_append req;      /* strings point into owned[] */
    struct hilo_ticket_customer link;
    const char *fields[THANKS_MAX_FIELDS];
    char *owned[64];
    int nowned, fail;
    char score[12];
};

int hilo_thanks_candidate(struct hilo_server *s, const struct hilo_ticket_append *req)
{
    return s->cfg->thanks_window_minutes > 0 && req && req->op == HILO_APPEND_MESSAGE &&
           req->role && strcmp(req->role, "customer") == 0 && req->text &&
           req->nfields + 2 <= THANKS_MAX_FIELDS &&
           hilo_csat_is_ack(req->text, req->text_len ? req->text_len : strlen(req->text));
}

static void thanks_free(struct thanks_op *op)
{
    for (int i = 0; i < op->nowned; i++)
        free(op->owned[i]);
    json_decref(op->req.entry);
    free(op);
}

static const char *own(struct thanks_op *op, const char *s, size_t len)
{
    char *p;
    if (!s)
        return NULL;
    if (op->nowned >= (int)HILO_ARRAY_LEN(op->owned) || !(p = malloc(len + 1))) {
        op->fail = 1;
        return "";
    }
    memcpy(p, s, len);
    p[len] = '\0';
    op->owned[op->nowned++] = p;
    return p;
}

#define OWN(op, s) own(op, s, (s) ? strlen(s) : 0)

static int thanks_copy(struct thanks_op *op, const struct hilo_ticket_append *in)
{
    struct hilo_ticket_append *r = &op->req;
    *r = *in;
    r->text_len = in->text_len ? in->text_len : strlen(in->text);
    r->text = own(op, in->text, r->text_len);
    r->ref = OWN(op, in->ref);
    r->channel = OWN(op, in->channel);
    r->role = OWN(op, in->role);
    r->author_id = OWN(op, in->author_id);
    r->author_name = OWN(op, in->author_name);
    r->dedupe = OWN(op, in->dedupe);
    r->client_id = OWN(op, in->client_id);
    r->extra = OWN(op, in->extra);
    r->customer = OWN(op, in->customer);
    r->delivery = OWN(op, in->delivery);
    for (int i = 0; i < in->nfields; i++)
        op->fields[i] = OWN(op, in->fields[i]);
    r->fields = op->fields;
    r->entry = in->entry ? json_incref(in->entry) : NULL;
    if (in->link) {
        const struct hilo_ticket_customer *l = in->link;
        op->link.id = OWN(op, l->id);
        op->link.name = OWN(op, l->name);
        op->link.email = OWN(op, l->email);
        op->link.locale = OWN(op, l->locale);
        for (int i = 0; i < HILO_TICKETS_MAX_IDENTS && l->identities[i]; i++)
            op->link.identities[i] = OWN(op, l->identities[i]);
        r->link = &op->link;
    }
    return op->fail ? -HILO_EINTERNAL : 0;
}

static void send_result(struct thanks_op *op, int err)
{
    struct hilo_ticket_result res = {.err = err, .ref = op->req.ref, .event_id = "", .status = ""};
    op->cb(&res, op->data);
    thanks_free(op);
}

static void written_cb(const struct hilo_ticket_result *res, void *data)
{
    struct thanks_op *op = data;
    int rc;
    if (res->err == -HILO_EBADSTATE && op->req.op == HILO_APPEND_THANKS) {
        /* reopened (or closed) since we looked: it is an ordinary message */
        op->req.op = HILO_APPEND_MESSAGE;
        op->req.nfields -= op->score[0] ? 2 : 0;
        if ((rc = hilo_tickets_append_now(op->s, &op->req, written_cb, op)) < 0)
            send_result(op, rc);
        return;
    }
    op->cb(res, op->data);
    thanks_free(op);
}

static uint64_t num(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING ? strtoull(r->str, NULL, 10) : 0;
}

static void status_cb(redisReply *reply, void *data)
{
    struct thanks_op *op = data;
    struct hilo_ticket_append *r = &op->req;
    uint64_t window = (uint64_t)op->s->cfg->thanks_window_minutes * 60000, at, now = hilo_now_ms();
    int rc, score;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_STRING &&
        strcmp(reply->element[0]->str, "resolved") == 0 && (at = num(reply->element[1])) > 0 &&
        (now <= at || now - at <= window)) {
        r->op = HILO_APPEND_THANKS;
        if ((score = hilo_csat_score(r->text, r->text_len)) > 0) {
            /* a bare score after a resolution answers the survey */
            snprintf(op->score, sizeof op->score, "%d", score);
            op->fields[r->nfields++] = "csat";
            op->fields[r->nfields++] = op->score;
        }
    }
    /* a failed read: the message goes as what it is, the store decides */
    if ((rc = hilo_tickets_append_now(op->s, r, written_cb, op)) < 0)
        send_result(op, rc);
}

int hilo_thanks_append(struct hilo_server *s, const struct hilo_ticket_append *req,
                       hilo_tickets_cb cb, void *data)
{
    static const char *const want[] = {"status", "resolved_at"};
    struct hilo_store_ticket_fields q = {.fields = want, .nfields = 2};
    struct thanks_op *op;
    int rc;
    if (!req->ref || !*req->ref)
        return -HILO_EBADFRAME;
    if (!(op = calloc(1, sizeof *op)))
        return -HILO_EINTERNAL;
    if (thanks_copy(op, req) < 0) {
        thanks_free(op);
        return -HILO_EINTERNAL;
    }
    op->s = s;
    op->cb = cb;
    op->data = data;
    q.ref = op->req.ref;
    if ((rc = hilo_store_ticket_fields(s->redis, &q, status_cb, op)) < 0) {
        thanks_free(op);
        return rc == -HILO_EINTERNAL ? rc : -HILO_EUNAVAIL;
    }
    return 0;
}
