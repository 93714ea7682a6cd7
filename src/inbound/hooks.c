/* The provider webhooks: /webhooks/<path> is answered by the channel row
 * that names the path (channels.h). The row verifies and parses a plain
 * view of the request; the pipeline stores what it parsed. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/http.h"
#include "hilo/log.h"
#include "hilo/store.h"
#include "hilo/server.h"
#include "internal.h"
#include "hilo/reach.h"

/* The headers a row may read: signatures and the body's type. */
static const char *const header_names[] = {"x-hub-signature-256", "x-twilio-signature",
                                           "content-type"};

/* The request's view for the channels. The server keeps query arguments
 * decoded ("name=value"); each is encoded again so that the query decodes
 * exactly once, whatever the value holds. */
struct view {
    struct hilo_http_in in;
    struct hilo_http_header h[3];
    char query[2048];
};

static void view_init(struct view *v, struct hilo_http *r)
{
    size_t k = 0;
    memset(v, 0, sizeof *v);
    for (int i = 0; i < hilo_http_nargs(r) && k < sizeof v->query; i++) {
        const char *a = hilo_http_argn(r, i), *eq = strchr(a, '=');
        char name[256];
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
        char *en = hilo_form_encode(name), *ev = hilo_form_encode(eq ? eq + 1 : "");
        if (en && ev)
            k += (size_t)snprintf(v->query + k, sizeof v->query - k, "%s%s=%s", k ? "&" : "", en, ev);
        free(en);
        free(ev);
    }
    for (size_t i = 0; i < HILO_ARRAY_LEN(header_names); i++) {
        v->h[v->in.nheaders].name = header_names[i];
        v->h[v->in.nheaders].value = hilo_http_header(r, header_names[i]);
        if (v->h[v->in.nheaders].value)
            v->in.nheaders++;
    }
    v->in.method = hilo_http_method(r);
    v->in.path = hilo_http_path(r);
    v->in.query = v->query;
    v->in.headers = v->h;
    v->in.body = hilo_http_body(r, &v->in.body_len);
    v->in.now_s = (int64_t)(hilo_now_ms() / 1000);
}

static int status_of(int err)
{
    switch (err) {
    case -HILO_EUNAUTH: return 401;
    case -HILO_EFORBIDDEN: return 403;
    case -HILO_EBADJSON:
    case -HILO_EBADFRAME: return 400;
    default: return 500;
    }
}

static void refuse(struct hilo_http *r, int err, const char *why)
{
    in_answer_error(r, status_of(err), hilo_err_code(err), why);
}

static void handshake(struct hilo_http *r, const struct hilo_channel_ops *o,
                      const struct hilo_config *c, const struct hilo_http_in *in)
{
    char *echo = o->handshake(c, in);
    if (echo)
        hilo_http_respond(r, 200, "text/plain", echo, strlen(echo));
    else
        in_answer_error(r, 403, "forbidden", "Verification failed.");
    free(echo);
}

/* A signature that covers only a token (Mailgun: timestamp + token) could
 * carry another message inside its freshness window. The token is claimed
 * for a digest of the messages it carried: the same messages again are a
 * redelivery (the pipeline's dedupe takes them), other messages a replay. */
#define REPLAY_TTL_S (10 * 3600) /* Mailgun's 9 h back + 5 min ahead, generously */

static void replay_cb(redisReply *reply, void *data)
{
    struct in_op *op = data;
    int err = hilo_store_replay_result(reply, op->replay_digest);
    if (err == -HILO_EFORBIDDEN) {
        hilo_warn("webhook %s: signature token replayed with another message", op->provider);
        in_answer_error(op->r, 403, "forbidden", "Signature already used for another message.");
        in_op_free(op);
        return;
    }
    if (err) {
        in_answer_error(op->r, 503, "unavailable", "Storage unavailable; retry later.");
        in_op_free(op);
        return;
    }
    in_run(op);
}

static void replay_check(struct in_op *op, const struct hilo_channel_ops *o,
                         const struct hilo_http_in *in)
{
    char token[256];
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;

    if (o->replay_token(in, token, sizeof token) < 0) {
        in_answer_error(op->r, 401, "unauthorized", "Missing signature token.");
        in_op_free(op);
        return;
    }
    crypto_hash_sha256_init(&st);
    for (const struct hilo_inbound *m = op->msgs; m; m = m->next) {
        const char *parts[] = {m->provider_id, m->from, m->text};
        for (size_t i = 0; i < 3; i++) {
            const char *p = parts[i] ? parts[i] : "";
            crypto_hash_sha256_update(&st, (const unsigned char *)p, strlen(p) + 1);
        }
    }
    /* and the delivery reports (a bounce, an event): a token carries one set */
    for (const struct hilo_delivery *d = op->statuses; d; d = d->next) {
        const char *parts[] = {d->provider_id, d->status, d->error};
        for (size_t i = 0; i < 3; i++) {
            const char *p = parts[i] ? parts[i] : "";
            crypto_hash_sha256_update(&st, (const unsigned char *)p, strlen(p) + 1);
        }
    }
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(op->replay_digest, sizeof op->replay_digest, h, sizeof h);
    if (hilo_store_replay_claim(op->s->redis, o->provider, token, op->replay_digest,
                                REPLAY_TTL_S, replay_cb, op) < 0) {
        in_answer_error(op->r, 503, "unavailable", "Storage unavailable; retry later.");
        in_op_free(op);
    }
}

/* Messages and delivery updates: parsed by the row, stored by the pipeline. */
static void messages(struct hilo_http *r, const struct hilo_channel_ops *o, const struct hilo_http_in *in)
{
    char err[256] = "";
    struct in_op *op = in_op_new(r, o->flags & HILO_CHANNEL_TWIML ? IN_ANSWER_TWIML_EMPTY : IN_ANSWER_OK);
    if (!op) {
        in_answer_error(r, 500, "internal", "Internal error.");
        return;
    }
    op->provider = o->provider;
    int rc = o->parse(in, &op->msgs, &op->statuses, err, sizeof err);
    if (rc < 0) {
        refuse(r, rc, err);
        in_op_free(op);
        return;
    }
    /* a WhatsApp message (re)opens its number's 24-hour window, whatever
     * becomes of it (held, joined, blocked): routing at send time, reach.h */
    for (const struct hilo_inbound *m = op->msgs; m; m = m->next)
        if (!m->automatic)
            hilo_reach_on_inbound(op->s, m->channel, m->from, "");
    if (o->replay_token) {
        replay_check(op, o, in);
        return;
    }
    in_run(op);
}

void hilo_webhook_handle(struct hilo_http *r)
{
    const struct hilo_config *c = hilo_http_server(r)->cfg;
    const struct hilo_channel_ops *o = hilo_channel_by_hook(hilo_http_path(r));
    const char *method = hilo_http_method(r);
    int get = strcmp(method, "GET") == 0, rc;
    char why[160], err[256] = "";
    struct view v;

    if (!o) {
        in_answer_error(r, 404, "not_found", "No such webhook.");
        return;
    }
    if (strcmp(method, "POST") != 0 && !(get && o->handshake)) {
        in_answer_error(r, 405, "method_not_allowed", "Webhooks are POSTed.");
        return;
    }
    if (!o->hooks_configured(c)) {
        snprintf(why, sizeof why, "%s is not configured.", o->title);
        in_answer_error(r, 404, "not_found", why);
        return;
    }
    view_init(&v, r);
    if (get) {
        handshake(r, o, c, &v.in);
        return;
    }
    if (!v.in.body) {
        in_answer_error(r, 413, "too_large", "Body too large.");
        return;
    }
    if ((rc = o->verify(c, &v.in, err, sizeof err)) < 0) {
        refuse(r, rc, err);
        return;
    }
    if (o->flags & HILO_CHANNEL_CALLS)
        in_voice(r, &v.in, hilo_voice_kind_of(v.in.path));
    else
        messages(r, o, &v.in);
}
