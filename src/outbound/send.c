/* Sending one outbox entry to its provider (WhatsApp Cloud API, Twilio,
 * SMTP) and reading the answer. See docs/delivery.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hilo/channels.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/fetch.h"
#include "internal.h"

static void sent_cb(const struct hilo_fetch_res *res, void *data)
{
    struct ob_job *j = data;
    char err[256] = "", why[300];
    char *pid = NULL;
    int retryable = 1, window = 0, ok;
    enum hilo_verdict v;

    if (!res->ok) {
        snprintf(err, sizeof err, "network: %s", res->error ? res->error : "failed");
        ob_finish(j, HILO_V_RETRY, NULL, err, -1);
        return;
    }
    if (strcmp(ob_field(j->e, "ch"), "email") == 0) {
        v = hilo_retry_smtp(1, res->status);
        snprintf(err, sizeof err, "SMTP %ld", res->status);
        /* the Message-ID we chose is the email's provider id */
        ob_finish(j, v, v == HILO_V_SENT ? ob_field(j->e, "msgid") : NULL,
                  v == HILO_V_SENT ? NULL : err, -1);
        return;
    }
    if (strcmp(j->provider, "whatsapp") == 0)
        ok = hilo_whatsapp_parse_send_response(res->status, res->body, res->body_len, &pid,
                                               &retryable, &window, err, sizeof err) == 0;
    else
        ok = hilo_twilio_parse_send_response(res->status, res->body, res->body_len, &pid,
                                             &retryable, err, sizeof err) == 0;
    v = hilo_retry_provider(1, ok, retryable);
    if (v == HILO_V_SENT) {
        ob_finish(j, v, pid, NULL, -1);
    } else {
        snprintf(why, sizeof why, "HTTP %ld: %s", res->status, err);
        ob_finish(j, v, NULL, why, hilo_retry_after(res->status, res->retry_after_s));
    }
    free(pid);
}

/* The WhatsApp Cloud API body: free text, or an approved template (what may
 * be sent outside the 24-hour window). */
static char *cloud_body(struct ob_job *j, const char *to, const char *text)
{
    char e164[64];
    char *body;
    snprintf(e164, sizeof e164, "%s%s", to[0] == '+' ? "" : "+", to);
    if (!*ob_field(j->e, "tpl"))
        return hilo_whatsapp_build_text(e164, text, NULL);
    json_error_t je;
    json_t *pa = json_loads(ob_field(j->e, "tpl_params"), 0, &je);
    const char *params[10];
    size_t np = 0;
    for (size_t i = 0; json_is_array(pa) && i < json_array_size(pa) && np < 10; i++)
        params[np++] = json_string_value(json_array_get(pa, i));
    body = hilo_whatsapp_build_template(e164, ob_field(j->e, "tpl"), ob_field(j->e, "tpl_lang"),
                                        params, np);
    json_decref(pa);
    return body;
}

static void send_email(struct ob_job *j, const char *to, const char *text)
{
    const struct hilo_config *c = j->o->d.cfg;
    struct hilo_fetch_req req;
    char reply_to[320], subject[600], rcpt[320], mfrom[320], refs[2048];
    const char *ref = ob_field(j->e, "ref"), *subj = ob_field(j->e, "subj");
    const char *at = strchr(c->support_email, '@');
    char *body;

    memset(&req, 0, sizeof req);
    req.timeout_ms = c->http_timeout_ms;
    snprintf(j->provider, sizeof j->provider, "email");
    snprintf(reply_to, sizeof reply_to, "%.*s+%s%s", at ? (int)(at - c->support_email) : 0,
             c->support_email, ref, at ? at : "");
    if (*subj)
        snprintf(subject, sizeof subject, "%s%s [#%s]", strncasecmp(subj, "re:", 3) ? "Re: " : "",
                 subj, ref);
    else
        snprintf(subject, sizeof subject, "[#%s]", ref);
    snprintf(refs, sizeof refs, "%s%s%s", ob_field(j->e, "refs"), *ob_field(j->e, "refs") ? " " : "",
             ob_field(j->e, "irt"));
    body = hilo_email_build(c->support_email, to, reply_to, subject, text, ob_field(j->e, "msgid"),
                            ob_field(j->e, "irt"), refs, (int64_t)(hilo_now_ms() / 1000));
    snprintf(mfrom, sizeof mfrom, "<%s>", c->support_email);
    snprintf(rcpt, sizeof rcpt, "<%s>", to);
    req.mail_from = mfrom;
    req.mail_rcpt = rcpt;
    if (c->smtp_user[0]) {
        req.username = c->smtp_user;
        req.password = c->smtp_password;
    }
    req.url = c->smtp_url;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    if (!body || hilo_fetch_start(j->o->fetch, &req, sent_cb, j) < 0)
        ob_finish(j, HILO_V_RETRY, NULL, "could not start the SMTP transfer", -1);
    free(body);
}

void ob_send_now(struct ob_job *j)
{
    const struct hilo_config *c = j->o->d.cfg;
    const char *ch = ob_field(j->e, "ch"), *to = ob_field(j->e, "to"), *text = ob_field(j->e, "text");
    struct hilo_fetch_req req;
    char url[1024], auth[600], *body = NULL;
    const char *headers[4] = {NULL, NULL, NULL, NULL};

    memset(&req, 0, sizeof req);
    req.timeout_ms = c->http_timeout_ms;
    req.method = "POST";
    if (strcmp(ch, "whatsapp") == 0 && strcmp(ob_field(j->e, "via"), "cloud") == 0) {
        snprintf(j->provider, sizeof j->provider, "whatsapp");
        snprintf(url, sizeof url, "%s/%s/messages", c->whatsapp_api_base, c->whatsapp_phone_number_id);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->whatsapp_token);
        headers[0] = auth;
        headers[1] = "Content-Type: application/json";
        body = cloud_body(j, to, text);
    } else if (strcmp(ch, "whatsapp") == 0 || strcmp(ch, "sms") == 0) {
        char dest[80], cb[600];
        int wa = strcmp(ch, "whatsapp") == 0;
        snprintf(j->provider, sizeof j->provider, "twilio");
        snprintf(url, sizeof url, "%s/2010-04-01/Accounts/%s/Messages.json", c->twilio_api_base,
                 c->twilio_account_sid);
        snprintf(dest, sizeof dest, "%s%s", wa ? "whatsapp:" : "", to);
        snprintf(cb, sizeof cb, "%s/webhooks/twilio/status", c->public_url);
        headers[0] = "Content-Type: application/x-www-form-urlencoded";
        req.username = c->twilio_account_sid;
        req.password = c->twilio_auth_token;
        body = hilo_twilio_build_message(wa ? c->twilio_whatsapp_from : c->twilio_from, dest, text,
                                         c->public_url[0] ? cb : NULL);
    } else if (strcmp(ch, "email") == 0) {
        send_email(j, to, text);
        return;
    } else {
        ob_finish(j, HILO_V_FAILED, NULL, "unknown channel", -1);
        return;
    }
    req.url = url;
    req.headers = headers;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    if (!body || hilo_fetch_start(j->o->fetch, &req, sent_cb, j) < 0)
        ob_finish(j, HILO_V_RETRY, NULL, "could not start the request", -1);
    free(body);
}
