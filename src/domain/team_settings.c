/* Team settings in the domain (team_settings.h): the approved WhatsApp
 * templates agents pick, and the team_settings frame after a change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/buf.h"
#include "hilo/common.h"
#include "hilo/sla.h"
#include "hilo/store_agents.h"
#include "hilo/store_index.h"
#include "hilo/store_team_settings.h"
#include "hilo/team_settings.h"
#include "hilo/ws.h"
#include "internal.h"

#define NAME_MAX_ 512
#define BODY_MAX 1024
#define PARAMS_MAX 10

static int chars_ok(const char *s, size_t len, size_t min, size_t max, const char *set)
{
    if (len < min || len > max || strlen(s) != len)
        return 0;
    return strspn(s, set) == len;
}

/* 1 when body's placeholders are exactly {{1}}..{{n}}, each at least once. */
static int body_ok(const char *b, size_t len, long n)
{
    int seen[PARAMS_MAX + 1] = {0};
    if (len < 1 || len > BODY_MAX || strlen(b) != len)
        return 0;
    for (const char *p = strstr(b, "{{"); p; p = strstr(p + 2, "{{")) {
        char *end;
        long k = strtol(p + 2, &end, 10);
        if (p[2] < '1' || p[2] > '9' || end[0] != '}' || end[1] != '}' || k > n)
            return 0;
        seen[k] = 1;
    }
    for (long k = 1; k <= n; k++)
        if (!seen[k])
            return 0;
    return 1;
}

static int one_ok(const json_t *t)
{
    const char *k;
    json_t *v;
    json_t *n = json_object_get(t, "name"), *l = json_object_get(t, "language");
    json_t *b = json_object_get(t, "body"), *p = json_object_get(t, "params");
    if (!json_is_object(t) || !json_is_string(n) || !json_is_string(l) || !json_is_string(b) ||
        !json_is_integer(p) || json_integer_value(p) < 0 || json_integer_value(p) > PARAMS_MAX)
        return 0;
    json_object_foreach((json_t *)t, k, v) {
        if (strcmp(k, "name") && strcmp(k, "language") && strcmp(k, "body") && strcmp(k, "params") &&
            strcmp(k, "content_sid"))
            return 0;
    }
    if (!chars_ok(json_string_value(n), json_string_length(n), 1, NAME_MAX_,
                  "abcdefghijklmnopqrstuvwxyz0123456789_") ||
        !chars_ok(json_string_value(l), json_string_length(l), 2, 15,
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") ||
        !body_ok(json_string_value(b), json_string_length(b), (long)json_integer_value(p)))
        return 0;
    v = json_object_get(t, "content_sid");
    if (v && !(json_is_string(v) && json_string_length(v) == 34 &&
               strncmp(json_string_value(v), "HX", 2) == 0 &&
               chars_ok(json_string_value(v) + 2, 32, 32, 32, "0123456789abcdefABCDEF")))
        return 0;
    return 1;
}

int hilo_team_templates_ok(const json_t *v)
{
    size_t i, j;
    json_t *t;
    if (!json_is_array(v) || json_array_size(v) > HILO_TEAM_TEMPLATES_MAX)
        return 0;
    json_array_foreach((json_t *)v, i, t) {
        if (!one_ok(t))
            return 0;
        for (j = 0; j < i; j++) {
            json_t *u = json_array_get(v, j);
            if (json_equal(json_object_get(t, "name"), json_object_get(u, "name")) &&
                json_equal(json_object_get(t, "language"), json_object_get(u, "language")))
                return 0; /* the same template twice */
        }
    }
    return 1;
}

/* What the Cloud API refuses in a body parameter (error 132018). */
static int param_ok(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t len = json_is_string(v) ? json_string_length(v) : 0;
    if (len < 1 || len > HILO_TEAM_TEMPLATE_PARAM_MAX || strlen(s) != len || strpbrk(s, "\n\r\t") ||
        strstr(s, "     "))
        return 0;
    return 1;
}

int hilo_team_template_match(const json_t *list, const json_t *tpl, json_t **found, char **text)
{
    size_t i;
    json_t *t, *hit = NULL;
    json_t *params = json_object_get(tpl, "params");
    size_t np = params ? json_array_size(params) : 0;
    struct hilo_buf b;
    json_array_foreach((json_t *)list, i, t) {
        if (json_equal(json_object_get(t, "name"), json_object_get(tpl, "name")) &&
            json_equal(json_object_get(t, "language"), json_object_get(tpl, "language"))) {
            hit = t;
            break;
        }
    }
    if (!hit)
        return -HILO_EUNKNOWNTEMPLATE;
    if (params && !json_is_array(params))
        return -HILO_EBADFRAME;
    if ((json_int_t)np != json_integer_value(json_object_get(hit, "params")))
        return -HILO_EBADFRAME;
    for (i = 0; i < np; i++)
        if (!param_ok(json_array_get(params, i)))
            return -HILO_EBADFRAME;
    /* the text the thread shows: the body with its parameters, sized for
     * every placeholder at its longest (a body may repeat {{1}} often) */
    const char *body = json_string_value(json_object_get(hit, "body"));
    size_t holes = 0, cap;
    int bad = 0;
    for (const char *p = body; (p = strstr(p, "{{")); p += 2)
        holes++;
    cap = strlen(body) + holes * (size_t)HILO_TEAM_TEMPLATE_PARAM_MAX + 1;
    hilo_buf_init(&b, cap);
    for (const char *p = body; *p;) {
        const char *q = strstr(p, "{{");
        char *end;
        long k;
        if (!q) {
            bad |= hilo_buf_adds(&b, p) != 0;
            break;
        }
        bad |= hilo_buf_add(&b, p, (size_t)(q - p)) != 0;
        k = strtol(q + 2, &end, 10);
        bad |= hilo_buf_adds(&b, json_string_value(json_array_get(params, (size_t)k - 1))) != 0;
        p = end + 2; /* stored bodies were checked: "}}" follows */
    }
    if (bad) { /* never a thread that misstates what was sent */
        hilo_buf_deinit(&b);
        return -HILO_EINTERNAL;
    }
    *text = hilo_buf_take(&b);
    hilo_buf_deinit(&b);
    if (!*text)
        return -HILO_EINTERNAL;
    *found = hit;
    return 0;
}

static json_t *stored(const redisReply *e)
{
    json_t *o;
    if (!e || e->type != REDIS_REPLY_STRING || !e->str)
        return NULL;
    o = json_loads(e->str, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *hilo_team_templates_pick(json_t *own, json_t *dflt)
{
    json_t *v = own ? json_object_get(own, "templates") : NULL;
    if (!v && dflt)
        v = json_object_get(dflt, "templates");
    return hilo_team_templates_ok(v) ? v : NULL;
}

struct check {
    struct hilo_server *s;
    json_t *tpl;
    hilo_team_template_cb done;
    void *data;
    char team[65];
};

static void check_end(struct check *k, int err, json_t *found, char *text)
{
    k->done(err, found, text, k->data);
    json_decref(k->tpl);
    free(k);
}

static void settings_cb(redisReply *reply, void *data)
{
    struct check *k = data;
    json_t *found = NULL, *d, *own, *list;
    char *text = NULL;
    int err;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        check_end(k, -HILO_EUNAVAIL, NULL, NULL);
        return;
    }
    d = stored(reply->element[0]);
    own = k->team[0] ? stored(reply->element[1]) : NULL;
    list = hilo_team_templates_pick(own, d);
    err = list ? hilo_team_template_match(list, k->tpl, &found, &text) : -HILO_EUNKNOWNTEMPLATE;
    if (!err)
        found = json_deep_copy(found);
    if (!err && !found) {
        free(text);
        text = NULL;
        err = -HILO_EINTERNAL;
    }
    json_decref(d);
    json_decref(own);
    check_end(k, err, found, text);
}

static void agent_cb(redisReply *reply, void *data)
{
    struct check *k = data;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        check_end(k, -HILO_EUNAVAIL, NULL, NULL);
        return;
    }
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        redisReply *f = reply->element[i], *v = reply->element[i + 1];
        if (f->type == REDIS_REPLY_STRING && strcmp(f->str, "team") == 0 &&
            v->type == REDIS_REPLY_STRING && hilo_sla_team_name_ok(v->str) &&
            strcmp(v->str, "default") != 0)
            snprintf(k->team, sizeof k->team, "%s", v->str);
    }
    if (hilo_store_team_settings_get(k->s->redis, k->team[0] ? k->team : NULL, settings_cb, k) < 0)
        check_end(k, -HILO_EUNAVAIL, NULL, NULL);
}

int hilo_team_template_check(struct hilo_server *s, const char *agent, const json_t *tpl,
                             hilo_team_template_cb done, void *data)
{
    struct check *k = calloc(1, sizeof *k);
    if (!k)
        return -HILO_EINTERNAL;
    k->s = s;
    k->tpl = json_deep_copy(tpl);
    k->done = done;
    k->data = data;
    if (!k->tpl || hilo_store_agent_get(s->redis, agent, agent_cb, k) < 0) {
        json_decref(k->tpl);
        free(k);
        return -HILO_EUNAVAIL;
    }
    return 0;
}

int hilo_team_line_publish(struct hilo_server *s, char kind, const char *team)
{
    char msg[100];
    struct hilo_store_publish pub = {.channel = s->events_channel, .message = msg};
    if (!hilo_sla_team_name_ok(team) || strlen(team) > 64)
        return -HILO_EINTERNAL;
    snprintf(msg, sizeof msg, "-\n%c%s\n", kind, team);
    pub.len = strlen(msg);
    return hilo_store_publish(s->redis, &pub, NULL, NULL) < 0 ? -HILO_EUNAVAIL : 0;
}

int hilo_team_settings_publish(struct hilo_server *s, const char *team)
{
    return hilo_team_line_publish(s, 'S', team);
}

static void tell_one(struct hilo_conn *c, void *data)
{
    struct hilo_session *se = hilo_sess(c);
    if (c->wsi && se && se->role == HILO_ROLE_AGENT && se->ready)
        hilo_conn_send(c, data);
}

void hilo_team_settings_on_publish(struct hilo_server *s, const char *line, size_t len)
{
    char team[65], frame[128];
    struct hilo_frame *f;
    if (len == 0 || len >= sizeof team)
        return;
    memcpy(team, line, len);
    team[len] = '\0';
    if (!hilo_sla_team_name_ok(team) || !s->net)
        return;
    snprintf(frame, sizeof frame, "{\"type\":\"team_settings\",\"team\":\"%s\"}", team);
    f = hilo_frame_new(frame, strlen(frame));
    if (f) {
        hilo_ws_each(s->net, tell_one, f);
        hilo_frame_unref(f);
    }
}
