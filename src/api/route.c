/* The route table's matcher: pure (no Redis, no request), so its rules are
 * unit-tested on their own (tests/unit/test_api_route.c). */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Matches one pattern against a path; fills p on success. 1 = match. */
static int match_one(const char *pattern, const char *path, struct api_params *p)
{
    const char *pt = pattern, *pa = path;
    p->n = 0;
    for (;;) {
        const char *pe = strchr(pt, '/'), *ae = strchr(pa, '/');
        size_t pn = pe ? (size_t)(pe - pt) : strlen(pt);
        size_t an = ae ? (size_t)(ae - pa) : strlen(pa);
        if (an == 0)
            return 0; /* empty segment: "a//b", or a path shorter than the pattern */
        if (pt[0] == ':') {
            if (an > API_PARAM_MAX || p->n >= API_PARAMS)
                return 0;
            p->name[p->n] = pt + 1;
            p->name_len[p->n] = pn - 1;
            memcpy(p->v[p->n], pa, an);
            p->v[p->n][an] = '\0';
            p->n++;
        } else if (pn != an || memcmp(pt, pa, an) != 0) {
            return 0;
        }
        if (!pe || !ae)
            return !pe && !ae;
        pt = pe + 1;
        pa = ae + 1;
    }
}

int api_route_find(const struct api_route *t, size_t n, const char *method, const char *path,
                   const struct api_route **row, struct api_params *p, char *allow,
                   size_t allow_n)
{
    char clean[API_PATH_MAX + 1];
    size_t len = strlen(path), used = 0;
    int found = 0;

    /* one trailing slash is the same resource: "agents/" is "agents" */
    if (len && path[len - 1] == '/')
        len--;
    if (len > API_PATH_MAX)
        return API_ROUTE_NOT_FOUND;
    memcpy(clean, path, len);
    clean[len] = '\0';
    if (allow_n)
        allow[0] = '\0';
    *row = NULL;
    for (size_t i = 0; i < n; i++) {
        struct api_params tmp;
        if (!match_one(t[i].pattern, clean, &tmp))
            continue;
        found = 1;
        if (strcmp(t[i].method, method) == 0) {
            *p = tmp;
            *row = &t[i];
            return API_ROUTE_OK;
        }
        /* the methods this path has, for the 405 answer */
        if (used < allow_n) {
            int k = snprintf(allow + used, allow_n - used, "%s%s", used ? ", " : "", t[i].method);
            if (k > 0)
                used += (size_t)k;
        }
    }
    return found ? API_ROUTE_BAD_METHOD : API_ROUTE_NOT_FOUND;
}

int api_route_allows(unsigned flags, int integration, const char *role, const char *name,
                     const struct api_params *p)
{
    const char *target;
    if (integration)
        return (flags & R_APIKEY) != 0;
    if (flags & R_AGENT)
        return 1;
    if ((flags & R_ADMIN) && strcmp(role, "admin") == 0)
        return 1;
    target = api_param(p, "name");
    return (flags & R_SELF) && target && strcmp(target, name) == 0;
}

const char *api_param(const struct api_params *p, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < p->n; i++)
        if (p->name_len[i] == n && memcmp(p->name[i], name, n) == 0)
            return p->v[i];
    return NULL;
}
