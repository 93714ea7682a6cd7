/* /api/v1/sla/teams: the SLA settings per team (docs/sla.md). Agents read
 * them; admins set (PUT: the fields given override the default team's) and
 * remove a team's own settings (DELETE). "default" is the default team:
 * the options, with its stored settings over them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/sla.h"
#include "hilo/store_sla.h"

#include "internal.h"

/* The stored settings of name in an HGETALL reply, parsed, or NULL. */
static json_t *stored(const redisReply *h, const char *name)
{
    for (size_t i = 0; h && h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2)
        if (h->element[i]->str && strcmp(h->element[i]->str, name) == 0)
            return json_loads(h->element[i + 1]->str ? h->element[i + 1]->str : "", 0, NULL);
    return NULL;
}

/* Effective settings of a team: options, stored default, stored team. */
static json_t *effective(struct api *a, const redisReply *h, const char *name, json_t *over)
{
    struct hilo_sla_team t;
    const char *bad;
    json_t *d = stored(h, "default");
    json_t *own = strcmp(name, "default") == 0 ? NULL : stored(h, name);
    hilo_sla_team_defaults(a->s->cfg, &t);
    if (d)
        hilo_sla_team_apply(d, &t, &bad);
    if (own)
        hilo_sla_team_apply(own, &t, &bad);
    json_decref(d);
    json_decref(own);
    if (over && hilo_sla_team_apply(over, &t, &bad) < 0)
        return NULL;
    snprintf(t.name, sizeof t.name, "%s", strcmp(name, "default") == 0 ? "" : name);
    return hilo_sla_team_json(&t);
}

static void list_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    const char *one = api_param(&a->params, "team");
    json_t *teams = json_array();
    if (one) {
        json_t *own = strcmp(one, "default") == 0 ? NULL : stored(reply, one);
        if (strcmp(one, "default") != 0 && !own) {
            json_decref(teams);
            api_not_found(a);
            api_free(a);
            return;
        }
        json_decref(own);
        hilo_http_respond_json(a->r, 200, effective(a, reply, one, NULL));
        json_decref(teams);
        api_free(a);
        return;
    }
    json_array_append_new(teams, effective(a, reply, "default", NULL));
    for (size_t i = 0; i + 1 < reply->elements; i += 2)
        if (reply->element[i]->str && strcmp(reply->element[i]->str, "default") != 0)
            json_array_append_new(teams, effective(a, reply, reply->element[i]->str, NULL));
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "teams", teams));
    api_free(a);
}

void api_sla_teams(struct api *a)
{
    if (api_sent(a, hilo_store_sla_teams_get(a->s->redis, list_cb, a)) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

static void put_done_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    hilo_sla_refresh(a->s, 1); /* other instances see it within 5 s */
    hilo_hours_widget_publish(a->s, api_param(&a->params, "team")); /* open widgets, now */
    /* the answer: the settings now in force (read again) */
    if (api_sent(a, hilo_store_sla_teams_get(a->s->redis, list_cb, a)) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

static void put_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    const char *team = api_param(&a->params, "team");
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *check = effective(a, reply, team, a->body);
    if (!check) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    json_decref(check);
    json_t *body = json_deep_copy(a->body);
    json_object_del(body, "team");
    char *js = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int rc = js ? hilo_store_sla_team_put(a->s->redis, team, js, put_done_cb, a) : -HILO_EINTERNAL;
    free(js);
    if (api_sent(a, rc) < 0)
        api_fail(a, rc == -HILO_EINTERNAL ? rc : -HILO_EUNAVAIL);
}

void api_sla_team_put(struct api *a)
{
    const char *team = api_param(&a->params, "team");
    const char *bad, *raw;
    struct hilo_sla_team t;
    size_t len;
    json_error_t je;
    raw = hilo_http_body(a->r, &len);
    a->body = raw ? json_loadb(raw, len, 0, &je) : NULL;
    if (!team || !hilo_sla_team_name_ok(team) || !json_is_object(a->body) ||
        json_object_size(a->body) == 0) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    /* bad values are refused before anything is read or written */
    hilo_sla_team_defaults(a->s->cfg, &t);
    if (hilo_sla_team_apply(a->body, &t, &bad) < 0) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    if (api_sent(a, hilo_store_sla_teams_get(a->s->redis, put_cb, a)) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

static void del_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_INTEGER) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (reply->integer == 0) {
        api_not_found(a);
    } else {
        hilo_sla_refresh(a->s, 1);
        hilo_hours_widget_publish(a->s, api_param(&a->params, "team"));
        hilo_http_respond_empty(a->r, 204);
    }
    api_free(a);
}

void api_sla_team_delete(struct api *a)
{
    const char *team = api_param(&a->params, "team");
    if (!team || !hilo_sla_team_name_ok(team)) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    if (api_sent(a, hilo_store_sla_team_del(a->s->redis, team, del_cb, a)) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}
