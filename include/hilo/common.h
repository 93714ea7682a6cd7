/* Shared definitions: error codes, time, small helpers. */
#ifndef HILO_COMMON_H
#define HILO_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define HILO_VERSION "0.1.0"

/* Domain errors. Functions return 0 on success, -errno for system errors and
 * -HILO_E* for these (all above any errno value). Each has a stable wire code. */
enum hilo_err {
    HILO_EBASE = 10000,
    HILO_EBADJSON,
    HILO_EBADFRAME,
    HILO_EUNKNOWNTYPE,
    HILO_ETOOLARGE,
    HILO_ETEXTLONG,
    HILO_ERATE,
    HILO_EHELLO,
    HILO_EUNAUTH,
    HILO_ECREDS,
    HILO_EEXPIRED,
    HILO_EFORBIDDEN,
    HILO_EUNKNOWNTICKET,
    HILO_EUNKNOWNAGENT,
    HILO_EBADSTATE,
    HILO_EUNAVAIL,
    HILO_EINTERNAL,
    HILO_EUNKNOWNEVENT,
    HILO_EUNKNOWNHOLD,
    /* merge and undo (docs/continuity.md) */
    HILO_EUNKNOWNCUSTOMER,
    HILO_EUNDOCONFLICT,
    /* a blocked identity's widget (docs/continuity.md) */
    HILO_EBLOCKED,
    /* WhatsApp templates agents pick (docs/channels/whatsapp.md) */
    HILO_EUNKNOWNTEMPLATE,
    HILO_EMEDIATYPE,
    HILO_ENOTICKET,
    HILO_ELAST
};

/* Stable machine code for an error ("bad_json", ...); "internal" for unknown. */
const char *hilo_err_code(int err);
/* Human English message for an error. */
const char *hilo_strerror(int err);
/* Counts one occurrence of an error code (for metrics). */
void hilo_err_count(int err);
/* Number of occurrences counted for err. */
uint64_t hilo_err_counted(int err);

/* Wall clock in milliseconds since the Unix epoch: for times that are stored
 * or shown. It can jump (NTP, an operator), so never measure a delay with it. */
uint64_t hilo_now_ms(void);
/* Moves hilo_now_ms forward by ms (tests only: --test-clock). Monotonic
 * time and libuv timers are not moved, so durable timers must compare their
 * due times with hilo_now_ms, never count on a uv timer's own delay. */
void hilo_clock_advance(uint64_t ms);
/* Monotonic clock in milliseconds from an arbitrary origin: for deadlines,
 * timeouts and elapsed times within this process. */
uint64_t hilo_mono_ms(void);

#define HILO_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
