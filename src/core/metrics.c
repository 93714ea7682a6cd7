/* Counters of include/hilo/metrics.h, and their Prometheus text. */
#include "hilo/metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hilo/buf.h"
#include "hilo/common.h"

static uint64_t counters[HILO_M_LAST];
static uint64_t conns[4];

void hilo_metrics_conn(int role, int delta)
{
    if (role >= 0 && role < 4 && (delta > 0 || conns[role] > 0))
        conns[role] += (uint64_t)(int64_t)delta;
}

uint64_t hilo_metrics_conns(int role) { return role >= 0 && role < 4 ? conns[role] : 0; }

void hilo_metrics_add(enum hilo_metric m, uint64_t n)
{
    if ((unsigned)m < HILO_M_LAST)
        counters[m] += n;
}

uint64_t hilo_metrics_get(enum hilo_metric m)
{
    return (unsigned)m < HILO_M_LAST ? counters[m] : 0;
}

void hilo_metrics_http(int status)
{
    if (status >= 100 && status < 600)
        counters[HILO_M_HTTP_1XX + status / 100 - 1]++;
}

static const struct {
    enum hilo_metric m;
    const char *name, *label, *help;
} table[] = {
    {HILO_M_FRAMES_IN, "hilo_ws_frames_total", "direction=\"in\"", "WebSocket frames."},
    {HILO_M_FRAMES_OUT, "hilo_ws_frames_total", "direction=\"out\"", NULL},
    {HILO_M_MESSAGES_STORED, "hilo_messages_stored_total", NULL,
     "Writes from WebSocket clients stored and acknowledged."},
    {HILO_M_DUPLICATES, "hilo_messages_duplicate_total", NULL,
     "Writes answered as a duplicate of an earlier client_id (nothing stored)."},
    {HILO_M_MAYBE_STORED, "hilo_messages_maybe_stored_total", NULL,
     "Writes answered unavailable with maybe_stored (Redis did not answer in time)."},
    {HILO_M_DELIVERIES, "hilo_live_deliveries_total", NULL,
     "Events sent live to watching connections."},
    {HILO_M_CATCHUPS, "hilo_live_catchups_total", NULL,
     "Catch-ups of every watched ticket after the subscription came back."},
    {HILO_M_GAP_CHECKS, "hilo_live_gap_checked_total", NULL,
     "Watched tickets compared with their stream by the gap check."},
    {HILO_M_GAP_REPAIRS, "hilo_live_gap_repairs_total", NULL,
     "Watches found behind their ticket's stream and caught up by the gap check."},
    {HILO_M_STALE_SENT, "hilo_live_stale_frames_total", NULL,
     "stale frames sent (a watched ticket not caught up)."},
    {HILO_M_LOGIN_FAILURES, "hilo_login_failures_total", NULL, "Agent logins refused."},
    {HILO_M_HTTP_1XX, "hilo_http_responses_total", "class=\"1xx\"",
     "HTTP responses by status class."},
    {HILO_M_HTTP_2XX, "hilo_http_responses_total", "class=\"2xx\"", NULL},
    {HILO_M_HTTP_3XX, "hilo_http_responses_total", "class=\"3xx\"", NULL},
    {HILO_M_HTTP_4XX, "hilo_http_responses_total", "class=\"4xx\"", NULL},
    {HILO_M_HTTP_5XX, "hilo_http_responses_total", "class=\"5xx\"", NULL},
    {HILO_M_OUTBOX_UNKNOWN, "hilo_outbox_unknown_total", NULL,
     "Provider sends whose outcome is unknown (timed out after the request went out)."},
    {HILO_M_OUTBOX_LOOKUP_FOUND, "hilo_outbox_lookups_total", "result=\"found\"",
     "Look-ups at the provider after an unknown outcome."},
    {HILO_M_OUTBOX_LOOKUP_ABSENT, "hilo_outbox_lookups_total", "result=\"absent\"", NULL},
    {HILO_M_OUTBOX_MAYBE_DUP, "hilo_outbox_possible_duplicates_total", NULL,
     "Messages sent again after an unknown outcome without a look-up: possible duplicates."},
    {HILO_M_OUTBOX_ASYNC_FAILED, "hilo_outbox_async_failures_total", NULL,
     "Permanent delivery failures reported later by a provider's status callback."},
    {HILO_M_OUTBOX_NO_ID, "hilo_outbox_accepted_without_id_total", NULL,
     "Messages a provider accepted (2xx) without a message id."},
    {HILO_M_EMAIL_AUTOREPLIES, "hilo_email_automatic_total", "kind=\"reply\"",
     "Automatic mail received and not stored: out-of-office replies, delivery reports."},
    {HILO_M_EMAIL_REPORTS, "hilo_email_automatic_total", "kind=\"report\"", NULL},
    {HILO_M_SLA_WARNINGS, "hilo_sla_events_total", "kind=\"warning\"",
     "SLA warnings and breaches recorded on tickets by this instance."},
    {HILO_M_SLA_BREACHES, "hilo_sla_events_total", "kind=\"breach\"", NULL},
    {HILO_M_WA_TPL_ACK, "hilo_whatsapp_templates_total", "category=\"ack\"",
     "WhatsApp template messages queued (each is billed), by category."},
    {HILO_M_WA_TPL_UPDATE, "hilo_whatsapp_templates_total", "category=\"update\"", NULL},
    {HILO_M_WA_TPL_RESOLUTION, "hilo_whatsapp_templates_total", "category=\"resolution\"", NULL},
    {HILO_M_WA_TPL_SURVEY, "hilo_whatsapp_templates_total", "category=\"survey\"", NULL},
    {HILO_M_WA_TPL_NUDGE, "hilo_whatsapp_templates_total", "category=\"nudge\"", NULL},
    {HILO_M_ROUTE_HELD, "hilo_route_held_total", NULL,
     "Replies held for a closed WhatsApp window (sent when the customer writes again)."},
    {HILO_M_UNREAD_SENT, "hilo_route_unread_sent_total", NULL,
     "Web replies not seen in unread_minutes, sent again to the customer's email or phone."},
};

enum hilo_metric hilo_metrics_wa_template(const char *category)
{
    static const char *const cats[] = {"ack", "update", "resolution", "survey", "nudge"};
    for (int i = 0; category && i < 5; i++)
        if (strcmp(category, cats[i]) == 0)
            return (enum hilo_metric)(HILO_M_WA_TPL_ACK + i);
    return HILO_M_LAST;
}

int hilo_metrics_render(struct hilo_buf *b)
{
    char line[256];
    int rc = 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].help) {
            snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s counter\n", table[i].name,
                     table[i].help, table[i].name);
            rc |= hilo_buf_adds(b, line);
        }
        uint64_t v = counters[table[i].m];
        if (table[i].m == HILO_M_LOGIN_FAILURES)
            v += hilo_err_counted(-HILO_ECREDS); /* counted where the error is sent */
        snprintf(line, sizeof line, "%s%s%s%s %" PRIu64 "\n", table[i].name,
                 table[i].label ? "{" : "", table[i].label ? table[i].label : "",
                 table[i].label ? "}" : "", v);
        rc |= hilo_buf_adds(b, line);
    }
    rc |= hilo_buf_adds(b, "# HELP hilo_errors_total Errors answered to clients, by code.\n"
                           "# TYPE hilo_errors_total counter\n");
    for (int e = HILO_EBASE + 1; e < HILO_ELAST; e++) {
        snprintf(line, sizeof line, "hilo_errors_total{code=\"%s\"} %" PRIu64 "\n",
                 hilo_err_code(-e), hilo_err_counted(-e));
        rc |= hilo_buf_adds(b, line);
    }
    return rc ? -1 : 0;
}
