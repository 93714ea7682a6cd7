/* Ending agent sessions everywhere at once. Redis decides whether a session
 * lives (its hash, and its epoch against the agent's, see agents.h); this
 * module tells every instance, over the events channel, to close the
 * sockets that were signed in with a session that just ended.
 *
 * Message on the events channel: "-\nR<name>\n" (every session of name),
 * "-\nR<name> <exp ms>\n" (one session: sockets remember their session's
 * expiry, which is part of its token, so that is what names it here), or
 * "-\nR<name> !<exp ms>\n" (every session but that one).
 *
 * Customers' widgets end the same way when an agent blocks their identity:
 * "-\nB<identity>\n" closes the sockets that said hello with it. After a
 * merge ("-\nC<from> <into>\n") or its undo ("-\nI<identity> <customer>\n")
 * open widgets write as the customer their identity now belongs to, and
 * stop watching tickets that are no longer theirs (hilo_identity_recheck:
 * Redis decides, whatever order the news arrives in). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/agents.h"
#include "hilo/identity.h"
#include "hilo/log.h"
#include "hilo/store.h"
#include "hilo/store_customers.h"
#include "hilo/store_index.h"
#include "hilo/store_records.h"
#include "hilo/ws.h"
#include "internal.h"

void hilo_agents_new_epoch(char out[33])
{
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(out, 33, rnd, sizeof rnd);
}

int hilo_agents_revoke_msg(char *buf, size_t n, const char *name, uint64_t exp_ms, int keep)
{
    int r = exp_ms ? snprintf(buf, n, "-\nR%s %s%llu\n", name, keep ? "!" : "",
                              (unsigned long long)exp_ms)
                   : snprintf(buf, n, "-\nR%s\n", name);
    return r < 0 || (size_t)r >= n ? -1 : r;
}

int hilo_agents_publish_revoke(struct hilo_server *s, const char *name, uint64_t exp_ms, int keep)
{
    char msg[128];
    if (hilo_agents_revoke_msg(msg, sizeof msg, name, exp_ms, keep) < 0)
        return -HILO_EINTERNAL;
    struct hilo_store_publish pub = {.channel = s->events_channel, .message = msg};
    return hilo_store_publish(s->redis, &pub, NULL, NULL) < 0 ? -HILO_EUNAVAIL : 0;
}

struct revoke {
    const char *name;
    uint64_t exp;
    int keep;
    int closed;
};

static void revoke_one(struct hilo_conn *c, void *data)
{
    struct revoke *r = data;
    struct hilo_session *se = hilo_sess(c);
    if (!c->wsi || !se || se->role != HILO_ROLE_AGENT || !se->id || strcmp(se->id, r->name) != 0)
        return;
    if (r->exp && (se->sess_exp_ms == r->exp) == r->keep)
        return;
    /* No admin rights and no more frames (dispatch refuses an expired
     * session) while the close is under way. */
    se->admin = 0;
    se->sess_exp_ms = 1;
    hilo_conn_error(c, -HILO_EUNAUTH, NULL, NULL);
    hilo_conn_close(c, 4401);
    r->closed++;
}

void hilo_agents_on_revoke(struct hilo_server *s, const char *line, size_t len)
{
    char name[65];
    const char *sp = memchr(line, ' ', len);
    size_t nlen = sp ? (size_t)(sp - line) : len;
    uint64_t exp = 0;
    int keep = 0;

    if (nlen == 0 || nlen >= sizeof name)
        return;
    memcpy(name, line, nlen);
    name[nlen] = '\0';
    if (sp) {
        char num[24];
        size_t dl = len - nlen - 1;
        if (dl == 0 || dl >= sizeof num)
            return;
        memcpy(num, sp + 1, dl);
        num[dl] = '\0';
        keep = num[0] == '!';
        exp = strtoull(num + keep, NULL, 10);
        if (!exp)
            return;
    }
    struct revoke r = {.name = name, .exp = exp, .keep = keep, .closed = 0};
    if (s->net)
        hilo_ws_each(s->net, revoke_one, &r);
    if (r.closed)
        hilo_info("session of agent %s ended: %d socket(s) closed", name, r.closed);
}

/* ---- blocked identities' widgets ------------------------------------------ */

int hilo_identity_publish_block(struct hilo_server *s, const char *identity)
{
    char msg[320];
    int r = snprintf(msg, sizeof msg, "-\nB%s\n", identity);
    if (r < 0 || (size_t)r >= sizeof msg || strchr(identity, '\n'))
        return -HILO_EBADFRAME;
    struct hilo_store_publish pub = {.channel = s->events_channel, .message = msg};
    return hilo_store_publish(s->redis, &pub, NULL, NULL) < 0 ? -HILO_EUNAVAIL : 0;
}

struct block_close {
    const char *identity;
    size_t len;
    int closed;
};

static int same(const char *have, const char *s, size_t len)
{
    return have && strlen(have) == len && memcmp(have, s, len) == 0;
}

static void block_one(struct hilo_conn *c, void *data)
{
    struct block_close *b = data;
    struct hilo_session *se = hilo_sess(c);
    /* the identity it said hello with, or the signed one a hello in flight
     * claims (hello_ident: its block check may have read Redis before) */
    if (!c->wsi || c->closing || !se || se->role == HILO_ROLE_AGENT ||
        !(same(se->ident, b->identity, b->len) || same(se->hello_ident, b->identity, b->len)))
        return;
    se->ready = 0; /* no more frames while the close is under way */
    hilo_conn_error(c, -HILO_EBLOCKED, NULL, NULL);
    hilo_conn_close(c, 4403);
    b->closed++;
}

void hilo_identity_on_block(struct hilo_server *s, const char *line, size_t len)
{
    struct block_close b = {.identity = line, .len = len, .closed = 0};
    if (len == 0 || !s->net)
        return;
    hilo_ws_each(s->net, block_one, &b);
    if (b.closed)
        hilo_info("identity %.*s blocked: %d widget socket(s) closed", (int)len, line, b.closed);
}

/* ---- widgets following a merge or its undo --------------------------------- */

int hilo_identity_publish_moved(struct hilo_server *s, char kind, const char *who,
                                const char *customer)
{
    char msg[400];
    int r = snprintf(msg, sizeof msg, "-\n%c%s %s\n", kind, who, customer);
    if (r < 0 || (size_t)r >= sizeof msg || strpbrk(who, " \n") || strchr(customer, '\n'))
        return -HILO_EBADFRAME;
    struct hilo_store_publish pub = {.channel = s->events_channel, .message = msg};
    return hilo_store_publish(s->redis, &pub, NULL, NULL) < 0 ? -HILO_EUNAVAIL : 0;
}

struct moved {
    char kind;
    const char *who;
    size_t len;
    const char *to;
    int moved;
};

static void move_one(struct hilo_conn *c, void *data)
{
    struct moved *m = data;
    struct hilo_session *se = hilo_sess(c);
    const char *have = se ? (m->kind == 'C' ? se->id : se->ident) : NULL;
    if (!c->wsi || !se || se->role == HILO_ROLE_AGENT || !have || strlen(have) != m->len ||
        memcmp(have, m->who, m->len) != 0)
        return;
    char *to = strdup(m->to);
    if (!to)
        return;
    free(se->id);
    se->id = to;
    m->moved++;
    /* the tickets it watches may have stayed with the other customer */
    hilo_identity_recheck(c);
}

void hilo_identity_on_moved(struct hilo_server *s, char kind, const char *line, size_t len)
{
    char to[80];
    const char *sp = memchr(line, ' ', len);
    size_t tl = sp ? len - (size_t)(sp - line) - 1 : 0;
    if (!sp || sp == line || tl == 0 || tl >= sizeof to || !s->net)
        return;
    memcpy(to, sp + 1, tl);
    to[tl] = '\0';
    struct moved m = {.kind = kind, .who = line, .len = (size_t)(sp - line), .to = to, .moved = 0};
    hilo_ws_each(s->net, move_one, &m);
    if (m.moved)
        hilo_info("%d widget socket(s) now write as customer %s", m.moved, to);
}

/* ---- is what a widget watches still its customer's? ---------------------- */

#define RECHECK_REFS 8

struct recheck {
    struct hilo_conn *c;
    int nrefs;
    char refs[RECHECK_REFS][HILO_REF_MAX];
};

static void recheck_cb(redisReply *reply, void *data)
{
    struct recheck *op = data;
    struct hilo_conn *c = op->c;
    struct hilo_session *se = hilo_sess(c);
    /* [identity's customer, identity's block, ticket customer...] */
    if (!c->wsi || c->closing || !reply || reply->type != REDIS_REPLY_ARRAY ||
        reply->elements != (size_t)op->nrefs + 2)
        goto out;
    if (reply->element[1]->type == REDIS_REPLY_STRING) { /* blocked while we were away */
        se->ready = 0;
        hilo_conn_error(c, -HILO_EBLOCKED, NULL, NULL);
        hilo_conn_close(c, 4403);
        hilo_info("widget of blocked identity %s closed", se->ident);
        goto out;
    }
    if (reply->element[0]->type == REDIS_REPLY_STRING && se->id &&
        strcmp(reply->element[0]->str, se->id) != 0) {
        char *id = strdup(reply->element[0]->str);
        if (id) {
            free(se->id);
            se->id = id;
        }
    }
    for (int i = 0; i < op->nrefs; i++) {
        const redisReply *t = reply->element[2 + i];
        if (t->type != REDIS_REPLY_STRING || !se->id || strcmp(t->str, se->id) == 0)
            continue;
        /* another customer's ticket now (an undone merge): nothing more of
         * it reaches this widget; it says hello again (4409) and is shown
         * its own customer's thread, which replaces what it showed */
        hilo_info("widget of %s showed ticket %s, customer %s's now: closed to say hello again",
                  se->ident, op->refs[i], t->str);
        se->ready = 0;
        hilo_conn_close(c, 4409);
        break;
    }
out:
    if (se)
        se->rechecking = 0;
    hilo_conn_unref(c);
    free(op);
}

void hilo_identity_recheck(struct hilo_conn *c)
{
    struct hilo_session *se = hilo_sess(c);
    struct recheck *op;
    struct hilo_tx tx;
    if (!c->wsi || c->closing || !se || se->role == HILO_ROLE_AGENT || !se->ready || !se->ident ||
        se->rechecking) /* one at a time: it reads the latest anyway */
        return;
    if (!(op = calloc(1, sizeof *op)))
        return;
    se->rechecking = 1;
    op->c = c;
    hilo_conn_ref(c);
    hilo_tx_begin(&tx, c->srv->redis);
    hilo_tx_ident_get(&tx, se->ident);
    hilo_tx_blocked_get(&tx, se->ident);
    for (struct hilo_watch *w = se->watches; w && op->nrefs < RECHECK_REFS; w = w->cnext) {
        struct hilo_store_ticket_field f = {.ref = w->route->ref, .field = "customer"};
        snprintf(op->refs[op->nrefs++], HILO_REF_MAX, "%s", w->route->ref);
        hilo_tx_ticket_field(&tx, &f);
    }
    if (hilo_tx_commit(&tx, recheck_cb, op) < 0) {
        se->rechecking = 0;
        hilo_conn_unref(c);
        free(op);
    }
}

static void recheck_one(struct hilo_conn *c, void *data)
{
    (void)data;
    hilo_identity_recheck(c);
}

void hilo_identity_recheck_all(struct hilo_server *s)
{
    if (s->net)
        hilo_ws_each(s->net, recheck_one, NULL);
}
