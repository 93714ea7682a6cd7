#include "hilo/outbox.h"

#include <hiredis/hiredis.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hilo/channels.h"
#include "hilo/buf.h"
#include "hilo/common.h"
#include "hilo/fetch.h"
#include "hilo/keys.h"
#include "hilo/log.h"
#include "hilo/redis.h"
#include "hilo/scripts.h"
#include "hilo/server.h"

#define MAX_INFLIGHT 8
#define CLAIM_IDLE_MS "30000"

const char *const hilo_outbox_ticket_fields[] = {
    "last_channel", "addr:whatsapp", "addr:sms", "addr:voice", "addr:email",
    "wa_via", "email_subject", "email_last_msgid", "email_refs", "locale",
};

struct hilo_outbox {
    struct hilo_server *s;
    struct hilo_fetch *fetch;
    uv_timer_t tick;
    int reading, claiming, moving, group_ok;
    int inflight;
    uint64_t last_claim, last_move;
    char consumer[40];
    void (*done)(void *);
    void *done_data;
    int closing;
};

struct job {
    struct hilo_outbox *o;
    char id[48];       /* stream entry id */
    json_t *e;         /* entry fields */
    char ev[48];       /* event id */
    char provider[16];
};

static const char *f(json_t *e, const char *k)
{
    const char *v = json_string_value(json_object_get(e, k));
    return v ? v : "";
}

struct hilo_fetch *hilo_outbox_fetcher(struct hilo_outbox *o) { return o->fetch; }

int hilo_outbox_channel_ok(struct hilo_server *s, const char *ch)
{
    const struct hilo_config *c = s->cfg;
    if (strcmp(ch, "whatsapp") == 0)
        return (c->whatsapp_token[0] && c->whatsapp_phone_number_id[0]) ||
               (c->twilio_account_sid[0] && c->twilio_auth_token[0] && c->twilio_whatsapp_from[0]);
    if (strcmp(ch, "sms") == 0)
        return c->twilio_account_sid[0] && c->twilio_auth_token[0] && c->twilio_from[0];
    if (strcmp(ch, "email") == 0)
        return c->smtp_url[0] && c->support_email[0];
    return 0;
}

static const char *field_at(const char *const fields[], int i) { return fields[i] ? fields[i] : ""; }

int hilo_outbox_route(struct hilo_server *s, const char *want,
                      const char *const fields[HILO_OUTBOX_NFIELDS], const char *ref,
                      const char *key, const char *text, json_t **entry, char **delivery)
{
    const char *ch = want && *want ? want : field_at(fields, 0);
    const char *to = "";
    int asked = want && *want;

    *entry = NULL;
    *delivery = NULL;
    if (strcmp(ch, "voice") == 0)
        ch = "sms"; /* nobody is on the line: the phone gets a text */
    if (!*ch || strcmp(ch, "web") == 0)
        return 0;
    if (strcmp(ch, "whatsapp") == 0)
        to = field_at(fields, 1);
    else if (strcmp(ch, "sms") == 0) {
        to = field_at(fields, 2);
        if (!*to)
            to = field_at(fields, 3);
        if (!*to)
            to = field_at(fields, 1);
    } else if (strcmp(ch, "email") == 0)
        to = field_at(fields, 4);
    else
        return asked ? -HILO_EBADFRAME : 0;
    if (!*to || !hilo_outbox_channel_ok(s, ch))
        return asked ? -HILO_EBADSTATE : 0;
    const char *via = field_at(fields, 5);
    if (strcmp(ch, "whatsapp") == 0 && !*via)
        via = s->cfg->whatsapp_token[0] ? "cloud" : "twilio";
    if (strcmp(ch, "whatsapp") == 0 && strcmp(via, "cloud") == 0 && !s->cfg->whatsapp_token[0])
        via = "twilio";
    *entry = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ref", ref, "key", key, "ch", ch,
                       "to", to, "via", strcmp(ch, "whatsapp") == 0 ? via : "", "text", text,
                       "attempt", "0");
    if (strcmp(ch, "email") == 0) {
        unsigned char rnd[8];
        char hex[17], msgid[256];
        const char *at = strchr(s->cfg->support_email, '@');
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        snprintf(msgid, sizeof msgid, "hilo.%s.%s@%s", ref, hex, at ? at + 1 : "hilo.invalid");
        json_object_set_new(*entry, "msgid", json_string(msgid));
        json_object_set_new(*entry, "subj", json_string(field_at(fields, 6)));
        json_object_set_new(*entry, "irt", json_string(field_at(fields, 7)));
        json_object_set_new(*entry, "refs", json_string(field_at(fields, 8)));
    }
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "channel", ch, "status", "queued", "to",
                          to, "provider_id", "", "attempts", 0, "error", "");
    *delivery = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return 0;
}

int hilo_outbox_queue(struct hilo_server *s, json_t *entry)
{
    char q[128];
    const char *argv[40];
    size_t lens[40];
    int argc = 0;
    const char *k;
    json_t *v;
    hilo_key(q, sizeof q, HILO_K_OUTBOX, NULL);
    argv[argc] = "XADD";
    lens[argc++] = 4;
    argv[argc] = q;
    lens[argc++] = strlen(q);
    argv[argc] = "*";
    lens[argc++] = 1;
    json_object_foreach(entry, k, v) {
        if (argc + 2 > 40 || !json_is_string(v))
            continue;
        argv[argc] = k;
        lens[argc++] = strlen(k);
        argv[argc] = json_string_value(v);
        lens[argc++] = json_string_length(v);
    }
    return hilo_redis_cmdargv(s->redis, NULL, NULL, argc, argv, lens);
}

int hilo_outbox_webhook(struct hilo_server *s, const char *ref)
{
    if (!s->cfg->webhook_url[0])
        return 0;
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ref", ref, "ch", "webhook", "key", "",
                          "ev", "-", "attempt", "0");
    int rc = hilo_outbox_queue(s, e);
    json_decref(e);
    return rc;
}

/* ---- webhooks: the ticket's events after its cursor ---------------------- */

static void webhook_log(struct hilo_outbox *o, struct job *j, const char *status, long http,
                        const char *error, int nevents)
{
    char log[128];
    hilo_key(log, sizeof log, HILO_K_WEBHOOK_LOG, NULL);
    json_t *e = json_pack("{s:I, s:s, s:i, s:s, s:i, s:s, s:i}", "at", (json_int_t)hilo_now_ms(),
                          "ticket", f(j->e, "ref"), "events", nevents, "status", status,
                          "http_status", (int)http, "error", error ? error : "", "attempt",
                          atoi(f(j->e, "attempt")) + 1); /* NOLINT: our own field */
    char *js = json_dumps(e, JSON_COMPACT);
    json_decref(e);
    const char *push[] = {"LPUSH", log, js}, *trim[] = {"LTRIM", log, "0", "199"};
    hilo_redis_cmdargv(o->s->redis, NULL, NULL, 3, push, NULL);
    hilo_redis_cmdargv(o->s->redis, NULL, NULL, 4, trim, NULL);
    free(js);
}

static void finish(struct job *j, const char *status, const char *pid, const char *error,
                   long retry_after_s);
static void job_free(struct job *j);
static void finished_cb(redisReply *reply, void *data);
static void webhook_unlock(struct job *j);

static void webhook_sent_cb(const struct hilo_fetch_res *res, void *data)
{
    struct job *j = data;
    char err[300] = "";
    int n = atoi(f(j->e, "nev")); /* NOLINT: our own field */
    if (res->ok && res->status >= 200 && res->status < 300) {
        /* the cursor moves only now: every event is delivered at least once */
        char tk[128];
        hilo_key(tk, sizeof tk, HILO_K_TICKET, f(j->e, "ref"));
        const char *argv[] = {"HSET", tk, "webhook_cursor", f(j->e, "upto")};
        hilo_redis_cmdargv(j->o->s->redis, NULL, NULL, 4, argv, NULL);
        webhook_unlock(j);
        webhook_log(j->o, j, "sent", res->status, NULL, n);
        finish(j, "sent", "", NULL, -1);
        return;
    }
    if (!res->ok)
        snprintf(err, sizeof err, "network: %s", res->error ? res->error : "failed");
    else
        snprintf(err, sizeof err, "HTTP %ld", res->status);
    webhook_unlock(j);
    int retry = !res->ok || res->status == 429 || res->status >= 500;
    int last = atoi(f(j->e, "attempt")) + 1 >= j->o->s->cfg->outbox_attempts; /* NOLINT */
    webhook_log(j->o, j, retry && !last ? "retry" : "failed", res->ok ? res->status : 0, err, n);
    finish(j, retry ? "queued" : "failed", NULL, err, res->status == 429 ? res->retry_after_s : -1);
}

static void webhook_events_cb(redisReply *reply, void *data)
{
    struct job *j = data;
    const struct hilo_config *c = j->o->s->cfg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) {
        if (reply && reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "unknown_ticket"))
            finish(j, "sent", "", NULL, -1); /* nothing to tell */
        else
            job_free(j); /* claimed again later */
        return;
    }
    size_t n = (reply->elements - 3) / 2;
    if (n == 0) {
        webhook_unlock(j);
        finish(j, "sent", "", NULL, -1); /* an earlier POST carried them */
        return;
    }
    struct hilo_buf b;
    hilo_buf_init(&b, (size_t)8 << 20);
    hilo_buf_adds(&b, "{\"type\":\"events\",\"ticket\":");
    hilo_buf_add(&b, reply->element[0]->str, reply->element[0]->len);
    hilo_buf_adds(&b, ",\"events\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            hilo_buf_adds(&b, ",");
        hilo_buf_add(&b, reply->element[4 + 2 * i]->str, reply->element[4 + 2 * i]->len);
    }
    hilo_buf_adds(&b, "]}");
    json_object_set_new(j->e, "upto", json_string(reply->element[3 + 2 * (n - 1)]->str));
    char nev[24];
    snprintf(nev, sizeof nev, "%zu", n);
    json_object_set_new(j->e, "nev", json_string(nev));

    char ts[24], sig[2 * crypto_auth_hmacsha256_BYTES + 1], tsh[48], sigh[200];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    snprintf(ts, sizeof ts, "%llu", (unsigned long long)(hilo_now_ms() / 1000));
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)c->webhook_secret, strlen(c->webhook_secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)b.p, b.len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(sig, sizeof sig, mac, sizeof mac);
    snprintf(tsh, sizeof tsh, "X-Hilo-Timestamp: %s", ts);
    snprintf(sigh, sizeof sigh, "X-Hilo-Signature: sha256=%s", sig);
    const char *headers[] = {"Content-Type: application/json", tsh, sigh, NULL};
    struct hilo_fetch_req req;
    memset(&req, 0, sizeof req);
    req.method = "POST";
    req.url = c->webhook_url;
    req.headers = headers;
    req.body = b.p;
    req.body_len = b.len;
    req.timeout_ms = c->http_timeout_ms;
    if (hilo_fetch_start(j->o->fetch, &req, webhook_sent_cb, j) < 0)
        finish(j, "queued", NULL, "could not start the request", -1);
    hilo_buf_deinit(&b);
}

static void webhook_cursor_cb(redisReply *reply, void *data)
{
    struct job *j = data;
    struct hilo_server *s = j->o->s;
    char tk[128], ev[128], dl[128];
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        job_free(j);
        return;
    }
    const char *ref = f(j->e, "ref");
    hilo_key(tk, sizeof tk, HILO_K_TICKET, ref);
    hilo_key(ev, sizeof ev, HILO_K_THREAD, ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, ref);
    const char *after = reply->type == REDIS_REPLY_STRING ? reply->str : "0";
    const char *argv[] = {"EVALSHA", hilo_scripts_sha(HILO_S_HISTORY), "3", tk, ev, dl, after, "0",
                          "", "200"};
    if (hilo_redis_cmdargv(s->redis, webhook_events_cb, j, 10, argv, NULL) < 0)
        job_free(j);
}

/* Another job (maybe on another instance) is posting this ticket's events:
 * try again shortly, without counting an attempt. */
static void webhook_later(struct job *j)
{
    struct hilo_server *s = j->o->s;
    char q[128], due[128], when[24];
    hilo_key(q, sizeof q, HILO_K_OUTBOX, NULL);
    hilo_key(due, sizeof due, HILO_K_OUTBOX_DUE, NULL);
    snprintf(when, sizeof when, "%llu", (unsigned long long)(hilo_now_ms() + 300));
    json_object_set_new(j->e, "later", json_integer((json_int_t)hilo_now_ms())); /* unique member */
    char *js = json_dumps(j->e, JSON_COMPACT | JSON_SORT_KEYS);
    const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
    const char *ack[] = {"XACK", q, "senders", j->id}, *del[] = {"XDEL", q, j->id};
    const char *z[] = {"ZADD", due, when, js};
    int rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, m, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 4, ack, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 3, del, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 4, z, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, finished_cb, j, 1, x, NULL);
    free(js);
    if (rc < 0)
        job_free(j);
}

static void webhook_locked_cb(redisReply *reply, void *data)
{
    struct job *j = data;
    char tk[128];
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        job_free(j);
        return;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        webhook_later(j);
        return;
    }
    hilo_key(tk, sizeof tk, HILO_K_TICKET, f(j->e, "ref"));
    const char *argv[] = {"HGET", tk, "webhook_cursor"};
    if (hilo_redis_cmdargv(j->o->s->redis, webhook_cursor_cb, j, 3, argv, NULL) < 0)
        job_free(j);
}

/* One poster per ticket at a time, across instances, so that POSTs carry
 * each event once and in order. The lock expires if its holder dies. */
static void webhook_start(struct job *j)
{
    char lk[128];
    hilo_key(lk, sizeof lk, HILO_K_WEBHOOK_LOCK, f(j->e, "ref"));
    snprintf(j->provider, sizeof j->provider, "webhook");
    const char *argv[] = {"SET", lk, j->id, "NX", "PX", "60000"};
    if (hilo_redis_cmdargv(j->o->s->redis, webhook_locked_cb, j, 6, argv, NULL) < 0)
        job_free(j);
}

static void webhook_unlock(struct job *j)
{
    char lk[128];
    hilo_key(lk, sizeof lk, HILO_K_WEBHOOK_LOCK, f(j->e, "ref"));
    const char *argv[] = {"EVAL",
                          "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                          "return redis.call('DEL', KEYS[1]) end return 0",
                          "1", lk, j->id};
    hilo_redis_cmdargv(j->o->s->redis, NULL, NULL, 5, argv, NULL);
}

/* ---- finishing a send --------------------------------------------------- */

static void job_free(struct job *j)
{
    j->o->inflight--;
    json_decref(j->e);
    free(j);
}

static void finished_cb(redisReply *reply, void *data)
{
    struct job *j = data;
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        hilo_warn("outbox: could not record the result of %s (%s); it will be retried", j->id,
                  reply ? reply->str : "no reply");
    job_free(j);
}

/* status: sent | queued (retry) | failed; records it all in one transaction. */
static void finish(struct job *j, const char *status, const char *pid, const char *error,
                   long retry_after_s)
{
    struct hilo_outbox *o = j->o;
    struct hilo_server *s = o->s;
    char q[128], due[128], dead[128], deadx[128], tk[128], dl[128], dd[128], when[24], attempts[16];
    const char *ref = f(j->e, "ref");
    int attempt = atoi(f(j->e, "attempt")) + 1; /* NOLINT: our own field */
    uint64_t now = hilo_now_ms();
    int rc;

    if (strcmp(status, "queued") == 0 && attempt >= s->cfg->outbox_attempts)
        status = "failed";
    hilo_key(q, sizeof q, HILO_K_OUTBOX, NULL);
    hilo_key(due, sizeof due, HILO_K_OUTBOX_DUE, NULL);
    hilo_key(dead, sizeof dead, HILO_K_OUTBOX_DEAD, NULL);
    hilo_key(deadx, sizeof deadx, HILO_K_OUTBOX_DEADX, NULL);
    hilo_key(tk, sizeof tk, HILO_K_TICKET, ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, ref);
    hilo_key(dd, sizeof dd, HILO_K_DEDUPE, ref);
    json_t *upd = json_pack("{s:s, s:i, s:s}", "status", status, "attempts", attempt, "error",
                            error ? error : "");
    if (pid)
        json_object_set_new(upd, "provider_id", json_string(pid));
    char *updjs = json_dumps(upd, JSON_COMPACT);
    json_decref(upd);
    const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
    const char *ev[] = {"EVALSHA", hilo_scripts_sha(HILO_S_DELIVERY), "3", tk, dl, dd,
                        s->events_channel, ref, "update", j->ev, updjs};
    const char *ack[] = {"XACK", q, "senders", j->id}, *del[] = {"XDEL", q, j->id};
    int webhook = strcmp(f(j->e, "ch"), "webhook") == 0;
    if (webhook)
        snprintf(j->ev, sizeof j->ev, "%s", j->id); /* dead letters are keyed by entry */
    rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, m, NULL);
    if (rc == 0 && !webhook)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 11, ev, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 4, ack, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 3, del, NULL);
    snprintf(attempts, sizeof attempts, "%d", attempt);
    json_object_set_new(j->e, "attempt", json_string(attempts));
    json_object_set_new(j->e, "ev", json_string(j->ev));
    if (rc == 0 && strcmp(status, "sent") == 0 && pid && *pid && !webhook) {
        char pk[300], val[80];
        char arg[260];
        snprintf(arg, sizeof arg, "%s:%s", j->provider, pid);
        hilo_key(pk, sizeof pk, HILO_K_PID, arg);
        snprintf(val, sizeof val, "%s %s", ref, j->ev);
        const char *set[] = {"SET", pk, val, "EX", "2592000"};
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, set, NULL);
        if (rc == 0 && strcmp(f(j->e, "ch"), "email") == 0) {
            char mk[300];
            hilo_key(mk, sizeof mk, HILO_K_MSGID, f(j->e, "msgid"));
            const char *set2[] = {"SET", mk, ref, "EX", "15552000"};
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, set2, NULL);
        }
    } else if (rc == 0 && strcmp(status, "queued") == 0) {
        /* exponential backoff with jitter, or what the provider asked for */
        uint64_t delay = (uint64_t)s->cfg->outbox_backoff_ms << (attempt - 1 < 16 ? attempt - 1 : 16);
        if (delay > 300000)
            delay = 300000;
        delay = delay * (80 + randombytes_uniform(41)) / 100;
        if (retry_after_s >= 0)
            delay = (uint64_t)retry_after_s * 1000u;
        snprintf(when, sizeof when, "%llu", (unsigned long long)(now + delay));
        char *js = json_dumps(j->e, JSON_COMPACT | JSON_SORT_KEYS);
        const char *z[] = {"ZADD", due, when, js};
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 4, z, NULL);
        free(js);
    } else if (rc == 0) { /* failed: dead letter */
        char member[80];
        snprintf(member, sizeof member, "%s %s", ref, j->ev);
        snprintf(when, sizeof when, "%llu", (unsigned long long)now);
        json_object_set_new(j->e, "error", json_string(error ? error : ""));
        char *js = json_dumps(j->e, JSON_COMPACT | JSON_SORT_KEYS);
        const char *z[] = {"ZADD", dead, when, member}, *h[] = {"HSET", deadx, member, js};
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 4, z, NULL);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 4, h, NULL);
        free(js);
    }
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, finished_cb, j, 1, x, NULL);
    free(updjs);
    if (rc < 0)
        job_free(j); /* not acknowledged: it is claimed again later */
}

static void sent_cb(const struct hilo_fetch_res *res, void *data)
{
    struct job *j = data;
    char err[256] = "";
    char *pid = NULL;
    int retryable = 1, window = 0, ok;
    const char *ch = f(j->e, "ch");

    if (!res->ok) {
        snprintf(err, sizeof err, "network: %s", res->error ? res->error : "failed");
        finish(j, "queued", NULL, err, -1);
        return;
    }
    if (strcmp(ch, "email") == 0) {
        ok = res->status >= 200 && res->status < 300;
        if (ok) {
            finish(j, "sent", f(j->e, "msgid"), NULL, -1);
            return;
        }
        snprintf(err, sizeof err, "SMTP %ld", res->status);
        finish(j, res->status >= 500 ? "failed" : "queued", NULL, err, -1);
        return;
    }
    if (strcmp(j->provider, "whatsapp") == 0)
        ok = hilo_whatsapp_parse_send_response(res->status, res->body, res->body_len, &pid,
                                               &retryable, &window, err, sizeof err) == 0;
    else
        ok = hilo_twilio_parse_send_response(res->status, res->body, res->body_len, &pid,
                                             &retryable, err, sizeof err) == 0;
    if (ok) {
        finish(j, "sent", pid, NULL, -1);
    } else {
        char why[300];
        snprintf(why, sizeof why, "HTTP %ld: %s", res->status, err);
        finish(j, retryable ? "queued" : "failed", NULL, why,
               res->status == 429 ? res->retry_after_s : -1);
    }
    free(pid);
}

static void send_now(struct job *j)
{
    struct hilo_server *s = j->o->s;
    const struct hilo_config *c = s->cfg;
    const char *ch = f(j->e, "ch"), *to = f(j->e, "to"), *text = f(j->e, "text");
    struct hilo_fetch_req req;
    char url[1024], auth[600], *body = NULL;
    const char *headers[4] = {NULL, NULL, NULL, NULL};

    memset(&req, 0, sizeof req);
    req.timeout_ms = c->http_timeout_ms;
    req.method = "POST";
    if (strcmp(ch, "whatsapp") == 0 && strcmp(f(j->e, "via"), "cloud") == 0) {
        snprintf(j->provider, sizeof j->provider, "whatsapp");
        snprintf(url, sizeof url, "%s/%s/messages", c->whatsapp_api_base, c->whatsapp_phone_number_id);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->whatsapp_token);
        headers[0] = auth;
        headers[1] = "Content-Type: application/json";
        char e164[64];
        snprintf(e164, sizeof e164, "%s%s", to[0] == '+' ? "" : "+", to);
        if (*f(j->e, "tpl")) {
            /* an approved template: what may be sent outside the 24-hour window */
            json_error_t je;
            json_t *pa = json_loads(f(j->e, "tpl_params"), 0, &je);
            const char *params[10];
            size_t np = 0;
            for (size_t i = 0; json_is_array(pa) && i < json_array_size(pa) && np < 10; i++)
                params[np++] = json_string_value(json_array_get(pa, i));
            body = hilo_whatsapp_build_template(e164, f(j->e, "tpl"), f(j->e, "tpl_lang"), params, np);
            json_decref(pa);
        } else {
            body = hilo_whatsapp_build_text(e164, text, NULL);
        }
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
        char reply_to[320], subject[600], from[320], rcpt[320], mfrom[320], refs[2048];
        const char *at = strchr(c->support_email, '@');
        const char *subj = f(j->e, "subj");
        snprintf(j->provider, sizeof j->provider, "email");
        snprintf(reply_to, sizeof reply_to, "%.*s+%s%s", at ? (int)(at - c->support_email) : 0,
                 c->support_email, f(j->e, "ref"), at ? at : "");
        if (*subj)
            snprintf(subject, sizeof subject, "%s%s [#%s]", strncasecmp(subj, "re:", 3) ? "Re: " : "",
                     subj, f(j->e, "ref"));
        else
            snprintf(subject, sizeof subject, "[#%s]", f(j->e, "ref"));
        snprintf(from, sizeof from, "%s", c->support_email);
        snprintf(refs, sizeof refs, "%s%s%s", f(j->e, "refs"), *f(j->e, "refs") ? " " : "",
                 f(j->e, "irt"));
        body = hilo_email_build(from, to, reply_to, strstr(subject, f(j->e, "ref")) ? subject : subject,
                                text, f(j->e, "msgid"), f(j->e, "irt"), refs,
                                (int64_t)(hilo_now_ms() / 1000));
        snprintf(url, sizeof url, "%s", c->smtp_url);
        snprintf(mfrom, sizeof mfrom, "<%s>", c->support_email);
        snprintf(rcpt, sizeof rcpt, "<%s>", to);
        req.mail_from = mfrom;
        req.mail_rcpt = rcpt;
        if (c->smtp_user[0]) {
            req.username = c->smtp_user;
            req.password = c->smtp_password;
        }
        req.url = url;
        req.body = body;
        req.body_len = body ? strlen(body) : 0;
        if (!body || hilo_fetch_start(j->o->fetch, &req, sent_cb, j) < 0) {
            free(body);
            finish(j, "queued", NULL, "could not start the SMTP transfer", -1);
            return;
        }
        free(body);
        return;
    } else {
        finish(j, "failed", NULL, "unknown channel", -1);
        return;
    }
    req.url = url;
    req.headers = headers;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    if (!body || hilo_fetch_start(j->o->fetch, &req, sent_cb, j) < 0)
        finish(j, "queued", NULL, "could not start the request", -1);
    free(body);
}

/* Resolves the event id and skips what is already sent. */
static void checked_cb(redisReply *reply, void *data)
{
    struct job *j = data;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        job_free(j); /* claimed again later */
        return;
    }
    const char *ev = reply->element[0]->str, *dl = reply->element[1]->str;
    if (!*ev || !*dl || strstr(dl, "\"status\":\"sent\"") || strstr(dl, "\"status\":\"delivered\"") ||
        strstr(dl, "\"status\":\"read\"")) {
        /* its transaction never happened, or it was sent before a crash */
        char q[128];
        hilo_key(q, sizeof q, HILO_K_OUTBOX, NULL);
        const char *ack[] = {"XACK", q, "senders", j->id}, *del[] = {"XDEL", q, j->id};
        hilo_redis_cmdargv(j->o->s->redis, NULL, NULL, 4, ack, NULL);
        hilo_redis_cmdargv(j->o->s->redis, NULL, NULL, 3, del, NULL);
        job_free(j);
        return;
    }
    snprintf(j->ev, sizeof j->ev, "%s", ev);
    send_now(j);
}

static void start_job(struct hilo_outbox *o, const redisReply *entry)
{
    struct job *j;
    struct hilo_server *s = o->s;
    char tk[128], dl[128], dd[128];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->o = o;
    o->inflight++;
    snprintf(j->id, sizeof j->id, "%s", entry->element[0]->str);
    j->e = json_object();
    const redisReply *fl = entry->element[1];
    for (size_t i = 0; i + 1 < fl->elements; i += 2)
        json_object_set_new(j->e, fl->element[i]->str,
                            json_stringn(fl->element[i + 1]->str, fl->element[i + 1]->len));
    const char *ref = f(j->e, "ref");
    if (strcmp(f(j->e, "ch"), "webhook") == 0) {
        if (!s->cfg->webhook_url[0]) {
            finish(j, "failed", NULL, "no webhook_url configured", -1);
            return;
        }
        webhook_start(j);
        return;
    }
    hilo_key(tk, sizeof tk, HILO_K_TICKET, ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, ref);
    hilo_key(dd, sizeof dd, HILO_K_DEDUPE, ref);
    const char *argv[] = {"EVALSHA", hilo_scripts_sha(HILO_S_DELIVERY), "3", tk, dl, dd,
                          s->events_channel, ref, "check", f(j->e, "ev"), f(j->e, "key")};
    if (hilo_redis_cmdargv(s->redis, checked_cb, j, 11, argv, NULL) < 0)
        job_free(j);
}

static void read_cb(redisReply *reply, void *data)
{
    struct hilo_outbox *o = data;
    o->reading = 0;
    /* XREADGROUP: [[stream, [entries]]] */
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
        return;
    redisReply *st = reply->element[0];
    if (st->type != REDIS_REPLY_ARRAY || st->elements != 2 || st->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < st->element[1]->elements; i++)
        start_job(o, st->element[1]->element[i]);
}

static void claim_cb(redisReply *reply, void *data)
{
    struct hilo_outbox *o = data;
    o->claiming = 0;
    /* XAUTOCLAIM: [next, [entries], [deleted]] */
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
        reply->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < reply->element[1]->elements; i++)
        start_job(o, reply->element[1]->element[i]);
}

static void group_cb(redisReply *reply, void *data)
{
    struct hilo_outbox *o = data;
    if (reply && (reply->type != REDIS_REPLY_ERROR || strstr(reply->str, "BUSYGROUP")))
        o->group_ok = 1;
}

static void moved_cb(redisReply *reply, void *data)
{
    struct hilo_outbox *o = data;
    (void)reply;
    o->moving = 0;
}

static void tick_cb(uv_timer_t *t)
{
    struct hilo_outbox *o = t->data;
    struct hilo_server *s = o->s;
    char q[128], due[128], now[24], count[16];
    uint64_t ms = hilo_now_ms();

    if (o->closing || !hilo_redis_ready(s->redis) || !hilo_scripts_ready())
        return;
    hilo_key(q, sizeof q, HILO_K_OUTBOX, NULL);
    if (!o->group_ok) {
        const char *argv[] = {"XGROUP", "CREATE", q, "senders", "0", "MKSTREAM"};
        hilo_redis_cmdargv(s->redis, group_cb, o, 6, argv, NULL);
        return;
    }
    if (!o->moving && ms - o->last_move >= 200) {
        hilo_key(due, sizeof due, HILO_K_OUTBOX_DUE, NULL);
        snprintf(now, sizeof now, "%llu", (unsigned long long)ms);
        const char *argv[] = {"EVALSHA", hilo_scripts_sha(HILO_S_OUTBOX_DUE), "2", q, due, now, "50"};
        if (hilo_redis_cmdargv(s->redis, moved_cb, o, 7, argv, NULL) == 0)
            o->moving = 1;
        o->last_move = ms;
    }
    if (o->inflight >= MAX_INFLIGHT)
        return;
    snprintf(count, sizeof count, "%d", MAX_INFLIGHT - o->inflight);
    if (!o->reading) {
        const char *argv[] = {"XREADGROUP", "GROUP", "senders", o->consumer, "COUNT", count,
                              "STREAMS", q, ">"};
        if (hilo_redis_cmdargv(s->redis, read_cb, o, 9, argv, NULL) == 0)
            o->reading = 1;
    }
    if (!o->claiming && ms - o->last_claim >= 2000) {
        /* entries a dead instance took but never acknowledged */
        const char *argv[] = {"XAUTOCLAIM", q, "senders", o->consumer, CLAIM_IDLE_MS, "0-0",
                              "COUNT", count};
        if (hilo_redis_cmdargv(s->redis, claim_cb, o, 8, argv, NULL) == 0)
            o->claiming = 1;
        o->last_claim = ms;
    }
}

struct hilo_outbox *hilo_outbox_new(struct hilo_server *s)
{
    struct hilo_outbox *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->s = s;
    o->fetch = hilo_fetch_new(s->loop);
    if (!o->fetch) {
        free(o);
        return NULL;
    }
    snprintf(o->consumer, sizeof o->consumer, "hilo-%s", s->instance);
    uv_timer_init(s->loop, &o->tick);
    o->tick.data = o;
    uv_timer_start(&o->tick, tick_cb, 100, 100);
    return o;
}

static void tick_closed(uv_handle_t *h)
{
    struct hilo_outbox *o = h->data;
    void (*done)(void *) = o->done;
    void *data = o->done_data;
    free(o);
    if (done)
        done(data);
}

static void fetch_closed(void *data)
{
    struct hilo_outbox *o = data;
    uv_close((uv_handle_t *)&o->tick, tick_closed);
}

void hilo_outbox_close(struct hilo_outbox *o, void (*done)(void *), void *data)
{
    o->closing = 1;
    o->done = done;
    o->done_data = data;
    uv_timer_stop(&o->tick);
    /* sends in flight are not acknowledged: another instance (or this one
     * after a restart) takes them over */
    hilo_fetch_close(o->fetch, fetch_closed, o);
}

/* ---- manual retry of a dead letter -------------------------------------- */

struct retry_op {
    struct hilo_server *s;
    char ref[HILO_REF_MAX], ev[48];
    void (*cb)(int, void *);
    void *data;
};

static void retried_cb(redisReply *reply, void *data)
{
    struct retry_op *op = data;
    op->cb(reply && reply->type == REDIS_REPLY_ARRAY ? 0 : -HILO_EUNAVAIL, op->data);
    free(op);
}

static void dead_loaded_cb(redisReply *reply, void *data)
{
    struct retry_op *op = data;
    struct hilo_server *s = op->s;
    char dead[128], deadx[128], member[80], tk[128], dl[128], dd[128];
    json_error_t je;
    json_t *e;
    int rc;
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        op->cb(-HILO_EUNAVAIL, op->data);
        free(op);
        return;
    }
    if (reply->type == REDIS_REPLY_NIL || !(e = json_loads(reply->str, 0, &je))) {
        op->cb(-HILO_EBADSTATE, op->data); /* not a dead letter */
        free(op);
        return;
    }
    hilo_key(dead, sizeof dead, HILO_K_OUTBOX_DEAD, NULL);
    hilo_key(deadx, sizeof deadx, HILO_K_OUTBOX_DEADX, NULL);
    hilo_key(tk, sizeof tk, HILO_K_TICKET, op->ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, op->ref);
    hilo_key(dd, sizeof dd, HILO_K_DEDUPE, op->ref);
    snprintf(member, sizeof member, "%s %s", op->ref, op->ev);
    json_object_set_new(e, "attempt", json_string("0"));
    json_object_del(e, "error");
    const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
    const char *zr[] = {"ZREM", dead, member}, *hd[] = {"HDEL", deadx, member};
    const char *ev[] = {"EVALSHA", hilo_scripts_sha(HILO_S_DELIVERY), "3", tk, dl, dd,
                        s->events_channel, op->ref, "update", op->ev,
                        "{\"status\":\"queued\",\"error\":\"\",\"attempts\":0,\"force\":true}"};
    rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, m, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 3, zr, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 3, hd, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 11, ev, NULL);
    if (rc == 0)
        rc = hilo_outbox_queue(s, e);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, retried_cb, op, 1, x, NULL);
    json_decref(e);
    if (rc < 0) {
        op->cb(-HILO_EUNAVAIL, op->data);
        free(op);
    }
}

int hilo_outbox_retry(struct hilo_server *s, const char *ref, const char *event_id,
                      void (*cb)(int err, void *data), void *data)
{
    struct retry_op *op;
    char deadx[128], member[80];
    if (strlen(event_id) >= 48)
        return -HILO_EBADFRAME;
    op = calloc(1, sizeof *op);
    if (!op)
        return -ENOMEM;
    op->s = s;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->ev, sizeof op->ev, "%s", event_id);
    op->cb = cb;
    op->data = data;
    hilo_key(deadx, sizeof deadx, HILO_K_OUTBOX_DEADX, NULL);
    snprintf(member, sizeof member, "%s %s", ref, event_id);
    const char *argv[] = {"HGET", deadx, member};
    int rc = hilo_redis_cmdargv(s->redis, dead_loaded_cb, op, 3, argv, NULL);
    if (rc < 0)
        free(op);
    return rc;
}
