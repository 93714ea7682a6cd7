/* A held message as JSON (it waits in Redis until its sender is proven,
 * docs/continuity.md) and the confirmation code a sender writes back: pure
 * helpers of include/hilo/inbound.h, unit tested. */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/inbound.h"

#define HELD_FIELDS(X)                                                                            \
    X(channel) X(provider) X(provider_id) X(from) X(from_name) X(to) X(type) X(text)             \
    X(extra_json) X(ref_hint) X(subject) X(message_id) X(in_reply_to) X(references)

char *hilo_inbound_held_json(const struct hilo_inbound *m, const char *kind)
{
    json_t *o = json_object();
    char *js;
    if (!o)
        return NULL;
#define PUT(f) json_object_set_new(o, #f, json_string(m->f ? m->f : ""));
    HELD_FIELDS(PUT)
#undef PUT
    json_object_set_new(o, "kind", json_string(kind ? kind : "message"));
    js = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return js;
}

struct hilo_inbound *hilo_inbound_from_held(const char *js, size_t len, char *kind, size_t kn)
{
    json_error_t je;
    json_t *o = json_loadb(js, len, 0, &je);
    struct hilo_inbound *m;
    int bad = 0;
    if (!json_is_object(o) || !(m = calloc(1, sizeof *m))) {
        json_decref(o);
        return NULL;
    }
#define GET(f)                                                                                    \
    {                                                                                             \
        const char *v = json_string_value(json_object_get(o, #f));                               \
        m->f = strdup(v ? v : "");                                                                \
        bad |= !m->f;                                                                             \
    }
    HELD_FIELDS(GET)
#undef GET
    const char *k = json_string_value(json_object_get(o, "kind"));
    if (kind && kn)
        snprintf(kind, kn, "%s", k ? k : "message");
    json_decref(o);
    if (bad || !*m->channel || !*m->provider || !*m->provider_id) {
        hilo_inbound_free(m);
        return NULL;
    }
    if (!*m->extra_json) {
        free(m->extra_json);
        if (!(m->extra_json = strdup("{}"))) {
            hilo_inbound_free(m);
            return NULL;
        }
    }
    return m;
}

int hilo_inbound_code(const char *text, char out[7])
{
    size_t n = 0;
    /* "123456", "123 456", " 123-456 ": six digits and nothing else */
    for (const char *p = text ? text : ""; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (n == 6)
                return -1;
            out[n++] = *p;
        } else if (!(*p == ' ' || *p == '-' || *p == '\t' || *p == '\n' || *p == '\r')) {
            return -1;
        }
    }
    out[n] = '\0';
    return n == 6 ? 0 : -1;
}
