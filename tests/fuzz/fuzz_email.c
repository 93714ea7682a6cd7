/* libFuzzer driver: reply trimming, address parsing, and message building
 * with hostile header values (no input may create a new header line). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/channels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *t, *addr = NULL, *name = NULL, *msg;
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    t = hilo_email_trim_reply(s);
    if (!t || strlen(t) > strlen(s) + 1)
        abort();
    free(t);
    if (hilo_email_address(s, &addr, &name) == 0) {
        if (!addr || !name || !strchr(addr, '@'))
            abort();
        free(addr);
        free(name);
    }

    msg = hilo_email_build("Soporte <support@example.com>", s, s, s, s, s, s, s, 1700000000);
    if (msg) {
        /* Header block: CRLF only, continuation lines start with a blank,
         * every other line is one of ours. */
        const char *end = strstr(msg, "\r\n\r\n");
        if (!end)
            abort();
        for (const char *p = msg; p < end;) {
            const char *eol = strstr(p, "\r\n");
            for (const char *q = p; q < eol; q++)
                if (*q == '\r' || *q == '\n')
                    abort();
            if (*p != ' ' && strncmp(p, "From: ", 6) && strncmp(p, "To: ", 4) && strncmp(p, "Reply-To: ", 10) &&
                strncmp(p, "Subject: ", 9) && strncmp(p, "Date: ", 6) && strncmp(p, "Message-ID: ", 12) &&
                strncmp(p, "In-Reply-To: ", 13) && strncmp(p, "References:", 11) &&
                strncmp(p, "MIME-Version: ", 14) && strncmp(p, "Content-", 8))
                abort();
            p = eol + 2;
        }
        /* Body: CRLF only, lines of at most 76 characters. */
        for (const char *p = end + 4; *p;) {
            size_t n = strcspn(p, "\r\n");
            if (n > 76 || (p[n] && (p[n] != '\r' || p[n + 1] != '\n')))
                abort();
            p += n;
            if (*p)
                p += 2;
        }
        free(msg);
    }
    free(s);
    return 0;
}
