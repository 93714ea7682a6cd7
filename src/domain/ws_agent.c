/* Agent frames: queue, ticket.open/close, reply/note/resolve, assign,
 * status, typing, delivery.retry, and login/auth glue. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/agents.h"
#include "hilo/buf.h"
#include "hilo/common.h"
#include "hilo/outbox.h"
#include "hilo/proto.h"
#include "hilo/store.h"
#include "hilo/store_index.h"
#include "hilo/store_records.h"
#include "hilo/tickets.h"
#include "hilo/reach.h"
#include "hilo/metrics.h"
#include "hilo/team_settings.h"

/* ---- agent -------------------------------------------------------------- */

struct queue_op {
    struct hilo_conn *c;
    char *req;
    size_t n, done;
    char **refs;
    char **summaries;
};

static void queue_free(struct queue_op *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->refs[i]);
        free(q->summaries[i]);
    }
    free(q->refs);
    free(q->summaries);
    free(q->req);
    hilo_conn_unref(q->c);
    free(q);
}

static void queue_finish(struct queue_op *q)
{
    struct hilo_conn *c = q->c;
    struct hilo_buf b;
    if (!c->wsi)
        goto out;
    hilo_buf_init(&b, (size_t)1 << 30);
    hilo_buf_adds(&b, "{\"type\":\"queue\",");
    if (q->req) {
        json_t *r = json_string(q->req);
        char *rs = json_dumps(r, JSON_ENCODE_ANY);
        hilo_buf_adds(&b, "\"req\":");
        hilo_buf_adds(&b, rs);
        hilo_buf_adds(&b, ",");
        free(rs);
        json_decref(r);
    }
    hilo_buf_adds(&b, "\"tickets\":[");
    int first = 1;
    for (size_t i = 0; i < q->n; i++) {
        if (!q->summaries[i])
            continue;
        if (!strstr(q->summaries[i], "\"status\":\"open\"") &&
            !strstr(q->summaries[i], "\"status\":\"pending\"")) {
            /* The index is repaired lazily: it only lists active tickets. */
            struct hilo_store_index_entry e = {.index = HILO_STORE_IDX_ACTIVE, .ref = q->refs[i]};
            hilo_store_index_rem(c->srv->redis, &e, NULL, NULL);
            continue;
        }
        if (!first)
            hilo_buf_adds(&b, ",");
        first = 0;
        hilo_buf_adds(&b, q->summaries[i]);
    }
    hilo_buf_adds(&b, "]}");
    hilo_conn_send_buf(c, b.p, b.len);
    hilo_buf_deinit(&b);
out:
    queue_free(q);
}

static void queue_item_cb(redisReply *reply, void *data)
{
    struct queue_op *q = data;
    size_t i = q->done++;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1)
        q->summaries[i] = strndup(reply->element[0]->str, reply->element[0]->len);
    if (!reply && q->c->wsi && q->done == q->n) {
        hilo_conn_error(q->c, -HILO_EUNAVAIL, q->req, NULL);
        queue_free(q);
        return;
    }
    if (q->done == q->n)
        queue_finish(q);
}

static void queue_list_cb(redisReply *reply, void *data)
{
    struct queue_op *q = data;
    struct hilo_conn *c = q->c;
    if (!c->wsi) {
        queue_free(q);
        return;
    }
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        hilo_conn_error(c, -HILO_EUNAVAIL, q->req, NULL);
        queue_free(q);
        return;
    }
    q->n = reply->elements;
    if (q->n == 0) {
        queue_finish(q);
        return;
    }
    q->refs = calloc(q->n, sizeof *q->refs);
    q->summaries = calloc(q->n, sizeof *q->summaries);
    for (size_t i = 0; i < q->n; i++)
        q->refs[i] = strndup(reply->element[i]->str, reply->element[i]->len);
    /* one pipelined batch: every summary in the same round trip */
    size_t n = q->n;
    for (size_t i = 0; i < n; i++) {
        struct hilo_store_history sum = {.ref = q->refs[i]}; /* the summary only */
        if (hilo_store_history(c->srv->redis, &sum, queue_item_cb, q) < 0) {
            /* Not sent: count it as done without a summary. */
            if (++q->done == q->n) {
                queue_finish(q);
                return;
            }
        }
    }
}

int hilo_ws_agent_queue_snapshot(struct hilo_conn *c, const char *req)
{
    struct queue_op *q = calloc(1, sizeof *q);
    if (!q)
        return -HILO_EINTERNAL;
    hilo_conn_ref(c);
    q->c = c;
    q->req = req ? strdup(req) : NULL;
    struct hilo_store_index_range range = {.index = HILO_STORE_IDX_ACTIVE, .start = 0, .stop = 999};
    if (hilo_store_index_range(c->srv->redis, &range, queue_list_cb, q) < 0) {
        queue_free(q);
        return -HILO_EUNAVAIL;
    }
    return 0;
}

int hilo_ws_agent_queue_watch(struct hilo_conn *c, json_t *msg, const char *req)
{
    struct hilo_session *se = hilo_sess(c);
    struct hilo_server *s = c->srv;
    if (!se->queue_watch) {
        /* Live first, then the snapshot: clients keep the newer updated_at. */
        se->queue_watch = 1;
        se->qw_prev = NULL;
        se->qw_next = s->qw_head;
        if (s->qw_head)
            hilo_sess(s->qw_head)->qw_prev = c;
        s->qw_head = c;
    }
    return hilo_ws_agent_queue_snapshot(c, req);
}

int hilo_ws_agent_queue_unwatch(struct hilo_conn *c, json_t *msg, const char *req)
{
    hilo_ws_agent_queue_unlink(c);
    hilo_dispatch_ok(c, req);
    return 0;
}

/* Takes c off the list of queue watchers (no-op when it is not on it). */
void hilo_ws_agent_queue_unlink(struct hilo_conn *c)
{
    struct hilo_session *se = hilo_sess(c);
    struct hilo_server *s = c->srv;
    if (!se->queue_watch)
        return;
    if (se->qw_prev)
        hilo_sess(se->qw_prev)->qw_next = se->qw_next;
    else
        s->qw_head = se->qw_next;
    if (se->qw_next)
        hilo_sess(se->qw_next)->qw_prev = se->qw_prev;
    se->queue_watch = 0;
}

int hilo_ws_agent_open(struct hilo_conn *c, json_t *msg, const char *req)
{
    char ref[HILO_REF_MAX];
    int bad = 0;
    const char *after = hilo_dispatch_str(msg, "after", 40, &bad);
    uint64_t ms, seq;
    int err = hilo_dispatch_ticket(msg, ref);
    if (err)
        return err;
    if (bad || (after && parse_id(after, &ms, &seq) < 0))
        return -HILO_EBADFRAME;
    err = hilo_live_sync_start(c, ref, after ? after : "0", SYNC_THREAD, req);
    if (err)
        return err;
    struct hilo_watch *w = hilo_live_watch_find(c, ref);
    if (w && !w->viewing) {
        w->viewing = 1;
        hilo_presence_viewing(c, ref, 1);
    }
    return 0;
}

int hilo_ws_agent_close_ticket(struct hilo_conn *c, json_t *msg, const char *req)
{
    char ref[HILO_REF_MAX];
    struct hilo_watch *w;
    int err = hilo_dispatch_ticket(msg, ref);
    if (err)
        return err;
    w = hilo_live_watch_find(c, ref);
    if (w && w->viewing) {
        w->viewing = 0;
        hilo_presence_viewing(c, ref, 0);
    }
    if (w && !w->syncing)
        hilo_live_watch_free(c, w);
    hilo_dispatch_ok(c, req);
    return 0;
}

/* Where the customer can be reached decides the outbox entry (routing at
 * send time, reach.h): the event records the route and why. */
static void reply_routed(const struct hilo_reach_result *r, void *data)
{
    struct msg_op *op = data;
    struct hilo_conn *c = op->c;
    const struct hilo_route_plan *p = &r->plan;
    const char *cat = strcmp(op->op, "resolve") == 0 ? "resolution" : "update";
    char dkey[200];
    int rc = r->err;
    if (!c->wsi) {
        hilo_msg_free(op);
        return;
    }
    if (rc < 0) {
        hilo_conn_error(c, rc, op->req, op->client_id);
        hilo_msg_free(op);
        return;
    }
    snprintf(dkey, sizeof dkey, "a:%s:%s", hilo_sess(c)->id, op->client_id);
    const char *sid = op->template ? json_string_value(json_object_get(op->template, "content_sid")) : NULL;
    if (op->template && (!p->ops || strcmp(p->channel, "whatsapp") != 0 ||
                         (strcmp(p->via, "cloud") != 0 && !(sid && strcmp(p->via, "twilio") == 0)))) {
        /* an approved template goes out on the WhatsApp Cloud API, or on
         * Twilio when it has a ContentSid */
        hilo_conn_error(c, -HILO_EBADSTATE, op->req, op->client_id);
        hilo_msg_free(op);
        return;
    }
    op->route = op->template ? json_deep_copy(r->route) : json_incref(r->route);
    if (op->template && op->route) /* the route names the agent's template too */
        json_object_set(op->route, "template", json_object_get(op->template, "name"));
    if (p->held) {
        /* kept for the number's next message; the delivery says so */
        json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "channel", "whatsapp", "status",
                              "held", "to", p->to, "provider_id", "", "attempts", 0, "error", "");
        op->delivery = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        op->held_to = strdup(p->to);
    } else if (p->ops) {
        rc = hilo_route_plan_entry(c->srv->cfg, p, r->fields, op->ref, dkey, op->text,
                                   r->fields[HILO_REACH_F_NAME], &op->entry, &op->delivery);
        if (rc < 0) {
            hilo_conn_error(c, rc, op->req, op->client_id);
            hilo_msg_free(op);
            return;
        }
        if (p->templated && p->tpl.name[0])
            hilo_metrics_inc(hilo_metrics_wa_template(cat));
    }
    if (op->template && op->entry) {
        json_t *t = op->template;
        char *params = json_dumps(json_object_get(t, "params") ? json_object_get(t, "params") : json_array(),
                                  JSON_COMPACT);
        json_object_set(op->entry, "tpl", strcmp(p->via, "twilio") == 0 ? json_object_get(t, "content_sid")
                                                                        : json_object_get(t, "name"));
        json_object_set(op->entry, "tpl_lang", json_object_get(t, "language"));
        json_object_set_new(op->entry, "tpl_params", json_string(params ? params : "[]"));
        free(params);
        hilo_metrics_inc(hilo_metrics_wa_template(cat));
    }
    hilo_ws_write_append(op);
}

static int reply_route(struct msg_op *op)
{
    struct hilo_reach_req rq = {
        .ref = op->ref, .want = op->channel, .explicit_template = op->template != NULL,
        .category = strcmp(op->op, "resolve") == 0 ? "resolution" : "update"};
    return hilo_reach_resolve(op->c->srv, &rq, reply_routed, op);
}

/* The agent's template is one of the team's: the thread shows its body with
 * the parameters; the outbox entry gets its name or ContentSid. */
static void template_checked(int err, json_t *found, char *text, void *data)
{
    struct msg_op *op = data;
    struct hilo_conn *c = op->c;
    if (!err && hilo_proto_chars(text, strlen(text)) > (size_t)c->srv->cfg->max_text)
        err = -HILO_ETEXTLONG;
    if (!err) {
        json_t *pa = json_object_get(op->template, "params");
        json_t *t = json_pack("{s:O, s:O, s:o, s:O*}", "name", json_object_get(found, "name"),
                              "language", json_object_get(found, "language"), "params",
                              pa ? json_incref(pa) : json_array(), "content_sid",
                              json_object_get(found, "content_sid"));
        err = t ? 0 : -HILO_EINTERNAL;
        if (t) {
            json_decref(op->template);
            op->template = t;
            free(op->text);
            op->text = text;
            op->text_len = strlen(text);
            text = NULL;
        }
    }
    json_decref(found);
    free(text);
    if (c->wsi && !err)
        err = reply_route(op);
    if (err < 0 && c->wsi)
        hilo_conn_error(c, err, op->req, op->client_id);
    if (err < 0 || !c->wsi)
        hilo_msg_free(op);
}

static int agent_write(struct hilo_conn *c, json_t *msg, const char *req, const char *kind)
{
    char ref[HILO_REF_MAX];
    struct msg_op *op;
    int bad = 0;
    const char *channel = hilo_dispatch_str(msg, "channel", 16, &bad);
    int err = hilo_dispatch_ticket(msg, ref);
    if (err)
        return err;
    if (bad || (channel && strcmp(channel, "web") != 0 && strcmp(channel, "whatsapp") != 0 &&
                strcmp(channel, "sms") != 0 && strcmp(channel, "email") != 0))
        return -HILO_EBADFRAME;
    json_t *tpl = json_object_get(msg, "template");
    if (tpl) {
        json_t *tn = json_object_get(tpl, "name"), *tl = json_object_get(tpl, "language");
        json_t *tp = json_object_get(tpl, "params");
        int ok = json_is_object(tpl) && json_is_string(tn) && json_string_length(tn) > 0 &&
                 json_string_length(tn) <= 512 && json_is_string(tl) && json_string_length(tl) > 0 &&
                 json_string_length(tl) <= 15 && (!tp || (json_is_array(tp) && json_array_size(tp) <= 10));
        for (size_t i = 0; ok && tp && i < json_array_size(tp); i++)
            ok = json_is_string(json_array_get(tp, i)) && json_string_length(json_array_get(tp, i)) <= 1024;
        if (!ok || strcmp(kind, "note") == 0)
            return -HILO_EBADFRAME;
    }
    err = hilo_msg_parse(c, msg, req, kind, &op);
    if (err)
        return err;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    op->template = tpl ? json_incref(tpl) : NULL;
    if (strcmp(kind, "note") == 0) {
        hilo_ws_write_append(op);
        return 0;
    }
    op->channel = channel ? strdup(channel) : NULL;
    if (tpl) /* only the team's approved templates (team_settings.h) */
        err = hilo_team_template_check(c->srv, hilo_sess(c)->id, tpl, template_checked, op);
    else
        err = reply_route(op);
    if (err < 0) {
        hilo_msg_free(op);
        return err;
    }
    return 0;
}

int hilo_ws_agent_reply(struct hilo_conn *c, json_t *msg, const char *req)
{
    return agent_write(c, msg, req, "reply");
}

int hilo_ws_agent_note(struct hilo_conn *c, json_t *msg, const char *req)
{
    return agent_write(c, msg, req, "note");
}

int hilo_ws_agent_resolve(struct hilo_conn *c, json_t *msg, const char *req)
{
    return agent_write(c, msg, req, "resolve");
}

struct retry_frame {
    struct hilo_conn *c;
    char *req;
};

static void delivery_retried(int err, void *data)
{
    struct retry_frame *f = data;
    if (f->c->wsi) {
        if (err)
            hilo_conn_error(f->c, err, f->req, NULL);
        else
            hilo_dispatch_ok(f->c, f->req);
    }
    hilo_conn_unref(f->c);
    free(f->req);
    free(f);
}

int hilo_ws_agent_delivery_retry(struct hilo_conn *c, json_t *msg, const char *req)
{
    char ref[HILO_REF_MAX];
    int bad = 0;
    const char *ev = hilo_dispatch_str(msg, "event_id", 40, &bad);
    uint64_t ms, seq;
    struct retry_frame *f;
    int err = hilo_dispatch_ticket(msg, ref);
    if (err)
        return err;
    if (bad || !ev || parse_id(ev, &ms, &seq) < 0)
        return -HILO_EBADFRAME;
    f = calloc(1, sizeof *f);
    if (!f)
        return -HILO_EINTERNAL;
    hilo_conn_ref(c);
    f->c = c;
    f->req = req ? strdup(req) : NULL;
    int rc = hilo_outbox_requeue(c->srv->outbox, ref, ev, delivery_retried, f);
    if (rc < 0) {
        hilo_conn_unref(c);
        free(f->req);
        free(f);
        return rc;
    }
    return 0;
}

struct set_op {
    struct hilo_conn *c;
    char *req;
    char ref[HILO_REF_MAX];
    char op[12];
    char value[65];
    char team[65];
    int team_given;
    char follow_up[24];
    char reason[16]; /* status closed: spam, duplicate, other */
    char *tags;      /* op "tags": the comma-joined list */
};

static void set_free(struct set_op *op)
{
    hilo_conn_unref(op->c);
    free(op->req);
    free(op->tags);
    free(op);
}

static void set_cb(const struct hilo_ticket_result *res, void *data)
{
    struct set_op *op = data;
    if (op->c->wsi) {
        if (res->err)
            hilo_conn_error(op->c, res->err, op->req, NULL);
        else
            hilo_dispatch_ok(op->c, op->req);
    }
    set_free(op);
}

static void set_send(struct set_op *op)
{
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    struct hilo_ticket_set req = {
        .ref = op->ref,
        .value = op->tags ? op->tags : op->value,
        .author_id = se->id,
        .author_name = se->name,
        .team = op->team,
        .follow_up_ms = op->follow_up[0] ? strtoull(op->follow_up, NULL, 10) : 0,
        .reason = op->reason[0] ? op->reason : NULL,
    };
    int rc = strcmp(op->op, "status") == 0 ? hilo_tickets_set_status(c->srv, &req, set_cb, op)
             : strcmp(op->op, "tags") == 0 ? hilo_tickets_set_tags(c->srv, &req, set_cb, op)
                                           : hilo_tickets_assign(c->srv, &req, set_cb, op);
    if (rc < 0) {
        hilo_conn_error(c, rc, op->req, NULL);
        set_free(op);
    }
}

static void assign_check_cb(redisReply *reply, void *data)
{
    struct set_op *op = data;
    if (!op->c->wsi) {
        set_free(op);
        return;
    }
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        hilo_conn_error(op->c, -HILO_EUNAVAIL, op->req, NULL);
        set_free(op);
        return;
    }
    if (reply->element[0]->type != REDIS_REPLY_STRING) {
        hilo_conn_error(op->c, -HILO_EUNKNOWNAGENT, op->req, NULL);
        set_free(op);
        return;
    }
    /* Without a team in the frame, the ticket goes to the assignee's team. */
    if (!op->team_given && reply->element[1]->type == REDIS_REPLY_STRING)
        snprintf(op->team, sizeof op->team, "%s", reply->element[1]->str);
    set_send(op);
}

static int agent_set(struct hilo_conn *c, json_t *msg, const char *req, const char *kind)
{
    char ref[HILO_REF_MAX];
    int bad = 0;
    const char *v = hilo_dispatch_str(msg, strcmp(kind, "assign") == 0 ? "agent" : "status", 64, &bad);
    const char *team = hilo_dispatch_str(msg, "team", 64, &bad);
    const char *reason = hilo_dispatch_str(msg, "reason", 15, &bad);
    json_t *fu = json_object_get(msg, "follow_up_at");
    struct set_op *op;
    int err = hilo_dispatch_ticket(msg, ref);
    if (err)
        return err;
    if (fu && (!json_is_integer(fu) || json_integer_value(fu) <= 0 || strcmp(kind, "status") != 0 ||
               !v || strcmp(v, "pending") != 0))
        bad = 1;
    if (bad || !v ||
        (strcmp(kind, "status") == 0 && strcmp(v, "open") != 0 && strcmp(v, "pending") != 0 &&
         strcmp(v, "closed") != 0))
        return -HILO_EBADFRAME;
    /* closing without a reply says why: spam, duplicate or other */
    if (reason && (strcmp(kind, "status") != 0 || strcmp(v, "closed") != 0 ||
                   (strcmp(reason, "spam") != 0 && strcmp(reason, "duplicate") != 0 &&
                    strcmp(reason, "other") != 0)))
        return -HILO_EBADFRAME;
    op = calloc(1, sizeof *op);
    if (!op)
        return -HILO_EINTERNAL;
    hilo_conn_ref(c);
    op->c = c;
    op->req = req ? strdup(req) : NULL;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->op, sizeof op->op, "%s", kind);
    if (reason)
        snprintf(op->reason, sizeof op->reason, "%s", reason);
    snprintf(op->value, sizeof op->value, "%s", v);
    if (team) {
        snprintf(op->team, sizeof op->team, "%s", team);
        op->team_given = 1;
    }
    if (fu)
        snprintf(op->follow_up, sizeof op->follow_up, "%lld", (long long)json_integer_value(fu));
    if (strcmp(kind, "assign") == 0 && *v) {
        if (hilo_store_agent_profile(c->srv->redis, v, assign_check_cb, op) < 0) {
            set_free(op);
            return -HILO_EUNAVAIL;
        }
        return 0;
    }
    set_send(op);
    return 0;
}

int hilo_ws_agent_assign(struct hilo_conn *c, json_t *msg, const char *req)
{
    return agent_set(c, msg, req, "assign");
}

int hilo_ws_agent_status(struct hilo_conn *c, json_t *msg, const char *req)
{
    return agent_set(c, msg, req, "status");
}

/* {"type":"tags","ticket":"…","tags":["vip","refund"]}: the whole list */
int hilo_ws_agent_tags(struct hilo_conn *c, json_t *msg, const char *req)
{
    char ref[HILO_REF_MAX];
    char joined[HILO_TAGS_MAX + 1];
    const char *list[HILO_TAGS_COUNT];
    json_t *tags = json_object_get(msg, "tags");
    size_t i;
    json_t *v;
    int err = hilo_dispatch_ticket(msg, ref);
    if (err)
        return err;
    if (!json_is_array(tags) || json_array_size(tags) > HILO_TAGS_COUNT)
        return -HILO_EBADFRAME;
    json_array_foreach(tags, i, v) {
        if (!json_is_string(v))
            return -HILO_EBADFRAME;
        list[i] = json_string_value(v);
    }
    err = hilo_tickets_tags_join(list, json_array_size(tags), joined, sizeof joined);
    if (err)
        return err;
    struct set_op *op = calloc(1, sizeof *op);
    if (!op)
        return -HILO_EINTERNAL;
    hilo_conn_ref(c);
    op->c = c;
    op->req = req ? strdup(req) : NULL;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->op, sizeof op->op, "%s", "tags");
    op->tags = strdup(joined);
    if (!op->tags) {
        set_free(op);
        return -HILO_EINTERNAL;
    }
    set_send(op);
    return 0;
}

int hilo_ws_agent_typing(struct hilo_conn *c, json_t *msg, const char *req)
{
    char ref[HILO_REF_MAX];
    json_t *st = json_object_get(msg, "state");
    int err = hilo_dispatch_ticket(msg, ref);
    if (err)
        return err;
    if (!json_is_boolean(st))
        return -HILO_EBADFRAME;
    hilo_presence_typing(c, ref, json_is_true(st));
    return 0;
}

int hilo_ws_agent_login_frame(struct hilo_conn *c, json_t *msg, const char *req)
{
    int bad = 0;
    const char *name = hilo_dispatch_str(msg, "name", 64, &bad);
    const char *pw = hilo_dispatch_str(msg, "password", 256, &bad);
    if (bad || !name || !pw)
        return -HILO_EBADFRAME;
    hilo_agent_login(c, name, pw, req);
    return 0;
}

int hilo_ws_agent_auth_frame(struct hilo_conn *c, json_t *msg, const char *req)
{
    int bad = 0;
    const char *tok = hilo_dispatch_str(msg, "token", 256, &bad);
    if (bad || !tok)
        return -HILO_EBADFRAME;
    hilo_agent_auth(c, tok, req);
    return 0;
}

/* ---- WebSocket side ------------------------------------------------------ */

struct ws_auth {
    struct hilo_conn *c;
    char *req;
    int send_token;
};

static void ws_auth_cb(int err, const struct hilo_session_info *si, void *data)
{
    struct ws_auth *a = data;
    struct hilo_conn *c = a->c;
    struct hilo_session *se = hilo_sess(c);
    if (c->wsi) {
        if (err) {
            hilo_conn_error(c, err, a->req, NULL);
            /* an upgrade made with an expired session cookie ends here */
            if (err == -HILO_EEXPIRED && !a->send_token && !a->req && se->cookie && !se->ready)
                hilo_conn_close(c, 4401);
        } else {
            json_t *o = json_pack("{s:s, s:I, s:{s:s, s:s, s:s}}", "type", "session", "expires_at",
                                  (json_int_t)si->exp_ms, "agent", "name", si->name, "display",
                                  si->display[0] ? si->display : si->name, "role",
                                  si->role[0] ? si->role : "agent");
            char *js;
            if (a->send_token)
                json_object_set_new(o, "token", json_string(si->token));
            if (a->req)
                json_object_set_new(o, "req", json_string(a->req));
            free(se->id);
            free(se->name);
            se->id = strdup(si->name);
            se->name = strdup(si->display[0] ? si->display : si->name);
            se->admin = strcmp(si->role, "admin") == 0;
            se->sess_exp_ms = si->exp_ms;
            se->ready = 1;
            js = json_dumps(o, JSON_COMPACT);
            if (js)
                hilo_conn_send_buf(c, js, strlen(js));
            free(js);
            json_decref(o);
        }
        hilo_session_busy(c, 0);
    }
    hilo_conn_unref(c);
    free(a->req);
    free(a);
}

static struct ws_auth *ws_auth_new(struct hilo_conn *c, const char *req, int send_token)
{
    struct ws_auth *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    hilo_conn_ref(c);
    a->c = c;
    a->req = req ? strdup(req) : NULL;
    a->send_token = send_token;
    hilo_session_busy(c, 1);
    return a;
}

static void ws_auth_failed(struct ws_auth *a, int err)
{
    struct hilo_conn *c = a->c;
    hilo_conn_error(c, err, a->req, NULL);
    hilo_session_busy(c, 0);
    hilo_conn_unref(c);
    free(a->req);
    free(a);
}

void hilo_agent_login(struct hilo_conn *c, const char *name, const char *password, const char *req)
{
    struct ws_auth *a = ws_auth_new(c, req, 1);
    int rc;
    if (!a)
        return;
    /* throttled per name and per address, as HTTP logins are */
    rc = hilo_agents_login_from(c->srv, name, password, hilo_sess(c)->ip, ws_auth_cb, a);
    if (rc < 0)
        ws_auth_failed(a, rc == -HILO_EUNAVAIL ? rc : -HILO_EINTERNAL);
}

void hilo_agent_auth(struct hilo_conn *c, const char *token, const char *req)
{
    struct ws_auth *a = ws_auth_new(c, req, 0);
    int rc;
    if (!a)
        return;
    rc = hilo_agents_check(c->srv, token, ws_auth_cb, a);
    if (rc < 0)
        ws_auth_failed(a, rc == -HILO_EUNAVAIL ? rc : -HILO_EINTERNAL);
}

void hilo_conn_cookie_auth(struct hilo_conn *c)
{
    if (hilo_sess(c)->cookie)
        hilo_agent_auth(c, hilo_sess(c)->cookie, NULL);
}
