#include "hilo/scripts.h"

#include <string.h>

#include "hilo/log.h"
#include "internal.h"

/* The sources live in src/store/lua; meson embeds them (lua_gen.c). */
static const char *const sources[HILO_S_COUNT] = {
    [HILO_S_RESERVE] = hilo_lua_reserve,
    [HILO_S_CREATE] = hilo_lua_create,
    [HILO_S_APPEND] = hilo_lua_append,
    [HILO_S_SET] = hilo_lua_set,
    [HILO_S_HISTORY] = hilo_lua_history,
    [HILO_S_DELIVERY] = hilo_lua_delivery,
    [HILO_S_OUTBOX_DUE] = hilo_lua_outbox_due,
    [HILO_S_DUE] = hilo_lua_due,
    [HILO_S_CUST] = hilo_lua_cust,
    [HILO_S_LOGIN_FAIL] = hilo_lua_login_fail,
    [HILO_S_HOLD] = hilo_lua_hold,
    [HILO_S_HOLDEV] = hilo_lua_holdev,
    [HILO_S_RATE] = hilo_lua_rate,
    [HILO_S_MERGE] = hilo_lua_merge,
    [HILO_S_UNMERGE] = hilo_lua_unmerge,
    [HILO_S_SUGGEST] = hilo_lua_suggest,
    [HILO_S_UNDELIV] = hilo_lua_undeliv,
    [HILO_S_SLA] = hilo_lua_sla,
    [HILO_S_SLANEXT] = hilo_lua_slanext,
};

static char shas[HILO_S_COUNT][41];

static void loaded_cb(redisReply *reply, void *data)
{
    enum hilo_script s = (enum hilo_script)(long)data;
    if (!reply || reply->type != REDIS_REPLY_STRING || reply->len != 40) {
        hilo_error("SCRIPT LOAD %d failed: %s", (int)s,
                   reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no reply");
        return;
    }
    memcpy(shas[s], reply->str, 40);
    shas[s][40] = '\0';
}

void hilo_scripts_load(struct hilo_redis *r)
{
    memset(shas, 0, sizeof shas);
    for (int s = 0; s < HILO_S_COUNT; s++) {
        const char *argv[] = {"SCRIPT", "LOAD", sources[s]};
        hilo_redis_cmd_init(r, loaded_cb, (void *)(long)s, 3, argv, NULL);
    }
}

void hilo_scripts_reload(struct hilo_redis *r)
{
    /* A SHA1 depends on the source only: the known ones stay valid, so
     * callers keep running while the server relearns the scripts. */
    for (int s = 0; s < HILO_S_COUNT; s++) {
        const char *argv[] = {"SCRIPT", "LOAD", sources[s]};
        hilo_redis_cmd_init(r, NULL, NULL, 3, argv, NULL);
    }
}

const char *hilo_scripts_by_sha(const char *sha, size_t len)
{
    if (len != 40)
        return NULL;
    for (int s = 0; s < HILO_S_COUNT; s++)
        if (shas[s][0] && memcmp(shas[s], sha, 40) == 0)
            return sources[s];
    return NULL;
}

int hilo_scripts_ready(void)
{
    for (int s = 0; s < HILO_S_COUNT; s++)
        if (!shas[s][0])
            return 0;
    return 1;
}

const char *hilo_scripts_sha(enum hilo_script s) { return shas[s]; }
const char *hilo_scripts_source(enum hilo_script s) { return sources[s]; }
