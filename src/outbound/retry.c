/* Retry policy of the outbox; pure, see include/hilo/outbound_retry.h. */
#include "hilo/outbound_retry.h"

#include <sodium.h>
#include <string.h>

enum hilo_verdict hilo_retry_http(int completed, long status)
{
    if (!completed)
        return HILO_V_RETRY;
    if (status >= 200 && status < 300)
        return HILO_V_SENT;
    if (status == 429 || status >= 500)
        return HILO_V_RETRY;
    return HILO_V_FAILED;
}

enum hilo_verdict hilo_retry_smtp(int completed, long code)
{
    if (!completed)
        return HILO_V_RETRY;
    if (code >= 200 && code < 300)
        return HILO_V_SENT;
    return code >= 500 ? HILO_V_FAILED : HILO_V_RETRY;
}

enum hilo_verdict hilo_retry_provider(int completed, int parsed_ok, int retryable)
{
    if (!completed)
        return HILO_V_RETRY;
    if (parsed_ok)
        return HILO_V_SENT;
    return retryable ? HILO_V_RETRY : HILO_V_FAILED;
}

enum hilo_verdict hilo_retry_settle(enum hilo_verdict v, int attempt, int max_attempts)
{
    if (v == HILO_V_RETRY && attempt >= max_attempts)
        return HILO_V_FAILED;
    return v;
}

int hilo_retry_is_dead(enum hilo_verdict v) { return v == HILO_V_FAILED; }

const char *hilo_retry_status(enum hilo_verdict v)
{
    switch (v) {
    case HILO_V_SENT: return "sent";
    case HILO_V_RETRY: return "queued";
    case HILO_V_FAILED: break;
    }
    return "failed";
}

long hilo_retry_after(long http_status, long retry_after_s)
{
    if (http_status != 429 && http_status != 503)
        return -1;
    return retry_after_s >= 0 ? retry_after_s : -1;
}

uint64_t hilo_retry_delay_ms(int attempt, uint64_t backoff_ms, unsigned jitter_pct,
                             long retry_after_s)
{
    if (retry_after_s >= 0)
        return (uint64_t)retry_after_s * 1000u;
    int shift = attempt - 1;
    if (shift < 0)
        shift = 0;
    if (shift > 16)
        shift = 16;
    uint64_t delay = backoff_ms << shift;
    if (delay > HILO_RETRY_MAX_DELAY_MS)
        delay = HILO_RETRY_MAX_DELAY_MS;
    if (jitter_pct < 80)
        jitter_pct = 80;
    if (jitter_pct > 120)
        jitter_pct = 120;
    return delay * jitter_pct / 100;
}

unsigned hilo_retry_jitter(void) { return 80 + randombytes_uniform(41); }

int hilo_retry_status_done(const char *status)
{
    return status && (strcmp(status, "sent") == 0 || strcmp(status, "delivered") == 0 ||
                      strcmp(status, "read") == 0);
}
