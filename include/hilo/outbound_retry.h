/* The outbox's decisions about one attempt, kept free of I/O so that they
 * are unit tested (tests/unit/test_outbox_retry.c): whether an answer is a
 * success, a transient failure or a permanent one, when the last attempt
 * turns a retry into a failure, how long a retry waits, and what goes to the
 * dead letters. See docs/delivery.md "Replies go out through the outbox". */
#ifndef HILO_OUTBOUND_RETRY_H
#define HILO_OUTBOUND_RETRY_H

#include <stdint.h>

enum hilo_verdict {
    HILO_V_SENT,   /* the provider (or webhook receiver) accepted it */
    HILO_V_RETRY,  /* transient: try again after a delay */
    HILO_V_FAILED, /* permanent, or out of attempts */
};

/* Longest computed backoff; a Retry-After may ask for more. */
#define HILO_RETRY_MAX_DELAY_MS 300000u

/* An HTTP exchange (webhook POSTs): 2xx sent; no answer, 429 or 5xx retry;
 * any other status failed. completed: an HTTP status came back at all. */
enum hilo_verdict hilo_retry_http(int completed, long status);
/* An SMTP transfer's final reply code: 2xx sent, 5xx failed (permanent),
 * anything else (4xx) retry; no answer retries. */
enum hilo_verdict hilo_retry_smtp(int completed, long code);
/* A provider API answer after its channel parser ran: parsed_ok means the
 * parser found an accepted message; retryable is the parser's verdict on a
 * refusal. */
enum hilo_verdict hilo_retry_provider(int completed, int parsed_ok, int retryable);
/* attempt: the 1-based number of the attempt just made. A retry after the
 * last allowed attempt becomes a failure. */
enum hilo_verdict hilo_retry_settle(enum hilo_verdict v, int attempt, int max_attempts);
/* Only failures are dead letters: a success never is, whatever ids it has. */
int hilo_retry_is_dead(enum hilo_verdict v);
/* The delivery status a verdict writes: "sent", "queued" or "failed". */
const char *hilo_retry_status(enum hilo_verdict v);
/* The Retry-After (seconds, -1 for none) that a retry honours: only one a
 * 429 or 503 carried. */
long hilo_retry_after(long http_status, long retry_after_s);
/* Delay before retry number `attempt` (1-based attempt just failed):
 * backoff_ms doubled per attempt, capped at HILO_RETRY_MAX_DELAY_MS, scaled
 * by jitter_pct (80..120, the caller draws it); retry_after_s >= 0 wins. */
uint64_t hilo_retry_delay_ms(int attempt, uint64_t backoff_ms, unsigned jitter_pct,
                             long retry_after_s);
/* Draws the jitter percentage for hilo_retry_delay_ms: 80..120 (±20 %). */
unsigned hilo_retry_jitter(void);
/* A stored delivery status whose entry needs no sending: an entry found with
 * one after a crash is dropped, not sent twice. */
int hilo_retry_status_done(const char *status);

#endif
