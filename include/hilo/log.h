/* Logging to stderr with levels. Never pass secrets. */
#ifndef HILO_LOG_H
#define HILO_LOG_H

#include <stddef.h>

enum hilo_log_level { HILO_LOG_DEBUG, HILO_LOG_INFO, HILO_LOG_WARN, HILO_LOG_ERROR };

enum hilo_log_format { HILO_LOG_TEXT, HILO_LOG_JSON };

void hilo_log_set_level(enum hilo_log_level level);
/* text: "2026-12-02T10:00:00.000Z I message"; json: one object per line,
 * {"ts","level","msg"}. */
void hilo_log_set_format(enum hilo_log_format f);
/* Parses "text|json"; returns 0 or -1. */
int hilo_log_parse_format(const char *s, enum hilo_log_format *out);
/* Parses "debug|info|warn|error"; returns 0 or -1. */
int hilo_log_parse_level(const char *s, enum hilo_log_level *out);
void hilo_log(enum hilo_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What a log line concerns: each field is logged when set (NULL / 0 /
 * "" = not set). JSON: "ticket", "conn" (a number), "ip" fields of the
 * object; text: " ticket=... conn=... ip=..." after the message. */
struct hilo_log_ctx {
    const char *ticket;
    unsigned conn;
    const char *ip;
};
void hilo_logx(enum hilo_log_level level, const struct hilo_log_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies url to out with the password of its user-info replaced by "***"
 * (redis://:pw@host -> redis://:***@host), for logging a URL that may hold
 * a secret. Returns out. */
const char *hilo_log_redact_url(const char *url, char *out, size_t n);

#define hilo_debug(...) hilo_log(HILO_LOG_DEBUG, __VA_ARGS__)
#define hilo_info(...) hilo_log(HILO_LOG_INFO, __VA_ARGS__)
#define hilo_warn(...) hilo_log(HILO_LOG_WARN, __VA_ARGS__)
#define hilo_error(...) hilo_log(HILO_LOG_ERROR, __VA_ARGS__)

#endif
