/* The HTTP route table: {method, prefix, flags, handler, ctx} rows added at
 * start-up. Few rows (a dozen), so a linear scan per request is enough. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void hilo_router_init(struct hilo_router *rt) { memset(rt, 0, sizeof *rt); }

void hilo_router_deinit(struct hilo_router *rt)
{
    for (size_t i = 0; i < rt->n; i++)
        free(rt->v[i].prefix);
    free(rt->v);
    memset(rt, 0, sizeof *rt);
}

int hilo_router_add(struct hilo_router *rt, const char *method, const char *prefix,
                    unsigned flags, hilo_http_handler h, void *ctx)
{
    struct hilo_http_route *e;

    if (!prefix || prefix[0] != '/' || !h || (method && strlen(method) >= sizeof e->method))
        return -EINVAL;
    if (rt->n == rt->cap) {
        size_t cap = rt->cap ? rt->cap * 2 : 16;
        struct hilo_http_route *v = realloc(rt->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        rt->v = v;
        rt->cap = cap;
    }
    e = &rt->v[rt->n];
    memset(e, 0, sizeof *e);
    e->prefix = strdup(prefix);
    if (!e->prefix)
        return -ENOMEM;
    e->plen = strlen(prefix);
    snprintf(e->method, sizeof e->method, "%s", method ? method : "");
    e->flags = flags;
    e->h = h;
    e->ctx = ctx;
    rt->n++;
    return 0;
}

int hilo_router_set_flags(struct hilo_router *rt, const char *prefix, unsigned flags)
{
    size_t plen = strlen(prefix);
    int n = 0;
    for (size_t i = 0; i < rt->n; i++)
        if (strncmp(rt->v[i].prefix, prefix, plen) == 0) {
            rt->v[i].flags |= flags;
            n++;
        }
    return n ? n : -ENOENT;
}

static int path_matches(const struct hilo_http_route *e, const char *path)
{
    if (e->flags & HILO_ROUTE_EXACT)
        return strcmp(path, e->prefix) == 0;
    return strncmp(path, e->prefix, e->plen) == 0;
}

static int method_matches(const struct hilo_http_route *e, const char *method)
{
    return !e->method[0] || strcmp(e->method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(e->method, "GET") == 0);
}

static void allow_add(char *allow, size_t n, const char *m)
{
    size_t len = strlen(allow), ml = strlen(m);
    /* already listed? */
    for (const char *p = allow; (p = strstr(p, m)); p += ml)
        if ((p == allow || p[-1] == ' ') && (p[ml] == ',' || p[ml] == '\0'))
            return;
    snprintf(allow + len, n - len, "%s%s", len ? ", " : "", m);
}

const struct hilo_http_route *hilo_router_match(const struct hilo_router *rt, const char *method,
                                                const char *path, char *allow, size_t n,
                                                int *status)
{
    const struct hilo_http_route *best = NULL;
    size_t best_len = 0;
    int found = 0;

    if (n)
        allow[0] = '\0';
    /* the longest matching prefix decides; among its rows, the method */
    for (size_t i = 0; i < rt->n; i++) {
        const struct hilo_http_route *e = &rt->v[i];
        if (!path_matches(e, path) || (found && e->plen < best_len))
            continue;
        if (!found || e->plen > best_len) {
            found = 1;
            best_len = e->plen;
            best = NULL;
        }
        if (!best && method_matches(e, method))
            best = e;
    }
    if (best)
        return best;
    *status = found ? 405 : 404;
    if (found && n)
        for (size_t i = 0; i < rt->n; i++) {
            const struct hilo_http_route *e = &rt->v[i];
            if (e->plen != best_len || !path_matches(e, path))
                continue;
            allow_add(allow, n, e->method);
            if (strcmp(e->method, "GET") == 0)
                allow_add(allow, n, "HEAD");
        }
    return NULL;
}
