/* The pure decisions of the inbound pipeline (include/hilo/inbound.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hilo/common.h"
#include "hilo/inbound.h"

int hilo_inbound_find_ref(const char *text, char out[HILO_REF_MAX])
{
    for (const char *p = text; p && *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > text && isdigit((unsigned char)p[-1])))
            continue;
        char run[32];
        size_t n = 0;
        const char *q = p;
        /* digits, with single spaces or dashes between them */
        while (*q && n < sizeof run - 1 &&
               (isdigit((unsigned char)*q) ||
                ((*q == ' ' || *q == '-') && isdigit((unsigned char)q[1])))) {
            if (isdigit((unsigned char)*q))
                run[n++] = *q;
            q++;
        }
        run[n] = '\0';
        if ((n == 8 || n == 9) && hilo_ref_normalize(run, out) == 0)
            return 0;
    }
    return -1;
}

int hilo_inbound_quoted_ref(const struct hilo_inbound *m, const char *msgid_ref,
                            char out[HILO_REF_MAX])
{
    out[0] = '\0';
    if (msgid_ref && *msgid_ref && hilo_ref_normalize(msgid_ref, out) == 0)
        return 0;
    if (m->ref_hint && *m->ref_hint && hilo_ref_normalize(m->ref_hint, out) == 0)
        return 0;
    if (hilo_inbound_find_ref(m->text, out) == 0)
        return 0;
    /* only email has a subject; "" elsewhere */
    if (m->subject && hilo_inbound_find_ref(m->subject, out) == 0)
        return 0;
    out[0] = '\0';
    return -1;
}

int hilo_inbound_ticket_takes(const char *status, const char *customer)
{
    return status && *status && strcmp(status, "closed") != 0 && customer;
}

int hilo_inbound_withheld(const char *from)
{
    /* Twilio's stand-ins for a hidden number (Anonymous, Unknown,
     * Restricted, Blocked) and the words carriers send instead */
    static const char *const placeholders[] = {"+266696687", "+86282452253", "+7378742833",
                                               "+2562533"};
    static const char *const words[] = {"anonymous", "restricted", "unknown", "unavailable",
                                        "private", "blocked", "withheld"};
    if (!from || !*from)
        return 1;
    for (size_t i = 0; i < sizeof placeholders / sizeof placeholders[0]; i++)
        if (strcmp(from, placeholders[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(from, words[i]) == 0)
            return 1;
    /* a phone identity needs digits: "+" alone or letters is no number */
    return strspn(from, "+0123456789") != strlen(from) || strlen(from) < 4;
}

int hilo_inbound_identity(const struct hilo_inbound *m, char *out, size_t n)
{
    const struct hilo_channel_ops *o = hilo_channel_of(m->channel, m->provider);
    const char *kind = o && o->identity ? o->identity : "phone";
    int k;
    if (m->user_id && *m->user_id && strcmp(m->from, m->user_id) == 0) {
        /* a WhatsApp sender without a phone number: its BSUID */
        k = snprintf(out, n, "bsuid:%s", m->user_id);
    } else if (strcmp(kind, "phone") == 0 && hilo_inbound_withheld(m->from)) {
        /* one conversation per message, or per call: a call's items are
         * "<CallSid>:<step>", and the call is the conversation (its held
         * join takes a code keyed in later in the same call) */
        const char *pid = m->provider_id ? m->provider_id : "";
        k = snprintf(out, n, "withheld:%.*s", (int)strcspn(pid, ":"), pid);
    } else {
        k = snprintf(out, n, "%s:%s", kind, m->from);
    }
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

int hilo_inbound_identity2(const struct hilo_inbound *m, char *out, size_t n)
{
    int k = 0;
    out[0] = '\0';
    if (m->user_id && *m->user_id && strcmp(m->from, m->user_id) != 0)
        k = snprintf(out, n, "bsuid:%s", m->user_id);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

void hilo_inbound_reply_id(const struct hilo_inbound *m, char *out, size_t n)
{
    const char *irt = m->in_reply_to && *m->in_reply_to ? m->in_reply_to : "";
    size_t len;
    if (!*irt && m->references && *m->references) {
        const char *sp = strrchr(m->references, ' ');
        irt = sp ? sp + 1 : m->references;
    }
    len = strlen(irt);
    if (len > 1 && irt[0] == '<' && irt[len - 1] == '>')
        snprintf(out, n, "%.*s", (int)(len - 2), irt + 1);
    else
        snprintf(out, n, "%s", irt);
}

int hilo_inbound_fill_text(struct hilo_inbound *m)
{
    char label[80], *t;
    if (m->text && *m->text)
        return 0;
    snprintf(label, sizeof label, "[%s]", m->type && *m->type ? m->type : "message");
    if (!(t = strdup(label)))
        return -1;
    free(m->text);
    m->text = t;
    return 0;
}

int hilo_inbound_ticket_fields(const struct hilo_inbound *m, const char **out, char *addrkey,
                               size_t n)
{
    const struct hilo_channel_ops *o = hilo_channel_of(m->channel, m->provider);
    int k = 0;
    snprintf(addrkey, n, "addr:%s", m->channel);
    out[k++] = addrkey;
    out[k++] = m->from;
    /* a channel carried by several providers answers on the one that wrote */
    if (o && o->via && *o->via) {
        out[k++] = "wa_via";
        out[k++] = o->via;
    }
    if (o && (o->flags & HILO_CHANNEL_THREADS)) {
        out[k++] = "email_subject";
        out[k++] = m->subject;
        out[k++] = "email_last_msgid";
        out[k++] = m->message_id;
        out[k++] = "email_refs";
        out[k++] = m->references;
    }
    return k;
}

void hilo_inbound_route_fields(const struct hilo_inbound *m, const char *const *pairs, int npairs,
                               const char *locale, const char *f[HILO_OUTBOX_NFIELDS])
{
    for (int i = 0; i < HILO_OUTBOX_NFIELDS; i++) {
        const char *name = hilo_outbox_ticket_fields[i];
        f[i] = "";
        if (strcmp(name, "last_channel") == 0)
            f[i] = m->channel;
        else if (strcmp(name, "locale") == 0)
            f[i] = locale;
        for (int j = 0; j + 1 < npairs; j += 2)
            if (strcmp(pairs[j], name) == 0)
                f[i] = pairs[j + 1];
    }
}

enum hilo_inbound_next hilo_inbound_after_append(int err)
{
    if (err == 0)
        return HILO_INBOUND_STORED;
    if (err == -HILO_EBADSTATE)
        return HILO_INBOUND_NEW_TICKET;
    return err == -HILO_EUNAVAIL ? HILO_INBOUND_RETRY : HILO_INBOUND_FAIL;
}

int hilo_voice_kind_of(const char *path)
{
    static const struct {
        const char *path;
        enum hilo_voice_kind kind;
    } kinds[] = {
        {"/webhooks/twilio/voice", HILO_VOICE_INCOMING},
        {"/webhooks/twilio/voice/gather", HILO_VOICE_GATHER},
        {"/webhooks/twilio/voice/recording", HILO_VOICE_RECORDING},
        {"/webhooks/twilio/voice/transcription", HILO_VOICE_TRANSCRIPTION},
        {"/webhooks/twilio/voice/status", HILO_VOICE_STATUS},
        {"/webhooks/twilio/voice/csat", HILO_VOICE_CSAT},
    };
    for (size_t i = 0; path && i < HILO_ARRAY_LEN(kinds); i++)
        if (strcmp(path, kinds[i].path) == 0)
            return (int)kinds[i].kind;
    return -1;
}
