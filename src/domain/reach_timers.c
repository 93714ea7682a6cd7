/* What routing keeps after a write: replies held for a closed WhatsApp
 * window (sent when the number writes again), the windows themselves, what
 * the widget has seen, and the unread timers that send a web reply again to
 * the customer's proven email or phone. See include/hilo/reach.h. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/channels.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/log.h"
#include "hilo/metrics.h"
#include "hilo/outbox.h"
#include "hilo/proto.h"
#include "hilo/reach.h"
#include "hilo/scripts.h"
#include "hilo/store.h"
#include "hilo/store_route.h"

#define LEASE_MS 60000

void hilo_reach_after_write(struct hilo_server *s, const char *ref, const char *event_id,
                            json_t *route, const char *held_to, const char *text,
                            const char *category)
{
    const char *ch = json_string_value(json_object_get(route, "channel"));
    if (!event_id || !*event_id)
        return;
    if (held_to && *held_to) {
        json_t *h = json_pack("{s:s, s:s, s:s, s:s}", "ref", ref, "ev", event_id, "text",
                              text ? text : "", "cat", category ? category : "update");
        char *js = h ? json_dumps(h, JSON_COMPACT) : NULL;
        if (js && hilo_store_wa_held_push(s->redis, held_to, js, NULL, NULL) == 0)
            hilo_metrics_inc(HILO_M_ROUTE_HELD);
        free(js);
        json_decref(h);
        return;
    }
    if (ch && strcmp(ch, "web") == 0 && s->cfg->unread_minutes > 0) {
        char m[120];
        snprintf(m, sizeof m, "unread:%s %s", ref, event_id);
        struct hilo_store_rtimer t = {
            .member = m, .at_ms = hilo_now_ms() + (uint64_t)s->cfg->unread_minutes * 60000u};
        hilo_store_rtimer_set(s->redis, &t, NULL, NULL);
    }
}

void hilo_reach_seen(struct hilo_server *s, const char *ref, const char *event_id)
{
    hilo_store_seen_upto_set(s->redis, ref, event_id, NULL, NULL);
}

/* ---- an event that already exists goes out (held, unread) ---------------- */

/* The delivery record (op OPEN: a web reply had none; else UPDATE of the
 * held one) with the route, then the outbox entry naming the event. entry
 * and delivery are the caller's. */
static int send_existing(struct hilo_server *s, const char *ref, const char *ev, json_t *entry,
                         const char *delivery, json_t *route, int open)
{
    json_error_t je;
    json_t *d = json_loads(delivery, 0, &je);
    int rc;
    if (!d)
        return -HILO_EINTERNAL;
    json_object_set(d, "route", route);
    if (!open)
        json_object_set_new(d, "force", json_true());
    char *djs = json_dumps(d, JSON_COMPACT);
    struct hilo_store_delivery op = {.chan = s->events_channel, .ref = ref,
                                     .op = open ? HILO_DELIVERY_OPEN : HILO_DELIVERY_UPDATE,
                                     .event_id = ev, .fields = djs ? djs : "{}"};
    json_object_set_new(entry, "ev", json_string(ev));
    rc = djs ? hilo_store_delivery(s->redis, &op, NULL, NULL) : -HILO_EINTERNAL;
    if (rc == 0)
        rc = hilo_outbox_add(s->outbox, entry);
    free(djs);
    json_decref(d);
    return rc;
}

/* ---- held replies go when the number writes again ------------------------- */

struct held_op {
    struct hilo_server *s;
    char number[64];
};

static void held_cb(redisReply *reply, void *data)
{
    struct held_op *op = data;
    struct hilo_server *s = op->s;
    const redisReply *list = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
                                 ? reply->element[0]
                                 : NULL;
    const char *empty[HILO_OUTBOX_NFIELDS] = {0};
    const struct hilo_channel_ops *ops = hilo_channel_pick(s->cfg, "whatsapp", "");
    for (size_t i = 0; list && list->type == REDIS_REPLY_ARRAY && i < list->elements; i++) {
        json_error_t je;
        json_t *h = json_loads(list->element[i]->str, 0, &je);
        const char *ref = json_string_value(json_object_get(h, "ref"));
        const char *ev = json_string_value(json_object_get(h, "ev"));
        const char *text = json_string_value(json_object_get(h, "text"));
        if (ops && ref && ev && text) {
            char key[80];
            snprintf(key, sizeof key, "h:%s", ev);
            json_t *route = json_pack("{s:s, s:s, s:s}", "channel", "whatsapp", "code",
                                      "wa_released", "reason",
                                      "held for the closed window; sent when the customer wrote again");
            json_t *entry = NULL;
            char *dl = NULL;
            int rc = hilo_route_entry_for(s->cfg, ops, op->number, empty, ref, key, text, &entry,
                                          &dl);
            if (rc == 0)
                rc = send_existing(s, ref, ev, entry, dl, route, 0);
            if (rc < 0)
                hilo_warn("held reply %s on %s could not be queued", ev, ref);
            json_decref(entry);
            free(dl);
            json_decref(route);
        }
        json_decref(h);
    }
    free(op);
}

void hilo_reach_on_inbound(struct hilo_server *s, const char *channel, const char *from,
                           const char *ref)
{
    struct hilo_tx tx;
    struct held_op *op;
    (void)ref;
    if (!channel || strcmp(channel, "whatsapp") != 0 || !from || !*from)
        return;
    hilo_store_wa_window_set(s->redis, from, hilo_now_ms(), NULL, NULL);
    hilo_reach_nudge_arm(s, from);
    op = calloc(1, sizeof *op);
    if (!op)
        return;
    op->s = s;
    snprintf(op->number, sizeof op->number, "%s", from);
    hilo_tx_begin(&tx, s->redis);
    hilo_tx_wa_held_take(&tx, from);
    if (hilo_tx_commit(&tx, held_cb, op) < 0)
        free(op);
}

/* ---- unread web replies ----------------------------------------------------- */

struct unread_op {
    struct hilo_server *s;
    char member[120];
    char ref[HILO_REF_MAX];
    char ev[48];
    char *text;
};

static void unread_free(struct unread_op *op, int clear)
{
    if (clear) {
        struct hilo_store_rtimer t = {.member = op->member};
        hilo_store_rtimer_clear(op->s->redis, &t, NULL, NULL);
    }
    free(op->text);
    free(op);
}

/* Seen up to `seen` covers ev? */
static int seen_covers(const char *seen, const char *ev)
{
    uint64_t sm, ss, em, es;
    if (!seen || !*seen || hilo_proto_parse_id(seen, &sm, &ss) < 0 ||
        hilo_proto_parse_id(ev, &em, &es) < 0)
        return 0;
    return !hilo_proto_id_after(em, es, sm, ss);
}

static void unread_routed(const struct hilo_reach_result *r, void *data)
{
    struct unread_op *op = data;
    struct hilo_server *s = op->s;
    const int es = strncmp(r->fields[9], "es", 2) == 0;
    char link[600], body[8192];
    if (r->err == -HILO_EUNKNOWNTICKET) {
        unread_free(op, 1);
        return;
    }
    if (r->err) {
        unread_free(op, 0); /* the lease runs out: tried again */
        return;
    }
    if (seen_covers(r->fields[HILO_REACH_F_SEEN], op->ev) || !r->plan.ops || r->plan.held) {
        if (!r->plan.ops && !seen_covers(r->fields[HILO_REACH_F_SEEN], op->ev))
            hilo_info("unread reply %s on %s: no proven email or phone (%s)", op->ev, op->ref,
                      r->plan.reason);
        unread_free(op, 1);
        return;
    }
    snprintf(link, sizeof link, "%s/?hilo_ticket=%s", s->cfg->public_url, op->ref);
    snprintf(body, sizeof body,
             es ? "Tienes una respuesta sin leer en tu caso %.4s %s:\n\n%s\n\nSigue la conversación aquí: %s"
                : "You have an unread reply on your case %.4s %s:\n\n%s\n\nContinue the conversation here: %s",
             op->ref, op->ref + 4, op->text, link);
    char reason[600], key[80];
    snprintf(reason, sizeof reason, "web reply not seen in %d min; %s", s->cfg->unread_minutes,
             r->plan.reason);
    json_t *route = json_pack("{s:s, s:s, s:s}", "channel", r->plan.channel, "code", "unread",
                              "reason", reason);
    snprintf(key, sizeof key, "u:%s", op->ev);
    json_t *entry = NULL;
    char *dl = NULL;
    /* a template outside the window: its parameters carry the text */
    int rc = hilo_route_plan_entry(s->cfg, &r->plan, r->fields, op->ref, key, body,
                                   r->fields[HILO_REACH_F_NAME], &entry, &dl);
    if (rc == 0) { /* a notice of a reply: Auto-Submitted on a mail */
        json_object_set_new(entry, "auto", json_string("auto-generated"));
        rc = send_existing(s, op->ref, op->ev, entry, dl, route, 1);
    }
    if (rc == 0 && r->plan.templated) {
        enum hilo_metric m = hilo_metrics_wa_template("update");
        hilo_metrics_inc(m);
    }
    json_decref(entry);
    free(dl);
    json_decref(route);
    if (rc == 0)
        hilo_metrics_inc(HILO_M_UNREAD_SENT);
    unread_free(op, rc == 0);
}

static void unread_event_cb(redisReply *reply, void *data)
{
    struct unread_op *op = data;
    /* [[id, [field, value...]]] */
    const redisReply *e = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1
                              ? reply->element[0]
                              : NULL;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        unread_free(op, 0);
        return;
    }
    if (!e || e->type != REDIS_REPLY_ARRAY || e->elements != 2) {
        unread_free(op, 1); /* gone */
        return;
    }
    const redisReply *fl = e->element[1];
    for (size_t i = 0; i + 1 < fl->elements; i += 2)
        if (strcmp(fl->element[i]->str, "tx") == 0)
            op->text = strdup(fl->element[i + 1]->str);
    if (!op->text) {
        unread_free(op, 1);
        return;
    }
    struct hilo_reach_req rq = {.ref = op->ref, .category = "update", .no_web = 1};
    if (hilo_reach_resolve(op->s, &rq, unread_routed, op) < 0)
        unread_free(op, 0);
}

static void fire_unread(struct hilo_server *s, const char *m)
{
    const char *sp = strchr(m + 7, ' ');
    struct unread_op *op;
    if (!sp || (size_t)(sp - (m + 7)) >= HILO_REF_MAX || strlen(sp + 1) >= 48)
        return;
    op = calloc(1, sizeof *op);
    if (!op)
        return;
    op->s = s;
    snprintf(op->member, sizeof op->member, "%s", m);
    snprintf(op->ref, sizeof op->ref, "%.*s", (int)(sp - (m + 7)), m + 7);
    snprintf(op->ev, sizeof op->ev, "%s", sp + 1);
    if (hilo_store_event_get(s->redis, op->ref, op->ev, unread_event_cb, op) < 0)
        unread_free(op, 0);
}

static void due_cb(redisReply *reply, void *data)
{
    struct hilo_server *s = data;
    s->reach_busy = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < reply->elements; i++) {
        const char *m = reply->element[i]->str;
        if (reply->element[i]->type != REDIS_REPLY_STRING)
            continue;
        if (strncmp(m, "unread:", 7) == 0)
            fire_unread(s, m);
        else if (strncmp(m, "nudge:", 6) == 0)
            hilo_reach_fire_nudge(s, m);
    }
}

void hilo_reach_tick(struct hilo_server *s)
{
    if (s->reach_busy || !hilo_redis_ready(s->redis) || !hilo_scripts_ready())
        return;
    if (hilo_store_rtimers_due(s->redis, hilo_now_ms(), LEASE_MS, 50, due_cb, s) == 0)
        s->reach_busy = 1;
}
