/* Origins, trusted proxies and client addresses, open sockets per address
 * (src/net/addr.c), and the static files' allow-list (src/net/static.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/net/internal.h"

static void test_origin_norm(void **state)
{
    char o[256];
    const char *u = "HTTPS://Support.Example.com:443/console/?x";
    (void)state;
    assert_int_equal(hilo_net_origin_norm(u, strlen(u), o, sizeof o), 0);
    assert_string_equal(o, "https://support.example.com");
    u = "http://127.0.0.1:8080";
    assert_int_equal(hilo_net_origin_norm(u, strlen(u), o, sizeof o), 0);
    assert_string_equal(o, "http://127.0.0.1:8080");
    u = "http://h:80";
    assert_int_equal(hilo_net_origin_norm(u, strlen(u), o, sizeof o), 0);
    assert_string_equal(o, "http://h");
    assert_int_equal(hilo_net_origin_norm("null", 4, o, sizeof o), -1);
    assert_int_equal(hilo_net_origin_norm("http://u@h", 10, o, sizeof o), -1);
    assert_int_equal(hilo_net_origin_norm("http://", 7, o, sizeof o), -1);
}

static void test_origin_listed(void **state)
{
    (void)state;
    const char *list = " https://a.example , http://b.example:8080,*";
    assert_true(hilo_net_origin_listed(list, "https://a.example", 0));
    assert_true(hilo_net_origin_listed(list, "https://A.example:443", 0));
    assert_true(hilo_net_origin_listed(list, "http://b.example:8080", 0));
    assert_false(hilo_net_origin_listed(list, "http://b.example", 0));
    assert_false(hilo_net_origin_listed(list, "https://evil.example", 0));
    assert_true(hilo_net_origin_listed(list, "https://evil.example", 1)); /* "*" */
    assert_false(hilo_net_origin_listed("", "https://a.example", 1));
    assert_false(hilo_net_origin_listed(list, NULL, 1));
}

/* Another port of the same host is the same site but not the console. */
static void test_console_origin(void **state)
{
    (void)state;
    assert_true(hilo_net_console_origin_ok("", "", "http://127.0.0.1:8080", "127.0.0.1:8080"));
    assert_false(hilo_net_console_origin_ok("", "", "http://127.0.0.1:8081", "127.0.0.1:8080"));
    assert_false(hilo_net_console_origin_ok("", "", "null", "127.0.0.1:8080"));
    assert_false(hilo_net_console_origin_ok("", "", NULL, "127.0.0.1:8080"));
    assert_true(hilo_net_console_origin_ok("", "", "http://h", "h:80"));
    /* public_url decides once set, whatever the Host */
    assert_true(hilo_net_console_origin_ok("", "https://support.example.com/", "https://support.example.com",
                                           "10.0.0.5:8080"));
    /* the host the request went to, with public_url's scheme only */
    assert_false(hilo_net_console_origin_ok("", "https://support.example.com", "http://10.0.0.5:8080",
                                            "10.0.0.5:8080"));
    assert_true(hilo_net_console_origin_ok("", "http://support.example.com", "http://10.0.0.5:8080",
                                           "10.0.0.5:8080"));
    assert_false(hilo_net_console_origin_ok("", "http://support.example.com", "http://10.0.0.5:8081",
                                            "10.0.0.5:8080"));
    assert_false(hilo_net_console_origin_ok("", "https://s.example", "http://s.example", "s.example"));
    /* the list decides once set; "*" is no wildcard here */
    assert_true(hilo_net_console_origin_ok("https://c.example", "https://s.example", "https://c.example",
                                           "s.example"));
    assert_false(hilo_net_console_origin_ok("https://c.example", "https://s.example", "https://s.example",
                                            "s.example"));
    assert_false(hilo_net_console_origin_ok("*", "", "https://evil.example", "evil.example"));
}

static void test_cidrs(void **state)
{
    struct hilo_cidr *v;
    size_t n;
    (void)state;
    assert_int_equal(hilo_net_cidrs_parse("10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1", &v, &n), 0);
    assert_int_equal(n, 4);
    assert_true(hilo_net_cidrs_match(v, n, "10.200.3.4"));
    assert_true(hilo_net_cidrs_match(v, n, "::ffff:10.1.1.1"));
    assert_true(hilo_net_cidrs_match(v, n, "192.168.1.7"));
    assert_false(hilo_net_cidrs_match(v, n, "192.168.1.8"));
    assert_true(hilo_net_cidrs_match(v, n, "fd12::1"));
    assert_true(hilo_net_cidrs_match(v, n, "::1"));
    assert_false(hilo_net_cidrs_match(v, n, "fe80::1"));
    assert_false(hilo_net_cidrs_match(v, n, "11.0.0.1"));
    assert_false(hilo_net_cidrs_match(v, n, "garbage"));
    free(v);
    assert_int_equal(hilo_net_cidrs_parse("172.16.0.0/12", &v, &n), 0);
    assert_true(hilo_net_cidrs_match(v, n, "172.31.255.255"));
    assert_false(hilo_net_cidrs_match(v, n, "172.32.0.0"));
    free(v);
    assert_int_equal(hilo_net_cidrs_parse("", &v, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(hilo_net_cidrs_parse("10.0.0.0/33", &v, &n), -EINVAL);
    assert_int_equal(hilo_net_cidrs_parse("10.0.0.1,proxy.example", &v, &n), -EINVAL);
    assert_int_equal(hilo_net_cidrs_parse("10.0.0.0/", &v, &n), -EINVAL);
}

static void test_client_ip(void **state)
{
    struct hilo_cidr *v;
    size_t n;
    char ip[64];
    (void)state;
    assert_int_equal(hilo_net_cidrs_parse("127.0.0.1, 10.0.0.0/8", &v, &n), 0);
    /* an untrusted peer's X-Forwarded-For is ignored */
    hilo_net_client_ip("203.0.113.9", "198.51.100.1", v, n, ip, sizeof ip);
    assert_string_equal(ip, "203.0.113.9");
    /* a trusted proxy vouches for the address to its left */
    hilo_net_client_ip("127.0.0.1", "198.51.100.1", v, n, ip, sizeof ip);
    assert_string_equal(ip, "198.51.100.1");
    /* a client cannot prepend its way past the first untrusted hop */
    hilo_net_client_ip("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", v, n, ip, sizeof ip);
    assert_string_equal(ip, "198.51.100.1");
    /* every hop trusted: the leftmost */
    hilo_net_client_ip("127.0.0.1", " 10.0.0.2 ,10.1.2.3", v, n, ip, sizeof ip);
    assert_string_equal(ip, "10.0.0.2");
    /* garbage stops the walk at the last good address */
    hilo_net_client_ip("127.0.0.1", "x, junk", v, n, ip, sizeof ip);
    assert_string_equal(ip, "127.0.0.1");
    hilo_net_client_ip("127.0.0.1", NULL, v, n, ip, sizeof ip);
    assert_string_equal(ip, "127.0.0.1");
    hilo_net_client_ip("::ffff:127.0.0.1", "198.51.100.1", v, n, ip, sizeof ip);
    assert_string_equal(ip, "198.51.100.1");
    free(v);
    /* no trusted proxies: always the peer */
    hilo_net_client_ip("127.0.0.1", "198.51.100.1", NULL, 0, ip, sizeof ip);
    assert_string_equal(ip, "127.0.0.1");
}

static void test_ipcount(void **state)
{
    static struct hilo_ipcounts t;
    (void)state;
    assert_int_equal(hilo_net_ipcount_get(&t, "1.2.3.4"), 0);
    assert_int_equal(hilo_net_ipcount_add(&t, "1.2.3.4", 1), 1);
    assert_int_equal(hilo_net_ipcount_add(&t, "1.2.3.4", 1), 2);
    assert_int_equal(hilo_net_ipcount_add(&t, "::1", 1), 1);
    assert_int_equal(hilo_net_ipcount_get(&t, "1.2.3.4"), 2);
    assert_int_equal(hilo_net_ipcount_add(&t, "1.2.3.4", -1), 1);
    assert_int_equal(hilo_net_ipcount_add(&t, "1.2.3.4", -1), 0);
    assert_int_equal(hilo_net_ipcount_get(&t, "1.2.3.4"), 0);
    assert_int_equal(hilo_net_ipcount_add(&t, "9.9.9.9", -1), 0);
    assert_int_equal(hilo_net_ipcount_get(&t, "::1"), 1);
    hilo_net_ipcount_clear(&t);
    assert_int_equal(hilo_net_ipcount_get(&t, "::1"), 0);
}

static void test_static_allowed(void **state)
{
    (void)state;
    assert_true(hilo_static_allowed("/index.html"));
    assert_true(hilo_static_allowed("/console/app.js"));
    assert_true(hilo_static_allowed("/console/index.html"));
    assert_true(hilo_static_allowed("/widget.js"));
    assert_true(hilo_static_allowed("/demo/logo.svg"));
    assert_false(hilo_static_allowed("/build.mjs"));
    assert_false(hilo_static_allowed("/console/src/api.js"));
    assert_false(hilo_static_allowed("/widget/src/main.js"));
    assert_false(hilo_static_allowed("/widget/README.md"));
    assert_false(hilo_static_allowed("/node_modules/x/index.js"));
    assert_false(hilo_static_allowed("/.git/config.js"));
    assert_false(hilo_static_allowed("/.env.txt"));
    assert_false(hilo_static_allowed("/app.js.map"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_origin_norm),   cmocka_unit_test(test_origin_listed),
        cmocka_unit_test(test_console_origin), cmocka_unit_test(test_cidrs),
        cmocka_unit_test(test_client_ip),     cmocka_unit_test(test_ipcount),
        cmocka_unit_test(test_static_allowed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
