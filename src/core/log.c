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

static enum hilo_log_format format = HILO_LOG_TEXT;

void hilo_log_set_format(enum hilo_log_format f) { format = f; }

int hilo_log_parse_format(const char *s, enum hilo_log_format *out)
{
    if (strcmp(s, "text") == 0)
        *out = HILO_LOG_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = HILO_LOG_JSON;
    else
        return -1;
    return 0;
}

/* JSON string body of s (no quotes): escapes what RFC 8259 requires and
 * replaces bytes that are not valid UTF-8 leads with U+FFFD's escape, so a
 * log shipper never gets a line it cannot parse. */
static void json_escape(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch == '\t')
            fputs("\\t", f);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\u%04x", ch);
        else if (ch < 0x80)
            fputc(ch, f);
        else {
            /* copy a well-formed UTF-8 sequence, else U+FFFD */
            int n = ch >= 0xf0 && ch < 0xf5 ? 3 : ch >= 0xe0 ? 2 : ch >= 0xc2 && ch < 0xe0 ? 1 : -1;
            int ok = n > 0;
            for (int i = 1; ok && i <= n; i++)
                ok = (p[i] & 0xc0) == 0x80;
            if (!ok) {
                fputs("\\ufffd", f);
                continue;
            }
            fwrite(p, 1, (size_t)n + 1, f);
            p += n;
        }
    }
}

static void vlog(enum hilo_log_level level, const struct hilo_log_ctx *ctx, const char *fmt,
                 va_list ap)
    __attribute__((format(printf, 3, 0)));

void hilo_log(enum hilo_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, NULL, fmt, ap);
    va_end(ap);
}

void hilo_logx(enum hilo_log_level level, const struct hilo_log_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, ctx, fmt, ap);
    va_end(ap);
}

static void vlog(enum hilo_log_level level, const struct hilo_log_ctx *ctx, const char *fmt,
                 va_list ap)
{
    static const char tag[] = "DIWE";
    static const char *const names[] = {"debug", "info", "warn", "error"};
    char when[32];
    char msg[2048];
    struct timespec ts;
    struct tm tm;
    const char *ticket = ctx && ctx->ticket && *ctx->ticket ? ctx->ticket : NULL;
    const char *ip = ctx && ctx->ip && *ctx->ip ? ctx->ip : NULL;
    unsigned conn = ctx ? ctx->conn : 0;

    if (level < min_level)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (format == HILO_LOG_JSON) {
        /* one object per line, for journald/Loki/Elastic shippers */
        flockfile(stderr);
        fprintf(stderr, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"", when,
                ts.tv_nsec / 1000000, names[level]);
        json_escape(stderr, msg);
        fputc('"', stderr);
        if (ticket) {
            fputs(",\"ticket\":\"", stderr);
            json_escape(stderr, ticket);
            fputc('"', stderr);
        }
        if (conn)
            fprintf(stderr, ",\"conn\":%u", conn);
        if (ip) {
            fputs(",\"ip\":\"", stderr);
            json_escape(stderr, ip);
            fputc('"', stderr);
        }
        fputs("}\n", stderr);
        funlockfile(stderr);
        return;
    }
    flockfile(stderr);
    fprintf(stderr, "%s.%03ldZ %c %s", when, ts.tv_nsec / 1000000, tag[level], msg);
    if (ticket)
        fprintf(stderr, " ticket=%s", ticket);
    if (conn)
        fprintf(stderr, " conn=%u", conn);
    if (ip)
        fprintf(stderr, " ip=%s", ip);
    fputc('\n', stderr);
    funlockfile(stderr);
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
