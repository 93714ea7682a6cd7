/* Redis URLs: redis://[:password@]host[:port][/db] and unix:///path. */
#include <stdlib.h>
#include <string.h>

#include "hilo/redis.h"

void hilo_redis_url_free(struct hilo_redis_url *u)
{
    free(u->host);
    free(u->path);
    free(u->password);
    memset(u, 0, sizeof *u);
}

int hilo_redis_url_parse(const char *url, struct hilo_redis_url *out)
{
    const char *p;
    memset(out, 0, sizeof *out);
    if (strncmp(url, "unix://", 7) == 0) {
        if (url[7] != '/')
            return -1;
        out->path = strdup(url + 7);
        return out->path ? 0 : -1;
    }
    if (strncmp(url, "redis://", 8) != 0)
        return -1;
    p = url + 8;
    const char *at = strchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *pw = colon ? colon + 1 : p;
        if (at > pw)
            out->password = strndup(pw, (size_t)(at - pw));
        p = at + 1;
    }
    const char *slash = strchr(p, '/');
    const char *hostend = slash ? slash : p + strlen(p);
    const char *colon = memchr(p, ':', (size_t)(hostend - p));
    out->port = 6379;
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end != hostend || port <= 0 || port > 65535)
            goto fail;
        out->port = (int)port;
    } else {
        colon = hostend;
    }
    if (colon == p)
        goto fail;
    out->host = strndup(p, (size_t)(colon - p));
    if (slash && slash[1]) {
        char *end;
        long db = strtol(slash + 1, &end, 10);
        if (*end || db < 0 || db > 1000)
            goto fail;
        out->db = (int)db;
    }
    return out->host ? 0 : -1;
fail:
    hilo_redis_url_free(out);
    return -1;
}
