/* The HTTP route table (src/net/router.c): prefix matching, longest prefix
 * wins, 405 with the allowed methods, 404 when nothing matches. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/net/internal.h"

static void h_api(void *ctx, struct hilo_http *r) { (void)ctx; (void)r; }
static void h_session(void *ctx, struct hilo_http *r) { (void)ctx; (void)r; }
static void h_static(void *ctx, struct hilo_http *r) { (void)ctx; (void)r; }
static void h_hooks(void *ctx, struct hilo_http *r) { (void)ctx; (void)r; }
static void h_health(void *ctx, struct hilo_http *r) { (void)ctx; (void)r; }

static int ctx_api, ctx_session;

static int setup(void **state)
{
    static struct hilo_router rt;
    hilo_router_init(&rt);
    if (hilo_router_add(&rt, "GET", "/healthz", HILO_ROUTE_EXACT, h_health, NULL) ||
        hilo_router_add(&rt, NULL, "/webhooks/", 0, h_hooks, NULL) ||
        hilo_router_add(&rt, "GET", "/api/v1/session", HILO_ROUTE_EXACT, h_session, &ctx_session) ||
        hilo_router_add(&rt, "POST", "/api/v1/session", HILO_ROUTE_EXACT, h_session, &ctx_session) ||
        hilo_router_add(&rt, "DELETE", "/api/v1/session", HILO_ROUTE_EXACT, h_session, &ctx_session) ||
        hilo_router_add(&rt, NULL, "/api/v1/", 0, h_api, &ctx_api) ||
        hilo_router_add(&rt, "GET", "/static/", 0, h_static, NULL))
        return -1;
    *state = &rt;
    return 0;
}

static int teardown(void **state)
{
    hilo_router_deinit(*state);
    return 0;
}

static const struct hilo_http_route *match(void **state, const char *m, const char *path,
                                           char *allow, int *status)
{
    *status = 0;
    return hilo_router_match(*state, m, path, allow, 64, status);
}

static void prefix_matches(void **state)
{
    char allow[64];
    int st;
    const struct hilo_http_route *e = match(state, "POST", "/webhooks/whatsapp", allow, &st);
    assert_non_null(e);
    assert_ptr_equal(e->h, h_hooks);
    e = match(state, "GET", "/static/app/main.js", allow, &st);
    assert_non_null(e);
    assert_ptr_equal(e->h, h_static);
    /* an exact route does not take longer paths */
    e = match(state, "GET", "/healthz/x", allow, &st);
    assert_null(e);
    assert_int_equal(st, 404);
}

static void longest_prefix_wins(void **state)
{
    char allow[64];
    int st;
    const struct hilo_http_route *e = match(state, "GET", "/api/v1/session", allow, &st);
    assert_non_null(e);
    assert_ptr_equal(e->h, h_session);
    assert_ptr_equal(e->ctx, &ctx_session);
    /* a longer path that the exact route does not cover falls back to the prefix */
    e = match(state, "GET", "/api/v1/sessions", allow, &st);
    assert_non_null(e);
    assert_ptr_equal(e->h, h_api);
    assert_ptr_equal(e->ctx, &ctx_api);
    e = match(state, "PATCH", "/api/v1/tickets/X", allow, &st);
    assert_non_null(e);
    assert_ptr_equal(e->h, h_api);
}

static void method_mismatch_is_405_with_allow(void **state)
{
    char allow[64];
    int st;
    /* the longest prefix decides even though /api/v1/ takes any method */
    assert_null(match(state, "PUT", "/api/v1/session", allow, &st));
    assert_int_equal(st, 405);
    assert_string_equal(allow, "GET, HEAD, POST, DELETE");
    assert_null(match(state, "POST", "/static/x.css", allow, &st));
    assert_int_equal(st, 405);
    assert_string_equal(allow, "GET, HEAD");
    assert_null(match(state, "OTHER", "/healthz", allow, &st));
    assert_int_equal(st, 405);
    assert_string_equal(allow, "GET, HEAD");
}

static void head_is_served_by_get(void **state)
{
    char allow[64];
    int st;
    const struct hilo_http_route *e = match(state, "HEAD", "/healthz", allow, &st);
    assert_non_null(e);
    assert_ptr_equal(e->h, h_health);
}

static void unknown_is_404(void **state)
{
    char allow[64];
    int st;
    assert_null(match(state, "GET", "/nothing", allow, &st));
    assert_int_equal(st, 404);
    assert_string_equal(allow, "");
    assert_null(match(state, "GET", "/api/v2/x", allow, &st));
    assert_int_equal(st, 404);
}

static void bad_routes_are_refused(void **state)
{
    assert_int_equal(hilo_router_add(*state, "GET", "no-slash", 0, h_api, NULL), -EINVAL);
    assert_int_equal(hilo_router_add(*state, "GET", "/x", 0, NULL, NULL), -EINVAL);
    assert_int_equal(hilo_router_add(*state, "VERYLONGMETHOD", "/x", 0, h_api, NULL), -EINVAL);
}

/* Flags added after registration (main.c marks session.c's routes CSRF). */
static void set_flags_by_prefix(void **state)
{
    struct hilo_router *rt = *state;
    char allow[64];
    int status = 0;
    const struct hilo_http_route *e;

    assert_int_equal(hilo_router_set_flags(rt, "/api/v1/session", HILO_ROUTE_CSRF), 3);
    e = hilo_router_match(rt, "DELETE", "/api/v1/session", allow, sizeof allow, &status);
    assert_non_null(e);
    assert_int_equal(e->flags, HILO_ROUTE_EXACT | HILO_ROUTE_CSRF);
    e = hilo_router_match(rt, "POST", "/api/v1/tickets", allow, sizeof allow, &status);
    assert_non_null(e);
    assert_int_equal(e->flags & HILO_ROUTE_CSRF, 0);
    assert_int_equal(hilo_router_set_flags(rt, "/nothing", HILO_ROUTE_CSRF), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefix_matches),
        cmocka_unit_test(longest_prefix_wins),
        cmocka_unit_test(method_mismatch_is_405_with_allow),
        cmocka_unit_test(head_is_served_by_get),
        cmocka_unit_test(unknown_is_404),
        cmocka_unit_test(bad_routes_are_refused),
        cmocka_unit_test(set_flags_by_prefix),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
