#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/keys.h"

/* The hash tag Redis Cluster uses: text between the first { and next }. */
static void tag_of(const char *key, char *out)
{
    const char *o = strchr(key, '{'), *c = o ? strchr(o, '}') : NULL;
    if (!o || !c) {
        strcpy(out, key);
        return;
    }
    memcpy(out, o + 1, (size_t)(c - o - 1));
    out[c - o - 1] = '\0';
}

static void ticket_keys_share_a_slot(void **state)
{
    char a[128], b[128], ta[64], tb[64];
    enum hilo_key ks[] = {HILO_K_TICKET, HILO_K_THREAD, HILO_K_DEDUPE, HILO_K_RESERVE};
    (void)state;
    hilo_keys_init("hilo");
    hilo_key(a, sizeof a, HILO_K_TICKET, "40718263");
    tag_of(a, ta);
    assert_string_equal(ta, "t:40718263");
    for (size_t i = 0; i < 4; i++) {
        hilo_key(b, sizeof b, ks[i], "40718263");
        tag_of(b, tb);
        assert_string_equal(ta, tb);
    }
    hilo_key(a, sizeof a, HILO_K_CUSTOMER, "c1");
    hilo_key(b, sizeof b, HILO_K_CUST_TIX, "c1");
    tag_of(a, ta);
    tag_of(b, tb);
    assert_string_equal(ta, tb);
    hilo_keys_deinit();
}

static void names_and_prefix(void **state)
{
    char k[128];
    (void)state;
    hilo_keys_init("acme");
    hilo_key(k, sizeof k, HILO_K_THREAD, "123");
    assert_string_equal(k, "acme:{t:123}:ev");
    hilo_key(k, sizeof k, HILO_K_IDENT, "web:abc");
    assert_string_equal(k, "acme:ident:web:abc");
    hilo_key(k, sizeof k, HILO_K_EVENTS, NULL);
    assert_string_equal(k, "acme:events");
    hilo_key(k, sizeof k, HILO_K_IDX_ACTIVE, NULL);
    assert_string_equal(k, "acme:idx:active");
    hilo_keys_deinit();
}

static void too_small_buffer(void **state)
{
    char k[8];
    (void)state;
    hilo_keys_init("hilo");
    assert_int_equal(hilo_key(k, sizeof k, HILO_K_TICKET, "40718263"), -1);
    hilo_keys_deinit();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ticket_keys_share_a_slot),
        cmocka_unit_test(names_and_prefix),
        cmocka_unit_test(too_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
