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
};

/* ---- rest.c: the call's life ---------------------------------------------- */
void api_free(struct api *a);
/* Answers an error and ends the call. */
void api_fail(struct api *a, int err);
/* 404 / 405 answers; the call goes on (the caller frees it). */
void api_not_found(struct api *a);
void api_method_not_allowed(struct api *a);

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

/* ---- the endpoints: each answers and frees the call ----------------------- */
void api_reports(struct api *a);                          /* reports.c */
void api_search(struct api *a);                           /* search.c */
void api_customer(struct api *a, const char *id);         /* customers.c */
void api_agents(struct api *a, const char *rest);         /* agents.c */
void api_dead(struct api *a);                             /* outbox.c */
void api_webhook_log(struct api *a);                      /* outbox.c */
void api_ticket_create(struct api *a);                    /* tickets.c */
void api_ticket_list(struct api *a);
void api_ticket_get(struct api *a, const char *refpath);
void api_ticket_message(struct api *a, const char *refpath);
void api_media(struct api *a, const char *id);            /* media.c */

#endif
