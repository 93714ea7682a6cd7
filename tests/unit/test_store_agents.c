/* The typed ops on agents, sessions, login throttling, API keys and the
 * link (store_agents.h) build exactly the commands their callers (domain,
 * REST API, CLI) used to build by hand. No Redis needed: the command is
 * built into a struct and inspected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hilo/common.h"
#include "hilo/keys.h"
#include "hilo/scripts.h"
#include "hilo/store.h"
#include "hilo/store_agents.h"
#include "hilo/store_limits.h"

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
    return hilo_keys_init("hx");
}

static int teardown(void **state)
{
    (void)state;
    hilo_keys_deinit();
    return 0;
}

static void agents(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    assert_int_equal(hilo_store_agent_get_argv(&c, "ana"), 0);
    CHECK(&c, "HGETALL", "hx:agent:ana");
    assert_int_equal(hilo_store_agent_exists_argv(&c, "ana"), 0);
    CHECK(&c, "EXISTS", "hx:agent:ana");
    assert_int_equal(hilo_store_agent_role_argv(&c, "ana"), 0);
    CHECK(&c, "HGET", "hx:agent:ana", "role");
    assert_int_equal(hilo_store_agent_del_argv(&c, "ana"), 0);
    CHECK(&c, "DEL", "hx:agent:ana");
    assert_int_equal(hilo_store_agents_add_argv(&c, "ana"), 0);
    CHECK(&c, "SADD", "hx:agents", "ana");
    assert_int_equal(hilo_store_agents_rem_argv(&c, "ana"), 0);
    CHECK(&c, "SREM", "hx:agents", "ana");
    assert_int_equal(hilo_store_agents_list_argv(&c), 0);
    CHECK(&c, "SORT", "hx:agents", "ALPHA");
    /* an invalid login name is looked up as "" */
    assert_int_equal(hilo_store_agent_get_argv(&c, NULL), 0);
    CHECK(&c, "HGETALL", "hx:agent:");
}

static void agent_writes(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    struct hilo_store_agent_set create = {.name = "ana", .create = 1, .created_at_ms = 1700000000001ULL,
                                          .display = "Ana", .role = "admin", .team = "es",
                                          .pwhash = "$argon2id$x", .epoch = "e1"};
    assert_int_equal(hilo_store_agent_set_argv(&c, &create), 0);
    CHECK(&c, "HSET", "hx:agent:ana", "name", "ana", "display", "Ana", "role", "admin", "team",
          "es", "pwhash", "$argon2id$x", "created_at", "1700000000001", "epoch", "e1");
    struct hilo_store_agent_set pw = {.name = "ana", .pwhash = "$h", .epoch = "e2"};
    assert_int_equal(hilo_store_agent_set_argv(&c, &pw), 0);
    CHECK(&c, "HSET", "hx:agent:ana", "pwhash", "$h", "epoch", "e2");
    struct hilo_store_agent_set patch = {.name = "ana", .role = "agent", .epoch = "e3"};
    assert_int_equal(hilo_store_agent_set_argv(&c, &patch), 0);
    CHECK(&c, "HSET", "hx:agent:ana", "role", "agent", "epoch", "e3");
    /* nothing to write is a caller's bug, not an HSET Redis refuses */
    struct hilo_store_agent_set none = {.name = "ana"};
    assert_int_equal(hilo_store_agent_set_argv(&c, &none), -HILO_EINTERNAL);
    /* an empty value is written (cleared team), NULL is not */
    struct hilo_store_agent_set team = {.name = "ana", .team = ""};
    assert_int_equal(hilo_store_agent_set_argv(&c, &team), 0);
    CHECK(&c, "HSET", "hx:agent:ana", "team", "");
}

static void sessions(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    struct hilo_store_session s = {.token_hash = "ab12", .name = "ana", .display = "Ana",
                                   .role = "agent", .epoch = "e1", .exp_ms = 1700000000123ULL};
    assert_int_equal(hilo_store_session_save_argv(&c, &s), 0);
    CHECK(&c, "HSET", "hx:sess:ab12", "name", "ana", "display", "Ana", "role", "agent", "exp",
          "1700000000123", "epoch", "e1");
    assert_int_equal(hilo_store_session_expire_argv(&c, &s), 0);
    CHECK(&c, "PEXPIREAT", "hx:sess:ab12", "1700000000123");
    assert_int_equal(hilo_store_session_epoch_argv(&c, &s), 0);
    CHECK(&c, "HSET", "hx:sess:ab12", "epoch", "e1");
    assert_int_equal(hilo_store_session_get_argv(&c, "ab12"), 0);
    CHECK(&c, "HGETALL", "hx:sess:ab12");
    assert_int_equal(hilo_store_session_name_argv(&c, "ab12"), 0);
    CHECK(&c, "HGET", "hx:sess:ab12", "name");
    assert_int_equal(hilo_store_session_del_argv(&c, "ab12"), 0);
    CHECK(&c, "DEL", "hx:sess:ab12");
}

static void login_throttle(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    assert_int_equal(hilo_store_login_lock_ttl_argv(&c, "ip:127.0.0.1"), 0);
    CHECK(&c, "PTTL", "hx:login:lock:ip:127.0.0.1");
    assert_int_equal(hilo_store_login_fail_clear_argv(&c, "n:ana"), 0);
    CHECK(&c, "DEL", "hx:login:fail:n:ana");
    struct hilo_store_login_fail f = {.who = "n:ana", .window_ms = 900000, .max = 5, .base_ms = 1000};
    assert_int_equal(hilo_store_login_fail_argv(&c, &f), 0);
    assert_int_equal(c.argc, 8);
    assert_string_equal(c.argv[0], "EVALSHA");
    assert_ptr_equal(c.argv[1], hilo_scripts_sha(HILO_S_LOGIN_FAIL));
    assert_string_equal(c.argv[2], "2");
    assert_string_equal(c.argv[3], "hx:login:fail:n:ana");
    assert_string_equal(c.argv[4], "hx:login:lock:n:ana");
    assert_string_equal(c.argv[5], "900000");
    assert_string_equal(c.argv[6], "5");
    assert_string_equal(c.argv[7], "1000");
    /* the script is embedded and counts with INCR + PEXPIRE */
    assert_non_null(strstr(hilo_scripts_source(HILO_S_LOGIN_FAIL), "'INCR', KEYS[1]"));
}

static void apikeys(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    struct hilo_store_apikey k = {.name = "crm", .sha256_hex = "ff00"};
    assert_int_equal(hilo_store_apikey_set_argv(&c, &k), 0);
    CHECK(&c, "SET", "hx:apikey:ff00", "crm");
    assert_int_equal(hilo_store_apikey_index_argv(&c, &k), 0);
    CHECK(&c, "HSET", "hx:apikeys", "crm", "ff00");
    assert_int_equal(hilo_store_apikey_del_argv(&c, &k), 0);
    CHECK(&c, "DEL", "hx:apikey:ff00");
    assert_int_equal(hilo_store_apikey_unindex_argv(&c, &k), 0);
    CHECK(&c, "HDEL", "hx:apikeys", "crm");
    assert_int_equal(hilo_store_apikey_exists_argv(&c, "crm"), 0);
    CHECK(&c, "HEXISTS", "hx:apikeys", "crm");
    assert_int_equal(hilo_store_apikey_hash_argv(&c, "crm"), 0);
    CHECK(&c, "HGET", "hx:apikeys", "crm");
    assert_int_equal(hilo_store_apikeys_list_argv(&c), 0);
    CHECK(&c, "HKEYS", "hx:apikeys");
}

static void link_commands(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    assert_int_equal(hilo_store_ping_argv(&c), 0);
    CHECK(&c, "PING");
    assert_int_equal(hilo_store_multi_argv(&c), 0);
    CHECK(&c, "MULTI");
    assert_int_equal(hilo_store_exec_argv(&c), 0);
    CHECK(&c, "EXEC");
    assert_int_equal(hilo_store_discard_argv(&c), 0);
    CHECK(&c, "DISCARD");
    assert_int_equal(hilo_store_auth_argv(&c, "s3cret pw"), 0);
    CHECK(&c, "AUTH", "s3cret pw");
    assert_int_equal(hilo_store_select_argv(&c, 3), 0);
    CHECK(&c, "SELECT", "3");
}

static void ticket_rate(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    struct hilo_store_ticket_rate op = {.who = "ip:198.51.100.7", .window_ms = 600000};
    assert_int_equal(hilo_store_ticket_rate_incr_argv(&c, &op), 0);
    CHECK(&c, "INCR", "hx:rate:tk:ip:198.51.100.7");
    assert_int_equal(hilo_store_ticket_rate_start_argv(&c, &op), 0);
    CHECK(&c, "PEXPIRE", "hx:rate:tk:ip:198.51.100.7", "600000", "NX");
    assert_int_equal(hilo_store_ticket_rate_ttl_argv(&c, &op), 0);
    CHECK(&c, "PTTL", "hx:rate:tk:ip:198.51.100.7");

    /* the EXEC reply: {count, pexpire 0/1, pttl} */
    redisReply n = {.type = REDIS_REPLY_INTEGER}, e = {.type = REDIS_REPLY_INTEGER, .integer = 0},
               t = {.type = REDIS_REPLY_INTEGER, .integer = 1500};
    redisReply *els[] = {&n, &e, &t};
    redisReply exec = {.type = REDIS_REPLY_ARRAY, .elements = 3, .element = els};
    uint32_t retry = 0;
    n.integer = 3;
    assert_int_equal(hilo_store_ticket_rate_result(&exec, 3, &retry), 0);
    n.integer = 4;
    assert_int_equal(hilo_store_ticket_rate_result(&exec, 3, &retry), -HILO_ERATE);
    assert_int_equal(retry, 2); /* 1.5 s rounds up */
    t.integer = -1;              /* no expiry: still a retry hint */
    assert_int_equal(hilo_store_ticket_rate_result(&exec, 3, &retry), -HILO_ERATE);
    assert_int_equal(retry, 1);
    assert_int_equal(hilo_store_ticket_rate_result(NULL, 3, &retry), -HILO_EUNAVAIL);
    exec.elements = 2;
    assert_int_equal(hilo_store_ticket_rate_result(&exec, 3, &retry), -HILO_EUNAVAIL);
}

static void too_long_is_refused(void **state)
{
    struct hilo_store_cmd c;
    char big[500];
    (void)state;
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(hilo_store_agent_get_argv(&c, big), -HILO_EINTERNAL);
    assert_int_equal(hilo_store_session_get_argv(&c, big), -HILO_EINTERNAL);
    struct hilo_store_login_fail f = {.who = big, .window_ms = 1, .max = 1, .base_ms = 1};
    assert_int_equal(hilo_store_login_fail_argv(&c, &f), -HILO_EINTERNAL);
    struct hilo_store_agent_set s = {.name = big, .epoch = "e"};
    assert_int_equal(hilo_store_agent_set_argv(&c, &s), -HILO_EINTERNAL);
    /* and a refused build is never sent: the tx records the error */
    struct hilo_tx tx = {0};
    assert_int_equal(hilo_tx_agent_get(&tx, big), -HILO_EINTERNAL);
    assert_int_equal(tx.rc, -HILO_EINTERNAL);
    assert_int_equal(tx.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(agents),
        cmocka_unit_test(agent_writes),
        cmocka_unit_test(sessions),
        cmocka_unit_test(login_throttle),
        cmocka_unit_test(apikeys),
        cmocka_unit_test(link_commands),
        cmocka_unit_test(ticket_rate),
        cmocka_unit_test(too_long_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
