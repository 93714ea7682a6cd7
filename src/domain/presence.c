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
    struct hilo_server *s = c->srv;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "typing", "ticket", ref, "role",
                          c->role == HILO_ROLE_AGENT ? "agent" : "customer", "name",
                          c->name ? c->name : "", "state", state);
    char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
    struct hilo_buf b;
    hilo_buf_init(&b, 1 << 16);
    if (js && hilo_buf_adds(&b, ref) == 0 &&
        hilo_buf_adds(&b, c->role == HILO_ROLE_AGENT ? "\nYa" : "\nYc") == 0 &&
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
    struct hilo_server *s = c->srv;
    char vw[160], until[24];
    json_t *o;
    char *js;
    struct hilo_buf b;

    if (!c->id || !hilo_redis_ready(s->redis))
        return;
    hilo_key(vw, sizeof vw, HILO_K_VIEWERS, ref);
    snprintf(until, sizeof until, "%llu", (unsigned long long)(hilo_now_ms() + 30 * 60 * 1000));
    o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "presence", "ticket", ref, "agent", c->id,
                  "name", c->name ? c->name : c->id, "viewing", viewing);
    js = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    hilo_buf_init(&b, 1 << 16);
    if (js && hilo_buf_adds(&b, ref) == 0 && hilo_buf_adds(&b, "\nP") == 0 &&
        hilo_buf_adds(&b, c->id) == 0 && hilo_buf_adds(&b, " ") == 0 && hilo_buf_adds(&b, js) == 0) {
        const char *set[] = {"HSET", vw, c->id, until}, *del[] = {"HDEL", vw, c->id};
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
