/* The window nudge (docs/channels/whatsapp.md): wa_nudge_minutes before a
 * WhatsApp number's 24-hour window closes, while its current ticket waits
 * on the customer (pending), the wa_template_nudge template goes out and an
 * internal note records it. A durable timer per number ("nudge:<number>"
 * in the routing timers) moves with each message the number sends. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/log.h"
#include "hilo/metrics.h"
#include "hilo/outbound_route.h"
#include "hilo/reach.h"
#include "hilo/store_records.h"
#include "hilo/store_route.h"
#include "hilo/tickets.h"

static int nudge_on(const struct hilo_config *c, struct hilo_wa_template *t)
{
    return c->wa_nudge_minutes > 0 && hilo_route_template_parse(c->wa_template_nudge, t) == 0;
}

void hilo_reach_nudge_arm(struct hilo_server *s, const char *number)
{
    struct hilo_wa_template t;
    char m[100];
    if (!nudge_on(s->cfg, &t))
        return;
    snprintf(m, sizeof m, "nudge:%s", number);
    struct hilo_store_rtimer r = {
        .member = m,
        .at_ms = hilo_now_ms() + HILO_WA_WINDOW_MS - (uint64_t)s->cfg->wa_nudge_minutes * 60000u};
    hilo_store_rtimer_set(s->redis, &r, NULL, NULL);
}

struct nudge_op {
    struct hilo_server *s;
    char member[100];
    char number[100];
    char ref[HILO_REF_MAX];
    json_t *entry, *route;
    char *delivery;
};

static void nudge_free(struct nudge_op *op, int clear)
{
    if (clear) {
        struct hilo_store_rtimer t = {.member = op->member};
        hilo_store_rtimer_clear(op->s->redis, &t, NULL, NULL);
    }
    json_decref(op->entry);
    json_decref(op->route);
    free(op->delivery);
    free(op);
}

static void noted_cb(const struct hilo_ticket_result *res, void *data)
{
    struct nudge_op *op = data;
    if (!res->err)
        hilo_metrics_inc(HILO_M_WA_TPL_NUDGE);
    else
        hilo_warn("nudge on %s: not written (%s)", op->ref, hilo_err_code(res->err));
    nudge_free(op, !res->err || res->err != -HILO_EUNAVAIL);
}

static void routed_cb(const struct hilo_reach_result *r, void *data)
{
    struct nudge_op *op = data;
    struct hilo_server *s = op->s;
    struct hilo_route_plan p = r->plan;
    char key[120], text[300], reason[200];
    if (r->err == -HILO_EUNAVAIL) {
        nudge_free(op, 0); /* the lease runs out: tried again */
        return;
    }
    /* only a ticket waiting on the customer, on a number that can take it */
    if (r->err || strcmp(r->fields[HILO_REACH_F_STATUS], "pending") != 0 || !p.ops ||
        strcmp(p.channel, "whatsapp") != 0 || strcmp(p.to, r->fields[1]) != 0 ||
        strcmp(p.to, op->number) != 0) {
        nudge_free(op, 1);
        return;
    }
    if (hilo_route_template_parse(s->cfg->wa_template_nudge, &p.tpl) != 0) {
        nudge_free(op, 1);
        return;
    }
    p.templated = 1;
    snprintf(key, sizeof key, "n:%s:%llu", op->number, (unsigned long long)(hilo_now_ms() / 60000));
    snprintf(text, sizeof text, "WhatsApp window closes in %d min: nudge template %s sent",
             s->cfg->wa_nudge_minutes, p.tpl.name);
    if (hilo_route_plan_entry(s->cfg, &p, r->fields, op->ref, key, "", r->fields[HILO_REACH_F_NAME],
                              &op->entry, &op->delivery) < 0) {
        nudge_free(op, 1);
        return;
    }
    snprintf(reason, sizeof reason, "whatsapp window closes in %d min, the ticket waits on the customer",
             s->cfg->wa_nudge_minutes);
    op->route = json_pack("{s:s, s:s, s:s, s:s}", "channel", "whatsapp", "code", "wa_nudge",
                          "reason", reason, "template", p.tpl.name);
    json_t *x = json_pack("{s:O}", "route", op->route);
    char *xjs = x ? json_dumps(x, JSON_COMPACT) : NULL;
    json_decref(x);
    struct hilo_ticket_append req = {
        .ref = op->ref, .op = HILO_APPEND_NOTE, .channel = "whatsapp", .role = "system",
        .author_id = "", .author_name = "Hilo", .text = text, .dedupe = key, .client_id = key,
        .extra = xjs, .customer = "", .delivery = op->delivery, .entry = op->entry};
    int rc = hilo_tickets_append_now(s, &req, noted_cb, op);
    free(xjs);
    if (rc < 0)
        nudge_free(op, 0);
}

static void current_cb(redisReply *reply, void *data)
{
    struct nudge_op *op = data;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        nudge_free(op, 0);
        return;
    }
    if (reply->type != REDIS_REPLY_STRING || hilo_ref_normalize(reply->str, op->ref) < 0) {
        nudge_free(op, 1);
        return;
    }
    struct hilo_reach_req rq = {.ref = op->ref, .category = "nudge", .want = "whatsapp"};
    if (hilo_reach_resolve(op->s, &rq, routed_cb, op) < 0)
        nudge_free(op, 0);
}

static void ident_cb(redisReply *reply, void *data)
{
    struct nudge_op *op = data;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        nudge_free(op, 0);
        return;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        nudge_free(op, 1);
        return;
    }
    if (hilo_store_customer_current(op->s->redis, reply->str, current_cb, op) < 0)
        nudge_free(op, 0);
}

void hilo_reach_fire_nudge(struct hilo_server *s, const char *member)
{
    struct hilo_wa_template t;
    char ident[100];
    struct nudge_op *op = calloc(1, sizeof *op);
    if (!op)
        return;
    op->s = s;
    snprintf(op->member, sizeof op->member, "%s", member);
    snprintf(op->number, sizeof op->number, "%s", member + 6);
    if (!nudge_on(s->cfg, &t)) {
        nudge_free(op, 1);
        return;
    }
    /* the number, or a WhatsApp user known by its BSUID ("bsuid:...") */
    if (hilo_route_identity("whatsapp", op->number, ident, sizeof ident) < 0) {
        nudge_free(op, 1);
        return;
    }
    if (hilo_store_ident_get(s->redis, ident, ident_cb, op) < 0)
        nudge_free(op, 0);
}
