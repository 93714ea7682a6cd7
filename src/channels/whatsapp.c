/* WhatsApp Cloud API: webhook handshake and signature, inbound messages and
 * statuses, send bodies and send responses (PROVIDERS.md section 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "internal.h"

int hilo_whatsapp_verify_signature(const char *app_secret, const char *body, size_t len,
                                   const char *header_value)
{
    unsigned char want[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    size_t bin_len = 0;
    const char *hex_end = NULL;

    if (!app_secret || !*app_secret || !header_value || (!body && len))
        return -1;
    if (strncmp(header_value, "sha256=", 7) != 0 || strlen(header_value + 7) != 64)
        return -1;
    if (sodium_hex2bin(got, sizeof(got), header_value + 7, 64, NULL, &bin_len, &hex_end) != 0 ||
        bin_len != sizeof(got) || *hex_end)
        return -1;
    /* Raw bytes as received: Meta signs its own escaped-unicode rendering,
     * so hashing anything re-serialized would not match. */
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)app_secret, strlen(app_secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, want);
    return sodium_memcmp(want, got, sizeof(want)) == 0 ? 0 : -1;
}

char *hilo_whatsapp_verify_handshake(const char *verify_token, const char *query)
{
    struct hilo_form f = {0};
    char *out = NULL;
    const char *mode, *token, *challenge;
    size_t n;

    if (!verify_token || !*verify_token || !query)
        return NULL;
    if (hilo_form_parse(query, strlen(query), &f) < 0)
        goto out;
    mode = hilo_form_get(&f, "hub.mode");
    token = hilo_form_get(&f, "hub.verify_token");
    challenge = hilo_form_get(&f, "hub.challenge");
    if (!mode || strcmp(mode, "subscribe") != 0 || !token || !challenge)
        goto out;
    if (!hc_str_equal_ct(token, verify_token))
        goto out;
    n = strlen(challenge);
    /* Meta's challenge is an integer: echo digits only, so the answer can
     * never carry markup or script whatever content type a client assumes */
    if (n == 0 || n > 32 || strspn(challenge, "0123456789") != n)
        goto out;
    out = strdup(challenge);
out:
    hilo_form_free(&f);
    return out;
}

static int64_t ts_ms_of(const json_t *v)
{
    /* Meta sends unix seconds as a string; accept a number too. */
    int64_t s = json_is_integer(v) ? (int64_t)json_integer_value(v) : hc_parse_uint(json_string_value(v));
    if (s <= 0 || s > INT64_MAX / 1000)
        return 0;
    return s * 1000;
}

/* "%.15g" keeps Meta's 12-digit coordinates exactly and drops noise. */
static void fmt_coord(char *buf, size_t n, const json_t *v)
{
    if (json_is_number(v))
        snprintf(buf, n, "%.15g", json_number_value(v));
    else if (json_is_string(v))
        snprintf(buf, n, "%s", json_string_value(v));
    else
        buf[0] = '\0';
}

static int location_text(struct hilo_buf *b, const char *name, const char *address,
                         const char *lat, const char *lng)
{
    int r = hilo_buf_adds(b, "\xF0\x9F\x93\x8D"); /* 📍 */
    int words = 0;
    if (name && *name) {
        r |= hilo_buf_adds(b, " ");
        r |= hilo_buf_adds(b, name);
        words = 1;
    }
    if (address && *address) {
        r |= hilo_buf_adds(b, words ? ", " : " ");
        r |= hilo_buf_adds(b, address);
        words = 1;
    }
    if (*lat || *lng) {
        r |= hilo_buf_adds(b, " (");
        r |= hilo_buf_adds(b, lat);
        r |= hilo_buf_adds(b, ", ");
        r |= hilo_buf_adds(b, lng);
        r |= hilo_buf_adds(b, ")");
    }
    return r ? -1 : 0;
}

/* Text shown in the thread for one message, into b; fills extra. */
static int describe(const char *type, json_t *msg, json_t *extra, struct hilo_buf *b)
{
    json_t *obj = json_object_get(msg, type);
    int r = 0;

    if (strcmp(type, "text") == 0) {
        r = hilo_buf_adds(b, hc_json_str(obj, "body") ? hc_json_str(obj, "body") : "");
    } else if (!strcmp(type, "image") || !strcmp(type, "video") || !strcmp(type, "audio") ||
               !strcmp(type, "document") || !strcmp(type, "sticker")) {
        json_t *media = json_object();
        static const char *const keys[] = {"id", "mime_type", "sha256", "caption", "filename",
                                           "url", "voice", "animated"};
        if (!media)
            return -1;
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            json_t *v = json_object_get(obj, keys[i]);
            if (v)
                r |= json_object_set(media, keys[i], v);
        }
        r |= json_object_set_new(extra, "media", media);
        if (hc_json_str(obj, "caption"))
            r |= hilo_buf_adds(b, hc_json_str(obj, "caption"));
    } else if (strcmp(type, "location") == 0) {
        char lat[64], lng[64];
        fmt_coord(lat, sizeof(lat), json_object_get(obj, "latitude"));
        fmt_coord(lng, sizeof(lng), json_object_get(obj, "longitude"));
        r |= location_text(b, hc_json_str(obj, "name"), hc_json_str(obj, "address"), lat, lng);
        if (obj)
            r |= json_object_set(extra, "location", obj);
    } else if (strcmp(type, "contacts") == 0) {
        json_t *c;
        size_t i;
        json_array_foreach(obj, i, c) {
            json_t *name = json_object_get(c, "name");
            const char *s = hc_json_str(name, "formatted_name");
            if (!s)
                s = hc_json_str(name, "first_name");
            if (!s)
                continue;
            if (b->len)
                r |= hilo_buf_adds(b, ", ");
            r |= hilo_buf_adds(b, s);
        }
        if (json_is_array(obj))
            r |= json_object_set(extra, "contacts", obj);
    } else if (strcmp(type, "interactive") == 0) {
        const char *itype = hc_json_str(obj, "type");
        json_t *reply = itype ? json_object_get(obj, itype) : NULL;
        const char *s = hc_json_str(reply, "title"), *bid = hc_json_str(reply, "id");
        /* a satisfaction button (survey.c) answers with its score */
        if (bid && strncmp(bid, "csat:", 5) == 0 && bid[5] >= '1' && bid[5] <= '5' && !bid[6])
            s = bid + 5;
        if (!s)
            s = hc_json_str(reply, "body"); /* flows: nfm_reply */
        r |= hilo_buf_adds(b, s ? s : "");
        if (obj)
            r |= json_object_set(extra, "interactive", obj);
    } else if (strcmp(type, "button") == 0) {
        const char *s = hc_json_str(obj, "text");
        r |= hilo_buf_adds(b, s ? s : "");
        if (obj)
            r |= json_object_set(extra, "button", obj);
    } else if (strcmp(type, "reaction") == 0) {
        const char *s = hc_json_str(obj, "emoji"); /* absent = reaction removed */
        r |= hilo_buf_adds(b, s ? s : "");
        if (obj)
            r |= json_object_set(extra, "reaction", obj);
    } else {
        /* system, order, unsupported, edit, and whatever Meta adds next:
         * keep the raw object so nothing is lost. */
        const char *s = hc_json_str(obj, "body");
        if (s)
            r |= hilo_buf_adds(b, s);
        if (obj)
            r |= json_object_set(extra, type, obj);
    }
    return r ? -1 : 0;
}

static int is_alpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int hilo_whatsapp_is_bsuid(const char *s)
{
    /* "US.13491208655302741918", a parent's "US.ENT.11815799212886844830" */
    size_t n = s ? strlen(s) : 0;
    if (n < 4 || n > 128 || !is_alpha((unsigned char)s[0]) || !strchr(s, '.'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '.' && c != '_' && c != '-')
            return 0;
    }
    return 1;
}

/* The contact of the sender: the one whose wa_id is from or whose user_id
 * (BSUID) is the message's from_user_id; with a single contact, that one. */
static json_t *sender_contact(json_t *contacts, const char *wa_from, const char *uid)
{
    json_t *c;
    size_t i;
    json_array_foreach(contacts, i, c) {
        const char *wa = hc_json_str(c, "wa_id"), *u = hc_json_str(c, "user_id");
        if ((wa && wa_from && strcmp(wa, wa_from) == 0) || (u && uid && strcmp(u, uid) == 0))
            return c;
    }
    /* wa_id may differ from "from" (e.g. Brazil/Mexico numbers); with a
     * single contact it is still the sender. */
    return json_array_size(contacts) == 1 ? json_array_get(contacts, 0) : NULL;
}

static int add_message(json_t *msg, json_t *value, struct hilo_inbound **msgs)
{
    const char *from = hc_json_str(msg, "from"), *id = hc_json_str(msg, "id");
    const char *type = hc_json_str(msg, "type"), *uid = hc_json_str(msg, "from_user_id");
    json_t *metadata = json_object_get(value, "metadata"), *extra = NULL, *contact;
    struct hilo_inbound *m = NULL;
    struct hilo_buf text;
    int ret = -1;

    hilo_buf_init(&text, HC_MAX_OUT);
    if (from && !*from)
        from = NULL;
    /* since 2026 the phone number may be absent (a user with a username):
     * the business-scoped user id (BSUID) names the sender then */
    contact = sender_contact(json_object_get(value, "contacts"), from, uid);
    if (!uid || !*uid)
        uid = hc_json_str(contact, "user_id");
    if (uid && !hilo_whatsapp_is_bsuid(uid))
        uid = NULL; /* not an id Meta gives: never an identity */
    if ((!from && !uid) || !id || !*id)
        return 0; /* not a message we can attribute or dedupe: skip */
    if (!type || !*type)
        type = "unsupported";
    if (!(m = hc_inbound_new()) || !(extra = json_object()))
        goto fail;
    if (hc_set(&m->channel, "whatsapp") || hc_set(&m->provider, "whatsapp") ||
        hc_set(&m->provider_id, id) || hc_set(&m->type, type) ||
        hc_set(&m->from_name, hc_json_str(json_object_get(contact, "profile"), "name")) ||
        hc_set(&m->to, hc_json_str(metadata, "display_phone_number")) || hc_set(&m->user_id, uid))
        goto fail;
    free(m->from);
    if (!(m->from = from ? hc_phone_e164(from) : strdup(uid)))
        goto fail;
    m->ts_ms = ts_ms_of(json_object_get(msg, "timestamp"));
    if (describe(type, msg, extra, &text) < 0)
        goto fail;
    static const char *const passthrough[] = {"context", "referral", "errors"};
    for (size_t i = 0; i < sizeof(passthrough) / sizeof(passthrough[0]); i++) {
        json_t *v = json_object_get(msg, passthrough[i]);
        if (v && json_object_set(extra, passthrough[i], v) < 0)
            goto fail;
    }
    if (hc_json_str(metadata, "phone_number_id") &&
        json_object_set(extra, "phone_number_id", json_object_get(metadata, "phone_number_id")) < 0)
        goto fail;
    free(m->text);
    m->text = hilo_buf_take(&text);
    free(m->extra_json);
    if (!m->text || !(m->extra_json = hc_json_dump(extra)))
        goto fail;
    hc_inbound_append(msgs, m);
    m = NULL;
    ret = 0;
fail:
    hilo_buf_deinit(&text);
    hilo_inbound_free(m);
    json_decref(extra);
    return ret;
}

static int add_status(json_t *st, struct hilo_delivery **out)
{
    const char *id = hc_json_str(st, "id"), *status = hc_json_str(st, "status");
    json_t *e = json_array_get(json_object_get(st, "errors"), 0);
    struct hilo_delivery *d = NULL;
    char lower[32];
    size_t i;

    if (!id || !*id || !status || !*status)
        return 0;
    for (i = 0; status[i] && i + 1 < sizeof(lower); i++)
        lower[i] = (char)hc_ascii_lower((unsigned char)status[i]);
    lower[i] = '\0';
    if (!(d = hc_delivery_new()))
        return -1;
    /* "played" is a voice note's read receipt. */
    if (hc_set(&d->provider_id, id) || hc_set(&d->status, !strcmp(lower, "played") ? "read" : lower))
        goto fail;
    if (e) {
        const char *title = hc_json_str(e, "title");
        char buf[512];
        if (!title)
            title = hc_json_str(e, "message");
        snprintf(buf, sizeof(buf), "%lld: %s", (long long)json_integer_value(json_object_get(e, "code")),
                 title ? title : "error");
        if (hc_set(&d->error, buf))
            goto fail;
    }
    d->ts_ms = ts_ms_of(json_object_get(st, "timestamp"));
    /* what Hilo's outbox attached to the message (docs/delivery.md) */
    const char *marker = hc_json_str(st, "biz_opaque_callback_data");
    if (marker && *marker && (hc_set(&d->marker, marker) || hc_utf8_fix(&d->marker)))
        goto fail;
    hc_delivery_append(out, d);
    return 0;
fail:
    hilo_delivery_free(d);
    return -1;
}

int hilo_whatsapp_parse(const char *body, size_t len, struct hilo_inbound **msgs,
                        struct hilo_delivery **statuses, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = NULL, *entries, *entry;
    size_t i;
    int ret = -1;

    if (!body || !msgs || !statuses) {
        hc_err(err, errlen, "bad arguments");
        return -1;
    }
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        hc_err(err, errlen, "invalid JSON at %d:%d: %s", jerr.line, jerr.column, jerr.text);
        goto fail;
    }
    entries = json_object_get(root, "entry");
    if (!json_is_array(entries)) {
        hc_err(err, errlen, "no entry array");
        goto fail;
    }
    json_array_foreach(entries, i, entry) {
        json_t *change;
        size_t j;
        json_array_foreach(json_object_get(entry, "changes"), j, change) {
            json_t *value = json_object_get(change, "value"), *v;
            const char *field = hc_json_str(change, "field");
            size_t k;
            if (!field || strcmp(field, "messages") != 0 || !json_is_object(value))
                continue;
            json_array_foreach(json_object_get(value, "messages"), k, v) {
                if (add_message(v, value, msgs) < 0) {
                    hc_err(err, errlen, "out of memory");
                    goto fail;
                }
            }
            json_array_foreach(json_object_get(value, "statuses"), k, v) {
                if (add_status(v, statuses) < 0) {
                    hc_err(err, errlen, "out of memory");
                    goto fail;
                }
            }
        }
    }
    ret = 0;
fail:
    json_decref(root);
    return ret;
}

static json_t *base_message(const char *to, const char *type)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (json_object_set_new(o, "messaging_product", json_string("whatsapp")) ||
        json_object_set_new(o, "recipient_type", json_string("individual")) ||
        /* a BSUID goes in "recipient" (Meta: "to" is a phone number and
         * would take precedence) */
        json_object_set_new(o, hilo_whatsapp_is_bsuid(to) ? "recipient" : "to", json_string(to)) ||
        json_object_set_new(o, "type", json_string(type))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *hilo_whatsapp_build_text(const char *to_e164, const char *text, const char *reply_to_wamid)
{
    json_t *o = NULL, *t = NULL;
    char *out = NULL;

    if (!to_e164 || !*to_e164 || !text)
        return NULL;
    if (!(o = base_message(to_e164, "text")))
        goto out;
    /* json_string returns NULL for invalid UTF-8, and set_new fails then. */
    if (reply_to_wamid && *reply_to_wamid &&
        json_object_set_new(o, "context", json_pack("{s:s}", "message_id", reply_to_wamid)))
        goto out;
    t = json_pack("{s:b,s:s}", "preview_url", 0, "body", text);
    if (!t || json_object_set_new(o, "text", t)) {
        t = NULL;
        goto out;
    }
    out = hc_json_dump(o);
out:
    json_decref(o);
    return out;
}

char *hilo_whatsapp_build_buttons(const char *to_e164, const char *text, const char *buttons_json)
{
    json_t *o = NULL, *bs = NULL, *list = NULL, *b;
    char *out = NULL;
    size_t i;
    if (!to_e164 || !*to_e164 || !text || !*text || !buttons_json)
        return NULL;
    bs = json_loads(buttons_json, 0, NULL);
    if (!json_is_array(bs) || json_array_size(bs) < 1 || json_array_size(bs) > 3 ||
        !(o = base_message(to_e164, "interactive")) || !(list = json_array()))
        goto out;
    json_array_foreach(bs, i, b) {
        const char *id = hc_json_str(b, "id"), *title = hc_json_str(b, "title");
        if (!id || !title ||
            json_array_append_new(list, json_pack("{s:s, s:{s:s, s:s}}", "type", "reply", "reply",
                                                  "id", id, "title", title)))
            goto out;
    }
    if (json_object_set_new(o, "interactive",
                            json_pack("{s:s, s:{s:s}, s:{s:O}}", "type", "button", "body", "text",
                                      text, "action", "buttons", list)))
        goto out;
    out = hc_json_dump(o);
out:
    json_decref(list);
    json_decref(bs);
    json_decref(o);
    return out;
}

char *hilo_whatsapp_build_template(const char *to_e164, const char *name, const char *lang,
                                   const char *const *params, size_t nparams)
{
    json_t *o = NULL, *tpl = NULL, *plist = NULL;
    char *out = NULL;

    if (!to_e164 || !*to_e164 || !name || !*name || !lang || !*lang || (nparams && !params))
        return NULL;
    if (!(o = base_message(to_e164, "template")))
        goto out;
    tpl = json_pack("{s:s,s:{s:s}}", "name", name, "language", "code", lang);
    if (!tpl || json_object_set_new(o, "template", tpl))
        goto out;
    if (nparams) {
        if (!(plist = json_array()))
            goto out;
        for (size_t i = 0; i < nparams; i++)
            if (!params[i] ||
                json_array_append_new(plist, json_pack("{s:s,s:s}", "type", "text", "text", params[i])))
                goto out;
        json_t *comps = json_pack("[{s:s,s:O}]", "type", "body", "parameters", plist);
        if (!comps || json_object_set_new(tpl, "components", comps))
            goto out;
    }
    out = hc_json_dump(o);
out:
    json_decref(plist);
    json_decref(o);
    return out;
}

static int code_retryable(json_int_t code)
{
    static const json_int_t codes[] = {130429, 131000, 131016, 1, 2, 4, 80007, 131056};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (codes[i] == code)
            return 1;
    return 0;
}

int hilo_whatsapp_parse_send_response(long http_status, const char *body, size_t len,
                                      char **provider_id, int *retryable, int *window_closed,
                                      char *err, size_t errlen)
{
    json_t *root = body ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *error = json_object_get(root, "error");
    int ret = -1, retry = http_status == 429 || http_status >= 500, window = 0;

    if (provider_id)
        *provider_id = NULL;
    if (http_status >= 200 && http_status < 300 && !error) {
        const char *id = hc_json_str(json_array_get(json_object_get(root, "messages"), 0), "id");
        if (id && *id) {
            if (provider_id && !(*provider_id = strdup(id))) {
                hc_err(err, errlen, "out of memory");
                retry = 1;
                goto out;
            }
            ret = 0;
            hc_err(err, errlen, "%s", "");
            goto out;
        }
        /* Accepted but unreadable: retrying could send twice. */
        hc_err(err, errlen, "HTTP %ld without a message id", http_status);
        goto out;
    }
    if (json_is_object(error)) {
        json_int_t code = json_integer_value(json_object_get(error, "code"));
        const char *msg = hc_json_str(error, "message");
        const char *details = hc_json_str(json_object_get(error, "error_data"), "details");
        retry |= code_retryable(code);
        window = code == 131047;
        if (details && *details && (!msg || !strstr(msg, details)))
            hc_err(err, errlen, "%lld: %s (%s)", (long long)code, msg ? msg : "", details);
        else
            hc_err(err, errlen, "%lld: %s", (long long)code, msg ? msg : "error");
    } else {
        hc_err(err, errlen, "HTTP %ld", http_status);
    }
out:
    if (retryable)
        *retryable = ret == 0 ? 0 : retry;
    if (window_closed)
        *window_closed = window;
    json_decref(root);
    return ret;
}

/* ---- the channel row (include/hilo/channels.h) ----------------------------- */

static int cloud_configured(const struct hilo_config *c)
{
    return c->whatsapp_token[0] && c->whatsapp_phone_number_id[0];
}

static int cloud_hooks_configured(const struct hilo_config *c)
{
    return c->whatsapp_app_secret[0] || c->whatsapp_verify_token[0];
}

static char *cloud_handshake(const struct hilo_config *c, const struct hilo_http_in *in)
{
    return hilo_whatsapp_verify_handshake(c->whatsapp_verify_token, in->query);
}

static int cloud_verify(const struct hilo_config *c, const struct hilo_http_in *in, char *err,
                        size_t errlen)
{
    const char *sig = hilo_http_in_header(in, "x-hub-signature-256");
    if (!sig || !*sig) {
        hc_err(err, errlen, "Missing X-Hub-Signature-256.");
        return -HILO_EUNAUTH;
    }
    if (hilo_whatsapp_verify_signature(c->whatsapp_app_secret, in->body, in->body_len, sig) < 0) {
        hc_err(err, errlen, "Bad signature.");
        return -HILO_EFORBIDDEN;
    }
    return 0;
}

static int cloud_parse(const struct hilo_http_in *in, struct hilo_inbound **msgs,
                       struct hilo_delivery **statuses, char *err, size_t errlen)
{
    return hilo_whatsapp_parse(in->body, in->body_len, msgs, statuses, err, errlen) < 0
               ? -HILO_EBADJSON
               : 0;
}

/* Free text, or an approved template (what may go outside the 24-hour window). */
static int cloud_build_send(const struct hilo_config *c, const struct hilo_channel_msg *m,
                            struct hilo_channel_req *req)
{
    char e164[160];
    const char *to = m->to ? m->to : "";
    snprintf(e164, sizeof e164, "%s%s", to[0] == '+' || hilo_whatsapp_is_bsuid(to) ? "" : "+", to);
    req->method = "POST";
    snprintf(req->url, sizeof req->url, "%s/%s/messages", c->whatsapp_api_base,
             c->whatsapp_phone_number_id);
    snprintf(req->auth, sizeof req->auth, "Authorization: Bearer %s", c->whatsapp_token);
    req->headers[0] = req->auth;
    req->headers[1] = "Content-Type: application/json";
    req->headers[2] = NULL;
    if (m->buttons && *m->buttons && (!m->tpl || !*m->tpl)) {
        req->body = hilo_whatsapp_build_buttons(e164, m->text, m->buttons);
    } else if (!m->tpl || !*m->tpl) {
        req->body = hilo_whatsapp_build_text(e164, m->text, NULL);
    } else {
        json_error_t je;
        json_t *pa = json_loads(m->tpl_params ? m->tpl_params : "[]", 0, &je);
        const char *params[10];
        size_t np = 0;
        for (size_t i = 0; json_is_array(pa) && i < json_array_size(pa) && np < 10; i++)
            params[np++] = json_string_value(json_array_get(pa, i));
        req->body = hilo_whatsapp_build_template(e164, m->tpl, m->tpl_lang, params, np);
        json_decref(pa);
    }
    return req->body ? 0 : -1;
}

static const char *const cloud_hooks[] = {"/webhooks/whatsapp", NULL};

const struct hilo_channel_ops hilo_channel_whatsapp_cloud = {
    .channel = "whatsapp",
    .provider = "whatsapp",
    .via = "cloud",
    .title = "WhatsApp",
    .identity = "phone",
    .hooks = cloud_hooks,
    .window_ms = 24ull * 3600 * 1000,
    .transport = HILO_CHANNEL_HTTP,
    .configured = cloud_configured,
    .hooks_configured = cloud_hooks_configured,
    .handshake = cloud_handshake,
    .verify = cloud_verify,
    .parse = cloud_parse,
    .build_send = cloud_build_send,
    .parse_send = hilo_whatsapp_parse_send_response,
};
