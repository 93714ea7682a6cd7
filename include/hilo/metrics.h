/* Process-wide counters for GET /metrics (src/core/metrics.c). The loop is
 * single-threaded, so a counter is a plain integer: a call costs an add.
 * Gauges (connections, stale tickets, link states, queue depth) are read
 * when the page is built (domain/metrics.c), not kept here. */
#ifndef HILO_METRICS_H
#define HILO_METRICS_H

#include <stdint.h>

struct hilo_buf;

enum hilo_metric {
    HILO_M_FRAMES_IN,        /* WebSocket frames received */
    HILO_M_FRAMES_OUT,       /* WebSocket frames queued to clients */
    HILO_M_MESSAGES_STORED,  /* writes from WebSocket clients acknowledged (not duplicates) */
    HILO_M_DUPLICATES,       /* writes answered as duplicates of a client_id */
    HILO_M_MAYBE_STORED,     /* unavailable answers with maybe_stored */
    HILO_M_DELIVERIES,       /* events sent live to watching connections */
    HILO_M_CATCHUPS,         /* catch-ups of every watch after the subscription was back */
    HILO_M_GAP_CHECKS,       /* tickets compared by the gap check */
    HILO_M_GAP_REPAIRS,      /* watches found behind and caught up by the gap check */
    HILO_M_STALE_SENT,       /* stale frames sent */
    HILO_M_LOGIN_FAILURES,   /* rendered from the bad_credentials error count */
    HILO_M_HTTP_1XX,
    HILO_M_HTTP_2XX,
    HILO_M_HTTP_3XX,
    HILO_M_HTTP_4XX,
    HILO_M_HTTP_5XX,
    HILO_M_OUTBOX_UNKNOWN,       /* sends whose outcome was unknown (timed out after going out) */
    HILO_M_OUTBOX_LOOKUP_FOUND,  /* ... then found at the provider: not sent again */
    HILO_M_OUTBOX_LOOKUP_ABSENT, /* ... then looked up and not found: sent again, safely */
    HILO_M_OUTBOX_MAYBE_DUP,     /* ... sent again without a look-up: possible duplicates */
    HILO_M_OUTBOX_ASYNC_FAILED,  /* permanent failures reported by a provider's status callback */
    HILO_M_OUTBOX_NO_ID,         /* accepted by a provider that gave no message id */
    HILO_M_EMAIL_AUTOREPLIES,    /* automatic mail received (out-of-office...): not stored */
    HILO_M_EMAIL_REPORTS,        /* delivery reports naming no failed mail of ours: not stored */
    HILO_M_SLA_WARNINGS,     /* SLA warnings recorded by this instance */
    HILO_M_SLA_BREACHES,     /* SLA breaches recorded by this instance */
    /* routing at send time (docs/continuity.md) */
    HILO_M_WA_TPL_ACK,       /* WhatsApp template messages queued, by category */
    HILO_M_WA_TPL_UPDATE,
    HILO_M_WA_TPL_RESOLUTION,
    HILO_M_WA_TPL_SURVEY,
    HILO_M_WA_TPL_NUDGE,
    HILO_M_ROUTE_HELD,       /* replies held for a closed WhatsApp window */
    HILO_M_UNREAD_SENT,      /* unread web replies sent again elsewhere */
    HILO_M_LAST
};
/* The template counter of a category ("update", ...), or HILO_M_LAST. */
enum hilo_metric hilo_metrics_wa_template(const char *category);

void hilo_metrics_add(enum hilo_metric m, uint64_t n);
static inline void hilo_metrics_inc(enum hilo_metric m) { hilo_metrics_add(m, 1); }
uint64_t hilo_metrics_get(enum hilo_metric m);
/* Open WebSocket sessions by role (1 customer, 2 agent): +1 / -1. */
void hilo_metrics_conn(int role, int delta);
uint64_t hilo_metrics_conns(int role);
/* Counts an HTTP response by its status class. */
void hilo_metrics_http(int status);
/* Appends every counter (and the errors by code) in the Prometheus text
 * format: 0, or -1 when the buffer's cap was reached. */
int hilo_metrics_render(struct hilo_buf *b);

#endif
