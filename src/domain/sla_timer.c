/* SLA timers (include/hilo/sla.h, docs/sla.md): a ticket write queues
 * "sla:<ref>" in the durable timers at now; whichever instance takes it
 * (followup.c's tick, leased) reads the ticket's clock fields and the teams'
 * settings, reconciles in C with Hilo's clock, writes the result with the
 * SLA script (compare-and-set on sla_rev, status, first_response_at) and
 * sets the timer's next time unless a write moved it meanwhile. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/redis.h"
#include "hilo/log.h"
#include "hilo/metrics.h"
#include "hilo/server.h"
#include <jansson.h>

#include "hilo/sla.h"
#include "hilo/store.h"
#include "hilo/store_index.h"
#include "hilo/store_sla.h"

#define SLA_TRIES 3

struct sla_op {
    struct hilo_server *s;
    char ref[HILO_REF_MAX];
    char member[40];
    uint64_t leased;
    int tries;
    int breaches, warnings;
    uint64_t next;
    uint64_t rev; /* sla_rev as read */
};

int hilo_sla_wanted(const struct hilo_server *s)
{
    return !s->sla_known || s->sla_stored_targets || s->cfg->sla_first_response_minutes > 0 ||
           s->cfg->sla_resolution_minutes > 0;
}

static void teams_cb(redisReply *reply, void *data)
{
    struct hilo_server *s = data;
    int any = 0;
    s->sla_refreshing = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const char *bad;
        struct hilo_sla_team t;
        const redisReply *v = reply->element[i + 1];
        json_t *j = v->type == REDIS_REPLY_STRING ? json_loads(v->str, 0, NULL) : NULL;
        memset(&t, 0, sizeof t);
        if (j && hilo_sla_team_apply(j, &t, &bad) == 0 &&
            (t.first_response_minutes > 0 || t.resolution_minutes > 0))
            any = 1;
        json_decref(j);
    }
    s->sla_stored_targets = any;
    s->sla_known = 1;
    {
        struct hilo_sla_team d;
        hilo_sla_team_of(s, reply, NULL, &d);
        s->sla_default_cal = d.cal;
        s->sla_default_known = 1;
    }
}

void hilo_sla_refresh(struct hilo_server *s, int force)
{
    uint64_t now = hilo_mono_ms();
    if (s->sla_refreshing || (!force && s->sla_checked_ms && now < s->sla_checked_ms + 5000))
        return;
    s->sla_checked_ms = now;
    if (hilo_store_sla_teams_get(s->redis, teams_cb, s) == 0)
        s->sla_refreshing = 1;
}

void hilo_sla_tx_touch(struct hilo_server *s, struct hilo_tx *tx, const char *ref)
{
    char member[40];
    /* without any target a write costs no timer and no look */
    if (!hilo_sla_wanted(s))
        return;
    snprintf(member, sizeof member, "sla:%s", ref);
    struct hilo_store_timer t = {.member = member, .at_ms = hilo_now_ms()};
    hilo_tx_timer_set(tx, &t);
}

static uint64_t num_of(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING ? strtoull(r->str, NULL, 10) : 0;
}

static const char *str_of(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING ? r->str : NULL;
}

/* The default team's settings (options, then the stored "default"), then
 * the ticket's team's stored settings over them. */
void hilo_sla_team_of(const struct hilo_server *s, const struct redisReply *teams,
                      const char *team, struct hilo_sla_team *t)
{
    const char *want[2] = {"default", team && *team ? team : NULL};
    const char *bad;
    hilo_sla_team_defaults(s->cfg, t);
    snprintf(t->name, sizeof t->name, "%s", team ? team : "");
    for (int w = 0; w < 2 && teams && teams->type == REDIS_REPLY_ARRAY; w++) {
        if (!want[w])
            continue;
        for (size_t i = 0; i + 1 < teams->elements; i += 2) {
            if (!str_of(teams->element[i]) || strcmp(teams->element[i]->str, want[w]) != 0)
                continue;
            json_t *j = json_loads(str_of(teams->element[i + 1]) ? teams->element[i + 1]->str : "",
                                   0, NULL);
            if (j && hilo_sla_team_apply(j, t, &bad) < 0)
                hilo_warn("sla: stored settings of team %s are not valid (%s)", want[w], bad);
            json_decref(j);
        }
    }
}

static void op_done(struct sla_op *op) { free(op); }

static void next_cb(redisReply *reply, void *data)
{
    (void)reply; /* refused or lost: the lease runs out and it fires again */
    op_done(data);
}

static void set_next(struct sla_op *op)
{
    if (hilo_store_sla_next(op->s->redis, op->member, op->leased, op->next, next_cb, op) < 0)
        op_done(op);
}

static void sla_read(struct sla_op *op);

static void applied_cb(redisReply *reply, void *data)
{
    struct sla_op *op = data;
    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) {
        hilo_metrics_add(HILO_M_SLA_BREACHES, (uint64_t)op->breaches);
        hilo_metrics_add(HILO_M_SLA_WARNINGS, (uint64_t)op->warnings);
        set_next(op);
    } else if (reply && reply->type == REDIS_REPLY_INTEGER && ++op->tries < SLA_TRIES) {
        sla_read(op); /* the ticket changed meanwhile: read it again */
    } else if (hilo_store_err(reply) == -HILO_EUNKNOWNTICKET) {
        op->next = 0;
        set_next(op);
    } else {
        op_done(op);
    }
}

#define FIELD(name, v)                                                                            \
    do {                                                                                          \
        fields[nf++] = name;                                                                      \
        snprintf(nums[nn], sizeof nums[nn], "%" PRIu64, (uint64_t)(v));                           \
        fields[nf++] = nums[nn++];                                                                \
    } while (0)

static void apply(struct sla_op *op, const struct hilo_sla_ticket *in,
                  const struct hilo_sla_plan *p)
{
    const struct hilo_sla_ticket *x = &p->after;
    const char *fields[40], *events[4];
    char nums[16][24], evbuf[4][200];
    int nf = 0, nn = 0;
    static const char *const names[HILO_SLA_TARGETS][4] = {
        {"sla_fr_due", "sla_fr_left", "sla_fr_warned", "sla_fr_breached_at"},
        {"sla_res_due", "sla_res_left", "sla_res_warned", "sla_res_breached_at"}};
    FIELD("sla_start", x->start);
    FIELD("sla_paused_at", x->paused_at);
    fields[nf++] = "sla_team";
    fields[nf++] = x->sla_team;
    for (int k = 0; k < HILO_SLA_TARGETS; k++) {
        FIELD(names[k][0], x->c[k].due);
        FIELD(names[k][1], x->c[k].left);
        FIELD(names[k][2], x->c[k].warned);
        FIELD(names[k][3], x->c[k].breached);
    }
    op->breaches = op->warnings = 0;
    for (int i = 0; i < p->nev; i++) {
        snprintf(evbuf[i], sizeof evbuf[i],
                 "{\"sla\":\"%s\",\"target\":\"%s\",\"due\":%" PRIu64 ",\"team\":\"%s\"}",
                 p->ev[i].breach ? "breach" : "warning", hilo_sla_target_name(p->ev[i].target),
                 p->ev[i].due, *x->team ? x->team : "default");
        events[i] = evbuf[i];
        if (p->ev[i].breach)
            op->breaches++;
        else
            op->warnings++;
    }
    struct hilo_store_sla_apply a = {
        .chan = op->s->events_channel, .ref = op->ref, .rev = op->rev,
        .first_response_at = in->first_response_at, .status = in->status,
        .events = events, .nevents = p->nev, .fields = fields, .nfields = nf};
    op->next = p->next;
    if (hilo_store_sla_apply(op->s->redis, &a, applied_cb, op) < 0)
        op_done(op);
}

static void read_cb(redisReply *reply, void *data)
{
    struct sla_op *op = data;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[1]->type != REDIS_REPLY_ARRAY ||
        reply->element[1]->elements != HILO_SLAF_COUNT) {
        op_done(op);
        return;
    }
    redisReply *const *f = reply->element[1]->element;
    if (!str_of(f[HILO_SLAF_STATUS])) { /* the ticket is gone */
        op->next = 0;
        set_next(op);
        return;
    }
    struct hilo_sla_ticket in;
    struct hilo_sla_team team;
    struct hilo_sla_plan plan;
    memset(&in, 0, sizeof in);
    snprintf(in.status, sizeof in.status, "%s", f[HILO_SLAF_STATUS]->str);
    snprintf(in.team, sizeof in.team, "%s", str_of(f[HILO_SLAF_TEAM]) ? f[HILO_SLAF_TEAM]->str : "");
    snprintf(in.sla_team, sizeof in.sla_team, "%s",
             str_of(f[HILO_SLAF_SLA_TEAM]) ? f[HILO_SLAF_SLA_TEAM]->str : "-");
    in.first_response_at = num_of(f[HILO_SLAF_FIRST_RESPONSE_AT]);
    in.start = num_of(f[HILO_SLAF_START]);
    in.paused_at = num_of(f[HILO_SLAF_PAUSED_AT]);
    for (int k = 0; k < HILO_SLA_TARGETS; k++) {
        int b = k == 0 ? HILO_SLAF_FR_DUE : HILO_SLAF_RES_DUE;
        in.c[k].due = num_of(f[b]);
        in.c[k].left = num_of(f[b + 1]);
        in.c[k].warned = num_of(f[b + 2]);
        in.c[k].breached = num_of(f[b + 3]);
    }
    hilo_sla_team_of(op->s, reply->element[0], in.team, &team);
    hilo_sla_reconcile(&team, &in, hilo_now_ms(), &plan);
    if (!plan.changed) {
        op->next = plan.next;
        set_next(op);
        return;
    }
    op->rev = num_of(f[HILO_SLAF_REV]);
    apply(op, &in, &plan);
}

static void sla_read(struct sla_op *op)
{
    struct hilo_tx tx;
    hilo_tx_begin(&tx, op->s->redis);
    hilo_tx_sla_teams_get(&tx);
    hilo_tx_sla_ticket_read(&tx, op->ref);
    if (hilo_tx_commit(&tx, read_cb, op) < 0)
        op_done(op);
}

void hilo_sla_fire(struct hilo_server *s, const char *ref, uint64_t leased)
{
    struct sla_op *op = calloc(1, sizeof *op);
    if (!op)
        return;
    op->s = s;
    op->leased = leased;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->member, sizeof op->member, "sla:%s", ref);
    sla_read(op);
}
