/* Outgoing webhooks: a ticket's events after its cursor, POSTed signed to
 * --webhook-url through the outbox. See docs/integrations.md "Outbound
 * webhooks". */
#include <hiredis/hiredis.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/buf.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/fetch.h"
#include "hilo/redis.h"
#include "hilo/store_outbox.h"
#include "internal.h"

int hilo_outbox_add_webhook(struct hilo_outbox *o, const char *ref)
{
    if (!o->d.cfg->webhook_url[0])
        return 0;
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ref", ref, "ch", "webhook", "key", "",
                          "ev", "-", "attempt", "0");
    int rc = hilo_outbox_add(o, e);
    json_decref(e);
    return rc;
}

/* The store's scripts fail with "HILO <code>": match the code exactly, not a
 * substring of some other message. */
static int script_err_is(const redisReply *reply, const char *code)
{
    static const char pre[] = "HILO ";
    size_t n = strlen(code);
    if (!reply || reply->type != REDIS_REPLY_ERROR || !reply->str)
        return 0;
    if (strncmp(reply->str, pre, sizeof pre - 1) != 0)
        return 0;
    const char *p = reply->str + sizeof pre - 1;
    return strncmp(p, code, n) == 0 && (p[n] == '\0' || p[n] == ' ');
}

static void webhook_log(struct ob_job *j, const char *status, long http, const char *error,
                        int nevents)
{
    json_t *e = json_pack("{s:I, s:s, s:i, s:s, s:i, s:s, s:i}", "at", (json_int_t)hilo_now_ms(),
                          "ticket", ob_field(j->e, "ref"), "events", nevents, "status", status,
                          "http_status", (int)http, "error", error ? error : "", "attempt",
                          ob_attempts(j->e) + 1);
    char *js = json_dumps(e, JSON_COMPACT);
    json_decref(e);
    hilo_store_webhook_log(j->o->d.redis, js, NULL, NULL);
    free(js);
}

static void webhook_unlock(struct ob_job *j)
{
    struct hilo_store_webhook_lock op = {.ref = ob_field(j->e, "ref"), .holder = j->id};
    hilo_store_webhook_unlock(j->o->d.redis, &op, NULL, NULL);
}

static void webhook_sent_cb(const struct hilo_fetch_res *res, void *data)
{
    struct ob_job *j = data;
    const struct hilo_config *c = j->o->d.cfg;
    char err[300] = "";
    int n = atoi(ob_field(j->e, "nev")); /* NOLINT: our own field */
    enum hilo_verdict v = hilo_retry_http(res->ok, res->status);

    if (v == HILO_V_SENT) {
        /* the cursor moves only now: every event is delivered at least once;
         * and before the unlock, so that the next poster starts after it */
        struct hilo_store_webhook_cursor cur = {.ref = ob_field(j->e, "ref"),
                                                .upto = ob_field(j->e, "upto")};
        hilo_store_webhook_cursor_set(j->o->d.redis, &cur, NULL, NULL);
        webhook_unlock(j);
        webhook_log(j, "sent", res->status, NULL, n);
        ob_finish(j, v, NULL, NULL, -1);
        return;
    }
    webhook_unlock(j);
    if (!res->ok)
        snprintf(err, sizeof err, "network: %s", res->error ? res->error : "failed");
    else
        snprintf(err, sizeof err, "HTTP %ld", res->status);
    enum hilo_verdict last = hilo_retry_settle(v, ob_attempts(j->e) + 1, c->outbox_attempts);
    webhook_log(j, last == HILO_V_RETRY ? "retry" : "failed", res->ok ? res->status : 0, err, n);
    ob_finish(j, v, NULL, err, res->ok ? hilo_retry_after(res->status, res->retry_after_s) : -1);
}

static void webhook_events_cb(redisReply *reply, void *data)
{
    struct ob_job *j = data;
    const struct hilo_config *c = j->o->d.cfg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) {
        if (script_err_is(reply, "unknown_ticket")) {
            webhook_unlock(j);
            ob_finish(j, HILO_V_SENT, NULL, NULL, -1); /* nothing to tell */
        } else {
            ob_job_free(j); /* claimed again later */
        }
        return;
    }
    size_t n = (reply->elements - 3) / 2;
    if (n == 0) {
        webhook_unlock(j);
        ob_finish(j, HILO_V_SENT, NULL, NULL, -1); /* an earlier POST carried them */
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
    if (hilo_fetch_start(j->o->fetch, &req, webhook_sent_cb, j) < 0) {
        webhook_unlock(j);
        ob_finish(j, HILO_V_RETRY, NULL, "could not start the request", -1);
    }
    hilo_buf_deinit(&b);
}

static void webhook_cursor_cb(redisReply *reply, void *data)
{
    struct ob_job *j = data;
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        ob_job_free(j);
        return;
    }
    struct hilo_store_history op = {
        .ref = ob_field(j->e, "ref"),
        .after = reply->type == REDIS_REPLY_STRING ? reply->str : "0",
        .customer = "",
        .count = 200,
    };
    if (hilo_store_history(j->o->d.redis, &op, webhook_events_cb, j) < 0)
        ob_job_free(j);
}

/* Another job (maybe on another instance) is posting this ticket's events:
 * try again shortly, without counting an attempt. */
static void webhook_later(struct ob_job *j)
{
    struct hilo_tx tx;
    uint64_t when = hilo_now_ms() + 300;
    json_object_set_new(j->e, "later", json_integer((json_int_t)hilo_now_ms())); /* unique member */
    char *js = json_dumps(j->e, JSON_COMPACT | JSON_SORT_KEYS);
    struct hilo_store_outbox_due due = {.at_ms = when, .entry = js};
    hilo_tx_begin(&tx, j->o->d.redis);
    hilo_tx_outbox_done(&tx, j->id);
    hilo_tx_outbox_due(&tx, &due);
    int rc = hilo_tx_commit(&tx, ob_finished_cb, j);
    free(js);
    if (rc < 0)
        ob_job_free(j);
}

static void webhook_locked_cb(redisReply *reply, void *data)
{
    struct ob_job *j = data;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        ob_job_free(j);
        return;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        webhook_later(j);
        return;
    }
    struct hilo_store_webhook_cursor cur = {.ref = ob_field(j->e, "ref")};
    if (hilo_store_webhook_cursor_get(j->o->d.redis, &cur, webhook_cursor_cb, j) < 0)
        ob_job_free(j);
}

/* One poster per ticket at a time, across instances, so that POSTs carry
 * each event once and in order. The lock expires if its holder dies. */
void ob_webhook_start(struct ob_job *j)
{
    struct hilo_store_webhook_lock op = {
        .ref = ob_field(j->e, "ref"), .holder = j->id, .ttl_ms = 60000};
    snprintf(j->provider, sizeof j->provider, "webhook");
    if (hilo_store_webhook_lock(j->o->d.redis, &op, webhook_locked_cb, j) < 0)
        ob_job_free(j);
}
