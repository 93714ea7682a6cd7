/* GET /api/v1/reports: ticket statistics over a time range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/keys.h"

#include "internal.h"

/* ---- reports ------------------------------------------------------------------ */

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

#define REPORT_MAX 10000

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
    size_t i = api_next_index(a);
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
    if (api_take_refs(a, reply) < 0) {
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
        if (api_send_argv(a, report_ticket_cb, 2, argv) < 0) {
            api_batch_broken(a, i);
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

void api_reports(struct api *a)
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
    if (api_send_argv(a, report_list_cb, 7, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}
