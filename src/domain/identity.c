/* Customer identities: signed identities, visitor tokens, the email
 * search index, and how an identity is shown to agents. */
#include <sodium.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
#include "hilo/proto.h"

/* "web:<hash>" -> "web" (the hash means nothing to people); others as they are. */
json_t *hilo_identity_json(const char *v)
{
    if (strncmp(v, "web:", 4) == 0)
        return json_string("web");
    return json_string(v);
}

void hilo_identity_new_token(char out[64])
{
    unsigned char rnd[24];
    randombytes_buf(rnd, sizeof rnd);
    memcpy(out, "v1.", 3);
    sodium_bin2base64(out + 3, 61, rnd, sizeof rnd, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void hilo_identity_sha256_hex(const char *s, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* Checks a signed identity; returns 0 and sets *user_id, or an error. */
int hilo_identity_check(struct hilo_server *s, json_t *id, const char **user_id,
                          const char **name, const char **email)
{
    const struct hilo_config *cfg = s->cfg;
    const char *uid, *nm, *em, *sig;
    json_t *ts;
    long long t, now;
    char hex[65];
    int bad = 0;

    if (!json_is_object(id))
        return -HILO_EBADFRAME;
    uid = hilo_dispatch_str(id, "user_id", 128, &bad);
    nm = hilo_dispatch_str(id, "name", 200, &bad);
    em = hilo_dispatch_str(id, "email", 254, &bad);
    sig = hilo_dispatch_str(id, "sig", 64, &bad);
    ts = json_object_get(id, "ts");
    if (bad || !uid || !*uid || !sig || !json_is_integer(ts))
        return -HILO_EBADFRAME;
    if (!cfg->identity_secret[0])
        return -HILO_EFORBIDDEN;
    t = json_integer_value(ts);
    now = (long long)(hilo_now_ms() / 1000);
    if (t > now + cfg->identity_max_age || t < now - cfg->identity_max_age)
        return -HILO_EFORBIDDEN;
    if (hilo_proto_identity_sig(cfg->identity_secret, uid, em, nm, t, hex) < 0)
        return -HILO_EBADFRAME;
    if (strlen(sig) != 64 || sodium_memcmp(hex, sig, 64) != 0)
        return -HILO_EFORBIDDEN;
    *user_id = uid;
    *name = nm;
    *email = em;
    return 0;
}
