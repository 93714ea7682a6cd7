/* Typed ops on single records (store_records.h). */
#include "hilo/store_records.h"

#include <stdio.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "internal.h"

/* "<a>:<b>" into c->val, the argument of a "<provider>:<id>" key, cut at
 * 299 bytes as the callers always did: an over-long provider id still gets
 * a (shortened) dedupe mark instead of a refusal the provider would retry
 * for ever. */
#define PAIR_MAX 300
static int pair(struct hilo_store_cmd *c, const char *a, const char *b)
{
    return snprintf(c->val, PAIR_MAX, "%s:%s", a ? a : "", b ? b : "") < 0 ? -1 : 0;
}

/* GET <key(arg)> */
static int get(struct hilo_store_cmd *c, enum hilo_key k, const char *arg)
{
    hilo_cmd_start(c, "GET");
    if (hilo_cmd_key(c, 0, k, arg) < 0)
        return -HILO_EINTERNAL;
    return hilo_cmd_finish(c);
}

/* SET <key(arg)> <value> EX <ttl> */
static int set_ex(struct hilo_store_cmd *c, enum hilo_key k, const char *arg, const char *value,
                  int ttl_s)
{
    hilo_cmd_start(c, "SET");
    if (hilo_cmd_key(c, 0, k, arg) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, value);
    hilo_cmd_add(c, "EX");
    hilo_cmd_num(c, 0, (uint64_t)(ttl_s > 0 ? ttl_s : 1));
    return hilo_cmd_finish(c);
}

int hilo_store_seen_get_argv(struct hilo_store_cmd *c, const struct hilo_store_seen *op)
{
    if (pair(c, op->provider, op->provider_id) < 0)
        return -HILO_EINTERNAL;
    return get(c, HILO_K_SEEN, c->val);
}

int hilo_tx_seen_get(struct hilo_tx *tx, const struct hilo_store_seen *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_seen_get_argv(&c, op), &c);
}

int hilo_store_seen_set_argv(struct hilo_store_cmd *c, const struct hilo_store_seen *op)
{
    if (pair(c, op->provider, op->provider_id) < 0)
        return -HILO_EINTERNAL;
    return set_ex(c, HILO_K_SEEN, c->val, op->ref, op->ttl_s);
}

int hilo_store_seen_set(struct hilo_redis *r, const struct hilo_store_seen *op, hilo_redis_cb cb,
                        void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_seen_set_argv(&c, op), &c, cb, data);
}

int hilo_store_ident_get_argv(struct hilo_store_cmd *c, const char *identity)
{
    return get(c, HILO_K_IDENT, identity);
}

int hilo_store_ident_get(struct hilo_redis *r, const char *identity, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_ident_get_argv(&c, identity), &c, cb, data);
}

int hilo_tx_ident_get(struct hilo_tx *tx, const char *identity)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_ident_get_argv(&c, identity), &c);
}

int hilo_store_msgid_get_argv(struct hilo_store_cmd *c, const char *msgid)
{
    return get(c, HILO_K_MSGID, msgid);
}

int hilo_tx_msgid_get(struct hilo_tx *tx, const char *msgid)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_msgid_get_argv(&c, msgid), &c);
}

int hilo_store_customer_current_argv(struct hilo_store_cmd *c, const char *customer)
{
    hilo_cmd_start(c, "HGET");
    if (hilo_cmd_key(c, 0, HILO_K_CUSTOMER, customer) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "cur");
    return hilo_cmd_finish(c);
}

int hilo_store_customer_current(struct hilo_redis *r, const char *customer, hilo_redis_cb cb,
                                void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_customer_current_argv(&c, customer), &c, cb, data);
}

int hilo_store_ticket_fields_argv(struct hilo_store_cmd *c,
                                  const struct hilo_store_ticket_fields *op)
{
    if (op->nfields < 1)
        return -HILO_EINTERNAL;
    hilo_cmd_start(c, "HMGET");
    if (hilo_cmd_key(c, 0, HILO_K_TICKET, op->ref) < 0)
        return -HILO_EINTERNAL;
    for (int i = 0; i < op->nfields; i++)
        hilo_cmd_add(c, op->fields[i]);
    return hilo_cmd_finish(c);
}

int hilo_store_ticket_fields(struct hilo_redis *r, const struct hilo_store_ticket_fields *op,
                             hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_ticket_fields_argv(&c, op), &c, cb, data);
}

int hilo_store_call_get_argv(struct hilo_store_cmd *c, const struct hilo_store_call *op)
{
    return get(c, HILO_K_CALL, op->sid);
}

int hilo_store_call_get(struct hilo_redis *r, const struct hilo_store_call *op, hilo_redis_cb cb,
                        void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_call_get_argv(&c, op), &c, cb, data);
}

int hilo_store_call_set_argv(struct hilo_store_cmd *c, const struct hilo_store_call *op)
{
    return set_ex(c, HILO_K_CALL, op->sid, op->ref, op->ttl_s);
}

int hilo_store_call_set(struct hilo_redis *r, const struct hilo_store_call *op, hilo_redis_cb cb,
                        void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_call_set_argv(&c, op), &c, cb, data);
}

int hilo_store_pid_get_argv(struct hilo_store_cmd *c, const struct hilo_store_pid *op)
{
    if (pair(c, op->provider, op->provider_id) < 0)
        return -HILO_EINTERNAL;
    return get(c, HILO_K_PID, c->val);
}

int hilo_store_pid_get(struct hilo_redis *r, const struct hilo_store_pid *op, hilo_redis_cb cb,
                       void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_pid_get_argv(&c, op), &c, cb, data);
}

/* ---- customers and identities ------------------------------------------- */

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

int hilo_store_customer_get_argv(struct hilo_store_cmd *c, const char *customer)
{
    return keyed(c, "HGETALL", HILO_K_CUSTOMER, customer, NULL);
}

int hilo_store_customer_get(struct hilo_redis *r, const char *customer, hilo_redis_cb cb,
                            void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_customer_get_argv(&c, customer), &c, cb, data);
}

int hilo_tx_customer_get(struct hilo_tx *tx, const char *customer)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_customer_get_argv(&c, customer), &c);
}

int hilo_store_customer_ids_argv(struct hilo_store_cmd *c, const char *customer)
{
    return keyed(c, "SMEMBERS", HILO_K_CUST_IDS, customer, NULL);
}

int hilo_tx_customer_ids(struct hilo_tx *tx, const char *customer)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_customer_ids_argv(&c, customer), &c);
}

int hilo_store_customer_ids_add_argv(struct hilo_store_cmd *c, const char *customer,
                                     const char *identity)
{
    return keyed(c, "SADD", HILO_K_CUST_IDS, customer, identity ? identity : "");
}

int hilo_tx_customer_ids_add(struct hilo_tx *tx, const char *customer, const char *identity)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_customer_ids_add_argv(&c, customer, identity), &c);
}

int hilo_store_customer_tickets_argv(struct hilo_store_cmd *c,
                                     const struct hilo_store_customer_tickets *op)
{
    if (keyed(c, "ZREVRANGE", HILO_K_CUST_TIX, op->customer, "0") < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_num(c, 0, (uint64_t)(op->stop > 0 ? op->stop : 0));
    return hilo_cmd_finish(c);
}

int hilo_tx_customer_tickets(struct hilo_tx *tx, const struct hilo_store_customer_tickets *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_customer_tickets_argv(&c, op), &c);
}

int hilo_store_ident_link_argv(struct hilo_store_cmd *c, const struct hilo_store_ident_link *op)
{
    if (keyed(c, "SET", HILO_K_IDENT, op->identity, op->customer ? op->customer : "") < 0)
        return -HILO_EINTERNAL;
    if (op->nx)
        hilo_cmd_add(c, "NX");
    return hilo_cmd_finish(c);
}

int hilo_tx_ident_link(struct hilo_tx *tx, const struct hilo_store_ident_link *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_ident_link_argv(&c, op), &c);
}

int hilo_store_search_email_argv(struct hilo_store_cmd *c,
                                 const struct hilo_store_search_email *op)
{
    /* "email:<address>" lowercased (ASCII), at most 259 characters of it */
    const char *e = op->email ? op->email : "";
    size_t i;
    memcpy(c->val, "email:", 6);
    for (i = 0; e[i] && i < 259; i++)
        c->val[6 + i] = (char)(e[i] >= 'A' && e[i] <= 'Z' ? e[i] - 'A' + 'a' : e[i]);
    c->val[6 + i] = '\0';
    return keyed(c, "SADD", HILO_K_SEARCH, c->val, op->customer ? op->customer : "");
}

int hilo_tx_search_email(struct hilo_tx *tx, const struct hilo_store_search_email *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_search_email_argv(&c, op), &c);
}

int hilo_store_agent_profile_argv(struct hilo_store_cmd *c, const char *agent)
{
    if (keyed(c, "HMGET", HILO_K_AGENT, agent, "name") < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "team");
    return hilo_cmd_finish(c);
}

int hilo_store_agent_profile(struct hilo_redis *r, const char *agent, hilo_redis_cb cb,
                             void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_agent_profile_argv(&c, agent), &c, cb, data);
}

/* ---- tickets (reads) ---------------------------------------------------- */

int hilo_store_ticket_get_argv(struct hilo_store_cmd *c, const char *ref)
{
    return keyed(c, "HGETALL", HILO_K_TICKET, ref, NULL);
}

int hilo_store_ticket_get(struct hilo_redis *r, const char *ref, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_ticket_get_argv(&c, ref), &c, cb, data);
}

int hilo_store_ticket_field_argv(struct hilo_store_cmd *c, const struct hilo_store_ticket_field *op)
{
    return keyed(c, "HGET", HILO_K_TICKET, op->ref, op->field ? op->field : "");
}

int hilo_tx_ticket_field(struct hilo_tx *tx, const struct hilo_store_ticket_field *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_ticket_field_argv(&c, op), &c);
}

int hilo_store_dedupe_get_argv(struct hilo_store_cmd *c, const struct hilo_store_ticket_field *op)
{
    return keyed(c, "HGET", HILO_K_DEDUPE, op->ref, op->field ? op->field : "");
}

int hilo_tx_dedupe_get(struct hilo_tx *tx, const struct hilo_store_ticket_field *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_dedupe_get_argv(&c, op), &c);
}

int hilo_store_thread_range_argv(struct hilo_store_cmd *c, const struct hilo_store_thread_range *op)
{
    if (keyed(c, "XRANGE", HILO_K_THREAD, op->ref, "-") < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "+");
    hilo_cmd_add(c, "COUNT");
    hilo_cmd_num(c, 0, (uint64_t)(op->count > 0 ? op->count : 1));
    return hilo_cmd_finish(c);
}

int hilo_tx_thread_range(struct hilo_tx *tx, const struct hilo_store_thread_range *op)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_thread_range_argv(&c, op), &c);
}

int hilo_store_search_members_argv(struct hilo_store_cmd *c, const char *index)
{
    return keyed(c, "SMEMBERS", HILO_K_SEARCH, index, NULL);
}

int hilo_tx_search_members(struct hilo_tx *tx, const char *index)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, hilo_store_search_members_argv(&c, index), &c);
}

int hilo_store_apikey_get_argv(struct hilo_store_cmd *c, const char *sha256_hex)
{
    return get(c, HILO_K_APIKEY, sha256_hex);
}

int hilo_store_apikey_get(struct hilo_redis *r, const char *sha256_hex, hilo_redis_cb cb,
                          void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_apikey_get_argv(&c, sha256_hex), &c, cb, data);
}

/* ---- the customer's status updates (src/domain/notify.c) -------------------- */

int hilo_store_ticket_notify_argv(struct hilo_store_cmd *c, const struct hilo_store_ticket_field *op)
{
    hilo_cmd_start(c, "HSET");
    if (hilo_cmd_key(c, 0, HILO_K_TICKET, op->ref) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, "notify");
    hilo_cmd_add(c, op->field ? op->field : "");
    return hilo_cmd_finish(c);
}

int hilo_store_ticket_notify(struct hilo_redis *r, const struct hilo_store_ticket_field *op,
                             hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, hilo_store_ticket_notify_argv(&c, op), &c, cb, data);
}
