/* Typed ops on agents, sessions, login throttling, API keys and the link
 * itself (store_agents.h). */
#include "hilo/store_agents.h"

#include <stdio.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/scripts.h"
#include "internal.h"

#define SENDER(op, type)                                                                          \
    int hilo_store_##op(struct hilo_redis *r, type o, hilo_redis_cb cb, void *data)               \
    {                                                                                             \
        struct hilo_store_cmd c;                                                                  \
        return hilo_cmd_send_built(r, hilo_store_##op##_argv(&c, o), &c, cb, data);               \
    }
#define TXER(op, type)                                                                            \
    int hilo_tx_##op(struct hilo_tx *tx, type o)                                                  \
    {                                                                                             \
        struct hilo_store_cmd c;                                                                  \
        return hilo_cmd_tx_built(tx, hilo_store_##op##_argv(&c, o), &c);                          \
    }

/* <name> <key(arg)> [extra] */
static int keyed(struct hilo_store_cmd *c, const char *name, enum hilo_key k, const char *arg,
                 const char *extra)
{
    hilo_cmd_start(c, name);
    if (hilo_cmd_key(c, 0, k, arg) < 0)
        return -HILO_EINTERNAL;
    if (extra)
        hilo_cmd_add(c, extra);
    return hilo_cmd_finish(c);
}

/* <name> <key(arg)> <a> <b> */
static int keyed2(struct hilo_store_cmd *c, const char *name, enum hilo_key k, const char *arg,
                  const char *a, const char *b)
{
    if (keyed(c, name, k, arg, a ? a : "") < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, b);
    return hilo_cmd_finish(c);
}

/* "field value" unless value is NULL */
static void field(struct hilo_store_cmd *c, const char *f, const char *v)
{
    if (v) {
        hilo_cmd_add(c, f);
        hilo_cmd_add(c, v);
    }
}

/* ---- agents -------------------------------------------------------------- */

int hilo_store_agent_get_argv(struct hilo_store_cmd *c, const char *name)
{
    return keyed(c, "HGETALL", HILO_K_AGENT, name, NULL);
}
SENDER(agent_get, const char *)
TXER(agent_get, const char *)

int hilo_store_agent_exists_argv(struct hilo_store_cmd *c, const char *name)
{
    return keyed(c, "EXISTS", HILO_K_AGENT, name, NULL);
}
SENDER(agent_exists, const char *)

int hilo_store_agent_role_argv(struct hilo_store_cmd *c, const char *name)
{
    return keyed(c, "HGET", HILO_K_AGENT, name, "role");
}
SENDER(agent_role, const char *)

int hilo_store_agent_set_argv(struct hilo_store_cmd *c, const struct hilo_store_agent_set *op)
{
    if (keyed(c, "HSET", HILO_K_AGENT, op->name, NULL) < 0)
        return -HILO_EINTERNAL;
    if (op->create)
        field(c, "name", op->name ? op->name : "");
    field(c, "display", op->display);
    field(c, "role", op->role);
    field(c, "team", op->team);
    field(c, "pwhash", op->pwhash);
    if (op->create) {
        hilo_cmd_add(c, "created_at");
        hilo_cmd_num(c, 0, op->created_at_ms);
    }
    field(c, "epoch", op->epoch);
    if (c->argc < 4)
        return -HILO_EINTERNAL; /* HSET without a field is a Redis error */
    return hilo_cmd_finish(c);
}
SENDER(agent_set, const struct hilo_store_agent_set *)
TXER(agent_set, const struct hilo_store_agent_set *)

int hilo_store_agent_del_argv(struct hilo_store_cmd *c, const char *name)
{
    return keyed(c, "DEL", HILO_K_AGENT, name, NULL);
}
TXER(agent_del, const char *)

int hilo_store_agents_add_argv(struct hilo_store_cmd *c, const char *name)
{
    return keyed(c, "SADD", HILO_K_AGENTS, NULL, name ? name : "");
}
TXER(agents_add, const char *)

int hilo_store_agents_rem_argv(struct hilo_store_cmd *c, const char *name)
{
    return keyed(c, "SREM", HILO_K_AGENTS, NULL, name ? name : "");
}
TXER(agents_rem, const char *)

int hilo_store_agents_list_argv(struct hilo_store_cmd *c)
{
    return keyed(c, "SORT", HILO_K_AGENTS, NULL, "ALPHA");
}

int hilo_store_agents_list(struct hilo_redis *r, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_agents_list_argv(&c), &c, cb, data);
}

/* ---- sessions ------------------------------------------------------------ */

int hilo_store_session_save_argv(struct hilo_store_cmd *c, const struct hilo_store_session *op)
{
    if (keyed(c, "HSET", HILO_K_SESSION, op->token_hash, NULL) < 0)
        return -HILO_EINTERNAL;
    field(c, "name", op->name ? op->name : "");
    field(c, "display", op->display ? op->display : "");
    field(c, "role", op->role ? op->role : "");
    hilo_cmd_add(c, "exp");
    hilo_cmd_num(c, 0, op->exp_ms);
    field(c, "epoch", op->epoch ? op->epoch : "");
    return hilo_cmd_finish(c);
}
TXER(session_save, const struct hilo_store_session *)

int hilo_store_session_expire_argv(struct hilo_store_cmd *c, const struct hilo_store_session *op)
{
    if (keyed(c, "PEXPIREAT", HILO_K_SESSION, op->token_hash, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, op->exp_ms);
    return hilo_cmd_finish(c);
}
TXER(session_expire, const struct hilo_store_session *)

int hilo_store_session_epoch_argv(struct hilo_store_cmd *c, const struct hilo_store_session *op)
{
    return keyed2(c, "HSET", HILO_K_SESSION, op->token_hash, "epoch", op->epoch);
}
TXER(session_epoch, const struct hilo_store_session *)

int hilo_store_session_get_argv(struct hilo_store_cmd *c, const char *token_hash)
{
    return keyed(c, "HGETALL", HILO_K_SESSION, token_hash, NULL);
}
SENDER(session_get, const char *)

int hilo_store_session_name_argv(struct hilo_store_cmd *c, const char *token_hash)
{
    return keyed(c, "HGET", HILO_K_SESSION, token_hash, "name");
}
TXER(session_name, const char *)

int hilo_store_session_del_argv(struct hilo_store_cmd *c, const char *token_hash)
{
    return keyed(c, "DEL", HILO_K_SESSION, token_hash, NULL);
}
TXER(session_del, const char *)

/* ---- login throttling ---------------------------------------------------- */

int hilo_store_login_lock_ttl_argv(struct hilo_store_cmd *c, const char *who)
{
    return keyed(c, "PTTL", HILO_K_LOGIN_LOCK, who, NULL);
}
TXER(login_lock_ttl, const char *)

int hilo_store_login_fail_clear_argv(struct hilo_store_cmd *c, const char *who)
{
    return keyed(c, "DEL", HILO_K_LOGIN_FAIL, who, NULL);
}
TXER(login_fail_clear, const char *)

int hilo_store_login_fail_argv(struct hilo_store_cmd *c, const struct hilo_store_login_fail *op)
{
    hilo_cmd_start(c, "EVALSHA");
    hilo_cmd_add(c, hilo_scripts_sha(HILO_S_LOGIN_FAIL));
    hilo_cmd_add(c, "2");
    if (hilo_cmd_key(c, 0, HILO_K_LOGIN_FAIL, op->who) < 0 ||
        hilo_cmd_key(c, 1, HILO_K_LOGIN_LOCK, op->who) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, op->window_ms > 0 ? op->window_ms : 1);
    hilo_cmd_num(c, 1, (uint64_t)(op->max > 0 ? op->max : 1));
    snprintf(c->val, sizeof c->val, "%d", op->base_ms > 0 ? op->base_ms : 1);
    hilo_cmd_add(c, c->val);
    return hilo_cmd_finish(c);
}
SENDER(login_fail, const struct hilo_store_login_fail *)

/* ---- API keys ------------------------------------------------------------ */

int hilo_store_apikey_set_argv(struct hilo_store_cmd *c, const struct hilo_store_apikey *op)
{
    return keyed(c, "SET", HILO_K_APIKEY, op->sha256_hex, op->name ? op->name : "");
}

int hilo_store_apikey_index_argv(struct hilo_store_cmd *c, const struct hilo_store_apikey *op)
{
    return keyed2(c, "HSET", HILO_K_APIKEYS, NULL, op->name, op->sha256_hex);
}

int hilo_store_apikey_del_argv(struct hilo_store_cmd *c, const struct hilo_store_apikey *op)
{
    return keyed(c, "DEL", HILO_K_APIKEY, op->sha256_hex, NULL);
}

int hilo_store_apikey_unindex_argv(struct hilo_store_cmd *c, const struct hilo_store_apikey *op)
{
    return keyed(c, "HDEL", HILO_K_APIKEYS, NULL, op->name ? op->name : "");
}

int hilo_store_apikey_exists_argv(struct hilo_store_cmd *c, const char *name)
{
    return keyed(c, "HEXISTS", HILO_K_APIKEYS, NULL, name ? name : "");
}

int hilo_store_apikey_hash_argv(struct hilo_store_cmd *c, const char *name)
{
    return keyed(c, "HGET", HILO_K_APIKEYS, NULL, name ? name : "");
}

int hilo_store_apikeys_list_argv(struct hilo_store_cmd *c)
{
    return keyed(c, "HKEYS", HILO_K_APIKEYS, NULL, NULL);
}

/* ---- the link itself ----------------------------------------------------- */

static int bare(struct hilo_store_cmd *c, const char *name)
{
    hilo_cmd_start(c, name);
    return hilo_cmd_finish(c);
}

int hilo_store_ping_argv(struct hilo_store_cmd *c) { return bare(c, "PING"); }

int hilo_store_ping(struct hilo_redis *r, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_ping_argv(&c), &c, cb, data);
}

int hilo_store_multi_argv(struct hilo_store_cmd *c) { return bare(c, "MULTI"); }
int hilo_store_exec_argv(struct hilo_store_cmd *c) { return bare(c, "EXEC"); }
int hilo_store_discard_argv(struct hilo_store_cmd *c) { return bare(c, "DISCARD"); }

int hilo_store_auth_argv(struct hilo_store_cmd *c, const char *password)
{
    hilo_cmd_start(c, "AUTH");
    hilo_cmd_add(c, password);
    return hilo_cmd_finish(c);
}

int hilo_store_select_argv(struct hilo_store_cmd *c, int db)
{
    hilo_cmd_start(c, "SELECT");
    hilo_cmd_num(c, 0, (uint64_t)(db > 0 ? db : 0));
    return hilo_cmd_finish(c);
}
