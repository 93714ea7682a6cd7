#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hilo/net.h"

static char root[PATH_MAX], outside[PATH_MAX];

static void touch(const char *dir, const char *name)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    fputs("x", f);
    fclose(f);
}

static int setup(void **state)
{
    char p[PATH_MAX + 64];
    (void)state;
    snprintf(root, sizeof root, "/tmp/hilo-static-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(outside, sizeof outside, "/tmp/hilo-outside-XXXXXX");
    if (!mkdtemp(outside))
        return -1;
    touch(root, "index.html");
    snprintf(p, sizeof p, "%s/console", root);
    mkdir(p, 0700);
    touch(p, "index.html");
    touch(outside, "secret.txt");
    snprintf(p, sizeof p, "%s/escape", root);
    if (symlink(outside, p) < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    char cmd[PATH_MAX * 2 + 16];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", root, outside);
    return system(cmd) == 0 ? 0 : -1;
}

static void serves_files_and_indexes(void **state)
{
    char out[PATH_MAX], want[PATH_MAX + 32];
    (void)state;
    assert_int_equal(hilo_static_resolve(root, "/", out, sizeof out), 0);
    snprintf(want, sizeof want, "%s/index.html", root);
    assert_string_equal(out, want);
    assert_int_equal(hilo_static_resolve(root, "/console", out, sizeof out), 0);
    assert_int_equal(hilo_static_resolve(root, "/console/", out, sizeof out), 0);
    snprintf(want, sizeof want, "%s/console/index.html", root);
    assert_string_equal(out, want);
    assert_int_equal(hilo_static_resolve(root, "/missing.js", out, sizeof out), -ENOENT);
}

static void refuses_traversal(void **state)
{
    char out[PATH_MAX];
    (void)state;
    assert_int_equal(hilo_static_resolve(root, "/../etc/passwd", out, sizeof out), -EACCES);
    assert_int_equal(hilo_static_resolve(root, "/console/../../x", out, sizeof out), -EACCES);
    assert_int_equal(hilo_static_resolve(root, "//etc/passwd", out, sizeof out), -EACCES);
    assert_int_equal(hilo_static_resolve(root, "/a\\b", out, sizeof out), -EACCES);
    assert_int_equal(hilo_static_resolve(root, "relative", out, sizeof out), -EACCES);
    /* a symlink inside the root must not lead outside it */
    assert_int_equal(hilo_static_resolve(root, "/escape/secret.txt", out, sizeof out), -EACCES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serves_files_and_indexes),
        cmocka_unit_test(refuses_traversal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
