/* Typed store operations of the teams' console settings
 * (src/store/team_settings.c): one hash, team -> settings JSON (canned
 * responses, waiting-time thresholds; docs/data-model.md). "default" is the
 * default team. Conventions as in store_index.h. */
#ifndef HILO_STORE_TEAM_SETTINGS_H
#define HILO_STORE_TEAM_SETTINGS_H

#include "hilo/store.h"

/* HMGET of the default team's and team's settings (reply: two elements,
 * nil when not stored). team may be NULL or "" (default team only). */
int hilo_store_team_settings_get(struct hilo_redis *r, const char *team, hilo_redis_cb cb,
                                 void *data);
/* HSET of one team's settings. */
int hilo_store_team_settings_put(struct hilo_redis *r, const char *team, const char *json,
                                 hilo_redis_cb cb, void *data);
/* HDEL of one team's settings (reply: 1 removed, 0 none). */
int hilo_store_team_settings_del(struct hilo_redis *r, const char *team, hilo_redis_cb cb,
                                 void *data);

#endif
