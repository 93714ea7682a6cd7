/* Typed operations on the ticket scripts: each builds the EVALSHA argv the
 * script expects (see src/store/lua/<name>.lua for KEYS and ARGV). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/scripts.h"
#include "hilo/store.h"

static const char *const nkeys[] = {"0", "1", "2", "3", "4", "5"};

static void start(struct hilo_store_argv *a, enum hilo_script s, int keys)
{
    a->argc = 0;
    a->argv[0] = "EVALSHA";
    a->lens[0] = 7;
    a->argv[1] = hilo_scripts_sha(s);
    a->lens[1] = strlen(a->argv[1]);
    a->argv[2] = nkeys[keys];
    a->lens[2] = 1;
    a->argc = 3;
}

/* Past the end, argc stops growing; finish() then reports the overflow. */
static void addn(struct hilo_store_argv *a, const char *s, size_t n)
{
    if (a->argc >= HILO_STORE_MAX_ARGS) {
        a->argc = HILO_STORE_MAX_ARGS + 1;
        return;
    }
    a->argv[a->argc] = s ? s : "";
    a->lens[a->argc++] = s ? n : 0;
}

static void add(struct hilo_store_argv *a, const char *s) { addn(a, s, s ? strlen(s) : 0); }

static void add_num(struct hilo_store_argv *a, int slot, uint64_t v)
{
    snprintf(a->num[slot], sizeof a->num[slot], "%" PRIu64, v);
    add(a, a->num[slot]);
}

static void add_fields(struct hilo_store_argv *a, const char *const *f, int n)
{
    for (int i = 0; i < n; i++)
        add(a, f[i]);
}

static int finish(struct hilo_store_argv *a)
{
    return a->argc > HILO_STORE_MAX_ARGS ? -HILO_EINTERNAL : 0;
}

static int ticket_keys(struct hilo_store_argv *a, const char *ref)
{
    /* a reference is at most a few digits: longer ones would not fit */
    if (!ref || strlen(ref) > 64)
        return -HILO_EINTERNAL;
    hilo_ticket_keys(&a->k, ref);
    return 0;
}

int hilo_store_create_argv(struct hilo_store_argv *a, const struct hilo_store_create *op)
{
    if (ticket_keys(a, op->ref) < 0 || op->nfields % 2)
        return -HILO_EINTERNAL;
    start(a, HILO_S_CREATE, 5);
    add(a, a->k.tk);
    add(a, a->k.ev);
    add(a, a->k.dd);
    add(a, a->k.rsv);
    add(a, a->k.dl);
    add(a, op->chan);
    add(a, op->ref);
    add(a, op->customer);
    add(a, op->channel);
    add(a, op->name);
    addn(a, op->text, op->text_len || !op->text ? op->text_len : strlen(op->text));
    add(a, op->dedupe);
    add(a, op->client_id);
    add(a, op->locale);
    add(a, op->ack_text);
    add_num(a, 0, (uint64_t)(op->eta_minutes > 0 ? op->eta_minutes : 0));
    add(a, op->extra);
    add(a, op->ack_delivery);
    add(a, op->kind ? op->kind : "message");
    add_fields(a, op->fields, op->nfields);
    return finish(a);
}

static const char *const append_ops[] = {
    [HILO_APPEND_MESSAGE] = "message", [HILO_APPEND_REPLY] = "reply",
    [HILO_APPEND_NOTE] = "note",       [HILO_APPEND_RESOLVE] = "resolve",
    [HILO_APPEND_CALL] = "call",       [HILO_APPEND_VOICEMAIL] = "voicemail",
    [HILO_APPEND_THANKS] = "thanks",
    [HILO_APPEND_SURVEY] = "survey",
    [HILO_APPEND_CSAT] = "csat",
};

int hilo_append_op_parse(const char *name)
{
    for (size_t i = 0; i < HILO_ARRAY_LEN(append_ops); i++)
        if (name && strcmp(name, append_ops[i]) == 0)
            return (int)i;
    return -1;
}

const char *hilo_append_op_name(enum hilo_append_op op)
{
    return (size_t)op < HILO_ARRAY_LEN(append_ops) ? append_ops[op] : "";
}

static const char *reindex_arg(enum hilo_store_reindex r)
{
    return r == HILO_STORE_REINDEX_ADD ? "add" : r == HILO_STORE_REINDEX_REMOVE ? "rem" : "";
}

int hilo_store_append_argv(struct hilo_store_argv *a, const struct hilo_store_append *op)
{
    if (ticket_keys(a, op->ref) < 0 || op->nfields % 2 || !*hilo_append_op_name(op->op))
        return -HILO_EINTERNAL;
    if (hilo_key(a->ckeys[0], sizeof a->ckeys[0], HILO_K_IDX_ACTIVE, NULL) < 0)
        return -HILO_EINTERNAL;
    start(a, HILO_S_APPEND, 5);
    add(a, a->k.tk);
    add(a, a->k.ev);
    add(a, a->k.dd);
    add(a, a->k.dl);
    add(a, a->ckeys[0]);
    add(a, op->chan);
    add(a, op->ref);
    add(a, hilo_append_op_name(op->op));
    add(a, op->channel);
    add(a, op->role);
    add(a, op->author_id);
    add(a, op->author_name);
    addn(a, op->text, op->text_len || !op->text ? op->text_len : strlen(op->text));
    add(a, op->dedupe);
    add(a, op->client_id);
    add(a, op->extra);
    add(a, op->customer);
    add(a, op->delivery);
    add(a, reindex_arg(op->reindex));
    add_fields(a, op->fields, op->nfields);
    return finish(a);
}

static const char *const set_ops[] = {
    [HILO_SET_ASSIGN] = "assign", [HILO_SET_STATUS] = "status", [HILO_SET_FOLLOWUP] = "followup",
    [HILO_SET_TAGS] = "tags",
};

int hilo_store_set_argv(struct hilo_store_argv *a, const struct hilo_store_set *op)
{
    if (ticket_keys(a, op->ref) < 0 || (size_t)op->op >= HILO_ARRAY_LEN(set_ops))
        return -HILO_EINTERNAL;
    if (hilo_key(a->ckeys[0], sizeof a->ckeys[0], HILO_K_IDX_ACTIVE, NULL) < 0)
        return -HILO_EINTERNAL;
    start(a, HILO_S_SET, 3);
    add(a, a->k.tk);
    add(a, a->k.ev);
    add(a, a->ckeys[0]);
    add(a, op->chan);
    add(a, op->ref);
    add(a, set_ops[op->op]);
    add(a, op->value);
    add(a, op->author_id);
    add(a, op->author_name);
    add(a, op->team);
    add_num(a, 0, op->follow_up_ms);
    add(a, reindex_arg(op->reindex));
    add(a, op->reason ? op->reason : "");
    return finish(a);
}

int hilo_store_history_argv(struct hilo_store_argv *a, const struct hilo_store_history *op)
{
    if (ticket_keys(a, op->ref) < 0)
        return -HILO_EINTERNAL;
    start(a, HILO_S_HISTORY, 3);
    add(a, a->k.tk);
    add(a, a->k.ev);
    add(a, a->k.dl);
    add(a, op->after && *op->after ? op->after : "0");
    add(a, op->public_only ? "1" : "0");
    add(a, op->customer);
    add_num(a, 0, (uint64_t)(op->count > 0 ? op->count : 0));
    return finish(a);
}

int hilo_store_delivery_argv(struct hilo_store_argv *a, const struct hilo_store_delivery *op)
{
    if (ticket_keys(a, op->ref) < 0)
        return -HILO_EINTERNAL;
    start(a, HILO_S_DELIVERY, 3);
    add(a, a->k.tk);
    add(a, a->k.dl);
    add(a, a->k.dd);
    add(a, op->chan);
    add(a, op->ref);
    add(a, op->op == HILO_DELIVERY_CHECK ? "check" : op->op == HILO_DELIVERY_OPEN ? "open" : "update");
    add(a, op->event_id);
    add(a, op->op == HILO_DELIVERY_CHECK ? op->dedupe : op->fields);
    return finish(a);
}

int hilo_store_reserve_argv(struct hilo_store_argv *a, const struct hilo_store_reserve *op)
{
    if (ticket_keys(a, op->ref) < 0)
        return -HILO_EINTERNAL;
    start(a, HILO_S_RESERVE, 2);
    add(a, a->k.tk);
    add(a, a->k.rsv);
    add(a, op->owner);
    add_num(a, 0, (uint64_t)(op->ttl_s > 0 ? op->ttl_s : 0));
    return finish(a);
}

int hilo_store_cust_argv(struct hilo_store_argv *a, const struct hilo_store_cust *op)
{
    static const enum hilo_key ks[] = {HILO_K_CUSTOMER, HILO_K_CUST_IDS, HILO_K_CUST_TIX};
    if (!op->customer)
        return -HILO_EINTERNAL;
    for (int i = 0; i < 3; i++) {
        int n = hilo_key(a->ckeys[i], sizeof a->ckeys[i], ks[i], op->customer);
        if (n < 0 || (size_t)n >= sizeof a->ckeys[i])
            return -HILO_EINTERNAL;
    }
    start(a, HILO_S_CUST, 3);
    for (int i = 0; i < 3; i++)
        add(a, a->ckeys[i]);
    add(a, op->customer);
    add(a, op->identity);
    add(a, op->name);
    add(a, op->email);
    add(a, op->locale);
    add(a, op->ref);
    add(a, op->identity2);
    return finish(a);
}

int hilo_store_send(struct hilo_redis *r, const struct hilo_store_argv *a, hilo_redis_cb cb,
                    void *data)
{
    if (a->lens[1] != 40) /* scripts not loaded on this connection yet */
        return -HILO_EUNAVAIL;
    /* the cast only drops the const hiredis does not declare: argv is read */
    return hilo_redis_cmdargv(r, cb, data, a->argc, (const char **)a->argv, a->lens);
}

#define SENDER(name)                                                                              \
    int hilo_store_##name(struct hilo_redis *r, const struct hilo_store_##name *op,              \
                          hilo_redis_cb cb, void *data)                                           \
    {                                                                                             \
        struct hilo_store_argv a;                                                                 \
        int rc = hilo_store_##name##_argv(&a, op);                                                \
        return rc < 0 ? rc : hilo_store_send(r, &a, cb, data);                                    \
    }

SENDER(create)
SENDER(append)
SENDER(set)
SENDER(history)
SENDER(delivery)
SENDER(reserve)
SENDER(cust)
