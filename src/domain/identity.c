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
#include "hilo/identity.h"
#include "hilo/store.h"
#include "hilo/store_holds.h"
#include <hiredis/hiredis.h>

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

int hilo_identity_verify(struct hilo_server *s, json_t *id, const char **user_id)
{
    const char *name, *email;
    return hilo_identity_check(s, id, user_id, &name, &email);
}

/* ---- evidence (include/hilo/identity.h, docs/continuity.md) ---------------- */

const char *hilo_identity_evidence_default(const char *identity)
{
    if (!identity || strncmp(identity, "withheld:", 9) == 0)
        return NULL;
    if (strncmp(identity, "user:", 5) == 0 || strncmp(identity, "ext:", 4) == 0)
        return "signed";
    if (strncmp(identity, "web:", 4) == 0)
        return "token";
    return "provider";
}

int hilo_identity_evidence_valid(const char *how)
{
    static const char *const kinds[] = {"signed", "token", "provider", "code", "agent"};
    for (size_t i = 0; how && i < HILO_ARRAY_LEN(kinds); i++)
        if (strcmp(how, kinds[i]) == 0)
            return 1;
    return 0;
}

char *hilo_identity_evidence_json(const char *how, const char *by, uint64_t at_ms)
{
    json_t *o = json_pack("{s:s, s:I, s:s}", "how", how ? how : "", "at", (json_int_t)at_ms, "by",
                          by ? by : "");
    char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return js;
}

void hilo_identity_tx_evidence(struct hilo_tx *tx, const char *customer, const char *identity,
                               const char *how, const char *by)
{
    const char *kind = how ? how : hilo_identity_evidence_default(identity);
    char *js;
    if (!kind)
        return;
    if (!(js = hilo_identity_evidence_json(kind, by, hilo_now_ms()))) {
        if (tx->rc == 0)
            tx->rc = -HILO_EINTERNAL;
        return;
    }
    struct hilo_store_evidence ev = {
        .customer = customer, .identity = identity, .json = js, .nx = how == NULL};
    hilo_tx_evidence_set(tx, &ev);
    free(js);
}

json_t *hilo_identity_list(const void *idsp, const void *evp)
{
    const redisReply *ids = idsp, *ev = evp;
    json_t *out = json_array();
    for (size_t i = 0; ids && ids->type == REDIS_REPLY_ARRAY && i < ids->elements; i++) {
        const char *id = ids->element[i]->str;
        json_t *rec = NULL, *o;
        json_error_t je;
        if (!id)
            continue;
        for (size_t j = 0; ev && ev->type == REDIS_REPLY_ARRAY && j + 1 < ev->elements; j += 2)
            if (ev->element[j]->str && strcmp(ev->element[j]->str, id) == 0)
                rec = json_loads(ev->element[j + 1]->str, 0, &je);
        const char *how = json_string_value(json_object_get(rec, "how"));
        const char *by = json_string_value(json_object_get(rec, "by"));
        o = json_pack("{s:s, s:o, s:s, s:I, s:s}", "identity", id, "shown", hilo_identity_json(id),
                      "how", how ? how : "unrecorded", "at",
                      (json_int_t)json_integer_value(json_object_get(rec, "at")), "by", by ? by : "");
        json_decref(rec);
        if (o)
            json_array_append_new(out, o);
    }
    return out;
}
