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
/* "Authorization: Bearer <visitor token>" -> the identity "web:<hash>" the
 * token stands for (ident needs 80 bytes). 0 or -HILO_EUNAUTH. */
int api_upload_visitor(struct hilo_http *r, char *ident, size_t n);
/* A JSON error with the status that fits err (and Retry-After when > 0). */
void api_upload_fail(struct hilo_http *r, int err, unsigned retry_after);

#endif
