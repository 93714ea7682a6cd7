/* SLA per team (src/domain/sla.c, sla_timer.c; docs/sla.md): a team's
 * settings (calendar, first-response and resolution targets, warning lead
 * time) and the per-ticket clocks, reconciled in C (Hilo's clock, which the
 * tests' fake clock moves) and stored on the ticket by the SLA script. */
#ifndef HILO_SLA_H
#define HILO_SLA_H

#include <jansson.h>
#include <stdint.h>

#include "hilo/hours.h"

struct hilo_config;
struct hilo_server;
struct hilo_tx;

#define HILO_SLA_TEAM_MAX 64  /* bytes of a team name; "" is the default team */
#define HILO_SLA_MINUTES_MAX 525600

struct hilo_sla_team {
    char name[HILO_SLA_TEAM_MAX + 1];
    char hours_spec[256];
    struct hilo_calendar cal;
    int first_response_minutes; /* 0: no target */
    int resolution_minutes;     /* 0: no target */
    int warning_minutes;        /* warning this long before a due time; 0: none */
};

/* The default team's settings from the options (sla_timezone, sla_hours,
 * sla_holidays, sla_*_minutes). 0, or -1 when they do not parse. */
int hilo_sla_team_defaults(const struct hilo_config *cfg, struct hilo_sla_team *t);
/* Applies a settings object over *t (fields left out keep their value):
 * timezone, hours, holidays (["YYYY-MM-DD"]), first_response_minutes,
 * resolution_minutes, warning_minutes. 0, or -1 with *bad the offending
 * field (nothing partial: *t is unchanged). */
int hilo_sla_team_apply(json_t *settings, struct hilo_sla_team *t, const char **bad);
/* {team, timezone, hours, holidays, first_response_minutes, ...} */
json_t *hilo_sla_team_json(const struct hilo_sla_team *t);
/* A team name: 1-64 characters of a-z A-Z 0-9 _ - . (or "default"). */
int hilo_sla_team_name_ok(const char *name);

/* ---- a ticket's clocks ------------------------------------------------------ */
enum hilo_sla_target { HILO_SLA_FIRST_RESPONSE, HILO_SLA_RESOLUTION, HILO_SLA_TARGETS };

struct hilo_sla_clock {
    uint64_t due;      /* 0: no target */
    uint64_t left;     /* paused: business ms that were left (>0) */
    uint64_t warned;   /* when the warning went out */
    uint64_t breached; /* when the breach was recorded */
};

struct hilo_sla_ticket {
    char status[16];
    char team[HILO_SLA_TEAM_MAX + 1];     /* the ticket's team */
    char sla_team[HILO_SLA_TEAM_MAX + 2]; /* the team the due times are for ("-": none yet) */
    uint64_t start;                       /* when the clocks started (Hilo's clock) */
    uint64_t first_response_at;
    uint64_t paused_at;
    struct hilo_sla_clock c[HILO_SLA_TARGETS];
};

struct hilo_sla_event {
    enum hilo_sla_target target;
    int breach;   /* 0: warning */
    uint64_t due;
};

struct hilo_sla_plan {
    struct hilo_sla_ticket after;
    struct hilo_sla_event ev[4];
    int nev;
    int changed;    /* after differs from the input */
    uint64_t next;  /* when to look again (0: nothing to wait for) */
};

/* What the clocks become at now (pure; tests/unit/test_sla.c): due times
 * from the start in business time, paused while pending (and resolution
 * while resolved or closed) with the business time left kept, resumed with
 * the due time shifted, stopped by the first reply (first response);
 * a warning warning_minutes before a due time, a breach at it. */
void hilo_sla_reconcile(const struct hilo_sla_team *t, const struct hilo_sla_ticket *in,
                        uint64_t now, struct hilo_sla_plan *out);
const char *hilo_sla_target_name(enum hilo_sla_target t);

/* ---- the timers (sla_timer.c) ----------------------------------------------- */
/* Queues "look at this ticket's clocks now" with a ticket write, unless no
 * team has a target (hilo_sla_wanted). */
void hilo_sla_tx_touch(struct hilo_server *s, struct hilo_tx *tx, const char *ref);
/* Any target: the options' default team, or a stored team's settings (read
 * again every few seconds by hilo_sla_refresh, and after each change made
 * here). Until the first read it answers yes. */
int hilo_sla_wanted(const struct hilo_server *s);
/* Reads the stored teams again if the last read is older than 5 s (or
 * force). */
void hilo_sla_refresh(struct hilo_server *s, int force);
/* Publishes `-\nH<team>\n` ("default" for the default team) after an
 * admin changed or deleted that team's settings: every instance sends the
 * business hours again to the open widgets showing that team's (every
 * widget for "default", which every team inherits; domain/hours_widget.c).
 * Fire and forget: a widget missing it corrects at its refresh_at. */
int hilo_hours_widget_publish(struct hilo_server *s, const char *team);
/* A team's effective settings: the options, the stored "default" over them,
 * then the team's own stored settings (teams: the HGETALL reply of
 * hilo_store_sla_teams_get; team NULL or "": the default team). */
struct redisReply;
void hilo_sla_team_of(const struct hilo_server *s, const struct redisReply *teams,
                      const char *team, struct hilo_sla_team *t);
/* A due timer "sla:<ref>" leased until lease_ms: reconciles the ticket. */
void hilo_sla_fire(struct hilo_server *s, const char *ref, uint64_t lease_ms);

#endif
