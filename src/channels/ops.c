/* The channel table: lookups over the provider rows (include/hilo/channels.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* Preference order: the first configured row of a channel carries it. */
static const struct hilo_channel_ops *const rows[] = {
    &hilo_channel_whatsapp_cloud, &hilo_channel_whatsapp_twilio, &hilo_channel_sms_twilio,
    &hilo_channel_voice_twilio,   &hilo_channel_email_smtp,      &hilo_channel_email_mailgun,
};

size_t hilo_channel_count(void) { return sizeof rows / sizeof rows[0]; }

const struct hilo_channel_ops *hilo_channel_at(size_t i)
{
    return i < hilo_channel_count() ? rows[i] : NULL;
}

static int is(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

const struct hilo_channel_ops *hilo_channel_find(const char *channel, const char *via)
{
    for (size_t i = 0; i < hilo_channel_count(); i++) {
        const struct hilo_channel_ops *o = rows[i];
        if (!is(o->channel, channel))
            continue;
        if (via && *via ? is(o->via, via) : o->configured != NULL)
            return o;
    }
    return NULL;
}

const struct hilo_channel_ops *hilo_channel_of(const char *channel, const char *provider)
{
    for (size_t i = 0; i < hilo_channel_count(); i++)
        if (is(rows[i]->channel, channel) && is(rows[i]->provider, provider))
            return rows[i];
    return NULL;
}

const struct hilo_channel_ops *hilo_channel_by_provider(const char *provider)
{
    for (size_t i = 0; i < hilo_channel_count(); i++)
        if (rows[i]->configured && is(rows[i]->provider, provider))
            return rows[i];
    return NULL;
}

const struct hilo_channel_ops *hilo_channel_by_hook(const char *path)
{
    for (size_t i = 0; i < hilo_channel_count(); i++)
        for (const char *const *h = rows[i]->hooks; h && *h; h++)
            if (is(*h, path))
                return rows[i];
    return NULL;
}

int hilo_channel_can_send(const struct hilo_config *c, const char *channel)
{
    return hilo_channel_pick(c, channel, NULL) != NULL;
}

const struct hilo_channel_ops *hilo_channel_pick(const struct hilo_config *c, const char *channel,
                                                 const char *via)
{
    const struct hilo_channel_ops *first = NULL;
    for (size_t i = 0; i < hilo_channel_count(); i++) {
        const struct hilo_channel_ops *o = rows[i];
        if (!is(o->channel, channel) || !o->configured || !o->configured(c))
            continue;
        if (via && *via && is(o->via, via))
            return o;
        if (!first)
            first = o;
    }
    return first;
}

const char *hilo_http_in_header(const struct hilo_http_in *in, const char *name)
{
    for (size_t i = 0; i < in->nheaders; i++)
        if (in->headers[i].name && strcasecmp(in->headers[i].name, name) == 0)
            return in->headers[i].value;
    return NULL;
}

void hilo_channel_req_deinit(struct hilo_channel_req *r)
{
    free(r->body);
    r->body = NULL;
}
