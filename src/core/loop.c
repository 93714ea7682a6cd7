/* The pending-work counter of include/hilo/loop.h. One loop per process, and
 * only the loop thread touches it (thread-pool jobs hold from the loop side:
 * before uv_queue_work and in its after-callback). */
#include "hilo/loop.h"

#include "hilo/log.h"

static unsigned pending;

void hilo_loop_hold(void) { pending++; }

void hilo_loop_release(void)
{
    if (pending == 0) {
        hilo_error("loop: release without a hold");
        return;
    }
    pending--;
}

unsigned hilo_loop_pending(void) { return pending; }
