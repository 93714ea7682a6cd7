/* hilo agent add|passwd|remove|list: blocking hiredis, run from the command
 * line, never on the event loop. */
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

redisContext *hilo_cli_connect(const char *url)
{
    struct hilo_redis_url u;
    redisContext *rc;
    struct timeval tv = {5, 0};
    if (hilo_redis_url_parse(url, &u) < 0) {
        fprintf(stderr, "hilo: bad Redis URL\n");
        return NULL;
    }
    rc = u.path ? redisConnectUnixWithTimeout(u.path, tv) : redisConnectWithTimeout(u.host, u.port, tv);
    if (!rc || rc->err) {
        fprintf(stderr, "hilo: cannot connect to Redis: %s\n", rc ? rc->errstr : "out of memory");
        if (rc)
            redisFree(rc);
        rc = NULL;
        goto out;
    }
    if (u.password) {
        redisReply *r = redisCommand(rc, "AUTH %s", u.password);
        freeReplyObject(r);
    }
    if (u.db) {
        redisReply *r = redisCommand(rc, "SELECT %d", u.db);
        freeReplyObject(r);
    }
out:
    hilo_redis_url_free(&u);
    return rc;
}

static int cli_set_password(redisContext *rc, const char *key, int create, const char *name,
                            const char *display, int admin, const char *team)
{
    char pw[21], hash[crypto_pwhash_STRBYTES], now[24], epoch[33];
    redisReply *r;
    hilo_agents_new_password(pw);
    if (crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        fprintf(stderr, "hilo: out of memory hashing the password\n");
        return 1;
    }
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    /* A new epoch ends every session made with the old password (or by an
     * earlier agent of the same name): see agents.h. */
    hilo_agents_new_epoch(epoch);
    if (create)
        r = redisCommand(rc,
                         "HSET %s name %s display %s role %s team %s pwhash %s created_at %s "
                         "epoch %s",
                         key, name, display, admin ? "admin" : "agent", team, hash, now, epoch);
    else
        r = redisCommand(rc, "HSET %s pwhash %s epoch %s", key, hash, epoch);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "hilo: Redis error: %s\n", r ? r->str : rc->errstr);
        freeReplyObject(r);
        return 1;
    }
    freeReplyObject(r);
    printf("%s\n", pw);
    return 0;
}

/* Tells every running instance to close the agent's sockets (4401). */
static void cli_publish_revoke(redisContext *rc, const char *name)
{
    char chan[160], msg[128];
    hilo_key(chan, sizeof chan, HILO_K_EVENTS, NULL);
    if (hilo_agents_revoke_msg(msg, sizeof msg, name, 0, 0) < 0)
        return;
    redisReply *r = redisCommand(rc, "PUBLISH %s %s", chan, msg);
    if (!r || r->type == REDIS_REPLY_ERROR)
        fprintf(stderr, "hilo: could not tell running instances to close %s's sockets\n", name);
    freeReplyObject(r);
}

int hilo_cli_agent(int argc, char **argv, const char *redis_url, const char *prefix)
{
    const char *verb = argc > 0 ? argv[0] : "";
    const char *name = argc > 1 ? argv[1] : NULL;
    const char *display = NULL, *team = "";
    int admin = 0, code = 1;
    char key[160], set[160];
    redisContext *rc = NULL;
    redisReply *r = NULL;

    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--admin") == 0)
            admin = 1;
        else if (strcmp(argv[i], "--display") == 0 && i + 1 < argc)
            display = argv[++i];
        else if (strcmp(argv[i], "--team") == 0 && i + 1 < argc && strlen(argv[i + 1]) <= 64)
            team = argv[++i];
        else {
            fprintf(stderr, "hilo agent: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (strcmp(verb, "list") != 0 && (!name || !hilo_agents_name_ok(name))) {
        fprintf(stderr, "usage: hilo agent add|passwd|remove NAME [--display \"Name\"] [--team T] [--admin]\n"
                        "       hilo agent list\n"
                        "NAME: 1-64 characters of a-z 0-9 . _ -\n");
        return 2;
    }
    hilo_keys_init(prefix);
    rc = hilo_cli_connect(redis_url);
    if (!rc)
        return 1;
    hilo_key(key, sizeof key, HILO_K_AGENT, name ? name : "");
    hilo_key(set, sizeof set, HILO_K_AGENTS, NULL);
    if (strcmp(verb, "add") == 0) {
        r = redisCommand(rc, "EXISTS %s", key);
        if (!r || r->type != REDIS_REPLY_INTEGER) {
            fprintf(stderr, "hilo: Redis error\n");
            goto out;
        }
        if (r->integer) {
            fprintf(stderr, "hilo: agent %s exists (use: hilo agent passwd %s)\n", name, name);
            goto out;
        }
        code = cli_set_password(rc, key, 1, name, display ? display : name, admin, team);
        if (code == 0) {
            freeReplyObject(redisCommand(rc, "SADD %s %s", set, name));
            fprintf(stderr, "agent %s created; the password above is shown only once\n", name);
        }
    } else if (strcmp(verb, "passwd") == 0) {
        r = redisCommand(rc, "EXISTS %s", key);
        if (!r || r->type != REDIS_REPLY_INTEGER || !r->integer) {
            fprintf(stderr, "hilo: no agent %s\n", name);
            goto out;
        }
        code = cli_set_password(rc, key, 0, name, NULL, 0, NULL);
        if (code == 0)
            cli_publish_revoke(rc, name);
    } else if (strcmp(verb, "remove") == 0) {
        r = redisCommand(rc, "DEL %s", key);
        freeReplyObject(redisCommand(rc, "SREM %s %s", set, name));
        code = r && r->type == REDIS_REPLY_INTEGER && r->integer ? 0 : 1;
        if (code)
            fprintf(stderr, "hilo: no agent %s\n", name);
        else
            cli_publish_revoke(rc, name);
    } else if (strcmp(verb, "list") == 0) {
        r = redisCommand(rc, "SORT %s ALPHA", set);
        if (r && r->type == REDIS_REPLY_ARRAY) {
            for (size_t i = 0; i < r->elements; i++)
                printf("%s\n", r->element[i]->str);
            code = 0;
        }
    } else {
        fprintf(stderr, "hilo agent: unknown command '%s' (add, passwd, remove, list)\n", verb);
        code = 2;
    }
out:
    freeReplyObject(r);
    redisFree(rc);
    hilo_keys_deinit();
    return code;
}
