/* Typed store operations of verified continuity (include/hilo/store_holds.h,
 * docs/continuity.md, scripts hold.lua, holdev.lua and rate.lua). */
#include <stdio.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/scripts.h"
#include "hilo/store.h"
#include "hilo/store_holds.h"
#include "internal.h"

static const char *s_(const char *s) { return s ? s : ""; }

/* <name> <key(arg)> then the arguments the caller adds */
static int keyed(struct hilo_store_cmd *c, const char *name, enum hilo_key k, const char *arg)
{
    hilo_cmd_start(c, name);
    return hilo_cmd_key(c, 0, k, arg) < 0 ? -HILO_EINTERNAL : 0;
}

/* EVALSHA <script> <nkeys> key(k1, arg) [key(k2, arg)] */
static int eval(struct hilo_store_cmd *c, enum hilo_script s, enum hilo_key k1, enum hilo_key k2,
                int nkeys, const char *arg)
{
    const char *sha = hilo_scripts_sha(s);
    if (strlen(sha) != 40)
        return -HILO_EUNAVAIL; /* not loaded on this connection yet */
    hilo_cmd_start(c, "EVALSHA");
    hilo_cmd_add(c, sha);
    hilo_cmd_add(c, nkeys == 2 ? "2" : "1");
    if (hilo_cmd_key(c, 0, k1, arg) < 0 || (nkeys == 2 && hilo_cmd_key(c, 1, k2, arg) < 0))
        return -HILO_EINTERNAL;
    return 0;
}

#define TX(call)                                                                                  \
    do {                                                                                          \
        struct hilo_store_cmd c;                                                                  \
        return hilo_cmd_tx_built(tx, call, &c);                                                   \
    } while (0)
#define SEND(call)                                                                                \
    do {                                                                                          \
        struct hilo_store_cmd c;                                                                  \
        return hilo_cmd_send_built(r, call, &c, cb, data);                                        \
    } while (0)

/* ---- evidence ------------------------------------------------------------ */

int hilo_store_evidence_set_argv(struct hilo_store_cmd *c, const struct hilo_store_evidence *op)
{
    if (!op->customer || !*op->customer || !op->identity || !*op->identity ||
        keyed(c, op->nx ? "HSETNX" : "HSET", HILO_K_CUST_EVIDENCE, op->customer) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, op->identity);
    hilo_cmd_add(c, s_(op->json));
    return hilo_cmd_finish(c);
}

int hilo_tx_evidence_set(struct hilo_tx *tx, const struct hilo_store_evidence *op)
{
    TX(hilo_store_evidence_set_argv(&c, op));
}

int hilo_store_evidence_all_argv(struct hilo_store_cmd *c, const char *customer)
{
    if (keyed(c, "HGETALL", HILO_K_CUST_EVIDENCE, customer) < 0)
        return -HILO_EINTERNAL;
    return hilo_cmd_finish(c);
}

int hilo_tx_evidence_all(struct hilo_tx *tx, const char *customer)
{
    TX(hilo_store_evidence_all_argv(&c, customer));
}

int hilo_store_evidence_del_argv(struct hilo_store_cmd *c, const char *customer,
                                 const char *identity)
{
    if (keyed(c, "HDEL", HILO_K_CUST_EVIDENCE, customer) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, s_(identity));
    return hilo_cmd_finish(c);
}

int hilo_tx_evidence_del(struct hilo_tx *tx, const char *customer, const char *identity)
{
    TX(hilo_store_evidence_del_argv(&c, customer, identity));
}

static int ids_rem_argv(struct hilo_store_cmd *c, const char *customer, const char *identity)
{
    if (keyed(c, "SREM", HILO_K_CUST_IDS, customer) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, s_(identity));
    return hilo_cmd_finish(c);
}

int hilo_tx_customer_ids_rem(struct hilo_tx *tx, const char *customer, const char *identity)
{
    TX(ids_rem_argv(&c, customer, identity));
}

static int ident_del_argv(struct hilo_store_cmd *c, const char *identity)
{
    if (!identity || !*identity || keyed(c, "DEL", HILO_K_IDENT, identity) < 0)
        return -HILO_EINTERNAL;
    return hilo_cmd_finish(c);
}

int hilo_tx_ident_del(struct hilo_tx *tx, const char *identity)
{
    TX(ident_del_argv(&c, identity));
}

/* ---- holds ------------------------------------------------------------- */

int hilo_store_hold_open_argv(struct hilo_store_cmd *c, const struct hilo_store_hold_open *op)
{
    int rc = eval(c, HILO_S_HOLD, HILO_K_HOLD, HILO_K_HOLD_MSGS, 2, op->id);
    if (rc < 0)
        return rc;
    hilo_cmd_add(c, "open");
    hilo_cmd_num(c, 0, op->now_ms);
    hilo_cmd_num(c, 1, (uint64_t)(op->ttl_s > 0 ? op->ttl_s : 1));
    hilo_cmd_add(c, s_(op->msg));
    if (op->nfields % 2)
        return -HILO_EINTERNAL;
    for (int i = 0; i < op->nfields; i++)
        hilo_cmd_add(c, s_(op->fields[i]));
    return hilo_cmd_finish(c);
}

int hilo_tx_hold_open(struct hilo_tx *tx, const struct hilo_store_hold_open *op)
{
    TX(hilo_store_hold_open_argv(&c, op));
}

int hilo_store_hold_add_argv(struct hilo_store_cmd *c, const char *id, const char *msg, int max)
{
    int rc = eval(c, HILO_S_HOLD, HILO_K_HOLD, HILO_K_HOLD_MSGS, 2, id);
    if (rc < 0)
        return rc;
    hilo_cmd_add(c, "add");
    hilo_cmd_add(c, s_(msg));
    hilo_cmd_num(c, 0, (uint64_t)(max > 0 ? max : 1));
    return hilo_cmd_finish(c);
}

int hilo_store_hold_add(struct hilo_redis *r, const char *id, const char *msg, int max,
                        hilo_redis_cb cb, void *data)
{
    SEND(hilo_store_hold_add_argv(&c, id, msg, max));
}

int hilo_store_hold_try_argv(struct hilo_store_cmd *c, const struct hilo_store_hold_try *op)
{
    int rc = eval(c, HILO_S_HOLD, HILO_K_HOLD, HILO_K_HOLD_MSGS, 2, op->id);
    if (rc < 0)
        return rc;
    hilo_cmd_add(c, "try");
    hilo_cmd_add(c, s_(op->code_hash));
    hilo_cmd_num(c, 0, op->now_ms);
    hilo_cmd_num(c, 1, (uint64_t)(op->max_tries > 0 ? op->max_tries : 1));
    return hilo_cmd_finish(c);
}

int hilo_store_hold_try(struct hilo_redis *r, const struct hilo_store_hold_try *op,
                        hilo_redis_cb cb, void *data)
{
    SEND(hilo_store_hold_try_argv(&c, op));
}

int hilo_store_hold_decide_argv(struct hilo_store_cmd *c, const struct hilo_store_hold_decide *op)
{
    int rc = eval(c, HILO_S_HOLD, HILO_K_HOLD, HILO_K_HOLD_MSGS, 2, op->id);
    if (rc < 0)
        return rc;
    hilo_cmd_add(c, "decide");
    hilo_cmd_add(c, s_(op->status));
    hilo_cmd_add(c, s_(op->by));
    hilo_cmd_num(c, 0, op->now_ms);
    return hilo_cmd_finish(c);
}

int hilo_store_hold_decide(struct hilo_redis *r, const struct hilo_store_hold_decide *op,
                           hilo_redis_cb cb, void *data)
{
    SEND(hilo_store_hold_decide_argv(&c, op));
}

int hilo_store_hold_done_argv(struct hilo_store_cmd *c, const char *id, uint64_t now_ms)
{
    int rc = eval(c, HILO_S_HOLD, HILO_K_HOLD, HILO_K_HOLD_MSGS, 2, id);
    if (rc < 0)
        return rc;
    hilo_cmd_add(c, "done");
    hilo_cmd_num(c, 0, now_ms);
    return hilo_cmd_finish(c);
}

int hilo_tx_hold_done(struct hilo_tx *tx, const char *id, uint64_t now_ms)
{
    TX(hilo_store_hold_done_argv(&c, id, now_ms));
}

static int hold_back_argv(struct hilo_store_cmd *c, const char *id)
{
    int rc = eval(c, HILO_S_HOLD, HILO_K_HOLD, HILO_K_HOLD_MSGS, 2, id);
    if (rc < 0)
        return rc;
    hilo_cmd_add(c, "back");
    return hilo_cmd_finish(c);
}

int hilo_tx_hold_back(struct hilo_tx *tx, const char *id) { TX(hold_back_argv(&c, id)); }

int hilo_store_hold_get_argv(struct hilo_store_cmd *c, const char *id)
{
    if (keyed(c, "HGETALL", HILO_K_HOLD, id) < 0)
        return -HILO_EINTERNAL;
    return hilo_cmd_finish(c);
}

int hilo_tx_hold_get(struct hilo_tx *tx, const char *id) { TX(hilo_store_hold_get_argv(&c, id)); }

int hilo_store_hold_msgs_argv(struct hilo_store_cmd *c, const char *id)
{
    if (keyed(c, "LRANGE", HILO_K_HOLD_MSGS, id) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "0");
    hilo_cmd_add(c, "-1");
    return hilo_cmd_finish(c);
}

int hilo_tx_hold_msgs(struct hilo_tx *tx, const char *id) { TX(hilo_store_hold_msgs_argv(&c, id)); }

/* ---- indexes ------------------------------------------------------------- */

static int zadd_argv(struct hilo_store_cmd *c, enum hilo_key k, const char *arg, const char *id,
                     uint64_t at_ms)
{
    if (keyed(c, "ZADD", k, arg) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, at_ms);
    hilo_cmd_add(c, s_(id));
    return hilo_cmd_finish(c);
}

int hilo_tx_holds_add(struct hilo_tx *tx, const char *id, uint64_t at_ms)
{
    TX(zadd_argv(&c, HILO_K_HOLDS, "", id, at_ms));
}

static int holds_rem_argv(struct hilo_store_cmd *c, const char *id)
{
    if (keyed(c, "ZREM", HILO_K_HOLDS, "") < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, s_(id));
    return hilo_cmd_finish(c);
}

int hilo_tx_holds_rem(struct hilo_tx *tx, const char *id) { TX(holds_rem_argv(&c, id)); }

int hilo_store_holds_list_argv(struct hilo_store_cmd *c, int stop)
{
    if (keyed(c, "ZREVRANGE", HILO_K_HOLDS, "") < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "0");
    hilo_cmd_num(c, 0, (uint64_t)(stop > 0 ? stop : 0));
    return hilo_cmd_finish(c);
}

int hilo_store_holds_list(struct hilo_redis *r, int stop, hilo_redis_cb cb, void *data)
{
    SEND(hilo_store_holds_list_argv(&c, stop));
}

int hilo_tx_ticket_holds_add(struct hilo_tx *tx, const char *ref, const char *id, uint64_t at_ms)
{
    TX(zadd_argv(&c, HILO_K_TICKET_HOLDS, ref, id, at_ms));
}

static int ticket_holds_argv(struct hilo_store_cmd *c, const char *ref)
{
    if (keyed(c, "ZRANGE", HILO_K_TICKET_HOLDS, ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "0");
    hilo_cmd_add(c, "-1");
    return hilo_cmd_finish(c);
}

int hilo_tx_ticket_holds(struct hilo_tx *tx, const char *ref) { TX(ticket_holds_argv(&c, ref)); }

static int ticket_holds_latest_argv(struct hilo_store_cmd *c, const char *ref, int n)
{
    if (keyed(c, "ZREVRANGE", HILO_K_TICKET_HOLDS, ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "0");
    hilo_cmd_num(c, 0, (uint64_t)(n > 1 ? n - 1 : 0));
    return hilo_cmd_finish(c);
}

int hilo_tx_ticket_holds_latest(struct hilo_tx *tx, const char *ref, int n)
{
    TX(ticket_holds_latest_argv(&c, ref, n));
}

int hilo_store_hold_by_get_argv(struct hilo_store_cmd *c, const char *identity)
{
    if (keyed(c, "GET", HILO_K_HOLD_BY, identity) < 0)
        return -HILO_EINTERNAL;
    return hilo_cmd_finish(c);
}

int hilo_tx_hold_by_get(struct hilo_tx *tx, const char *identity)
{
    TX(hilo_store_hold_by_get_argv(&c, identity));
}

static int hold_by_set_argv(struct hilo_store_cmd *c, const char *identity, const char *id,
                            int ttl_s)
{
    if (keyed(c, "SET", HILO_K_HOLD_BY, identity) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, s_(id));
    hilo_cmd_add(c, "EX");
    hilo_cmd_num(c, 0, (uint64_t)(ttl_s > 0 ? ttl_s : 1));
    return hilo_cmd_finish(c);
}

int hilo_tx_hold_by_set(struct hilo_tx *tx, const char *identity, const char *id, int ttl_s)
{
    TX(hold_by_set_argv(&c, identity, id, ttl_s));
}

static int hold_by_del_argv(struct hilo_store_cmd *c, const char *identity)
{
    if (keyed(c, "DEL", HILO_K_HOLD_BY, identity) < 0)
        return -HILO_EINTERNAL;
    return hilo_cmd_finish(c);
}

int hilo_tx_hold_by_del(struct hilo_tx *tx, const char *identity)
{
    TX(hold_by_del_argv(&c, identity));
}

/* ---- hold events --------------------------------------------------------- */

int hilo_store_holdev_argv(struct hilo_store_argv *a, const struct hilo_store_holdev *op)
{
    const char *sha = hilo_scripts_sha(HILO_S_HOLDEV);
    if (!op->ref || !*op->ref || strlen(op->ref) > 64)
        return -HILO_EINTERNAL;
    if (strlen(sha) != 40)
        return -HILO_EUNAVAIL;
    hilo_ticket_keys(&a->k, op->ref);
    const char *v[] = {"EVALSHA", sha, "2", a->k.tk, a->k.ev, s_(op->chan), op->ref,
                       s_(op->text), s_(op->extra), s_(op->counter)};
    a->argc = (int)HILO_ARRAY_LEN(v);
    for (int i = 0; i < a->argc; i++) {
        a->argv[i] = v[i];
        a->lens[i] = strlen(v[i]);
    }
    return 0;
}

/* ---- attempt counters ---------------------------------------------------- */

int hilo_store_rate_argv(struct hilo_store_cmd *c, const struct hilo_store_rate *op)
{
    char arg[360];
    int n = snprintf(arg, sizeof arg, "%s:%s", s_(op->scope), s_(op->key));
    if (n < 0 || (size_t)n >= sizeof arg)
        return -HILO_EINTERNAL;
    int rc = eval(c, HILO_S_RATE, HILO_K_RATE, HILO_K_RATE, 1, arg);
    if (rc < 0)
        return rc;
    hilo_cmd_num(c, 0, op->window_ms ? op->window_ms : 1);
    return hilo_cmd_finish(c);
}

int hilo_store_rate_hit(struct hilo_redis *r, const struct hilo_store_rate *op, hilo_redis_cb cb,
                        void *data)
{
    SEND(hilo_store_rate_argv(&c, op));
}

int hilo_tx_rate_hit(struct hilo_tx *tx, const struct hilo_store_rate *op)
{
    TX(hilo_store_rate_argv(&c, op));
}

static int rate_get_argv(struct hilo_store_cmd *c, const struct hilo_store_rate *op)
{
    char arg[360];
    int n = snprintf(arg, sizeof arg, "%s:%s", s_(op->scope), s_(op->key));
    if (n < 0 || (size_t)n >= sizeof arg || keyed(c, "GET", HILO_K_RATE, arg) < 0)
        return -HILO_EINTERNAL;
    return hilo_cmd_finish(c);
}

int hilo_tx_rate_get(struct hilo_tx *tx, const struct hilo_store_rate *op)
{
    TX(rate_get_argv(&c, op));
}

/* ---- notices ------------------------------------------------------------- */

int hilo_tx_notice(struct hilo_tx *tx, const struct hilo_store_notice *op)
{
    char pref[16];
    struct hilo_store_cmd c;
    int rc;
    snprintf(pref, sizeof pref, "h%s", s_(op->id));
    rc = keyed(&c, "HSET", HILO_K_DEDUPE, pref);
    if (rc == 0) {
        hilo_cmd_add(&c, s_(op->key));
        hilo_cmd_add(&c, s_(op->event_id));
        rc = hilo_cmd_finish(&c);
    }
    if (hilo_cmd_tx_built(tx, rc, &c) < 0)
        return tx->rc;
    rc = keyed(&c, "HSET", HILO_K_DELIVERY, pref);
    if (rc == 0) {
        hilo_cmd_add(&c, s_(op->event_id));
        hilo_cmd_add(&c, s_(op->delivery));
        rc = hilo_cmd_finish(&c);
    }
    return hilo_cmd_tx_built(tx, rc, &c);
}
