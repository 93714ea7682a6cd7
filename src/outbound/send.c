/* Sending one outbox entry to its provider and reading the answer, through
 * the channel table (include/hilo/channels.h). See docs/delivery.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/channels.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/fetch.h"
#include "hilo/log.h"
#include "hilo/metrics.h"
#include "hilo/store.h"
#include "internal.h"

/* The request went out and no answer came: the provider may have the
 * message. The entry remembers it (unk, and unk_at: when the first such
 * attempt began), so that the next attempt looks it up first where the
 * provider allows it. Retried after the full backoff. */
static void unknown_outcome(struct ob_job *j, const char *error)
{
    char err[300], at[24];
    hilo_metrics_inc(HILO_M_OUTBOX_UNKNOWN);
    if (!*ob_field(j->e, "unk_at")) {
        snprintf(at, sizeof at, "%llu", (unsigned long long)j->started_ms);
        json_object_set_new(j->e, "unk_at", json_string(at));
    }
    json_object_set_new(j->e, "unk", json_string("1"));
    hilo_warn("outbox: %s to %s for ticket %s: no answer (%s); it may have been sent, checking "
              "before sending again",
              ob_field(j->e, "ch"), j->provider, ob_field(j->e, "ref"), error);
    snprintf(err, sizeof err, "outcome unknown: %s", error);
    ob_finish(j, HILO_V_RETRY, NULL, err, -1);
}

/* The delivery's route says the message goes out as a template now. */
static void late_route(struct ob_job *j)
{
    json_t *u = ob_late_route(j->e);
    char *js = u ? json_dumps(u, JSON_COMPACT) : NULL;
    struct hilo_store_delivery op = {.chan = j->o->d.events_channel, .ref = ob_field(j->e, "ref"),
                                     .op = HILO_DELIVERY_UPDATE, .event_id = j->ev,
                                     .fields = js ? js : "{}"};
    json_decref(u);
    if (js)
        hilo_store_delivery(j->o->d.redis, &op, NULL, NULL);
    hilo_warn("outbox: whatsapp refused a free-form message of ticket %s (131047, window closed); "
              "sending the template %s instead", ob_field(j->e, "ref"), ob_field(j->e, "tpl"));
    free(js);
}

static void sent_cb(const struct hilo_fetch_res *res, void *data)
{
    struct ob_job *j = data;
    const struct hilo_channel_ops *ops = hilo_channel_by_provider(j->provider);
    char err[256] = "", why[300];
    char *pid = NULL;
    int retryable = 1, window = 0, ok;
    enum hilo_verdict v;

    if (!res->ok) {
        snprintf(err, sizeof err, "network: %s", res->error ? res->error : "failed");
        if (res->sent)
            unknown_outcome(j, err);
        else
            ob_finish(j, HILO_V_RETRY, NULL, err, -1);
        return;
    }
    if (!ops || !ops->parse_send) {
        /* a mail transfer: its reply code decides */
        v = hilo_retry_smtp(1, res->status);
        snprintf(err, sizeof err, "SMTP %ld", res->status);
        /* the Message-ID we chose is the email's provider id */
        ob_finish(j, v, v == HILO_V_SENT ? ob_field(j->e, "msgid") : NULL,
                  v == HILO_V_SENT ? NULL : err, -1);
        return;
    }
    ok = ops->parse_send(res->status, res->body, res->body_len, &pid, &retryable, &window, err,
                         sizeof err) == 0;
    v = hilo_retry_provider(1, ok, retryable);
    if (!ok && res->status >= 200 && res->status < 300) {
        /* accepted, without an id we can read: a success (never a dead
         * letter, never sent again); status callbacks cannot find it */
        hilo_metrics_inc(HILO_M_OUTBOX_NO_ID);
        hilo_warn("outbox: %s accepted a message for ticket %s without a message id (%s)",
                  j->provider, ob_field(j->e, "ref"), err);
        ob_finish(j, HILO_V_SENT, NULL, NULL, -1);
    } else if (v == HILO_V_SENT) {
        ob_finish(j, v, pid, NULL, -1);
    } else if (window && ob_take_late_template(j->e)) {
        /* WhatsApp's window is closed after all (131047): the template the
         * route chose for it, at once (docs/continuity.md) */
        late_route(j);
        snprintf(why, sizeof why, "%s; sending the template %s instead", err, ob_field(j->e, "tpl"));
        /* a new message: its own attempts, never buried for the free-form
         * one's (ob_finish counts this as its first) */
        json_object_set_new(j->e, "attempt", json_string("0"));
        ob_finish(j, HILO_V_RETRY, NULL, why, 0);
    } else {
        snprintf(why, sizeof why, "HTTP %ld: %s", res->status, err);
        ob_finish(j, v, NULL, why, hilo_retry_after(res->status, res->retry_after_s));
    }
    free(pid);
}

static void send_request(struct ob_job *j, const struct hilo_channel_ops *ops);

/* The Graph API echoes biz_opaque_callback_data in every status webhook of
 * the message: "hilo:<ref>:<event id>" lets a status find the delivery even
 * when the send's answer never came (a timeout), so that the retry, due
 * only after the full backoff, finds it sent and drops it. */
static void mark_graph_body(struct ob_job *j, struct hilo_channel_req *cr)
{
    char marker[96];
    json_t *b = json_loads(cr->body, 0, NULL);
    char *out;
    if (!json_is_object(b)) {
        json_decref(b);
        return;
    }
    snprintf(marker, sizeof marker, "hilo:%s:%s", ob_field(j->e, "ref"), j->ev);
    json_object_set_new(b, "biz_opaque_callback_data", json_string(marker));
    out = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    if (out) {
        free(cr->body);
        cr->body = out;
    }
}

static void looked_up(struct ob_job *j, int found, const char *pid, const char *why)
{
    const struct hilo_channel_ops *ops = hilo_channel_find(ob_field(j->e, "ch"),
                                                           ob_field(j->e, "via"));
    if (found < 0) {
        ob_finish(j, HILO_V_RETRY, NULL, why, -1); /* still unknown: look again later */
        return;
    }
    if (found) {
        hilo_metrics_inc(HILO_M_OUTBOX_LOOKUP_FOUND);
        hilo_info("outbox: the message for ticket %s that timed out reached %s as %s; not sent "
                  "again", ob_field(j->e, "ref"), j->provider, pid);
        ob_finish(j, HILO_V_SENT, pid, NULL, -1);
        return;
    }
    hilo_metrics_inc(HILO_M_OUTBOX_LOOKUP_ABSENT);
    json_object_del(j->e, "unk");
    json_object_del(j->e, "unk_at");
    send_request(j, ops);
}

void ob_send_now(struct ob_job *j)
{
    const char *ch = ob_field(j->e, "ch");
    const struct hilo_channel_ops *ops = hilo_channel_find(ch, ob_field(j->e, "via"));
    if (ops)
        snprintf(j->provider, sizeof j->provider, "%s", ops->provider);
    if (ops && ops->build_send && *ob_field(j->e, "unk")) {
        if (ob_lookup_available(ops)) {
            ob_lookup_start(j, ops, looked_up);
            return;
        }
        /* no way to ask: sending again may deliver it twice (email: the
         * same Message-ID, shown once by mail clients) */
        hilo_metrics_inc(HILO_M_OUTBOX_MAYBE_DUP);
        hilo_warn("outbox: sending the message for ticket %s again on %s after an unknown "
                  "outcome: possible duplicate",
                  ob_field(j->e, "ref"), j->provider);
        json_object_del(j->e, "unk");
        json_object_del(j->e, "unk_at");
    }
    send_request(j, ops);
}

static void send_request(struct ob_job *j, const struct hilo_channel_ops *ops)
{
    const struct hilo_config *c = j->o->d.cfg;
    /* ops: the row the route chose (wa_via); an entry from before the route
     * named one is sent on the channel's first row */
    struct hilo_channel_msg m = {
        .ref = ob_field(j->e, "ref"), .to = ob_field(j->e, "to"), .text = ob_field(j->e, "text"),
        .tpl = ob_field(j->e, "tpl"), .tpl_params = ob_field(j->e, "tpl_params"),
        .tpl_lang = ob_field(j->e, "tpl_lang"), .subject = ob_field(j->e, "subj"),
        .msgid = ob_field(j->e, "msgid"), .irt = ob_field(j->e, "irt"), .refs = ob_field(j->e, "refs"),
        .now_s = (int64_t)(hilo_now_ms() / 1000),
        .buttons = ob_field(j->e, "buttons"),
        .auto_submitted = ob_field(j->e, "auto"),
    };
    struct hilo_channel_req cr;
    struct hilo_fetch_req req;
    int smtp;

    if (!ops || !ops->build_send) {
        ob_finish(j, HILO_V_FAILED, NULL, "unknown channel", -1);
        return;
    }
    memset(&cr, 0, sizeof cr);
    memset(&req, 0, sizeof req);
    smtp = ops->transport == HILO_CHANNEL_SMTP;
    snprintf(j->provider, sizeof j->provider, "%s", ops->provider);
    if (ops->build_send(c, &m, &cr) < 0) {
        ob_finish(j, HILO_V_RETRY, NULL,
                  smtp ? "could not start the SMTP transfer" : "could not start the request", -1);
        hilo_channel_req_deinit(&cr);
        return;
    }
    if (strcmp(ops->provider, "whatsapp") == 0)
        mark_graph_body(j, &cr);
    req.timeout_ms = c->http_timeout_ms;
    req.method = cr.method;
    req.url = cr.url;
    req.headers = cr.headers[0] ? cr.headers : NULL;
    req.username = cr.username;
    req.password = cr.password;
    req.mail_from = cr.mail_from[0] ? cr.mail_from : NULL;
    req.mail_rcpt = cr.mail_rcpt[0] ? cr.mail_rcpt : NULL;
    req.body = cr.body;
    req.body_len = strlen(cr.body);
    j->started_ms = hilo_now_ms();
    if (hilo_fetch_start(j->o->fetch, &req, sent_cb, j) < 0)
        ob_finish(j, HILO_V_RETRY, NULL,
                  smtp ? "could not start the SMTP transfer" : "could not start the request", -1);
    hilo_channel_req_deinit(&cr);
}
