/* The one place Redis key and channel names are built. Keys of one ticket
 * share the hash tag {t:<ref>}, keys of one customer {c:<id>}, so every Lua
 * script touches a single hash slot (Redis Cluster ready). See
 * docs/data-model.md. */
#ifndef HILO_KEYS_H
#define HILO_KEYS_H

#include <stddef.h>

enum hilo_key {
    HILO_K_TICKET,     /* hash: ticket fields              arg: ref */
    HILO_K_THREAD,     /* stream: the thread's events      arg: ref */
    HILO_K_DEDUPE,     /* hash: author client id -> event  arg: ref */
    HILO_K_RESERVE,    /* string: reference reservation    arg: ref */
    HILO_K_CUSTOMER,   /* hash: customer fields            arg: customer id */
    HILO_K_CUST_IDS,   /* set: identities of a customer    arg: customer id */
    HILO_K_CUST_TIX,   /* zset: tickets of a customer      arg: customer id */
    HILO_K_IDENT,      /* string: identity -> customer id  arg: "web:<hash>" */
    HILO_K_AGENT,      /* hash: agent                      arg: name */
    HILO_K_AGENTS,     /* set: agent names                 arg: unused */
    HILO_K_SESSION,    /* hash: agent session              arg: token hash */
    HILO_K_IDX_ACTIVE, /* zset: open+pending tickets       arg: unused */
    HILO_K_IDX_ALL,    /* zset: every ticket by creation   arg: unused */
    HILO_K_EVENTS,     /* pub/sub channel of all events    arg: unused */
    HILO_K_VIEWERS,    /* hash: agent -> viewing until ms  arg: ref */
    HILO_K_DELIVERY,   /* hash: event id -> delivery json  arg: ref */
    HILO_K_OUTBOX,     /* stream: messages to send         arg: unused */
    HILO_K_OUTBOX_DUE, /* zset: retries by due time        arg: unused */
    HILO_K_OUTBOX_DEAD,/* zset: "<ref> <event id>" by time arg: unused */
    HILO_K_OUTBOX_DEADX,/* hash: dead member -> entry json arg: unused */
    HILO_K_SEEN,       /* string: inbound dedupe           arg: "<provider>:<id>" */
    HILO_K_PID,        /* string: provider msg id -> "<ref> <event id>"  arg: "<provider>:<id>" */
    HILO_K_MSGID,      /* string: sent email Message-ID -> ref  arg: message id */
    HILO_K_CALL,       /* string: Twilio CallSid -> ref    arg: sid */
    HILO_K_WEBHOOK_LOG,/* list: latest webhook attempts    arg: unused */
    HILO_K_WEBHOOK_LOCK,/* string: who posts a ticket's events  arg: ref */
    HILO_K_APIKEY,     /* string: key sha256 -> name       arg: sha256 hex */
    HILO_K_APIKEYS,    /* hash: name -> key sha256         arg: unused */
    HILO_K_TIMERS,     /* zset: "<kind>:<arg>" by due ms   arg: unused */
    HILO_K_SEARCH,     /* set: customer ids                arg: "email:<addr>" */
    HILO_K_REPLAY,     /* string: signature token -> what it signed  arg: "<provider>:<token>" */
    HILO_K_LOGIN_FAIL, /* string: failed logins (TTL window) arg: "n:<name>" or "ip:<addr>" */
    HILO_K_LOGIN_LOCK, /* string: login refused while set  arg: as HILO_K_LOGIN_FAIL */
    /* continuity (docs/continuity.md) */
    HILO_K_CUST_EVIDENCE,/* hash: identity -> evidence json  arg: customer id */
    HILO_K_HOLD,       /* hash: a held join                arg: hold id */
    HILO_K_HOLD_MSGS,  /* list: the held messages (json)   arg: hold id */
    HILO_K_HOLDS,      /* zset: pending hold ids by time   arg: unused */
    HILO_K_HOLD_BY,    /* string: identity -> pending hold arg: identity */
    HILO_K_TICKET_HOLDS,/* zset: hold ids naming a ticket  arg: ref */
    HILO_K_RATE,       /* string: attempt counter (TTL)    arg: "<scope>:<key>" */
    /* merge, undo, suggestions, blocked identities (docs/continuity.md) */
    HILO_K_MERGE_RECS, /* hash: merge id -> record json, "seq"  arg: unused */
    HILO_K_MERGES,     /* zset: merge ids by sequence      arg: unused */
    HILO_K_CUST_MERGES,/* zset: a customer's merges by seq arg: customer id */
    HILO_K_SUGGEST,    /* hash: "<a> <b>" -> suggestion json  arg: unused */
    HILO_K_BLOCKED,    /* hash: identity -> block json     arg: unused */
    HILO_K_BLOCKED_MSGS,/* stream: a blocked identity's inbound  arg: identity */
    HILO_K_TICKET_RATE,/* string: tickets opened in the window  arg: "ip:<addr>" */
    HILO_K_OUTBOX_SENT,/* hash: event id -> outbox entry json of a sent message  arg: ref */
    HILO_K_SLA_TEAMS,  /* hash: team -> SLA settings json  arg: unused */
    /* routing at send time (docs/continuity.md "Routing at send time") */
    HILO_K_ONLINE,     /* zset: a ticket's widget sockets -> until ms  arg: ref */
    HILO_K_WA_WINDOW,  /* string: a WhatsApp number's last inbound ms  arg: number */
    HILO_K_WA_HELD,    /* list: replies held for a closed window (json)  arg: number */
    HILO_K_ROUTE_TIMERS,/* zset: "unread:<ref> <event>", "nudge:<ref>" by due ms  arg: unused */
    HILO_K_TEAM_SETTINGS,/* hash: team -> console settings json (canned, thresholds)  arg: unused */
    HILO_K_UPLOAD,     /* hash: a widget upload's bytes and metadata (TTL = retention)  arg: upload id */
};

/* Every key of one ticket, built at once. */
struct hilo_ticket_keys {
    char tk[128], ev[128], dd[128], rsv[128], dl[128];
};
void hilo_ticket_keys(struct hilo_ticket_keys *k, const char *ref);

/* Sets the prefix (copied). Call once at start-up. */
int hilo_keys_init(const char *prefix);
void hilo_keys_deinit(void);
/* Writes the key into buf; returns its length, or -1 if it does not fit. */
int hilo_key(char *buf, size_t n, enum hilo_key k, const char *arg);

#endif
