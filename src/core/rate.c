#include "hilo/rate.h"

void hilo_rate_init(struct hilo_rate *r, int burst, uint64_t now_ms)
{
    r->tokens = (int64_t)burst * 1000;
    r->ms = now_ms;
    r->strikes = 0;
    r->strike_ms = now_ms;
}

int hilo_rate_take(struct hilo_rate *r, int per_sec, int burst, uint64_t now_ms)
{
    int64_t cap = (int64_t)burst * 1000;
    if (now_ms > r->ms) {
        /* per_sec frames a second = per_sec milli-frames a millisecond */
        r->tokens += (int64_t)(now_ms - r->ms) * per_sec;
        if (r->tokens > cap)
            r->tokens = cap;
        r->ms = now_ms;
    }
    if (r->tokens >= 1000) {
        r->tokens -= 1000;
        return 0;
    }
    if (now_ms - r->strike_ms > 10000) {
        r->strike_ms = now_ms;
        r->strikes = 0;
    }
    return ++r->strikes >= 10 ? -2 : -1;
}
