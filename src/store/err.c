#include <string.h>

#include "hilo/common.h"
#include "hilo/log.h"
#include "hilo/store.h"

/* Errors our scripts raise: redis.error_reply('HILO <code>'). */
static const struct {
    const char *code;
    int err;
} hilo_codes[] = {
    {"unknown_ticket", -HILO_EUNKNOWNTICKET},
    {"forbidden", -HILO_EFORBIDDEN},
    {"closed", -HILO_EBADSTATE},
    {"unknown_event", -HILO_EUNKNOWNEVENT},
    {"bad_state", -HILO_EBADSTATE},
    {"unknown_hold", -HILO_EUNKNOWNHOLD},
    {"unknown_customer", -HILO_EUNKNOWNCUSTOMER},
    {"undo_conflict", -HILO_EUNDOCONFLICT},
    {"bad_frame", -HILO_EBADFRAME},
    {"not_resolved", -HILO_EBADSTATE},
};

/* Redis's own errors that mean "try again later", by their first word. */
static const char *const transient[] = {"NOSCRIPT", "LOADING", "MASTERDOWN"};

/* 1 if s starts with the word w (followed by the end or a space). */
static int word(const char *s, size_t len, const char *w)
{
    size_t n = strlen(w);
    return len >= n && memcmp(s, w, n) == 0 && (len == n || s[n] == ' ');
}

int hilo_store_err(const redisReply *r)
{
    if (!r)
        return -HILO_EUNAVAIL;
    if (r->type != REDIS_REPLY_ERROR)
        return 0;
    const char *s = r->str ? r->str : "";
    size_t len = r->str ? r->len : 0;
    if (len > 5 && memcmp(s, "HILO ", 5) == 0) {
        for (size_t i = 0; i < HILO_ARRAY_LEN(hilo_codes); i++)
            if (word(s + 5, len - 5, hilo_codes[i].code))
                return hilo_codes[i].err;
    }
    for (size_t i = 0; i < HILO_ARRAY_LEN(transient); i++)
        if (word(s, len, transient[i]))
            return -HILO_EUNAVAIL;
    hilo_error("redis error: %.*s", (int)len, s);
    return -HILO_EINTERNAL;
}
