/* Widget uploads (include/hilo/upload.h, store_uploads.h): the type comes
 * from the first bytes only, names are cleaned, ids have one form, and the
 * key of a file is upload:<id>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "hilo/keys.h"
#include "hilo/store_uploads.h"
#include "hilo/upload.h"

#define SNIFF(lit) hilo_upload_sniff((const unsigned char *)(lit), sizeof(lit) - 1)

static void sniff(void **state)
{
    (void)state;
    assert_string_equal(SNIFF("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
    assert_string_equal(SNIFF("\xff\xd8\xff\xe0\0\x10JFIF"), "image/jpeg");
    assert_string_equal(SNIFF("GIF89a\1\0\1\0"), "image/gif");
    assert_string_equal(SNIFF("GIF87a\1\0\1\0"), "image/gif");
    assert_string_equal(SNIFF("RIFF\x24\0\0\0WEBPVP8 "), "image/webp");
    assert_string_equal(SNIFF("%PDF-1.7\n"), "application/pdf");
    /* what the name or a browser would call an image is not one */
    assert_null(SNIFF("<html><script>alert(1)</script>"));
    assert_null(SNIFF("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"));
    assert_null(SNIFF("RIFF\x24\0\0\0WAVEfmt "));
    assert_null(SNIFF("PK\3\4"));
    assert_null(SNIFF("\x89PNG\r\n"));  /* cut short */
    assert_null(SNIFF(" %PDF-1.7")); /* not at the start */
    assert_null(hilo_upload_sniff((const unsigned char *)"", 0));
}

static void names(void **state)
{
    char out[HILO_UPLOAD_NAME_MAX + 8];
    char longname[300];
    (void)state;
    hilo_upload_name("../../etc/captura \"1\".png", "image/png", out, sizeof out);
    assert_string_equal(out, "captura 1.png");
    hilo_upload_name("C:\\Users\\ana\\factura.pdf", "application/pdf", out, sizeof out);
    assert_string_equal(out, "factura.pdf");
    hilo_upload_name("a<b>\r\n\t.png", "image/png", out, sizeof out);
    assert_string_equal(out, "ab.png");
    hilo_upload_name("", "image/jpeg", out, sizeof out);
    assert_string_equal(out, "file.jpg");
    hilo_upload_name(NULL, "application/pdf", out, sizeof out);
    assert_string_equal(out, "file.pdf");
    hilo_upload_name("dir/", "image/gif", out, sizeof out);
    assert_string_equal(out, "file.gif");
    hilo_upload_name("..", "image/webp", out, sizeof out);
    assert_string_equal(out, "file.webp");
    /* at most HILO_UPLOAD_NAME_MAX bytes, never half a character */
    memset(longname, 'a', 99);
    snprintf(longname + 99, sizeof longname - 99, "%s", "ñandú.png");
    hilo_upload_name(longname, "image/png", out, sizeof out);
    assert_true(strlen(out) <= HILO_UPLOAD_NAME_MAX);
    /* cut whole, then the type's extension: 96 'a' and ".png" */
    assert_int_equal(strlen(out), HILO_UPLOAD_NAME_MAX);
    assert_string_equal(out + 96, ".png");
    assert_int_equal(out[95], 'a');
    /* the extension is always the sniffed type's: never "invoice.html" */
    hilo_upload_name("invoice.html", "application/pdf", out, sizeof out);
    assert_string_equal(out, "invoice.html.pdf");
    hilo_upload_name("foto.JPEG", "image/jpeg", out, sizeof out);
    assert_string_equal(out, "foto.JPEG");
    hilo_upload_name("scan.PDF", "application/pdf", out, sizeof out);
    assert_string_equal(out, "scan.PDF");
    /* bidirectional controls never turn a name around on screen */
    hilo_upload_name("fact\xe2\x80\xae" "fdp.exe", "application/pdf", out, sizeof out);
    assert_string_equal(out, "factfdp.exe.pdf");
    hilo_upload_name("a\xe2\x81\xa6" "b\xe2\x80\x8f" ".png", "image/png", out, sizeof out);
    assert_string_equal(out, "ab.png");
    /* invisible ones and the Arabic letter mark too; other letters stay */
    hilo_upload_name("a\xe2\x80\x8b" "b\xd8\x9c" "c\xe2\x81\xa0" "\xc3\xb1.png", "image/png", out, sizeof out);
    assert_string_equal(out, "abc\xc3\xb1.png");
}

static void ids(void **state)
{
    char a[HILO_UPLOAD_ID_LEN + 1], b[HILO_UPLOAD_ID_LEN + 1];
    (void)state;
    hilo_upload_new_id(a);
    hilo_upload_new_id(b);
    assert_int_equal(strlen(a), HILO_UPLOAD_ID_LEN);
    assert_true(hilo_upload_id_ok(a));
    assert_string_not_equal(a, b);
    assert_false(hilo_upload_id_ok("u0123"));
    assert_false(hilo_upload_id_ok("U0123456789abcdef0123456789abcdef"));
    assert_false(hilo_upload_id_ok("u0123456789ABCDEF0123456789abcdef"));
    assert_false(hilo_upload_id_ok("u0123456789abcdef0123456789abcde/"));
    assert_false(hilo_upload_id_ok(NULL));
    assert_true(hilo_upload_id_ok("u0123456789abcdef0123456789abcdef"));
}

static void store_key(void **state)
{
    struct hilo_store_cmd c;
    (void)state;
    assert_int_equal(hilo_store_upload_get_argv(&c, "u0123456789abcdef0123456789abcdef"), 0);
    assert_int_equal(c.argc, 2);
    assert_string_equal(c.argv[0], "HGETALL");
    assert_string_equal(c.argv[1], "hilo:upload:u0123456789abcdef0123456789abcdef");
    assert_int_equal(hilo_store_upload_ttl_argv(&c, "u1"), 0);
    assert_string_equal(c.argv[0], "PTTL");
    assert_string_equal(c.argv[1], "hilo:upload:u1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sniff),
        cmocka_unit_test(names),
        cmocka_unit_test(ids),
        cmocka_unit_test(store_key),
    };
    int rc;
    if (sodium_init() < 0 || hilo_keys_init("hilo") < 0)
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    hilo_keys_deinit();
    return rc;
}
