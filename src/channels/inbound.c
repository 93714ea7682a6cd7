/* Free functions for the normalized message lists and helpers shared by the
 * provider parsers. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

void hilo_inbound_free(struct hilo_inbound *list)
{
    while (list) {
        struct hilo_inbound *next = list->next;
        free(list->channel);
        free(list->provider);
        free(list->provider_id);
        free(list->from);
        free(list->from_name);
        free(list->to);
        free(list->type);
        free(list->text);
        free(list->extra_json);
        free(list->ref_hint);
        free(list->subject);
        free(list->message_id);
        free(list->in_reply_to);
        free(list->references);
        free(list->user_id);
        free(list);
        list = next;
    }
}

void hilo_delivery_free(struct hilo_delivery *list)
{
    while (list) {
        struct hilo_delivery *next = list->next;
        free(list->provider_id);
        free(list->status);
        free(list->error);
        free(list->marker);
        free(list->provider);
        free(list);
        list = next;
    }
}

int hilo_delivery_rank(const char *status)
{
    static const struct {
        const char *name;
        int rank;
    } ranks[] = {{"queued", 1}, {"sent", 2}, {"delivered", 3}, {"read", 4}, {"failed", 5}};
    if (!status)
        return 0;
    for (size_t i = 0; i < sizeof(ranks) / sizeof(ranks[0]); i++)
        if (strcmp(status, ranks[i].name) == 0)
            return ranks[i].rank;
    return 0;
}

char *hc_strdup(const char *s) { return strdup(s ? s : ""); }

char *hc_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

int hc_setn(char **field, const char *s, size_t n)
{
    char *p = hc_strndup(s, n);
    if (!p)
        return -1;
    free(*field);
    *field = p;
    return 0;
}

int hc_set(char **field, const char *s)
{
    if (!s)
        s = "";
    return hc_setn(field, s, strlen(s));
}

struct hilo_inbound *hc_inbound_new(void)
{
    struct hilo_inbound *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    char **fields[] = {&m->channel, &m->provider, &m->provider_id, &m->from,
                       &m->from_name, &m->to, &m->type, &m->text,
                       &m->ref_hint, &m->subject, &m->message_id, &m->in_reply_to,
                       &m->references, &m->user_id};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (!(*fields[i] = strdup("")))
            goto fail;
    if (!(m->extra_json = strdup("{}")))
        goto fail;
    return m;
fail:
    hilo_inbound_free(m);
    return NULL;
}

struct hilo_delivery *hc_delivery_new(void)
{
    struct hilo_delivery *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->provider_id = strdup("");
    d->status = strdup("");
    d->error = strdup("");
    if (!d->provider_id || !d->status || !d->error) {
        hilo_delivery_free(d);
        return NULL;
    }
    return d;
}

void hc_inbound_append(struct hilo_inbound **list, struct hilo_inbound *m)
{
    while (*list)
        list = &(*list)->next;
    *list = m;
}

void hc_delivery_append(struct hilo_delivery **list, struct hilo_delivery *d)
{
    while (*list)
        list = &(*list)->next;
    *list = d;
}

char *hc_phone_e164(const char *s)
{
    const char *p = s ? s : "";
    const char *colon = strchr(p, ':');
    char out[40];
    size_t n = 0;

    /* Channel prefixes ("whatsapp:") are the caller's business; drop them. */
    if (colon)
        p = colon + 1;
    while (*p == ' ')
        p++;
    if (*p == '+')
        p++;
    for (; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (n >= 20)
                return hc_strdup(s);
            out[1 + n++] = *p;
        } else if (*p == ' ' || *p == '-' || *p == '(' || *p == ')' || *p == '.') {
            continue;
        } else {
            return hc_strdup(s); /* "client:alice", "anonymous", email... */
        }
    }
    if (n < 3)
        return hc_strdup(s);
    out[0] = '+';
    out[1 + n] = '\0';
    return strdup(out);
}

char *hc_json_dump(const json_t *obj)
{
    return json_dumps(obj, JSON_COMPACT);
}

const char *hc_json_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

void hc_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int64_t hc_parse_uint(const char *s)
{
    int64_t v = 0;
    int any = 0;
    if (!s)
        return -1;
    while (*s == ' ' || *s == '\t')
        s++;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*s - '0');
        any = 1;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    return any && !*s ? v : -1;
}

int hc_str_equal_ct(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return 0;
    return la == 0 || sodium_memcmp(a, b, la) == 0;
}

int hc_ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Length of the valid UTF-8 sequence at p (max n bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len;
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    /* Overlongs, surrogates and values past U+10FFFF. */
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] > 0x8F))
        return 0;
    return len;
}

char *hc_utf8_clean(const char *s, size_t n)
{
    struct hilo_buf b;
    const unsigned char *p = (const unsigned char *)s;
    hilo_buf_init(&b, HC_MAX_OUT);
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq(p + i, n - i);
        if (l == 0) {
            if (hilo_buf_adds(&b, "\xEF\xBF\xBD"))
                goto fail;
            i++;
            continue;
        }
        if (hilo_buf_add(&b, p + i, l))
            goto fail;
        i += l;
    }
    return hilo_buf_take(&b);
fail:
    hilo_buf_deinit(&b);
    return NULL;
}

int hc_utf8_fix(char **s)
{
    size_t n = strlen(*s);
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq((const unsigned char *)*s + i, n - i);
        if (l == 0) {
            char *c = hc_utf8_clean(*s, n);
            if (!c)
                return -1;
            free(*s);
            *s = c;
            return 0;
        }
        i += l;
    }
    return 0;
}

int hc_inbound_fix_utf8(struct hilo_inbound *m)
{
    char **fields[] = {&m->channel, &m->provider, &m->provider_id, &m->from,
                       &m->from_name, &m->to, &m->type, &m->text,
                       &m->ref_hint, &m->subject, &m->message_id, &m->in_reply_to,
                       &m->references};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (hc_utf8_fix(fields[i]) < 0)
            return -1;
    return 0;
}

json_t *hc_jstr(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (!j) {
        char *c = hc_utf8_clean(s, n);
        if (c)
            j = json_string(c);
        free(c);
    }
    return j;
}
