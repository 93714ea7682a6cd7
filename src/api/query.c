/* Query and body checks of the REST API: pure (no Redis, no request), so
 * their rules are unit-tested (tests/unit/test_api_query.c). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "hilo/ref.h"

#include "internal.h"

int api_parse_ms(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s || strlen(s) > 19) /* 19 digits always fit in 64 bits */
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

int api_report_range(const char *from, const char *to, uint64_t now, uint64_t *f, uint64_t *t)
{
    uint64_t a = now > API_REPORT_DEFAULT_MS ? now - API_REPORT_DEFAULT_MS : 0, b = now;
    if ((from && api_parse_ms(from, &a) < 0) || (to && api_parse_ms(to, &b) < 0) || a >= b)
        return -1;
    *f = a;
    *t = b;
    return 0;
}

int api_parse_limit(const char *s, size_t def, size_t max, size_t *out)
{
    size_t v = 0;
    if (!s) {
        *out = def;
        return 0;
    }
    if (!*s || strlen(s) > 6)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (size_t)(*s - '0');
    }
    if (v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

int api_status_ok(const char *s)
{
    static const char *const ok[] = {"open", "pending", "resolved", "closed"};
    for (size_t i = 0; s && i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(s, ok[i]) == 0)
            return 1;
    return 0;
}

int api_channel_name_ok(const char *c)
{
    size_t n = c ? strlen(c) : 0;
    if (n == 0 || n > 32)
        return 0;
    for (; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            return 0;
    return 1;
}

int api_ticket_query(const char *status, const char *channel, const char *limit,
                     struct api_ticket_query *q)
{
    if (api_parse_limit(limit, 50, 200, &q->limit) < 0 || (status && !api_status_ok(status)) ||
        (channel && !api_channel_name_ok(channel)))
        return -1;
    snprintf(q->status, sizeof q->status, "%s", status ? status : "");
    snprintf(q->channel, sizeof q->channel, "%s", channel ? channel : "");
    /* open and pending tickets are in the queue index; the rest only in all */
    q->active = status && (strcmp(status, "open") == 0 || strcmp(status, "pending") == 0);
    return 0;
}

int api_ident_email(const char *addr, char *out, size_t n)
{
    size_t k = (size_t)snprintf(out, n, "email:");
    if (k >= n)
        return -1;
    for (; *addr; addr++) {
        if (k + 1 >= n)
            return -1;
        out[k++] = (char)tolower((unsigned char)*addr);
    }
    out[k] = '\0';
    return 0;
}

int api_ident_phone(const char *phone, char *out, size_t n)
{
    size_t k = (size_t)snprintf(out, n, "phone:+");
    if (k >= n || phone[0] != '+')
        return -1;
    for (const char *c = phone + 1; *c; c++) {
        if (*c < '0' || *c > '9')
            continue;
        if (k + 1 >= n)
            return -1;
        out[k++] = *c;
    }
    out[k] = '\0';
    return 0;
}

int api_search_parse(const char *q, char *out, size_t n)
{
    size_t len = q ? strlen(q) : 0;
    char ref[HILO_REF_MAX];
    if (len < 2 || len > API_SEARCH_QMAX)
        return API_SEARCH_BAD;
    if (hilo_ref_normalize(q, ref) == 0)
        return snprintf(out, n, "%s", ref) < (int)n ? API_SEARCH_REF : API_SEARCH_BAD;
    if (strchr(q, '@'))
        return api_ident_email(q, out, n) == 0 ? API_SEARCH_EMAIL : API_SEARCH_BAD;
    if (q[0] == '+' && strspn(q + 1, "0123456789 -") == len - 1)
        return api_ident_phone(q, out, n) == 0 ? API_SEARCH_PHONE : API_SEARCH_BAD;
    if (len >= n)
        return API_SEARCH_BAD;
    for (size_t i = 0; i <= len; i++)
        out[i] = (char)tolower((unsigned char)q[i]);
    return API_SEARCH_TEXT;
}

int api_ticket_query_match(const struct api_ticket_query *q, const char *status,
                           const char *channel)
{
    return (!q->status[0] || (status && strcmp(status, q->status) == 0)) &&
           (!q->channel[0] || (channel && strcmp(channel, q->channel) == 0));
}
