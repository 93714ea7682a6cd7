/* Typing indicators and who is viewing a ticket, published to every
 * instance through the events channel. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/buf.h"
#include "hilo/common.h"
#include "hilo/keys.h"

void hilo_presence_typing(struct hilo_conn *c, const char *ref, int state)
{
    struct hilo_session *se = hilo_sess(c);
    struct hilo_server *s = c->srv;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "typing", "ticket", ref, "role",
                          se->role == HILO_ROLE_AGENT ? "agent" : "customer", "name",
                          se->name ? se->name : "", "state", state);
    char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
    struct hilo_buf b;
    hilo_buf_init(&b, 1 << 16);
    if (js && hilo_buf_adds(&b, ref) == 0 &&
        hilo_buf_adds(&b, se->role == HILO_ROLE_AGENT ? "\nYa" : "\nYc") == 0 &&
        hilo_buf_adds(&b, js) == 0) {
        const char *argv[] = {"PUBLISH", s->events_channel, b.p};
        size_t lens[] = {7, strlen(s->events_channel), b.len};
        hilo_redis_cmdargv(s->redis, NULL, NULL, 3, argv, lens);
    }
    hilo_buf_deinit(&b);
    free(js);
    json_decref(o);
}

/* Tells the other agents watching ref that this agent opened or left it;
 * the viewers hash lets an agent who opens it later see who is there. */
void hilo_presence_viewing(struct hilo_conn *c, const char *ref, int viewing)
{
    struct hilo_session *se = hilo_sess(c);
    struct hilo_server *s = c->srv;
    char vw[160], until[24];
    json_t *o;
    char *js;
    struct hilo_buf b;

    if (!se->id || !hilo_redis_ready(s->redis))
        return;
    hilo_key(vw, sizeof vw, HILO_K_VIEWERS, ref);
    snprintf(until, sizeof until, "%llu", (unsigned long long)(hilo_now_ms() + 30 * 60 * 1000));
    o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "presence", "ticket", ref, "agent", se->id,
                  "name", se->name ? se->name : se->id, "viewing", viewing);
    js = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    hilo_buf_init(&b, 1 << 16);
    if (js && hilo_buf_adds(&b, ref) == 0 && hilo_buf_adds(&b, "\nP") == 0 &&
        hilo_buf_adds(&b, se->id) == 0 && hilo_buf_adds(&b, " ") == 0 && hilo_buf_adds(&b, js) == 0) {
        const char *set[] = {"HSET", vw, se->id, until}, *del[] = {"HDEL", vw, se->id};
        const char *exp[] = {"PEXPIRE", vw, "1800000"};
        const char *pub[] = {"PUBLISH", s->events_channel, b.p};
        size_t publens[] = {7, strlen(s->events_channel), b.len};
        if (viewing)
            hilo_redis_cmdargv(s->redis, NULL, NULL, 4, set, NULL);
        else
            hilo_redis_cmdargv(s->redis, NULL, NULL, 3, del, NULL);
        hilo_redis_cmdargv(s->redis, NULL, NULL, 3, exp, NULL);
        hilo_redis_cmdargv(s->redis, NULL, NULL, 3, pub, publens);
    }
    hilo_buf_deinit(&b);
    free(js);
}
