/* Typed ops of the teams' console settings (store_team_settings.h). */
#include "hilo/store_team_settings.h"

#include "hilo/common.h"
#include "hilo/keys.h"
#include "internal.h"

int hilo_store_team_settings_get(struct hilo_redis *r, const char *team, hilo_redis_cb cb,
                                 void *data)
{
    struct hilo_store_cmd c;
    int rc = 0;
    hilo_cmd_start(&c, "HMGET");
    if (hilo_cmd_key(&c, 0, HILO_K_TEAM_SETTINGS, NULL) < 0)
        rc = -HILO_EINTERNAL;
    hilo_cmd_add(&c, "default");
    hilo_cmd_add(&c, team && *team ? team : "default");
    return hilo_cmd_send_built(r, rc ? rc : hilo_cmd_finish(&c), &c, cb, data);
}

int hilo_store_team_settings_put(struct hilo_redis *r, const char *team, const char *json,
                                 hilo_redis_cb cb, void *data)
{
    struct hilo_store_cmd c;
    int rc = 0;
    hilo_cmd_start(&c, "HSET");
    if (hilo_cmd_key(&c, 0, HILO_K_TEAM_SETTINGS, NULL) < 0)
        rc = -HILO_EINTERNAL;
    hilo_cmd_add(&c, team);
    hilo_cmd_add(&c, json);
    return hilo_cmd_send_built(r, rc ? rc : hilo_cmd_finish(&c), &c, cb, data);
}

int hilo_store_team_settings_del(struct hilo_redis *r, const char *team, hilo_redis_cb cb,
                                 void *data)
{
    struct hilo_store_cmd c;
    int rc = 0;
    hilo_cmd_start(&c, "HDEL");
    if (hilo_cmd_key(&c, 0, HILO_K_TEAM_SETTINGS, NULL) < 0)
        rc = -HILO_EINTERNAL;
    hilo_cmd_add(&c, team);
    return hilo_cmd_send_built(r, rc ? rc : hilo_cmd_finish(&c), &c, cb, data);
}
