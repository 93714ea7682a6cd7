#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hilo/redis.h"

static void tcp_urls(void **state)
{
    struct hilo_redis_url u;
    (void)state;
    assert_int_equal(hilo_redis_url_parse("redis://127.0.0.1:6390", &u), 0);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6390);
    assert_null(u.password);
    assert_int_equal(u.db, 0);
    hilo_redis_url_free(&u);
    assert_int_equal(hilo_redis_url_parse("redis://:s3cret@cache.internal/3", &u), 0);
    assert_string_equal(u.host, "cache.internal");
    assert_int_equal(u.port, 6379);
    assert_string_equal(u.password, "s3cret");
    assert_int_equal(u.db, 3);
    hilo_redis_url_free(&u);
    assert_int_equal(hilo_redis_url_parse("redis://user:pw@h:1", &u), 0);
    assert_string_equal(u.password, "pw");
    hilo_redis_url_free(&u);
}

static void unix_urls(void **state)
{
    struct hilo_redis_url u;
    (void)state;
    assert_int_equal(hilo_redis_url_parse("unix:///var/run/redis.sock", &u), 0);
    assert_string_equal(u.path, "/var/run/redis.sock");
    assert_null(u.host);
    hilo_redis_url_free(&u);
}

static void bad_urls(void **state)
{
    struct hilo_redis_url u;
    const char *bad[] = {"", "http://x", "redis://", "redis://h:0", "redis://h:70000",
                         "redis://h:12x", "redis://h/abc", "unix://relative"};
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(hilo_redis_url_parse(bad[i], &u), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_urls),
        cmocka_unit_test(unix_urls),
        cmocka_unit_test(bad_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
