/* Typed ops for merge and undo, merge suggestions and blocked identities
 * (store_customers.h). */
#include "hilo/store_customers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/scripts.h"
#include "hilo/store_records.h"
#include "internal.h"

/* ---- a command of any length: the merge scripts' -------------------------- */

struct varg {
    int argc, cap, failed;
    const char **argv;
    size_t *lens;
    char **owned; /* keys and numbers built here, freed with the command */
    int nowned;
};

static int va_init(struct varg *v, int cap)
{
    memset(v, 0, sizeof *v);
    v->argv = calloc((size_t)cap, sizeof *v->argv);
    v->lens = calloc((size_t)cap, sizeof *v->lens);
    v->owned = calloc((size_t)cap, sizeof *v->owned);
    v->cap = cap;
    if (!v->argv || !v->lens || !v->owned)
        v->failed = 1;
    return v->failed ? -1 : 0;
}

static void va_free(struct varg *v)
{
    for (int i = 0; i < v->nowned; i++)
        free(v->owned[i]);
    free(v->owned);
    free(v->argv);
    free(v->lens);
}

static void va_add(struct varg *v, const char *s)
{
    if (v->failed || v->argc >= v->cap) {
        v->failed = 1;
        return;
    }
    v->argv[v->argc] = s ? s : "";
    v->lens[v->argc++] = s ? strlen(s) : 0;
}

static void va_own(struct varg *v, const char *s)
{
    char *d = v->failed ? NULL : strdup(s);
    if (!d) {
        v->failed = 1;
        return;
    }
    v->owned[v->nowned++] = d;
    va_add(v, d);
}

static void va_key(struct varg *v, enum hilo_key k, const char *arg)
{
    char buf[600];
    if (hilo_key(buf, sizeof buf, k, arg ? arg : "") < 0) {
        v->failed = 1;
        return;
    }
    va_own(v, buf);
}

static void va_num(struct varg *v, uint64_t n)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)n);
    va_own(v, buf);
}

static int va_send(struct hilo_redis *r, struct varg *v, hilo_redis_cb cb, void *data)
{
    int rc = v->failed ? -HILO_EINTERNAL : hilo_redis_cmdargv(r, cb, data, v->argc, v->argv, v->lens);
    va_free(v);
    return rc;
}

/* EVALSHA <script> <nkeys> */
static int va_eval(struct varg *v, enum hilo_script s, int cap, int nkeys)
{
    if (strlen(hilo_scripts_sha(s)) != 40)
        return -HILO_EUNAVAIL; /* scripts not loaded on this connection yet */
    if (va_init(v, cap) < 0) {
        va_free(v);
        return -HILO_EINTERNAL;
    }
    va_add(v, "EVALSHA");
    va_add(v, hilo_scripts_sha(s));
    va_num(v, (uint64_t)nkeys);
    return 0;
}

/* The keys both merge scripts take, in their order (merge.lua). */
static void merge_keys(struct varg *v, const char *a, const char *b, const char *email,
                       const char *name, const char *const *ids, int nids,
                       const char *const *refs, int ntix)
{
    char ix[320];
    va_key(v, HILO_K_CUSTOMER, a);
    va_key(v, HILO_K_CUST_IDS, a);
    va_key(v, HILO_K_CUST_TIX, a);
    va_key(v, HILO_K_CUSTOMER, b);
    va_key(v, HILO_K_CUST_IDS, b);
    va_key(v, HILO_K_CUST_TIX, b);
    va_key(v, HILO_K_CUST_MERGES, a);
    va_key(v, HILO_K_CUST_MERGES, b);
    va_key(v, HILO_K_MERGES, NULL);
    va_key(v, HILO_K_MERGE_RECS, NULL);
    va_key(v, HILO_K_SUGGEST, NULL);
    /* the search index the widget's email is in ("email:<lowercased>") */
    snprintf(ix, sizeof ix, "email:%s", email ? email : "");
    for (char *p = ix; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    va_key(v, HILO_K_SEARCH, ix);
    if (hilo_store_name_key(name, ix, sizeof ix) < 0)
        snprintf(ix, sizeof ix, "name:");
    va_key(v, HILO_K_SEARCH, ix);
    /* each identity's evidence (how it was proven) travels with it */
    va_key(v, HILO_K_CUST_EVIDENCE, a);
    va_key(v, HILO_K_CUST_EVIDENCE, b);
    for (int i = 0; i < nids; i++)
        va_key(v, HILO_K_IDENT, ids[i]);
    for (int i = 0; i < ntix; i++) {
        va_key(v, HILO_K_TICKET, refs[i]);
        va_key(v, HILO_K_THREAD, refs[i]);
    }
}

#define MERGE_NKEYS(nids, ntix) (15 + (nids) + 2 * (ntix))

int hilo_store_merge(struct hilo_redis *r, const struct hilo_store_merge *op, hilo_redis_cb cb,
                     void *data)
{
    struct varg v;
    int nk = MERGE_NKEYS(op->nids, op->ntix), rc;
    char nk_buf[320];
    int indexed = hilo_store_name_key(op->name, nk_buf, sizeof nk_buf) == 0;
    if (op->nids < 0 || op->ntix < 0)
        return -HILO_EINTERNAL;
    if ((rc = va_eval(&v, HILO_S_MERGE, 3 + nk + 11 + op->nids + op->ntix, nk)) < 0)
        return rc;
    merge_keys(&v, op->from, op->into, op->email, op->name, op->ids, op->nids, op->refs, op->ntix);
    va_add(&v, op->chan);
    va_add(&v, op->from);
    va_add(&v, op->into);
    va_add(&v, op->agent);
    va_add(&v, op->agent_name);
    va_num(&v, op->now_ms);
    va_num(&v, (uint64_t)op->nids);
    va_num(&v, (uint64_t)op->ntix);
    va_add(&v, op->email);
    va_add(&v, op->name);
    va_add(&v, indexed ? "1" : "0");
    for (int i = 0; i < op->nids; i++)
        va_add(&v, op->ids[i]);
    for (int i = 0; i < op->ntix; i++)
        va_add(&v, op->refs[i]);
    return va_send(r, &v, cb, data);
}

int hilo_store_unmerge(struct hilo_redis *r, const struct hilo_store_unmerge *op,
                       hilo_redis_cb cb, void *data)
{
    struct varg v;
    int nk = MERGE_NKEYS(op->nids, op->ntix), rc;
    if (op->nids < 0 || op->ntix < 0)
        return -HILO_EINTERNAL;
    if ((rc = va_eval(&v, HILO_S_UNMERGE, 3 + nk + 9, nk)) < 0)
        return rc;
    merge_keys(&v, op->from, op->into, op->email, op->name, op->ids, op->nids, op->refs, op->ntix);
    va_add(&v, op->chan);
    va_add(&v, op->id);
    va_add(&v, op->agent);
    va_add(&v, op->agent_name);
    va_num(&v, op->now_ms);
    va_num(&v, (uint64_t)op->nids);
    va_num(&v, (uint64_t)op->ntix);
    va_add(&v, op->from);
    va_add(&v, op->into);
    return va_send(r, &v, cb, data);
}

int hilo_tx_merge_get(struct hilo_tx *tx, const char *id)
{
    struct hilo_store_cmd c;
    int rc = 0;
    hilo_cmd_start(&c, "HGET");
    if (hilo_cmd_key(&c, 0, HILO_K_MERGE_RECS, NULL) < 0)
        rc = -HILO_EINTERNAL;
    hilo_cmd_add(&c, id);
    return hilo_cmd_tx_built(tx, rc ? rc : hilo_cmd_finish(&c), &c);
}

int hilo_tx_merges_ids(struct hilo_tx *tx, const char *customer, int limit)
{
    struct hilo_store_cmd c;
    int rc = 0;
    hilo_cmd_start(&c, "ZREVRANGE");
    if (hilo_cmd_key(&c, 0, customer ? HILO_K_CUST_MERGES : HILO_K_MERGES, customer) < 0)
        rc = -HILO_EINTERNAL;
    hilo_cmd_add(&c, "0");
    hilo_cmd_num(&c, 0, (uint64_t)(limit > 1 ? limit - 1 : 0));
    return hilo_cmd_tx_built(tx, rc ? rc : hilo_cmd_finish(&c), &c);
}

int hilo_tx_customer_all_tickets(struct hilo_tx *tx, const char *customer)
{
    struct hilo_store_cmd c;
    int rc = 0;
    hilo_cmd_start(&c, "ZREVRANGE");
    if (hilo_cmd_key(&c, 0, HILO_K_CUST_TIX, customer) < 0)
        rc = -HILO_EINTERNAL;
    hilo_cmd_add(&c, "0");
    hilo_cmd_add(&c, "-1");
    return hilo_cmd_tx_built(tx, rc ? rc : hilo_cmd_finish(&c), &c);
}

/* HMGET <key> fields... */
static int hmget(struct hilo_redis *r, enum hilo_key k, const char *const *f, int n,
                 hilo_redis_cb cb, void *data)
{
    struct varg v;
    if (n < 1)
        return -HILO_EINTERNAL;
    if (va_init(&v, n + 2) < 0) {
        va_free(&v);
        return -HILO_EINTERNAL;
    }
    va_add(&v, "HMGET");
    va_key(&v, k, NULL);
    for (int i = 0; i < n; i++)
        va_add(&v, f[i]);
    return va_send(r, &v, cb, data);
}

int hilo_store_merge_recs(struct hilo_redis *r, const char *const *ids, int n, hilo_redis_cb cb,
                          void *data)
{
    return hmget(r, HILO_K_MERGE_RECS, ids, n, cb, data);
}

/* ---- suggestions ---------------------------------------------------------- */

int hilo_store_name_key(const char *name, char *out, size_t n)
{
    size_t k = 0, chars = 0;
    int space = 0;
    if (!name || n < 8)
        return -1;
    memcpy(out, "name:", 5);
    k = 5;
    for (const char *p = name; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            space = chars > 0;
            continue;
        }
        if (k + 3 >= n)
            return -1;
        if (space)
            out[k++] = ' ';
        space = 0;
        out[k++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        /* Latin-1 capitals (U+00C0-U+00DE but U+00D7) in UTF-8: "GÓMEZ" is
         * "gómez" */
        if (ch == 0xC3 && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9E &&
            (unsigned char)p[1] != 0x97) {
            out[k++] = (char)((unsigned char)p[1] + 0x20);
            p++;
        }
        if ((ch & 0xC0) != 0x80)
            chars++;
    }
    out[k] = '\0';
    return chars >= 3 ? 0 : -1;
}

int hilo_tx_search_name(struct hilo_tx *tx, const struct hilo_store_search_name *op)
{
    struct hilo_store_cmd c;
    if (hilo_store_name_key(op->name, c.val, sizeof c.val) < 0)
        return 0; /* too short to mean anything: not indexed */
    hilo_cmd_start(&c, "SADD");
    if (hilo_cmd_key(&c, 0, HILO_K_SEARCH, c.val) < 0)
        return hilo_cmd_tx_built(tx, -HILO_EINTERNAL, &c);
    hilo_cmd_add(&c, op->customer);
    return hilo_cmd_tx_built(tx, hilo_cmd_finish(&c), &c);
}

int hilo_store_suggest(struct hilo_redis *r, const struct hilo_store_suggest *op,
                       hilo_redis_cb cb, void *data)
{
    static const char *const ops[] = {"compute", "list", "dismiss"};
    struct varg v;
    char ix[320];
    int rc;
    if ((rc = va_eval(&v, HILO_S_SUGGEST, 12, 3)) < 0)
        return rc;
    va_key(&v, HILO_K_SUGGEST, NULL);
    if (op->op == HILO_SUGGEST_COMPUTE) {
        snprintf(ix, sizeof ix, "email:%s", op->email ? op->email : "");
        for (char *p = ix; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        /* no email, or no name long enough: an index nobody is in */
        va_key(&v, HILO_K_SEARCH, op->email && *op->email ? ix : "email:");
        if (hilo_store_name_key(op->name, ix, sizeof ix) < 0)
            snprintf(ix, sizeof ix, "name:");
        va_key(&v, HILO_K_SEARCH, ix);
    } else {
        va_key(&v, HILO_K_SUGGEST, NULL);
        va_key(&v, HILO_K_SUGGEST, NULL);
    }
    va_add(&v, ops[op->op]);
    va_add(&v, op->customer);
    if (op->op == HILO_SUGGEST_DISMISS) {
        va_add(&v, op->other);
        va_add(&v, op->agent);
    }
    if (op->op != HILO_SUGGEST_LIST)
        va_num(&v, op->now_ms);
    return va_send(r, &v, cb, data);
}

/* ---- blocked identities ------------------------------------------------- */

static int blocked_cmd(struct hilo_store_cmd *c, const char *name, const char *identity,
                       const char *value)
{
    hilo_cmd_start(c, name);
    if (hilo_cmd_key(c, 0, HILO_K_BLOCKED, NULL) < 0)
        return -HILO_EINTERNAL;
    hilo_cmd_add(c, identity);
    if (value)
        hilo_cmd_add(c, value);
    return hilo_cmd_finish(c);
}

int hilo_store_block(struct hilo_redis *r, const char *identity, const char *json,
                     hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, blocked_cmd(&c, "HSET", identity, json), &c, cb, data);
}

int hilo_store_unblock(struct hilo_redis *r, const char *identity, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, blocked_cmd(&c, "HDEL", identity, NULL), &c, cb, data);
}

int hilo_store_blocked_get(struct hilo_redis *r, const char *identity, hilo_redis_cb cb,
                           void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, blocked_cmd(&c, "HGET", identity, NULL), &c, cb, data);
}

int hilo_tx_blocked_get(struct hilo_tx *tx, const char *identity)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, blocked_cmd(&c, "HGET", identity, NULL), &c);
}

int hilo_store_blocked_many(struct hilo_redis *r, const char *const *ids, int n, hilo_redis_cb cb,
                            void *data)
{
    return hmget(r, HILO_K_BLOCKED, ids, n, cb, data);
}

int hilo_store_blocked_in(struct hilo_redis *r, const struct hilo_store_blocked_in *op,
                          hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    struct hilo_tx tx;
    struct hilo_store_seen seen = {.provider = op->provider, .provider_id = op->provider_id,
                                   .ref = "blocked", .ttl_s = op->seen_ttl_s};
    int rc = 0;
    hilo_tx_begin(&tx, r);
    hilo_cmd_start(&c, "XADD");
    if (hilo_cmd_key(&c, 0, HILO_K_BLOCKED_MSGS, op->identity) < 0)
        rc = -HILO_EINTERNAL;
    hilo_cmd_add(&c, "MAXLEN");
    hilo_cmd_add(&c, "~");
    hilo_cmd_add(&c, "1000");
    hilo_cmd_add(&c, "*");
    hilo_cmd_add(&c, "ch");
    hilo_cmd_add(&c, op->channel);
    hilo_cmd_add(&c, "pv");
    hilo_cmd_add(&c, op->provider);
    hilo_cmd_add(&c, "pid");
    hilo_cmd_add(&c, op->provider_id);
    hilo_cmd_add(&c, "an");
    hilo_cmd_add(&c, op->from_name);
    hilo_cmd_add(&c, "tx");
    hilo_cmd_add(&c, op->text);
    hilo_cmd_add(&c, "at");
    hilo_cmd_num(&c, 0, op->at_ms);
    hilo_cmd_tx_built(&tx, rc ? rc : hilo_cmd_finish(&c), &c);
    hilo_cmd_tx_built(&tx, hilo_store_seen_set_argv(&c, &seen), &c);
    return hilo_tx_commit(&tx, cb, data);
}

int hilo_tx_blocked_msgs(struct hilo_tx *tx, const char *identity, int count)
{
    struct hilo_store_cmd c;
    int rc = 0;
    hilo_cmd_start(&c, "XREVRANGE");
    if (hilo_cmd_key(&c, 0, HILO_K_BLOCKED_MSGS, identity) < 0)
        rc = -HILO_EINTERNAL;
    hilo_cmd_add(&c, "+");
    hilo_cmd_add(&c, "-");
    hilo_cmd_add(&c, "COUNT");
    hilo_cmd_num(&c, 0, (uint64_t)(count > 0 ? count : 1));
    return hilo_cmd_tx_built(tx, rc ? rc : hilo_cmd_finish(&c), &c);
}
