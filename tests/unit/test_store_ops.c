/* The typed plain-command ops (store_outbox.h, ...) build exactly the argv
 * their callers used to build by hand. No Redis needed: the command is built
 * into a struct and inspected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/store.h"
#include "hilo/store_index.h"
#include "hilo/store_outbox.h"
#include "hilo/store_records.h"

#define CHECK(c, ...)                                                                             \
    do {                                                                                          \
        const char *want_[] = {__VA_ARGS__};                                                      \
        check_argv(c, want_, (int)(sizeof want_ / sizeof want_[0]));                              \
    } while (0)

static void check_argv(const struct hilo_store_cmd *c, const char **want, int n)
{
    assert_int_equal(c->argc, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(c->lens[i], strlen(want[i]));
        assert_memory_equal(c->argv[i], want[i], c->lens[i]);
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

#define Q "hilo:{ob}:q"

static void outbox_stream(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    const char *f[] = {"ref", "40718263", "ch", "email"};
    const size_t lens[] = {3, 8, 2, 5};
    struct hilo_store_outbox_add add = {.fields = f, .lens = lens, .nfields = 4};
    assert_int_equal(hilo_store_outbox_add_argv(&c, &add), 0);
    CHECK(&c, "XADD", Q, "*", "ref", "40718263", "ch", "email");
    add.lens = NULL;
    assert_int_equal(hilo_store_outbox_add_argv(&c, &add), 0);
    CHECK(&c, "XADD", Q, "*", "ref", "40718263", "ch", "email");

    assert_int_equal(hilo_store_outbox_group_argv(&c), 0);
    CHECK(&c, "XGROUP", "CREATE", Q, "senders", "0", "MKSTREAM");

    struct hilo_store_outbox_read rd = {.consumer = "hilo-i1", .count = 8};
    assert_int_equal(hilo_store_outbox_read_argv(&c, &rd), 0);
    CHECK(&c, "XREADGROUP", "GROUP", "senders", "hilo-i1", "COUNT", "8", "STREAMS", Q, ">");

    struct hilo_store_outbox_claim cl = {.consumer = "hilo-i1", .min_idle_ms = 30000, .count = 3};
    assert_int_equal(hilo_store_outbox_claim_argv(&c, &cl), 0);
    CHECK(&c, "XAUTOCLAIM", Q, "senders", "hilo-i1", "30000", "0-0", "COUNT", "3");

    assert_int_equal(hilo_store_outbox_ack_argv(&c, "1-2"), 0);
    CHECK(&c, "XACK", Q, "senders", "1-2");
    assert_int_equal(hilo_store_outbox_del_argv(&c, "1-2"), 0);
    CHECK(&c, "XDEL", Q, "1-2");

    struct hilo_store_outbox_move mv = {.now_ms = 1700000000123ULL, .count = 50};
    assert_int_equal(hilo_store_outbox_move_argv(&c, &mv), 0);
    assert_int_equal(c.argc, 7);
    assert_string_equal(c.argv[0], "EVALSHA");
    assert_string_equal(c.argv[2], "2");
    assert_string_equal(c.argv[3], Q);
    assert_string_equal(c.argv[4], "hilo:{ob}:due");
    assert_string_equal(c.argv[5], "1700000000123");
    assert_string_equal(c.argv[6], "50");
}

static void outbox_retries_and_dead(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    struct hilo_store_outbox_due due = {.at_ms = 42, .entry = "{\"ref\":\"1\"}"};
    assert_int_equal(hilo_store_outbox_due_argv(&c, &due), 0);
    CHECK(&c, "ZADD", "hilo:{ob}:due", "42", "{\"ref\":\"1\"}");

    struct hilo_store_outbox_dead d = {
        .ref = "40718263", .event_id = "5-0", .at_ms = 7, .entry = "{}"};
    assert_int_equal(hilo_store_outbox_dead_add_argv(&c, &d), 0);
    CHECK(&c, "ZADD", "hilo:{ob}:dead", "7", "40718263 5-0");
    assert_int_equal(hilo_store_outbox_deadx_set_argv(&c, &d), 0);
    CHECK(&c, "HSET", "hilo:{ob}:deadx", "40718263 5-0", "{}");
    assert_int_equal(hilo_store_outbox_dead_rem_argv(&c, &d), 0);
    CHECK(&c, "ZREM", "hilo:{ob}:dead", "40718263 5-0");
    assert_int_equal(hilo_store_outbox_deadx_del_argv(&c, &d), 0);
    CHECK(&c, "HDEL", "hilo:{ob}:deadx", "40718263 5-0");
    assert_int_equal(hilo_store_outbox_dead_get_argv(&c, &d), 0);
    CHECK(&c, "HGET", "hilo:{ob}:deadx", "40718263 5-0");

    struct hilo_store_sent_pid p = {
        .provider = "twilio", .provider_id = "SM1", .ref = "40718263", .event_id = "5-0"};
    assert_int_equal(hilo_store_sent_pid_argv(&c, &p), 0);
    CHECK(&c, "SET", "hilo:pid:twilio:SM1", "40718263 5-0", "EX", "2592000");
    struct hilo_store_sent_msgid m = {.msgid = "<a@b>", .ref = "40718263"};
    assert_int_equal(hilo_store_sent_msgid_argv(&c, &m), 0);
    CHECK(&c, "SET", "hilo:msgid:<a@b>", "40718263", "EX", "15552000");
}

/* Issue #10: the entry of an accepted message, kept for a later failure;
 * the UNDELIV script is refused before the scripts are loaded, and for a
 * reference no ticket could have. */
static void sent_entry_and_undelivered(void **state)
{
    struct hilo_store_cmd c;
    struct hilo_store_argv a;
    (void)state;
    struct hilo_store_sent_entry se = {.ref = "40718263", .event_id = "5-0", .entry = "{\"ch\":\"sms\"}"};
    assert_int_equal(hilo_store_sent_entry_argv(&c, &se), 0);
    CHECK(&c, "HSET", "hilo:{t:40718263}:obx", "5-0", "{\"ch\":\"sms\"}");
    assert_int_equal(hilo_store_sent_entry_del_argv(&c, &se), 0);
    CHECK(&c, "HDEL", "hilo:{t:40718263}:obx", "5-0");
    char longref[80];
    memset(longref, '1', sizeof longref - 1);
    longref[sizeof longref - 1] = '\0';
    se.ref = longref;
    assert_int_equal(hilo_store_sent_entry_argv(&c, &se), -HILO_EINTERNAL);
    struct hilo_store_undelivered u = {.chan = "ch", .ref = "40718263", .event_id = "5-0",
                                       .error = "30003: x", .bury = 1, .at_ms = 9};
    assert_int_equal(hilo_store_undelivered_argv(&a, &u), -HILO_EUNAVAIL); /* not loaded */
    u.ref = longref;
    assert_int_equal(hilo_store_undelivered_argv(&a, &u), -HILO_EINTERNAL);
    u.ref = "";
    assert_int_equal(hilo_store_undelivered_argv(&a, &u), -HILO_EINTERNAL);
}

static void webhooks(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    struct hilo_store_webhook_lock lk = {.ref = "40718263", .holder = "9-1", .ttl_ms = 60000};
    assert_int_equal(hilo_store_webhook_lock_argv(&c, &lk), 0);
    CHECK(&c, "SET", "hilo:{t:40718263}:whl", "9-1", "NX", "PX", "60000");
    assert_int_equal(hilo_store_webhook_unlock_argv(&c, &lk), 0);
    CHECK(&c, "EVAL",
          "if redis.call('GET', KEYS[1]) == ARGV[1] then "
          "return redis.call('DEL', KEYS[1]) end return 0",
          "1", "hilo:{t:40718263}:whl", "9-1");

    struct hilo_store_webhook_cursor cur = {.ref = "40718263", .upto = "5-0"};
    assert_int_equal(hilo_store_webhook_cursor_get_argv(&c, &cur), 0);
    CHECK(&c, "HGET", "hilo:{t:40718263}:tk", "webhook_cursor");
    assert_int_equal(hilo_store_webhook_cursor_set_argv(&c, &cur), 0);
    CHECK(&c, "HSET", "hilo:{t:40718263}:tk", "webhook_cursor", "5-0");

    assert_int_equal(hilo_store_webhook_log_push_argv(&c, "{}"), 0);
    CHECK(&c, "LPUSH", "hilo:{ob}:whlog", "{}");
    assert_int_equal(hilo_store_webhook_log_trim_argv(&c), 0);
    CHECK(&c, "LTRIM", "hilo:{ob}:whlog", "0", "199");
}

/* inbound/pipeline.c and voice.c */
static void records(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    struct hilo_store_seen seen = {
        .provider = "whatsapp", .provider_id = "wamid.1", .ref = "40718263", .ttl_s = 2592000};
    assert_int_equal(hilo_store_seen_get_argv(&c, &seen), 0);
    CHECK(&c, "GET", "hilo:seen:whatsapp:wamid.1");
    assert_int_equal(hilo_store_seen_set_argv(&c, &seen), 0);
    CHECK(&c, "SET", "hilo:seen:whatsapp:wamid.1", "40718263", "EX", "2592000");

    assert_int_equal(hilo_store_ident_get_argv(&c, "phone:+34600"), 0);
    CHECK(&c, "GET", "hilo:ident:phone:+34600");
    assert_int_equal(hilo_store_msgid_get_argv(&c, "-"), 0);
    CHECK(&c, "GET", "hilo:msgid:-");
    assert_int_equal(hilo_store_customer_current_argv(&c, "c1"), 0);
    CHECK(&c, "HGET", "hilo:{c:c1}:cu", "cur");

    static const char *const fields[] = {"status", "locale", "customer"};
    struct hilo_store_ticket_fields tf = {.ref = "40718263", .fields = fields, .nfields = 3};
    assert_int_equal(hilo_store_ticket_fields_argv(&c, &tf), 0);
    CHECK(&c, "HMGET", "hilo:{t:40718263}:tk", "status", "locale", "customer");
    tf.nfields = 0;
    assert_int_equal(hilo_store_ticket_fields_argv(&c, &tf), -HILO_EINTERNAL);

    struct hilo_store_call call = {.sid = "CA1", .ref = "40718263", .ttl_s = 86400};
    assert_int_equal(hilo_store_call_get_argv(&c, &call), 0);
    CHECK(&c, "GET", "hilo:call:CA1");
    assert_int_equal(hilo_store_call_set_argv(&c, &call), 0);
    CHECK(&c, "SET", "hilo:call:CA1", "40718263", "EX", "86400");

    struct hilo_store_pid pid = {.provider = "twilio", .provider_id = "SM1"};
    assert_int_equal(hilo_store_pid_get_argv(&c, &pid), 0);
    CHECK(&c, "GET", "hilo:pid:twilio:SM1");
}

/* domain/tickets.c, ws_customer.c, live.c, ws_agent.c */
static void customers(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    assert_int_equal(hilo_store_customer_get_argv(&c, "c1"), 0);
    CHECK(&c, "HGETALL", "hilo:{c:c1}:cu");
    assert_int_equal(hilo_store_customer_ids_argv(&c, "c1"), 0);
    CHECK(&c, "SMEMBERS", "hilo:{c:c1}:ids");
    assert_int_equal(hilo_store_customer_ids_add_argv(&c, "c1", "web:ab"), 0);
    CHECK(&c, "SADD", "hilo:{c:c1}:ids", "web:ab");
    struct hilo_store_customer_tickets tix = {.customer = "c1", .stop = 10};
    assert_int_equal(hilo_store_customer_tickets_argv(&c, &tix), 0);
    CHECK(&c, "ZREVRANGE", "hilo:{c:c1}:tix", "0", "10");

    struct hilo_store_ident_link link = {.identity = "web:ab", .customer = "c1"};
    assert_int_equal(hilo_store_ident_link_argv(&c, &link), 0);
    CHECK(&c, "SET", "hilo:ident:web:ab", "c1");
    link.nx = 1;
    assert_int_equal(hilo_store_ident_link_argv(&c, &link), 0);
    CHECK(&c, "SET", "hilo:ident:web:ab", "c1", "NX");

    struct hilo_store_search_email ix = {.email = "Ana.Ruiz@Example.COM", .customer = "c1"};
    assert_int_equal(hilo_store_search_email_argv(&c, &ix), 0);
    CHECK(&c, "SADD", "hilo:ix:email:ana.ruiz@example.com", "c1");

    assert_int_equal(hilo_store_agent_profile_argv(&c, "maria"), 0);
    CHECK(&c, "HMGET", "hilo:agent:maria", "name", "team");
}

/* domain/tickets.c, ws_agent.c, followup.c, presence.c */
static void indexes_timers_viewers(void **state)
{
    struct hilo_store_cmd c;
    char chan[64];
    (void)state;
    struct hilo_store_index_entry e = {.index = HILO_STORE_IDX_ACTIVE, .ref = "40718263", .at_ms = 9};
    assert_int_equal(hilo_store_index_add_argv(&c, &e), 0);
    CHECK(&c, "ZADD", "hilo:idx:active", "NX", "9", "40718263");
    assert_int_equal(hilo_store_index_rem_argv(&c, &e), 0);
    CHECK(&c, "ZREM", "hilo:idx:active", "40718263");
    e.index = HILO_STORE_IDX_ALL;
    assert_int_equal(hilo_store_index_add_argv(&c, &e), 0);
    CHECK(&c, "ZADD", "hilo:idx:all", "NX", "9", "40718263");
    struct hilo_store_index_range rg = {.index = HILO_STORE_IDX_ACTIVE, .start = 0, .stop = 999};
    assert_int_equal(hilo_store_index_range_argv(&c, &rg), 0);
    CHECK(&c, "ZRANGE", "hilo:idx:active", "0", "999");

    struct hilo_store_timer t = {.member = "followup:40718263", .at_ms = 77};
    assert_int_equal(hilo_store_timer_set_argv(&c, &t), 0);
    CHECK(&c, "ZADD", "hilo:timers", "77", "followup:40718263");
    assert_int_equal(hilo_store_timer_clear_argv(&c, &t), 0);
    CHECK(&c, "ZREM", "hilo:timers", "followup:40718263");
    struct hilo_store_timers_due due = {.now_ms = 5, .lease_ms = 60000, .count = 100};
    assert_int_equal(hilo_store_timers_due_argv(&c, &due), 0);
    assert_int_equal(c.argc, 7);
    assert_string_equal(c.argv[0], "EVALSHA");
    assert_string_equal(c.argv[2], "1");
    assert_string_equal(c.argv[3], "hilo:timers");
    assert_string_equal(c.argv[4], "5");
    assert_string_equal(c.argv[5], "60000");
    assert_string_equal(c.argv[6], "100");

    struct hilo_store_viewer v = {.ref = "40718263", .agent = "maria", .ms = 1800000};
    assert_int_equal(hilo_store_viewer_set_argv(&c, &v), 0);
    CHECK(&c, "HSET", "hilo:{t:40718263}:vw", "maria", "1800000");
    assert_int_equal(hilo_store_viewer_clear_argv(&c, &v), 0);
    CHECK(&c, "HDEL", "hilo:{t:40718263}:vw", "maria");
    assert_int_equal(hilo_store_viewers_expire_argv(&c, &v), 0);
    CHECK(&c, "PEXPIRE", "hilo:{t:40718263}:vw", "1800000");
    assert_int_equal(hilo_store_viewers_get_argv(&c, &v), 0);
    CHECK(&c, "HGETALL", "hilo:{t:40718263}:vw");

    assert_int_equal(hilo_store_events_channel(chan, sizeof chan), 11);
    assert_string_equal(chan, "hilo:events");
    struct hilo_store_publish pub = {.channel = chan, .message = "1\nYa{}xx", .len = 6};
    assert_int_equal(hilo_store_publish_argv(&c, &pub), 0);
    CHECK(&c, "PUBLISH", "hilo:events", "1\nYa{}");
}

/* api/reports.c, search.c, tickets.c, outbox.c, rest.c */
static void api_reads(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    assert_int_equal(hilo_store_ticket_get_argv(&c, "40718263"), 0);
    CHECK(&c, "HGETALL", "hilo:{t:40718263}:tk");
    struct hilo_store_ticket_field f = {.ref = "40718263", .field = "name"};
    assert_int_equal(hilo_store_ticket_field_argv(&c, &f), 0);
    CHECK(&c, "HGET", "hilo:{t:40718263}:tk", "name");
    f.field = "ack";
    assert_int_equal(hilo_store_dedupe_get_argv(&c, &f), 0);
    CHECK(&c, "HGET", "hilo:{t:40718263}:dd", "ack");
    struct hilo_store_thread_range tr = {.ref = "40718263", .count = 1000};
    assert_int_equal(hilo_store_thread_range_argv(&c, &tr), 0);
    CHECK(&c, "XRANGE", "hilo:{t:40718263}:ev", "-", "+", "COUNT", "1000");
    assert_int_equal(hilo_store_search_members_argv(&c, "phone:+34600"), 0);
    CHECK(&c, "SMEMBERS", "hilo:ix:phone:+34600");
    assert_int_equal(hilo_store_apikey_get_argv(&c, "ab12"), 0);
    CHECK(&c, "GET", "hilo:apikey:ab12");

    struct hilo_store_index_range rg = {
        .index = HILO_STORE_IDX_ALL, .start = 0, .stop = 199, .rev = 1};
    assert_int_equal(hilo_store_index_range_argv(&c, &rg), 0);
    CHECK(&c, "ZREVRANGE", "hilo:idx:all", "0", "199");
    struct hilo_store_index_between bt = {
        .index = HILO_STORE_IDX_ALL, .from_ms = 1000, .to_ms = 2000, .limit = 5000};
    assert_int_equal(hilo_store_index_between_argv(&c, &bt), 0);
    CHECK(&c, "ZRANGEBYSCORE", "hilo:idx:all", "1000", "2000", "LIMIT", "0", "5000");

    assert_int_equal(hilo_store_outbox_dead_list_argv(&c, 199), 0);
    CHECK(&c, "ZREVRANGE", "hilo:{ob}:dead", "0", "199");
    assert_int_equal(hilo_store_webhook_log_read_argv(&c, 199), 0);
    CHECK(&c, "LRANGE", "hilo:{ob}:whlog", "0", "199");
}

static void bad_input_is_refused(void **state)
{
    struct hilo_store_cmd c;
    char big[400];
    (void)state;
    const char *f[HILO_STORE_OUTBOX_FIELDS + 2] = {0};
    struct hilo_store_outbox_add add = {.fields = f, .nfields = 3};
    assert_int_equal(hilo_store_outbox_add_argv(&c, &add), -HILO_EINTERNAL);
    add.nfields = HILO_STORE_OUTBOX_FIELDS + 2;
    assert_int_equal(hilo_store_outbox_add_argv(&c, &add), -HILO_EINTERNAL);
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct hilo_store_outbox_dead d = {.ref = big, .event_id = "1-0"};
    assert_int_equal(hilo_store_outbox_dead_get_argv(&c, &d), -HILO_EINTERNAL);
    struct hilo_store_sent_msgid m = {.msgid = big, .ref = "1"};
    assert_int_equal(hilo_store_sent_msgid_argv(&c, &m), -HILO_EINTERNAL);
    /* an over-long provider id is cut (299 bytes of "<provider>:<id>"), as
     * the inbound pipeline always did, not refused */
    struct hilo_store_seen seen = {.provider = "p", .provider_id = big};
    assert_int_equal(hilo_store_seen_get_argv(&c, &seen), 0);
    assert_int_equal(c.lens[1], strlen("hilo:seen:") + 299);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outbox_stream),
        cmocka_unit_test(outbox_retries_and_dead),
        cmocka_unit_test(webhooks),
        cmocka_unit_test(records),
        cmocka_unit_test(customers),
        cmocka_unit_test(indexes_timers_viewers),
        cmocka_unit_test(api_reads),
        cmocka_unit_test(bad_input_is_refused),
        cmocka_unit_test(sent_entry_and_undelivered),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
