/* The reports' maths: pure (jansson only), so the statistics are
 * unit-tested on made-up tickets (tests/unit/test_api_stats.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

json_t *api_stats_percentiles(uint64_t *v, size_t n)
{
    if (n == 0)
        return json_pack("{s:i, s:n, s:n}", "count", 0, "median_ms", "p90_ms");
    qsort(v, n, sizeof *v, cmp_u64);
    /* nearest rank */
    size_t m = (n * 50 + 99) / 100, p = (n * 90 + 99) / 100;
    return json_pack("{s:I, s:I, s:I}", "count", (json_int_t)n, "median_ms",
                     (json_int_t)v[m ? m - 1 : 0], "p90_ms", (json_int_t)v[p ? p - 1 : 0]);
}

void api_stats_day(uint64_t ms, char out[11])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

json_t *api_stats_ticket(const redisReply *h)
{
    json_t *t = json_object(), *mc = json_object();
    for (size_t j = 0; j + 1 < h->elements; j += 2) {
        const char *k = h->element[j]->str, *v = h->element[j + 1]->str;
        if (!k || !v)
            continue;
        if (strncmp(k, "mc:", 3) == 0)
            json_object_set_new(mc, k + 3, json_integer(strtoll(v, NULL, 10)));
        else if (ends_with(k, "_at") || strcmp(k, "channel_switches") == 0)
            json_object_set_new(t, k, json_integer(strtoll(v, NULL, 10)));
        else
            json_object_set_new(t, k, json_string(v));
    }
    json_object_set_new(t, "_mc", mc);
    return t;
}

/* ---- SLA attainment --------------------------------------------------------- */

static uint64_t num_field(json_t *t, const char *k)
{
    json_t *v = json_object_get(t, k);
    if (json_is_integer(v))
        return (uint64_t)json_integer_value(v);
    return json_is_string(v) ? strtoull(json_string_value(v), NULL, 10) : 0;
}

/* met / missed / running of one clock: a breach is a miss; a first reply
 * (first response) or a resolution (resolution) without one is met. */
static const char *sla_outcome(json_t *t, int res)
{
    if (!num_field(t, res ? "sla_res_due" : "sla_fr_due"))
        return NULL;
    if (num_field(t, res ? "sla_res_breached_at" : "sla_fr_breached_at"))
        return "missed";
    if (res) {
        const char *st = json_string_value(json_object_get(t, "status"));
        return st && (strcmp(st, "resolved") == 0 || strcmp(st, "closed") == 0) &&
                       num_field(t, "resolved_at")
                   ? "met"
                   : "running";
    }
    return num_field(t, "first_response_at") ? "met" : "running";
}

static json_t *sla_cell(void)
{
    return json_pack("{s:{s:i, s:i, s:i, s:n}, s:{s:i, s:i, s:i, s:n}}", "first_response", "met", 0,
                     "missed", 0, "running", 0, "attainment", "resolution", "met", 0, "missed", 0,
                     "running", 0, "attainment");
}

static void sla_count(json_t *cell, const char *target, const char *outcome)
{
    json_t *c = json_object_get(cell, target);
    json_object_set_new(c, outcome, json_integer(json_integer_value(json_object_get(c, outcome)) + 1));
    json_int_t met = json_integer_value(json_object_get(c, "met"));
    json_int_t missed = json_integer_value(json_object_get(c, "missed"));
    if (met + missed)
        json_object_set_new(c, "attainment", json_real((double)met / (double)(met + missed)));
}

static json_t *sla_group(json_t *groups, const char *name)
{
    json_t *g = json_object_get(groups, name);
    if (!g) {
        g = sla_cell();
        json_object_set_new(groups, name, g);
    }
    return g;
}

/* {first_response, resolution, by_team, by_channel}: each cell counts met,
 * missed, running and the attainment met / (met + missed) (null without
 * any), over tickets with a due time. */
static json_t *sla_report(json_t *const *items, size_t n, uint64_t from, uint64_t to)
{
    json_t *out = sla_cell(), *teams = json_object(), *chans = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *t = items[i];
        if (!t)
            continue;
        uint64_t created = num_field(t, "created_at");
        if (created < from || created >= to)
            continue;
        const char *team = json_string_value(json_object_get(t, "team"));
        const char *ch = json_string_value(json_object_get(t, "channel"));
        for (int res = 0; res < 2; res++) {
            const char *o = sla_outcome(t, res), *target = res ? "resolution" : "first_response";
            if (!o)
                continue;
            sla_count(out, target, o);
            sla_count(sla_group(teams, team && *team ? team : "default"), target, o);
            sla_count(sla_group(chans, ch && *ch ? ch : "unknown"), target, o);
        }
    }
    json_object_set_new(out, "by_team", teams);
    json_object_set_new(out, "by_channel", chans);
    return out;
}

/* ---- satisfaction ----------------------------------------------------------- */

static void csat_add(json_t *cell, int score)
{
    json_int_t count = json_integer_value(json_object_get(cell, "count")) + 1;
    json_int_t sum = json_integer_value(json_object_get(cell, "_sum")) + score;
    json_object_set_new(cell, "count", json_integer(count));
    json_object_set_new(cell, "_sum", json_integer(sum));
    json_object_set_new(cell, "average", json_real((double)sum / (double)count));
}

static json_t *csat_group(json_t *groups, const char *name)
{
    json_t *g = json_object_get(groups, name);
    if (!g) {
        g = json_pack("{s:i, s:n}", "count", 0, "average");
        json_object_set_new(groups, name, g);
    }
    return g;
}

static void csat_strip(json_t *groups)
{
    const char *k;
    json_t *v;
    json_object_foreach(groups, k, v) json_object_del(v, "_sum");
}

/* {count, average, scores {"1".."5"}, by_channel, by_team}: the tickets'
 * satisfaction scores (field csat). */
static json_t *csat_report(json_t *const *items, size_t n, uint64_t from, uint64_t to)
{
    json_t *out = json_pack("{s:i, s:n, s:{s:i, s:i, s:i, s:i, s:i}}", "count", 0, "average",
                            "scores", "1", 0, "2", 0, "3", 0, "4", 0, "5", 0);
    json_t *chans = json_object(), *teams = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *t = items[i];
        if (!t)
            continue;
        uint64_t created = num_field(t, "created_at");
        int score = (int)num_field(t, "csat");
        if (created < from || created >= to || score < 1 || score > 5)
            continue;
        const char *ch = json_string_value(json_object_get(t, "channel"));
        const char *team = json_string_value(json_object_get(t, "team"));
        char k[2] = {(char)('0' + score), 0};
        json_t *sc = json_object_get(out, "scores");
        json_object_set_new(sc, k, json_integer(json_integer_value(json_object_get(sc, k)) + 1));
        csat_add(out, score);
        csat_add(csat_group(chans, ch && *ch ? ch : "unknown"), score);
        csat_add(csat_group(teams, team && *team ? team : "default"), score);
    }
    json_object_del(out, "_sum");
    csat_strip(chans);
    csat_strip(teams);
    json_object_set_new(out, "by_channel", chans);
    json_object_set_new(out, "by_team", teams);
    return out;
}

/* Per agent (the ticket's current assignee), over tickets created in the
 * range: {"ana": {"tickets", "resolved", "first_response": {count,
 * median_ms, p90_ms}}}; unassigned tickets are not counted (issue #13). */
static json_t *by_agent(json_t *const *items, size_t n, uint64_t from, uint64_t to, uint64_t *tmp)
{
    json_t *out = json_object();
    for (size_t i = 0; out && i < n; i++) {
        json_t *t = items[i];
        const char *who = t ? json_string_value(json_object_get(t, "assignee")) : NULL;
        uint64_t created = t ? (uint64_t)json_integer_value(json_object_get(t, "created_at")) : 0;
        if (!who || !*who || created < from || created >= to || json_object_get(out, who))
            continue;
        size_t nt = 0, nres = 0, nfr = 0;
        for (size_t j = i; j < n; j++) {
            json_t *u = items[j];
            const char *w = u ? json_string_value(json_object_get(u, "assignee")) : NULL;
            uint64_t c = u ? (uint64_t)json_integer_value(json_object_get(u, "created_at")) : 0;
            if (!w || strcmp(w, who) != 0 || c < from || c >= to)
                continue;
            nt++;
            if (json_integer_value(json_object_get(u, "resolved_at")) > 0)
                nres++;
            uint64_t first = (uint64_t)json_integer_value(json_object_get(u, "first_response_at"));
            if (first >= c && first)
                tmp[nfr++] = first - c;
        }
        json_object_set_new(out, who, json_pack("{s:I, s:I, s:o}", "tickets", (json_int_t)nt,
                                                "resolved", (json_int_t)nres, "first_response",
                                                api_stats_percentiles(tmp, nfr)));
    }
    return out;
}

json_t *api_stats_report(json_t *const *items, size_t n, uint64_t from, uint64_t to)
{
    uint64_t *fr = calloc(n + 1, sizeof *fr), *rs = calloc(n + 1, sizeof *rs);
    size_t nfr = 0, nrs = 0, tickets = 0, switched = 0, total_switches = 0;
    size_t hist[4] = {0, 0, 0, 0};
    json_t *by_channel = json_object(), *msgs = json_object();
    json_t *status = json_pack("{s:i, s:i, s:i, s:i}", "open", 0, "pending", 0, "resolved", 0, "closed", 0);
    json_t *days = json_object();

    json_t *out = NULL;
    const char **keys = NULL;
    if (!fr || !rs)
        goto out;
    for (size_t i = 0; i < n; i++) {
        json_t *t = items[i];
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
        if (sw < 0) /* a damaged hash must not index before hist[] */
            sw = 0;
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
        api_stats_day(created, day);
        json_t *d = json_object_get(days, day);
        if (!d) {
            d = json_pack("{s:s, s:i, s:i}", "day", day, "created", 0, "resolved", 0);
            json_object_set_new(days, day, d);
        }
        json_object_set_new(d, "created", json_integer(json_integer_value(json_object_get(d, "created")) + 1));
        if (resolved && resolved >= from && resolved < to) {
            api_stats_day(resolved, day);
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
        api_stats_day(d, day);
        if (!json_object_get(days, day))
            json_object_set_new(days, day, json_pack("{s:s, s:i, s:i}", "day", day, "created", 0, "resolved", 0));
    }
    /* days in order */
    json_t *daily = json_array();
    keys = calloc(json_object_size(days) + 1, sizeof *keys);
    size_t nk = 0;
    if (!keys) {
        json_decref(daily);
        goto out;
    }
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
    out = json_object();
    json_object_set_new(out, "tickets", json_integer((json_int_t)tickets));
    json_object_set_new(out, "first_response", api_stats_percentiles(fr, nfr));
    json_object_set_new(out, "resolution", api_stats_percentiles(rs, nrs));
    json_object_set_new(out, "by_channel", json_incref(by_channel));
    json_object_set_new(out, "messages_by_channel", json_incref(msgs));
    json_object_set_new(out, "channel_switches",
                        json_pack("{s:I, s:I, s:f, s:{s:I, s:I, s:I, s:I}}", "total",
                                  (json_int_t)total_switches, "tickets_with_switches",
                                  (json_int_t)switched, "per_ticket",
                                  tickets ? (double)total_switches / (double)tickets : 0.0,
                                  "histogram", "0", (json_int_t)hist[0], "1", (json_int_t)hist[1],
                                  "2", (json_int_t)hist[2], "3+", (json_int_t)hist[3]));
    json_object_set_new(out, "status", json_incref(status));
    json_object_set_new(out, "daily", daily);
    json_object_set_new(out, "by_agent", by_agent(items, n, from, to, fr));
    json_object_set_new(out, "sla", sla_report(items, n, from, to));
    json_object_set_new(out, "csat", csat_report(items, n, from, to));
out:
    free(keys);
    json_decref(days);
    json_decref(status);
    json_decref(by_channel);
    json_decref(msgs);
    free(fr);
    free(rs);
    return out;
}

