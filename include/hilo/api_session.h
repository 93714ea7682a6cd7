/* /api/v1/session: agent sign-in for the console over HTTP with a cookie.
 *   POST   {"name","password"} -> 200 {agent, expires_at} + Set-Cookie
 *   GET    -> 200 {agent, expires_at} for the cookie's session
 *   DELETE -> 204, the session ended (its sockets closed on every instance)
 *             and the cookie cleared
 * Logins are throttled by name and client address: 429 rate_limited with
 * "retry_after" (seconds) in the error. */
#ifndef HILO_API_SESSION_H
#define HILO_API_SESSION_H

struct hilo_net;
struct hilo_server;
struct hilo_http;

/* Registers the three routes; s is borrowed for the life of the net. 0 or -errno. */
int hilo_api_session_routes(struct hilo_net *n, struct hilo_server *s);
/* The route handler (ctx is the struct hilo_server). */
void hilo_api_session_handle(void *ctx, struct hilo_http *r);

#endif
