/* GET /api/v1/outbox/dead (dead letters) and /api/v1/webhooks/log. */
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/store_outbox.h"

#include "internal.h"

/* ---- dead letters ---------------------------------------------------------------- */

static void dead_items_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *entries = api_json_of_strings(reply), *list = json_array(), *e;
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
    const char **members = calloc(reply->elements, sizeof *members);
    for (size_t i = 0; members && i < reply->elements; i++)
        members[i] = reply->element[i]->str;
    if (!members || api_sent(a, hilo_store_outbox_dead_items(a->s->redis, members, reply->elements,
                                                             dead_items_cb, a)) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
    free(members);
}

void api_dead(struct api *a)
{
    if (api_sent(a, hilo_store_outbox_dead_list(a->s->redis, 199, dead_list_cb, a)) < 0) {
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
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "log", api_json_of_strings(reply)));
    api_free(a);
}

void api_webhook_log(struct api *a)
{
    if (api_sent(a, hilo_store_webhook_log_read(a->s->redis, 199, webhook_log_cb, a)) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}
