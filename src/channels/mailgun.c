/* Mailgun Routes forward(): signature check and the posted fields of one
 * inbound email (PROVIDERS.md 4.1). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "internal.h"

int hilo_mailgun_verify(const char *signing_key, const char *timestamp, const char *token,
                        const char *signature, int64_t now_s, int max_age_s)
{
    unsigned char want[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    size_t bin_len = 0;
    const char *hex_end = NULL;
    int64_t ts;

    if (!signing_key || !*signing_key || !timestamp || !token || !*token || !signature ||
        max_age_s < 0)
        return -1;
    ts = hc_parse_uint(timestamp);
    if (ts < 0 || strspn(timestamp, "0123456789") != strlen(timestamp))
        return -1;
    if ((ts > now_s ? ts - now_s : now_s - ts) > max_age_s)
        return -1;
    if (strlen(signature) != 64 ||
        sodium_hex2bin(got, sizeof(got), signature, 64, NULL, &bin_len, &hex_end) != 0 ||
        bin_len != sizeof(got) || *hex_end)
        return -1;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)signing_key, strlen(signing_key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)timestamp, strlen(timestamp));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)token, strlen(token));
    crypto_auth_hmacsha256_final(&st, want);
    return sodium_memcmp(want, got, sizeof(want)) == 0 ? 0 : -1;
}

/* Value of a header in message-headers ([[name, value], ...]), or NULL. */
static const char *header_of(json_t *headers, const char *name)
{
    json_t *h;
    size_t i;
    json_array_foreach(headers, i, h) {
        const char *n = json_string_value(json_array_get(h, 0));
        const char *v = json_string_value(json_array_get(h, 1));
        if (n && v && strcasecmp(n, name) == 0)
            return v;
    }
    return NULL;
}

/* Automatic mail (RFC 3834 Auto-Submitted, and the common markers that
 * predate it: Precedence bulk/junk/auto_reply, X-Autoreply, X-Autorespond). */
static int auto_reply(json_t *headers)
{
    const char *v = header_of(headers, "Auto-Submitted");
    if (v) {
        v += strspn(v, " \t");
        if (!(strncasecmp(v, "no", 2) == 0 && (v[2] == '\0' || strchr(" \t;(", v[2]))))
            return 1;
    }
    if (header_of(headers, "X-Autoreply") || header_of(headers, "X-Autorespond"))
        return 1;
    if (!(v = header_of(headers, "Precedence")))
        v = header_of(headers, "X-Precedence");
    if (v) {
        v += strspn(v, " \t");
        if (strncasecmp(v, "bulk", 4) == 0 || strncasecmp(v, "junk", 4) == 0 ||
            strncasecmp(v, "auto_reply", 10) == 0)
            return 1;
    }
    return 0;
}

/* A report about other mail: a delivery status notification (bounce, delay),
 * a read receipt or a complaint (multipart/report), or mail from the null
 * sender or a mailer daemon. A postmaster may be a person: not alone. */
static int is_report(json_t *headers, const char *from, const char *sender, int has_sender)
{
    const char *v = header_of(headers, "Content-Type"), *at;
    if (v && strncasecmp(v + strspn(v, " \t"), "multipart/report", 16) == 0)
        return 1;
    if ((v = header_of(headers, "Return-Path")) && strcmp(v + strspn(v, " \t"), "<>") == 0)
        return 1;
    if (has_sender && (!*sender || strcmp(sender, "<>") == 0))
        return 1;
    at = from ? strchr(from, '@') : NULL;
    return at && at - from == 13 && strncasecmp(from, "mailer-daemon", 13) == 0;
}

/* "5.X.X" at p (RFC 3463, permanent), not part of an address or a date
 * ("[5.9.12.34]", "5.3.2025"): the length matched, or 0. */
static size_t permanent_status(const char *p)
{
    const char *q = p + 2;
    int parts = 1;
    if (p[0] != '5' || p[1] != '.')
        return 0;
    for (;;) {
        const char *d = q;
        while (isdigit((unsigned char)*q) && q - d < 3)
            q++;
        if (q == d)
            return 0;
        if (++parts == 3)
            break;
        if (*q != '.')
            return 0;
        q++;
    }
    if (isdigit((unsigned char)*q) || (*q == '.' && isdigit((unsigned char)q[1])))
        return 0;
    return (size_t)(q - p);
}

/* A report that a mail was not delivered, with proof: an "Action: failed",
 * a "Status: 5.X.X" line, or an SMTP reply "5XX 5.X.X" (as in "550 5.1.1
 * User unknown"). The line with the status into out ("bounce: <line>"),
 * cut on a character boundary; -1 without proof (a delay warning, a
 * receipt, an automatic reply sent from the null sender). */
static int bounce_reason(const char *text, char *out, size_t n)
{
    const char *line = NULL;
    int failed = 0;
    for (const char *l = text; *l; l += strcspn(l, "\n"), l += *l == '\n') {
        const char *s = l + strspn(l, " \t>");
        size_t len = strcspn(l, "\r\n");
        if (strncasecmp(s, "action:", 7) == 0 && strncasecmp(s + 7 + strspn(s + 7, " \t"), "failed", 6) == 0)
            failed = 1;
        if (strncasecmp(s, "status:", 7) == 0 && permanent_status(s + 7 + strspn(s + 7, " \t")))
            failed = 1;
        for (const char *p = l; p + 8 < l + len && !line; p++)
            if (p[0] == '5' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
                (p == l || !isalnum((unsigned char)p[-1])) && (p[3] == ' ' || p[3] == '-') &&
                permanent_status(p + 4))
                line = s;
    }
    if (!failed && !line)
        return -1;
    if (line) {
        size_t k = strcspn(line, "\r\n");
        if (k > 180) { /* on a character's first byte */
            k = 180;
            while (k && ((unsigned char)line[k] & 0xc0) == 0x80)
                k--;
        }
        while (k && (line[k - 1] == ' ' || line[k - 1] == '\t'))
            k--;
        snprintf(out, n, "bounce: %.*s", (int)k, line);
    } else {
        snprintf(out, n, "bounce: the recipient's mail server returned the message");
    }
    /* a status line may hold anything the remote server said */
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    return 0;
}

/* Our Message-ID on a "Message-ID:" line of the returned mail (a report
 * quotes the headers of the mail it returns), not in the report's own
 * In-Reply-To or References. */
static int returned_msgid(const char *text, char *out, size_t n)
{
    for (const char *l = text; *l; l += strcspn(l, "\n"), l += *l == '\n') {
        const char *s = l + strspn(l, " \t>");
        size_t len = strcspn(s, "\r\n");
        char buf[400];
        if (len < 11 || len >= sizeof buf || strncasecmp(s, "message-id:", 11) != 0)
            continue;
        memcpy(buf, s + 11, len - 11);
        buf[len - 11] = '\0';
        if (hilo_email_find_own_msgid(buf, out, n) == 0)
            return 0;
    }
    return -1;
}

/* Digits of a "+<digits>@" plus-address in a recipient list, or 0 found. */
static int plus_ref(const char *recipients, char *out, size_t outlen)
{
    for (const char *p = recipients ? recipients : ""; (p = strchr(p, '+')); p++) {
        size_t n = strspn(p + 1, "0123456789");
        if (n >= 4 && n < outlen && p[1 + n] == '@') {
            memcpy(out, p + 1, n);
            out[n] = '\0';
            return 1;
        }
    }
    return 0;
}

/* "[#12345678]", "[1234 5678]", "[Ticket #1234-5678]": digits of the first
 * bracket holding 6..12 digits and only blanks, '-' or '#' besides. */
static int subject_ref(const char *subject, char *out, size_t outlen)
{
    for (const char *p = subject ? subject : ""; (p = strchr(p, '[')); p++) {
        const char *q = p + 1;
        size_t n = 0;
        if (strncasecmp(q, "Ticket", 6) == 0)
            q += 6;
        for (; *q && *q != ']'; q++) {
            if (isdigit((unsigned char)*q)) {
                if (n + 1 >= outlen)
                    break;
                out[n++] = *q;
            } else if (*q != ' ' && *q != '-' && *q != '#') {
                break;
            }
        }
        if (*q == ']' && n >= 6 && n <= 12) {
            out[n] = '\0';
            return 1;
        }
    }
    return 0;
}

static char *strip_angle(const char *id)
{
    while (*id == ' ' || *id == '\t')
        id++;
    size_t n = strlen(id);
    while (n && (id[n - 1] == ' ' || id[n - 1] == '\t'))
        n--;
    if (n >= 2 && id[0] == '<' && id[n - 1] == '>')
        return hc_strndup(id + 1, n - 2);
    return hc_strndup(id, n);
}

/* Stable id for mail without Message-Id, so Mailgun's retries dedupe. */
static char *fallback_id(const char *from, const char *subject, const char *date, const char *body)
{
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1], out[sizeof(hex) + 8];
    const char *parts[] = {from, subject, date, body};
    crypto_hash_sha256_init(&st);
    for (size_t i = 0; i < 4; i++)
        crypto_hash_sha256_update(&st, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    snprintf(out, sizeof(out), "sha256:%s", hex);
    return strdup(out);
}

/* Unfolds a header value in place: whitespace runs become one space,
 * none at the ends. */
static void unfold(char *s)
{
    char *o = s;
    int space = 0;
    for (char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            space = o != s;
            continue;
        }
        if (space)
            *o++ = ' ';
        space = 0;
        *o++ = *p;
    }
    *o = '\0';
}

static const char *field(const struct hilo_form *f, const char *k)
{
    const char *v = hilo_form_get(f, k);
    return v ? v : "";
}

int hilo_mailgun_parse(const struct hilo_form *f, struct hilo_inbound **out)
{
    struct hilo_delivery *none = NULL;
    int rc = hilo_mailgun_parse_all(f, out, &none);
    hilo_delivery_free(none);
    return rc;
}

/* A bounce of one of our mails: its failure, for the row that sent it. */
static int bounce_delivery(const char *msgid, const char *reason, struct hilo_delivery **out)
{
    struct hilo_delivery *d = hc_delivery_new();
    if (!d || hc_set(&d->provider_id, msgid) || hc_set(&d->status, "failed") ||
        hc_set(&d->error, reason) || hc_utf8_fix(&d->error) || !(d->provider = hc_strdup("email"))) {
        hilo_delivery_free(d);
        return -1;
    }
    hc_delivery_append(out, d);
    return 0;
}

int hilo_mailgun_parse_all(const struct hilo_form *f, struct hilo_inbound **out,
                           struct hilo_delivery **statuses)
{
    struct hilo_inbound *m = NULL;
    json_t *headers = NULL, *extra = NULL, *atts = NULL;
    char *addr = NULL, *name = NULL, ref[16];
    int ret = -1;

    if (!f || !out)
        return -1;
    if (hilo_email_address(field(f, "from"), &addr, &name) < 0 &&
        hilo_email_address(field(f, "sender"), &addr, &name) < 0)
        return -1;
    headers = json_loads(field(f, "message-headers"), 0, NULL);
    const char *msgid = header_of(headers, "Message-Id");
    const char *irt = header_of(headers, "In-Reply-To");
    const char *refs = header_of(headers, "References");
    const char *date = header_of(headers, "Date");
    if (!msgid)
        msgid = hilo_form_get(f, "Message-Id");
    if (!irt)
        irt = hilo_form_get(f, "In-Reply-To");
    if (!refs)
        refs = hilo_form_get(f, "References");
    if (!date)
        date = hilo_form_get(f, "Date");

    /* Automatic mail is never answered (no mail loops); a report that one
     * of our mails bounced is that mail's failure. An out-of-office sent
     * from the null sender (Dovecot's vacation) is a reply, not a report. */
    int automatic = auto_reply(headers) ? HILO_AUTO_REPLY : 0;
    if (!automatic &&
        is_report(headers, addr, field(f, "sender"), hilo_form_get(f, "sender") != NULL)) {
        char own[300], reason[220];
        const char *body = field(f, "body-plain");
        automatic = HILO_AUTO_BOUNCE;
        if (statuses && returned_msgid(body, own, sizeof own) == 0 &&
            bounce_reason(body, reason, sizeof reason) == 0) {
            if (bounce_delivery(own, reason, statuses) < 0)
                goto fail;
            ret = 0;
            goto fail; /* not a message: done */
        }
    }
    if (!(m = hc_inbound_new()) || !(extra = json_object()))
        goto fail;
    m->automatic = automatic;
    free(m->from);
    m->from = addr;
    addr = NULL;
    free(m->from_name);
    m->from_name = name;
    name = NULL;
    if (hc_set(&m->channel, "email") || hc_set(&m->provider, "mailgun") ||
        hc_set(&m->type, "text") || hc_set(&m->to, field(f, "recipient")) ||
        hc_set(&m->subject, field(f, "subject")) || hc_set(&m->message_id, msgid) ||
        hc_set(&m->in_reply_to, irt) || hc_set(&m->references, refs))
        goto fail;
    /* Header values from Mailgun may carry folding whitespace. */
    char *ids[] = {m->message_id, m->in_reply_to, m->references};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        unfold(ids[i]);
    free(m->provider_id);
    m->provider_id = msgid && *msgid ? strip_angle(msgid)
                                     : fallback_id(m->from, m->subject, date ? date : "",
                                                   field(f, "body-plain"));
    if (!m->provider_id)
        goto fail;

    const char *stripped = hilo_form_get(f, "stripped-text");
    free(m->text);
    m->text = stripped && *stripped ? hc_strdup(stripped) : hilo_email_trim_reply(field(f, "body-plain"));
    if (!m->text)
        goto fail;
    if ((plus_ref(field(f, "recipient"), ref, sizeof(ref)) ||
         subject_ref(m->subject, ref, sizeof(ref))) &&
        hc_set(&m->ref_hint, ref))
        goto fail;
    int64_t ts = hc_parse_uint(hilo_form_get(f, "timestamp"));
    m->ts_ms = ts > 0 && ts < INT64_MAX / 1000 ? ts * 1000 : 0;

    /* Attachments: multipart file parts whose value is the filename. */
    for (size_t i = 0; i < f->n; i++) {
        if (strncmp(f->keys[i], "attachment-", 11) != 0 ||
            !isdigit((unsigned char)f->keys[i][11]))
            continue;
        if (!atts && (!(atts = json_array()) || json_object_set(extra, "attachments", atts)))
            goto fail;
        json_t *item = json_object();
        if (!item || json_array_append_new(atts, item) ||
            json_object_set_new(item, "field", hc_jstr(f->keys[i], strlen(f->keys[i]))) ||
            json_object_set_new(item, "filename", hc_jstr(f->values[i], f->value_lens[i])))
            goto fail;
    }
    if ((*field(f, "sender") && json_object_set_new(extra, "sender", hc_jstr(field(f, "sender"), strlen(field(f, "sender"))))) ||
        (date && *date && json_object_set_new(extra, "date", hc_jstr(date, strlen(date)))))
        goto fail;
    free(m->extra_json);
    if (!(m->extra_json = hc_json_dump(extra)) || hc_inbound_fix_utf8(m))
        goto fail;
    hc_inbound_append(out, m);
    m = NULL;
    ret = 0;
fail:
    hilo_inbound_free(m);
    json_decref(headers);
    json_decref(extra);
    json_decref(atts);
    free(addr);
    free(name);
    return ret;
}

int hilo_mailgun_events_parse(const char *body, size_t len, struct hilo_delivery **out)
{
    json_t *root = json_loadb(body ? body : "", body ? len : 0, 0, NULL), *ev;
    struct hilo_delivery *d = NULL;
    const char *event, *sev, *mid, *msg;
    char err[300], *pid = NULL;
    int ret = -1;
    if (!json_is_object(root))
        goto done;
    ev = json_object_get(root, "event-data");
    if (!json_is_object(ev)) /* account webhooks put the event at the top */
        ev = root;
    ret = 0;
    event = json_string_value(json_object_get(ev, "event"));
    sev = json_string_value(json_object_get(ev, "severity"));
    mid = json_string_value(json_object_get(
        json_object_get(json_object_get(ev, "message"), "headers"), "message-id"));
    if (!event || !mid || !*mid || !(pid = strip_angle(mid)) || !*pid)
        goto done;
    int failed = (strcmp(event, "failed") == 0 && sev && strcmp(sev, "permanent") == 0) ||
                 strcmp(event, "rejected") == 0;
    if (!failed && strcmp(event, "delivered") != 0)
        goto done; /* opened, clicked, a temporary failure (Mailgun retries)... */
    err[0] = '\0';
    if (failed) {
        json_t *ds = json_object_get(ev, "delivery-status"), *rj = json_object_get(ev, "reject");
        json_int_t code = json_integer_value(json_object_get(ds, "code"));
        msg = json_string_value(json_object_get(ds, "message"));
        if (!msg || !*msg)
            msg = json_string_value(json_object_get(ds, "description"));
        if ((!msg || !*msg) && rj)
            msg = json_string_value(json_object_get(rj, "reason"));
        if (!msg || !*msg)
            msg = json_string_value(json_object_get(ev, "reason"));
        if (code > 0)
            snprintf(err, sizeof err, "%lld: %.250s", (long long)code, msg ? msg : event);
        else
            snprintf(err, sizeof err, "%.250s", msg && *msg ? msg : event);
        for (char *c = err; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
    }
    if (!(d = hc_delivery_new()) || hc_set(&d->provider_id, pid) ||
        hc_set(&d->status, failed ? "failed" : "delivered") || hc_set(&d->error, err) ||
        hc_utf8_fix(&d->error) || hc_utf8_fix(&d->provider_id) ||
        !(d->provider = hc_strdup("email"))) {
        ret = -1;
        goto done;
    }
    double ts = json_number_value(json_object_get(ev, "timestamp"));
    d->ts_ms = ts > 0 && ts < 1e11 ? (int64_t)(ts * 1000) : 0;
    hc_delivery_append(out, d);
    d = NULL;
done:
    hilo_delivery_free(d);
    free(pid);
    json_decref(root);
    return ret;
}

/* ---- the channel row (include/hilo/channels.h) ----------------------------- */

/* Event webhooks (delivered, failed) post JSON here; routes post forms to
 * /webhooks/email. Both are signed with the same key. */
#define MG_EVENTS "/webhooks/email/events"

/* Mailgun retries a post it could not deliver for 8 hours (10 min, 15 min,
 * 30 min, 1 h, 2 h, 4 h) with the signature it first made: a retry after a
 * Redis outage must still pass. So a signature is good for 9 hours back and
 * 5 minutes ahead (clock skew); its token is claimed for longer than that
 * (inbound/hooks.c), so it never carries another message. */
#define MG_MAX_AGE_S (9 * 3600)
#define MG_MAX_AHEAD_S 300

static int mg_fresh(const char *ts, int64_t now_s)
{
    int64_t t = hc_parse_uint(ts);
    return t >= 0 && t <= now_s + MG_MAX_AHEAD_S;
}
static int mg_events(const struct hilo_http_in *in) { return strcmp(in->path, MG_EVENTS) == 0; }

/* {"signature": {"timestamp", "token", "signature"}} of an event post. */
static json_t *mg_event_sig(const struct hilo_http_in *in)
{
    json_t *root = json_loadb(in->body, in->body_len, 0, NULL);
    json_t *sig = json_incref(json_object_get(root, "signature"));
    json_decref(root);
    if (!json_is_object(sig)) {
        json_decref(sig);
        return NULL;
    }
    return sig;
}

static int mg_hooks_configured(const struct hilo_config *c) { return c->mailgun_signing_key[0] != '\0'; }

/* Routes post multipart/form-data (with attachments) or a plain form. */
static int mg_form(const struct hilo_http_in *in, struct hilo_form *form)
{
    const char *ctype = hilo_http_in_header(in, "content-type");
    if (ctype && strncasecmp(ctype, "multipart/form-data", 19) == 0)
        return hilo_form_parse_multipart(in->body, in->body_len, ctype, form);
    return hilo_form_parse(in->body, in->body_len, form);
}

static int mg_verify(const struct hilo_config *c, const struct hilo_http_in *in, char *err,
                     size_t errlen)
{
    struct hilo_form form = {0};
    int rc = 0;
    if (mg_events(in)) {
        json_t *sig = mg_event_sig(in);
        const char *ts = json_string_value(json_object_get(sig, "timestamp"));
        const char *tok = json_string_value(json_object_get(sig, "token"));
        const char *s = json_string_value(json_object_get(sig, "signature"));
        char tsbuf[24];
        json_t *tsn = json_object_get(sig, "timestamp");
        if (!ts && json_is_integer(tsn)) { /* a number in some payloads */
            snprintf(tsbuf, sizeof tsbuf, "%lld", (long long)json_integer_value(tsn));
            ts = tsbuf;
        }
        if (!ts || !tok || !s) {
            hc_err(err, errlen, "Missing signature.");
            rc = -HILO_EUNAUTH;
        } else if (!mg_fresh(ts, in->now_s) ||
                   hilo_mailgun_verify(c->mailgun_signing_key, ts, tok, s, in->now_s,
                                       MG_MAX_AGE_S) < 0) {
            hc_err(err, errlen, "Bad or stale signature.");
            rc = -HILO_EFORBIDDEN;
        }
        json_decref(sig);
        return rc;
    }
    if (mg_form(in, &form) < 0) {
        hc_err(err, errlen, "Malformed form body.");
        return -HILO_EBADFRAME;
    }
    const char *ts = hilo_form_get(&form, "timestamp"), *tok = hilo_form_get(&form, "token");
    const char *sig = hilo_form_get(&form, "signature");
    if (!ts || !tok || !sig) {
        hc_err(err, errlen, "Missing signature.");
        rc = -HILO_EUNAUTH;
    } else if (!mg_fresh(ts, in->now_s) ||
               hilo_mailgun_verify(c->mailgun_signing_key, ts, tok, sig, in->now_s, MG_MAX_AGE_S) < 0) {
        hc_err(err, errlen, "Bad or stale signature.");
        rc = -HILO_EFORBIDDEN;
    }
    hilo_form_free(&form);
    return rc;
}

static int mg_replay_token(const struct hilo_http_in *in, char *out, size_t n)
{
    struct hilo_form form = {0};
    int rc = -1;
    if (mg_events(in)) {
        json_t *sig = mg_event_sig(in);
        const char *tok = json_string_value(json_object_get(sig, "token"));
        if (tok && *tok && strlen(tok) < n) {
            memcpy(out, tok, strlen(tok) + 1);
            rc = 0;
        }
        json_decref(sig);
        return rc;
    }
    if (mg_form(in, &form) == 0) {
        const char *tok = hilo_form_get(&form, "token");
        if (tok && *tok && strlen(tok) < n) {
            memcpy(out, tok, strlen(tok) + 1);
            rc = 0;
        }
    }
    hilo_form_free(&form);
    return rc;
}

static int mg_parse(const struct hilo_http_in *in, struct hilo_inbound **msgs,
                    struct hilo_delivery **statuses, char *err, size_t errlen)
{
    struct hilo_form form = {0};
    int rc;
    if (mg_events(in)) {
        if (hilo_mailgun_events_parse(in->body, in->body_len, statuses) < 0) {
            hc_err(err, errlen, "Malformed event body.");
            return -HILO_EBADFRAME;
        }
        return 0;
    }
    if (mg_form(in, &form) < 0) {
        hc_err(err, errlen, "Malformed form body.");
        return -HILO_EBADFRAME;
    }
    rc = hilo_mailgun_parse_all(&form, msgs, statuses);
    hilo_form_free(&form);
    if (rc < 0) {
        hc_err(err, errlen, "Missing sender or message fields.");
        return -HILO_EBADFRAME;
    }
    return 0;
}

static const char *const mg_hooks[] = {"/webhooks/email", MG_EVENTS, NULL};

/* Receives mail and reports about it: replies go out by SMTP
 * (hilo_channel_email_smtp), whose bounces and Mailgun events come back here. */
const struct hilo_channel_ops hilo_channel_email_mailgun = {
    .channel = "email",
    .provider = "mailgun",
    .via = "",
    .title = "Inbound email",
    .identity = "email",
    .flags = HILO_CHANNEL_THREADS,
    .hooks = mg_hooks,
    .transport = HILO_CHANNEL_HTTP,
    .hooks_configured = mg_hooks_configured,
    .verify = mg_verify,
    .replay_token = mg_replay_token,
    .parse = mg_parse,
};
