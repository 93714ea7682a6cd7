/* Who is asking: origins (the allowed-origin lists of both WebSocket roles
 * and of cookie-authenticated REST), client addresses behind trusted
 * proxies (X-Forwarded-For), and the per-IP count of open WebSockets.
 * Everything but the count table is pure and unit-tested
 * (tests/unit/test_net_addr.c). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- origins ---- */

int hilo_net_origin_norm(const char *in, size_t len, char *out, size_t n)
{
    const char *sep = NULL, *auth, *end = in + len;
    size_t slen, alen;

    for (const char *p = in; p + 3 <= end; p++)
        if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
            sep = p;
            break;
        }
    if (!sep || sep == in)
        return -1;
    slen = (size_t)(sep - in);
    auth = sep + 3;
    alen = 0;
    while (auth + alen < end && !strchr("/?#", auth[alen]))
        alen++;
    if (!alen || memchr(auth, '@', alen) || slen + 3 + alen >= n)
        return -1;
    for (size_t i = 0; i < slen; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    memcpy(out + slen, "://", 3);
    for (size_t i = 0; i < alen; i++) {
        unsigned char c = (unsigned char)auth[i];
        if (c <= ' ' || c >= 0x7f)
            return -1;
        out[slen + 3 + i] = (char)tolower(c);
    }
    out[slen + 3 + alen] = '\0';
    /* an explicit default port names the same origin */
    if (strncmp(out, "http://", 7) == 0 && alen > 3 && strcmp(out + slen + 3 + alen - 3, ":80") == 0)
        out[slen + 3 + alen - 3] = '\0';
    else if (strncmp(out, "https://", 8) == 0 && alen > 4 &&
             strcmp(out + slen + 3 + alen - 4, ":443") == 0)
        out[slen + 3 + alen - 4] = '\0';
    return 0;
}

int hilo_net_origin_listed(const char *list, const char *origin, int any_ok)
{
    char want[256], have[256];

    if (!origin || hilo_net_origin_norm(origin, strlen(origin), have, sizeof have) < 0)
        return 0;
    while (list && *list) {
        const char *comma = strchr(list, ',');
        size_t n = comma ? (size_t)(comma - list) : strlen(list);
        while (n && *list == ' ') {
            list++;
            n--;
        }
        while (n && list[n - 1] == ' ')
            n--;
        if (n == 1 && *list == '*') {
            if (any_ok)
                return 1;
        } else if (hilo_net_origin_norm(list, n, want, sizeof want) == 0 && strcmp(want, have) == 0) {
            return 1;
        }
        list = comma ? comma + 1 : NULL;
    }
    return 0;
}

int hilo_net_origin_same_host(const char *origin, const char *host)
{
    char o[256], h[256], hn[256];
    const char *auth;

    if (!origin || !host || !*host)
        return 0;
    /* Host has no scheme: give it the origin's, so default ports compare */
    if (hilo_net_origin_norm(origin, strlen(origin), o, sizeof o) < 0 || !(auth = strstr(o, "://")))
        return 0;
    if (snprintf(h, sizeof h, "%.*s%s", (int)(auth + 3 - o), o, host) >= (int)sizeof h ||
        hilo_net_origin_norm(h, strlen(h), hn, sizeof hn) < 0)
        return 0;
    return strcmp(o, hn) == 0;
}

int hilo_net_console_origin_ok(const char *console_origins, const char *public_url,
                               const char *origin, const char *host)
{
    char pub[256], have[256];

    if (console_origins && *console_origins)
        return hilo_net_origin_listed(console_origins, origin, 0);
    if (!origin || hilo_net_origin_norm(origin, strlen(origin), have, sizeof have) < 0)
        return 0;
    if (public_url && *public_url) {
        if (hilo_net_origin_norm(public_url, strlen(public_url), pub, sizeof pub) < 0)
            return 0;
        if (strcmp(pub, have) == 0)
            return 1;
        /* A page on the host the request went to is a page Hilo served
         * (another app's cookie-less host cannot carry the agent's cookie),
         * reached another way than public_url (a local address). The
         * scheme must be public_url's: a Host without a port cannot tell
         * http://h from https://h. */
        if (strncmp(pub, have, (size_t)(strstr(pub, "://") - pub) + 3) != 0)
            return 0;
    }
    return hilo_net_origin_same_host(origin, host);
}

/* ---- addresses ---- */

/* An IPv4 address, IPv4-mapped IPv6 included, as af 4 in a[0..3]. */
static int ip_parse(const char *s, size_t len, struct hilo_cidr *c)
{
    char buf[64];
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(c, 0, sizeof *c);
    if (inet_pton(AF_INET, buf, c->a) == 1) {
        c->af = 4;
        c->bits = 32;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, c->a) == 1) {
        c->af = 6;
        c->bits = 128;
        if (memcmp(c->a, mapped, 12) == 0) {
            memmove(c->a, c->a + 12, 4);
            memset(c->a + 4, 0, 12);
            c->af = 4;
            c->bits = 32;
        }
        return 0;
    }
    return -1;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

int hilo_net_cidrs_parse(const char *list, struct hilo_cidr **out, size_t *count)
{
    struct hilo_cidr *v = NULL;
    size_t n = 0;

    *out = NULL;
    *count = 0;
    while (list && *list) {
        const char *comma = strchr(list, ','), *s = list, *slash;
        size_t len = comma ? (size_t)(comma - list) : strlen(list);
        struct hilo_cidr c, *nv;
        int bits = -1;

        list = comma ? comma + 1 : NULL;
        trim(&s, &len);
        if (!len)
            continue;
        slash = memchr(s, '/', len);
        if (slash) {
            char *end;
            const char *b = slash + 1;
            long l;
            if (b == s + len || !isdigit((unsigned char)*b))
                goto bad;
            l = strtol(b, &end, 10);
            if (end != s + len || l < 0 || l > 128)
                goto bad;
            bits = (int)l;
            len = (size_t)(slash - s);
        }
        if (ip_parse(s, len, &c) < 0)
            goto bad;
        if (bits >= 0) {
            /* a mapped v4 CIDR counts its bits after the 96 of the prefix */
            if (c.af == 4 && memchr(s, ':', len))
                bits -= 96;
            if (bits < 0 || bits > c.bits)
                goto bad;
            c.bits = bits;
        }
        nv = realloc(v, (n + 1) * sizeof *v);
        if (!nv) {
            free(v);
            return -ENOMEM;
        }
        v = nv;
        v[n++] = c;
    }
    *out = v;
    *count = n;
    return 0;
bad:
    free(v);
    return -EINVAL;
}

static int cidr_has(const struct hilo_cidr *c, const struct hilo_cidr *ip)
{
    int full = c->bits / 8, rest = c->bits % 8;
    if (c->af != ip->af || memcmp(c->a, ip->a, (size_t)full) != 0)
        return 0;
    return !rest || ((c->a[full] ^ ip->a[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int hilo_net_cidrs_match(const struct hilo_cidr *v, size_t n, const char *ip)
{
    struct hilo_cidr a;
    if (!ip || ip_parse(ip, strlen(ip), &a) < 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (cidr_has(&v[i], &a))
            return 1;
    return 0;
}

static int ip_format(const struct hilo_cidr *a, char *out, size_t n)
{
    return inet_ntop(a->af == 4 ? AF_INET : AF_INET6, a->a, out, (socklen_t)n) ? 0 : -1;
}

void hilo_net_client_ip(const char *peer, const char *xff, const struct hilo_cidr *trusted,
                        size_t ntrusted, char *out, size_t n)
{
    struct hilo_cidr cur, hop;
    const char *end;

    if (!peer || ip_parse(peer, strlen(peer), &cur) < 0) {
        snprintf(out, n, "%s", peer ? peer : "");
        return;
    }
    /* From the right: each hop a trusted proxy vouches for, up to the first
     * address that is not a trusted proxy (a client can write anything to
     * the left of it, so nothing further left is believed). */
    end = xff ? xff + strlen(xff) : NULL;
    while (end && ntrusted) {
        int trusted_hop = 0;
        for (size_t i = 0; i < ntrusted && !trusted_hop; i++)
            trusted_hop = cidr_has(&trusted[i], &cur);
        if (!trusted_hop)
            break;
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        size_t len = (size_t)(end - start);
        const char *s = start;
        trim(&s, &len);
        if (ip_parse(s, len, &hop) < 0)
            break;
        cur = hop;
        end = start > xff ? start - 1 : NULL;
    }
    if (ip_format(&cur, out, n) < 0)
        snprintf(out, n, "%s", peer);
}

/* ---- open WebSockets per client address ---- */

struct hilo_ipcount {
    struct hilo_ipcount *next;
    unsigned count;
    char ip[];
};

static size_t ip_hash(const char *ip)
{
    size_t h = 5381;
    for (; *ip; ip++)
        h = h * 33 ^ (unsigned char)*ip;
    return h % HILO_IPCOUNT_BUCKETS;
}

unsigned hilo_net_ipcount_get(const struct hilo_ipcounts *t, const char *ip)
{
    for (const struct hilo_ipcount *e = t->b[ip_hash(ip)]; e; e = e->next)
        if (strcmp(e->ip, ip) == 0)
            return e->count;
    return 0;
}

int hilo_net_ipcount_add(struct hilo_ipcounts *t, const char *ip, int delta)
{
    struct hilo_ipcount **pp = &t->b[ip_hash(ip)], *e;

    for (; (e = *pp); pp = &e->next)
        if (strcmp(e->ip, ip) == 0)
            break;
    if (!e) {
        if (delta <= 0)
            return 0;
        e = calloc(1, sizeof *e + strlen(ip) + 1);
        if (!e)
            return -ENOMEM;
        strcpy(e->ip, ip);
        *pp = e;
    }
    if (delta < 0 && e->count <= (unsigned)-delta) {
        /* the last socket of this address: forget it */
        *pp = e->next;
        free(e);
        return 0;
    }
    e->count = (unsigned)((int)e->count + delta);
    return (int)e->count;
}

void hilo_net_ipcount_clear(struct hilo_ipcounts *t)
{
    for (size_t i = 0; i < HILO_IPCOUNT_BUCKETS; i++)
        while (t->b[i]) {
            struct hilo_ipcount *e = t->b[i];
            t->b[i] = e->next;
            free(e);
        }
}
