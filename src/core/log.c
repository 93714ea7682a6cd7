#include "hilo/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum hilo_log_level min_level = HILO_LOG_INFO;

void hilo_log_set_level(enum hilo_log_level level) { min_level = level; }

int hilo_log_parse_level(const char *s, enum hilo_log_level *out)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum hilo_log_level)i;
            return 0;
        }
    }
    return -1;
}

void hilo_log(enum hilo_log_level level, const char *fmt, ...)
{
    static const char tag[] = "DIWE";
    char when[32];
    struct timespec ts;
    struct tm tm;
    va_list ap;

    if (level < min_level)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ldZ %c ", when, ts.tv_nsec / 1000000, tag[level]);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const char *hilo_log_redact_url(const char *url, char *out, size_t n)
{
    const char *scheme = strstr(url, "://");
    const char *auth = scheme ? scheme + 3 : url;
    const char *end = auth + strcspn(auth, "/?#");
    const char *at = NULL;

    if (n == 0)
        return out;
    /* the user-info ends at the last '@' before the path */
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (!colon) {
        snprintf(out, n, "%s", url);
        return out;
    }
    snprintf(out, n, "%.*s***%s", (int)(colon + 1 - url), url, at);
    return out;
}
