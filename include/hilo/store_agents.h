/* Typed store operations on agents, their sessions, login throttling, API
 * keys and the readiness ping (src/store/agents.c). Keys come from keys.c;
 * callers never name a key or a command.
 *
 * As in store_records.h: hilo_store_<op>_argv builds one command into a
 * struct hilo_store_cmd (store.h) on the caller's stack and returns 0 or
 * -HILO_EINTERNAL (a key or value too long, nothing to write);
 * hilo_store_<op>() builds and sends it (async rule of redis.h);
 * hilo_tx_<op>() queues it in a transaction. The _argv builders are
 * transport-agnostic: the blocking CLI sends them with redisCommandArgv.
 * Strings are borrowed until the call returns; NULL means "" (or, for the
 * optional fields of a write, "not written"). */
#ifndef HILO_STORE_AGENTS_H
#define HILO_STORE_AGENTS_H

#include <stdint.h>

#include "hilo/store.h"

/* ---- agents -------------------------------------------------------------- */

/* HGETALL agent:<name> -> field, value, ... (empty: no such agent) */
int hilo_store_agent_get_argv(struct hilo_store_cmd *c, const char *name);
int hilo_store_agent_get(struct hilo_redis *r, const char *name, hilo_redis_cb cb, void *data);
int hilo_tx_agent_get(struct hilo_tx *tx, const char *name);

/* EXISTS agent:<name> -> 1 / 0 */
int hilo_store_agent_exists_argv(struct hilo_store_cmd *c, const char *name);
int hilo_store_agent_exists(struct hilo_redis *r, const char *name, hilo_redis_cb cb, void *data);

/* HGET agent:<name> role -> "agent", "admin" or nil */
int hilo_store_agent_role_argv(struct hilo_store_cmd *c, const char *name);
int hilo_store_agent_role(struct hilo_redis *r, const char *name, hilo_redis_cb cb, void *data);

/* HSET agent:<name> with the fields given, in this order: name (create),
 * display, role, team, pwhash, created_at (create), epoch. A write with no
 * field is refused (-HILO_EINTERNAL). Reply: fields added. */
struct hilo_store_agent_set {
    const char *name;
    int create;              /* also writes "name" and "created_at" */
    uint64_t created_at_ms;  /* create only */
    const char *display, *role, *team, *pwhash, *epoch; /* NULL: not written */
};
int hilo_store_agent_set_argv(struct hilo_store_cmd *c, const struct hilo_store_agent_set *op);
int hilo_store_agent_set(struct hilo_redis *r, const struct hilo_store_agent_set *op,
                         hilo_redis_cb cb, void *data);
int hilo_tx_agent_set(struct hilo_tx *tx, const struct hilo_store_agent_set *op);

/* DEL agent:<name> -> 1 removed / 0 none */
int hilo_store_agent_del_argv(struct hilo_store_cmd *c, const char *name);
int hilo_tx_agent_del(struct hilo_tx *tx, const char *name);

/* The set of agent names. add: SADD agents <name>; rem: SREM agents
 * <name>; list: SORT agents ALPHA -> names. */
int hilo_store_agents_add_argv(struct hilo_store_cmd *c, const char *name);
int hilo_tx_agents_add(struct hilo_tx *tx, const char *name);
int hilo_store_agents_rem_argv(struct hilo_store_cmd *c, const char *name);
int hilo_tx_agents_rem(struct hilo_tx *tx, const char *name);
int hilo_store_agents_list_argv(struct hilo_store_cmd *c);
int hilo_store_agents_list(struct hilo_redis *r, hilo_redis_cb cb, void *data);

/* ---- sessions: sess:<sha256 hex of the token> ---------------------------- */

/* save: HSET sess:<hash> name display role exp epoch;
 * expire: PEXPIREAT sess:<hash> <exp_ms> (the key lives as long as the
 * session); epoch: HSET sess:<hash> epoch <epoch> (the caller's session
 * survives its own password change). */
struct hilo_store_session {
    const char *token_hash;
    const char *name, *display, *role; /* save only */
    const char *epoch;                 /* save, epoch */
    uint64_t exp_ms;                   /* save, expire */
};
int hilo_store_session_save_argv(struct hilo_store_cmd *c, const struct hilo_store_session *op);
int hilo_tx_session_save(struct hilo_tx *tx, const struct hilo_store_session *op);
int hilo_store_session_expire_argv(struct hilo_store_cmd *c, const struct hilo_store_session *op);
int hilo_tx_session_expire(struct hilo_tx *tx, const struct hilo_store_session *op);
int hilo_store_session_epoch_argv(struct hilo_store_cmd *c, const struct hilo_store_session *op);
int hilo_tx_session_epoch(struct hilo_tx *tx, const struct hilo_store_session *op);

/* HGETALL sess:<hash> -> field, value, ... (empty: no such session) */
int hilo_store_session_get_argv(struct hilo_store_cmd *c, const char *token_hash);
int hilo_store_session_get(struct hilo_redis *r, const char *token_hash, hilo_redis_cb cb,
                           void *data);
/* HGET sess:<hash> name -> the agent's name or nil */
int hilo_store_session_name_argv(struct hilo_store_cmd *c, const char *token_hash);
int hilo_tx_session_name(struct hilo_tx *tx, const char *token_hash);
/* DEL sess:<hash> */
int hilo_store_session_del_argv(struct hilo_store_cmd *c, const char *token_hash);
int hilo_tx_session_del(struct hilo_tx *tx, const char *token_hash);

/* ---- login throttling: who = "n:<name>" or "ip:<address>" ---------------- */

/* PTTL login:lock:<who> -> ms left, -2 no lock, -1 no expiry */
int hilo_store_login_lock_ttl_argv(struct hilo_store_cmd *c, const char *who);
int hilo_tx_login_lock_ttl(struct hilo_tx *tx, const char *who);
/* DEL login:fail:<who>: a right password forgets the name's failures */
int hilo_store_login_fail_clear_argv(struct hilo_store_cmd *c, const char *who);
int hilo_tx_login_fail_clear(struct hilo_tx *tx, const char *who);
/* EVALSHA LOGIN_FAIL (src/store/lua/login_fail.lua): counts one failure
 * of who in a window of window_ms; from the max-th failure on it sets the
 * lock for base_ms * 2^(failures - max), at most the window. Reply: the
 * lock's length in ms, 0 when none. */
struct hilo_store_login_fail {
    const char *who;
    uint64_t window_ms;
    int max;
    int base_ms;
};
int hilo_store_login_fail_argv(struct hilo_store_cmd *c, const struct hilo_store_login_fail *op);
int hilo_store_login_fail(struct hilo_redis *r, const struct hilo_store_login_fail *op,
                          hilo_redis_cb cb, void *data);

/* ---- API keys: apikey:<sha256 hex> -> name, apikeys: name -> sha256 hex ---
 * (lookup by key: hilo_store_apikey_get in store_records.h)
 * set: SET apikey:<hex> <name>; index: HSET apikeys <name> <hex>;
 * del: DEL apikey:<hex>; unindex: HDEL apikeys <name>. */
struct hilo_store_apikey {
    const char *name;
    const char *sha256_hex;
};
int hilo_store_apikey_set_argv(struct hilo_store_cmd *c, const struct hilo_store_apikey *op);
int hilo_store_apikey_index_argv(struct hilo_store_cmd *c, const struct hilo_store_apikey *op);
int hilo_store_apikey_del_argv(struct hilo_store_cmd *c, const struct hilo_store_apikey *op);
int hilo_store_apikey_unindex_argv(struct hilo_store_cmd *c, const struct hilo_store_apikey *op);
/* HEXISTS apikeys <name> -> 1 / 0; HGET apikeys <name> -> hex or nil */
int hilo_store_apikey_exists_argv(struct hilo_store_cmd *c, const char *name);
int hilo_store_apikey_hash_argv(struct hilo_store_cmd *c, const char *name);
/* HKEYS apikeys -> names */
int hilo_store_apikeys_list_argv(struct hilo_store_cmd *c);

/* ---- the link itself ----------------------------------------------------- */

/* PING -> PONG: /readyz asks the command link for a round trip. */
int hilo_store_ping_argv(struct hilo_store_cmd *c);
int hilo_store_ping(struct hilo_redis *r, hilo_redis_cb cb, void *data);

/* For the blocking CLI, whose sync hiredis has no hilo_tx: MULTI, EXEC,
 * DISCARD, and the connection set-up AUTH <password>, SELECT <db>. */
int hilo_store_multi_argv(struct hilo_store_cmd *c);
int hilo_store_exec_argv(struct hilo_store_cmd *c);
int hilo_store_discard_argv(struct hilo_store_cmd *c);
int hilo_store_auth_argv(struct hilo_store_cmd *c, const char *password);
int hilo_store_select_argv(struct hilo_store_cmd *c, int db);

#endif
