/* What src/api/uploads.c and src/api/upload_serve.c share: the widget's
 * origin rule for HTTP and the visitor token. */
#ifndef HILO_API_UPLOAD_CORS_H
#define HILO_API_UPLOAD_CORS_H

#include <stddef.h>

struct hilo_http;
struct hilo_server;

/* The page's Origin may call (the rule of the customer WebSocket:
 * widget_origins, a page served by Hilo itself, or no Origin at all); a
 * listed other origin gets the CORS headers (preflight: for OPTIONS).
 * 0, or -HILO_EFORBIDDEN (logged with the origin, as the socket's is). */
int api_upload_origin(struct hilo_server *s, struct hilo_http *r, int preflight);
/* Who the customer is: a signed-in customer's "X-Hilo-Identity:
 * <base64url of the widget's data-identity JSON>" -> "user:<user id>" (the
 * signature checked as the socket's hello does); else "Authorization:
 * Bearer <visitor token>" -> "web:<hash>", the identity the token stands
 * for. ident needs API_UPLOAD_IDENT bytes. 0 or -HILO_EUNAUTH. */
#define API_UPLOAD_IDENT 160
int api_upload_visitor(struct hilo_server *s, struct hilo_http *r, char *ident, size_t n);
/* GET ident:<ident> and HGET blocked <ident> in one MULTI (cb gets the
 * EXEC reply), and what it says: 0 and the customer id; -HILO_EBLOCKED (the
 * identity is blocked), -HILO_EUNAUTH (it names no customer), or
 * -HILO_EUNAVAIL / -HILO_EINTERNAL. */
#include "hilo/redis.h"
int api_upload_ident_tx(struct hilo_server *s, const char *ident, hilo_redis_cb cb, void *data);
int api_upload_ident_result(const redisReply *reply, char *customer, size_t n);
/* A JSON error with the status that fits err (and Retry-After when > 0). */
void api_upload_fail(struct hilo_http *r, int err, unsigned retry_after);

/* upload_serve.c: GET (and OPTIONS) /api/v1/media/upload/:id. */
void hilo_api_upload_serve(void *ctx, struct hilo_http *r);

#endif
