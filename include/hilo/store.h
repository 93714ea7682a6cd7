/* The store: typed operations on Redis (the ticket scripts, transactions)
 * and how a Redis reply becomes an error value. Callers pass structs, never
 * positional script arguments or key names. */
#ifndef HILO_STORE_H
#define HILO_STORE_H

#include <hiredis/hiredis.h>

/* Maps a reply to 0 or -HILO_E*: NULL (no reply: timeout, lost connection)
 * and NOSCRIPT/LOADING/MASTERDOWN -> -HILO_EUNAVAIL; our scripts' errors by
 * their exact "HILO <code>" prefix: unknown_ticket -> -HILO_EUNKNOWNTICKET,
 * forbidden -> -HILO_EFORBIDDEN, closed -> -HILO_EBADSTATE; any other error
 * -> -HILO_EINTERNAL (logged). Not an error reply -> 0. */
int hilo_store_err(const redisReply *r);

#endif
