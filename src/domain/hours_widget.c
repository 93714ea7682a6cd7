/* Business hours for the widget (docs/protocol.md "hours", docs/widget.md):
 * whether the team that would answer the customer is open now, when that
 * changes, and the status line in the customer's language. The team is the
 * current ticket's (unless it is closed: writing again starts a new ticket,
 * the default team's), its settings as the SLA timers see them
 * (hilo_sla_team_of: options, stored "default", the team's own). Sent after
 * the welcome, on the customer's {"type":"hours"}, and unasked when the
 * answer changes: the ticket moved team or closed (T lines), an admin
 * changed a team's SLA settings (H lines, api/sla.c). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/hours.h"
#include "hilo/i18n.h"
#include "hilo/identity.h"
#include "hilo/sla.h"
#include "hilo/store.h"
#include "hilo/store_sla.h"
#include "hilo/ws.h"

struct hours_op {
    struct hilo_conn *c;
    char *req;
    int with_ticket;
};

static void op_free(struct hours_op *op)
{
    hilo_conn_unref(op->c);
    free(op->req);
    free(op);
}

static json_t *ms_or_null(uint64_t ms) { return ms ? json_integer((json_int_t)ms) : json_null(); }

json_t *hilo_hours_widget_json(const struct hilo_sla_team *t, const char *lang, int eta,
                               uint64_t now)
{
    struct hilo_hours_now st;
    char text[256];
    uint64_t change, refresh;
    if (hilo_hours_now(&t->cal, now, &st) < 0)
        return NULL;
    hilo_i18n_hours(lang, st.open, eta, st.next_open ? &st.open_local : NULL, st.days_ahead, text,
                    sizeof text);
    change = st.open ? st.next_close : st.next_open;
    /* "today"/"tomorrow" in a closed text change at the local midnight */
    refresh = change;
    if (!st.open && st.next_open && st.days_ahead > 0 && st.midnight < refresh)
        refresh = st.midnight;
    return json_pack("{s:b, s:b, s:I, s:o, s:o, s:o, s:i, s:s, s:s, s:s}", "open", st.open,
                     "always", st.always, "now", (json_int_t)now, "next_open",
                     ms_or_null(st.next_open), "next_close", ms_or_null(st.next_close),
                     "refresh_at", ms_or_null(refresh), "eta_minutes", eta, "tz", t->cal.tz,
                     "team", *t->name ? t->name : "default", "text", text);
}

/* The hours of team (NULL: the default) as teams (the stored settings)
 * make them, to c; req echoed, and errors said only when asked. */
static void send_hours(struct hilo_conn *c, const redisReply *teams, const char *name,
                       const char *req)
{
    struct hilo_session *se = hilo_sess(c);
    struct hilo_sla_team team;
    json_t *h, *o;
    hilo_sla_team_of(c->srv, teams, name, &team);
    snprintf(se->hours_team, sizeof se->hours_team, "%s", *team.name ? team.name : "default");
    h = hilo_hours_widget_json(&team, se->locale, c->srv->cfg->ack_eta_minutes, hilo_now_ms());
    if (!h) { /* an unknown stored time zone: no line rather than a wrong one */
        if (req)
            hilo_conn_error(c, -HILO_EINTERNAL, req, NULL);
        return;
    }
    o = json_pack("{s:s, s:o}", "type", "hours", "hours", h);
    if (req)
        json_object_set_new(o, "req", json_string(req));
    hilo_dispatch_send_json(c, o);
}

static void hours_cb(redisReply *reply, void *data)
{
    struct hours_op *op = data;
    struct hilo_conn *c = op->c;
    const char *name = NULL;
    if (!c->wsi) {
        op_free(op);
        return;
    }
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_ARRAY) {
        if (op->req) /* asked for: say why nothing comes */
            hilo_conn_error(c, -HILO_EUNAVAIL, op->req, NULL);
        op_free(op);
        return;
    }
    if (op->with_ticket && reply->elements > 1 && reply->element[1]->type == REDIS_REPLY_ARRAY &&
        reply->element[1]->elements == HILO_SLAF_COUNT) {
        redisReply *const *f = reply->element[1]->element;
        if (f[HILO_SLAF_STATUS]->type == REDIS_REPLY_STRING &&
            strcmp(f[HILO_SLAF_STATUS]->str, "closed") != 0 &&
            f[HILO_SLAF_TEAM]->type == REDIS_REPLY_STRING)
            name = f[HILO_SLAF_TEAM]->str;
    }
    send_hours(c, reply->element[0], name, op->req);
    op_free(op);
}

void hilo_hours_widget_send(struct hilo_conn *c, const char *req)
{
    struct hilo_session *se = hilo_sess(c);
    struct hours_op *op = calloc(1, sizeof *op);
    struct hilo_tx tx;
    if (!op)
        return;
    hilo_conn_ref(c);
    op->c = c;
    op->req = req ? strdup(req) : NULL;
    op->with_ticket = se->ticket[0] != '\0';
    hilo_tx_begin(&tx, c->srv->redis);
    hilo_tx_sla_teams_get(&tx);
    if (op->with_ticket)
        hilo_tx_sla_ticket_read(&tx, se->ticket);
    if (hilo_tx_commit(&tx, hours_cb, op) < 0) {
        if (req)
            hilo_conn_error(c, -HILO_EUNAVAIL, req, NULL);
        op_free(op);
    }
}

int hilo_ws_customer_hours(struct hilo_conn *c, json_t *msg, const char *req)
{
    (void)msg;
    hilo_hours_widget_send(c, req);
    return 0;
}

void hilo_hours_widget_on_ticket(struct hilo_route *route, const char *summary, size_t len)
{
    json_t *o = NULL, *t;
    const char *ref = NULL, *team = NULL, *status, *cust = NULL;
    char want[HILO_SLA_TEAM_MAX + 1];
    struct hilo_watch *next;
    for (struct hilo_watch *w = route->watches; w; w = next) {
        struct hilo_conn *c = w->conn;
        struct hilo_session *se = hilo_sess(c);
        next = w->rnext;
        if (!c->wsi || c->closing || se->role == HILO_ROLE_AGENT || !se->ready)
            continue;
        if (!o) { /* parsed once, and only for a ticket an open widget shows */
            o = json_loadb(summary, len, 0, NULL);
            t = json_object_get(o, "ticket");
            ref = json_string_value(json_object_get(t, "ref"));
            team = json_string_value(json_object_get(t, "team"));
            status = json_string_value(json_object_get(t, "status"));
            cust = json_string_value(json_object_get(t, "customer"));
            if (!ref || !team || !status)
                break;
            snprintf(want, sizeof want, "%s",
                     !*team || strcmp(status, "closed") == 0 ? "default" : team);
        }
        /* another customer's ticket (a merge undone): Redis decides whether
         * this widget may still follow it (revoke.c) */
        if (cust && *cust && se->id && strcmp(cust, se->id) != 0)
            hilo_identity_recheck(c);
        if (se->hours_team[0] && strcmp(se->ticket, ref) == 0 &&
            strcmp(se->hours_team, want) != 0) {
            snprintf(se->hours_team, sizeof se->hours_team, "%s", want); /* once per move */
            hilo_hours_widget_send(c, NULL);
        }
    }
    json_decref(o);
}

int hilo_hours_widget_publish(struct hilo_server *s, const char *team)
{
    return hilo_team_line_publish(s, 'H', team);
}

struct resend {
    struct hilo_server *s;
    char team[HILO_SLA_TEAM_MAX + 1];
    const redisReply *teams;
};

/* A widget showing the changed team's hours (every one for "default")
 * gets them again, from the one read of the settings; the team stays the
 * one it showed (a move sends its own, hilo_hours_widget_on_ticket). */
static void resend_one(struct hilo_conn *c, void *data)
{
    const struct resend *r = data;
    struct hilo_session *se = hilo_sess(c);
    if (!c->wsi || !se || se->role == HILO_ROLE_AGENT || !se->ready || !se->hours_team[0])
        return;
    if (strcmp(r->team, "default") == 0 || strcmp(se->hours_team, r->team) == 0) {
        char name[HILO_SLA_TEAM_MAX + 1];
        snprintf(name, sizeof name, "%s", se->hours_team);
        send_hours(c, r->teams, strcmp(name, "default") == 0 ? NULL : name, NULL);
    }
}

static void change_cb(redisReply *reply, void *data)
{
    struct resend *r = data;
    if (reply && reply->type == REDIS_REPLY_ARRAY && r->s->net) {
        r->teams = reply;
        hilo_ws_each(r->s->net, resend_one, r);
    } /* else: the widgets correct at their refresh_at or reconnection */
    free(r);
}

void hilo_hours_widget_on_change(struct hilo_server *s, const char *line, size_t len)
{
    struct resend *r;
    if (len == 0 || len > HILO_SLA_TEAM_MAX || !s->net)
        return;
    if (!(r = calloc(1, sizeof *r)))
        return;
    r->s = s;
    memcpy(r->team, line, len);
    r->team[len] = '\0';
    /* one read of the settings per change and instance, not one per widget */
    if (!hilo_sla_team_name_ok(r->team) || hilo_store_sla_teams_get(s->redis, change_cb, r) < 0)
        free(r);
}
