#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/channels.h"

static void trim(const char *in, const char *want)
{
    char *s = hilo_email_trim_reply(in);
    assert_non_null(s);
    assert_string_equal(s, want);
    free(s);
}

static void trims_replies(void **state)
{
    (void)state;
    /* Gmail English, with CRLF. */
    trim("Still broken.\r\nSee photo.\r\n\r\nOn Mon, Jan 1, 2024 at 10:00 AM Support <support@example.com> wrote:\r\n"
         "> We shipped it.\r\n> Thanks\r\n",
         "Still broken.\nSee photo.");
    /* Attribution wrapped over two lines. */
    trim("ok\n\nOn Mon, Jan 1, 2024 at 10:00 AM Hilo Support <\nsupport@example.com> wrote:\n\n> x\n", "ok");
    /* Spanish Gmail, French, German. */
    trim("Gracias\n\nEl lun, 1 ene 2024 a las 10:00, Soporte (<s@e.com>) escribi\xC3\xB3:\n> hola", "Gracias");
    trim("Merci\n\nLe lun. 1 janv. 2024 \xC3\xA0 10:00, Support <s@e.com> a \xC3\xA9" "crit :\n> x", "Merci");
    trim("Danke\n\nAm Mo., 1. Jan. 2024 um 10:00 Uhr schrieb Support <s@e.com>:\n> x", "Danke");
    /* Signature separator; quoted lines interleaved are dropped. */
    trim("  \n\nAnswer inline:\n> question 1?\nyes\n> question 2?\nno\n-- \nBob Smith\nACME\n", "Answer inline:\nyes\nno");
    /* Outlook blocks. */
    trim("Fine.\r\n\r\n________________________________\r\nFrom: Support <s@e.com>\r\nSent: Monday\r\n\r\nold", "Fine.");
    trim("Fine.\n\n-----Original Message-----\nFrom: Support\nold", "Fine.");
    trim("Vale.\n\nDe: Soporte <s@e.com>\nEnviado: lunes\nold", "Vale.");
    /* "On ..." without "wrote:" is just text. */
    trim("On Monday I will be home.\nThanks", "On Monday I will be home.\nThanks");
    /* "--" inside text is not a signature; a lone "--" is. */
    trim("a -- b\n--\nsig", "a -- b");
    trim("", "");
    trim("> only quote\n>> more", "");
    char *s = hilo_email_trim_reply(NULL);
    assert_string_equal(s, "");
    free(s);
}

static void addr(const char *in, const char *want_addr, const char *want_name)
{
    char *a = NULL, *n = NULL;
    if (!want_addr) {
        assert_int_equal(hilo_email_address(in, &a, &n), -1);
        assert_null(a);
        assert_null(n);
        return;
    }
    assert_int_equal(hilo_email_address(in, &a, &n), 0);
    assert_string_equal(a, want_addr);
    assert_string_equal(n, want_name);
    free(a);
    free(n);
}

static void parses_addresses(void **state)
{
    (void)state;
    addr("Bob <Bob@Example.com>", "bob@example.com", "Bob");
    addr("bob@example.com", "bob@example.com", "");
    addr("  <BOB@example.com>  ", "bob@example.com", "");
    addr("\"Doe, John\" <j.doe+tag@example.org>", "j.doe+tag@example.org", "Doe, John");
    addr("\"Say \\\"hi\\\" <x>\" <a@b.co>", "a@b.co", "Say \"hi\" <x>");
    addr("bob@example.com (Bob Smith)", "bob@example.com", "Bob Smith");
    addr("Ana <ana@example.es>, Luis <luis@example.es>", "ana@example.es", "Ana");
    addr("ana@example.es, luis@example.es", "ana@example.es", "");
    addr("Jos\xC3\xA9 <jose@example.es>", "jose@example.es", "Jos\xC3\xA9");
    addr("mailto:x@y.org", "x@y.org", "");
    addr("not an address", NULL, NULL);
    addr("Bob <bob@example.com", NULL, NULL);
    addr("Bob <>", NULL, NULL);
    addr("a@@b.com", NULL, NULL);
    addr("@b.com", NULL, NULL);
    addr("a@", NULL, NULL);
    addr("a b@c.com", NULL, NULL);
    addr("", NULL, NULL);
    addr(NULL, NULL, NULL);
    char *a = NULL;
    assert_int_equal(hilo_email_address("X <x@y.z>", &a, NULL), 0);
    assert_string_equal(a, "x@y.z");
    free(a);
}

static void builds_message(void **state)
{
    char *s;
    (void)state;
    s = hilo_email_build("Soporte Hilo <support@example.com>", "bob@example.net", "support+40718263@example.com",
                         "Re: Pedido \xC3\xB1" "and\xC3\xBA [#40718263]",
                         "Hola Bob,\n\nSu pedido est\xC3\xA1 en camino.\n.\nSaludos",
                         "t40718263.r2@support.example.com", "<CAF=abc@mail.gmail.com>",
                         "<a@x> <CAF=abc@mail.gmail.com>", 1700000000);
    assert_string_equal(s, "From: Soporte Hilo <support@example.com>\r\n"
                           "To: bob@example.net\r\n"
                           "Reply-To: support+40718263@example.com\r\n"
                           "Subject: =?UTF-8?B?UmU6IFBlZGlkbyDDsWFuZMO6IFsjNDA3MTgyNjNd?=\r\n"
                           "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
                           "Message-ID: <t40718263.r2@support.example.com>\r\n"
                           "In-Reply-To: <CAF=abc@mail.gmail.com>\r\n"
                           "References: <a@x>\r\n <CAF=abc@mail.gmail.com>\r\n"
                           "MIME-Version: 1.0\r\n"
                           "Content-Type: text/plain; charset=UTF-8\r\n"
                           "Content-Transfer-Encoding: quoted-printable\r\n"
                           "\r\n"
                           "Hola Bob,\r\n\r\nSu pedido est=C3=A1 en camino.\r\n=2E\r\nSaludos\r\n");
    free(s);
}

static void blocks_header_injection(void **state)
{
    char *s;
    (void)state;
    s = hilo_email_build("support@example.com", "bob@example.net\r\nBcc: victim@example.org",
                         "x@y.z\nX-Evil: 1", "Hello\r\nBcc: victim@example.org\r\n\r\nbody", "b",
                         "id@x\r\nX-Evil: 2", NULL, NULL, 1700000000);
    assert_non_null(s);
    /* Every line of the header block starts with a known header. */
    const char *end = strstr(s, "\r\n\r\n");
    assert_non_null(end);
    for (const char *p = s; p < end; p = strstr(p, "\r\n") + 2) {
        assert_true(strncmp(p, "From: ", 6) == 0 || strncmp(p, "To: ", 4) == 0 || strncmp(p, "Reply-To: ", 10) == 0 ||
                    strncmp(p, "Subject: ", 9) == 0 || strncmp(p, "Date: ", 6) == 0 ||
                    strncmp(p, "Message-ID: ", 12) == 0 || strncmp(p, "MIME-Version: ", 14) == 0 ||
                    strncmp(p, "Content-", 8) == 0);
    }
    assert_non_null(strstr(s, "To: bob@example.net  Bcc: victim@example.org\r\n"));
    assert_non_null(strstr(s, "Subject: Hello  Bcc: victim@example.org    body\r\n"));
    assert_null(strstr(s, "\nBcc"));
    assert_null(strstr(s, "\nX-Evil"));
    /* No bare CR or LF anywhere. */
    for (const char *p = s; *p; p++) {
        if (*p == '\r')
            assert_true(p[1] == '\n');
        if (*p == '\n')
            assert_true(p > s && p[-1] == '\r');
    }
    free(s);
}

static void encodes_long_lines_and_names(void **state)
{
    char body[300], *s;
    (void)state;
    memset(body, 'a', 200);
    strcpy(body + 200, " \nx=y\ttrailing\t\r\nend");
    s = hilo_email_build("Caf\xC3\xA9 Soporte <support@example.com>", "b@c.d", NULL, "plain subject", body, NULL,
                         NULL, NULL, 1700000000);
    assert_non_null(strstr(s, "From: =?UTF-8?B?Q2Fmw6kgU29wb3J0ZQ==?= <support@example.com>\r\n"));
    assert_non_null(strstr(s, "Subject: plain subject\r\n"));
    assert_null(strstr(s, "Reply-To"));
    assert_null(strstr(s, "Message-ID"));
    const char *b = strstr(s, "\r\n\r\n") + 4;
    /* 200 'a' split by soft breaks into lines of at most 76 chars. */
    char want[400];
    memset(want, 'a', 75);
    strcpy(want + 75, "=\r\n");
    memset(want + 78, 'a', 75);
    strcpy(want + 153, "=\r\n");
    memset(want + 156, 'a', 50);
    strcpy(want + 206, "=20\r\nx=3Dy\ttrailing=09\r\nend\r\n");
    assert_string_equal(b, want);
    for (const char *p = b; *p;) {
        size_t n = strcspn(p, "\r");
        assert_true(n <= 76);
        p += n;
        if (*p)
            p += 2;
    }
    free(s);

    /* A long non-ASCII subject becomes several encoded-words, none over 75
     * characters, never splitting a UTF-8 sequence. */
    char subj[400] = "";
    for (int i = 0; i < 60; i++)
        strcat(subj, "\xC3\xB1");
    s = hilo_email_build("a@b.c", "b@c.d", NULL, subj, "x", NULL, NULL, NULL, 1700000000);
    assert_non_null(strstr(s, "Subject: =?UTF-8?B?w7HDscOxw7HDscOxw7HDscOxw7HDscOxw7HDscOxw7HDscOxw7E=?=\r\n"
                              " =?UTF-8?B?w7HDscOxw7HDscOxw7HDscOxw7HDscOxw7HDscOxw7HDscOxw7E=?=\r\n"
                              " =?UTF-8?B?w7HDscOxw7HDscOxw7HDscOxw7HDscOxw7HDscOxw7HDscOxw7E=?=\r\n"
                              " =?UTF-8?B?w7HDscOx?=\r\nDate: "));
    free(s);
    assert_null(hilo_email_build(NULL, "b@c.d", NULL, "s", "x", NULL, NULL, NULL, 0));
    assert_null(hilo_email_build("a@b.c", "", NULL, "s", "x", NULL, NULL, NULL, 0));
    assert_null(hilo_email_build("a@b.c", "b@c.d", NULL, "s", NULL, NULL, NULL, NULL, 0));
}

/* Hilo's own automatic mail says so (RFC 3834); a person's reply does not;
 * only the two known values are ever written. */
static void marks_automatic_mail(void **state)
{
    (void)state;
    char *s = hilo_email_build_auto("a@b.c", "b@c.d", NULL, "s", "x", NULL, NULL, NULL, 1700000000,
                                    "auto-replied");
    assert_non_null(strstr(s, "\r\nAuto-Submitted: auto-replied\r\n"));
    free(s);
    s = hilo_email_build_auto("a@b.c", "b@c.d", NULL, "s", "x", NULL, NULL, NULL, 1700000000,
                              "auto-generated");
    assert_non_null(strstr(s, "\r\nAuto-Submitted: auto-generated\r\n"));
    free(s);
    s = hilo_email_build_auto("a@b.c", "b@c.d", NULL, "s", "x", NULL, NULL, NULL, 1700000000,
                              "no\r\nBcc: x@y.z");
    assert_null(strstr(s, "Auto-Submitted"));
    assert_null(strstr(s, "Bcc"));
    free(s);
    s = hilo_email_build("a@b.c", "b@c.d", NULL, "s", "x", NULL, NULL, NULL, 1700000000);
    assert_null(strstr(s, "Auto-Submitted"));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trims_replies),
        cmocka_unit_test(parses_addresses),
        cmocka_unit_test(builds_message),
        cmocka_unit_test(blocks_header_injection),
        cmocka_unit_test(encodes_long_lines_and_names),
        cmocka_unit_test(marks_automatic_mail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
