#include "hilo/common.h"

#include <time.h>

static const struct {
    const char *code;
    const char *msg;
} errs[] = {
    [HILO_EBADJSON - HILO_EBASE] = {"bad_json", "The frame is not a valid JSON object."},
    [HILO_EBADFRAME - HILO_EBASE] = {"bad_frame", "A field is missing or invalid."},
    [HILO_EUNKNOWNTYPE - HILO_EBASE] = {"unknown_type", "Unknown frame type."},
    [HILO_ETOOLARGE - HILO_EBASE] = {"too_large", "The frame is too large."},
    [HILO_ETEXTLONG - HILO_EBASE] = {"text_too_long", "The text is too long."},
    [HILO_ERATE - HILO_EBASE] = {"rate_limited", "Too many frames; slow down."},
    [HILO_EHELLO - HILO_EBASE] = {"hello_required", "Send hello first."},
    [HILO_EUNAUTH - HILO_EBASE] = {"unauthorized", "Sign in first."},
    [HILO_ECREDS - HILO_EBASE] = {"bad_credentials", "Wrong name or password."},
    [HILO_EEXPIRED - HILO_EBASE] = {"session_expired", "The session has expired; sign in again."},
    [HILO_EFORBIDDEN - HILO_EBASE] = {"forbidden", "Not allowed."},
    [HILO_EUNKNOWNTICKET - HILO_EBASE] = {"unknown_ticket", "No ticket with that reference."},
    [HILO_EUNKNOWNAGENT - HILO_EBASE] = {"unknown_agent", "No agent with that name."},
    [HILO_EBADSTATE - HILO_EBASE] = {"bad_state", "Not possible in the ticket's current status."},
    [HILO_EUNAVAIL - HILO_EBASE] = {"unavailable", "Storage is unavailable; nothing was stored. Retry later."},
    [HILO_EINTERNAL - HILO_EBASE] = {"internal", "Internal error; nothing was stored."},
    [HILO_EUNKNOWNEVENT - HILO_EBASE] = {"unknown_event",
                                         "No event with that id in this ticket; resume from \"0\"."},
    [HILO_EUNKNOWNHOLD - HILO_EBASE] = {"unknown_hold", "No held join with that id."},
    [HILO_EUNKNOWNCUSTOMER - HILO_EBASE] = {"unknown_customer", "No customer with that id."},
    [HILO_EUNDOCONFLICT - HILO_EBASE] = {"undo_conflict",
                                         "Later changes make an exact undo impossible; nothing was changed."},
    [HILO_EBLOCKED - HILO_EBASE] = {"identity_blocked",
                                    "This identity is blocked; nothing was stored."},
    [HILO_EUNKNOWNTEMPLATE - HILO_EBASE] = {"unknown_template",
                                           "No approved template of the team with that name and language."},
    [HILO_EMEDIATYPE - HILO_EBASE] = {"unsupported_media_type",
                                      "Only PNG, JPEG, GIF or WebP images and PDF files are accepted."},
    [HILO_ENOTICKET - HILO_EBASE] = {"no_ticket",
                                     "Write a message first: a file joins the current conversation."},
};

static uint64_t counts[HILO_ELAST - HILO_EBASE];

static int idx(int err)
{
    if (err < 0)
        err = -err;
    if (err <= HILO_EBASE || err >= HILO_ELAST)
        return HILO_EINTERNAL - HILO_EBASE;
    return err - HILO_EBASE;
}

const char *hilo_err_code(int err) { return errs[idx(err)].code; }
const char *hilo_strerror(int err) { return errs[idx(err)].msg; }
void hilo_err_count(int err) { counts[idx(err)]++; }
uint64_t hilo_err_counted(int err) { return counts[idx(err)]; }

static uint64_t clock_offset_ms;

uint64_t hilo_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u + clock_offset_ms;
}

void hilo_clock_advance(uint64_t ms) { clock_offset_ms += ms; }

uint64_t hilo_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
