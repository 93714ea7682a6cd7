/* Sending one outbox entry to its provider and reading the answer, through
 * the channel table (include/hilo/channels.h). See docs/delivery.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/channels.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/fetch.h"
#include "internal.h"

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
    if (v == HILO_V_SENT) {
        ob_finish(j, v, pid, NULL, -1);
    } else {
        snprintf(why, sizeof why, "HTTP %ld: %s", res->status, err);
        ob_finish(j, v, NULL, why, hilo_retry_after(res->status, res->retry_after_s));
    }
    free(pid);
}

void ob_send_now(struct ob_job *j)
{
    const struct hilo_config *c = j->o->d.cfg;
    const char *ch = ob_field(j->e, "ch");
    /* the row the route chose (wa_via); an entry from before the route named
     * one is sent on the channel's first row */
    const struct hilo_channel_ops *ops = hilo_channel_find(ch, ob_field(j->e, "via"));
    struct hilo_channel_msg m = {
        .ref = ob_field(j->e, "ref"), .to = ob_field(j->e, "to"), .text = ob_field(j->e, "text"),
        .tpl = ob_field(j->e, "tpl"), .tpl_params = ob_field(j->e, "tpl_params"),
        .tpl_lang = ob_field(j->e, "tpl_lang"), .subject = ob_field(j->e, "subj"),
        .msgid = ob_field(j->e, "msgid"), .irt = ob_field(j->e, "irt"), .refs = ob_field(j->e, "refs"),
        .now_s = (int64_t)(hilo_now_ms() / 1000),
        .buttons = ob_field(j->e, "buttons"),
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
    if (hilo_fetch_start(j->o->fetch, &req, sent_cb, j) < 0)
        ob_finish(j, HILO_V_RETRY, NULL,
                  smtp ? "could not start the SMTP transfer" : "could not start the request", -1);
    hilo_channel_req_deinit(&cr);
}
