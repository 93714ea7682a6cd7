/* The channel a reply goes out on; see include/hilo/outbound_route.h. */
#include "hilo/outbound_route.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

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
    if (strcmp(ch, "whatsapp") == 0)
        return (c->whatsapp_token[0] && c->whatsapp_phone_number_id[0]) ||
               (c->twilio_account_sid[0] && c->twilio_auth_token[0] && c->twilio_whatsapp_from[0]);
    if (strcmp(ch, "sms") == 0)
        return c->twilio_account_sid[0] && c->twilio_auth_token[0] && c->twilio_from[0];
    if (strcmp(ch, "email") == 0)
        return c->smtp_url[0] && c->support_email[0];
    return 0;
}

int hilo_route_decide(const struct hilo_config *c, const char *want,
                      const char *const fields[HILO_OUTBOX_NFIELDS], struct hilo_route_choice *r)
{
    int asked = want && *want;
    const char *ch = asked ? want : field_at(fields, F_LAST);
    const char *to = "";

    r->channel = NULL;
    r->to = "";
    r->via = "";
    if (strcmp(ch, "voice") == 0)
        ch = "sms"; /* nobody is on the line: the phone gets a text */
    if (!*ch || strcmp(ch, "web") == 0)
        return 0;
    if (strcmp(ch, "whatsapp") == 0) {
        ch = "whatsapp";
        to = field_at(fields, F_WA);
    } else if (strcmp(ch, "sms") == 0) {
        ch = "sms";
        to = field_at(fields, F_SMS);
        if (!*to)
            to = field_at(fields, F_VOICE);
        if (!*to)
            to = field_at(fields, F_WA);
    } else if (strcmp(ch, "email") == 0) {
        ch = "email";
        to = field_at(fields, F_EMAIL);
    } else {
        return asked ? -HILO_EBADFRAME : 0;
    }
    if (!*to || !hilo_route_channel_ok(c, ch))
        return asked ? -HILO_EBADSTATE : 0;
    if (strcmp(ch, "whatsapp") == 0) {
        const char *via = field_at(fields, F_VIA);
        if (!*via)
            via = c->whatsapp_token[0] ? "cloud" : "twilio";
        if (strcmp(via, "cloud") == 0 && !c->whatsapp_token[0])
            via = "twilio";
        r->via = via;
    }
    r->channel = ch;
    r->to = to;
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
    *entry = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ref", ref, "key", key, "ch",
                       r.channel, "to", r.to, "via", r.via, "text", text, "attempt", "0");
    if (strcmp(r.channel, "email") == 0) {
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
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "channel", r.channel, "status", "queued",
                          "to", r.to, "provider_id", "", "attempts", 0, "error", "");
    *delivery = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return 0;
}
