/* Typed ops of the outbox and outgoing webhooks (store_outbox.h). */
#include "hilo/store_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/scripts.h"
#include "internal.h"

#define GROUP "senders"
#define PID_TTL_S 2592000     /* 30 days: provider status callbacks */
#define MSGID_TTL_S 15552000  /* 180 days: email replies */
#define WEBHOOK_LOG_LAST "199" /* LTRIM 0..199: the latest 200 attempts */

int hilo_store_outbox_add_argv(struct hilo_store_cmd *c, const struct hilo_store_outbox_add *op)
{
    if (op->nfields % 2 || op->nfields > HILO_STORE_OUTBOX_FIELDS)
        return -HILO_EINTERNAL;
    hilo_cmd_start(c, "XADD");
    if (hilo_cmd_key(c, 0, HILO_K_OUTBOX, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "*");
    for (int i = 0; i < op->nfields; i++) {
        if (op->lens)
            hilo_cmd_addn(c, op->fields[i], op->lens[i]);
        else
            hilo_cmd_add(c, op->fields[i]);
    }
    return hilo_cmd_finish(c);
}

int hilo_store_outbox_add(struct hilo_redis *r, const struct hilo_store_outbox_add *op,
                          hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_outbox_add_argv(&c, op), &c, cb, data);
}

int hilo_tx_outbox_add(struct hilo_tx *tx, const struct hilo_store_outbox_add *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_outbox_add_argv(&c, op), &c);
}

int hilo_store_outbox_group_argv(struct hilo_store_cmd *c)
{
    hilo_cmd_start(c, "XGROUP");
    hilo_cmd_add(c, "CREATE");
    if (hilo_cmd_key(c, 0, HILO_K_OUTBOX, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, GROUP);
    hilo_cmd_add(c, "0");
    hilo_cmd_add(c, "MKSTREAM");
    return hilo_cmd_finish(c);
}

int hilo_store_outbox_group(struct hilo_redis *r, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_outbox_group_argv(&c), &c, cb, data);
}

int hilo_store_outbox_move_argv(struct hilo_store_cmd *c, const struct hilo_store_outbox_move *op)
{
    hilo_cmd_start(c, "EVALSHA");
    hilo_cmd_add(c, hilo_scripts_sha(HILO_S_OUTBOX_DUE));
    hilo_cmd_add(c, "2");
    if (hilo_cmd_key(c, 0, HILO_K_OUTBOX, NULL) < 0 ||
        hilo_cmd_key(c, 1, HILO_K_OUTBOX_DUE, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, op->now_ms);
    hilo_cmd_num(c, 1, (uint64_t)(op->count > 0 ? op->count : 0));
    return hilo_cmd_finish(c);
}

int hilo_store_outbox_move(struct hilo_redis *r, const struct hilo_store_outbox_move *op,
                           hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_outbox_move_argv(&c, op), &c, cb, data);
}

int hilo_store_outbox_read_argv(struct hilo_store_cmd *c, const struct hilo_store_outbox_read *op)
{
    hilo_cmd_start(c, "XREADGROUP");
    hilo_cmd_add(c, "GROUP");
    hilo_cmd_add(c, GROUP);
    hilo_cmd_add(c, op->consumer);
    hilo_cmd_add(c, "COUNT");
    hilo_cmd_num(c, 0, (uint64_t)(op->count > 0 ? op->count : 1));
    hilo_cmd_add(c, "STREAMS");
    if (hilo_cmd_key(c, 0, HILO_K_OUTBOX, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, ">");
    return hilo_cmd_finish(c);
}

int hilo_store_outbox_read(struct hilo_redis *r, const struct hilo_store_outbox_read *op,
                           hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_outbox_read_argv(&c, op), &c, cb, data);
}

int hilo_store_outbox_claim_argv(struct hilo_store_cmd *c, const struct hilo_store_outbox_claim *op)
{
    hilo_cmd_start(c, "XAUTOCLAIM");
    if (hilo_cmd_key(c, 0, HILO_K_OUTBOX, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, GROUP);
    hilo_cmd_add(c, op->consumer);
    hilo_cmd_num(c, 0, op->min_idle_ms);
    hilo_cmd_add(c, "0-0");
    hilo_cmd_add(c, "COUNT");
    hilo_cmd_num(c, 1, (uint64_t)(op->count > 0 ? op->count : 1));
    return hilo_cmd_finish(c);
}

int hilo_store_outbox_claim(struct hilo_redis *r, const struct hilo_store_outbox_claim *op,
                            hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_outbox_claim_argv(&c, op), &c, cb, data);
}

int hilo_store_outbox_ack_argv(struct hilo_store_cmd *c, const char *entry_id)
{
    hilo_cmd_start(c, "XACK");
    if (hilo_cmd_key(c, 0, HILO_K_OUTBOX, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, GROUP);
    hilo_cmd_add(c, entry_id);
    return hilo_cmd_finish(c);
}

int hilo_store_outbox_del_argv(struct hilo_store_cmd *c, const char *entry_id)
{
    hilo_cmd_start(c, "XDEL");
    if (hilo_cmd_key(c, 0, HILO_K_OUTBOX, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, entry_id);
    return hilo_cmd_finish(c);
}

int hilo_store_outbox_done(struct hilo_redis *r, const char *entry_id, hilo_redis_cb cb,
                           void *data)
{
    struct hilo_store_cmd c;
    int rc = hilo_cmd_send_built(r, hilo_store_outbox_ack_argv(&c, entry_id), &c, NULL, NULL);
    return rc < 0 ? rc : hilo_cmd_send_built(r, hilo_store_outbox_del_argv(&c, entry_id), &c, cb, data);
}

int hilo_tx_outbox_done(struct hilo_tx *tx, const char *entry_id)
{
    struct hilo_store_cmd c;
    hilo_cmd_tx_built(tx, hilo_store_outbox_ack_argv(&c, entry_id), &c);
    return hilo_cmd_tx_built(tx, hilo_store_outbox_del_argv(&c, entry_id), &c);
}

int hilo_store_outbox_due_argv(struct hilo_store_cmd *c, const struct hilo_store_outbox_due *op)
{
    hilo_cmd_start(c, "ZADD");
    if (hilo_cmd_key(c, 0, HILO_K_OUTBOX_DUE, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, op->at_ms);
    hilo_cmd_add(c, op->entry);
    return hilo_cmd_finish(c);
}

int hilo_tx_outbox_due(struct hilo_tx *tx, const struct hilo_store_outbox_due *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_outbox_due_argv(&c, op), &c);
}

/* c->val = "<ref> <event id>", the dead letter's member */
static int dead_member(struct hilo_store_cmd *c, const struct hilo_store_outbox_dead *op)
{
    int n = snprintf(c->val, sizeof c->val, "%s %s", op->ref ? op->ref : "",
                     op->event_id ? op->event_id : "");
    return n < 0 || (size_t)n >= sizeof c->val ? -HILO_EINTERNAL : 0;
}

/* <command> <key> [score] member [value] */
static int dead_cmd(struct hilo_store_cmd *c, const struct hilo_store_outbox_dead *op,
                    const char *name, enum hilo_key k)
{
    if (dead_member(c, op) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_start(c, name);
    if (hilo_cmd_key(c, 0, k, NULL) < 0)
        return -HILO_EINTERNAL;
    if (strcmp(name, "ZADD") == 0)
        hilo_cmd_num(c, 0, op->at_ms);
    hilo_cmd_add(c, c->val);
    if (strcmp(name, "HSET") == 0)
        hilo_cmd_add(c, op->entry);
    return hilo_cmd_finish(c);
}

int hilo_store_outbox_dead_add_argv(struct hilo_store_cmd *c,
                                    const struct hilo_store_outbox_dead *op)
{
    return dead_cmd(c, op, "ZADD", HILO_K_OUTBOX_DEAD);
}

int hilo_store_outbox_deadx_set_argv(struct hilo_store_cmd *c,
                                     const struct hilo_store_outbox_dead *op)
{
    return dead_cmd(c, op, "HSET", HILO_K_OUTBOX_DEADX);
}

int hilo_store_outbox_dead_rem_argv(struct hilo_store_cmd *c,
                                    const struct hilo_store_outbox_dead *op)
{
    return dead_cmd(c, op, "ZREM", HILO_K_OUTBOX_DEAD);
}

int hilo_store_outbox_deadx_del_argv(struct hilo_store_cmd *c,
                                     const struct hilo_store_outbox_dead *op)
{
    return dead_cmd(c, op, "HDEL", HILO_K_OUTBOX_DEADX);
}

int hilo_store_outbox_dead_get_argv(struct hilo_store_cmd *c,
                                    const struct hilo_store_outbox_dead *op)
{
    return dead_cmd(c, op, "HGET", HILO_K_OUTBOX_DEADX);
}

int hilo_tx_outbox_bury(struct hilo_tx *tx, const struct hilo_store_outbox_dead *op)
{
    struct hilo_store_cmd c;
    hilo_cmd_tx_built(tx, hilo_store_outbox_dead_add_argv(&c, op), &c);
    return hilo_cmd_tx_built(tx, hilo_store_outbox_deadx_set_argv(&c, op), &c);
}

int hilo_tx_outbox_unbury(struct hilo_tx *tx, const struct hilo_store_outbox_dead *op)
{
    struct hilo_store_cmd c;
    hilo_cmd_tx_built(tx, hilo_store_outbox_dead_rem_argv(&c, op), &c);
    return hilo_cmd_tx_built(tx, hilo_store_outbox_deadx_del_argv(&c, op), &c);
}

int hilo_store_outbox_dead_get(struct hilo_redis *r, const struct hilo_store_outbox_dead *op,
                               hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_outbox_dead_get_argv(&c, op), &c, cb, data);
}

int hilo_store_sent_pid_argv(struct hilo_store_cmd *c, const struct hilo_store_sent_pid *op)
{
    /* "<provider>:<id>" cut at 259 bytes, as the outbox always did (the
     * lookup, hilo_store_pid_get, cuts at 299: they differ only for ids far
     * longer than any provider issues) */
    char arg[260];
    int n = snprintf(arg, sizeof arg, "%s:%s", op->provider ? op->provider : "",
                     op->provider_id ? op->provider_id : "");
    if (n < 0)
        return -HILO_EINTERNAL;
    n = snprintf(c->val, sizeof c->val, "%s %s", op->ref ? op->ref : "",
                 op->event_id ? op->event_id : "");
    if (n < 0 || (size_t)n >= sizeof c->val)
        return -HILO_EINTERNAL;
    hilo_cmd_start(c, "SET");
    if (hilo_cmd_key(c, 0, HILO_K_PID, arg) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, c->val);
    hilo_cmd_add(c, "EX");
    hilo_cmd_num(c, 0, PID_TTL_S);
    return hilo_cmd_finish(c);
}

int hilo_tx_sent_pid(struct hilo_tx *tx, const struct hilo_store_sent_pid *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_sent_pid_argv(&c, op), &c);
}

int hilo_store_sent_msgid_argv(struct hilo_store_cmd *c, const struct hilo_store_sent_msgid *op)
{
    hilo_cmd_start(c, "SET");
    if (hilo_cmd_key(c, 0, HILO_K_MSGID, op->msgid) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->ref);
    hilo_cmd_add(c, "EX");
    hilo_cmd_num(c, 0, MSGID_TTL_S);
    return hilo_cmd_finish(c);
}

int hilo_tx_sent_msgid(struct hilo_tx *tx, const struct hilo_store_sent_msgid *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_sent_msgid_argv(&c, op), &c);
}

/* ---- outgoing webhooks --------------------------------------------------- */

int hilo_store_webhook_lock_argv(struct hilo_store_cmd *c, const struct hilo_store_webhook_lock *op)
{
    hilo_cmd_start(c, "SET");
    if (hilo_cmd_key(c, 0, HILO_K_WEBHOOK_LOCK, op->ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->holder);
    hilo_cmd_add(c, "NX");
    hilo_cmd_add(c, "PX");
    hilo_cmd_num(c, 0, op->ttl_ms);
    return hilo_cmd_finish(c);
}

int hilo_store_webhook_lock(struct hilo_redis *r, const struct hilo_store_webhook_lock *op,
                            hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_webhook_lock_argv(&c, op), &c, cb, data);
}

int hilo_store_webhook_unlock_argv(struct hilo_store_cmd *c,
                                   const struct hilo_store_webhook_lock *op)
{
    hilo_cmd_start(c, "EVAL");
    hilo_cmd_add(c, "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                    "return redis.call('DEL', KEYS[1]) end return 0");
    hilo_cmd_add(c, "1");
    if (hilo_cmd_key(c, 0, HILO_K_WEBHOOK_LOCK, op->ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->holder);
    return hilo_cmd_finish(c);
}

int hilo_store_webhook_unlock(struct hilo_redis *r, const struct hilo_store_webhook_lock *op,
                              hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_webhook_unlock_argv(&c, op), &c, cb, data);
}

int hilo_store_webhook_cursor_get_argv(struct hilo_store_cmd *c,
                                       const struct hilo_store_webhook_cursor *op)
{
    hilo_cmd_start(c, "HGET");
    if (hilo_cmd_key(c, 0, HILO_K_TICKET, op->ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "webhook_cursor");
    return hilo_cmd_finish(c);
}

int hilo_store_webhook_cursor_get(struct hilo_redis *r, const struct hilo_store_webhook_cursor *op,
                                  hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_webhook_cursor_get_argv(&c, op), &c, cb, data);
}

int hilo_store_webhook_cursor_set_argv(struct hilo_store_cmd *c,
                                       const struct hilo_store_webhook_cursor *op)
{
    hilo_cmd_start(c, "HSET");
    if (hilo_cmd_key(c, 0, HILO_K_TICKET, op->ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "webhook_cursor");
    hilo_cmd_add(c, op->upto);
    return hilo_cmd_finish(c);
}

int hilo_store_webhook_cursor_set(struct hilo_redis *r, const struct hilo_store_webhook_cursor *op,
                                  hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_webhook_cursor_set_argv(&c, op), &c, cb, data);
}

int hilo_store_webhook_log_push_argv(struct hilo_store_cmd *c, const char *entry)
{
    hilo_cmd_start(c, "LPUSH");
    if (hilo_cmd_key(c, 0, HILO_K_WEBHOOK_LOG, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, entry);
    return hilo_cmd_finish(c);
}

int hilo_store_webhook_log_trim_argv(struct hilo_store_cmd *c)
{
    hilo_cmd_start(c, "LTRIM");
    if (hilo_cmd_key(c, 0, HILO_K_WEBHOOK_LOG, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "0");
    hilo_cmd_add(c, WEBHOOK_LOG_LAST);
    return hilo_cmd_finish(c);
}

int hilo_store_webhook_log(struct hilo_redis *r, const char *entry, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    int rc = hilo_cmd_send_built(r, hilo_store_webhook_log_push_argv(&c, entry), &c, NULL, NULL);
    return rc < 0 ? rc : hilo_cmd_send_built(r, hilo_store_webhook_log_trim_argv(&c), &c, cb, data);
}

int hilo_store_outbox_dead_list_argv(struct hilo_store_cmd *c, int stop)
{
    hilo_cmd_start(c, "ZREVRANGE");
    if (hilo_cmd_key(c, 0, HILO_K_OUTBOX_DEAD, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "0");
    hilo_cmd_num(c, 0, (uint64_t)(stop > 0 ? stop : 0));
    return hilo_cmd_finish(c);
}

int hilo_store_outbox_dead_list(struct hilo_redis *r, int stop, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_outbox_dead_list_argv(&c, stop), &c, cb, data);
}

int hilo_store_outbox_dead_items(struct hilo_redis *r, const char *const *members, size_t n,
                                 hilo_redis_cb cb, void *data)
{
    char deadx[128];
    int rc;
    if (n == 0 || n > 100000 || hilo_key(deadx, sizeof deadx, HILO_K_OUTBOX_DEADX, NULL) < 0)
        return -HILO_EINTERNAL;
    const char **argv = calloc(n + 2, sizeof *argv);
    if (!argv)
        return -HILO_EINTERNAL;
    argv[0] = "HMGET";
    argv[1] = deadx;
    for (size_t i = 0; i < n; i++)
        argv[2 + i] = members[i];
    /* hiredis formats the command at once: argv is not needed after */
    rc = hilo_redis_cmdargv(r, cb, data, (int)n + 2, argv, NULL);
    free(argv);
    return rc;
}

int hilo_store_webhook_log_read_argv(struct hilo_store_cmd *c, int stop)
{
    hilo_cmd_start(c, "LRANGE");
    if (hilo_cmd_key(c, 0, HILO_K_WEBHOOK_LOG, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "0");
    hilo_cmd_num(c, 0, (uint64_t)(stop > 0 ? stop : 0));
    return hilo_cmd_finish(c);
}

int hilo_store_webhook_log_read(struct hilo_redis *r, int stop, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_webhook_log_read_argv(&c, stop), &c, cb, data);
}

/* ---- permanent failures --------------------------------------------------- */

int hilo_store_sent_entry_argv(struct hilo_store_cmd *c, const struct hilo_store_sent_entry *op)
{
    hilo_cmd_start(c, "HSET");
    if (!op->ref || strlen(op->ref) > 64 || hilo_cmd_key(c, 0, HILO_K_OUTBOX_SENT, op->ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->event_id ? op->event_id : "");
    hilo_cmd_add(c, op->entry ? op->entry : "{}");
    return hilo_cmd_finish(c);
}

int hilo_tx_sent_entry(struct hilo_tx *tx, const struct hilo_store_sent_entry *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_sent_entry_argv(&c, op), &c);
}

int hilo_store_sent_entry_del_argv(struct hilo_store_cmd *c, const struct hilo_store_sent_entry *op)
{
    hilo_cmd_start(c, "HDEL");
    if (!op->ref || strlen(op->ref) > 64 || hilo_cmd_key(c, 0, HILO_K_OUTBOX_SENT, op->ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->event_id ? op->event_id : "");
    return hilo_cmd_finish(c);
}

int hilo_store_sent_entry_del(struct hilo_redis *r, const struct hilo_store_sent_entry *op,
                              hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_sent_entry_del_argv(&c, op), &c, cb, data);
}

int hilo_tx_sent_entry_del(struct hilo_tx *tx, const struct hilo_store_sent_entry *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_sent_entry_del_argv(&c, op), &c);
}

static int sent_entry_get_argv(struct hilo_store_cmd *c, const struct hilo_store_sent_entry *op)
{
    hilo_cmd_start(c, "HGET");
    if (!op->ref || strlen(op->ref) > 64 || hilo_cmd_key(c, 0, HILO_K_OUTBOX_SENT, op->ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->event_id ? op->event_id : "");
    return hilo_cmd_finish(c);
}

int hilo_tx_sent_entry_get(struct hilo_tx *tx, const struct hilo_store_sent_entry *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, sent_entry_get_argv(&c, op), &c);
}

static int delivery_get_argv(struct hilo_store_cmd *c, const struct hilo_store_sent_entry *op)
{
    hilo_cmd_start(c, "HGET");
    if (!op->ref || strlen(op->ref) > 64 || hilo_cmd_key(c, 0, HILO_K_DELIVERY, op->ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->event_id ? op->event_id : "");
    return hilo_cmd_finish(c);
}

int hilo_tx_delivery_get(struct hilo_tx *tx, const struct hilo_store_sent_entry *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, delivery_get_argv(&c, op), &c);
}

int hilo_store_undelivered_argv(struct hilo_store_argv *a,
                                const struct hilo_store_undelivered *op)
{
    const char *sha = hilo_scripts_sha(HILO_S_UNDELIV);
    if (!op->ref || !*op->ref || strlen(op->ref) > 64)
        return -HILO_EINTERNAL;
    if (strlen(sha) != 40)
        return -HILO_EUNAVAIL;
    hilo_ticket_keys(&a->k, op->ref);
    if (hilo_key(a->ckeys[0], sizeof a->ckeys[0], HILO_K_OUTBOX_SENT, op->ref) < 0 ||
        hilo_key(a->ckeys[1], sizeof a->ckeys[1], HILO_K_OUTBOX_DEAD, NULL) < 0 ||
        hilo_key(a->ckeys[2], sizeof a->ckeys[2], HILO_K_OUTBOX_DEADX, NULL) < 0 ||
        /* the script needs no reservation key: its slot holds the index */
        hilo_key(a->k.rsv, sizeof a->k.rsv, HILO_K_IDX_ACTIVE, NULL) < 0)
        return -HILO_EINTERNAL;
    snprintf(a->num[0], sizeof a->num[0], "%llu", (unsigned long long)op->at_ms);
    const char *v[] = {"EVALSHA", sha, "7", a->k.tk, a->k.ev, a->k.dl, a->ckeys[0], a->ckeys[1],
                       a->ckeys[2], a->k.rsv, op->chan ? op->chan : "", op->ref,
                       op->event_id ? op->event_id : "", op->error ? op->error : "",
                       op->bury ? "1" : "0", a->num[0]};
    a->argc = (int)HILO_ARRAY_LEN(v);
    for (int i = 0; i < a->argc; i++) {
        a->argv[i] = v[i];
        a->lens[i] = strlen(v[i]);
    }
    return 0;
}
