#include "hilo/proto.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hilo_proto_parse_id(const char *s, uint64_t *ms, uint64_t *seq)
{
    char *end;
    if (strcmp(s, "0") == 0) {
        *ms = *seq = 0;
        return 0;
    }
    if (*s < '0' || *s > '9' || strlen(s) > 41)
        return -1;
    *ms = strtoull(s, &end, 10);
    if (*end != '-' || end[1] < '0' || end[1] > '9')
        return -1;
    *seq = strtoull(end + 1, &end, 10);
    return *end ? -1 : 0;
}

int hilo_proto_id_after(uint64_t ms, uint64_t seq, uint64_t lms, uint64_t lseq)
{
    return ms > lms || (ms == lms && seq > lseq);
}

size_t hilo_proto_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

int hilo_proto_token_ok(const char *t)
{
    size_t n = strlen(t);
    if (n < 16 || n > 128)
        return 0;
    for (; *t; t++)
        if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
              *t == '-' || *t == '_' || *t == '.'))
            return 0;
    return 1;
}

int hilo_proto_identity_sig(const char *secret, const char *user_id, const char *email,
                            const char *name, long long ts, char out[65])
{
    char msg[1024];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    int n = snprintf(msg, sizeof msg, "%s\n%s\n%s\n%lld", user_id, email ? email : "",
                     name ? name : "", ts);
    if (n < 0 || n >= (int)sizeof msg)
        return -1;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, (unsigned long long)n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, 65, mac, sizeof mac);
    return 0;
}
