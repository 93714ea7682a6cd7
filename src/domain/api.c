/* REST API for the agent console (docs/rest.md): reports, search,
 * customers, agents and teams. Every request is checked against the agent
 * session in its cookie first. */
#include <ctype.h>
#include <strings.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "hilo/agents.h"
#include "hilo/common.h"
#include "hilo/fetch.h"
#include "hilo/http.h"
#include "hilo/i18n.h"
#include "hilo/outbox.h"
#include "hilo/keys.h"
#include "hilo/log.h"
#include "hilo/proto.h"
#include "hilo/redis.h"
#include "hilo/ref.h"
#include "hilo/scripts.h"
#include "hilo/server.h"

#define REPORT_MAX 10000
#define SEARCH_SCAN 500
#define SEARCH_MAX 50

/* One API call in progress: the request, who asked, and what is gathered. */
struct api {
    struct hilo_http *r;
    struct hilo_server *s;
    struct hilo_session_info who;
    int waiting;            /* replies still expected */
    int failed;
    size_t n;
    char **refs;            /* tickets concerned */
    json_t **items;         /* one per ref */
    json_t *result;
    char *text;             /* search: lowercased query */
    char name[65];          /* agents: the agent in the path */
    char *password;         /* agents: new password, once hashed */
    char hash[crypto_pwhash_STRBYTES];
    json_t *body;
    uv_work_t work;
    void (*then)(struct api *a); /* after fetch_summaries */
    int integration;             /* authenticated by an API key */
    char ref[HILO_REF_MAX];
    char cid[40];
    char dkey[200];
    char locale[4];
    int step;
    int waited;                  /* waited once for a reference */
    size_t limit;
    char filter_status[16], filter_channel[40];
};

static void api_free(struct api *a)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->refs)
            free(a->refs[i]);
        if (a->items)
            json_decref(a->items[i]);
    }
    free(a->refs);
    free(a->items);
    json_decref(a->result);
    json_decref(a->body);
    free(a->text);
    if (a->password) {
        sodium_memzero(a->password, strlen(a->password));
        free(a->password);
    }
    hilo_http_unref(a->r);
    free(a);
}

/* Answers an error and ends the call. */
static void api_fail(struct api *a, int err)
{
    hilo_http_respond_error(a->r, err);
    api_free(a);
}

static void not_found(struct api *a)
{
    hilo_http_respond_json(a->r, 404, json_pack("{s:{s:s, s:s}}", "error", "code", "not_found",
                                                "message", "No such resource."));
}

static void method_not_allowed(struct api *a)
{
    hilo_http_respond_json(a->r, 405, json_pack("{s:{s:s, s:s}}", "error", "code",
                                                "method_not_allowed", "message",
                                                "Method not allowed here."));
}

static int alloc_refs(struct api *a, size_t n)
{
    a->n = n;
    a->refs = calloc(n ? n : 1, sizeof *a->refs);
    a->items = calloc(n ? n : 1, sizeof *a->items);
    return a->refs && a->items ? 0 : -1;
}

/* The strings of an array reply become a->refs. -1 when the reply is not
 * one (or memory runs out). */
static int take_refs(struct api *a, const redisReply *reply)
{
    if (!reply || reply->type != REDIS_REPLY_ARRAY || alloc_refs(a, reply->elements) < 0)
        return -1;
    for (size_t i = 0; i < a->n; i++)
        a->refs[i] = strdup(reply->element[i]->str);
    return 0;
}

/* A command of a batch (one per ref) could not be sent: the replies of those
 * sent still come, in order, and the last one answers. */
static void batch_broken(struct api *a, size_t sent)
{
    a->failed = 1;
    a->n = sent;
    if (a->waiting == 0)
        api_fail(a, -HILO_EUNAVAIL);
}

static int send_argv(struct api *a, hilo_redis_cb cb, int argc, const char **argv)
{
    int rc = hilo_redis_cmdargv(a->s->redis, cb, a, argc, argv, NULL);
    if (rc == 0)
        a->waiting++;
    return rc;
}

/* EVALSHA history <ref> summary only. */
static int send_summary(struct api *a, const char *ref, hilo_redis_cb cb)
{
    char tk[128], ev[128], dl[128];
    hilo_key(tk, sizeof tk, HILO_K_TICKET, ref);
    hilo_key(ev, sizeof ev, HILO_K_THREAD, ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, ref);
    const char *argv[] = {"EVALSHA", hilo_scripts_sha(HILO_S_HISTORY), "3", tk, ev, dl, "0", "0", "",
                          "0"};
    return send_argv(a, cb, 10, argv);
}

static json_t *summary_of(const redisReply *reply)
{
    json_error_t je;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_STRING)
        return NULL;
    return json_loadb(reply->element[0]->str, reply->element[0]->len, 0, &je);
}

/* Index of the ref a reply belongs to: replies come in order. */
static size_t next_index(struct api *a) { return a->n - (size_t)a->waiting; }

/* ---- summaries of a list of refs, then a callback -------------------------- */

static void summaries_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    size_t i = next_index(a);
    if (!reply)
        a->failed = 1;
    else if (i < a->n)
        a->items[i] = summary_of(reply);
    if (--a->waiting)
        return;
    if (a->failed)
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    else
        a->then(a);
    api_free(a);
}

/* Replies come in the order sent, so reply k is for ref k: next_index
 * counts from the first. */
static void fetch_summaries(struct api *a, void (*then)(struct api *a))
{
    a->then = then;
    if (a->n == 0) {
        then(a);
        api_free(a);
        return;
    }
    for (size_t i = 0; i < a->n; i++)
        if (send_summary(a, a->refs[i], summaries_cb) < 0) {
            batch_broken(a, i);
            return;
        }
}

static void respond_tickets(struct api *a)
{
    json_t *list = json_array();
    for (size_t i = 0; i < a->n && json_array_size(list) < SEARCH_MAX; i++)
        if (a->items[i])
            json_array_append(list, a->items[i]);
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "tickets", list));
}

/* ---- reports ------------------------------------------------------------------ */

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static json_t *percentiles(uint64_t *v, size_t n)
{
    if (n == 0)
        return json_pack("{s:i, s:n, s:n}", "count", 0, "median_ms", "p90_ms");
    qsort(v, n, sizeof *v, cmp_u64);
    /* nearest rank */
    size_t m = (n * 50 + 99) / 100, p = (n * 90 + 99) / 100;
    return json_pack("{s:I, s:I, s:I}", "count", (json_int_t)n, "median_ms",
                     (json_int_t)v[m ? m - 1 : 0], "p90_ms", (json_int_t)v[p ? p - 1 : 0]);
}

static void day_of(uint64_t ms, char out[11])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void report_build(struct api *a)
{
    uint64_t *fr = calloc(a->n + 1, sizeof *fr), *rs = calloc(a->n + 1, sizeof *rs);
    size_t nfr = 0, nrs = 0, tickets = 0, switched = 0, total_switches = 0;
    size_t hist[4] = {0, 0, 0, 0};
    json_t *by_channel = json_object(), *msgs = json_object();
    json_t *status = json_pack("{s:i, s:i, s:i, s:i}", "open", 0, "pending", 0, "resolved", 0, "closed", 0);
    json_t *days = json_object();
    uint64_t from = (uint64_t)json_integer_value(json_object_get(a->result, "from"));
    uint64_t to = (uint64_t)json_integer_value(json_object_get(a->result, "to"));

    for (size_t i = 0; i < a->n; i++) {
        json_t *t = a->items[i];
        const char *k;
        json_t *v;
        if (!t)
            continue;
        uint64_t created = (uint64_t)json_integer_value(json_object_get(t, "created_at"));
        /* the index score is the creating host's clock; the range is on
         * created_at, Redis's clock */
        if (created < from || created >= to)
            continue;
        tickets++;
        uint64_t first = (uint64_t)json_integer_value(json_object_get(t, "first_response_at"));
        uint64_t resolved = (uint64_t)json_integer_value(json_object_get(t, "resolved_at"));
        json_int_t sw = json_integer_value(json_object_get(t, "channel_switches"));
        if (first >= created && first)
            fr[nfr++] = first - created;
        if (resolved >= created && resolved)
            rs[nrs++] = resolved - created;
        total_switches += (size_t)sw;
        if (sw > 0)
            switched++;
        hist[sw >= 3 ? 3 : sw]++;
        const char *ch = json_string_value(json_object_get(t, "channel"));
        const char *st = json_string_value(json_object_get(t, "status"));
        if (ch && *ch)
            json_object_set_new(by_channel, ch,
                                json_integer(json_integer_value(json_object_get(by_channel, ch)) + 1));
        if (st && *st)
            json_object_set_new(status, st,
                                json_integer(json_integer_value(json_object_get(status, st)) + 1));
        json_object_foreach(json_object_get(t, "_mc"), k, v)
            json_object_set_new(msgs, k, json_integer(json_integer_value(json_object_get(msgs, k)) +
                                                      json_integer_value(v)));
        char day[11];
        day_of(created, day);
        json_t *d = json_object_get(days, day);
        if (!d) {
            d = json_pack("{s:s, s:i, s:i}", "day", day, "created", 0, "resolved", 0);
            json_object_set_new(days, day, d);
        }
        json_object_set_new(d, "created", json_integer(json_integer_value(json_object_get(d, "created")) + 1));
        if (resolved && resolved >= from && resolved < to) {
            day_of(resolved, day);
            json_t *dr = json_object_get(days, day);
            if (!dr) {
                dr = json_pack("{s:s, s:i, s:i}", "day", day, "created", 0, "resolved", 0);
                json_object_set_new(days, day, dr);
            }
            json_object_set_new(dr, "resolved",
                                json_integer(json_integer_value(json_object_get(dr, "resolved")) + 1));
        }
    }
    /* every UTC day of the range, with or without activity (at most 400) */
    for (uint64_t d = from - from % 86400000u; d < to && json_object_size(days) < 400; d += 86400000u) {
        char day[11];
        day_of(d, day);
        if (!json_object_get(days, day))
            json_object_set_new(days, day, json_pack("{s:s, s:i, s:i}", "day", day, "created", 0, "resolved", 0));
    }
    /* days in order */
    json_t *daily = json_array();
    const char **keys = calloc(json_object_size(days) + 1, sizeof *keys);
    size_t nk = 0;
    const char *key;
    json_t *val;
    json_object_foreach(days, key, val) keys[nk++] = key;
    for (size_t i = 1; i < nk; i++)
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    for (size_t i = 0; i < nk; i++)
        json_array_append(daily, json_object_get(days, keys[i]));
    free(keys);

    json_object_set_new(a->result, "tickets", json_integer((json_int_t)tickets));
    json_object_set_new(a->result, "first_response", percentiles(fr, nfr));
    json_object_set_new(a->result, "resolution", percentiles(rs, nrs));
    json_object_set_new(a->result, "by_channel", by_channel);
    json_object_set_new(a->result, "messages_by_channel", msgs);
    json_object_set_new(a->result, "channel_switches",
                        json_pack("{s:I, s:I, s:f, s:{s:I, s:I, s:I, s:I}}", "total",
                                  (json_int_t)total_switches, "tickets_with_switches",
                                  (json_int_t)switched, "per_ticket",
                                  tickets ? (double)total_switches / (double)tickets : 0.0,
                                  "histogram", "0", (json_int_t)hist[0], "1", (json_int_t)hist[1],
                                  "2", (json_int_t)hist[2], "3+", (json_int_t)hist[3]));
    json_object_set_new(a->result, "status", status);
    json_object_set_new(a->result, "daily", daily);
    json_decref(days);
    free(fr);
    free(rs);
    hilo_http_respond_json(a->r, 200, json_incref(a->result));
}

/* HGETALL of each ticket: the summary fields plus the mc:<channel> counters. */
static void report_ticket_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    size_t i = next_index(a);
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        a->failed = 1;
    else if (i < a->n && reply->elements) {
        json_t *t = json_object(), *mc = json_object();
        for (size_t j = 0; j + 1 < reply->elements; j += 2) {
            const char *k = reply->element[j]->str, *v = reply->element[j + 1]->str;
            if (strncmp(k, "mc:", 3) == 0)
                json_object_set_new(mc, k + 3, json_integer(strtoll(v, NULL, 10)));
            else if (strstr(k, "_at") || strcmp(k, "channel_switches") == 0)
                json_object_set_new(t, k, json_integer(strtoll(v, NULL, 10)));
            else
                json_object_set_new(t, k, json_string(v));
        }
        json_object_set_new(t, "_mc", mc);
        a->items[i] = t;
    }
    if (--a->waiting)
        return;
    if (a->failed)
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    else
        report_build(a);
    api_free(a);
}

static void report_list_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (take_refs(a, reply) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (a->n == 0) {
        report_build(a);
        api_free(a);
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        char tk[128];
        hilo_key(tk, sizeof tk, HILO_K_TICKET, a->refs[i]);
        const char *argv[] = {"HGETALL", tk};
        if (send_argv(a, report_ticket_cb, 2, argv) < 0) {
            batch_broken(a, i);
            return;
        }
    }
}

static int parse_ms(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    *out = strtoull(s, &end, 10);
    return *end ? -1 : 0;
}

static void api_reports(struct api *a)
{
    uint64_t now = hilo_now_ms(), from = now - 7ull * 86400000u, to = now;
    const char *f = hilo_http_arg(a->r, "from"), *t = hilo_http_arg(a->r, "to");
    char all[128], sfrom[24], sto[24], lim[16];
    if ((f && parse_ms(f, &from) < 0) || (t && parse_ms(t, &to) < 0) || from >= to) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    a->result = json_pack("{s:I, s:I}", "from", (json_int_t)from, "to", (json_int_t)to);
    hilo_key(all, sizeof all, HILO_K_IDX_ALL, NULL);
    snprintf(sfrom, sizeof sfrom, "%llu", (unsigned long long)(from > 60000 ? from - 60000 : 0));
    snprintf(sto, sizeof sto, "%llu", (unsigned long long)(to + 60000));
    snprintf(lim, sizeof lim, "%d", REPORT_MAX);
    const char *argv[] = {"ZRANGEBYSCORE", all, sfrom, sto, "LIMIT", "0", lim};
    if (send_argv(a, report_list_cb, 7, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

/* ---- search ------------------------------------------------------------------- */

static int lower_contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        while (j < m && tolower((unsigned char)hay[i + j]) == needle[j])
            j++;
        if (j == m)
            return 1;
    }
    return 0;
}

/* MULTI HGET name + XRANGE per ticket; keep the ones that match. */
static void search_scan_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    size_t i = next_index(a);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        a->failed = !reply;
    } else if (i < a->n) {
        int hit = 0;
        redisReply *name = reply->element[0], *ev = reply->element[1];
        if (name->type == REDIS_REPLY_STRING && lower_contains(name->str, name->len, a->text))
            hit = 1;
        for (size_t e = 0; !hit && ev->type == REDIS_REPLY_ARRAY && e < ev->elements; e++) {
            redisReply *f = ev->element[e]->element[1];
            for (size_t j = 0; j + 1 < f->elements; j += 2)
                if (strcmp(f->element[j]->str, "tx") == 0 &&
                    lower_contains(f->element[j + 1]->str, f->element[j + 1]->len, a->text))
                    hit = 1;
        }
        if (!hit) {
            free(a->refs[i]);
            a->refs[i] = NULL;
        }
    }
    if (--a->waiting)
        return;
    if (a->failed) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    /* compact the hits and fetch their summaries */
    size_t k = 0;
    for (size_t j = 0; j < a->n; j++)
        if (a->refs[j] && k < SEARCH_MAX)
            a->refs[k++] = a->refs[j];
        else if (a->refs[j]) {
            free(a->refs[j]);
        }
    for (size_t j = k; j < a->n; j++)
        a->refs[j] = NULL;
    a->n = k;
    fetch_summaries(a, respond_tickets);
}

static void search_recent_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (take_refs(a, reply) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (a->n == 0) {
        respond_tickets(a);
        api_free(a);
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        char tk[128], ev[128];
        hilo_key(tk, sizeof tk, HILO_K_TICKET, a->refs[i]);
        hilo_key(ev, sizeof ev, HILO_K_THREAD, a->refs[i]);
        const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
        const char *hg[] = {"HGET", tk, "name"}, *xr[] = {"XRANGE", ev, "-", "+", "COUNT", "1000"};
        if (hilo_redis_cmdargv(a->s->redis, NULL, NULL, 1, m, NULL) < 0 ||
            hilo_redis_cmdargv(a->s->redis, NULL, NULL, 3, hg, NULL) < 0 ||
            hilo_redis_cmdargv(a->s->redis, NULL, NULL, 6, xr, NULL) < 0 ||
            send_argv(a, search_scan_cb, 1, x) < 0) {
            batch_broken(a, i);
            return;
        }
    }
}

static void search_tix_cb(redisReply *reply, void *data);

static void search_by_identity(struct api *a, const char *ident, const char *index)
{
    char ik[400], ix[400];
    hilo_key(ik, sizeof ik, HILO_K_IDENT, ident);
    hilo_key(ix, sizeof ix, HILO_K_SEARCH, index);
    const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
    const char *g[] = {"GET", ik}, *sm[] = {"SMEMBERS", ix};
    if (hilo_redis_cmdargv(a->s->redis, NULL, NULL, 1, m, NULL) < 0 ||
        hilo_redis_cmdargv(a->s->redis, NULL, NULL, 2, g, NULL) < 0 ||
        hilo_redis_cmdargv(a->s->redis, NULL, NULL, 2, sm, NULL) < 0 ||
        send_argv(a, search_tix_cb, 1, x) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void search_tix_list_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    size_t total = 0;
    for (size_t i = 0; i < reply->elements; i++)
        if (reply->element[i]->type == REDIS_REPLY_ARRAY)
            total += reply->element[i]->elements;
    if (alloc_refs(a, total) < 0) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < reply->elements; i++)
        for (size_t j = 0; reply->element[i]->type == REDIS_REPLY_ARRAY && j < reply->element[i]->elements; j++)
            a->refs[k++] = strdup(reply->element[i]->element[j]->str);
    fetch_summaries(a, respond_tickets);
}

static void search_tix_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *ids = json_array();
    if (reply->element[0]->type == REDIS_REPLY_STRING)
        json_array_append_new(ids, json_string(reply->element[0]->str));
    for (size_t i = 0; reply->element[1]->type == REDIS_REPLY_ARRAY && i < reply->element[1]->elements; i++) {
        const char *id = reply->element[1]->element[i]->str;
        int dup = 0;
        for (size_t j = 0; j < json_array_size(ids); j++)
            dup |= strcmp(json_string_value(json_array_get(ids, j)), id) == 0;
        if (!dup)
            json_array_append_new(ids, json_string(id));
    }
    size_t n = json_array_size(ids);
    if (n == 0) {
        json_decref(ids);
        respond_tickets(a);
        api_free(a);
        return;
    }
    const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
    int rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 1, m, NULL);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char tix[160];
        hilo_key(tix, sizeof tix, HILO_K_CUST_TIX, json_string_value(json_array_get(ids, i)));
        const char *zr[] = {"ZREVRANGE", tix, "0", "49"};
        rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 4, zr, NULL);
    }
    json_decref(ids);
    if (rc == 0)
        rc = send_argv(a, search_tix_list_cb, 1, x);
    if (rc < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void api_search(struct api *a)
{
    const char *q = hilo_http_arg(a->r, "q");
    char ref[HILO_REF_MAX];
    size_t n;

    if (!q || (n = strlen(q)) < 2 || n > 200) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    if (hilo_ref_normalize(q, ref) == 0) {
        if (alloc_refs(a, 1) < 0) {
            api_free(a);
            return;
        }
        a->refs[0] = strdup(ref);
        fetch_summaries(a, respond_tickets);
        return;
    }
    if (strchr(q, '@')) {
        char low[256], ident[280];
        size_t i;
        for (i = 0; q[i] && i < sizeof low - 1; i++)
            low[i] = (char)tolower((unsigned char)q[i]);
        low[i] = '\0';
        snprintf(ident, sizeof ident, "email:%s", low);
        search_by_identity(a, ident, ident);
        return;
    }
    if (q[0] == '+' && strspn(q + 1, "0123456789 -") == n - 1) {
        char phone[64] = "phone:+", *p = phone + 7;
        for (const char *c = q + 1; *c && p < phone + sizeof phone - 1; c++)
            if (*c >= '0' && *c <= '9')
                *p++ = *c;
        *p = '\0';
        search_by_identity(a, phone, phone);
        return;
    }
    a->text = strdup(q);
    for (char *c = a->text; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    char all[128], last[16];
    hilo_key(all, sizeof all, HILO_K_IDX_ALL, NULL);
    snprintf(last, sizeof last, "%d", SEARCH_SCAN - 1);
    const char *argv[] = {"ZREVRANGE", all, "0", last};
    if (send_argv(a, search_recent_cb, 4, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

/* ---- customers --------------------------------------------------------------- */

static void respond_customer(struct api *a)
{
    json_t *list = json_array();
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i])
            json_array_append(list, a->items[i]);
    json_object_set_new(a->result, "tickets", list);
    hilo_http_respond_json(a->r, 200, json_incref(a->result));
}

static void customer_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    redisReply *h = reply->element[0], *ids = reply->element[1], *tix = reply->element[2];
    if (h->type != REDIS_REPLY_ARRAY || h->elements == 0) {
        not_found(a);
        api_free(a);
        return;
    }
    json_t *cust = json_pack("{s:s, s:s, s:s}", "id", a->name, "name", "", "email", "");
    for (size_t i = 0; i + 1 < h->elements; i += 2)
        if (strcmp(h->element[i]->str, "name") == 0 || strcmp(h->element[i]->str, "email") == 0 ||
            strcmp(h->element[i]->str, "locale") == 0)
            json_object_set_new(cust, h->element[i]->str, json_string(h->element[i + 1]->str));
    json_t *idl = json_array();
    for (size_t i = 0; ids->type == REDIS_REPLY_ARRAY && i < ids->elements; i++)
        json_array_append_new(idl, hilo_hub_identity_json(ids->element[i]->str));
    json_object_set_new(cust, "identities", idl);
    a->result = json_pack("{s:o}", "customer", cust);
    size_t n = tix->type == REDIS_REPLY_ARRAY ? tix->elements : 0;
    if (alloc_refs(a, n) < 0) {
        api_free(a);
        return;
    }
    for (size_t i = 0; i < n; i++)
        a->refs[i] = strdup(tix->element[i]->str);
    fetch_summaries(a, respond_customer);
}

static void api_customer(struct api *a, const char *id)
{
    char cu[160], ids[160], tix[160];
    if (strlen(id) == 0 || strlen(id) > 64 || strpbrk(id, "{}:/ ")) {
        not_found(a);
        api_free(a);
        return;
    }
    snprintf(a->name, sizeof a->name, "%s", id);
    hilo_key(cu, sizeof cu, HILO_K_CUSTOMER, id);
    hilo_key(ids, sizeof ids, HILO_K_CUST_IDS, id);
    hilo_key(tix, sizeof tix, HILO_K_CUST_TIX, id);
    const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
    const char *hg[] = {"HGETALL", cu}, *sm[] = {"SMEMBERS", ids}, *zr[] = {"ZREVRANGE", tix, "0", "19"};
    if (hilo_redis_cmdargv(a->s->redis, NULL, NULL, 1, m, NULL) < 0 ||
        hilo_redis_cmdargv(a->s->redis, NULL, NULL, 2, hg, NULL) < 0 ||
        hilo_redis_cmdargv(a->s->redis, NULL, NULL, 2, sm, NULL) < 0 ||
        hilo_redis_cmdargv(a->s->redis, NULL, NULL, 4, zr, NULL) < 0 ||
        send_argv(a, customer_cb, 1, x) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

/* ---- agents ------------------------------------------------------------------ */

static json_t *agent_json(const redisReply *h)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", "", "display", "", "role", "agent", "team", "");
    for (size_t i = 0; i + 1 < h->elements; i += 2) {
        const char *k = h->element[i]->str;
        if (strcmp(k, "name") == 0 || strcmp(k, "display") == 0 || strcmp(k, "role") == 0 ||
            strcmp(k, "team") == 0)
            json_object_set_new(o, k, json_string(h->element[i + 1]->str));
    }
    return o;
}

static int cmp_agent(const void *x, const void *y)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)x, "name")),
                  json_string_value(json_object_get(*(json_t *const *)y, "name")));
}

static void agents_list_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    size_t i = next_index(a);
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        a->failed = 1;
    else if (i < a->n && reply->elements)
        a->items[i] = agent_json(reply);
    if (--a->waiting)
        return;
    if (a->failed) {
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    } else {
        json_t **v = calloc(a->n + 1, sizeof *v);
        size_t k = 0;
        for (size_t j = 0; j < a->n; j++)
            if (a->items[j])
                v[k++] = a->items[j];
        qsort(v, k, sizeof *v, cmp_agent);
        json_t *list = json_array();
        for (size_t j = 0; j < k; j++)
            json_array_append(list, v[j]);
        free(v);
        hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "agents", list));
    }
    api_free(a);
}

static void agents_names_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (take_refs(a, reply) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (a->n == 0) {
        hilo_http_respond_json(a->r, 200, json_pack("{s:[]}", "agents"));
        api_free(a);
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        char ak[160];
        hilo_key(ak, sizeof ak, HILO_K_AGENT, a->refs[i]);
        const char *argv[] = {"HGETALL", ak};
        if (send_argv(a, agents_list_cb, 2, argv) < 0) {
            batch_broken(a, i);
            return;
        }
    }
}

static void new_password(char out[21])
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (int i = 0; i < 20; i++)
        out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[20] = '\0';
}

static void hash_work(uv_work_t *w)
{
    struct api *a = w->data;
    if (crypto_pwhash_str(a->hash, a->password, strlen(a->password),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        a->hash[0] = '\0';
}

static void agent_written_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    } else if (json_object_get(a->body, "name")) {
        /* created */
        json_t *ag = json_pack("{s:O, s:O, s:O, s:O}", "name", json_object_get(a->body, "name"),
                               "display", json_object_get(a->body, "display"), "role",
                               json_object_get(a->body, "role"), "team",
                               json_object_get(a->body, "team"));
        hilo_http_respond_json(a->r, 201, json_pack("{s:o, s:s}", "agent", ag, "password", a->password));
    } else {
        hilo_http_respond_json(a->r, 200, json_pack("{s:s}", "password", a->password));
    }
    api_free(a);
}

static void hash_after(uv_work_t *w, int status)
{
    struct api *a = w->data;
    char ak[160], set[128], now[24];
    int rc;
    a->waiting--;
    if (status != 0 || !a->hash[0]) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    hilo_key(ak, sizeof ak, HILO_K_AGENT, a->name);
    hilo_key(set, sizeof set, HILO_K_AGENTS, NULL);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
    rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 1, m, NULL);
    if (json_object_get(a->body, "name")) {
        const char *hs[] = {"HSET", ak, "name", a->name,
                            "display", json_string_value(json_object_get(a->body, "display")),
                            "role", json_string_value(json_object_get(a->body, "role")),
                            "team", json_string_value(json_object_get(a->body, "team")),
                            "pwhash", a->hash, "created_at", now};
        const char *sa[] = {"SADD", set, a->name};
        if (rc == 0)
            rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 14, hs, NULL);
        if (rc == 0)
            rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 3, sa, NULL);
    } else {
        const char *hs[] = {"HSET", ak, "pwhash", a->hash};
        if (rc == 0)
            rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 4, hs, NULL);
    }
    if (rc == 0)
        rc = send_argv(a, agent_written_cb, 1, x);
    if (rc < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void start_hash(struct api *a)
{
    char pw[21];
    new_password(pw);
    a->password = strdup(pw);
    a->work.data = a;
    if (uv_queue_work(a->s->loop, &a->work, hash_work, hash_after) < 0) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    a->waiting++;
}

static void patched_cb(redisReply *reply, void *data);

static void deleted_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    else
        hilo_http_respond_empty(a->r, 204);
    api_free(a);
}

static void agent_exists_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    const char *method = hilo_http_method(a->r);
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_INTEGER) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    int exists = reply->integer == 1;
    if (strcmp(method, "POST") == 0 && json_object_get(a->body, "name")) {
        if (exists) {
            hilo_http_respond_json(a->r, 409, json_pack("{s:{s:s, s:s}}", "error", "code", "bad_state",
                                                        "message", "An agent with that name exists."));
            api_free(a);
            return;
        }
        start_hash(a);
        return;
    }
    if (!exists) {
        api_fail(a, -HILO_EUNKNOWNAGENT);
        return;
    }
    if (strcmp(method, "POST") == 0) { /* password */
        start_hash(a);
        return;
    }
    char ak[160], set[128];
    hilo_key(ak, sizeof ak, HILO_K_AGENT, a->name);
    hilo_key(set, sizeof set, HILO_K_AGENTS, NULL);
    int rc;
    if (strcmp(method, "DELETE") == 0) {
        /* Sessions of a removed agent are refused at their next check
         * (hilo_agents_check looks the agent up). */
        const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
        const char *d1[] = {"DEL", ak}, *d2[] = {"SREM", set, a->name};
        rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 1, m, NULL);
        if (rc == 0)
            rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 2, d1, NULL);
        if (rc == 0)
            rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 3, d2, NULL);
        if (rc == 0)
            rc = send_argv(a, deleted_cb, 1, x);
        if (rc < 0) {
            api_fail(a, -HILO_EUNAVAIL);
        }
        return;
    }
    /* PATCH */
    const char *argv[10];
    int argc = 0;
    argv[argc++] = "HSET";
    argv[argc++] = ak;
    static const char *fields[] = {"display", "role", "team"};
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(a->body, fields[i]);
        if (v) {
            argv[argc++] = fields[i];
            argv[argc++] = json_string_value(v);
        }
    }
    const char *hg[] = {"HGETALL", ak};
    rc = argc > 2 ? hilo_redis_cmdargv(a->s->redis, NULL, NULL, argc, argv, NULL) : 0;
    if (rc == 0)
        rc = send_argv(a, patched_cb, 2, hg);
    if (rc < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void patched_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    else
        hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "agent", agent_json(reply)));
    api_free(a);
}

static int team_ok(json_t *v)
{
    return !v || (json_is_string(v) && json_string_length(v) <= 64 && !strpbrk(json_string_value(v), "\r\n"));
}

static void api_agents(struct api *a, const char *rest)
{
    const char *method = hilo_http_method(a->r);
    int admin = strcmp(a->who.role, "admin") == 0;
    char ak[160];

    if (*rest == '\0' && strcmp(method, "GET") == 0) {
        char set[128];
        hilo_key(set, sizeof set, HILO_K_AGENTS, NULL);
        const char *argv[] = {"SORT", set, "ALPHA"};
        if (send_argv(a, agents_names_cb, 3, argv) < 0) {
            api_fail(a, -HILO_EUNAVAIL);
        }
        return;
    }
    /* everything else changes agents */
    const char *slash = strchr(rest, '/');
    int password = slash && strcmp(slash, "/password") == 0;
    if (*rest) {
        size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
        if (n >= sizeof a->name || (slash && !password)) {
            not_found(a);
            api_free(a);
            return;
        }
        memcpy(a->name, rest, n);
        a->name[n] = '\0';
    }
    int self = password && strcmp(a->name, a->who.name) == 0;
    if (!admin && !self) {
        api_fail(a, -HILO_EFORBIDDEN);
        return;
    }
    if (*rest == '\0') {
        size_t len;
        const char *body = strcmp(method, "POST") == 0 ? hilo_http_body(a->r, &len) : NULL;
        json_error_t je;
        if (!body) {
            method_not_allowed(a);
            api_free(a);
            return;
        }
        a->body = json_loadb(body, len, 0, &je);
        json_t *name = json_object_get(a->body, "name"), *display = json_object_get(a->body, "display");
        json_t *role = json_object_get(a->body, "role"), *team = json_object_get(a->body, "team");
        if (!json_is_object(a->body) || !json_is_string(name) ||
            !hilo_agents_name_ok(json_string_value(name)) ||
            (display && (!json_is_string(display) || json_string_length(display) > 128)) ||
            (role && (!json_is_string(role) || (strcmp(json_string_value(role), "agent") != 0 &&
                                                strcmp(json_string_value(role), "admin") != 0))) ||
            !team_ok(team)) {
            api_fail(a, a->body ? -HILO_EBADFRAME : -HILO_EBADJSON);
            return;
        }
        if (!display || !json_string_length(display))
            json_object_set(a->body, "display", name);
        if (!role)
            json_object_set_new(a->body, "role", json_string("agent"));
        if (!team)
            json_object_set_new(a->body, "team", json_string(""));
        snprintf(a->name, sizeof a->name, "%s", json_string_value(name));
    } else {
        if (!hilo_agents_name_ok(a->name)) {
            api_fail(a, -HILO_EBADFRAME);
            return;
        }
        if (password && strcmp(method, "POST") != 0) {
            method_not_allowed(a);
            api_free(a);
            return;
        }
        if (!password && strcmp(method, "PATCH") != 0 && strcmp(method, "DELETE") != 0) {
            method_not_allowed(a);
            api_free(a);
            return;
        }
        if (strcmp(method, "PATCH") == 0) {
            size_t len;
            const char *body = hilo_http_body(a->r, &len);
            json_error_t je;
            a->body = body ? json_loadb(body, len, 0, &je) : NULL;
            json_t *display = json_object_get(a->body, "display"), *role = json_object_get(a->body, "role");
            if (!json_is_object(a->body) ||
                (display && (!json_is_string(display) || json_string_length(display) > 128 ||
                             json_string_length(display) == 0)) ||
                (role && (!json_is_string(role) || (strcmp(json_string_value(role), "agent") != 0 &&
                                                    strcmp(json_string_value(role), "admin") != 0))) ||
                !team_ok(json_object_get(a->body, "team"))) {
                api_fail(a, a->body ? -HILO_EBADFRAME : -HILO_EBADJSON);
                return;
            }
        }
    }
    hilo_key(ak, sizeof ak, HILO_K_AGENT, a->name);
    const char *argv[] = {"EXISTS", ak};
    if (send_argv(a, agent_exists_cb, 2, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

/* The JSON objects stored as the strings of an array reply (others skipped). */
static json_t *json_of_strings(const redisReply *reply)
{
    json_t *list = json_array();
    for (size_t i = 0; i < reply->elements; i++) {
        json_error_t je;
        json_t *e;
        if (reply->element[i]->type == REDIS_REPLY_STRING &&
            (e = json_loadb(reply->element[i]->str, reply->element[i]->len, 0, &je)))
            json_array_append_new(list, e);
    }
    return list;
}

/* ---- dead letters ---------------------------------------------------------------- */

static void dead_items_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *entries = json_of_strings(reply), *list = json_array(), *e;
    size_t i;
    json_array_foreach(entries, i, e) {
        json_t *item = json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "ticket", json_object_get(e, "ref"),
                                 "event_id", json_object_get(e, "ev"), "channel", json_object_get(e, "ch"),
                                 "to", json_object_get(e, "to"), "error", json_object_get(e, "error"),
                                 "attempts", json_object_get(e, "attempt"));
        if (item)
            json_array_append_new(list, item);
    }
    json_decref(entries);
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "dead", list));
    api_free(a);
}

static void dead_list_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    char deadx[128];
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (reply->elements == 0) {
        hilo_http_respond_json(a->r, 200, json_pack("{s:[]}", "dead"));
        api_free(a);
        return;
    }
    hilo_key(deadx, sizeof deadx, HILO_K_OUTBOX_DEADX, NULL);
    const char **argv = calloc(reply->elements + 2, sizeof *argv);
    argv[0] = "HMGET";
    argv[1] = deadx;
    for (size_t i = 0; i < reply->elements; i++)
        argv[2 + i] = reply->element[i]->str;
    if (send_argv(a, dead_items_cb, (int)reply->elements + 2, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
    free(argv);
}

static void api_dead(struct api *a)
{
    char dead[128];
    hilo_key(dead, sizeof dead, HILO_K_OUTBOX_DEAD, NULL);
    const char *argv[] = {"ZREVRANGE", dead, "0", "199"};
    if (send_argv(a, dead_list_cb, 4, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}


/* ---- integrations: tickets ---------------------------------------------------- */

static int channel_name_ok(const char *c)
{
    size_t n = strlen(c);
    if (n == 0 || n > 32)
        return 0;
    for (; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            return 0;
    return 1;
}

static int text_ok(struct api *a, json_t *t)
{
    return json_is_string(t) && json_string_length(t) > 0 &&
           hilo_proto_chars(json_string_value(t), json_string_length(t)) <= (size_t)a->s->cfg->max_text;
}

/* {"ticket": summary, ...extra} once the summary is read */
static void created_summary_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    json_t *sum = summary_of(reply);
    if (!sum) {
        api_fail(a, reply ? -HILO_EINTERNAL : -HILO_EUNAVAIL);
        return;
    }
    json_object_set_new(a->result, "ticket", sum);
    int dup = json_is_true(json_object_get(a->result, "duplicate"));
    hilo_http_respond_json(a->r, dup ? 200 : 201, json_incref(a->result));
    api_free(a);
}

static void ticket_created_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_ARRAY || reply->element[0]->elements != 2) {
        if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
            reply->element[0]->type == REDIS_REPLY_ERROR)
            hilo_error("api create: %s", reply->element[0]->str);
        api_fail(a, reply ? -HILO_EINTERNAL : -HILO_EUNAVAIL);
        return;
    }
    json_object_set_new(a->result, "event_id", json_string(reply->element[0]->element[0]->str));
    json_object_set_new(a->result, "duplicate", json_false());
    json_object_set_new(json_object_get(a->result, "ack"), "event_id",
                        json_string(reply->element[0]->element[1]->str));
    if (send_summary(a, a->ref, created_summary_cb) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void ticket_dup_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    /* [summary script reply, HGET dd key, HGET dd ack] */
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *sum = summary_of(reply->element[0]);
    json_t *out = json_pack("{s:o, s:s, s:b, s:{s:s}}", "ticket", sum ? sum : json_null(), "event_id",
                            reply->element[1]->type == REDIS_REPLY_STRING ? reply->element[1]->str : "",
                            "duplicate", 1, "ack", "event_id",
                            reply->element[2]->type == REDIS_REPLY_STRING ? reply->element[2]->str : "");
    hilo_http_respond_json(a->r, 200, out);
    api_free(a);
}

static void ticket_create_write(struct api *a);

static void ticket_lookup_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    struct hilo_server *s = a->s;
    a->waiting--;
    /* [GET seen, GET ident...] */
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (reply->element[0]->type == REDIS_REPLY_STRING) {
        /* the same client_id again: the same ticket */
        char tk[128], ev[128], dl[128], dd[128];
        snprintf(a->ref, sizeof a->ref, "%.9s", reply->element[0]->str);
        hilo_key(tk, sizeof tk, HILO_K_TICKET, a->ref);
        hilo_key(ev, sizeof ev, HILO_K_THREAD, a->ref);
        hilo_key(dl, sizeof dl, HILO_K_DELIVERY, a->ref);
        hilo_key(dd, sizeof dd, HILO_K_DEDUPE, a->ref);
        const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
        const char *h[] = {"EVALSHA", hilo_scripts_sha(HILO_S_HISTORY), "3", tk, ev, dl, "0", "0", "", "0"};
        const char *g1[] = {"HGET", dd, a->dkey}, *g2[] = {"HGET", dd, "ack"};
        if (hilo_redis_cmdargv(s->redis, NULL, NULL, 1, mu, NULL) < 0 ||
            hilo_redis_cmdargv(s->redis, NULL, NULL, 10, h, NULL) < 0 ||
            hilo_redis_cmdargv(s->redis, NULL, NULL, 3, g1, NULL) < 0 ||
            hilo_redis_cmdargv(s->redis, NULL, NULL, 3, g2, NULL) < 0 || send_argv(a, ticket_dup_cb, 1, ex) < 0) {
            api_fail(a, -HILO_EUNAVAIL);
        }
        return;
    }
    for (size_t i = 1; i < reply->elements && !a->cid[0]; i++)
        if (reply->element[i]->type == REDIS_REPLY_STRING)
            snprintf(a->cid, sizeof a->cid, "%s", reply->element[i]->str);
    if (!a->cid[0]) {
        unsigned char rnd[10];
        char hex[21];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        snprintf(a->cid, sizeof a->cid, "c%s", hex);
    }
    ticket_create_write(a);
}

static void ticket_create_again(void *data) { ticket_create_write(data); }

/* The customer is known: take a reference and write the ticket. */
static void ticket_create_write(struct api *a)
{
    struct hilo_server *s = a->s;
    if (hilo_hub_take_ref(s, a->ref) < 0) {
        if (!a->waited) {
            a->waited = 1;
            hilo_hub_when_ref(s, ticket_create_again, a);
            return;
        }
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *b = a->body, *cust = json_object_get(b, "customer");
    const char *channel = json_string_value(json_object_get(a->result, "channel"));
    const char *text = json_string_value(json_object_get(b, "text"));
    const char *name = json_string_value(json_object_get(cust, "name"));
    const char *email = json_string_value(json_object_get(a->result, "email"));
    const char *cidc = json_string_value(json_object_get(b, "client_id"));
    char ack[600], eta[16], tk[128], ev[128], dd[128], rsv[128], dl[128], act[128], all[128], now[24];
    char cu[160], ids[160], tix[160], seen[400];
    hilo_i18n_ack(a->locale, a->ref, s->cfg->ack_eta_minutes, ack, sizeof ack);
    snprintf(eta, sizeof eta, "%d", s->cfg->ack_eta_minutes);
    json_object_set_new(a->result, "ack", json_pack("{s:s}", "text", ack));
    hilo_key(tk, sizeof tk, HILO_K_TICKET, a->ref);
    hilo_key(ev, sizeof ev, HILO_K_THREAD, a->ref);
    hilo_key(dd, sizeof dd, HILO_K_DEDUPE, a->ref);
    hilo_key(rsv, sizeof rsv, HILO_K_RESERVE, a->ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, a->ref);
    hilo_key(act, sizeof act, HILO_K_IDX_ACTIVE, NULL);
    hilo_key(all, sizeof all, HILO_K_IDX_ALL, NULL);
    hilo_key(cu, sizeof cu, HILO_K_CUSTOMER, a->cid);
    hilo_key(ids, sizeof ids, HILO_K_CUST_IDS, a->cid);
    hilo_key(tix, sizeof tix, HILO_K_CUST_TIX, a->cid);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    const char *cr[] = {"EVALSHA", hilo_scripts_sha(HILO_S_CREATE), "5", tk, ev, dd, rsv, dl,
                        s->events_channel, a->ref, a->cid, channel, name ? name : "", text, a->dkey,
                        cidc ? cidc : "", a->locale, ack, eta, "", "", "message"};
    const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
    const char *z1[] = {"ZADD", act, "NX", now, a->ref}, *z2[] = {"ZADD", all, "NX", now, a->ref};
    int rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, mu, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 22, cr, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, z1, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, z2, NULL);
    /* every identity given points at this customer unless it is someone's */
    json_t *idl = json_object_get(a->result, "identities");
    for (size_t i = 0; rc == 0 && i < json_array_size(idl); i++) {
        char ik[400];
        const char *id = json_string_value(json_array_get(idl, i));
        hilo_key(ik, sizeof ik, HILO_K_IDENT, id);
        const char *set[] = {"SET", ik, a->cid, "NX"};
        const char *sadd[] = {"SADD", ids, id};
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 4, set, NULL);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 3, sadd, NULL);
    }
    const char *cs[] = {"EVALSHA", hilo_scripts_sha(HILO_S_CUST), "3", cu, ids, tix, a->cid, "",
                        name ? name : "", email ? email : "", a->locale, a->ref, ""};
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 13, cs, NULL);
    if (rc == 0 && cidc) {
        char arg[300];
        snprintf(arg, sizeof arg, "api:%s:%s", a->who.name, cidc);
        hilo_key(seen, sizeof seen, HILO_K_SEEN, arg);
        const char *set[] = {"SET", seen, a->ref, "EX", "2592000"};
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, set, NULL);
    }
    if (rc == 0)
        rc = hilo_outbox_add_webhook(s->outbox, a->ref);
    if (rc == 0)
        rc = send_argv(a, ticket_created_cb, 1, ex);
    if (rc < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void api_ticket_create(struct api *a)
{
    size_t len;
    const char *body = hilo_http_body(a->r, &len);
    json_error_t je;
    json_t *b, *cust, *ch, *cidc;
    if (!body) {
        api_fail(a, -HILO_ETOOLARGE);
        return;
    }
    a->body = b = json_loadb(body, len, 0, &je);
    cust = json_object_get(b, "customer");
    ch = json_object_get(b, "channel");
    cidc = json_object_get(b, "client_id");
    const char *cid_ext = json_string_value(json_object_get(cust, "id"));
    const char *email = json_string_value(json_object_get(cust, "email"));
    const char *phone = json_string_value(json_object_get(cust, "phone"));
    json_t *jn = json_object_get(cust, "name"), *loc = json_object_get(b, "locale");
    if (!json_is_object(b)) {
        api_fail(a, -HILO_EBADJSON);
        return;
    }
    if (!json_is_object(cust) || (!cid_ext && !email && !phone) || (ch && (!json_is_string(ch) ||
        !channel_name_ok(json_string_value(ch)))) || (cidc && (!json_is_string(cidc) ||
        json_string_length(cidc) == 0 || json_string_length(cidc) > 64)) ||
        (jn && (!json_is_string(jn) || json_string_length(jn) > 200)) ||
        (loc && !json_is_string(loc)) || (cid_ext && (strlen(cid_ext) == 0 || strlen(cid_ext) > 128)) ||
        (email && (!strchr(email, '@') || strlen(email) > 254)) ||
        (phone && (phone[0] != '+' || strlen(phone) > 32))) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    if (!text_ok(a, json_object_get(b, "text"))) {
        json_t *t = json_object_get(b, "text");
        api_fail(a, json_is_string(t) && json_string_length(t) ? -HILO_ETEXTLONG
                                                                                  : -HILO_EBADFRAME);
        return;
    }
    const char *channel = ch ? json_string_value(ch) : "api";
    const char *text = json_string_value(json_object_get(b, "text"));
    snprintf(a->locale, sizeof a->locale, "%s",
             loc ? hilo_i18n_lang(json_string_value(loc)) : hilo_i18n_guess(text, a->s->cfg->default_locale));
    a->result = json_pack("{s:s}", "channel", channel);
    json_t *idl = json_array();
    char buf[400];
    if (cid_ext) {
        snprintf(buf, sizeof buf, "ext:%s:%s", channel, cid_ext);
        json_array_append_new(idl, json_string(buf));
    }
    if (email) {
        char low[260];
        size_t i;
        for (i = 0; email[i] && i < sizeof low - 1; i++)
            low[i] = (char)tolower((unsigned char)email[i]);
        low[i] = '\0';
        snprintf(buf, sizeof buf, "email:%s", low);
        json_array_append_new(idl, json_string(buf));
        json_object_set_new(a->result, "email", json_string(low));
    }
    if (phone) {
        char p[40] = "+";
        size_t k = 1;
        for (const char *c = phone + 1; *c && k < sizeof p - 1; c++)
            if (*c >= '0' && *c <= '9')
                p[k++] = *c;
        p[k] = '\0';
        snprintf(buf, sizeof buf, "phone:%s", p);
        json_array_append_new(idl, json_string(buf));
    }
    json_object_set_new(a->result, "identities", idl);
    snprintf(a->dkey, sizeof a->dkey, "p:api:%s:%s", a->who.name,
             cidc ? json_string_value(cidc) : "");
    /* seen (repeated client_id), then who the customer is */
    char seen[400], arg[300];
    snprintf(arg, sizeof arg, "api:%s:%s", a->who.name, cidc ? json_string_value(cidc) : "-");
    hilo_key(seen, sizeof seen, HILO_K_SEEN, cidc ? arg : "-:-");
    const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
    int rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 1, mu, NULL);
    const char *g[] = {"GET", seen};
    if (rc == 0)
        rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 2, g, NULL);
    for (size_t i = 0; rc == 0 && i < json_array_size(idl); i++) {
        char ik[400];
        hilo_key(ik, sizeof ik, HILO_K_IDENT, json_string_value(json_array_get(idl, i)));
        const char *gi[] = {"GET", ik};
        rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 2, gi, NULL);
    }
    if (rc == 0)
        rc = send_argv(a, ticket_lookup_cb, 1, ex);
    if (rc < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void message_posted_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    redisReply *res = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 ? reply->element[0] : NULL;
    if (!reply) {
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    } else if (res && res->type == REDIS_REPLY_ERROR) {
        int err = strstr(res->str, "unknown_ticket") ? -HILO_EUNKNOWNTICKET
                  : strstr(res->str, "closed")       ? -HILO_EBADSTATE
                                                     : -HILO_EINTERNAL;
        hilo_http_respond_error(a->r, err);
    } else if (!res || res->type != REDIS_REPLY_ARRAY || res->elements != 3) {
        hilo_http_respond_error(a->r, -HILO_EINTERNAL);
    } else {
        int dup = res->element[1]->integer == 1;
        hilo_http_respond_json(a->r, dup ? 200 : 201,
                               json_pack("{s:s, s:b}", "event_id", res->element[0]->str, "duplicate", dup));
    }
    api_free(a);
}

static void api_ticket_message(struct api *a, const char *refpath)
{
    struct hilo_server *s = a->s;
    size_t len;
    const char *body = hilo_http_body(a->r, &len);
    json_error_t je;
    char tk[128], ev[128], dd[128], dl[128], idx[128], now[24];
    if (hilo_ref_normalize(refpath, a->ref) < 0) {
        api_fail(a, -HILO_EUNKNOWNTICKET);
        return;
    }
    a->body = body ? json_loadb(body, len, 0, &je) : NULL;
    json_t *ch = json_object_get(a->body, "channel"), *cidc = json_object_get(a->body, "client_id");
    if (!json_is_object(a->body)) {
        api_fail(a, body ? -HILO_EBADJSON : -HILO_ETOOLARGE);
        return;
    }
    if ((ch && (!json_is_string(ch) || !channel_name_ok(json_string_value(ch)))) ||
        (cidc && (!json_is_string(cidc) || json_string_length(cidc) == 0 || json_string_length(cidc) > 64))) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    json_t *t = json_object_get(a->body, "text");
    if (!text_ok(a, t)) {
        api_fail(a, json_is_string(t) && json_string_length(t) ? -HILO_ETEXTLONG
                                                                                  : -HILO_EBADFRAME);
        return;
    }
    snprintf(a->dkey, sizeof a->dkey, "p:api:%s:%s", a->who.name, cidc ? json_string_value(cidc) : "");
    hilo_key(tk, sizeof tk, HILO_K_TICKET, a->ref);
    hilo_key(ev, sizeof ev, HILO_K_THREAD, a->ref);
    hilo_key(dd, sizeof dd, HILO_K_DEDUPE, a->ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, a->ref);
    hilo_key(idx, sizeof idx, HILO_K_IDX_ACTIVE, NULL);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    const char *ap[] = {"EVALSHA", hilo_scripts_sha(HILO_S_APPEND), "4", tk, ev, dd, dl,
                        s->events_channel, a->ref, "message", ch ? json_string_value(ch) : "api",
                        "customer", "", "", json_string_value(t), a->dkey,
                        cidc ? json_string_value(cidc) : "", "", "", ""};
    const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
    const char *z[] = {"ZADD", idx, "NX", now, a->ref};
    int rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, mu, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 20, ap, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, z, NULL);
    if (rc == 0)
        rc = hilo_outbox_add_webhook(s->outbox, a->ref);
    if (rc == 0)
        rc = send_argv(a, message_posted_cb, 1, ex);
    if (rc < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void thread_read_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type == REDIS_REPLY_ERROR || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) {
        api_fail(a, !reply ? -HILO_EUNAVAIL
                                      : reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "unknown")
                                          ? -HILO_EUNKNOWNTICKET
                                          : -HILO_EINTERNAL);
        return;
    }
    json_t *sum = summary_of(reply), *evs = json_array();
    for (size_t i = 3; i + 1 < reply->elements; i += 2) {
        json_error_t je;
        json_t *e = json_loadb(reply->element[i + 1]->str, reply->element[i + 1]->len, 0, &je);
        if (e)
            json_array_append_new(evs, e);
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:o, s:o}", "ticket", sum ? sum : json_null(), "events", evs));
    api_free(a);
}

static void api_ticket_get(struct api *a, const char *refpath)
{
    char tk[128], ev[128], dl[128];
    if (hilo_ref_normalize(refpath, a->ref) < 0) {
        api_fail(a, -HILO_EUNKNOWNTICKET);
        return;
    }
    hilo_key(tk, sizeof tk, HILO_K_TICKET, a->ref);
    hilo_key(ev, sizeof ev, HILO_K_THREAD, a->ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, a->ref);
    const char *argv[] = {"EVALSHA", hilo_scripts_sha(HILO_S_HISTORY), "3", tk, ev, dl, "0", "0", "", "10000"};
    if (send_argv(a, thread_read_cb, 10, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void respond_ticket_list(struct api *a)
{
    json_t *list = json_array();
    for (size_t i = 0; i < a->n && json_array_size(list) < a->limit; i++) {
        json_t *t = a->items[i];
        if (!t)
            continue;
        if (a->filter_status[0] && strcmp(json_string_value(json_object_get(t, "status")), a->filter_status) != 0)
            continue;
        if (a->filter_channel[0] && strcmp(json_string_value(json_object_get(t, "channel")), a->filter_channel) != 0)
            continue;
        json_array_append(list, t);
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "tickets", list));
}

static void ticket_list_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (take_refs(a, reply) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    fetch_summaries(a, respond_ticket_list);
}

static void api_ticket_list(struct api *a)
{
    const char *st = hilo_http_arg(a->r, "status"), *ch = hilo_http_arg(a->r, "channel");
    const char *lim = hilo_http_arg(a->r, "limit");
    char key[128];
    long l = lim ? strtol(lim, NULL, 10) : 50;
    if (l < 1 || l > 200 || (st && strcmp(st, "open") && strcmp(st, "pending") && strcmp(st, "resolved") &&
                             strcmp(st, "closed")) || (ch && !channel_name_ok(ch))) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    a->limit = (size_t)l;
    snprintf(a->filter_status, sizeof a->filter_status, "%s", st ? st : "");
    snprintf(a->filter_channel, sizeof a->filter_channel, "%s", ch ? ch : "");
    /* open and pending are in the queue index; others are read from all */
    hilo_key(key, sizeof key, st && (!strcmp(st, "open") || !strcmp(st, "pending")) ? HILO_K_IDX_ACTIVE
                                                                                   : HILO_K_IDX_ALL, NULL);
    const char *argv[] = {"ZREVRANGE", key, "0", "999"};
    if (send_argv(a, ticket_list_cb, 4, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

/* ---- webhook log and media --------------------------------------------------- */

static void webhook_log_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "log", json_of_strings(reply)));
    api_free(a);
}

static void api_webhook_log(struct api *a)
{
    char log[128];
    hilo_key(log, sizeof log, HILO_K_WEBHOOK_LOG, NULL);
    const char *argv[] = {"LRANGE", log, "0", "199"};
    if (send_argv(a, webhook_log_cb, 4, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void media_bytes_cb(const struct hilo_fetch_res *res, void *data)
{
    struct api *a = data;
    if (!res->ok || res->status < 200 || res->status >= 300) {
        hilo_http_respond_json(a->r, 502, json_pack("{s:{s:s, s:s}}", "error", "code", "bad_gateway",
                                                    "message", "The media could not be fetched."));
    } else {
        const char *mime = json_string_value(json_object_get(a->result, "mime_type"));
        hilo_http_respond(a->r, 200, mime && *mime ? mime : "application/octet-stream", res->body, res->body_len);
    }
    api_free(a);
}

static void media_meta_cb(const struct hilo_fetch_res *res, void *data)
{
    struct api *a = data;
    const struct hilo_config *c = a->s->cfg;
    json_error_t je;
    json_t *meta = res->ok && res->status == 200 ? json_loadb(res->body, res->body_len, 0, &je) : NULL;
    const char *url = json_string_value(json_object_get(meta, "url"));
    if (!url) {
        json_decref(meta);
        hilo_http_respond_json(a->r, 502, json_pack("{s:{s:s, s:s}}", "error", "code", "bad_gateway",
                                                    "message", "The Graph API refused the media id."));
        api_free(a);
        return;
    }
    a->result = meta;
    char auth[600];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->whatsapp_token);
    const char *headers[] = {auth, NULL};
    struct hilo_fetch_req req;
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.url = url;
    req.headers = headers;
    req.timeout_ms = c->http_timeout_ms;
    if (hilo_fetch_start(hilo_outbox_fetcher(a->s->outbox), &req, media_bytes_cb, a) < 0) {
        api_fail(a, -HILO_EINTERNAL);
    }
}

static void api_media(struct api *a, const char *id)
{
    const struct hilo_config *c = a->s->cfg;
    char url[1024], auth[600];
    if (!c->whatsapp_token[0]) {
        not_found(a);
        api_free(a);
        return;
    }
    if (!*id || strlen(id) > 64 || strspn(id, "0123456789") != strlen(id)) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    snprintf(url, sizeof url, "%s/%s", c->whatsapp_api_base, id);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->whatsapp_token);
    const char *headers[] = {auth, NULL};
    struct hilo_fetch_req req;
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.url = url;
    req.headers = headers;
    req.timeout_ms = c->http_timeout_ms;
    if (hilo_fetch_start(hilo_outbox_fetcher(a->s->outbox), &req, media_meta_cb, a) < 0) {
        api_fail(a, -HILO_EINTERNAL);
    }
}

/* ---- dispatch ------------------------------------------------------------------ */

static void authed_cb(int err, const struct hilo_session_info *si, void *data)
{
    struct api *a = data;
    const char *path = hilo_http_path(a->r) + 8; /* after /api/v1/ */
    const char *method = hilo_http_method(a->r);

    if (err) {
        api_fail(a, err);
        return;
    }
    a->who = *si;
    if (strcmp(path, "tickets") == 0) {
        if (strcmp(method, "POST") == 0)
            api_ticket_create(a);
        else if (strcmp(method, "GET") == 0)
            api_ticket_list(a);
        else {
            method_not_allowed(a);
            api_free(a);
        }
        return;
    }
    if (strncmp(path, "tickets/", 8) == 0) {
        const char *rest = path + 8, *slash = strchr(rest, '/');
        char ref[32];
        if (slash && strcmp(slash, "/messages") == 0 && (size_t)(slash - rest) < sizeof ref) {
            snprintf(ref, sizeof ref, "%.*s", (int)(slash - rest), rest);
            if (strcmp(method, "POST") == 0)
                api_ticket_message(a, ref);
            else {
                method_not_allowed(a);
                api_free(a);
            }
        } else if (!slash && strcmp(method, "GET") == 0) {
            api_ticket_get(a, rest);
        } else if (!slash) {
            method_not_allowed(a);
            api_free(a);
        } else {
            not_found(a);
            api_free(a);
        }
        return;
    }
    if (strcmp(path, "webhooks/log") == 0 && strcmp(method, "GET") == 0) {
        api_webhook_log(a);
        return;
    }
    if (a->integration) {
        /* API keys reach the integration endpoints only */
        api_fail(a, -HILO_EFORBIDDEN);
        return;
    }
    if (strncmp(path, "media/whatsapp/", 15) == 0 && strcmp(method, "GET") == 0) {
        api_media(a, path + 15);
        return;
    }
    if (strcmp(path, "reports") == 0 || strcmp(path, "search") == 0) {
        if (strcmp(method, "GET") != 0) {
            method_not_allowed(a);
            api_free(a);
        } else if (path[0] == 'r') {
            api_reports(a);
        } else {
            api_search(a);
        }
        return;
    }
    if (strcmp(path, "outbox/dead") == 0) {
        if (strcmp(method, "GET") != 0) {
            method_not_allowed(a);
            api_free(a);
        } else {
            api_dead(a);
        }
        return;
    }
    if (strncmp(path, "customers/", 10) == 0) {
        if (strcmp(method, "GET") != 0) {
            method_not_allowed(a);
            api_free(a);
            return;
        }
        api_customer(a, path + 10);
        return;
    }
    if (strcmp(path, "agents") == 0 || strncmp(path, "agents/", 7) == 0) {
        api_agents(a, path[6] == '/' ? path + 7 : "");
        return;
    }
    not_found(a);
    api_free(a);
}

static void apikey_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    struct hilo_session_info si;
    a->waiting--;
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        api_fail(a, -HILO_EUNAUTH);
        return;
    }
    memset(&si, 0, sizeof si);
    snprintf(si.name, sizeof si.name, "%s", reply->str);
    snprintf(si.role, sizeof si.role, "integration");
    a->integration = 1;
    authed_cb(0, &si, a);
}

static void apikey_auth(struct hilo_http *r, const char *key)
{
    struct hilo_server *s = hilo_http_server(r);
    char hex[65], k[160];
    struct api *a;
    if (strncmp(key, "hk_", 3) != 0 || strlen(key) > 128) {
        hilo_http_respond_error(r, -HILO_EUNAUTH);
        return;
    }
    a = calloc(1, sizeof *a);
    if (!a) {
        hilo_http_respond_error(r, -HILO_EINTERNAL);
        return;
    }
    hilo_http_ref(r);
    a->r = r;
    a->s = s;
    hilo_token_hash(key, hex);
    hilo_key(k, sizeof k, HILO_K_APIKEY, hex);
    const char *argv[] = {"GET", k};
    if (send_argv(a, apikey_cb, 2, argv) < 0) {
        hilo_http_respond_error(r, -HILO_EUNAVAIL);
        api_free(a);
    }
}

void hilo_api_handle(struct hilo_http *r)
{
    struct hilo_server *s = hilo_http_server(r);
    const char *cookies = hilo_http_cookie(r);
    char tok[256];
    struct api *a;
    int rc;

    const char *authz = hilo_http_header(r, "authorization");
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        apikey_auth(r, authz + 7);
        return;
    }
    if (!cookies || hilo_http_cookie_token(cookies, tok, sizeof tok) < 0) {
        hilo_http_respond_error(r, -HILO_EUNAUTH);
        return;
    }
    a = calloc(1, sizeof *a);
    if (!a) {
        hilo_http_respond_error(r, -HILO_EINTERNAL);
        return;
    }
    hilo_http_ref(r);
    a->r = r;
    a->s = s;
    rc = hilo_agents_check(s, tok, authed_cb, a);
    if (rc < 0) {
        hilo_http_respond_error(r, rc);
        api_free(a);
    }
}
