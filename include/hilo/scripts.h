/* Lua scripts run by Redis. Each touches the keys of one hash slot only (one
 * ticket's {t:<ref>} keys, or one customer's {c:<id>} keys); events are
 * published from inside the script, so publication order is stream order.
 * Loaded with SCRIPT LOAD on every (re)connect, called with EVALSHA; an
 * EVALSHA answered NOSCRIPT (SCRIPT FLUSH, failover) is reloaded and retried
 * once by the Redis client, so callers never see NOSCRIPT outside MULTI.
 * Sources: the .lua files in src/store/lua, embedded at build time. */
#ifndef HILO_SCRIPTS_H
#define HILO_SCRIPTS_H

#include "hilo/redis.h"

enum hilo_script {
    HILO_S_RESERVE, /* KEYS tk rsv; ARGV owner ttl -> 1 reserved / 0 taken */
    HILO_S_CREATE,  /* new ticket + first message + acknowledgement */
    HILO_S_APPEND,  /* message / reply / note / resolve on a ticket */
    HILO_S_SET,     /* assign / status */
    HILO_S_HISTORY, /* summary + events after an id */
    HILO_S_CUST,    /* create/update a customer, link identity and ticket */
    HILO_S_DUE,     /* take due durable timers (leased) */
    HILO_S_DELIVERY, /* resolve / update an outbound delivery */
    HILO_S_OUTBOX_DUE, /* move due outbox retries back into the stream */
    HILO_S_LOGIN_FAIL, /* count a failed login, lock out past the limit */
    HILO_S_HOLD,    /* a held join: open, add, try a code, decide */
    HILO_S_HOLDEV,  /* an internal hold event on a ticket (+ counters) */
    HILO_S_RATE,    /* INCR + PEXPIRE on the first hit */
    HILO_S_MERGE,   /* merge two customers, with an undo snapshot */
    HILO_S_UNMERGE, /* undo a merge exactly, or refuse */
    HILO_S_SUGGEST, /* merge suggestions: compute, list, dismiss */
    HILO_S_UNDELIV, /* a permanent delivery failure: event, ticket, dead letter */
    HILO_S_SLA,     /* an SLA clock's fields and warning/breach events */
    HILO_S_SLANEXT, /* an SLA timer's next time, unless it was moved */
    HILO_S_COUNT
};

/* Sends SCRIPT LOAD for every script on r (call from on_connect). */
void hilo_scripts_load(struct hilo_redis *r);
/* 1 once every script loaded on the current connection. */
int hilo_scripts_ready(void);
/* SHA1 of a script once loaded ("" before). */
const char *hilo_scripts_sha(enum hilo_script s);
/* Source of a script (for tests). */
const char *hilo_scripts_source(enum hilo_script s);

#endif
