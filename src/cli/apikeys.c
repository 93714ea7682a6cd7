/* hilo apikey add|remove|list: blocking hiredis, never on the event loop. */
#include <hiredis/hiredis.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/agents.h"
#include "hilo/cli.h"
#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/redis.h"
#include "internal.h"

int hilo_cli_apikey(int argc, char **argv, const char *redis_url, const char *prefix)
{
    const char *verb = argc > 0 ? argv[0] : "";
    const char *name = argc > 1 ? argv[1] : NULL;
    char set[160], key[300], hex[65];
    redisContext *rc;
    redisReply *r = NULL;
    int code = 1;

    if (strcmp(verb, "list") != 0 && (!name || !hilo_agents_name_ok(name) || argc > 2)) {
        fprintf(stderr, "usage: hilo apikey add|remove NAME | hilo apikey list\n"
                        "NAME: 1-64 characters of a-z 0-9 . _ -\n");
        return 2;
    }
    hilo_keys_init(prefix);
    rc = hilo_cli_connect(redis_url);
    if (!rc)
        return 1;
    hilo_key(set, sizeof set, HILO_K_APIKEYS, NULL);
    if (strcmp(verb, "add") == 0) {
        unsigned char rnd[32];
        char b64[64], tok[80];
        r = redisCommand(rc, "HEXISTS %s %s", set, name);
        if (!r || r->type != REDIS_REPLY_INTEGER) {
            fprintf(stderr, "hilo: Redis error\n");
            goto out;
        }
        if (r->integer) {
            fprintf(stderr, "hilo: API key %s exists (remove it first)\n", name);
            goto out;
        }
        freeReplyObject(r);
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2base64(b64, sizeof b64, rnd, sizeof rnd, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        snprintf(tok, sizeof tok, "hk_%s", b64);
        hilo_token_hash(tok, hex);
        hilo_key(key, sizeof key, HILO_K_APIKEY, hex);
        freeReplyObject(redisCommand(rc, "MULTI"));
        freeReplyObject(redisCommand(rc, "SET %s %s", key, name));
        freeReplyObject(redisCommand(rc, "HSET %s %s %s", set, name, hex));
        r = redisCommand(rc, "EXEC");
        if (!r || r->type != REDIS_REPLY_ARRAY) {
            fprintf(stderr, "hilo: Redis error\n");
            goto out;
        }
        printf("%s\n", tok);
        fprintf(stderr, "API key %s created; the key above is shown only once\n", name);
        code = 0;
    } else if (strcmp(verb, "remove") == 0) {
        r = redisCommand(rc, "HGET %s %s", set, name);
        if (!r || r->type != REDIS_REPLY_STRING) {
            fprintf(stderr, "hilo: no API key %s\n", name);
            goto out;
        }
        hilo_key(key, sizeof key, HILO_K_APIKEY, r->str);
        freeReplyObject(r);
        freeReplyObject(redisCommand(rc, "DEL %s", key));
        r = redisCommand(rc, "HDEL %s %s", set, name);
        code = 0;
    } else if (strcmp(verb, "list") == 0) {
        r = redisCommand(rc, "HKEYS %s", set);
        if (r && r->type == REDIS_REPLY_ARRAY) {
            for (size_t i = 0; i < r->elements; i++)
                printf("%s\n", r->element[i]->str);
            code = 0;
        }
    } else {
        fprintf(stderr, "hilo apikey: unknown command '%s' (add, remove, list)\n", verb);
        code = 2;
    }
out:
    freeReplyObject(r);
    redisFree(rc);
    hilo_keys_deinit();
    return code;
}
