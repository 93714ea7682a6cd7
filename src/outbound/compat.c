/* The outbox's former interface, which took the whole server: thin
 * forwarders kept until hub.c, api.c, inbound.c and server.c hold a
 * struct hilo_outbox and a config instead (see include/hilo/outbox.h). */
#include "hilo/outbox.h"

#include "hilo/server.h"

struct hilo_outbox *hilo_outbox_new(struct hilo_server *s)
{
    struct hilo_outbox_deps d = {
        .loop = s->loop,
        .redis = s->redis,
        .cfg = s->cfg,
        .events_channel = s->events_channel,
        .instance = s->instance,
    };
    return hilo_outbox_start(&d);
}

int hilo_outbox_route(struct hilo_server *s, const char *want,
                      const char *const fields[HILO_OUTBOX_NFIELDS], const char *ref,
                      const char *key, const char *text, json_t **entry, char **delivery)
{
    return hilo_route_entry(s->cfg, want, fields, ref, key, text, entry, delivery);
}

int hilo_outbox_channel_ok(struct hilo_server *s, const char *channel)
{
    return hilo_route_channel_ok(s->cfg, channel);
}

int hilo_outbox_queue(struct hilo_server *s, json_t *entry) { return hilo_outbox_add(s->outbox, entry); }

int hilo_outbox_webhook(struct hilo_server *s, const char *ref)
{
    return hilo_outbox_add_webhook(s->outbox, ref);
}

int hilo_outbox_retry(struct hilo_server *s, const char *ref, const char *event_id,
                      void (*cb)(int err, void *data), void *data)
{
    return hilo_outbox_requeue(s->outbox, ref, event_id, cb, data);
}
