/* Single-use tokens of signed webhooks (hilo_store_replay_claim in store.h). */
#include <stdio.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/redis.h"
#include "hilo/store.h"

int hilo_store_replay_claim(struct hilo_redis *r, const char *provider, const char *token,
                            const char *digest, int ttl_s, hilo_redis_cb cb, void *data)
{
    char arg[300], key[400], ttl[16];
    if (snprintf(arg, sizeof arg, "%s:%s", provider, token) >= (int)sizeof arg ||
        hilo_key(key, sizeof key, HILO_K_REPLAY, arg) < 0)
        return -HILO_EBADFRAME;
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    /* NX + GET (Redis 7): sets only when new, answers the old value */
    const char *argv[] = {"SET", key, digest, "NX", "GET", "EX", ttl};
    return hilo_redis_cmdargv(r, cb, data, 7, argv, NULL);
}

int hilo_store_replay_result(const redisReply *reply, const char *digest)
{
    int err = hilo_store_err(reply);
    if (err)
        return err;
    if (reply->type == REDIS_REPLY_NIL)
        return 0; /* first use */
    if (reply->type == REDIS_REPLY_STRING)
        return strcmp(reply->str, digest) == 0 ? 0 : -HILO_EFORBIDDEN;
    return -HILO_EINTERNAL;
}
