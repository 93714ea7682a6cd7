/* Status updates on the customer's channel (include/hilo/notify.h). */
#include "hilo/notify.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/conn.h"
#include "hilo/log.h"
#include "hilo/reach.h"
#include "hilo/store_records.h"
#include "hilo/tickets.h"

/* ---- pure part -------------------------------------------------------------- */

int hilo_notify_channel_ok(const char *channel)
{
    return channel && (strcmp(channel, "whatsapp") == 0 || strcmp(channel, "sms") == 0 ||
                       strcmp(channel, "email") == 0);
}

void hilo_notify_text(const char *lang, const char *state, const char *ref, char *out, size_t n)
{
    int es = lang && strcmp(lang, "es") == 0;
    char r[24];
    size_t k = 0;
    /* the reference as the widget shows it: groups of four */
    for (size_t i = 0; ref[i] && k + 2 < sizeof r; i++) {
        if (i && i % 4 == 0)
            r[k++] = ' ';
        r[k++] = ref[i];
    }
    r[k] = '\0';
    if (strcmp(state, "in_progress") == 0)
        snprintf(out, n, es ? "Tu caso %s está en curso: un agente lo está atendiendo."
                            : "Your case %s is in progress: an agent is on it.", r);
    else if (strcmp(state, "pending") == 0)
        snprintf(out, n, es ? "Tu caso %s espera tu respuesta: responde cuando puedas."
                            : "Your case %s is waiting on you: please reply when you can.", r);
    else if (strcmp(state, "resolved") == 0)
        snprintf(out, n, es ? "Tu caso %s está resuelto. Si no es así, respóndenos y lo reabrimos."
                            : "Your case %s is resolved. If it is not, reply and we will reopen it.",
                 r);
    else if (n)
        out[0] = '\0';
}

/* ---- sending an update ------------------------------------------------------ */

struct send_op {
    struct hilo_server *s;
    char ref[HILO_REF_MAX];
    char state[16];
    char event_id[48];
    char sent_on[16];
};

static void noted_cb(const struct hilo_ticket_result *res, void *data)
{
    (void)data;
    if (res->err)
        hilo_warn("status update on %s not recorded: %s", res->ref, hilo_err_code(res->err));
}

static void routed_cb(const struct hilo_reach_result *r, void *data)
{
    struct send_op *op = data;
    const struct hilo_config *cfg = op->s->cfg;
    const char *lang;
    char text[400], key[120];
    json_t *entry = NULL;
    char *delivery = NULL;
    if (r->err || !r->plan.ops || r->plan.held) {
        /* not proven any more, blocked, or nothing can carry it: nothing goes */
        hilo_info("status update on %s not sent: %s", op->ref,
                  r->err ? hilo_err_code(r->err) : r->plan.code);
        free(op);
        return;
    }
    lang = *r->fields[HILO_OUTBOX_NFIELDS - 1] ? r->fields[HILO_OUTBOX_NFIELDS - 1]
                                               : cfg->default_locale;
    hilo_notify_text(lang, op->state, op->ref, text, sizeof text);
    snprintf(key, sizeof key, "st:%s:%s", op->state, op->event_id);
    if (hilo_route_plan_entry(cfg, &r->plan, r->fields, op->ref, key, text,
                              r->fields[HILO_REACH_F_NAME], &entry, &delivery) < 0 || !entry) {
        free(delivery);
        free(op);
        return;
    }
    json_object_set_new(entry, "auto", json_string("auto-generated")); /* RFC 3834 on a mail */
    json_t *x = json_pack("{s:{s:s, s:s}, s:O}", "notice", "status", op->state, "event_id",
                          op->event_id, "route", r->route);
    char *xjs = x ? json_dumps(x, JSON_COMPACT) : NULL;
    json_decref(x);
    struct hilo_ticket_append req = {
        .ref = op->ref, .op = HILO_APPEND_NOTE, .channel = r->plan.channel, .role = "system",
        .author_id = "", .author_name = "Hilo", .text = text, .dedupe = key, .client_id = key,
        .extra = xjs ? xjs : "{}", .customer = "", .delivery = delivery, .entry = entry};
    if (hilo_tickets_append_now(op->s, &req, noted_cb, NULL) < 0)
        hilo_warn("status update on %s: not written", op->ref);
    free(xjs);
    free(delivery);
    json_decref(entry);
    free(op);
}

static void wanted_cb(redisReply *reply, void *data)
{
    struct send_op *op = data;
    const redisReply *v = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1
                              ? reply->element[0] : NULL;
    /* none chosen; or the change itself (a resolution) went out there */
    if (!v || v->type != REDIS_REPLY_STRING || !hilo_notify_channel_ok(v->str) ||
        strcmp(v->str, op->sent_on) == 0) {
        free(op);
        return;
    }
    struct hilo_reach_req rq = {.ref = op->ref, .want = v->str, .category = "update"};
    if (hilo_reach_resolve(op->s, &rq, routed_cb, op) < 0)
        free(op);
}

void hilo_notify_status(struct hilo_server *s, const char *ref, const char *state,
                        const char *event_id, const char *sent_on)
{
    struct send_op *op;
    if (!event_id || !*event_id || !(op = calloc(1, sizeof *op)))
        return;
    op->s = s;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->state, sizeof op->state, "%s", state);
    snprintf(op->event_id, sizeof op->event_id, "%s", event_id);
    snprintf(op->sent_on, sizeof op->sent_on, "%s", sent_on ? sent_on : "");
    static const char *const fields[] = {"notify"};
    struct hilo_store_ticket_fields f = {.ref = op->ref, .fields = fields, .nfields = 1};
    if (hilo_store_ticket_fields(s->redis, &f, wanted_cb, op) < 0)
        free(op);
}

/* ---- the customer's opt-in: {"type":"notify","channel":...} ----------------- */

struct optin_op {
    struct hilo_conn *c;
    char *req;
    char ref[HILO_REF_MAX];
    char channel[16];
};

static void optin_free(struct optin_op *op)
{
    hilo_conn_unref(op->c);
    free(op->req);
    free(op);
}

static void stored_cb(redisReply *reply, void *data)
{
    struct optin_op *op = data;
    if (op->c->wsi) {
        if (!reply || reply->type == REDIS_REPLY_ERROR)
            hilo_conn_error(op->c, -HILO_EUNAVAIL, op->req, NULL);
        else
            hilo_dispatch_ok(op->c, op->req);
    }
    optin_free(op);
}

static void store(struct optin_op *op)
{
    struct hilo_store_ticket_field f = {.ref = op->ref, .field = op->channel};
    if (hilo_store_ticket_notify(op->c->srv->redis, &f, stored_cb, op) < 0) {
        if (op->c->wsi)
            hilo_conn_error(op->c, -HILO_EUNAVAIL, op->req, NULL);
        optin_free(op);
    }
}

static void checked_cb(const struct hilo_reach_result *r, void *data)
{
    struct optin_op *op = data;
    if (!op->c->wsi) {
        optin_free(op);
        return;
    }
    /* the pinned route refuses a channel with no proven, unblocked identity */
    if (r->err || !r->plan.ops || strcmp(r->plan.channel, op->channel) != 0) {
        hilo_conn_error(op->c, r->err == -HILO_EUNAVAIL ? r->err : -HILO_EBADSTATE, op->req, NULL);
        optin_free(op);
        return;
    }
    store(op);
}

int hilo_ws_customer_notify(struct hilo_conn *c, json_t *msg, const char *req)
{
    struct hilo_session *se = hilo_sess(c);
    int bad = 0;
    const char *ch = hilo_dispatch_str(msg, "channel", 16, &bad);
    if (bad || !ch || (strcmp(ch, "none") != 0 && !hilo_notify_channel_ok(ch)))
        return -HILO_EBADFRAME;
    if (!se->ticket[0])
        return -HILO_EBADSTATE;
    struct optin_op *op = calloc(1, sizeof *op);
    if (!op)
        return -HILO_EINTERNAL;
    hilo_conn_ref(c);
    op->c = c;
    op->req = req ? strdup(req) : NULL;
    snprintf(op->ref, sizeof op->ref, "%s", se->ticket);
    snprintf(op->channel, sizeof op->channel, "%s", strcmp(ch, "none") == 0 ? "" : ch);
    if (!op->channel[0]) {
        store(op);
        return 0;
    }
    struct hilo_reach_req rq = {.ref = op->ref, .want = op->channel, .category = "update"};
    int rc = hilo_reach_resolve(c->srv, &rq, checked_cb, op);
    if (rc < 0) {
        optin_free(op);
        return rc;
    }
    return 0;
}
