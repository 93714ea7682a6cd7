/* What the files of src/api share: the call in progress (struct api), its
 * cleanup and error answers, and the "summaries of a list of tickets"
 * fan-out most endpoints end with. Not an interface for other modules:
 * include/hilo/api.h is. */
#ifndef HILO_API_INTERNAL_H
#define HILO_API_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hilo/agents.h"
#include "hilo/api.h"
#include "hilo/redis.h"
#include "hilo/ref.h"
#include "hilo/server.h"
#include "hilo/store.h"

#define SEARCH_MAX 50 /* tickets in a search or list answer */

/* ---- route.c: the route table ----------------------------------------------
 * A row per method and path (relative to /api/v1/). ":name" segments are
 * parameters: non-empty, at most API_PARAM_MAX bytes, no '/'. One trailing
 * slash is ignored. Who may call a row is declared by its flags; rest.c is
 * the one place that answers 401/403/404/405. */
#define API_PARAM_MAX 64
#define API_PARAMS 2
#define API_PATH_MAX 256

enum {
    R_AGENT = 1 << 0,  /* any agent with a session */
    R_ADMIN = 1 << 1,  /* an agent whose role is admin */
    R_APIKEY = 1 << 2, /* an integration's API key */
    R_SELF = 1 << 3,   /* with R_ADMIN: also the agent named by :name */
};

struct api;

struct api_route {
    const char *method;
    const char *pattern;
    unsigned flags;
    void (*fn)(struct api *a);
};

struct api_params {
    int n;
    const char *name[API_PARAMS]; /* into the pattern, not terminated */
    size_t name_len[API_PARAMS];
    char v[API_PARAMS][API_PARAM_MAX + 1];
};

enum { API_ROUTE_OK, API_ROUTE_NOT_FOUND, API_ROUTE_BAD_METHOD };

/* Finds the row of t[0..n) for method and path. API_ROUTE_OK: *row and *p
 * are set. API_ROUTE_BAD_METHOD: the path exists with other methods, listed
 * in allow ("GET, POST"). API_ROUTE_NOT_FOUND otherwise. */
int api_route_find(const struct api_route *t, size_t n, const char *method, const char *path,
                   const struct api_route **row, struct api_params *p, char *allow,
                   size_t allow_n);
/* 1 if a row with these flags lets the caller in: an integration (API key)
 * or an agent with role and name; p are the row's parameters (R_SELF). */
int api_route_allows(unsigned flags, int integration, const char *role, const char *name,
                     const struct api_params *p);
/* The value of parameter name, or NULL. */
const char *api_param(const struct api_params *p, const char *name);

/* GET tickets' filters. */
struct api_ticket_query {
    size_t limit;      /* 1..200, default 50 */
    char status[16];   /* '' = any */
    char channel[40];  /* '' = any */
    int active;        /* read the open+pending index, not every ticket */
};

/* One API call in progress: the request, who asked, and what is gathered.
 * Owned by the call; api_free ends it (and releases the request). */
struct api {
    struct hilo_http *r;
    struct hilo_server *s;
    struct hilo_session_info who;
    int waiting;            /* replies still expected */
    int failed;
    size_t n;
    char **refs;            /* tickets concerned */
    json_t **items;         /* one per ref */
    json_t *result;
    char *text;             /* search: lowercased query */
    char name[65];          /* agents: the agent in the path */
    json_t *body;
    void *job;                   /* an endpoint's own state, freed by job_free */
    void (*job_free)(void *job);
    void (*then)(struct api *a); /* after api_fetch_summaries */
    int integration;             /* authenticated by an API key */
    char ref[HILO_REF_MAX];
    char cid[40];
    char dkey[200];
    char locale[4];
    struct api_ticket_query list; /* GET tickets */
    struct api_params params;    /* of the matched route */
};

/* ---- rest.c: the call's life ---------------------------------------------- */
void api_free(struct api *a);
/* Answers an error and ends the call. */
void api_fail(struct api *a, int err);
/* 404 not_found for a resource that does not exist; the call goes on (the
 * caller frees it). */
void api_not_found(struct api *a);

/* a->refs and a->items for n tickets. 0 or -1 (no memory). */
int api_alloc_refs(struct api *a, size_t n);
/* The strings of an array reply become a->refs. -1 when the reply is not
 * one (or memory runs out). */
int api_take_refs(struct api *a, const redisReply *reply);
/* A command of a batch (one per ref) could not be sent: the replies of
 * those sent still come, in order, and the last one answers. */
void api_batch_broken(struct api *a, size_t sent);
/* Counts a typed op sent with a as its callback's data (rc 0) in a->waiting;
 * returns rc: api_sent(a, hilo_store_<op>(redis, &op, cb, a)). */
int api_sent(struct api *a, int rc);
/* Sends a typed store op (hilo_store_send) / commits a transaction
 * (hilo_tx_commit); on success cb will get a, counted in a->waiting. */
int api_send_op(struct api *a, const struct hilo_store_argv *op, hilo_redis_cb cb);
int api_tx_commit(struct api *a, struct hilo_tx *tx, hilo_redis_cb cb);
/* The HISTORY script for the summary of ref only. */
int api_send_summary(struct api *a, const char *ref, hilo_redis_cb cb);
/* The summary JSON in a HISTORY reply, or NULL. */
json_t *api_summary_of(const redisReply *reply);
/* Index of the ref a reply belongs to: replies come in order. */
size_t api_next_index(struct api *a);
/* Reads the summary of every a->refs[i] into a->items[i], then calls then
 * (which answers) and frees the call. */
void api_fetch_summaries(struct api *a, void (*then)(struct api *a));
/* {"tickets": [summaries]} (at most SEARCH_MAX). */
void api_respond_tickets(struct api *a);
/* The JSON objects stored as the strings of an array reply (others skipped). */
json_t *api_json_of_strings(const redisReply *reply);

/* ---- query.c: checks of queries and bodies (pure) ------------------------ */
#define API_REPORT_DEFAULT_MS (7ull * 86400000u) /* reports: the last 7 days */
#define API_SEARCH_QMAX 200

/* Milliseconds: 1-19 decimal digits, nothing else. 0 or -1. */
int api_parse_ms(const char *s, uint64_t *out);
/* Reports' [from, to): each defaults (the 7 days before now); from < to.
 * 0 or -1. */
int api_report_range(const char *from, const char *to, uint64_t now, uint64_t *f, uint64_t *t);
/* A limit: NULL -> def; else digits only, 1..max. 0 or -1. */
int api_parse_limit(const char *s, size_t def, size_t max, size_t *out);
/* open, pending, resolved or closed. */
int api_status_ok(const char *s);
/* 1-32 characters of a-z 0-9 _ -. */
int api_channel_name_ok(const char *c);

int api_ticket_query(const char *status, const char *channel, const char *limit,
                     struct api_ticket_query *q);
/* 1 if a ticket with this status and channel (NULL = none) passes q. */
int api_ticket_query_match(const struct api_ticket_query *q, const char *status,
                           const char *channel);

/* Identities: "email:<lowercased address>", "phone:+<digits>" (the phone
 * must start with '+'; other characters are dropped). 0, or -1 when it does
 * not fit in n. */
int api_ident_email(const char *addr, char *out, size_t n);
int api_ident_phone(const char *phone, char *out, size_t n);

/* What a search query is; out gets the reference, the identity, or the
 * lowercased text. API_SEARCH_BAD: shorter than 2 or longer than
 * API_SEARCH_QMAX bytes (or out too small). */
enum { API_SEARCH_BAD = -1, API_SEARCH_REF, API_SEARCH_EMAIL, API_SEARCH_PHONE, API_SEARCH_TEXT };
int api_search_parse(const char *q, char *out, size_t n);

/* ---- stats.c: the reports' maths (pure) ------------------------------------ */
/* Ticket summary from a ticket hash (HGETALL reply): *_at fields and
 * channel_switches as numbers, mc:<channel> counters under "_mc". */
json_t *api_stats_ticket(const redisReply *h);
/* {count, median_ms, p90_ms} by nearest rank (nulls when n is 0); sorts v. */
json_t *api_stats_percentiles(uint64_t *v, size_t n);
/* "YYYY-MM-DD" of a UTC time in ms. */
void api_stats_day(uint64_t ms, char out[11]);
/* The report's fields over tickets (summaries from api_stats_ticket; NULL
 * entries skipped) created in [from, to): tickets, first_response,
 * resolution, by_channel, messages_by_channel, channel_switches, status,
 * daily. NULL when memory runs out. */
json_t *api_stats_report(json_t *const *tickets, size_t n, uint64_t from, uint64_t to);

/* ---- the endpoints: each answers and frees the call ------------------------
 * Route handlers: authorization is checked before they run (rest.c). */
void api_reports(struct api *a);        /* reports.c   GET reports */
void api_search(struct api *a);         /* search.c    GET search */
void api_customer(struct api *a);       /* customers.c GET customers/:id */
void api_agents_list(struct api *a);    /* agents.c    GET agents */
void api_agent_create(struct api *a);   /*             POST agents */
void api_agent_patch(struct api *a);    /*             PATCH agents/:name */
void api_agent_delete(struct api *a);   /*             DELETE agents/:name */
void api_agent_password(struct api *a); /*             POST agents/:name/password */
void api_dead(struct api *a);           /* outbox.c    GET outbox/dead */
void api_webhook_log(struct api *a);    /*             GET webhooks/log */
void api_ticket_create(struct api *a);  /* tickets.c   POST tickets */
void api_ticket_list(struct api *a);    /*             GET tickets */
void api_ticket_get(struct api *a);     /*             GET tickets/:ref */
void api_ticket_message(struct api *a); /*             POST tickets/:ref/messages */
void api_media(struct api *a);          /* media.c     GET media/whatsapp/:id */
/* holds.c (docs/continuity.md) */
void api_holds_list(struct api *a);          /* GET holds */
void api_hold_get(struct api *a);            /* GET holds/:id */
void api_hold_approve(struct api *a);        /* POST holds/:id/approve */
void api_hold_reject(struct api *a);         /* POST holds/:id/reject */
void api_identity_revoke(struct api *a);     /* POST customers/:id/identities/revoke */
void api_ticket_holds(struct api *a);        /* GET tickets/:ref/holds */
/* A hold as agents see it, from its HGETALL and LRANGE replies; NULL: gone. */
json_t *api_hold_json(const redisReply *hash, const redisReply *msgs);

/* sla.c: GET sla/teams, GET/PUT/DELETE sla/teams/:team */
void api_sla_teams(struct api *a);
void api_sla_team_put(struct api *a);
void api_sla_team_delete(struct api *a);
/* team_settings.c: GET team-settings, GET/PUT team-settings/:team */
void api_team_settings_get(struct api *a);
void api_team_settings_put(struct api *a);
void api_team_settings_delete(struct api *a);

#endif
