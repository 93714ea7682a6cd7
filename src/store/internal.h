/* Shared inside src/store only. */
#ifndef HILO_STORE_INTERNAL_H
#define HILO_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Lua sources, embedded at build time from src/store/lua/ (lua_gen.c). */
extern const char hilo_lua_reserve[], hilo_lua_create[], hilo_lua_append[], hilo_lua_set[],
    hilo_lua_history[], hilo_lua_delivery[], hilo_lua_outbox_due[], hilo_lua_due[],
    hilo_lua_cust[];
extern const char hilo_lua_login_fail[];
extern const char hilo_lua_hold[], hilo_lua_holdev[], hilo_lua_rate[];
extern const char hilo_lua_merge[], hilo_lua_unmerge[], hilo_lua_suggest[];
extern const char hilo_lua_undeliv[];
extern const char hilo_lua_sla[], hilo_lua_slanext[];

/* Source of the script whose SHA1 is sha (40 hex chars), or NULL. */
const char *hilo_scripts_by_sha(const char *sha, size_t len);
struct hilo_redis;
/* Sends SCRIPT LOAD for every script without forgetting the known SHA1s:
 * for a server that lost its scripts (SCRIPT FLUSH, failover). */
void hilo_scripts_reload(struct hilo_redis *r);

/* Building a struct hilo_store_cmd (cmd.c). Past HILO_STORE_CMD_MAX argc
 * stops growing and cmd_finish reports the overflow; a key that does not fit
 * makes cmd_key return -1. */
struct hilo_store_cmd;
void hilo_cmd_start(struct hilo_store_cmd *c, const char *name);
void hilo_cmd_addn(struct hilo_store_cmd *c, const char *s, size_t n);
void hilo_cmd_add(struct hilo_store_cmd *c, const char *s);
void hilo_cmd_num(struct hilo_store_cmd *c, int slot, uint64_t v);
/* Builds key k(arg) into c->key[slot] and adds it. */
int hilo_cmd_key(struct hilo_store_cmd *c, int slot, int k, const char *arg);
int hilo_cmd_finish(struct hilo_store_cmd *c);
/* rc from an op's _argv: adds the built command to tx, or fails the whole
 * transaction (later adds are skipped, commit reports rc). */
struct hilo_tx;
int hilo_cmd_tx_built(struct hilo_tx *tx, int rc, const struct hilo_store_cmd *c);
/* rc from an op's _argv: sends the built command, or returns rc. */
#include "hilo/redis.h"
int hilo_cmd_send_built(struct hilo_redis *r, int rc, const struct hilo_store_cmd *c,
                        hilo_redis_cb cb, void *data);

#endif
