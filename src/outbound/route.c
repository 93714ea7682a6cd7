/* The channel a reply goes out on; see include/hilo/outbound_route.h. */
#include "hilo/outbound_route.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "hilo/channels.h"
#include "hilo/common.h"
#include "hilo/config.h"

const char *const hilo_outbox_ticket_fields[] = {
    "last_channel", "addr:whatsapp", "addr:sms", "addr:voice", "addr:email",
    "wa_via", "email_subject", "email_last_msgid", "email_refs", "locale",
};

/* Indexes into hilo_outbox_ticket_fields. */
enum { F_LAST, F_WA, F_SMS, F_VOICE, F_EMAIL, F_VIA, F_SUBJ, F_MSGID, F_REFS };

static const char *field_at(const char *const fields[], int i) { return fields[i] ? fields[i] : ""; }

int hilo_route_channel_ok(const struct hilo_config *c, const char *ch)
{
    return hilo_channel_can_send(c, ch);
}

/* The ticket field holding the customer's address on a channel, or -1. */
static int addr_field(const char *ch)
{
    char name[40];
    snprintf(name, sizeof name, "addr:%s", ch);
    for (int i = 0; i < HILO_OUTBOX_NFIELDS; i++)
        if (strcmp(hilo_outbox_ticket_fields[i], name) == 0)
            return i;
    return -1;
}

/* Is ch a channel of calls (which cannot be answered later)? */
static int is_calls(const char *ch)
{
    for (size_t i = 0; i < hilo_channel_count(); i++) {
        const struct hilo_channel_ops *o = hilo_channel_at(i);
        if (strcmp(o->channel, ch) == 0 && (o->flags & HILO_CHANNEL_CALLS))
            return 1;
    }
    return 0;
}

int hilo_route_decide(const struct hilo_config *c, const char *want,
                      const char *const fields[HILO_OUTBOX_NFIELDS], struct hilo_route_choice *r)
{
    int asked = want && *want, f;
    const char *ch = asked ? want : field_at(fields, F_LAST);
    const struct hilo_channel_ops *ops;
    const char *to;

    r->channel = NULL;
    r->ops = NULL;
    r->to = "";
    r->via = "";
    /* a channel no row sends on: the web carries it, or (asked) it is unknown */
    ops = hilo_channel_find(ch, NULL);
    if (!ops && is_calls(ch))
        ops = hilo_channel_find("sms", NULL); /* nobody is on the line: the phone gets a text */
    if (!ops)
        return asked && *ch && strcmp(ch, "web") != 0 ? -HILO_EBADFRAME : 0;
    ch = ops->channel;
    f = addr_field(ch);
    to = f < 0 ? "" : field_at(fields, f);
    /* a text reaches any phone number the customer wrote or called from */
    if (!*to && strcmp(ch, "sms") == 0)
        to = field_at(fields, F_VOICE);
    if (!*to && strcmp(ch, "sms") == 0 && !hilo_whatsapp_is_bsuid(field_at(fields, F_WA)))
        to = field_at(fields, F_WA); /* a number, never a WhatsApp user id */
    ops = hilo_channel_pick(c, ch, field_at(fields, F_VIA));
    if (!*to || !ops)
        return asked ? -HILO_EBADSTATE : 0;
    r->ops = ops;
    r->via = ops->via;
    r->channel = ops->channel;
    r->to = to;
    return 0;
}

int hilo_route_identity(const char *ch, const char *to, char *out, size_t n)
{
    const struct hilo_channel_ops *o = hilo_channel_find(ch, NULL);
    const char *kind = o && o->identity ? o->identity : "phone";
    if (ch && strcmp(ch, "whatsapp") == 0 && hilo_whatsapp_is_bsuid(to))
        kind = "bsuid"; /* a WhatsApp user known by its business-scoped id */
    int k = snprintf(out, n, "%s:%s", kind, to ? to : "");
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

int hilo_route_entry_for(const struct hilo_config *c, const struct hilo_channel_ops *ops,
                         const char *to, const char *const fields[HILO_OUTBOX_NFIELDS],
                         const char *ref, const char *key, const char *text, json_t **entry,
                         char **delivery)
{
    *entry = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ref", ref, "key", key, "ch",
                       ops->channel, "to", to, "via", ops->via, "text", text, "attempt", "0");
    if (!*entry)
        return -HILO_EINTERNAL;
    if (ops->transport == HILO_CHANNEL_SMTP) {
        /* the same Message-ID on every attempt: mail clients show one message */
        unsigned char rnd[8];
        char hex[17], msgid[256];
        const char *at = strchr(c->support_email, '@');
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        snprintf(msgid, sizeof msgid, "hilo.%s.%s@%s", ref, hex, at ? at + 1 : "hilo.invalid");
        json_object_set_new(*entry, "msgid", json_string(msgid));
        json_object_set_new(*entry, "subj", json_string(field_at(fields, F_SUBJ)));
        json_object_set_new(*entry, "irt", json_string(field_at(fields, F_MSGID)));
        json_object_set_new(*entry, "refs", json_string(field_at(fields, F_REFS)));
    }
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "channel", ops->channel, "status",
                          "queued", "to", to, "provider_id", "", "attempts", 0, "error", "");
    *delivery = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (!*delivery) {
        json_decref(*entry);
        *entry = NULL;
        return -HILO_EINTERNAL;
    }
    return 0;
}

int hilo_route_entry(const struct hilo_config *c, const char *want,
                     const char *const fields[HILO_OUTBOX_NFIELDS], const char *ref,
                     const char *key, const char *text, json_t **entry, char **delivery)
{
    struct hilo_route_choice r;
    int rc;

    *entry = NULL;
    *delivery = NULL;
    rc = hilo_route_decide(c, want, fields, &r);
    if (rc < 0 || !r.channel)
        return rc;
    return hilo_route_entry_for(c, r.ops, r.to, fields, ref, key, text, entry, delivery);
}
