/* Per-connection frame rate limit: a token bucket, plus a count of refusals
 * that tells abuse (close the socket) from a burst (refuse the frame). */
#ifndef HILO_RATE_H
#define HILO_RATE_H

#include <stdint.h>

struct hilo_rate {
    int64_t tokens; /* milli-frames */
    uint64_t ms;
    uint32_t strikes;
    uint64_t strike_ms;
};

void hilo_rate_init(struct hilo_rate *r, int burst, uint64_t now_ms);
/* 0: go ahead; -1: refuse this frame; -2: ten refusals within ten seconds. */
int hilo_rate_take(struct hilo_rate *r, int per_sec, int burst, uint64_t now_ms);

#endif
