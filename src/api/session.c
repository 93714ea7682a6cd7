/* /api/v1/session: HTTP login, session check and logout for the console.
 * The async steps (argon2id in the thread pool, Redis) hold a reference to
 * the request, which also counts as pending work for shutdown. */
#include "hilo/api_session.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "hilo/agents.h"
#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/net.h"
#include "hilo/server.h"

static void session_body(struct hilo_http *r, const struct hilo_session_info *si)
{
    json_t *o = json_pack("{s:{s:s, s:s, s:s}, s:I}", "agent", "name", si->name, "display",
                          si->display[0] ? si->display : si->name, "role",
                          si->role[0] ? si->role : "agent", "expires_at", (json_int_t)si->exp_ms);
    hilo_http_respond_json(r, 200, o);
}

/* Secure when the browser reached Hilo over https: TLS here (tls_cert), a
 * trusted proxy's X-Forwarded-Proto, or an https public_url. */
static int cookie_secure(struct hilo_server *s, struct hilo_http *r)
{
    return hilo_http_secure(r) || strncmp(s->cfg->public_url, "https://", 8) == 0;
}

static void login_cb(int err, const struct hilo_session_info *si, void *data)
{
    struct hilo_http *r = data;
    struct hilo_server *s = hilo_http_server(r);
    char cookie[384];

    if (err == -HILO_ERATE && si) {
        /* Throttled (docs/security.md "Login throttling"): the wait in the
         * Retry-After header and the body; no password was checked. */
        hilo_http_set_retry_after(r, si->retry_after ? si->retry_after : 1);
        hilo_http_respond_json(r, 429,
                               json_pack("{s:{s:s, s:s, s:i}}", "error", "code", "rate_limited",
                                         "message", "Too many login attempts; try again later.",
                                         "retry_after", (int)si->retry_after));
    } else if (err) {
        hilo_http_respond_error(r, err);
    } else {
        snprintf(cookie, sizeof cookie,
                 "hilo_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", si->token,
                 s->cfg->session_ttl, cookie_secure(s, r) ? "; Secure" : "");
        hilo_http_set_cookie(r, cookie);
        session_body(r, si);
    }
    hilo_http_unref(r);
}

static void check_cb(int err, const struct hilo_session_info *si, void *data)
{
    struct hilo_http *r = data;
    if (err)
        hilo_http_respond_error(r, err);
    else
        session_body(r, si);
    hilo_http_unref(r);
}

static void logout_cb(int err, const struct hilo_session_info *si, void *data)
{
    struct hilo_http *r = data;
    (void)si;
    if (err) {
        hilo_http_respond_error(r, err);
    } else {
        hilo_http_set_cookie(r, cookie_secure(hilo_http_server(r), r)
                                    ? "hilo_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
                                    : "hilo_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        hilo_http_respond_empty(r, 204);
    }
    hilo_http_unref(r);
}

static void login(struct hilo_server *s, struct hilo_http *r)
{
    json_error_t je;
    json_t *body, *jn, *jp;
    size_t len;
    const char *raw = hilo_http_body(r, &len);
    int rc;

    if (!raw) {
        hilo_http_respond_error(r, -HILO_ETOOLARGE);
        return;
    }
    body = json_loadb(raw, len, 0, &je);
    jn = json_object_get(body, "name");
    jp = json_object_get(body, "password");
    if (!json_is_object(body) || !json_is_string(jn) || !json_is_string(jp)) {
        hilo_http_respond_error(r, body ? -HILO_EBADFRAME : -HILO_EBADJSON);
        json_decref(body);
        return;
    }
    hilo_http_ref(r);
    rc = hilo_agents_login_from(s, json_string_value(jn), json_string_value(jp),
                                hilo_http_client_ip(r), login_cb, r);
    json_decref(body);
    if (rc < 0) {
        hilo_http_respond_error(r, rc);
        hilo_http_unref(r);
    }
}

void hilo_api_session_handle(void *ctx, struct hilo_http *r)
{
    struct hilo_server *s = ctx;
    const char *method = hilo_http_method(r), *cookie = hilo_http_cookie(r);
    char tok[256];
    int rc;

    if (strcmp(method, "POST") == 0) {
        login(s, r);
        return;
    }
    if (!cookie || hilo_http_cookie_token(cookie, tok, sizeof tok) < 0) {
        hilo_http_respond_error(r, -HILO_EUNAUTH);
        return;
    }
    hilo_http_ref(r);
    rc = strcmp(method, "DELETE") == 0 ? hilo_agents_logout(s, tok, logout_cb, r)
                                       : hilo_agents_check(s, tok, check_cb, r);
    if (rc < 0) {
        hilo_http_respond_error(r, rc);
        hilo_http_unref(r);
    }
}

int hilo_api_session_routes(struct hilo_net *n, struct hilo_server *s)
{
    static const char *const methods[] = {"GET", "POST", "DELETE"};
    for (size_t i = 0; i < HILO_ARRAY_LEN(methods); i++) {
        int rc = hilo_net_route(n, methods[i], "/api/v1/session", HILO_ROUTE_EXACT,
                                hilo_api_session_handle, s);
        if (rc < 0)
            return rc;
    }
    return 0;
}
