/* Typed store operations on single records (src/store/records.c): inbound
 * dedupe marks, identities, sent Message-IDs, customers, tickets' fields,
 * Twilio calls and provider message ids. Keys come from keys.c; callers
 * never name a key.
 *
 * As in store_outbox.h: hilo_store_<op>_argv builds one command into a
 * struct hilo_store_cmd (store.h) on the caller's stack and returns 0 or
 * -HILO_EINTERNAL (a key or value too long); hilo_store_<op>() builds and
 * sends it; hilo_tx_<op>() queues it in a transaction. Strings are borrowed
 * until the call returns; NULL means "". */
#ifndef HILO_STORE_RECORDS_H
#define HILO_STORE_RECORDS_H

#include "hilo/store.h"

/* Inbound dedupe: a provider's message is stored on ref.
 * get: GET seen:<provider>:<id> -> ref or nil;
 * set: SET seen:<provider>:<id> <ref> EX ttl_s. */
struct hilo_store_seen {
    const char *provider;
    const char *provider_id;
    const char *ref;         /* set only */
    int ttl_s;               /* set only */
};
int hilo_store_seen_get_argv(struct hilo_store_cmd *c, const struct hilo_store_seen *op);
int hilo_tx_seen_get(struct hilo_tx *tx, const struct hilo_store_seen *op);
int hilo_store_seen_set_argv(struct hilo_store_cmd *c, const struct hilo_store_seen *op);
int hilo_store_seen_set(struct hilo_redis *r, const struct hilo_store_seen *op, hilo_redis_cb cb,
                        void *data);

/* GET ident:<identity> -> customer id or nil. */
int hilo_store_ident_get_argv(struct hilo_store_cmd *c, const char *identity);
int hilo_store_ident_get(struct hilo_redis *r, const char *identity, hilo_redis_cb cb, void *data);
int hilo_tx_ident_get(struct hilo_tx *tx, const char *identity);

/* GET msgid:<Message-ID> -> the ref a sent email belongs to, or nil. */
int hilo_store_msgid_get_argv(struct hilo_store_cmd *c, const char *msgid);
int hilo_tx_msgid_get(struct hilo_tx *tx, const char *msgid);

/* HGET <customer> cur -> the customer's current ticket ref, or nil. */
int hilo_store_customer_current_argv(struct hilo_store_cmd *c, const char *customer);
int hilo_store_customer_current(struct hilo_redis *r, const char *customer, hilo_redis_cb cb,
                                void *data);

/* HMGET <ticket> field... -> array of values (nil: unset). */
struct hilo_store_ticket_fields {
    const char *ref;
    const char *const *fields;
    int nfields;             /* 1 .. HILO_STORE_CMD_MAX - 2 */
};
int hilo_store_ticket_fields_argv(struct hilo_store_cmd *c,
                                  const struct hilo_store_ticket_fields *op);
int hilo_store_ticket_fields(struct hilo_redis *r, const struct hilo_store_ticket_fields *op,
                             hilo_redis_cb cb, void *data);

/* A Twilio call's ticket. get: GET call:<sid> -> ref or nil;
 * set: SET call:<sid> <ref> EX ttl_s. */
struct hilo_store_call {
    const char *sid;
    const char *ref;         /* set only */
    int ttl_s;               /* set only */
};
int hilo_store_call_get_argv(struct hilo_store_cmd *c, const struct hilo_store_call *op);
int hilo_store_call_get(struct hilo_redis *r, const struct hilo_store_call *op, hilo_redis_cb cb,
                        void *data);
int hilo_store_call_set_argv(struct hilo_store_cmd *c, const struct hilo_store_call *op);
int hilo_store_call_set(struct hilo_redis *r, const struct hilo_store_call *op, hilo_redis_cb cb,
                        void *data);

/* GET pid:<provider>:<provider id> -> "<ref> <event id>" or nil (written
 * by hilo_tx_sent_pid when the message was sent). */
struct hilo_store_pid {
    const char *provider;
    const char *provider_id;
};
int hilo_store_pid_get_argv(struct hilo_store_cmd *c, const struct hilo_store_pid *op);
int hilo_store_pid_get(struct hilo_redis *r, const struct hilo_store_pid *op, hilo_redis_cb cb,
                       void *data);

/* ---- customers and identities ------------------------------------------- */

/* HGETALL <customer> -> field, value, ... */
int hilo_store_customer_get_argv(struct hilo_store_cmd *c, const char *customer);
int hilo_store_customer_get(struct hilo_redis *r, const char *customer, hilo_redis_cb cb,
                            void *data);
int hilo_tx_customer_get(struct hilo_tx *tx, const char *customer);
/* SMEMBERS <customer's identities> */
int hilo_store_customer_ids_argv(struct hilo_store_cmd *c, const char *customer);
int hilo_tx_customer_ids(struct hilo_tx *tx, const char *customer);
/* SADD <customer's identities> <identity> */
int hilo_store_customer_ids_add_argv(struct hilo_store_cmd *c, const char *customer,
                                     const char *identity);
int hilo_tx_customer_ids_add(struct hilo_tx *tx, const char *customer, const char *identity);
/* ZREVRANGE <customer's tickets> 0 <stop>: the latest stop + 1 refs */
struct hilo_store_customer_tickets {
    const char *customer;
    int stop;
};
int hilo_store_customer_tickets_argv(struct hilo_store_cmd *c,
                                     const struct hilo_store_customer_tickets *op);
int hilo_tx_customer_tickets(struct hilo_tx *tx, const struct hilo_store_customer_tickets *op);

/* SET ident:<identity> <customer> [NX]: the identity points at customer
 * (nx: unless it is someone's already). */
struct hilo_store_ident_link {
    const char *identity;
    const char *customer;
    int nx;
};
int hilo_store_ident_link_argv(struct hilo_store_cmd *c, const struct hilo_store_ident_link *op);
int hilo_tx_ident_link(struct hilo_tx *tx, const struct hilo_store_ident_link *op);

/* SADD ix:email:<lowercased email> <customer>: the email search index. */
struct hilo_store_search_email {
    const char *email;
    const char *customer;
};
int hilo_store_search_email_argv(struct hilo_store_cmd *c,
                                 const struct hilo_store_search_email *op);
int hilo_tx_search_email(struct hilo_tx *tx, const struct hilo_store_search_email *op);

/* HMGET <agent> name team */
int hilo_store_agent_profile_argv(struct hilo_store_cmd *c, const char *agent);
int hilo_store_agent_profile(struct hilo_redis *r, const char *agent, hilo_redis_cb cb,
                             void *data);

/* ---- tickets (reads) ---------------------------------------------------- */

/* HGETALL <ticket> */
int hilo_store_ticket_get_argv(struct hilo_store_cmd *c, const char *ref);
int hilo_store_ticket_get(struct hilo_redis *r, const char *ref, hilo_redis_cb cb, void *data);
/* HGET <ticket> field */
struct hilo_store_ticket_field {
    const char *ref;
    const char *field;
};
int hilo_store_ticket_field_argv(struct hilo_store_cmd *c, const struct hilo_store_ticket_field *op);
int hilo_tx_ticket_field(struct hilo_tx *tx, const struct hilo_store_ticket_field *op);
/* HGET <ticket's dedupe hash> field (a dedupe key, or "ack") */
int hilo_store_dedupe_get_argv(struct hilo_store_cmd *c, const struct hilo_store_ticket_field *op);
int hilo_tx_dedupe_get(struct hilo_tx *tx, const struct hilo_store_ticket_field *op);
/* XRANGE <thread> - + COUNT count: the first count events */
struct hilo_store_thread_range {
    const char *ref;
    int count;
};
int hilo_store_thread_range_argv(struct hilo_store_cmd *c, const struct hilo_store_thread_range *op);
int hilo_tx_thread_range(struct hilo_tx *tx, const struct hilo_store_thread_range *op);

/* SMEMBERS ix:<index> ("email:<addr>", "phone:<number>"): customer ids */
int hilo_store_search_members_argv(struct hilo_store_cmd *c, const char *index);
int hilo_tx_search_members(struct hilo_tx *tx, const char *index);

/* GET apikey:<sha256 hex> -> the integration's name, or nil */
int hilo_store_apikey_get_argv(struct hilo_store_cmd *c, const char *sha256_hex);
int hilo_store_apikey_get(struct hilo_redis *r, const char *sha256_hex, hilo_redis_cb cb,
                          void *data);

/* HSET <ticket> notify <channel> (field: "whatsapp", "sms", "email", or ""
 * for none): where the customer asked for status updates (notify.c). */
int hilo_store_ticket_notify_argv(struct hilo_store_cmd *c, const struct hilo_store_ticket_field *op);
int hilo_store_ticket_notify(struct hilo_redis *r, const struct hilo_store_ticket_field *op,
                             hilo_redis_cb cb, void *data);

#endif
