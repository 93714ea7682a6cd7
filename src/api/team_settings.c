/* /api/v1/team-settings: the console settings of a team (canned responses,
 * waiting-time thresholds, approved WhatsApp templates; docs/rest.md). Any agent reads those of the own
 * team over the default team's; admins read any team's so and set a team's
 * (PUT replaces the team's stored settings; the fields it leaves out come
 * from the default team; DELETE drops them: the default team's apply). A
 * change is told to the signed-in agents (frame team_settings). */
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/sla.h"
#include "hilo/store_team_settings.h"
#include "hilo/team_settings.h"

#include "internal.h"

#define CANNED_MAX 50        /* responses per team */
#define CANNED_TITLE_MAX 100 /* bytes */
#define CANNED_TEXT_MAX 4000 /* bytes */
#define MINUTES_MAX 1440
#define AMBER_DEFAULT 5
#define RED_DEFAULT 15

static int text_ok(const json_t *v, size_t max)
{
    size_t len = json_is_string(v) ? json_string_length(v) : 0;
    return len >= 1 && len <= max && !memchr(json_string_value(v), 0, len);
}

static int minutes_ok(const json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= 1 &&
           json_integer_value(v) <= MINUTES_MAX;
}

/* 1 when body is a valid settings object: canned and/or thresholds only. */
static int settings_ok(const json_t *body)
{
    const char *k;
    json_t *v;
    if (!json_is_object(body) || json_object_size(body) == 0)
        return 0;
    json_object_foreach((json_t *)body, k, v) {
        if (strcmp(k, "canned") == 0) {
            size_t i;
            json_t *c;
            if (!json_is_array(v) || json_array_size(v) > CANNED_MAX)
                return 0;
            json_array_foreach(v, i, c) {
                if (!json_is_object(c) || json_object_size(c) != 2 ||
                    !text_ok(json_object_get(c, "title"), CANNED_TITLE_MAX) ||
                    !text_ok(json_object_get(c, "text"), CANNED_TEXT_MAX))
                    return 0;
            }
        } else if (strcmp(k, "templates") == 0) {
            if (!hilo_team_templates_ok(v))
                return 0;
        } else if (strcmp(k, "thresholds") == 0) {
            json_t *amber = json_object_get(v, "amber_minutes");
            json_t *red = json_object_get(v, "red_minutes");
            if (!json_is_object(v) || json_object_size(v) != 2 || !minutes_ok(amber) ||
                !minutes_ok(red) || json_integer_value(amber) >= json_integer_value(red))
                return 0;
        } else {
            return 0;
        }
    }
    return 1;
}

/* The stored settings in an HMGET element, parsed, or NULL. */
static json_t *stored(const redisReply *e)
{
    json_t *o;
    if (!e || e->type != REDIS_REPLY_STRING || !e->str)
        return NULL;
    o = json_loads(e->str, 0, NULL);
    if (!settings_ok(o)) { /* never stored so; ignored rather than served */
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *field(json_t *own, json_t *dflt, const char *name)
{
    json_t *v = own ? json_object_get(own, name) : NULL;
    return v ? v : dflt ? json_object_get(dflt, name) : NULL;
}

static void get_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    const char *team = api_param(&a->params, "team"); /* admins: any team */
    if (!team)
        team = a->who.team;
    if (strcmp(team, "default") == 0)
        team = "";
    json_t *d = stored(reply->element[0]);
    json_t *own = team[0] ? stored(reply->element[1]) : NULL;
    json_t *canned = field(own, d, "canned");
    json_t *thr = field(own, d, "thresholds");
    json_t *tpls = field(own, d, "templates");
    json_t *out = json_pack("{s:s, s:O?, s:O?}", "team", team, "canned",
                            canned ? canned : json_null(), "thresholds", thr);
    if (out && tpls) /* only when some are set */
        json_object_set(out, "templates", tpls);
    if (out && !thr)
        json_object_set_new(out, "thresholds", json_pack("{s:i, s:i}", "amber_minutes",
                                                         AMBER_DEFAULT, "red_minutes", RED_DEFAULT));
    if (out && team[0] && api_param(&a->params, "team")) {
        /* for the admins' editor, what the team does not set itself: it
         * leaves those out of its PUT unless changed, so they keep
         * following the default team's */
        static const char *const names[] = {"canned", "thresholds", "templates"};
        json_t *inh = json_array();
        for (size_t i = 0; inh && i < HILO_ARRAY_LEN(names); i++)
            if (!own || !json_object_get(own, names[i]))
                json_array_append_new(inh, json_string(names[i]));
        json_object_set_new(out, "inherited", inh);
    }
    json_decref(d);
    json_decref(own);
    if (!out) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    hilo_http_respond_json(a->r, 200, out);
    api_free(a);
}

void api_team_settings_get(struct api *a)
{
    const char *team = api_param(&a->params, "team");
    if (team && !hilo_sla_team_name_ok(team)) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    if (!team)
        team = a->who.team[0] && hilo_sla_team_name_ok(a->who.team) ? a->who.team : NULL;
    if (api_sent(a, hilo_store_team_settings_get(a->s->redis, team, get_cb, a)) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

static void put_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *out = json_deep_copy(a->body);
    if (!out) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    json_object_set_new(out, "team", json_string(api_param(&a->params, "team")));
    hilo_team_settings_publish(a->s, api_param(&a->params, "team")); /* best effort */
    hilo_http_respond_json(a->r, 200, out);
    api_free(a);
}

void api_team_settings_put(struct api *a)
{
    const char *team = api_param(&a->params, "team");
    const char *raw;
    size_t len;
    char *js;
    int rc;
    raw = hilo_http_body(a->r, &len);
    /* far above any valid settings; parsed only below it (deep nesting
     * costs many times its size in memory) */
    a->body = raw && len <= 1024 * 1024 ? json_loadb(raw, len, 0, NULL) : NULL;
    /* bad input is refused before anything is written */
    if (!team || !hilo_sla_team_name_ok(team) || !settings_ok(a->body)) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    js = json_dumps(a->body, JSON_COMPACT);
    rc = js ? hilo_store_team_settings_put(a->s->redis, team, js, put_cb, a) : -HILO_EINTERNAL;
    free(js);
    if (api_sent(a, rc) < 0)
        api_fail(a, rc == -HILO_EINTERNAL ? rc : -HILO_EUNAVAIL);
}

static void del_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    const char *team = api_param(&a->params, "team");
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_INTEGER) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *out = json_pack("{s:s, s:b}", "team", team, "deleted", reply->integer > 0);
    if (!out) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    if (reply->integer > 0)
        hilo_team_settings_publish(a->s, team); /* best effort */
    hilo_http_respond_json(a->r, 200, out);
    api_free(a);
}

/* DELETE: the team's own settings go; the default team's (or the built-in
 * defaults, for "default") apply again. Deleting what is not there is a
 * 200 with "deleted": false. */
void api_team_settings_delete(struct api *a)
{
    const char *team = api_param(&a->params, "team");
    if (!team || !hilo_sla_team_name_ok(team)) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    if (api_sent(a, hilo_store_team_settings_del(a->s->redis, team, del_cb, a)) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}
