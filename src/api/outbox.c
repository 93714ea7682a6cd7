/* GET /api/v1/outbox/dead (dead letters) and /api/v1/webhooks/log. */
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/keys.h"

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
    if (api_send_argv(a, dead_items_cb, (int)reply->elements + 2, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
    free(argv);
}

void api_dead(struct api *a)
{
    char dead[128];
    hilo_key(dead, sizeof dead, HILO_K_OUTBOX_DEAD, NULL);
    const char *argv[] = {"ZREVRANGE", dead, "0", "199"};
    if (api_send_argv(a, dead_list_cb, 4, argv) < 0) {
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
    char log[128];
    hilo_key(log, sizeof log, HILO_K_WEBHOOK_LOG, NULL);
    const char *argv[] = {"LRANGE", log, "0", "199"};
    if (api_send_argv(a, webhook_log_cb, 4, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}
