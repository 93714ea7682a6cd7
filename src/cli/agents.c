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
#include "hilo/store_agents.h"
#include "hilo/store_index.h"
#include "internal.h"

redisContext *hilo_cli_connect(const char *url)
{
    struct hilo_redis_url u;
    redisContext *rc;
    struct timeval tv = {5, 0};
    struct hilo_store_cmd c;
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
        redisReply *r = hilo_cli_cmd(rc, hilo_store_auth_argv(&c, u.password), &c);
        int bad = !r || r->type == REDIS_REPLY_ERROR;
        if (bad)
            fprintf(stderr, "hilo: Redis refused the password: %s\n", r ? r->str : rc->errstr);
        freeReplyObject(r);
        if (bad)
            goto fail;
    }
    if (u.db) {
        redisReply *r = hilo_cli_cmd(rc, hilo_store_select_argv(&c, u.db), &c);
        int bad = !r || r->type == REDIS_REPLY_ERROR;
        if (bad)
            fprintf(stderr, "hilo: cannot select Redis database %d: %s\n", u.db,
                    r ? r->str : rc->errstr);
        freeReplyObject(r);
        if (bad)
            goto fail;
    }
    goto out;
fail:
    redisFree(rc);
    rc = NULL;
out:
    hilo_redis_url_free(&u);
    return rc;
}

redisReply *hilo_cli_cmd(redisContext *rc, int built, const struct hilo_store_cmd *c)
{
    if (built < 0)
        return NULL;
    /* the cast only drops the const hiredis does not declare: argv is read */
    return redisCommandArgv(rc, c->argc, (const char **)c->argv, c->lens);
}

/* Queues a built command inside MULTI: its reply is QUEUED (or an error,
 * which makes EXEC fail). 0 or -1. */
static int queued(redisContext *rc, int built, const struct hilo_store_cmd *c)
{
    redisReply *r = hilo_cli_cmd(rc, built, c);
    int ok = r && r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    return ok ? 0 : -1;
}

/* A new password, hashed; the agent's hash written (created with the agent
 * set entry in one transaction). Prints the password. */
static int cli_set_password(redisContext *rc, int create, const char *name, const char *display,
                            int admin, const char *team)
{
    char pw[21], hash[crypto_pwhash_STRBYTES], epoch[33];
    struct hilo_store_cmd c;
    redisReply *r = NULL;
    int code = 1;
    hilo_agents_new_password(pw);
    if (crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        fprintf(stderr, "hilo: out of memory hashing the password\n");
        return 1;
    }
    /* A new epoch ends every session made with the old password (or by an
     * earlier agent of the same name): see agents.h. */
    hilo_agents_new_epoch(epoch);
    struct hilo_store_agent_set set = {.name = name, .pwhash = hash, .epoch = epoch};
    if (create) {
        set.create = 1;
        set.created_at_ms = hilo_now_ms();
        set.display = display;
        set.role = admin ? "admin" : "agent";
        set.team = team;
        if (queued(rc, hilo_store_multi_argv(&c), &c) < 0 ||
            queued(rc, hilo_store_agent_set_argv(&c, &set), &c) < 0 ||
            queued(rc, hilo_store_agents_add_argv(&c, name), &c) < 0) {
            freeReplyObject(hilo_cli_cmd(rc, hilo_store_discard_argv(&c), &c));
            goto fail;
        }
        r = hilo_cli_cmd(rc, hilo_store_exec_argv(&c), &c);
        if (!r || r->type != REDIS_REPLY_ARRAY)
            goto fail;
    } else {
        r = hilo_cli_cmd(rc, hilo_store_agent_set_argv(&c, &set), &c);
        if (!r || r->type == REDIS_REPLY_ERROR)
            goto fail;
    }
    printf("%s\n", pw);
    code = 0;
    goto out;
fail:
    fprintf(stderr, "hilo: Redis error: %s\n", r && r->type == REDIS_REPLY_ERROR ? r->str : rc->errstr);
out:
    freeReplyObject(r);
    sodium_memzero(pw, sizeof pw);
    return code;
}

/* Tells every running instance to close the agent's sockets (4401). */
static void cli_publish_revoke(redisContext *rc, const char *name)
{
    char chan[160], msg[128];
    struct hilo_store_cmd c;
    if (hilo_store_events_channel(chan, sizeof chan) < 0 ||
        hilo_agents_revoke_msg(msg, sizeof msg, name, 0, 0) < 0)
        return;
    struct hilo_store_publish pub = {.channel = chan, .message = msg};
    redisReply *r = hilo_cli_cmd(rc, hilo_store_publish_argv(&c, &pub), &c);
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
    struct hilo_store_cmd c;
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
    if (strcmp(verb, "add") == 0) {
        r = hilo_cli_cmd(rc, hilo_store_agent_exists_argv(&c, name), &c);
        if (!r || r->type != REDIS_REPLY_INTEGER) {
            fprintf(stderr, "hilo: Redis error\n");
            goto out;
        }
        if (r->integer) {
            fprintf(stderr, "hilo: agent %s exists (use: hilo agent passwd %s)\n", name, name);
            goto out;
        }
        code = cli_set_password(rc, 1, name, display ? display : name, admin, team);
        if (code == 0) {
            fprintf(stderr, "agent %s created; the password above is shown only once\n", name);
        }
    } else if (strcmp(verb, "passwd") == 0) {
        r = hilo_cli_cmd(rc, hilo_store_agent_exists_argv(&c, name), &c);
        if (!r || r->type != REDIS_REPLY_INTEGER || !r->integer) {
            fprintf(stderr, "hilo: no agent %s\n", name);
            goto out;
        }
        code = cli_set_password(rc, 0, name, NULL, 0, NULL);
        if (code == 0)
            cli_publish_revoke(rc, name);
    } else if (strcmp(verb, "remove") == 0) {
        /* the hash and the set entry go together */
        if (queued(rc, hilo_store_multi_argv(&c), &c) < 0 ||
            queued(rc, hilo_store_agent_del_argv(&c, name), &c) < 0 ||
            queued(rc, hilo_store_agents_rem_argv(&c, name), &c) < 0) {
            freeReplyObject(hilo_cli_cmd(rc, hilo_store_discard_argv(&c), &c));
            fprintf(stderr, "hilo: Redis error\n");
            goto out;
        }
        r = hilo_cli_cmd(rc, hilo_store_exec_argv(&c), &c);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            fprintf(stderr, "hilo: Redis error\n");
            goto out;
        }
        code = r->element[0]->type == REDIS_REPLY_INTEGER && r->element[0]->integer ? 0 : 1;
        if (code)
            fprintf(stderr, "hilo: no agent %s\n", name);
        else
            cli_publish_revoke(rc, name);
    } else if (strcmp(verb, "list") == 0) {
        r = hilo_cli_cmd(rc, hilo_store_agents_list_argv(&c), &c);
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
