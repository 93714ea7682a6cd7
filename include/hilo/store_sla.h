/* Typed store operations of the SLA (src/store/sla.c): the teams' settings
 * (one hash, team -> settings JSON), a ticket's clock fields, the SLA
 * script and the SLA timer's next time. Conventions as in store_index.h. */
#ifndef HILO_STORE_SLA_H
#define HILO_STORE_SLA_H

#include <stdint.h>

#include "hilo/store.h"

/* HGETALL / HSET / HDEL of the teams' settings ("default": the default team). */
int hilo_store_sla_teams_get(struct hilo_redis *r, hilo_redis_cb cb, void *data);
int hilo_tx_sla_teams_get(struct hilo_tx *tx);
int hilo_store_sla_team_put(struct hilo_redis *r, const char *team, const char *json,
                            hilo_redis_cb cb, void *data);
int hilo_store_sla_team_del(struct hilo_redis *r, const char *team, hilo_redis_cb cb, void *data);

/* HMGET of the ticket's clock fields, in this order. */
enum {
    HILO_SLAF_STATUS, HILO_SLAF_TEAM, HILO_SLAF_FIRST_RESPONSE_AT, HILO_SLAF_REV,
    HILO_SLAF_SLA_TEAM, HILO_SLAF_START, HILO_SLAF_PAUSED_AT,
    HILO_SLAF_FR_DUE, HILO_SLAF_FR_LEFT, HILO_SLAF_FR_WARNED, HILO_SLAF_FR_BREACHED,
    HILO_SLAF_RES_DUE, HILO_SLAF_RES_LEFT, HILO_SLAF_RES_WARNED, HILO_SLAF_RES_BREACHED,
    HILO_SLAF_COUNT
};
extern const char *const hilo_store_sla_fields[HILO_SLAF_COUNT];
int hilo_tx_sla_ticket_read(struct hilo_tx *tx, const char *ref);

/* The SLA script: when the ticket still has rev, status and
 * first_response_at, adds the internal 'sla' events (JSON fields each) and
 * sets the fields (names from hilo_store_sla_fields), bumping sla_rev, and
 * publishes. Reply: 1 applied, 0 changed meanwhile; error unknown_ticket. */
struct hilo_store_sla_apply {
    const char *chan, *ref;
    uint64_t rev, first_response_at;
    const char *status;
    const char *const *events;
    int nevents;
    const char *const *fields; /* field, value pairs */
    int nfields;
};
int hilo_store_sla_apply(struct hilo_redis *r, const struct hilo_store_sla_apply *op,
                         hilo_redis_cb cb, void *data);

/* The timer's next time (0: none) unless it moved from the score it was
 * leased with. Reply: 1 set, 0 left alone. */
int hilo_store_sla_next(struct hilo_redis *r, const char *member, uint64_t leased, uint64_t next,
                        hilo_redis_cb cb, void *data);

#endif
