/* Twilio Messaging and Voice: X-Twilio-Signature, inbound message, status
 * and call webhooks, Messages.json bodies and answers (PROVIDERS.md 2-3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "internal.h"

struct kv {
    const char *k, *v;
    size_t vlen;
};

static int kv_cmp(const void *a, const void *b)
{
    const struct kv *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    if (c)
        return c;
    size_t n = x->vlen < y->vlen ? x->vlen : y->vlen;
    c = memcmp(x->v, y->v, n);
    if (c)
        return c;
    return x->vlen < y->vlen ? -1 : x->vlen > y->vlen;
}

/* Base64 HMAC-SHA1 of data into out (29 bytes incl. NUL). */
static int sign(const char *token, const struct hilo_buf *data, char out[29])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    if (!HMAC(EVP_sha1(), token, (int)strlen(token), (const unsigned char *)(data->p ? data->p : ""),
              data->len, mac, &maclen) ||
        maclen != 20)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, mac, 20);
    return 0;
}

/* The URL with the port removed (which = 0) or the scheme's default port
 * added when there is none (which = 1); NULL when that gives nothing new. */
static char *url_variant(const char *url, int which)
{
    const char *scheme_end = strstr(url, "://");
    if (!scheme_end)
        return NULL;
    const char *host = scheme_end + 3;
    size_t auth_len = strcspn(host, "/?#");
    const char *auth_end = host + auth_len;
    const char *at = NULL;
    for (const char *p = host; p < auth_end; p++)
        if (*p == '@')
            at = p;
    if (at)
        host = at + 1;
    /* Port colon: the last ':' after any IPv6 literal's ']'. */
    const char *colon = NULL;
    const char *bracket = memchr(host, ']', (size_t)(auth_end - host));
    for (const char *p = bracket ? bracket : host; p < auth_end; p++)
        if (*p == ':')
            colon = p;
    struct hilo_buf b;
    hilo_buf_init(&b, strlen(url) + 16);
    if (which == 0) {
        if (!colon)
            return NULL;
        if (hilo_buf_add(&b, url, (size_t)(colon - url)) || hilo_buf_adds(&b, auth_end))
            goto fail;
    } else {
        const char *port;
        if (colon)
            return NULL;
        if (strncasecmp(url, "https://", 8) == 0)
            port = ":443";
        else if (strncasecmp(url, "http://", 7) == 0)
            port = ":80";
        else
            return NULL;
        if (hilo_buf_add(&b, url, (size_t)(auth_end - url)) || hilo_buf_adds(&b, port) ||
            hilo_buf_adds(&b, auth_end))
            goto fail;
    }
    return hilo_buf_take(&b);
fail:
    hilo_buf_deinit(&b);
    return NULL;
}

static int check_one(const char *token, const char *url, const struct kv *kv, size_t n,
                     const char *header)
{
    struct hilo_buf data;
    char sig[29];
    int ok = 0;

    hilo_buf_init(&data, HC_MAX_OUT);
    if (hilo_buf_adds(&data, url))
        goto out;
    for (size_t i = 0; i < n; i++) {
        /* Repeated name with the same value counts once (SDKs use a set). */
        if (i > 0 && kv_cmp(&kv[i - 1], &kv[i]) == 0)
            continue;
        if (hilo_buf_adds(&data, kv[i].k) || hilo_buf_add(&data, kv[i].v, kv[i].vlen))
            goto out;
    }
    if (sign(token, &data, sig) < 0)
        goto out;
    ok = strlen(header) == 28 && CRYPTO_memcmp(sig, header, 28) == 0;
out:
    hilo_buf_deinit(&data);
    return ok;
}

int hilo_twilio_verify_signature(const char *auth_token, const char *url,
                                 const struct hilo_form *params, const char *header_value)
{
    struct kv *kv = NULL;
    size_t n = params ? params->n : 0;
    char *variant = NULL;
    int ok = 0;

    if (!auth_token || !*auth_token || !url || !*url || !header_value)
        return -1;
    if (n && !(kv = calloc(n, sizeof(*kv))))
        return -1;
    for (size_t i = 0; i < n; i++)
        kv[i] = (struct kv){params->keys[i], params->values[i], params->value_lens[i]};
    if (n)
        qsort(kv, n, sizeof(*kv), kv_cmp);
    ok = check_one(auth_token, url, kv, n, header_value);
    for (int which = 0; which < 2 && !ok; which++) {
        if ((variant = url_variant(url, which)))
            ok = check_one(auth_token, variant, kv, n, header_value);
        free(variant);
        variant = NULL;
    }
    free(kv);
    return ok ? 0 : -1;
}

static const char *get(const struct hilo_form *f, const char *k)
{
    const char *v = hilo_form_get(f, k);
    return v ? v : "";
}

/* Kind of media for a MIME type, as WhatsApp names them. */
static const char *media_kind(const char *ct)
{
    if (!strncmp(ct, "image/", 6))
        return strcmp(ct, "image/webp") == 0 ? "sticker" : "image";
    if (!strncmp(ct, "audio/", 6))
        return "audio";
    if (!strncmp(ct, "video/", 6))
        return "video";
    return "document";
}

static int set_nonempty(json_t *o, const char *key, const char *v)
{
    if (!v || !*v)
        return 0;
    return json_object_set_new(o, key, hc_jstr(v, strlen(v)));
}

int hilo_twilio_parse_message(const struct hilo_form *f, struct hilo_inbound **out)
{
    const char *sid = hilo_form_get(f, "MessageSid"), *from = hilo_form_get(f, "From");
    struct hilo_inbound *m = NULL;
    json_t *extra = NULL;
    struct hilo_buf text;
    const char *colon, *type = "text";
    int ret = -1;

    hilo_buf_init(&text, HC_MAX_OUT);
    if (!sid)
        sid = hilo_form_get(f, "SmsMessageSid");
    if (!f || !out || !sid || !*sid || !from || !*from)
        return -1;
    if (!(m = hc_inbound_new()) || !(extra = json_object()))
        goto fail;
    colon = strchr(from, ':');
    if (colon) {
        if (hc_setn(&m->channel, from, (size_t)(colon - from)))
            goto fail;
        for (char *p = m->channel; *p; p++)
            *p = (char)hc_ascii_lower((unsigned char)*p);
    } else if (hc_set(&m->channel, "sms")) {
        goto fail;
    }
    free(m->from);
    if (!(m->from = hc_phone_e164(colon ? colon + 1 : from)) || hc_set(&m->provider, "twilio") ||
        hc_set(&m->provider_id, sid) || hc_set(&m->to, get(f, "To")) ||
        hc_set(&m->from_name, get(f, "ProfileName")))
        goto fail;

    /* Media: NumMedia with zero-based MediaUrlN / MediaContentTypeN. */
    int64_t nmedia = hc_parse_uint(hilo_form_get(f, "NumMedia"));
    if (nmedia > 0) {
        json_t *media = json_array();
        if (!media || json_object_set_new(extra, "media", media))
            goto fail;
        for (int64_t i = 0; i < nmedia && i < 20; i++) {
            char k1[32], k2[40];
            snprintf(k1, sizeof(k1), "MediaUrl%d", (int)i);
            snprintf(k2, sizeof(k2), "MediaContentType%d", (int)i);
            const char *url = hilo_form_get(f, k1);
            if (!url)
                continue;
            if (json_array_size(media) == 0)
                type = media_kind(get(f, k2));
            json_t *item = json_object();
            if (!item || json_array_append_new(media, item) || set_nonempty(item, "url", url) ||
                set_nonempty(item, "content_type", get(f, k2)))
                goto fail;
        }
    }
    const char *lat = hilo_form_get(f, "Latitude"), *lng = hilo_form_get(f, "Longitude");
    if (lat && lng && *lat && *lng) {
        json_t *loc = json_object();
        type = "location";
        if (!loc || json_object_set_new(extra, "location", loc) ||
            set_nonempty(loc, "latitude", lat) || set_nonempty(loc, "longitude", lng) ||
            set_nonempty(loc, "address", hilo_form_get(f, "Address")) ||
            set_nonempty(loc, "name", hilo_form_get(f, "Label")))
            goto fail;
    }
    const char *btext = hilo_form_get(f, "ButtonText");
    if (btext && *btext) {
        type = "button";
        json_t *btn = json_object();
        if (!btn || json_object_set_new(extra, "button", btn) || set_nonempty(btn, "text", btext) ||
            set_nonempty(btn, "payload", hilo_form_get(f, "ButtonPayload")) ||
            set_nonempty(btn, "type", hilo_form_get(f, "ButtonType")))
            goto fail;
    }
    const char *orig = hilo_form_get(f, "OriginalRepliedMessageSid");
    if (orig && *orig) {
        json_t *ctx = json_object();
        if (!ctx || json_object_set_new(extra, "context", ctx) || set_nonempty(ctx, "id", orig) ||
            set_nonempty(ctx, "from", hilo_form_get(f, "OriginalRepliedMessageSender")))
            goto fail;
    }
    const char *rsrc = hilo_form_get(f, "ReferralSourceUrl");
    if (rsrc && *rsrc) {
        json_t *ref = json_object();
        if (!ref || json_object_set_new(extra, "referral", ref) || set_nonempty(ref, "source_url", rsrc) ||
            set_nonempty(ref, "source_id", hilo_form_get(f, "ReferralSourceId")) ||
            set_nonempty(ref, "source_type", hilo_form_get(f, "ReferralSourceType")) ||
            set_nonempty(ref, "headline", hilo_form_get(f, "ReferralHeadline")) ||
            set_nonempty(ref, "body", hilo_form_get(f, "ReferralBody")) ||
            set_nonempty(ref, "ctwa_clid", hilo_form_get(f, "ReferralCtwaClid")))
            goto fail;
    }
    if (set_nonempty(extra, "wa_id", hilo_form_get(f, "WaId")) ||
        set_nonempty(extra, "messaging_service_sid", hilo_form_get(f, "MessagingServiceSid")))
        goto fail;

    if (hilo_buf_adds(&text, get(f, "Body")))
        goto fail;
    if (strcmp(type, "location") == 0 && text.len == 0) {
        if (hilo_buf_adds(&text, "\xF0\x9F\x93\x8D"))
            goto fail;
        const char *label = get(f, "Label"), *addr = get(f, "Address");
        if ((*label && (hilo_buf_adds(&text, " ") || hilo_buf_adds(&text, label))) ||
            (*addr && (hilo_buf_adds(&text, *label ? ", " : " ") || hilo_buf_adds(&text, addr))) ||
            hilo_buf_adds(&text, " (") || hilo_buf_adds(&text, lat) || hilo_buf_adds(&text, ", ") ||
            hilo_buf_adds(&text, lng) || hilo_buf_adds(&text, ")"))
            goto fail;
    }
    if (hc_set(&m->type, type))
        goto fail;
    free(m->text);
    m->text = NULL;
    m->text = hilo_buf_take(&text);
    free(m->extra_json);
    if (!m->text || !(m->extra_json = hc_json_dump(extra)) || hc_inbound_fix_utf8(m))
        goto fail;
    hc_inbound_append(out, m);
    m = NULL;
    ret = 0;
fail:
    hilo_buf_deinit(&text);
    hilo_inbound_free(m);
    json_decref(extra);
    return ret;
}

/* Meanings of the delivery error codes Twilio reports most (T11 pages). */
static const char *error_meaning(const char *code)
{
    static const struct {
        const char *code, *text;
    } table[] = {
        {"30001", "Queue overflow"},
        {"30002", "Account suspended"},
        {"30003", "Unreachable destination handset"},
        {"30004", "Message blocked"},
        {"30005", "Unknown destination handset"},
        {"30006", "Landline or unreachable carrier"},
        {"30007", "Message filtered"},
        {"30008", "Unknown error"},
        {"30034", "Message from an unregistered number"},
        {"63016", "Outside the allowed window; use a template"},
        {"63024", "Invalid message recipient"},
        {"21610", "Recipient unsubscribed"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(code, table[i].code) == 0)
            return table[i].text;
    return NULL;
}

static const char *normalize_status(const char *s)
{
    static const struct {
        const char *from, *to;
    } map[] = {
        {"queued", "queued"},       {"accepted", "queued"},  {"scheduled", "queued"},
        {"sending", "queued"},      {"sent", "sent"},        {"delivered", "delivered"},
        {"read", "read"},           {"failed", "failed"},    {"undelivered", "failed"},
        {"canceled", "failed"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcasecmp(s, map[i].from) == 0)
            return map[i].to;
    return NULL;
}

int hilo_twilio_parse_status(const struct hilo_form *f, struct hilo_delivery **out)
{
    const char *sid = hilo_form_get(f, "MessageSid"), *status = hilo_form_get(f, "MessageStatus");
    const char *code = hilo_form_get(f, "ErrorCode");
    struct hilo_delivery *d = NULL;

    if (!sid)
        sid = hilo_form_get(f, "SmsSid");
    if (!status)
        status = hilo_form_get(f, "SmsStatus");
    if (!out || !sid || !*sid || !status || !*status)
        return -1;
    if (!(d = hc_delivery_new()))
        return -1;
    const char *norm = normalize_status(status);
    if (hc_set(&d->provider_id, sid) || hc_set(&d->status, norm ? norm : status))
        goto fail;
    if (!norm)
        for (char *p = d->status; *p; p++)
            *p = (char)hc_ascii_lower((unsigned char)*p);
    if (code && *code && strcmp(code, "0") != 0) {
        const char *why = hilo_form_get(f, "ChannelStatusMessage");
        char buf[512];
        if (!why || !*why)
            why = hilo_form_get(f, "ErrorMessage");
        if (!why || !*why)
            why = error_meaning(code);
        if (why && *why)
            snprintf(buf, sizeof(buf), "%s: %s", code, why);
        else
            snprintf(buf, sizeof(buf), "%s", code);
        if (hc_set(&d->error, buf))
            goto fail;
    }
    if (hc_utf8_fix(&d->provider_id) || hc_utf8_fix(&d->status) || hc_utf8_fix(&d->error))
        goto fail;
    hc_delivery_append(out, d);
    return 0;
fail:
    hilo_delivery_free(d);
    return -1;
}

static int add_param(struct hilo_buf *b, const char *k, const char *v)
{
    char *enc = hilo_form_encode(v);
    int r = !enc || (b->len && hilo_buf_adds(b, "&")) || hilo_buf_adds(b, k) ||
            hilo_buf_adds(b, "=") || hilo_buf_adds(b, enc);
    free(enc);
    return r ? -1 : 0;
}

char *hilo_twilio_build_message(const char *from, const char *to, const char *body,
                                const char *status_callback_url)
{
    struct hilo_buf b;
    if (!from || !*from || !to || !*to || !body)
        return NULL;
    hilo_buf_init(&b, HC_MAX_OUT);
    if (add_param(&b, "To", to) || add_param(&b, "From", from) || add_param(&b, "Body", body) ||
        (status_callback_url && *status_callback_url &&
         add_param(&b, "StatusCallback", status_callback_url))) {
        hilo_buf_deinit(&b);
        return NULL;
    }
    return hilo_buf_take(&b);
}

char *hilo_twilio_build_content(const char *from, const char *to, const char *content_sid,
                                const char *const *params, size_t nparams,
                                const char *status_callback_url)
{
    struct hilo_buf b;
    json_t *vars;
    char *vjs, num[24];
    if (!from || !*from || !to || !*to || !content_sid || !*content_sid)
        return NULL;
    vars = json_object();
    for (size_t i = 0; vars && i < nparams; i++) {
        snprintf(num, sizeof num, "%zu", i + 1);
        json_object_set_new(vars, num, json_string(params[i] ? params[i] : ""));
    }
    vjs = vars ? json_dumps(vars, JSON_COMPACT) : NULL;
    json_decref(vars);
    if (!vjs)
        return NULL;
    hilo_buf_init(&b, HC_MAX_OUT);
    if (add_param(&b, "To", to) || add_param(&b, "From", from) ||
        add_param(&b, "ContentSid", content_sid) || add_param(&b, "ContentVariables", vjs) ||
        (status_callback_url && *status_callback_url &&
         add_param(&b, "StatusCallback", status_callback_url))) {
        hilo_buf_deinit(&b);
        free(vjs);
        return NULL;
    }
    free(vjs);
    return hilo_buf_take(&b);
}

int hilo_twilio_parse_send_response(long http_status, const char *body, size_t len,
                                    char **provider_id, int *retryable, char *err, size_t errlen)
{
    json_t *root = body ? json_loadb(body, len, 0, NULL) : NULL;
    int ret = -1, retry = http_status == 429 || http_status >= 500;

    if (provider_id)
        *provider_id = NULL;
    if (http_status >= 200 && http_status < 300) {
        const char *sid = hc_json_str(root, "sid");
        if (sid && *sid) {
            if (provider_id && !(*provider_id = strdup(sid))) {
                hc_err(err, errlen, "out of memory");
                retry = 1;
                goto out;
            }
            hc_err(err, errlen, "%s", "");
            ret = 0;
            goto out;
        }
        hc_err(err, errlen, "HTTP %ld without a sid", http_status);
        goto out;
    }
    json_t *code = json_object_get(root, "code");
    if (json_is_integer(code)) {
        const char *msg = hc_json_str(root, "message");
        if (json_integer_value(code) == 20429)
            retry = 1;
        hc_err(err, errlen, "%lld: %s", (long long)json_integer_value(code), msg ? msg : "error");
    } else {
        hc_err(err, errlen, "HTTP %ld", http_status);
    }
out:
    if (retryable)
        *retryable = ret == 0 ? 0 : retry;
    json_decref(root);
    return ret;
}

int hilo_twilio_parse_call(const struct hilo_form *f, struct hilo_call *out)
{
    const char *sid = hilo_form_get(f, "CallSid");
    if (!out)
        return -1;
    memset(out, 0, sizeof(*out));
    if (!sid || !*sid)
        return -1;
    const char *from = get(f, "From");
    out->call_sid = hc_strdup(sid);
    out->from = *from ? hc_phone_e164(from) : hc_strdup("");
    out->to = hc_strdup(get(f, "To"));
    out->status = hc_strdup(get(f, "CallStatus"));
    out->digits = hc_strdup(get(f, "Digits"));
    out->speech = hc_strdup(get(f, "SpeechResult"));
    out->recording_url = hc_strdup(get(f, "RecordingUrl"));
    out->transcription = hc_strdup(get(f, "TranscriptionText"));
    out->transcription_status = hc_strdup(get(f, "TranscriptionStatus"));
    int64_t d = hc_parse_uint(hilo_form_get(f, "RecordingDuration"));
    if (d < 0)
        d = hc_parse_uint(hilo_form_get(f, "CallDuration"));
    out->duration_s = d > 0 && d < 1000000 ? (int)d : 0;
    if (!out->call_sid || !out->from || !out->to || !out->status || !out->digits || !out->speech ||
        !out->recording_url || !out->transcription || !out->transcription_status)
        goto fail;
    /* Speech and transcription text end up in JSON for the agents. */
    char **fields[] = {&out->call_sid, &out->from, &out->to, &out->status, &out->digits,
                       &out->speech, &out->recording_url, &out->transcription,
                       &out->transcription_status};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (hc_utf8_fix(fields[i]))
            goto fail;
    return 0;
fail:
    hilo_call_free(out);
    return -1;
}

void hilo_call_free(struct hilo_call *c)
{
    if (!c)
        return;
    free(c->call_sid);
    free(c->from);
    free(c->to);
    free(c->status);
    free(c->digits);
    free(c->speech);
    free(c->recording_url);
    free(c->transcription);
    free(c->transcription_status);
    memset(c, 0, sizeof(*c));
}

/* ---- the channel rows (include/hilo/channels.h) ----------------------------- */

static int tw_account(const struct hilo_config *c)
{
    return c->twilio_account_sid[0] && c->twilio_auth_token[0];
}

static int tw_sms_configured(const struct hilo_config *c) { return tw_account(c) && c->twilio_from[0]; }

static int tw_wa_configured(const struct hilo_config *c)
{
    return tw_account(c) && c->twilio_whatsapp_from[0];
}

static int tw_hooks_configured(const struct hilo_config *c) { return c->twilio_auth_token[0] != '\0'; }

/* The URL Twilio signed is the public one it was given (never the Host
 * header), with the path and the query. */
static int tw_verify(const struct hilo_config *c, const struct hilo_http_in *in, char *err,
                     size_t errlen)
{
    struct hilo_form form = {0};
    char url[1200];
    int rc = 0;
    const char *sig = hilo_http_in_header(in, "x-twilio-signature");
    if (!sig || !*sig) {
        hc_err(err, errlen, "Missing X-Twilio-Signature.");
        return -HILO_EUNAUTH;
    }
    if (hilo_form_parse(in->body, in->body_len, &form) < 0) {
        /* a body we cannot read cannot be verified either */
        hc_err(err, errlen, "Malformed form body.");
        return -HILO_EBADFRAME;
    }
    snprintf(url, sizeof url, "%s%s%s%s", c->public_url, in->path, in->query && *in->query ? "?" : "",
             in->query ? in->query : "");
    if (hilo_twilio_verify_signature(c->twilio_auth_token, url, &form, sig) < 0) {
        hc_err(err, errlen, "Bad signature.");
        rc = -HILO_EFORBIDDEN;
    }
    hilo_form_free(&form);
    return rc;
}

static int tw_parse(const struct hilo_http_in *in, struct hilo_inbound **msgs,
                    struct hilo_delivery **statuses, char *err, size_t errlen)
{
    struct hilo_form form = {0};
    size_t n = strlen(in->path), k = strlen("/status");
    int status = n >= k && strcmp(in->path + n - k, "/status") == 0, rc;
    if (hilo_form_parse(in->body, in->body_len, &form) < 0) {
        hc_err(err, errlen, "Malformed form body.");
        return -HILO_EBADFRAME;
    }
    rc = status ? hilo_twilio_parse_status(&form, statuses) : hilo_twilio_parse_message(&form, msgs);
    hilo_form_free(&form);
    if (rc < 0) {
        hc_err(err, errlen, "Missing MessageSid or From.");
        return -HILO_EBADFRAME;
    }
    return 0;
}

static int tw_build(const struct hilo_config *c, const struct hilo_channel_msg *m,
                    struct hilo_channel_req *req, int wa)
{
    char dest[80], cb[600];
    req->method = "POST";
    snprintf(req->url, sizeof req->url, "%s/2010-04-01/Accounts/%s/Messages.json", c->twilio_api_base,
             c->twilio_account_sid);
    snprintf(dest, sizeof dest, "%s%s", wa ? "whatsapp:" : "", m->to ? m->to : "");
    snprintf(cb, sizeof cb, "%s/webhooks/twilio/status", c->public_url);
    req->headers[0] = "Content-Type: application/x-www-form-urlencoded";
    req->headers[1] = NULL;
    req->username = c->twilio_account_sid;
    req->password = c->twilio_auth_token;
    if (wa && m->tpl && *m->tpl) {
        /* outside the window: an approved Content template by its ContentSid */
        json_error_t je;
        json_t *pa = json_loads(m->tpl_params && *m->tpl_params ? m->tpl_params : "[]", 0, &je);
        const char *params[10];
        size_t np = 0;
        for (size_t i = 0; json_is_array(pa) && i < json_array_size(pa) && np < 10; i++)
            params[np++] = json_string_value(json_array_get(pa, i));
        req->body = hilo_twilio_build_content(c->twilio_whatsapp_from, dest, m->tpl, params, np,
                                              c->public_url[0] ? cb : NULL);
        json_decref(pa);
        return req->body ? 0 : -1;
    }
    req->body = hilo_twilio_build_message(wa ? c->twilio_whatsapp_from : c->twilio_from, dest, m->text,
                                          c->public_url[0] ? cb : NULL);
    return req->body ? 0 : -1;
}

static int tw_sms_build(const struct hilo_config *c, const struct hilo_channel_msg *m,
                        struct hilo_channel_req *req)
{
    return tw_build(c, m, req, 0);
}

static int tw_wa_build(const struct hilo_config *c, const struct hilo_channel_msg *m,
                       struct hilo_channel_req *req)
{
    return tw_build(c, m, req, 1);
}

static int tw_parse_send(long status, const char *body, size_t len, char **provider_id,
                         int *retryable, int *window_closed, char *err, size_t errlen)
{
    if (window_closed)
        *window_closed = 0;
    return hilo_twilio_parse_send_response(status, body, len, provider_id, retryable, err, errlen);
}

/* The messaging webhooks carry SMS and WhatsApp alike (the From prefix
 * tells), so they hang on the SMS row. */
static const char *const messaging_hooks[] = {"/webhooks/twilio/messaging", "/webhooks/twilio/status",
                                              NULL};
static const char *const voice_hooks[] = {"/webhooks/twilio/voice", "/webhooks/twilio/voice/gather",
                                          "/webhooks/twilio/voice/recording",
                                          "/webhooks/twilio/voice/transcription",
                                          "/webhooks/twilio/voice/status",
                                          "/webhooks/twilio/voice/csat", NULL};

const struct hilo_channel_ops hilo_channel_sms_twilio = {
    .channel = "sms",
    .provider = "twilio",
    .via = "",
    .title = "Twilio",
    .identity = "phone",
    .hooks = messaging_hooks,
    .flags = HILO_CHANNEL_TWIML,
    .transport = HILO_CHANNEL_HTTP,
    .configured = tw_sms_configured,
    .hooks_configured = tw_hooks_configured,
    .verify = tw_verify,
    .parse = tw_parse,
    .build_send = tw_sms_build,
    .parse_send = tw_parse_send,
};

const struct hilo_channel_ops hilo_channel_whatsapp_twilio = {
    .channel = "whatsapp",
    .provider = "twilio",
    .via = "twilio",
    .title = "Twilio",
    .identity = "phone",
    .window_ms = 24ull * 3600 * 1000,
    .transport = HILO_CHANNEL_HTTP,
    .configured = tw_wa_configured,
    .build_send = tw_wa_build,
    .parse_send = tw_parse_send,
};

/* Calls are answered by inbound/voice.c; the row verifies their webhooks. */
const struct hilo_channel_ops hilo_channel_voice_twilio = {
    .channel = "voice",
    .provider = "twilio",
    .via = "",
    .title = "Twilio",
    .identity = "phone",
    .hooks = voice_hooks,
    .flags = HILO_CHANNEL_TWIML | HILO_CHANNEL_CALLS,
    .transport = HILO_CHANNEL_HTTP,
    .hooks_configured = tw_hooks_configured,
    .verify = tw_verify,
};
