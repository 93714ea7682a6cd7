/* Business hours (src/domain/hours.c, docs/sla.md): a weekly schedule in a
 * team's IANA time zone, the next opening, and the acknowledgement that
 * quotes it. Time zones go through the C library (TZ set per call, then
 * restored: not thread-safe, and Hilo is single-threaded). */
#ifndef HILO_HOURS_H
#define HILO_HOURS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HILO_HOURS_PER_DAY 4

struct hilo_hours {
    int always;                              /* "24x7" */
    int n[7];                                /* intervals per weekday, 0 = Sunday */
    uint16_t open[7][HILO_HOURS_PER_DAY];    /* minutes after local midnight */
    uint16_t close[7][HILO_HOURS_PER_DAY];
};

/* "mon-fri 09:00-18:00; sat 10:00-14:00", "mon,wed 08:30-12:00", "24x7".
 * 0, or -1 for anything else (nothing partial is used). */
int hilo_hours_parse(const char *spec, struct hilo_hours *out);

/* Is the schedule open at now_s (Unix seconds) in time zone tz? 0: open;
 * 1: closed, *open_s the next opening, *local its local time and *days how
 * many local days ahead it is (0 today, 1 tomorrow); -1: no opening within
 * two weeks or an unknown time zone. */
int hilo_hours_next_open(const struct hilo_hours *h, const char *tz, int64_t now_s,
                         int64_t *open_s, struct tm *local, int *days);

/* 1 if tz names a time zone of the system's database (or is "UTC"). */
int hilo_hours_tz_ok(const char *tz);

struct hilo_config;
/* The acknowledgement of a new ticket: hilo_i18n_ack's "about N minutes"
 * while the default team (sla_timezone, sla_hours) is open, else "we're
 * closed now; we'll answer Monday from 9:00". */
void hilo_hours_ack(const struct hilo_config *cfg, const char *lang, const char *ref, int eta,
                    unsigned channels, uint64_t now_ms, char *out, size_t n);

/* ---- business time (SLA timers, docs/sla.md) ------------------------------
 * A calendar: the weekly hours, a time zone and holidays (local dates, no
 * hours at all that day). */
#define HILO_HOURS_MAX_HOLIDAYS 64
struct hilo_calendar {
    struct hilo_hours hours;
    char tz[64];
    int nholidays;
    int32_t holidays[HILO_HOURS_MAX_HOLIDAYS]; /* YYYYMMDD */
};

/* "YYYY-MM-DD" -> YYYYMMDD, or -1. */
int32_t hilo_hours_date_parse(const char *s);
/* *due: start_ms plus ms of open business time (start_ms itself when ms is
 * 0). 0, or -1 when the calendar has no such time within 400 days or the
 * time zone is unknown. */
int hilo_hours_add(const struct hilo_calendar *c, uint64_t start_ms, uint64_t ms, uint64_t *due);
/* Open business time in [a_ms, b_ms) (0 when b_ms <= a_ms); at most 400
 * days are looked at. */
uint64_t hilo_hours_between(const struct hilo_calendar *c, uint64_t a_ms, uint64_t b_ms);

/* ---- open now, and until when (the widget's status line, docs/protocol.md) --
 * Holidays respected; touching intervals (fri 18:00-24:00, sat 00:00-02:00)
 * are one stretch. */
struct hilo_hours_now {
    int open;             /* open at now */
    int always;           /* 24x7 without holidays: never closes */
    uint64_t next_close;  /* open: when this stretch ends; closed: when the next one ends;
                           * 0: not within 400 days */
    uint64_t next_open;   /* closed: the next opening; open: the one after next_close;
                           * 0: none within 400 days */
    struct tm open_local; /* next_open in the calendar's time zone (when set) */
    int days_ahead;       /* local days from now to next_open (0 today, 1 tomorrow) */
    uint64_t midnight;    /* the next local midnight after now ("today" changes) */
};
/* 0, or -1 for an unknown time zone. */
int hilo_hours_now(const struct hilo_calendar *c, uint64_t now_ms, struct hilo_hours_now *out);

/* The acknowledgement with a calendar (holidays respected, as the widget's
 * hours): the server's default team as last read (hilo_server's
 * sla_default_cal). Closed with no opening within 400 days: the estimate. */
void hilo_hours_ack_cal(const struct hilo_calendar *c, const char *lang, const char *ref, int eta,
                        unsigned channels, uint64_t now_ms, char *out, size_t n);

#endif
