#include "hilo/agents.h"

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "hilo/common.h"
#include "hilo/log.h"
#include "hilo/loop.h"
#include "hilo/redis.h"
#include "hilo/server.h"
#include "hilo/store.h"
#include "hilo/store_agents.h"


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
    char epoch[33];           /* login: the agent's; check: the session's */
    char nkey[72], ipkey[72]; /* throttle key args "n:<name>", "ip:<addr>"; "" none */
    int known, ok, pending;
    struct auth_op *qnext; /* waiting for a hash slot */
    struct hilo_session_info si;
};

/* Password checks on the thread pool: at most login_hashes run, at most
 * login_queue wait (each waiting op holds the loop, like a running one). */
static struct {
    int running, waiting;
    struct auth_op *head, *tail;
} hashq;

static void auth_done(struct auth_op *op, int err)
{
    op->cb(err, err && err != -HILO_ERATE ? NULL : &op->si, op->data);
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

static void fail_counted_cb(redisReply *reply, void *data)
{
    struct auth_op *op = data;
    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer > 0)
        hilo_warn("login: too many failures (%s%s%s): refused for %lld ms", op->nkey,
                  op->nkey[0] && op->ipkey[0] ? " " : "", op->ipkey, (long long)reply->integer);
    if (--op->pending == 0)
        auth_done(op, -HILO_ECREDS);
}

static int count_failure(struct auth_op *op, const char *arg, int max)
{
    const struct hilo_config *cfg = op->s->cfg;
    /* at the limit the lock lasts base * 2^(failures - limit) ms */
    struct hilo_store_login_fail f = {.who = arg,
                                      .window_ms = (uint64_t)cfg->login_fail_window * 1000u,
                                      .max = max,
                                      .base_ms = cfg->login_lockout_ms};
    if (hilo_store_login_fail(op->s->redis, &f, fail_counted_cb, op) < 0)
        return -1;
    op->pending++;
    return 0;
}

static void login_failed(struct auth_op *op)
{
    /* Answered once the counts are in Redis: the next attempt sees them. */
    op->pending = 1; /* held while the commands go out */
    if (op->nkey[0])
        count_failure(op, op->nkey, op->s->cfg->login_fail_max);
    if (op->ipkey[0])
        count_failure(op, op->ipkey, op->s->cfg->login_ip_fail_max);
    if (--op->pending == 0)
        auth_done(op, -HILO_ECREDS);
}

static void verify_after(uv_work_t *w, int status);

static void hash_start(struct auth_op *op)
{
    op->work.data = op;
    /* verify_after uses Redis: shutdown must not free it while this runs */
    hilo_loop_hold();
    hashq.running++;
    if (uv_queue_work(op->s->loop, &op->work, verify_work, verify_after) < 0) {
        hashq.running--;
        hilo_loop_release();
        auth_done(op, -HILO_EINTERNAL);
    }
}

static void hash_enqueue(struct auth_op *op)
{
    const struct hilo_config *cfg = op->s->cfg;
    if (hashq.running < cfg->login_hashes && !hashq.head) {
        hash_start(op);
        return;
    }
    if (hashq.waiting >= cfg->login_queue) {
        /* Refused before it costs memory: 64 MiB per check. */
        hilo_debug("login: password checks busy, refused");
        op->si.retry_after = 1;
        auth_done(op, -HILO_ERATE);
        return;
    }
    hilo_loop_hold();
    op->qnext = NULL;
    if (hashq.tail)
        hashq.tail->qnext = op;
    else
        hashq.head = op;
    hashq.tail = op;
    hashq.waiting++;
}

static void hash_next(struct hilo_server *s)
{
    while (hashq.head && hashq.running < s->cfg->login_hashes) {
        struct auth_op *op = hashq.head;
        hashq.head = op->qnext;
        if (!hashq.head)
            hashq.tail = NULL;
        hashq.waiting--;
        hash_start(op);
        hilo_loop_release(); /* the waiting hold; hash_start took its own */
    }
}

static void verify_after(uv_work_t *w, int status)
{
    struct auth_op *op = w->data;
    struct hilo_server *s = op->s;
    unsigned char rnd[32];
    char b64[64], th[65];

    hashq.running--;
    hash_next(s);
    /* Released before the Redis writes below: they count as Redis pending,
     * so shutdown keeps Redis open for them in this same turn. */
    hilo_loop_release();
    if (status != 0) {
        auth_done(op, -HILO_ECREDS);
        return;
    }
    if (!op->ok) {
        login_failed(op);
        return;
    }
    op->si.exp_ms = hilo_now_ms() + (uint64_t)s->cfg->session_ttl * 1000u;
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2base64(b64, sizeof b64, rnd, sizeof rnd, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(op->si.token, sizeof op->si.token, "s1.%llu.%s", (unsigned long long)op->si.exp_ms,
             b64);
    hilo_token_hash(op->si.token, th);
    /* The agent's epoch goes with the session: a new one (password, removal,
     * demotion) ends it. A right password forgets the name's failures. */
    struct hilo_store_session sess = {.token_hash = th, .name = op->si.name,
                                      .display = op->si.display, .role = op->si.role,
                                      .epoch = op->epoch, .exp_ms = op->si.exp_ms};
    struct hilo_tx tx;
    hilo_tx_begin(&tx, s->redis);
    hilo_tx_session_save(&tx, &sess);
    hilo_tx_session_expire(&tx, &sess);
    hilo_tx_login_fail_clear(&tx, op->nkey);
    if (hilo_tx_commit(&tx, session_saved_cb, op) < 0)
        auth_done(op, -HILO_EUNAVAIL);
}

static void fill_si(struct hilo_session_info *si, const redisReply *h, char *hash, size_t hashlen,
                    char epoch[33])
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
        else if (epoch && strcmp(k, "epoch") == 0)
            snprintf(epoch, 33, "%s", v);
    }
}

/* EXEC of HGETALL agent, then PTTL of the name's and the address's lock. */
static void agent_loaded_cb(redisReply *reply, void *data)
{
    struct auth_op *op = data;
    long long lock = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_ARRAY) {
        auth_done(op, -HILO_EUNAVAIL);
        return;
    }
    for (size_t i = 1; i < reply->elements; i++) {
        const redisReply *t = reply->element[i];
        if (t->type != REDIS_REPLY_INTEGER || t->integer == -2)
            continue;
        long long ms = t->integer == -1 ? (long long)op->s->cfg->login_fail_window * 1000
                                        : t->integer;
        if (ms > lock)
            lock = ms;
    }
    if (lock > 0) {
        /* Locked out: refused without a password check. */
        hilo_debug("login: refused while locked (%s%s%s)", op->nkey, op->ipkey[0] ? " " : "",
                   op->ipkey);
        op->si.retry_after = (uint32_t)((lock + 999) / 1000);
        auth_done(op, -HILO_ERATE);
        return;
    }
    fill_si(&op->si, reply->element[0], op->hash, sizeof op->hash, op->epoch);
    op->known = op->hash[0] != '\0';
    hash_enqueue(op);
}

int hilo_agents_login_from(struct hilo_server *s, const char *name, const char *password,
                           const char *ip, hilo_auth_cb cb, void *data)
{
    struct auth_op *op;
    int name_ok = hilo_agents_name_ok(name);
    struct hilo_tx tx;
    if (!hilo_redis_ready(s->redis))
        return -HILO_EUNAVAIL;
    op = calloc(1, sizeof *op);
    if (!op)
        return -ENOMEM;
    op->s = s;
    op->cb = cb;
    op->data = data;
    op->password = strdup(password);
    if (!op->password) {
        free(op);
        return -ENOMEM;
    }
    if (name_ok)
        snprintf(op->nkey, sizeof op->nkey, "n:%s", name);
    if (ip && ip[0] && strlen(ip) < 60)
        snprintf(op->ipkey, sizeof op->ipkey, "ip:%s", ip);
    /* An invalid name is looked up as "" (never exists) to keep timing flat. */
    hilo_tx_begin(&tx, s->redis);
    hilo_tx_agent_get(&tx, name_ok ? name : "");
    if (op->nkey[0])
        hilo_tx_login_lock_ttl(&tx, op->nkey);
    if (op->ipkey[0])
        hilo_tx_login_lock_ttl(&tx, op->ipkey);
    int rc = hilo_tx_commit(&tx, agent_loaded_cb, op);
    if (rc < 0) {
        sodium_memzero(op->password, strlen(op->password));
        free(op->password);
        free(op);
        return -HILO_EUNAVAIL;
    }
    return 0;
}

int hilo_agents_login(struct hilo_server *s, const char *name, const char *password,
                      hilo_auth_cb cb, void *data)
{
    return hilo_agents_login_from(s, name, password, NULL, cb, data);
}

static void session_agent_cb(redisReply *reply, void *data)
{
    struct auth_op *op = data;
    uint64_t exp = op->si.exp_ms;
    char epoch[33] = "";
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        auth_done(op, -HILO_EUNAVAIL);
        return;
    }
    if (reply->elements == 0) {
        auth_done(op, -HILO_EUNAUTH); /* the agent was removed */
        return;
    }
    /* display name and role as they are now, not as they were at login */
    fill_si(&op->si, reply, NULL, 0, epoch);
    op->si.exp_ms = exp;
    /* a new password, a demotion or a removal since the login */
    auth_done(op, strcmp(epoch, op->epoch) == 0 ? 0 : -HILO_EUNAUTH);
}

static void session_loaded_cb(redisReply *reply, void *data)
{
    struct auth_op *op = data;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        auth_done(op, -HILO_EUNAVAIL);
        return;
    }
    fill_si(&op->si, reply, NULL, 0, op->epoch);
    if (!op->si.name[0]) {
        auth_done(op, -HILO_EUNAUTH);
        return;
    }
    if (op->si.exp_ms <= hilo_now_ms()) {
        auth_done(op, -HILO_EEXPIRED);
        return;
    }
    if (hilo_store_agent_get(op->s->redis, op->si.name, session_agent_cb, op) < 0)
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
    char th[65];
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
    int rc = hilo_store_session_get(s->redis, th, session_loaded_cb, op);
    if (rc < 0)
        free(op);
    return rc;
}

/* EXEC of HGET name + DEL: the sockets of that session close everywhere. */
static void logout_cb(redisReply *reply, void *data)
{
    struct auth_op *op = data;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        auth_done(op, -HILO_EUNAVAIL);
        return;
    }
    const redisReply *name = reply->element[0];
    if (name->type == REDIS_REPLY_STRING && hilo_agents_name_ok(name->str) && op->si.exp_ms)
        hilo_agents_publish_revoke(op->s, name->str, op->si.exp_ms, 0);
    auth_done(op, 0);
}

int hilo_agents_logout(struct hilo_server *s, const char *token, hilo_auth_cb cb, void *data)
{
    struct auth_op *op;
    char th[65];
    struct hilo_tx tx;
    if (!hilo_redis_ready(s->redis))
        return -HILO_EUNAVAIL;
    op = calloc(1, sizeof *op);
    if (!op)
        return -ENOMEM;
    op->s = s;
    op->cb = cb;
    op->data = data;
    /* sockets know their session by its expiry, which is in the token */
    op->si.exp_ms = token_expiry(token);
    hilo_token_hash(token, th);
    hilo_tx_begin(&tx, s->redis);
    hilo_tx_session_name(&tx, th);
    hilo_tx_session_del(&tx, th);
    int rc = hilo_tx_commit(&tx, logout_cb, op);
    if (rc < 0) {
        free(op);
        return -HILO_EUNAVAIL;
    }
    return 0;
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
