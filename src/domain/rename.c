/* A renamed agent writes under the new name at once. Sockets keep the
 * display name they signed in with (se->name: event authors, typing and
 * presence); PATCH /api/v1/agents/<name> with a new display publishes
 * "-\nN<name> <display as a JSON string>\n" on the events channel and every
 * instance updates the sockets of that agent. JSON keeps a display name
 * with a newline from breaking the line format. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/agents.h"
#include "hilo/buf.h"
#include "hilo/store_index.h"
#include "hilo/ws.h"
#include "internal.h"

int hilo_agents_publish_rename(struct hilo_server *s, const char *name, const char *display)
{
    json_t *d = json_string(display);
    char *js = d ? json_dumps(d, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    struct hilo_buf b;
    int rc = -HILO_EINTERNAL;

    hilo_buf_init(&b, 1024);
    if (js && hilo_agents_name_ok(name) && hilo_buf_adds(&b, "-\nN") == 0 &&
        hilo_buf_adds(&b, name) == 0 && hilo_buf_adds(&b, " ") == 0 && hilo_buf_adds(&b, js) == 0) {
        struct hilo_store_publish pub = {.channel = s->events_channel, .message = b.p, .len = b.len};
        rc = hilo_store_publish(s->redis, &pub, NULL, NULL) < 0 ? -HILO_EUNAVAIL : 0;
    }
    hilo_buf_deinit(&b);
    free(js);
    json_decref(d);
    return rc;
}

struct rename {
    const char *name;
    const char *display;
    int n;
};

static void rename_one(struct hilo_conn *c, void *data)
{
    struct rename *r = data;
    struct hilo_session *se = hilo_sess(c);
    char *dup;
    if (!c->wsi || !se || se->role != HILO_ROLE_AGENT || !se->id || strcmp(se->id, r->name) != 0)
        return;
    dup = strdup(r->display);
    if (!dup)
        return;
    free(se->name);
    se->name = dup;
    r->n++;
}

void hilo_agents_on_rename(struct hilo_server *s, const char *line, size_t len)
{
    char name[65];
    const char *sp = memchr(line, ' ', len);
    size_t nlen = sp ? (size_t)(sp - line) : 0;
    json_error_t je;
    json_t *d;

    if (nlen == 0 || nlen >= sizeof name)
        return;
    memcpy(name, line, nlen);
    name[nlen] = '\0';
    d = json_loadb(sp + 1, len - nlen - 1, JSON_DECODE_ANY, &je);
    if (json_is_string(d) && json_string_length(d) > 0 && json_string_length(d) <= 128 &&
        strlen(json_string_value(d)) == json_string_length(d) && hilo_agents_name_ok(name)) {
        struct rename r = {.name = name, .display = json_string_value(d), .n = 0};
        if (s->net)
            hilo_ws_each(s->net, rename_one, &r);
    }
    json_decref(d);
}
