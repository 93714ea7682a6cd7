/* After a send whose outcome is unknown (the request went out, no answer
 * came), the next attempt first asks the provider whether the message
 * arrived, where the provider can say so: Twilio lists the messages sent to
 * a number (GET .../Messages.json?To=&From=), newest first. A message from
 * our sender to the same number with the same body, created since the
 * uncertain attempt began (10 minutes of clock skew allowed), and not
 * recorded as another message's (its provider id record), is ours.
 * The Graph API has no such list and SMTP needs none (the same Message-ID
 * on every attempt). See docs/delivery.md "Timeouts". */
#define _XOPEN_SOURCE 700 /* strptime */
#define _DEFAULT_SOURCE   /* timegm */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hilo/channels.h"
#include "hilo/config.h"
#include "hilo/fetch.h"
#include "hilo/redis.h"
#include "hilo/store_records.h"
#include "internal.h"

#define SKEW_S 600

#define MAX_CANDIDATES 8

struct lookup {
    struct ob_job *j;
    ob_lookup_cb cb;
    char to[96], from[96];
    int64_t since_s;
    char sid[MAX_CANDIDATES][64]; /* matching messages, newest first */
    int n, next;
};

static void check_next(struct lookup *lk);

/* A candidate already recorded as another message's is not ours: two
 * equal texts to one number in the same minutes must both go out. */
static void claimed_cb(redisReply *reply, void *data)
{
    struct lookup *lk = data;
    struct ob_job *j = lk->j;
    ob_lookup_cb cb = lk->cb;
    char mine[128];
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        free(lk);
        cb(j, -1, NULL, "look-up after a timeout: Redis did not answer");
        return;
    }
    snprintf(mine, sizeof mine, "%s %s", ob_field(j->e, "ref"), j->ev);
    if (reply->type != REDIS_REPLY_STRING || strcmp(reply->str, mine) == 0) {
        char sid[64];
        snprintf(sid, sizeof sid, "%s", lk->sid[lk->next - 1]);
        free(lk);
        cb(j, 1, sid, NULL);
        return;
    }
    check_next(lk);
}

static void check_next(struct lookup *lk)
{
    struct ob_job *j = lk->j;
    ob_lookup_cb cb = lk->cb;
    if (lk->next >= lk->n) {
        free(lk);
        cb(j, 0, NULL, NULL);
        return;
    }
    struct hilo_store_pid p = {.provider = "twilio", .provider_id = lk->sid[lk->next++]};
    if (hilo_store_pid_get(j->o->d.redis, &p, claimed_cb, lk) < 0) {
        free(lk);
        cb(j, -1, NULL, "look-up after a timeout: Redis unavailable");
    }
}

int ob_lookup_available(const struct hilo_channel_ops *ops)
{
    return ops && ops->provider && strcmp(ops->provider, "twilio") == 0 &&
           ops->transport == HILO_CHANNEL_HTTP;
}

static void urlenc(char *out, size_t n, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (; *s && k + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out[k++] = (char)c;
        } else {
            out[k++] = '%';
            out[k++] = hex[c >> 4];
            out[k++] = hex[c & 15];
        }
    }
    out[k] = '\0';
}

/* "Wed, 02 Dec 2026 13:31:01 +0000" -> seconds, or -1. */
static int64_t rfc2822_s(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s || !strptime(s, "%a, %d %b %Y %H:%M:%S", &tm))
        return -1;
    return (int64_t)timegm(&tm);
}

static const char *str(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static void listed_cb(const struct hilo_fetch_res *res, void *data)
{
    struct lookup *lk = data;
    struct ob_job *j = lk->j;
    ob_lookup_cb cb = lk->cb;
    const char *text = ob_field(j->e, "text");
    json_t *root = NULL, *m;
    size_t i;

    if (!res->ok || res->status != 200 ||
        !(root = json_loadb(res->body, res->body_len, 0, NULL))) {
        char why[200];
        snprintf(why, sizeof why, "look-up after a timeout failed: %s",
                 !res->ok ? (res->error ? res->error : "network") : "bad answer");
        free(lk);
        cb(j, -1, NULL, why);
        return;
    }
    json_array_foreach(json_object_get(root, "messages"), i, m) {
        int64_t at = rfc2822_s(str(m, "date_created"));
        if (strcmp(str(m, "to"), lk->to) != 0 || strcmp(str(m, "body"), text) != 0)
            continue;
        if (*str(m, "from") && strcmp(str(m, "from"), lk->from) != 0)
            continue;
        if (at >= 0 && at < lk->since_s - SKEW_S)
            continue;
        if (strncmp(str(m, "direction"), "outbound", 8) != 0 || !*str(m, "sid") ||
            strlen(str(m, "sid")) >= sizeof lk->sid[0])
            continue;
        snprintf(lk->sid[lk->n++], sizeof lk->sid[0], "%s", str(m, "sid"));
        if (lk->n == MAX_CANDIDATES)
            break;
    }
    json_decref(root);
    check_next(lk);
}

void ob_lookup_start(struct ob_job *j, const struct hilo_channel_ops *ops, ob_lookup_cb cb)
{
    const struct hilo_config *c = j->o->d.cfg;
    int wa = strcmp(ops->channel, "whatsapp") == 0;
    char url[1024], to[300], from[300];
    struct hilo_fetch_req req;
    struct lookup *lk = calloc(1, sizeof *lk);
    if (!lk) {
        cb(j, -1, NULL, "look-up after a timeout: out of memory");
        return;
    }
    lk->j = j;
    lk->cb = cb;
    snprintf(lk->to, sizeof lk->to, "%s%s", wa ? "whatsapp:" : "", ob_field(j->e, "to"));
    snprintf(lk->from, sizeof lk->from, "%s", wa ? c->twilio_whatsapp_from : c->twilio_from);
    lk->since_s = (int64_t)(strtoull(ob_field(j->e, "unk_at"), NULL, 10) / 1000);
    urlenc(to, sizeof to, lk->to);
    urlenc(from, sizeof from, lk->from);
    snprintf(url, sizeof url, "%s/2010-04-01/Accounts/%s/Messages.json?To=%s&From=%s&PageSize=50",
             c->twilio_api_base, c->twilio_account_sid, to, from);
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.url = url;
    req.username = c->twilio_account_sid;
    req.password = c->twilio_auth_token;
    req.timeout_ms = c->http_timeout_ms;
    if (hilo_fetch_start(j->o->fetch, &req, listed_cb, lk) < 0) {
        free(lk);
        cb(j, -1, NULL, "look-up after a timeout: could not start the request");
    }
}
