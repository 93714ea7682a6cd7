/* Frame dispatch (src/domain/dispatch.c) without Redis or sockets: the
 * connection's error, close and send calls are wrapped at link time
 * (-Wl,--wrap, see tests/meson.build) and recorded here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/dispatch.h"
#include "hilo/server.h"
#include "hilo/session.h"

/* ---- what the dispatcher sent ---- */

static int n_errors, last_err, n_closes, last_close, n_sent, handler_calls;
static char last_req[80], last_cid[80], last_sent[256];

static void reset(void)
{
    n_errors = last_err = n_closes = last_close = n_sent = handler_calls = 0;
    last_req[0] = last_cid[0] = last_sent[0] = '\0';
}

void __wrap_hilo_conn_error(struct hilo_conn *c, int err, const char *req, const char *client_id);
void __wrap_hilo_conn_error(struct hilo_conn *c, int err, const char *req, const char *client_id)
{
    (void)c;
    n_errors++;
    last_err = err;
    strncpy(last_req, req ? req : "(null)", sizeof last_req - 1);
    strncpy(last_cid, client_id ? client_id : "(null)", sizeof last_cid - 1);
}

void __wrap_hilo_conn_close(struct hilo_conn *c, int code);
void __wrap_hilo_conn_close(struct hilo_conn *c, int code)
{
    (void)c;
    n_closes++;
    last_close = code;
}

void __wrap_hilo_conn_send_buf(struct hilo_conn *c, const char *data, size_t len);
void __wrap_hilo_conn_send_buf(struct hilo_conn *c, const char *data, size_t len)
{
    (void)c;
    n_sent++;
    snprintf(last_sent, sizeof last_sent, "%.*s", (int)len, data);
}

/* ---- a test table ---- */

static int ret_code;

static int handler(struct hilo_conn *c, json_t *msg, const char *req)
{
    (void)c;
    (void)msg;
    (void)req;
    handler_calls++;
    return ret_code;
}

static const struct hilo_frame_type tab[] = {
    {"open", HILO_FT_CUSTOMER | HILO_FT_AGENT, 0, handler},
    {"write", HILO_FT_CUSTOMER, HILO_FT_READY | HILO_FT_CLIENT_ID, handler},
    {"admin", HILO_FT_AGENT, HILO_FT_READY, handler},
};
#define NTAB (sizeof tab / sizeof tab[0])

/* A connection without a socket (wsi NULL) and its session. */
static struct hilo_conn *conn(int role, int ready)
{
    struct hilo_conn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->refs = 1;
    c->session = hilo_session_new(c, role);
    assert_non_null(c->session);
    hilo_sess(c)->ready = (uint8_t)ready;
    hilo_sess(c)->sess_exp_ms = UINT64_MAX;
    return c;
}

static void drop(struct hilo_conn *c)
{
    hilo_session_gone(c);
    hilo_session_free(c->session);
    free(c);
}

static void run(struct hilo_conn *c, const char *js)
{
    json_t *msg = json_loads(js, 0, NULL);
    const char *type = json_string_value(json_object_get(msg, "type"));
    const char *req = json_string_value(json_object_get(msg, "req"));
    assert_non_null(msg);
    hilo_dispatch_run(c, tab, NTAB, msg, type, req);
    json_decref(msg);
}

static void frame_run(struct hilo_conn *c, const char *js)
{
    json_t *msg = json_loads(js, 0, NULL);
    const char *type = json_string_value(json_object_get(msg, "type"));
    const char *req = json_string_value(json_object_get(msg, "req"));
    assert_non_null(msg);
    hilo_dispatch_frame(c, msg, type, req);
    json_decref(msg);
}

static void find_by_type_and_role(void **state)
{
    (void)state;
    assert_ptr_equal(hilo_dispatch_find(tab, NTAB, "open", HILO_ROLE_AGENT), &tab[0]);
    assert_ptr_equal(hilo_dispatch_find(tab, NTAB, "write", HILO_ROLE_CUSTOMER), &tab[1]);
    assert_null(hilo_dispatch_find(tab, NTAB, "write", HILO_ROLE_AGENT));
    assert_null(hilo_dispatch_find(tab, NTAB, "admin", HILO_ROLE_CUSTOMER));
    assert_null(hilo_dispatch_find(tab, NTAB, "nope", HILO_ROLE_CUSTOMER));
}

static void unknown_type_is_one_error(void **state)
{
    struct hilo_conn *c = conn(HILO_ROLE_AGENT, 1);
    (void)state;
    reset();
    run(c, "{\"type\":\"write\",\"req\":\"r1\",\"client_id\":\"k\"}");
    assert_int_equal(handler_calls, 0);
    assert_int_equal(n_errors, 1);
    assert_int_equal(last_err, -HILO_EUNKNOWNTYPE);
    assert_string_equal(last_req, "r1");
    assert_string_equal(last_cid, "(null)");
    drop(c);
}

static void ready_flag_gates_by_role(void **state)
{
    struct hilo_conn *cu = conn(HILO_ROLE_CUSTOMER, 0), *ag = conn(HILO_ROLE_AGENT, 0);
    (void)state;
    reset();
    run(cu, "{\"type\":\"write\",\"client_id\":\"k\"}");
    assert_int_equal(last_err, -HILO_EHELLO);
    run(ag, "{\"type\":\"admin\"}");
    assert_int_equal(last_err, -HILO_EUNAUTH);
    assert_int_equal(n_errors, 2);
    assert_int_equal(handler_calls, 0);
    /* a row without the flag runs before hello */
    ret_code = 0;
    run(cu, "{\"type\":\"open\"}");
    assert_int_equal(handler_calls, 1);
    assert_int_equal(n_errors, 2);
    drop(cu);
    drop(ag);
}

static void handler_error_sent_once_with_client_id(void **state)
{
    struct hilo_conn *c = conn(HILO_ROLE_CUSTOMER, 1);
    (void)state;
    reset();
    ret_code = -HILO_ETEXTLONG;
    run(c, "{\"type\":\"write\",\"req\":\"r2\",\"client_id\":\"m-1\"}");
    assert_int_equal(handler_calls, 1);
    assert_int_equal(n_errors, 1);
    assert_int_equal(last_err, -HILO_ETEXTLONG);
    assert_string_equal(last_req, "r2");
    assert_string_equal(last_cid, "m-1");
    /* rows without the flag do not echo it */
    run(c, "{\"type\":\"open\",\"client_id\":\"m-2\"}");
    assert_int_equal(n_errors, 2);
    assert_string_equal(last_cid, "(null)");
    /* nor is an over-long client_id echoed */
    char big[200];
    snprintf(big, sizeof big, "{\"type\":\"write\",\"client_id\":\"%065d\"}", 0);
    run(c, big);
    assert_int_equal(n_errors, 3);
    assert_string_equal(last_cid, "(null)");
    /* success: nothing sent by the dispatcher */
    ret_code = 0;
    run(c, "{\"type\":\"write\",\"client_id\":\"m-3\"}");
    assert_int_equal(n_errors, 3);
    assert_int_equal(handler_calls, 4);
    drop(c);
}

static void busy_defers_then_forgets(void **state)
{
    struct hilo_conn *c = conn(HILO_ROLE_CUSTOMER, 1);
    (void)state;
    reset();
    hilo_sess(c)->busy = 1;
    run(c, "{\"type\":\"write\",\"client_id\":\"k\"}");
    run(c, "{\"type\":\"nope\"}");
    assert_int_equal(handler_calls, 0);
    assert_int_equal(n_errors, 0);
    assert_int_equal(hilo_sess(c)->ndef, 2);
    hilo_session_gone(c); /* frees the deferred frames */
    assert_int_equal(hilo_sess(c)->ndef, 0);
    assert_null(hilo_sess(c)->def_head);
    assert_int_equal(n_errors, 0);
    drop(c);
}

static void expired_agent_session_closes(void **state)
{
    struct hilo_conn *c = conn(HILO_ROLE_AGENT, 1);
    (void)state;
    reset();
    hilo_sess(c)->sess_exp_ms = 1;
    run(c, "{\"type\":\"open\",\"req\":\"r3\"}");
    assert_int_equal(handler_calls, 0);
    assert_int_equal(n_errors, 1);
    assert_int_equal(last_err, -HILO_EEXPIRED);
    assert_int_equal(n_closes, 1);
    assert_int_equal(last_close, 4401);
    drop(c);
}

/* The hub's own table: checks that fail before any Redis call. */
static void dispatch_table(void **state)
{
    struct hilo_conn *cu = conn(HILO_ROLE_CUSTOMER, 0), *ag = conn(HILO_ROLE_AGENT, 1);
    (void)state;
    reset();
    frame_run(cu, "{\"type\":\"reply\",\"ticket\":\"12345678\",\"client_id\":\"z\",\"text\":\"x\"}");
    assert_int_equal(last_err, -HILO_EUNKNOWNTYPE);
    frame_run(cu, "{\"type\":\"message\",\"client_id\":\"early\",\"text\":\"hi\"}");
    assert_int_equal(last_err, -HILO_EHELLO);
    hilo_sess(cu)->ready = 1;
    frame_run(cu, "{\"type\":\"message\",\"client_id\":\"\",\"text\":\"hi\",\"req\":\"q\"}");
    assert_int_equal(last_err, -HILO_EBADFRAME);
    assert_string_equal(last_req, "q");
    assert_string_equal(last_cid, "");
    frame_run(cu, "{\"type\":\"typing\",\"state\":\"yes\"}");
    assert_int_equal(last_err, -HILO_EBADFRAME);
    frame_run(cu, "{\"type\":\"hello\"}");
    assert_int_equal(last_err, -HILO_EBADFRAME); /* hello twice */
    frame_run(ag, "{\"type\":\"reply\",\"ticket\":\"abc\",\"client_id\":\"k1\",\"text\":\"x\"}");
    assert_int_equal(last_err, -HILO_EUNKNOWNTICKET);
    assert_string_equal(last_cid, "k1");
    frame_run(ag, "{\"type\":\"status\",\"ticket\":\"abc\"}");
    assert_int_equal(last_err, -HILO_EUNKNOWNTICKET);
    assert_string_equal(last_cid, "(null)");
    frame_run(ag, "{\"type\":\"login\",\"name\":\"bob\"}");
    assert_int_equal(last_err, -HILO_EBADFRAME);
    frame_run(ag, "{\"type\":\"hello\"}");
    assert_int_equal(last_err, -HILO_EUNKNOWNTYPE);
    assert_int_equal(n_errors, 9);
    frame_run(ag, "{\"type\":\"ping\",\"req\":\"p1\"}");
    assert_int_equal(n_errors, 9);
    assert_int_equal(n_sent, 1);
    assert_non_null(strstr(last_sent, "\"type\":\"pong\""));
    assert_non_null(strstr(last_sent, "\"req\":\"p1\""));
    drop(cu);
    drop(ag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(find_by_type_and_role),
        cmocka_unit_test(unknown_type_is_one_error),
        cmocka_unit_test(ready_flag_gates_by_role),
        cmocka_unit_test(handler_error_sent_once_with_client_id),
        cmocka_unit_test(busy_defers_then_forgets),
        cmocka_unit_test(expired_agent_session_closes),
        cmocka_unit_test(dispatch_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
