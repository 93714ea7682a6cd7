/* Typed store operations of live delivery's gap check (src/store/live.c):
 * the last event id of a ticket's thread, read for many tickets in one
 * transaction. Conventions as in store_records.h. */
#ifndef HILO_STORE_LIVE_H
#define HILO_STORE_LIVE_H

#include "hilo/store.h"

/* XREVRANGE <thread of ref> + - COUNT 1 -> [] (no events) or
 * [[id, [field, value...]]]. */
int hilo_store_thread_last_argv(struct hilo_store_cmd *c, const char *ref);
int hilo_tx_thread_last(struct hilo_tx *tx, const char *ref);

/* The outbox's depth for /metrics, three commands in tx: XLEN of the
 * stream (entries waiting or being sent), ZCARD of the retries waiting for
 * their time, ZCARD of the dead letters. */
int hilo_tx_outbox_depth(struct hilo_tx *tx);

#endif
