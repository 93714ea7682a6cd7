/* Typing indicators and who is viewing a ticket, published to every
 * instance through the events channel. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/buf.h"
#include "hilo/common.h"
#include "hilo/store_index.h"

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
        struct hilo_store_publish pub = {.channel = s->events_channel, .message = b.p, .len = b.len};
        hilo_store_publish(s->redis, &pub, NULL, NULL);
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
    json_t *o;
    char *js;
    struct hilo_buf b;

    if (!se->id || !hilo_redis_ready(s->redis))
        return;
    o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "presence", "ticket", ref, "agent", se->id,
                  "name", se->name ? se->name : se->id, "viewing", viewing);
    js = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    hilo_buf_init(&b, 1 << 16);
    if (js && hilo_buf_adds(&b, ref) == 0 && hilo_buf_adds(&b, "\nP") == 0 &&
        hilo_buf_adds(&b, se->id) == 0 && hilo_buf_adds(&b, " ") == 0 && hilo_buf_adds(&b, js) == 0) {
        /* a viewer is listed for 30 minutes unless it says it left */
        struct hilo_store_viewer vw = {
            .ref = ref, .agent = se->id, .ms = hilo_now_ms() + 30 * 60 * 1000};
        struct hilo_store_viewer ttl = {.ref = ref, .ms = 30 * 60 * 1000};
        struct hilo_store_publish pub = {.channel = s->events_channel, .message = b.p, .len = b.len};
        if (viewing)
            hilo_store_viewer_set(s->redis, &vw, NULL, NULL);
        else
            hilo_store_viewer_clear(s->redis, &vw, NULL, NULL);
        hilo_store_viewers_expire(s->redis, &ttl, NULL, NULL);
        hilo_store_publish(s->redis, &pub, NULL, NULL);
    }
    hilo_buf_deinit(&b);
    free(js);
}
