/* GET /api/v1/reports: ticket statistics over a time range (the maths is
 * in stats.c). */
#include <stdio.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/keys.h"

#include "internal.h"

#define REPORT_MAX 10000

static void report_build(struct api *a)
{
    uint64_t from = (uint64_t)json_integer_value(json_object_get(a->result, "from"));
    uint64_t to = (uint64_t)json_integer_value(json_object_get(a->result, "to"));
    json_t *stats = api_stats_report(a->items, a->n, from, to);
    if (!stats) {
        hilo_http_respond_error(a->r, -HILO_EINTERNAL);
        return;
    }
    json_object_update(a->result, stats);
    json_decref(stats);
    hilo_http_respond_json(a->r, 200, json_incref(a->result));
}

/* HGETALL of each ticket: the summary fields plus the mc:<channel> counters. */
static void report_ticket_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    size_t i = api_next_index(a);
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        a->failed = 1;
    else if (i < a->n && reply->elements)
        a->items[i] = api_stats_ticket(reply);
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

void api_reports(struct api *a)
{
    uint64_t from, to;
    char all[128], sfrom[24], sto[24], lim[16];
    if (api_report_range(hilo_http_arg(a->r, "from"), hilo_http_arg(a->r, "to"), hilo_now_ms(),
                         &from, &to) < 0) {
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
