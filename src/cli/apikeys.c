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
#include "hilo/store_agents.h"
#include "internal.h"

int hilo_cli_apikey(int argc, char **argv, const char *redis_url, const char *prefix)
{
    const char *verb = argc > 0 ? argv[0] : "";
    const char *name = argc > 1 ? argv[1] : NULL;
    char hex[65];
    struct hilo_store_cmd c;
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
    if (strcmp(verb, "add") == 0) {
        unsigned char rnd[32];
        char b64[64], tok[80];
        r = hilo_cli_cmd(rc, hilo_store_apikey_exists_argv(&c, name), &c);
        if (!r || r->type != REDIS_REPLY_INTEGER) {
            fprintf(stderr, "hilo: Redis error\n");
            goto out;
        }
        if (r->integer) {
            fprintf(stderr, "hilo: API key %s exists (remove it first)\n", name);
            goto out;
        }
        freeReplyObject(r);
        r = NULL;
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2base64(b64, sizeof b64, rnd, sizeof rnd, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        snprintf(tok, sizeof tok, "hk_%s", b64);
        hilo_token_hash(tok, hex);
        struct hilo_store_apikey k = {.name = name, .sha256_hex = hex};
        freeReplyObject(hilo_cli_cmd(rc, hilo_store_multi_argv(&c), &c));
        freeReplyObject(hilo_cli_cmd(rc, hilo_store_apikey_set_argv(&c, &k), &c));
        freeReplyObject(hilo_cli_cmd(rc, hilo_store_apikey_index_argv(&c, &k), &c));
        r = hilo_cli_cmd(rc, hilo_store_exec_argv(&c), &c);
        if (!r || r->type != REDIS_REPLY_ARRAY) {
            fprintf(stderr, "hilo: Redis error\n");
            goto out;
        }
        printf("%s\n", tok);
        fprintf(stderr, "API key %s created; the key above is shown only once\n", name);
        code = 0;
    } else if (strcmp(verb, "remove") == 0) {
        r = hilo_cli_cmd(rc, hilo_store_apikey_hash_argv(&c, name), &c);
        if (!r || r->type != REDIS_REPLY_STRING || r->len != 64) {
            fprintf(stderr, "hilo: no API key %s\n", name);
            goto out;
        }
        memcpy(hex, r->str, 65);
        freeReplyObject(r);
        /* the key stops working and leaves the list at once */
        struct hilo_store_apikey k = {.name = name, .sha256_hex = hex};
        freeReplyObject(hilo_cli_cmd(rc, hilo_store_multi_argv(&c), &c));
        freeReplyObject(hilo_cli_cmd(rc, hilo_store_apikey_del_argv(&c, &k), &c));
        freeReplyObject(hilo_cli_cmd(rc, hilo_store_apikey_unindex_argv(&c, &k), &c));
        r = hilo_cli_cmd(rc, hilo_store_exec_argv(&c), &c);
        if (!r || r->type != REDIS_REPLY_ARRAY) {
            fprintf(stderr, "hilo: Redis error\n");
            goto out;
        }
        code = 0;
    } else if (strcmp(verb, "list") == 0) {
        r = hilo_cli_cmd(rc, hilo_store_apikeys_list_argv(&c), &c);
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
