/* Endpoints of merge and undo, suggestions and blocked identities
 * (merge.c, identities.c); routed in rest.c. docs/rest.md "Merge, undo
 * and blocking". */
#ifndef HILO_API_MERGE_H
#define HILO_API_MERGE_H

#include <jansson.h>
#include <stddef.h>

struct api;

/* 1-64 characters, none of "{}:/" or white space. */
int api_customer_id_ok(const char *id);
/* A merge record JSON without its undo snapshot; NULL if not JSON. */
json_t *api_merge_public(const char *js, size_t len);

void api_customer_merge(struct api *a);   /* POST customers/:id/merge */
void api_merge_undo(struct api *a);       /* POST merges/:id/undo */
void api_merges(struct api *a);           /* GET merges */
void api_customer_merges(struct api *a);  /* GET customers/:id/merges */
void api_customer_identities(struct api *a); /* GET customers/:id/identities */
void api_identity_block(struct api *a);   /* POST customers/:id/identities/block */
void api_identity_unblock(struct api *a); /* POST customers/:id/identities/unblock */
void api_customer_blocked(struct api *a); /* GET customers/:id/blocked */
void api_customer_suggestions(struct api *a); /* GET customers/:id/suggestions */
void api_suggestions(struct api *a);      /* GET suggestions */
void api_suggestion_dismiss(struct api *a); /* POST customers/:id/suggestions/:other/dismiss */

#endif
