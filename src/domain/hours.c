/* Business hours (include/hilo/hours.h). */
#include "hilo/hours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hilo/config.h"
#include "hilo/i18n.h"
#include "hilo/log.h"

static const char *const days[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static int day_of(const char *s)
{
    for (int i = 0; i < 7; i++)
        if (strncasecmp(s, days[i], 3) == 0)
            return i;
    return -1;
}

/* "HH:MM" -> minutes (24:00 allowed as a closing time), or -1. */
static int hhmm(const char *s, const char **end)
{
    int h, m;
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] != ':' || s[3] < '0' ||
        s[3] > '5' || s[4] < '0' || s[4] > '9')
        return -1;
    h = (s[0] - '0') * 10 + s[1] - '0';
    m = (s[3] - '0') * 10 + s[4] - '0';
    *end = s + 5;
    return h > 24 || (h == 24 && m) ? -1 : h * 60 + m;
}

static int parse_entry(const char *e, struct hilo_hours *h)
{
    int sel[7] = {0};
    const char *p = e;
    while (*p == ' ')
        p++;
    /* days: "mon-fri", "mon,wed,fri", "sat" */
    for (;;) {
        int a = day_of(p), b;
        if (a < 0)
            return -1;
        p += 3;
        b = a;
        if (*p == '-') {
            if ((b = day_of(p + 1)) < 0)
                return -1;
            p += 4;
        }
        for (int d = a;; d = (d + 1) % 7) {
            sel[d] = 1;
            if (d == b)
                break;
        }
        if (*p != ',')
            break;
        p++;
    }
    if (*p != ' ')
        return -1;
    while (*p == ' ')
        p++;
    int o = hhmm(p, &p), c;
    if (o < 0 || *p++ != '-' || (c = hhmm(p, &p)) < 0 || c <= o)
        return -1;
    while (*p == ' ')
        p++;
    if (*p)
        return -1;
    for (int d = 0; d < 7; d++) {
        if (!sel[d])
            continue;
        if (h->n[d] == HILO_HOURS_PER_DAY)
            return -1;
        int k = h->n[d]++;
        /* kept sorted by opening time */
        while (k > 0 && h->open[d][k - 1] > o) {
            h->open[d][k] = h->open[d][k - 1];
            h->close[d][k] = h->close[d][k - 1];
            k--;
        }
        h->open[d][k] = (uint16_t)o;
        h->close[d][k] = (uint16_t)c;
    }
    return 0;
}

int hilo_hours_parse(const char *spec, struct hilo_hours *out)
{
    char buf[512];
    char *save = NULL, *e;
    int any = 0;
    memset(out, 0, sizeof *out);
    if (!spec || strlen(spec) >= sizeof buf)
        return -1;
    if (strcasecmp(spec, "24x7") == 0) {
        out->always = 1;
        return 0;
    }
    snprintf(buf, sizeof buf, "%s", spec);
    for (e = strtok_r(buf, ";", &save); e; e = strtok_r(NULL, ";", &save)) {
        while (*e == ' ')
            e++;
        if (!*e)
            continue;
        if (parse_entry(e, out) < 0) {
            memset(out, 0, sizeof *out);
            return -1;
        }
        any = 1;
    }
    return any ? 0 : -1;
}

/* Runs with TZ=tz, then puts the old TZ back. */
struct tz_saved;
static void tz_leave(const struct tz_saved *sv);
struct tz_saved {
    char old[256];
    int had;
};

static int tz_enter(const char *tz, struct tz_saved *sv)
{
    char path[512];
    const char *cur = getenv("TZ");
    /* an unknown name would silently mean UTC: refuse it instead */
    if (!tz || !*tz || strstr(tz, "..") || tz[0] == '/')
        return -1;
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    if (strcmp(tz, "UTC") != 0 && access(path, R_OK) != 0)
        return -1;
    sv->had = cur != NULL;
    snprintf(sv->old, sizeof sv->old, "%s", cur ? cur : "");
    setenv("TZ", tz, 1);
    tzset();
    return 0;
}

int hilo_hours_tz_ok(const char *tz)
{
    struct tz_saved sv;
    if (tz_enter(tz, &sv) < 0)
        return 0;
    tz_leave(&sv);
    return 1;
}

static void tz_leave(const struct tz_saved *sv)
{
    if (sv->had)
        setenv("TZ", sv->old, 1);
    else
        unsetenv("TZ");
    tzset();
}

int hilo_hours_next_open(const struct hilo_hours *h, const char *tz, int64_t now_s,
                         int64_t *open_s, struct tm *local, int *days_ahead)
{
    struct tz_saved sv;
    struct tm today;
    time_t now = (time_t)now_s;
    int rc = -1;
    if (h->always)
        return 0;
    if (tz_enter(tz, &sv) < 0)
        return -1;
    localtime_r(&now, &today);
    for (int d = 0; d < 15 && rc < 0; d++) {
        struct tm day = today;
        day.tm_mday += d;
        day.tm_hour = 12; /* noon: normalises the date away from DST gaps */
        day.tm_min = day.tm_sec = 0;
        day.tm_isdst = -1;
        if (mktime(&day) == (time_t)-1)
            break;
        int wd = day.tm_wday;
        for (int k = 0; k < h->n[wd]; k++) {
            struct tm o = day, c = day;
            o.tm_hour = h->open[wd][k] / 60;
            o.tm_min = h->open[wd][k] % 60;
            c.tm_hour = h->close[wd][k] / 60;
            c.tm_min = h->close[wd][k] % 60;
            o.tm_isdst = c.tm_isdst = -1;
            time_t to = mktime(&o), tc = mktime(&c);
            if (to <= now && now < tc) {
                rc = 0;
                break;
            }
            if (to > now) {
                *open_s = to;
                localtime_r(&to, local);
                *days_ahead = d;
                rc = 1;
                break;
            }
        }
    }
    tz_leave(&sv);
    return rc;
}

void hilo_hours_ack(const struct hilo_config *cfg, const char *lang, const char *ref, int eta,
                    unsigned channels, uint64_t now_ms, char *out, size_t n)
{
    struct hilo_hours h;
    struct tm local;
    int64_t at;
    int ahead, rc;
    if (hilo_hours_parse(cfg->sla_hours, &h) < 0) {
        hilo_warn("sla_hours \"%s\" is not a schedule: the acknowledgement promises %d minutes",
                  cfg->sla_hours, eta);
        rc = 0;
    } else {
        rc = hilo_hours_next_open(&h, cfg->sla_timezone, (int64_t)(now_ms / 1000), &at, &local,
                                  &ahead);
        if (rc < 0)
            hilo_warn("sla_timezone \"%s\" is unknown or the schedule never opens",
                      cfg->sla_timezone);
    }
    if (rc == 1)
        hilo_i18n_ack_closed(lang, ref, channels, &local, ahead, out, n);
    else
        hilo_i18n_ack(lang, ref, eta, channels, out, n);
}

void hilo_hours_ack_cal(const struct hilo_calendar *c, const char *lang, const char *ref, int eta,
                        unsigned channels, uint64_t now_ms, char *out, size_t n)
{
    struct hilo_hours_now st;
    if (hilo_hours_now(c, now_ms, &st) < 0) {
        hilo_warn("sla: time zone \"%s\" is unknown: the acknowledgement promises %d minutes", c->tz,
                  eta);
        st.open = 1;
    }
    if (!st.open && st.next_open)
        hilo_i18n_ack_closed(lang, ref, channels, &st.open_local, st.days_ahead, out, n);
    else
        hilo_i18n_ack(lang, ref, eta, channels, out, n);
}

/* ---- business time ---------------------------------------------------------- */

int32_t hilo_hours_date_parse(const char *s)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    return y * 10000 + m * 100 + d;
}

static int is_holiday(const struct hilo_calendar *c, const struct tm *day)
{
    int32_t v = (day->tm_year + 1900) * 10000 + (day->tm_mon + 1) * 100 + day->tm_mday;
    for (int i = 0; i < c->nholidays; i++)
        if (c->holidays[i] == v)
            return 1;
    return 0;
}

/* Calls fn(o_ms, c_ms, arg) for each open interval from the local day of
 * from_ms on, in order, until fn returns non-zero or 400 days have passed.
 * 0: fn stopped it; -1: unknown time zone or no stop. */
static int each_interval(const struct hilo_calendar *c, uint64_t from_ms,
                         int (*fn)(uint64_t o, uint64_t cl, void *arg), void *arg)
{
    struct tz_saved sv;
    struct tm today;
    time_t from = (time_t)(from_ms / 1000);
    int rc = -1;
    if (tz_enter(c->tz, &sv) < 0)
        return -1;
    localtime_r(&from, &today);
    for (int d = 0; d < 400 && rc < 0; d++) {
        struct tm day = today;
        day.tm_mday += d;
        day.tm_hour = 12;
        day.tm_min = day.tm_sec = 0;
        day.tm_isdst = -1;
        if (mktime(&day) == (time_t)-1)
            break;
        if (is_holiday(c, &day))
            continue;
        int wd = day.tm_wday, n = c->hours.always ? 1 : c->hours.n[wd];
        for (int k = 0; k < n; k++) {
            struct tm o = day, cl = day;
            int om = c->hours.always ? 0 : c->hours.open[wd][k];
            int cm = c->hours.always ? 1440 : c->hours.close[wd][k];
            o.tm_hour = om / 60;
            o.tm_min = om % 60;
            cl.tm_hour = cm / 60;
            cl.tm_min = cm % 60;
            o.tm_isdst = cl.tm_isdst = -1;
            time_t to = mktime(&o), tc = mktime(&cl);
            if (tc <= to)
                continue;
            if (fn((uint64_t)to * 1000u, (uint64_t)tc * 1000u, arg)) {
                rc = 0;
                break;
            }
        }
    }
    tz_leave(&sv);
    return rc;
}

struct add_state {
    uint64_t cur, left, due;
};

static int add_step(uint64_t o, uint64_t cl, void *arg)
{
    struct add_state *st = arg;
    if (cl <= st->cur)
        return 0;
    uint64_t from = o > st->cur ? o : st->cur;
    if (cl - from >= st->left) {
        st->due = from + st->left;
        return 1;
    }
    st->left -= cl - from;
    st->cur = cl;
    return 0;
}

int hilo_hours_add(const struct hilo_calendar *c, uint64_t start_ms, uint64_t ms, uint64_t *due)
{
    if (ms == 0 || (c->hours.always && c->nholidays == 0)) {
        if (!hilo_hours_tz_ok(c->tz))
            return -1;
        *due = start_ms + ms;
        return 0;
    }
    struct add_state st = {.cur = start_ms, .left = ms};
    if (each_interval(c, start_ms, add_step, &st) < 0)
        return -1;
    *due = st.due;
    return 0;
}

struct between_state {
    uint64_t a, b, sum;
};

static int between_step(uint64_t o, uint64_t cl, void *arg)
{
    struct between_state *st = arg;
    if (o >= st->b)
        return 1;
    uint64_t x = o > st->a ? o : st->a, y = cl < st->b ? cl : st->b;
    if (y > x)
        st->sum += y - x;
    return 0;
}

uint64_t hilo_hours_between(const struct hilo_calendar *c, uint64_t a_ms, uint64_t b_ms)
{
    if (b_ms <= a_ms)
        return 0;
    if (c->hours.always && c->nholidays == 0)
        return b_ms - a_ms;
    struct between_state st = {.a = a_ms, .b = b_ms};
    each_interval(c, a_ms, between_step, &st);
    return st.sum;
}

/* ---- open now, and until when (the widget's status line) ------------------- */

struct now_state {
    uint64_t now, s_open, s_close, after;
    int phase; /* 0: looking for the stretch holding or after now; 1: extending it */
};

static int now_step(uint64_t o, uint64_t cl, void *arg)
{
    struct now_state *st = arg;
    if (st->phase == 0) {
        if (cl <= st->now)
            return 0;
        st->s_open = o;
        st->s_close = cl;
        st->phase = 1;
        return 0;
    }
    if (o <= st->s_close) { /* touching or overlapping: one stretch */
        if (cl > st->s_close)
            st->s_close = cl;
        return 0;
    }
    st->after = o;
    return 1;
}

/* Days from 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t civil_days(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int hilo_hours_now(const struct hilo_calendar *c, uint64_t now_ms, struct hilo_hours_now *out)
{
    struct now_state st = {.now = now_ms};
    struct tz_saved sv;
    struct tm today, mid;
    time_t now = (time_t)(now_ms / 1000);
    memset(out, 0, sizeof *out);
    if (!hilo_hours_tz_ok(c->tz))
        return -1;
    if (c->hours.always && c->nholidays == 0) {
        out->open = 1;
        out->always = 1;
    } else {
        int stopped = each_interval(c, now_ms, now_step, &st) == 0;
        out->open = st.phase == 1 && st.s_open <= now_ms;
        if (out->open) {
            /* open for the 400 days looked at: no closing known */
            out->next_close = stopped ? st.s_close : 0;
            out->next_open = stopped ? st.after : 0;
        } else if (st.phase == 1) {
            out->next_open = st.s_open;
            out->next_close = stopped ? st.s_close : 0;
        }
    }
    if (tz_enter(c->tz, &sv) < 0)
        return -1;
    localtime_r(&now, &today);
    mid = today;
    mid.tm_mday += 1;
    mid.tm_hour = mid.tm_min = mid.tm_sec = 0;
    mid.tm_isdst = -1;
    out->midnight = (uint64_t)mktime(&mid) * 1000u;
    if (out->next_open) {
        time_t at = (time_t)(out->next_open / 1000);
        localtime_r(&at, &out->open_local);
        out->days_ahead = (int)(civil_days(out->open_local.tm_year + 1900, out->open_local.tm_mon + 1,
                                           out->open_local.tm_mday) -
                                civil_days(today.tm_year + 1900, today.tm_mon + 1, today.tm_mday));
    }
    tz_leave(&sv);
    return 0;
}
