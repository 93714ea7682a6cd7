#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "hilo/proto.h"

static void ids(void **state)
{
    uint64_t ms, seq;
    (void)state;
    assert_int_equal(hilo_proto_parse_id("1763850000123-7", &ms, &seq), 0);
    assert_true(ms == 1763850000123ull && seq == 7);
    assert_int_equal(hilo_proto_parse_id("0", &ms, &seq), 0);
    assert_true(ms == 0 && seq == 0);
    assert_int_equal(hilo_proto_parse_id("17-", &ms, &seq), -1);
    assert_int_equal(hilo_proto_parse_id("-1-2", &ms, &seq), -1);
    assert_int_equal(hilo_proto_parse_id("1-2x", &ms, &seq), -1);
    assert_int_equal(hilo_proto_parse_id("abc", &ms, &seq), -1);
    assert_int_equal(hilo_proto_parse_id("", &ms, &seq), -1);
    /* numeric, not string, order */
    assert_true(hilo_proto_id_after(10, 0, 9, 99));
    assert_true(hilo_proto_id_after(9, 10, 9, 9));
    assert_false(hilo_proto_id_after(9, 9, 9, 9));
    assert_false(hilo_proto_id_after(8, 100, 9, 0));
}

static void chars(void **state)
{
    const char *s = "añ€😀";
    (void)state;
    assert_int_equal(hilo_proto_chars(s, strlen(s)), 4);
    assert_int_equal(hilo_proto_chars("", 0), 0);
}

static void tokens(void **state)
{
    (void)state;
    assert_true(hilo_proto_token_ok("v1.abcdefghijklmnopqrstuvwx"));
    assert_false(hilo_proto_token_ok("short"));
    assert_false(hilo_proto_token_ok("v1.abcdefghijklmnop qrstuvwx"));
    assert_false(hilo_proto_token_ok("v1.abcdefghijklmnop\"qrstuvwx"));
}

static void identity_signature(void **state)
{
    char sig[65];
    (void)state;
    /* computed independently: printf '42\nl@x.com\nLucía\n1763850000' |
     * openssl dgst -sha256 -hmac secret */
    assert_int_equal(hilo_proto_identity_sig("secret", "42", "l@x.com", "Lucía", 1763850000, sig), 0);
    assert_string_equal(sig, "b58b78c9b649b8c19d5bca85508c21e3fdad9f67c997037d71f5b6d9a1d43edb");
    char longid[2000];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    assert_int_equal(hilo_proto_identity_sig("s", longid, "", "", 1, sig), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ids),
        cmocka_unit_test(chars),
        cmocka_unit_test(tokens),
        cmocka_unit_test(identity_signature),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
