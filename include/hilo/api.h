/* The REST API under /api/v1/ (docs/rest.md): tickets for integrations
 * (API keys) and the agent console's reports, search, customers, agents,
 * dead letters, webhook log and media. /api/v1/session is not here
 * (src/api/session.c). */
#ifndef HILO_API_H
#define HILO_API_H

struct hilo_http;

/* Answers one request under /api/v1/: authenticates it (agent session
 * cookie or "Authorization: Bearer hk_..."), finds its route and runs the
 * handler. Takes its own reference on r while it works; the caller may
 * return at once. The same declaration is in hilo/http.h for src/net. */
void hilo_api_handle(struct hilo_http *r);

#endif
