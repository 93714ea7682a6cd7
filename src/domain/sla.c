/* SLA settings per team and the pure reconciliation of a ticket's clocks
 * (include/hilo/sla.h, docs/sla.md). */
#include "hilo/sla.h"

#include <stdio.h>
#include <string.h>

#include "hilo/config.h"

static int holidays_parse(const char *list, struct hilo_calendar *c)
{
    char buf[1024], *save = NULL;
    c->nholidays = 0;
    if (!list || !*list)
        return 0;
    if (strlen(list) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", list);
    for (char *d = strtok_r(buf, ", ", &save); d; d = strtok_r(NULL, ", ", &save)) {
        int32_t v = hilo_hours_date_parse(d);
        if (v < 0 || c->nholidays >= HILO_HOURS_MAX_HOLIDAYS)
            return -1;
        c->holidays[c->nholidays++] = v;
    }
    return 0;
}

int hilo_sla_team_defaults(const struct hilo_config *cfg, struct hilo_sla_team *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->hours_spec, sizeof t->hours_spec, "%s", cfg->sla_hours);
    snprintf(t->cal.tz, sizeof t->cal.tz, "%s", cfg->sla_timezone);
    t->first_response_minutes = cfg->sla_first_response_minutes;
    t->resolution_minutes = cfg->sla_resolution_minutes;
    t->warning_minutes = cfg->sla_warning_minutes;
    if (hilo_hours_parse(t->hours_spec, &t->cal.hours) < 0 ||
        holidays_parse(cfg->sla_holidays, &t->cal) < 0)
        return -1;
    return 0;
}

static int minutes_of(json_t *v, int *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > HILO_SLA_MINUTES_MAX)
        return -1;
    *out = (int)json_integer_value(v);
    return 0;
}

int hilo_sla_team_apply(json_t *j, struct hilo_sla_team *out, const char **bad)
{
    struct hilo_sla_team t = *out;
    const char *k;
    json_t *v;
    *bad = "settings";
    if (!json_is_object(j))
        return -1;
    json_object_foreach(j, k, v) {
        *bad = k;
        if (strcmp(k, "timezone") == 0) {
            const char *tz = json_string_value(v);
            if (!tz || strlen(tz) >= sizeof t.cal.tz || !hilo_hours_tz_ok(tz))
                return -1;
            snprintf(t.cal.tz, sizeof t.cal.tz, "%s", tz);
        } else if (strcmp(k, "hours") == 0) {
            const char *h = json_string_value(v);
            if (!h || strlen(h) >= sizeof t.hours_spec || hilo_hours_parse(h, &t.cal.hours) < 0)
                return -1;
            snprintf(t.hours_spec, sizeof t.hours_spec, "%s", h);
        } else if (strcmp(k, "holidays") == 0) {
            size_t i;
            json_t *d;
            if (!json_is_array(v) || json_array_size(v) > HILO_HOURS_MAX_HOLIDAYS)
                return -1;
            t.cal.nholidays = 0;
            json_array_foreach(v, i, d) {
                int32_t x = hilo_hours_date_parse(json_string_value(d));
                if (x < 0)
                    return -1;
                t.cal.holidays[t.cal.nholidays++] = x;
            }
        } else if (strcmp(k, "first_response_minutes") == 0) {
            if (minutes_of(v, &t.first_response_minutes) < 0)
                return -1;
        } else if (strcmp(k, "resolution_minutes") == 0) {
            if (minutes_of(v, &t.resolution_minutes) < 0)
                return -1;
        } else if (strcmp(k, "warning_minutes") == 0) {
            if (minutes_of(v, &t.warning_minutes) < 0)
                return -1;
        } else if (strcmp(k, "team") != 0) {
            return -1;
        }
    }
    *out = t;
    return 0;
}

json_t *hilo_sla_team_json(const struct hilo_sla_team *t)
{
    json_t *h = json_array();
    for (int i = 0; i < t->cal.nholidays; i++) {
        char d[16];
        int32_t v = t->cal.holidays[i];
        snprintf(d, sizeof d, "%04d-%02d-%02d", (int)(v / 10000), (int)(v / 100 % 100),
                 (int)(v % 100));
        json_array_append_new(h, json_string(d));
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:i, s:i, s:i}", "team", *t->name ? t->name : "default",
                     "timezone", t->cal.tz, "hours", t->hours_spec, "holidays", h,
                     "first_response_minutes", t->first_response_minutes, "resolution_minutes",
                     t->resolution_minutes, "warning_minutes", t->warning_minutes);
}

int hilo_sla_team_name_ok(const char *n)
{
    size_t len = n ? strlen(n) : 0;
    if (len < 1 || len > HILO_SLA_TEAM_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

const char *hilo_sla_target_name(enum hilo_sla_target t)
{
    return t == HILO_SLA_FIRST_RESPONSE ? "first_response" : "resolution";
}

/* ---- the clocks ------------------------------------------------------------- */

static int target_minutes(const struct hilo_sla_team *t, enum hilo_sla_target k)
{
    return k == HILO_SLA_FIRST_RESPONSE ? t->first_response_minutes : t->resolution_minutes;
}

static int no_clock(const struct hilo_sla_ticket *in)
{
    for (int k = 0; k < HILO_SLA_TARGETS; k++)
        if (in->c[k].due || in->c[k].left || in->c[k].warned || in->c[k].breached)
            return 0;
    return 1;
}

static int paused_for(const struct hilo_sla_ticket *x, enum hilo_sla_target k)
{
    if (strcmp(x->status, "pending") == 0 || strcmp(x->status, "closed") == 0)
        return 1;
    return k == HILO_SLA_RESOLUTION && strcmp(x->status, "resolved") == 0;
}

void hilo_sla_reconcile(const struct hilo_sla_team *t, const struct hilo_sla_ticket *in,
                        uint64_t now, struct hilo_sla_plan *out)
{
    struct hilo_sla_ticket *x = &out->after;
    uint64_t lead = (uint64_t)t->warning_minutes * 60000u;
    memset(out, 0, sizeof *out);
    *x = *in;
    /* no targets and no clock yet: nothing to write or publish (every
     * ticket write queues a look; without SLA it must cost no more) */
    if (!t->first_response_minutes && !t->resolution_minutes && no_clock(in))
        return;
    if (!x->start)
        x->start = now;
    /* due times for the ticket's team: first look, or the team changed
     * (then from the start again, for clocks still running) */
    if (strcmp(x->sla_team, x->team) != 0) {
        int first = strcmp(x->sla_team, "-") == 0;
        for (int k = 0; k < HILO_SLA_TARGETS; k++) {
            struct hilo_sla_clock *c = &x->c[k];
            uint64_t due = 0, ms = (uint64_t)target_minutes(t, (enum hilo_sla_target)k) * 60000u;
            if (!first && (c->breached || c->left ||
                           (k == HILO_SLA_FIRST_RESPONSE && x->first_response_at)))
                continue;
            if (ms && hilo_hours_add(&t->cal, x->start, ms, &due) < 0)
                due = 0;
            c->due = due;
            c->warned = 0;
        }
        snprintf(x->sla_team, sizeof x->sla_team, "%s", x->team);
    }
    x->paused_at = strcmp(x->status, "pending") == 0 ? (x->paused_at ? x->paused_at : now) : 0;
    for (int k = 0; k < HILO_SLA_TARGETS; k++) {
        struct hilo_sla_clock *c = &x->c[k];
        int stopped = k == HILO_SLA_FIRST_RESPONSE && x->first_response_at;
        if (!c->due || stopped || c->breached)
            continue;
        if (paused_for(x, (enum hilo_sla_target)k)) {
            if (!c->left) {
                uint64_t left = hilo_hours_between(&t->cal, now, c->due);
                c->left = left ? left : 1;
            }
            continue;
        }
        if (c->left) {
            uint64_t due;
            if (hilo_hours_add(&t->cal, now, c->left, &due) == 0)
                c->due = due;
            c->left = 0;
            if (c->warned && (!lead || c->due > now + lead))
                c->warned = 0;
        }
        if (now >= c->due) {
            c->breached = now;
            out->ev[out->nev++] = (struct hilo_sla_event){(enum hilo_sla_target)k, 1, c->due};
            continue;
        }
        if (lead && !c->warned && now + lead >= c->due) {
            c->warned = now;
            out->ev[out->nev++] = (struct hilo_sla_event){(enum hilo_sla_target)k, 0, c->due};
        }
        uint64_t at = (lead && !c->warned) ? c->due - lead : c->due;
        if (!out->next || at < out->next)
            out->next = at;
    }
    out->changed = memcmp(x, in, sizeof *x) != 0;
}
