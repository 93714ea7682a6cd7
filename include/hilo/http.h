/* One HTTP request, for handlers that answer after an async step. A handler
 * that keeps the request past its return takes a reference and releases it
 * once it has responded; responding after the client went away is a no-op. */
#ifndef HILO_HTTP_H
#define HILO_HTTP_H

#include <jansson.h>
#include <stddef.h>

struct hilo_http;
struct hilo_server;

void hilo_http_ref(struct hilo_http *r);
void hilo_http_unref(struct hilo_http *r);
struct hilo_server *hilo_http_server(struct hilo_http *r);
const char *hilo_http_method(struct hilo_http *r);
const char *hilo_http_path(struct hilo_http *r);
const char *hilo_http_cookie(struct hilo_http *r);
/* The request body; NULL when it was larger than the server accepts. */
const char *hilo_http_body(struct hilo_http *r, size_t *len);
/* A decoded query argument, or NULL. */
const char *hilo_http_arg(struct hilo_http *r, const char *name);
/* Takes ownership of o. */
void hilo_http_respond_json(struct hilo_http *r, int status, json_t *o);
/* {"error":{code,message}} with the status that fits the error. */
void hilo_http_respond_error(struct hilo_http *r, int err);
void hilo_http_respond_empty(struct hilo_http *r, int status);
/* Extracts hilo_session=<token> from a Cookie header. 0 or -1. */
int hilo_http_cookie_token(const char *cookies, char *out, size_t n);

/* /api/v1/... except /api/v1/session (domain/api.c). */
void hilo_api_handle(struct hilo_http *r);

#endif
