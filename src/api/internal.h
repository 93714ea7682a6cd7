/* What the files of src/api share: the call in progress (struct api), its
 * cleanup and error answers, and the "summaries of a list of tickets"
 * fan-out most endpoints end with. Not an interface for other modules:
 * include/hilo/api.h is. */
#ifndef HILO_API_INTERNAL_H
#define HILO_API_INTERNAL_H

#include <jansson.h>
#include <sodium.h>
#include <stddef.h>
#include <uv.h>

#include "hilo/agents.h"
#include "hilo/api.h"
#include "hilo/redis.h"
#include "hilo/ref.h"
#include "hilo/server.h"

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
/* The value of parameter name, or NULL. */
const char *api_param(const struct api_params *p, const char *name);

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
    char *password;         /* agents: new password, once hashed */
    char hash[crypto_pwhash_STRBYTES];
    json_t *body;
    uv_work_t work;
    void (*then)(struct api *a); /* after api_fetch_summaries */
    int integration;             /* authenticated by an API key */
    char ref[HILO_REF_MAX];
    char cid[40];
    char dkey[200];
    char locale[4];
    int step;
    int waited;                  /* waited once for a reference */
    size_t limit;
    char filter_status[16], filter_channel[40];
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
/* Sends a command whose reply cb gets with a; counts it in a->waiting. */
int api_send_argv(struct api *a, hilo_redis_cb cb, int argc, const char **argv);
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

#endif
