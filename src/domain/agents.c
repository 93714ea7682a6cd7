#include "hilo/agents.h"

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/log.h"
#include "hilo/loop.h"
#include "hilo/redis.h"
#include "hilo/server.h"


/* Verified against when the agent does not exist, so that a wrong name costs
 * as much time as a wrong password. */
static const char dummy_hash[] =
    "$argon2id$v=19$m=65536,t=2,p=1$5L43JLjiUkEbQSueJzjw9A$"
    "j4UDx5iUy8BEd28/4azYoq9aTY/vWxBq7rXm9HamDLQ";

int hilo_agents_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64)
        return 0;
    for (; *name; name++)
        if (!((*name >= 'a' && *name <= 'z') || (*name >= '0' && *name <= '9') || *name == '.' ||
              *name == '_' || *name == '-'))
            return 0;
    return 1;
}

void hilo_token_hash(const char *token, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, 65, h, sizeof h);
}

struct auth_op {
    struct hilo_server *s;
    hilo_auth_cb cb;
    void *data;
    uv_work_t work;
    char *password;
    char hash[crypto_pwhash_STRBYTES];
    int known, ok;
    struct hilo_session_info si;
};

static void auth_done(struct auth_op *op, int err)
{
    op->cb(err, err ? NULL : &op->si, op->data);
    if (op->password) {
        sodium_memzero(op->password, strlen(op->password));
        free(op->password);
    }
    free(op);
}

static void session_saved_cb(redisReply *reply, void *data)
{
    struct auth_op *op = data;
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        auth_done(op, -HILO_EUNAVAIL);
    else
        auth_done(op, 0);
}

static void verify_work(uv_work_t *w)
{
    struct auth_op *op = w->data;
    const char *h = op->known ? op->hash : dummy_hash;
    op->ok = crypto_pwhash_str_verify(h, op->password, strlen(op->password)) == 0 && op->known;
}

static void verify_after(uv_work_t *w, int status)
{
    struct auth_op *op = w->data;
    struct hilo_server *s = op->s;
    unsigned char rnd[32];
    char b64[64], th[65], key[160], exp[24], px[24];

    /* Released before the Redis writes below: they count as Redis pending,
     * so shutdown keeps Redis open for them in this same turn. */
    hilo_loop_release();
    if (status != 0 || !op->ok) {
        auth_done(op, -HILO_ECREDS);
        return;
    }
    op->si.exp_ms = hilo_now_ms() + (uint64_t)s->cfg->session_ttl * 1000u;
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2base64(b64, sizeof b64, rnd, sizeof rnd, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(op->si.token, sizeof op->si.token, "s1.%llu.%s", (unsigned long long)op->si.exp_ms,
             b64);
    hilo_token_hash(op->si.token, th);
    hilo_key(key, sizeof key, HILO_K_SESSION, th);
    snprintf(exp, sizeof exp, "%llu", (unsigned long long)op->si.exp_ms);
    snprintf(px, sizeof px, "%llu", (unsigned long long)op->si.exp_ms);
    const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
    const char *hset[] = {"HSET", key, "name", op->si.name, "display", op->si.display,
                          "role", op->si.role, "exp", exp};
    const char *pexp[] = {"PEXPIREAT", key, px};
    int rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, m, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 10, hset, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 3, pexp, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, session_saved_cb, op, 1, x, NULL);
    if (rc < 0)
        auth_done(op, -HILO_EUNAVAIL);
}

static void fill_si(struct hilo_session_info *si, const redisReply *h, char *hash, size_t hashlen)
{
    for (size_t i = 0; i + 1 < h->elements; i += 2) {
        const char *k = h->element[i]->str, *v = h->element[i + 1]->str;
        if (strcmp(k, "name") == 0)
            snprintf(si->name, sizeof si->name, "%s", v);
        else if (strcmp(k, "display") == 0)
            snprintf(si->display, sizeof si->display, "%s", v);
        else if (strcmp(k, "role") == 0)
            snprintf(si->role, sizeof si->role, "%s", v);
        else if (strcmp(k, "exp") == 0)
            si->exp_ms = strtoull(v, NULL, 10);
        else if (strcmp(k, "team") == 0)
            snprintf(si->team, sizeof si->team, "%s", v);
        else if (hash && strcmp(k, "pwhash") == 0)
            snprintf(hash, hashlen, "%s", v);
    }
}

static void agent_loaded_cb(redisReply *reply, void *data)
{
    struct auth_op *op = data;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        auth_done(op, -HILO_EUNAVAIL);
        return;
    }
    fill_si(&op->si, reply, op->hash, sizeof op->hash);
    op->known = op->hash[0] != '\0';
    op->work.data = op;
    /* verify_after uses Redis: shutdown must not free it while this runs */
    hilo_loop_hold();
    if (uv_queue_work(op->s->loop, &op->work, verify_work, verify_after) < 0) {
        hilo_loop_release();
        auth_done(op, -HILO_EINTERNAL);
    }
}

int hilo_agents_login(struct hilo_server *s, const char *name, const char *password,
                      hilo_auth_cb cb, void *data)
{
    struct auth_op *op;
    char key[160];
    if (!hilo_redis_ready(s->redis))
        return -HILO_EUNAVAIL;
    op = calloc(1, sizeof *op);
    if (!op)
        return -ENOMEM;
    op->s = s;
    op->cb = cb;
    op->data = data;
    op->password = strdup(password);
    /* An invalid name is looked up as "" (never exists) to keep timing flat. */
    hilo_key(key, sizeof key, HILO_K_AGENT, hilo_agents_name_ok(name) ? name : "");
    const char *argv[] = {"HGETALL", key};
    int rc = hilo_redis_cmdargv(s->redis, agent_loaded_cb, op, 2, argv, NULL);
    if (rc < 0) {
        free(op->password);
        free(op);
    }
    return rc;
}

static void session_agent_cb(redisReply *reply, void *data)
{
    struct auth_op *op = data;
    uint64_t exp = op->si.exp_ms;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        auth_done(op, -HILO_EUNAVAIL);
        return;
    }
    if (reply->elements == 0) {
        auth_done(op, -HILO_EUNAUTH); /* the agent was removed */
        return;
    }
    /* display name and role as they are now, not as they were at login */
    fill_si(&op->si, reply, NULL, 0);
    op->si.exp_ms = exp;
    auth_done(op, 0);
}

static void session_loaded_cb(redisReply *reply, void *data)
{
    struct auth_op *op = data;
    char key[160];
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        auth_done(op, -HILO_EUNAVAIL);
        return;
    }
    fill_si(&op->si, reply, NULL, 0);
    if (!op->si.name[0]) {
        auth_done(op, -HILO_EUNAUTH);
        return;
    }
    if (op->si.exp_ms <= hilo_now_ms()) {
        auth_done(op, -HILO_EEXPIRED);
        return;
    }
    hilo_key(key, sizeof key, HILO_K_AGENT, op->si.name);
    const char *argv[] = {"HGETALL", key};
    if (hilo_redis_cmdargv(op->s->redis, session_agent_cb, op, 2, argv, NULL) < 0)
        auth_done(op, -HILO_EUNAVAIL);
}

/* Parses the expiry out of "s1.<ms>.<random>"; 0 if malformed. */
static uint64_t token_expiry(const char *token)
{
    char *end;
    uint64_t ms;
    if (strncmp(token, "s1.", 3) != 0)
        return 0;
    ms = strtoull(token + 3, &end, 10);
    return *end == '.' && end[1] ? ms : 0;
}

int hilo_agents_check(struct hilo_server *s, const char *token, hilo_auth_cb cb, void *data)
{
    struct auth_op *op;
    char th[65], key[160];
    uint64_t exp = token_expiry(token);

    if (exp && exp <= hilo_now_ms()) {
        cb(-HILO_EEXPIRED, NULL, data);
        return 0;
    }
    if (!exp) {
        cb(-HILO_EUNAUTH, NULL, data);
        return 0;
    }
    if (!hilo_redis_ready(s->redis))
        return -HILO_EUNAVAIL;
    op = calloc(1, sizeof *op);
    if (!op)
        return -ENOMEM;
    op->s = s;
    op->cb = cb;
    op->data = data;
    hilo_token_hash(token, th);
    hilo_key(key, sizeof key, HILO_K_SESSION, th);
    const char *argv[] = {"HGETALL", key};
    int rc = hilo_redis_cmdargv(s->redis, session_loaded_cb, op, 2, argv, NULL);
    if (rc < 0)
        free(op);
    return rc;
}

static void logout_cb(redisReply *reply, void *data)
{
    struct auth_op *op = data;
    auth_done(op, reply ? 0 : -HILO_EUNAVAIL);
}

int hilo_agents_logout(struct hilo_server *s, const char *token, hilo_auth_cb cb, void *data)
{
    struct auth_op *op;
    char th[65], key[160];
    if (!hilo_redis_ready(s->redis))
        return -HILO_EUNAVAIL;
    op = calloc(1, sizeof *op);
    if (!op)
        return -ENOMEM;
    op->s = s;
    op->cb = cb;
    op->data = data;
    hilo_token_hash(token, th);
    hilo_key(key, sizeof key, HILO_K_SESSION, th);
    const char *argv[] = {"DEL", key};
    int rc = hilo_redis_cmdargv(s->redis, logout_cb, op, 2, argv, NULL);
    if (rc < 0)
        free(op);
    return rc;
}

/* Shared by the REST API and the CLI: 20 characters from an alphabet without
 * look-alikes (no 0/O, 1/l/I), about 116 bits. */
void hilo_agents_new_password(char out[21])
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (int i = 0; i < 20; i++)
        out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[20] = '\0';
}
