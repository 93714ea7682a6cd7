/* The typed store ops build exactly the EVALSHA argv the scripts read. No
 * Redis needed: the argv is built into a struct and inspected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/scripts.h"
#include "hilo/store.h"

#define CHECK(a, ...)                                                                             \
    do {                                                                                          \
        const char *want_[] = {__VA_ARGS__};                                                      \
        check_argv(a, want_, (int)(sizeof want_ / sizeof want_[0]));                              \
    } while (0)

/* want[1] is the script's SHA, "" before SCRIPT LOAD as in these tests */
static void check_argv(const struct hilo_store_argv *a, const char **want, int n)
{
    assert_int_equal(a->argc, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(a->lens[i], strlen(want[i]));
        assert_memory_equal(a->argv[i], want[i], a->lens[i]);
    }
}

static int setup(void **state)
{
    (void)state;
    return hilo_keys_init("hilo");
}

static int teardown(void **state)
{
    (void)state;
    hilo_keys_deinit();
    return 0;
}

#define TK "hilo:{t:40718263}:tk"
#define EV "hilo:{t:40718263}:ev"
#define DD "hilo:{t:40718263}:dd"
#define RSV "hilo:{t:40718263}:rsv"
#define DL "hilo:{t:40718263}:dl"

#define IA "hilo:idx:active"
/* hub.c customer_create */
static void create_web(void **state)
{
    struct hilo_store_argv a;
    struct hilo_store_create op = {
        .chan = "hilo:events", .ref = "40718263", .customer = "c1", .channel = "web",
        .name = "Lucía", .text = "hello there", .text_len = 5, .dedupe = "c:c1:m-1",
        .client_id = "m-1", .locale = "es", .ack_text = "Gracias", .eta_minutes = 15,
    };
    (void)state;
    assert_int_equal(hilo_store_create_argv(&a, &op), 0);
    CHECK(&a, "EVALSHA", "", "5", TK, EV, DD, RSV, DL, "hilo:events", "40718263", "c1", "web",
          "Lucía", "hello", "c:c1:m-1", "m-1", "es", "Gracias", "15", "", "", "message");
    assert_ptr_equal(a.argv[1], hilo_scripts_sha(HILO_S_CREATE));
}

/* inbound.c write_create: a call, an ack delivery, channel addresses */
static void create_inbound_call_with_fields(void **state)
{
    struct hilo_store_argv a;
    const char *fields[] = {"phone", "+34600000000", "provider", "twilio"};
    struct hilo_store_create op = {
        .chan = "ch", .ref = "40718263", .customer = "c2", .channel = "voice", .name = "",
        .text = "", .dedupe = "p:twilio:CA1", .client_id = "CA1", .locale = "en",
        .ack_text = "Thanks", .eta_minutes = 7, .extra = "{\"x\":1}", .ack_delivery = "{\"status\":\"queued\"}",
        .kind = "call", .fields = fields, .nfields = 4,
    };
    (void)state;
    assert_int_equal(hilo_store_create_argv(&a, &op), 0);
    CHECK(&a, "EVALSHA", "", "5", TK, EV, DD, RSV, DL, "ch", "40718263", "c2", "voice", "", "",
          "p:twilio:CA1", "CA1", "en", "Thanks", "7", "{\"x\":1}", "{\"status\":\"queued\"}", "call",
          "phone", "+34600000000", "provider", "twilio");
}

/* hub.c send_append, customer side */
static void append_customer_message(void **state)
{
    struct hilo_store_argv a;
    struct hilo_store_append op = {
        .chan = "ch", .ref = "40718263", .op = HILO_APPEND_MESSAGE, .channel = "web",
        .role = "customer", .author_id = "c1", .author_name = "Ann", .text = "more",
        .dedupe = "c:c1:m-2", .client_id = "m-2", .customer = "c1",
    };
    (void)state;
    assert_int_equal(hilo_store_append_argv(&a, &op), 0);
    CHECK(&a, "EVALSHA", "", "5", TK, EV, DD, DL, IA, "ch", "40718263", "message", "web",
          "customer", "c1", "Ann", "more", "c:c1:m-2", "m-2", "", "c1", "", "");
}

/* hub.c send_append, agent resolve with a delivery and ticket fields */
static void append_agent_resolve(void **state)
{
    struct hilo_store_argv a;
    const char *fields[] = {"last_channel", "whatsapp"};
    struct hilo_store_append op = {
        .chan = "ch", .ref = "40718263", .op = HILO_APPEND_RESOLVE, .channel = "web",
        .role = "agent", .author_id = "bob", .author_name = "Bob", .text = "done",
        .dedupe = "a:bob:r-1", .client_id = "r-1", .delivery = "{}", .fields = fields,
        .nfields = 2, .reindex = HILO_STORE_REINDEX_REMOVE,
    };
    (void)state;
    assert_int_equal(hilo_store_append_argv(&a, &op), 0);
    CHECK(&a, "EVALSHA", "", "5", TK, EV, DD, DL, IA, "ch", "40718263", "resolve", "web", "agent",
          "bob", "Bob", "done", "a:bob:r-1", "r-1", "", "", "{}", "rem", "last_channel",
          "whatsapp");
}

static void append_op_names(void **state)
{
    (void)state;
    assert_int_equal(hilo_append_op_parse("message"), HILO_APPEND_MESSAGE);
    assert_int_equal(hilo_append_op_parse("note"), HILO_APPEND_NOTE);
    assert_int_equal(hilo_append_op_parse("voicemail"), HILO_APPEND_VOICEMAIL);
    assert_int_equal(hilo_append_op_parse("bogus"), -1);
    assert_int_equal(hilo_append_op_parse(NULL), -1);
    assert_string_equal(hilo_append_op_name(HILO_APPEND_REPLY), "reply");
}

/* hub.c agent_set and the follow-up timer */
static void set_ops(void **state)
{
    struct hilo_store_argv a;
    struct hilo_store_set as = {.chan = "ch", .ref = "40718263", .op = HILO_SET_ASSIGN,
                                .value = "bob", .author_id = "amy", .author_name = "Amy",
                                .team = "billing"};
    struct hilo_store_set st = {.chan = "ch", .ref = "40718263", .op = HILO_SET_STATUS,
                                .value = "pending", .author_id = "amy", .author_name = "Amy",
                                .follow_up_ms = 1764590000000ull,
                                .reindex = HILO_STORE_REINDEX_ADD};
    struct hilo_store_set fu = {.chan = "ch", .ref = "40718263", .op = HILO_SET_FOLLOWUP};
    (void)state;
    assert_int_equal(hilo_store_set_argv(&a, &as), 0);
    CHECK(&a, "EVALSHA", "", "3", TK, EV, IA, "ch", "40718263", "assign", "bob", "amy", "Amy",
          "billing", "0", "", "");
    assert_int_equal(hilo_store_set_argv(&a, &st), 0);
    CHECK(&a, "EVALSHA", "", "3", TK, EV, IA, "ch", "40718263", "status", "pending", "amy", "Amy",
          "", "1764590000000", "add", "");
    assert_int_equal(hilo_store_set_argv(&a, &fu), 0);
    CHECK(&a, "EVALSHA", "", "3", TK, EV, IA, "ch", "40718263", "followup", "", "", "", "", "0",
          "", "");
    /* closing without a reply: the reason comes last (issue #13) */
    struct hilo_store_set cl = {.chan = "ch", .ref = "40718263", .op = HILO_SET_STATUS,
                                .value = "closed", .author_id = "amy", .author_name = "Amy",
                                .reindex = HILO_STORE_REINDEX_REMOVE, .reason = "spam"};
    assert_int_equal(hilo_store_set_argv(&a, &cl), 0);
    CHECK(&a, "EVALSHA", "", "3", TK, EV, IA, "ch", "40718263", "status", "closed", "amy", "Amy",
          "", "0", "rem", "spam");
}

/* hub.c sync_page (customer) and api.c summaries */
static void history(void **state)
{
    struct hilo_store_argv a;
    struct hilo_store_history cu = {.ref = "40718263", .after = "1-0", .public_only = 1,
                                    .customer = "c1", .count = 100};
    struct hilo_store_history sum = {.ref = "40718263"};
    (void)state;
    assert_int_equal(hilo_store_history_argv(&a, &cu), 0);
    CHECK(&a, "EVALSHA", "", "3", TK, EV, DL, "1-0", "1", "c1", "100");
    assert_int_equal(hilo_store_history_argv(&a, &sum), 0);
    CHECK(&a, "EVALSHA", "", "3", TK, EV, DL, "0", "0", "", "0");
}

/* outbox.c check / update, inbound.c status update */
static void delivery(void **state)
{
    struct hilo_store_argv a;
    struct hilo_store_delivery ck = {.chan = "ch", .ref = "40718263", .op = HILO_DELIVERY_CHECK,
                                     .event_id = "", .dedupe = "a:bob:r-1"};
    struct hilo_store_delivery up = {.chan = "ch", .ref = "40718263", .op = HILO_DELIVERY_UPDATE,
                                     .event_id = "5-0", .fields = "{\"status\":\"sent\"}"};
    (void)state;
    assert_int_equal(hilo_store_delivery_argv(&a, &ck), 0);
    CHECK(&a, "EVALSHA", "", "3", TK, DL, DD, "ch", "40718263", "check", "", "a:bob:r-1");
    assert_int_equal(hilo_store_delivery_argv(&a, &up), 0);
    CHECK(&a, "EVALSHA", "", "3", TK, DL, DD, "ch", "40718263", "update", "5-0",
          "{\"status\":\"sent\"}");
}

/* hub.c reserve_send and customer_create's CUST */
static void reserve_and_cust(void **state)
{
    struct hilo_store_argv a;
    struct hilo_store_reserve rs = {.ref = "40718263", .owner = "inst1", .ttl_s = 604800};
    struct hilo_store_cust cu = {.customer = "c1", .identity = "web:ab", .name = "Ann",
                                 .email = "", .locale = "en", .ref = "40718263"};
    (void)state;
    assert_int_equal(hilo_store_reserve_argv(&a, &rs), 0);
    CHECK(&a, "EVALSHA", "", "2", TK, RSV, "inst1", "604800");
    assert_int_equal(hilo_store_cust_argv(&a, &cu), 0);
    CHECK(&a, "EVALSHA", "", "3", "hilo:{c:c1}:cu", "hilo:{c:c1}:ids", "hilo:{c:c1}:tix", "c1",
          "web:ab", "Ann", "", "en", "40718263", "");
}

static void bad_input_is_refused(void **state)
{
    struct hilo_store_argv a;
    const char *many[80];
    for (int i = 0; i < 80; i++)
        many[i] = "x";
    struct hilo_store_append odd = {.ref = "1", .op = HILO_APPEND_NOTE, .fields = many, .nfields = 3};
    struct hilo_store_append big = {.ref = "1", .op = HILO_APPEND_NOTE, .fields = many, .nfields = 80};
    struct hilo_store_append noref = {.op = HILO_APPEND_NOTE};
    struct hilo_store_append badop = {.ref = "1", .op = (enum hilo_append_op)42};
    (void)state;
    assert_int_equal(hilo_store_append_argv(&a, &odd), -HILO_EINTERNAL);
    assert_int_equal(hilo_store_append_argv(&a, &big), -HILO_EINTERNAL);
    assert_int_equal(hilo_store_append_argv(&a, &noref), -HILO_EINTERNAL);
    assert_int_equal(hilo_store_append_argv(&a, &badop), -HILO_EINTERNAL);
}

/* Before SCRIPT LOAD there is no SHA: nothing is sent, the callback never
 * runs (the redis handle is not even touched). */
static void send_needs_loaded_scripts(void **state)
{
    struct hilo_store_history h = {.ref = "40718263"};
    (void)state;
    assert_int_equal(hilo_store_history(NULL, &h, NULL, NULL), -HILO_EUNAVAIL);
}

static int tx_cb_runs;
static void tx_cb(redisReply *r, void *data)
{
    (void)r;
    (void)data;
    tx_cb_runs++;
}

static void closed_cb(void *data) { *(int *)data = 1; }

/* A transaction on a client that is not connected fails at begin; adds are
 * skipped, commit returns the error and the callback never runs. */
static void tx_unavailable(void **state)
{
    uv_loop_t loop;
    struct hilo_redis_opts o = {.url = "redis://127.0.0.1:1", .connect_timeout_ms = 100,
                                .name = "tx"};
    struct hilo_tx tx;
    struct hilo_store_argv a;
    struct hilo_store_history h = {.ref = "40718263"};
    const char *sadd[] = {"SADD", "k", "v"};
    int closed = 0;
    (void)state;
    uv_loop_init(&loop);
    struct hilo_redis *r = hilo_redis_new(&loop, &o);
    assert_non_null(r);
    hilo_tx_begin(&tx, r);
    assert_int_equal(tx.open, 0);
    assert_int_equal(hilo_tx_add(&tx, 3, sadd, NULL), -HILO_EUNAVAIL);
    assert_int_equal(hilo_store_history_argv(&a, &h), 0);
    assert_int_equal(hilo_tx_add_argv(&tx, &a), -HILO_EUNAVAIL);
    assert_int_equal(hilo_tx_commit(&tx, tx_cb, NULL), -HILO_EUNAVAIL);
    hilo_redis_close(r, closed_cb, &closed);
    while (!closed)
        uv_run(&loop, UV_RUN_ONCE);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(tx_cb_runs, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_web),
        cmocka_unit_test(create_inbound_call_with_fields),
        cmocka_unit_test(append_customer_message),
        cmocka_unit_test(append_agent_resolve),
        cmocka_unit_test(append_op_names),
        cmocka_unit_test(set_ops),
        cmocka_unit_test(history),
        cmocka_unit_test(delivery),
        cmocka_unit_test(reserve_and_cust),
        cmocka_unit_test(bad_input_is_refused),
        cmocka_unit_test(send_needs_loaded_scripts),
        cmocka_unit_test(tx_unavailable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
