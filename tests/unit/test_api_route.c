/* The REST route table's matcher (src/api/route.c): no Redis, no request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/api/internal.h"

static void h_list(struct api *a) { (void)a; }
static void h_create(struct api *a) { (void)a; }
static void h_get(struct api *a) { (void)a; }
static void h_msg(struct api *a) { (void)a; }
static void h_pw(struct api *a) { (void)a; }

static const struct api_route table[] = {
    {"GET", "tickets", R_AGENT | R_APIKEY, h_list},
    {"POST", "tickets", R_AGENT | R_APIKEY, h_create},
    {"GET", "tickets/:ref", R_AGENT, h_get},
    {"POST", "tickets/:ref/messages", R_AGENT, h_msg},
    {"POST", "agents/:name/password", R_ADMIN | R_SELF, h_pw},
};

static int find(const char *method, const char *path, const struct api_route **row,
                struct api_params *p, char *allow)
{
    return api_route_find(table, sizeof table / sizeof table[0], method, path, row, p, allow, 64);
}

static void exact_paths_match_their_method(void **state)
{
    const struct api_route *row;
    struct api_params p;
    char allow[64];
    assert_int_equal(find("GET", "tickets", &row, &p, allow), API_ROUTE_OK);
    assert_ptr_equal(row->fn, h_list);
    assert_int_equal(p.n, 0);
    assert_int_equal(find("POST", "tickets", &row, &p, allow), API_ROUTE_OK);
    assert_ptr_equal(row->fn, h_create);
}

static void params_are_captured_by_name(void **state)
{
    const struct api_route *row;
    struct api_params p;
    char allow[64];
    assert_int_equal(find("POST", "tickets/40718263/messages", &row, &p, allow), API_ROUTE_OK);
    assert_ptr_equal(row->fn, h_msg);
    assert_int_equal(p.n, 1);
    assert_string_equal(api_param(&p, "ref"), "40718263");
    assert_null(api_param(&p, "re"));
    assert_null(api_param(&p, "name"));
    assert_int_equal(find("POST", "agents/ana/password", &row, &p, allow), API_ROUTE_OK);
    assert_string_equal(api_param(&p, "name"), "ana");
    assert_int_equal(row->flags, R_ADMIN | R_SELF);
}

static void one_trailing_slash_is_ignored(void **state)
{
    const struct api_route *row;
    struct api_params p;
    char allow[64];
    assert_int_equal(find("GET", "tickets/", &row, &p, allow), API_ROUTE_OK);
    assert_ptr_equal(row->fn, h_list);
    assert_int_equal(find("GET", "tickets/123/", &row, &p, allow), API_ROUTE_OK);
    assert_ptr_equal(row->fn, h_get);
    assert_string_equal(api_param(&p, "ref"), "123");
    /* but not two, nor empty segments */
    assert_int_equal(find("GET", "tickets//", &row, &p, allow), API_ROUTE_NOT_FOUND);
    assert_int_equal(find("POST", "tickets//messages", &row, &p, allow), API_ROUTE_NOT_FOUND);
    assert_int_equal(find("GET", "", &row, &p, allow), API_ROUTE_NOT_FOUND);
    assert_int_equal(find("GET", "/", &row, &p, allow), API_ROUTE_NOT_FOUND);
}

static void unknown_paths_are_not_found(void **state)
{
    const struct api_route *row;
    struct api_params p;
    char allow[64];
    assert_int_equal(find("GET", "nope", &row, &p, allow), API_ROUTE_NOT_FOUND);
    assert_null(row);
    assert_int_equal(find("GET", "ticket", &row, &p, allow), API_ROUTE_NOT_FOUND);
    assert_int_equal(find("GET", "ticketsx", &row, &p, allow), API_ROUTE_NOT_FOUND);
    assert_int_equal(find("GET", "tickets/1/2", &row, &p, allow), API_ROUTE_NOT_FOUND);
    assert_int_equal(find("POST", "tickets/1/messages/x", &row, &p, allow), API_ROUTE_NOT_FOUND);
    assert_int_equal(find("POST", "agents/ana", &row, &p, allow), API_ROUTE_NOT_FOUND);
}

static void unknown_method_is_405_with_the_allowed_ones(void **state)
{
    const struct api_route *row;
    struct api_params p;
    char allow[64];
    assert_int_equal(find("DELETE", "tickets", &row, &p, allow), API_ROUTE_BAD_METHOD);
    assert_null(row);
    assert_string_equal(allow, "GET, POST");
    assert_int_equal(find("PUT", "tickets/1/messages", &row, &p, allow), API_ROUTE_BAD_METHOD);
    assert_string_equal(allow, "POST");
    /* methods compare exactly */
    assert_int_equal(find("get", "tickets", &row, &p, allow), API_ROUTE_BAD_METHOD);
}

static void long_parameters_are_refused(void **state)
{
    const struct api_route *row;
    struct api_params p;
    char allow[64], path[400], longest[API_PARAM_MAX + 1];
    memset(longest, '7', API_PARAM_MAX);
    longest[API_PARAM_MAX] = '\0';
    snprintf(path, sizeof path, "tickets/%s", longest);
    assert_int_equal(find("GET", path, &row, &p, allow), API_ROUTE_OK);
    assert_string_equal(api_param(&p, "ref"), longest);
    snprintf(path, sizeof path, "tickets/%s7/messages", longest);
    assert_int_equal(find("POST", path, &row, &p, allow), API_ROUTE_NOT_FOUND);
    /* a path longer than API_PATH_MAX is no route at all */
    char huge[API_PATH_MAX + 40];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    memcpy(huge, "tickets/", 8);
    assert_int_equal(find("GET", huge, &row, &p, allow), API_ROUTE_NOT_FOUND);
}

static void a_small_allow_buffer_is_cut_not_overrun(void **state)
{
    const struct api_route *row;
    struct api_params p;
    char allow[6];
    memset(allow, 'x', sizeof allow);
    assert_int_equal(api_route_find(table, 5, "PUT", "tickets", &row, &p, allow, 5),
                     API_ROUTE_BAD_METHOD);
    assert_int_equal(allow[4], '\0');
    assert_int_equal(allow[5], 'x');
}

static void flags_decide_who_gets_in(void **state)
{
    const struct api_route *row;
    struct api_params p;
    char allow[64];
    assert_int_equal(find("GET", "tickets", &row, &p, allow), API_ROUTE_OK);
    assert_true(api_route_allows(row->flags, 1, "integration", "shop", &p));
    assert_true(api_route_allows(row->flags, 0, "agent", "ana", &p));
    assert_int_equal(find("GET", "tickets/1", &row, &p, allow), API_ROUTE_OK);
    assert_false(api_route_allows(row->flags, 1, "integration", "shop", &p)); /* no R_APIKEY */
    assert_true(api_route_allows(row->flags, 0, "agent", "ana", &p));
    /* admin, or the agent named in the path */
    assert_int_equal(find("POST", "agents/ana/password", &row, &p, allow), API_ROUTE_OK);
    assert_true(api_route_allows(row->flags, 0, "admin", "root", &p));
    assert_true(api_route_allows(row->flags, 0, "agent", "ana", &p));
    assert_false(api_route_allows(row->flags, 0, "agent", "bob", &p));
    assert_false(api_route_allows(row->flags, 0, "agent", "an", &p));
    /* an API key named like the agent is still not the agent */
    assert_false(api_route_allows(row->flags, 1, "integration", "ana", &p));
    /* R_ADMIN alone */
    assert_true(api_route_allows(R_ADMIN, 0, "admin", "root", &p));
    assert_false(api_route_allows(R_ADMIN, 0, "agent", "ana", &p));
    assert_false(api_route_allows(R_ADMIN, 0, "Admin", "ana", &p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_paths_match_their_method),
        cmocka_unit_test(params_are_captured_by_name),
        cmocka_unit_test(one_trailing_slash_is_ignored),
        cmocka_unit_test(unknown_paths_are_not_found),
        cmocka_unit_test(unknown_method_is_405_with_the_allowed_ones),
        cmocka_unit_test(long_parameters_are_refused),
        cmocka_unit_test(a_small_allow_buffer_is_cut_not_overrun),
        cmocka_unit_test(flags_decide_who_gets_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
