/* GET /api/v1/reports: ticket statistics over a time range (the maths is
 * in stats.c). */
#include <stdio.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/store_index.h"
#include "hilo/store_records.h"

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
        if (api_sent(a, hilo_store_ticket_get(a->s->redis, a->refs[i], report_ticket_cb, a)) < 0) {
            api_batch_broken(a, i);
            return;
        }
    }
}

void api_reports(struct api *a)
{
    uint64_t from, to;
    if (api_report_range(hilo_http_arg(a->r, "from"), hilo_http_arg(a->r, "to"), hilo_now_ms(),
                         &from, &to) < 0) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    a->result = json_pack("{s:I, s:I}", "from", (json_int_t)from, "to", (json_int_t)to);
    /* a minute's margin each side: creation times are the index's scores */
    struct hilo_store_index_between op = {.index = HILO_STORE_IDX_ALL,
                                          .from_ms = from > 60000 ? from - 60000 : 0,
                                          .to_ms = to + 60000, .limit = REPORT_MAX};
    if (api_sent(a, hilo_store_index_between(a->s->redis, &op, report_list_cb, a)) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}
