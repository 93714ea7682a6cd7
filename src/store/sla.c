/* Typed ops of the SLA (store_sla.h). */
#include "hilo/store_sla.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/scripts.h"
#include "internal.h"

const char *const hilo_store_sla_fields[HILO_SLAF_COUNT] = {
    "status", "team", "first_response_at", "sla_rev", "sla_team", "sla_start", "sla_paused_at",
    "sla_fr_due", "sla_fr_left", "sla_fr_warned", "sla_fr_breached_at",
    "sla_res_due", "sla_res_left", "sla_res_warned", "sla_res_breached_at",
};

static int teams_get_argv(struct hilo_store_cmd *c)
{
    hilo_cmd_start(c, "HGETALL");
    if (hilo_cmd_key(c, 0, HILO_K_SLA_TEAMS, NULL) < 0)
        return -HILO_EINTERNAL;
    return hilo_cmd_finish(c);
}

int hilo_store_sla_teams_get(struct hilo_redis *r, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    return hilo_cmd_send_built(r, teams_get_argv(&c), &c, cb, data);
}

int hilo_tx_sla_teams_get(struct hilo_tx *tx)
{
    struct hilo_store_cmd c;
    return hilo_cmd_tx_built(tx, teams_get_argv(&c), &c);
}

int hilo_store_sla_team_put(struct hilo_redis *r, const char *team, const char *json,
                            hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    int rc = 0;
    hilo_cmd_start(&c, "HSET");
    if (hilo_cmd_key(&c, 0, HILO_K_SLA_TEAMS, NULL) < 0)
        rc = -HILO_EINTERNAL;
    hilo_cmd_add(&c, team);
    hilo_cmd_add(&c, json);
    return hilo_cmd_send_built(r, rc ? rc : hilo_cmd_finish(&c), &c, cb, data);
}

int hilo_store_sla_team_del(struct hilo_redis *r, const char *team, hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    int rc = 0;
    hilo_cmd_start(&c, "HDEL");
    if (hilo_cmd_key(&c, 0, HILO_K_SLA_TEAMS, NULL) < 0)
        rc = -HILO_EINTERNAL;
    hilo_cmd_add(&c, team);
    return hilo_cmd_send_built(r, rc ? rc : hilo_cmd_finish(&c), &c, cb, data);
}

int hilo_tx_sla_ticket_read(struct hilo_tx *tx, const char *ref)
{
    struct hilo_store_cmd c;
    int rc = 0;
    hilo_cmd_start(&c, "HMGET");
    if (hilo_cmd_key(&c, 0, HILO_K_TICKET, ref) < 0)
        rc = -HILO_EINTERNAL;
    for (int i = 0; i < HILO_SLAF_COUNT; i++)
        hilo_cmd_add(&c, hilo_store_sla_fields[i]);
    return hilo_cmd_tx_built(tx, rc ? rc : hilo_cmd_finish(&c), &c);
}

int hilo_store_sla_apply(struct hilo_redis *r, const struct hilo_store_sla_apply *op,
                         hilo_redis_cb cb, void *data)
{
    struct hilo_store_argv a;
    const char *argv[HILO_STORE_MAX_ARGS];
    size_t lens[HILO_STORE_MAX_ARGS];
    char rev[24], fr[24], nev[8];
    int n = 0;
    if (!op->ref || strlen(op->ref) > 64 || 9 + op->nevents + op->nfields > HILO_STORE_MAX_ARGS)
        return -HILO_EINTERNAL;
    hilo_ticket_keys(&a.k, op->ref);
    snprintf(rev, sizeof rev, "%" PRIu64, op->rev);
    snprintf(fr, sizeof fr, "%" PRIu64, op->first_response_at);
    snprintf(nev, sizeof nev, "%d", op->nevents);
    argv[n++] = "EVALSHA";
    argv[n++] = hilo_scripts_sha(HILO_S_SLA);
    argv[n++] = "2";
    argv[n++] = a.k.tk;
    argv[n++] = a.k.ev;
    argv[n++] = op->chan;
    argv[n++] = op->ref;
    argv[n++] = rev;
    argv[n++] = op->status ? op->status : "";
    argv[n++] = fr;
    argv[n++] = nev;
    for (int i = 0; i < op->nevents; i++)
        argv[n++] = op->events[i];
    for (int i = 0; i < op->nfields; i++)
        argv[n++] = op->fields[i];
    for (int i = 0; i < n; i++)
        lens[i] = strlen(argv[i]);
    return hilo_redis_cmdargv(r, cb, data, n, argv, lens);
}

int hilo_store_sla_next(struct hilo_redis *r, const char *member, uint64_t leased, uint64_t next,
                        hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    int rc = 0;
    hilo_cmd_start(&c, "EVALSHA");
    hilo_cmd_add(&c, hilo_scripts_sha(HILO_S_SLANEXT));
    hilo_cmd_add(&c, "1");
    if (hilo_cmd_key(&c, 0, HILO_K_TIMERS, NULL) < 0)
        rc = -HILO_EINTERNAL;
    hilo_cmd_add(&c, member);
    hilo_cmd_num(&c, 0, leased);
    hilo_cmd_num(&c, 1, next);
    return hilo_cmd_send_built(r, rc ? rc : hilo_cmd_finish(&c), &c, cb, data);
}
