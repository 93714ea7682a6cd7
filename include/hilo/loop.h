/* Work the loop must finish before shutdown frees what it touches: a job in
 * libuv's thread pool (password hashing), an HTTP request answered after an
 * async step. main.c's shutdown waits for the count to reach 0 before it
 * closes Redis. Loop thread only. */
#ifndef HILO_LOOP_H
#define HILO_LOOP_H

/* One more piece of pending work; pair each with one hilo_loop_release. */
void hilo_loop_hold(void);
void hilo_loop_release(void);
/* Holds not yet released. */
unsigned hilo_loop_pending(void);

#endif
