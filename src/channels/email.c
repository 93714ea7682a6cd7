/* Email text handling: reply trimming and address parsing for inbound mail,
 * RFC 5322 message building for outbound mail (PROVIDERS.md 4). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "hilo/config.h"
#include "internal.h"

/* ---- reply trimming ---------------------------------------------------- */

struct line {
    const char *p;
    size_t n; /* without the line ending */
};

static int ends_with_ci(const char *p, size_t n, const char *suffix)
{
    size_t sl = strlen(suffix);
    return n >= sl && strncasecmp(p + n - sl, suffix, sl) == 0;
}

static int starts_with_ci(const char *p, size_t n, const char *prefix)
{
    size_t pl = strlen(prefix);
    return n >= pl && strncasecmp(p, prefix, pl) == 0;
}

static struct line trimmed(struct line l)
{
    while (l.n && (l.p[0] == ' ' || l.p[0] == '\t')) {
        l.p++;
        l.n--;
    }
    while (l.n && (l.p[l.n - 1] == ' ' || l.p[l.n - 1] == '\t'))
        l.n--;
    return l;
}

static int attribution_start(struct line t)
{
    return starts_with_ci(t.p, t.n, "On ") || starts_with_ci(t.p, t.n, "El ") ||
           starts_with_ci(t.p, t.n, "Le ") || starts_with_ci(t.p, t.n, "Am ") ||
           starts_with_ci(t.p, t.n, "Em ");
}

static int attribution_end(struct line t)
{
    static const char *const ends[] = {"wrote:", "escribi\xC3\xB3:", "escribio:",
                                       "a \xC3\xA9" "crit :", "a \xC3\xA9" "crit:",
                                       "schrieb:", "escreveu:"};
    for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
        if (ends_with_ci(t.p, t.n, ends[i]))
            return 1;
    return 0;
}

static int is_rule(struct line t, char c, size_t min)
{
    if (t.n < min)
        return 0;
    for (size_t i = 0; i < t.n; i++)
        if (t.p[i] != c)
            return 0;
    return 1;
}

/* Does the quoted part start at line i? */
static int quote_starts(const struct line *lines, size_t n, size_t i)
{
    struct line t = trimmed(lines[i]);
    struct line next = i + 1 < n ? trimmed(lines[i + 1]) : (struct line){"", 0};

    if (attribution_start(t) && (attribution_end(t) || attribution_end(next)))
        return 1;
    /* German puts the name after the verb: "Am ... schrieb Bob <b@x>:". */
    if (starts_with_ci(t.p, t.n, "Am ") && t.n && t.p[t.n - 1] == ':' &&
        memmem(t.p, t.n, " schrieb ", 9))
        return 1;
    if (t.n > 10 && starts_with_ci(t.p, t.n, "-----") &&
        (strncasecmp(t.p + 5, "Original Message", 16) == 0 ||
         strncasecmp(t.p + 5, "Mensaje original", 16) == 0))
        return 1;
    /* Outlook: a rule of underscores, then "From:"/"De:". */
    if (is_rule(t, '_', 10) && (starts_with_ci(next.p, next.n, "From:") || starts_with_ci(next.p, next.n, "De:")))
        return 1;
    /* Outlook without the rule: "From: ..." directly followed by "Sent:". */
    if ((starts_with_ci(t.p, t.n, "From:") && starts_with_ci(next.p, next.n, "Sent:")) ||
        (starts_with_ci(t.p, t.n, "De:") && starts_with_ci(next.p, next.n, "Enviado")))
        return 1;
    return 0;
}

char *hilo_email_trim_reply(const char *body)
{
    struct line *lines = NULL;
    size_t n = 0, cap = 0;
    struct hilo_buf out;
    const char *p = body ? body : "";
    char *res = NULL;

    hilo_buf_init(&out, HC_MAX_OUT);
    while (*p) {
        size_t len = strcspn(p, "\r\n");
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct line *nl = realloc(lines, ncap * sizeof(*nl));
            if (!nl)
                goto fail;
            lines = nl;
            cap = ncap;
        }
        lines[n++] = (struct line){p, len};
        p += len;
        if (p[0] == '\r' && p[1] == '\n')
            p += 2;
        else if (*p)
            p++;
    }
    for (size_t i = 0; i < n; i++) {
        struct line t = trimmed(lines[i]);
        /* "-- " is the signature separator; "--" is what survives editors
         * that strip trailing blanks. */
        if ((lines[i].n == 3 && memcmp(lines[i].p, "-- ", 3) == 0) ||
            (lines[i].n == 2 && memcmp(lines[i].p, "--", 2) == 0))
            break;
        if (quote_starts(lines, n, i))
            break;
        if (t.n && t.p[0] == '>')
            continue;
        if (hilo_buf_add(&out, lines[i].p, lines[i].n) || hilo_buf_adds(&out, "\n"))
            goto fail;
    }
    /* Trim surrounding blank space. */
    size_t s = 0, e = out.len;
    while (s < e && isspace((unsigned char)out.p[s]))
        s++;
    while (e > s && isspace((unsigned char)out.p[e - 1]))
        e--;
    res = hc_strndup(out.p ? out.p + s : "", e - s);
fail:
    free(lines);
    hilo_buf_deinit(&out);
    return res;
}

/* ---- address parsing ---------------------------------------------------- */

/* Plausible addr-spec: one '@', non-empty sides, no blanks, controls or
 * specials that only appear around addresses. */
static int plausible(const char *a, size_t n)
{
    size_t at = n, ats = 0;
    if (n < 3 || n > 254)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c <= 0x20 || c == 0x7f || strchr("<>()[],;:\"\\", c))
            return 0;
        if (c == '@') {
            at = i;
            ats++;
        }
    }
    return ats == 1 && at > 0 && at + 1 < n && a[at + 1] != '.' && a[n - 1] != '.';
}

/* Removes surrounding quotes and backslash escapes, trims blanks. */
static char *clean_display(const char *p, size_t n)
{
    struct hilo_buf b;
    while (n && isspace((unsigned char)*p)) {
        p++;
        n--;
    }
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    hilo_buf_init(&b, n + 1);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            continue;
        if (p[i] == '\\' && i + 1 < n)
            i++;
        if ((unsigned char)p[i] < 0x20)
            continue;
        if (hilo_buf_add(&b, p + i, 1)) {
            hilo_buf_deinit(&b);
            return NULL;
        }
    }
    return hilo_buf_take(&b);
}

int hilo_email_address(const char *header_value, char **addr, char **display_name)
{
    const char *s = header_value, *lt = NULL, *end;
    const char *a, *d = NULL;
    size_t an, dn = 0;
    int inq = 0;
    char *A = NULL, *D = NULL;

    if (!s || !addr)
        return -1;
    *addr = NULL;
    if (display_name)
        *display_name = NULL;
    /* Find the first '<' or ',' outside a quoted string. */
    for (end = s; *end; end++) {
        if (inq && *end == '\\' && end[1]) {
            end++;
            continue;
        }
        if (*end == '"')
            inq = !inq;
        else if (!inq && *end == '<') {
            lt = end;
            break;
        } else if (!inq && *end == ',')
            break;
    }
    if (lt) {
        const char *gt = strchr(lt + 1, '>');
        if (!gt)
            return -1;
        a = lt + 1;
        an = (size_t)(gt - a);
        d = s;
        dn = (size_t)(lt - s);
    } else {
        const char *paren;
        a = s;
        an = (size_t)(end - s);
        paren = memchr(a, '(', an);
        if (paren) {
            /* "bob@example.com (Bob)": the comment is the name. */
            const char *close = memchr(paren, ')', an - (size_t)(paren - a));
            d = paren + 1;
            dn = close ? (size_t)(close - d) : an - (size_t)(d - a);
            an = (size_t)(paren - a);
        }
    }
    while (an && isspace((unsigned char)*a)) {
        a++;
        an--;
    }
    while (an && isspace((unsigned char)a[an - 1]))
        an--;
    if (an > 7 && strncasecmp(a, "mailto:", 7) == 0) {
        a += 7;
        an -= 7;
    }
    if (!plausible(a, an))
        return -1;
    if (!(A = hc_strndup(a, an)))
        goto fail;
    for (char *p = A; *p; p++)
        *p = (char)hc_ascii_lower((unsigned char)*p);
    if (display_name && !(D = d ? clean_display(d, dn) : hc_strdup("")))
        goto fail;
    *addr = A;
    if (display_name)
        *display_name = D;
    return 0;
fail:
    free(A);
    free(D);
    return -1;
}

/* ---- message building --------------------------------------------------- */

static int has_8bit(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

/* Copy with every control character (CR and LF above all) turned into a
 * space: a header value can never start a new header. */
static char *header_clean(const char *s)
{
    char *c = hc_strdup(s);
    if (!c)
        return NULL;
    for (char *p = c; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return c;
}

/* RFC 2047 B encoded-words (at most 64 characters, so even the first line
 * with "Subject: " stays under 76), never splitting a
 * UTF-8 sequence, separated by folding whitespace. */
static int add_encoded_words(struct hilo_buf *b, const char *s)
{
    size_t n = strlen(s), i = 0;
    unsigned char enc[64];
    int first = 1;
    while (i < n) {
        size_t chunk = n - i > 39 ? 39 : n - i;
        while (chunk < n - i && chunk > 0 && ((unsigned char)s[i + chunk] & 0xC0) == 0x80)
            chunk--;
        if (chunk == 0)
            chunk = n - i > 39 ? 39 : n - i;
        EVP_EncodeBlock(enc, (const unsigned char *)s + i, (int)chunk);
        if ((!first && hilo_buf_adds(b, "\r\n ")) || hilo_buf_adds(b, "=?UTF-8?B?") ||
            hilo_buf_adds(b, (const char *)enc) || hilo_buf_adds(b, "?="))
            return -1;
        first = 0;
        i += chunk;
    }
    return 0;
}

static int add_header(struct hilo_buf *b, const char *name, const char *value)
{
    char *v = header_clean(value);
    int r = !v || hilo_buf_adds(b, name) || hilo_buf_adds(b, ": ") || hilo_buf_adds(b, v) ||
            hilo_buf_adds(b, "\r\n");
    free(v);
    return r ? -1 : 0;
}

/* From/To/Reply-To: a non-ASCII display name becomes an encoded-word. */
static int add_address_header(struct hilo_buf *b, const char *name, const char *value)
{
    char *v = header_clean(value), *addr = NULL, *disp = NULL;
    int r = -1;
    if (!v)
        return -1;
    if (has_8bit(v) && hilo_email_address(v, &addr, &disp) == 0 && !has_8bit(addr)) {
        if (hilo_buf_adds(b, name) || hilo_buf_adds(b, ": ") ||
            (*disp && (add_encoded_words(b, disp) || hilo_buf_adds(b, " "))) ||
            hilo_buf_adds(b, "<") || hilo_buf_adds(b, addr) || hilo_buf_adds(b, ">\r\n"))
            goto out;
    } else if (add_header(b, name, v)) {
        goto out;
    }
    r = 0;
out:
    free(v);
    free(addr);
    free(disp);
    return r;
}

static int add_msgid_header(struct hilo_buf *b, const char *name, const char *value)
{
    char *v = header_clean(value), *t;
    int r;
    if (!v)
        return -1;
    t = v;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n && t[n - 1] == ' ')
        t[--n] = '\0';
    r = hilo_buf_adds(b, name) || hilo_buf_adds(b, ": ") || (*t != '<' && hilo_buf_adds(b, "<")) ||
        hilo_buf_adds(b, t) || (*t != '<' && hilo_buf_adds(b, ">")) || hilo_buf_adds(b, "\r\n");
    free(v);
    return r ? -1 : 0;
}

/* References can hold many ids: one per folded line keeps lines short. */
static int add_references(struct hilo_buf *b, const char *value)
{
    char *v = header_clean(value);
    int r = !v || hilo_buf_adds(b, "References:");
    for (char *p = v; !r && p && *p;) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (!n)
            break;
        r = (b->len && b->p[b->len - 1] != ':' && hilo_buf_adds(b, "\r\n")) || hilo_buf_adds(b, " ") ||
            hilo_buf_add(b, p, n);
        p += n;
    }
    r = r || hilo_buf_adds(b, "\r\n");
    free(v);
    return r ? -1 : 0;
}

static int add_date(struct hilo_buf *b, int64_t date_s)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = date_s > 0 ? (time_t)date_s : time(NULL);
    struct tm tm;
    char buf[64];
    /* strftime would follow the locale; RFC 5322 names are English. */
    if (!gmtime_r(&t, &tm))
        return -1;
    snprintf(buf, sizeof(buf), "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return hilo_buf_adds(b, buf);
}

/* Quoted-printable (RFC 2045 6.7) with CRLF hard breaks and soft breaks
 * keeping lines at most 76 characters. */
static int add_qp(struct hilo_buf *b, const char *body)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)body;
    size_t col = 0;
    while (*p) {
        if (*p == '\r' || *p == '\n') {
            if (hilo_buf_adds(b, "\r\n"))
                return -1;
            col = 0;
            p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
            continue;
        }
        char tok[4];
        size_t tl;
        int at_eol = p[1] == '\0' || p[1] == '\r' || p[1] == '\n';
        if ((*p >= 33 && *p <= 126 && *p != '=' && !(col == 0 && *p == '.')) ||
            ((*p == ' ' || *p == '\t') && !at_eol)) {
            tok[0] = (char)*p;
            tl = 1;
        } else {
            tok[0] = '=';
            tok[1] = hex[*p >> 4];
            tok[2] = hex[*p & 15];
            tl = 3;
        }
        /* Leave room for the "=" of a soft break. */
        if (col + tl > 75) {
            if (hilo_buf_adds(b, "=\r\n"))
                return -1;
            col = 0;
        }
        if (hilo_buf_add(b, tok, tl))
            return -1;
        col += tl;
        p++;
    }
    return 0;
}

char *hilo_email_build(const char *from, const char *to, const char *reply_to,
                       const char *subject, const char *body, const char *message_id,
                       const char *in_reply_to, const char *references, int64_t date_s)
{
    return hilo_email_build_auto(from, to, reply_to, subject, body, message_id, in_reply_to,
                                 references, date_s, NULL);
}

char *hilo_email_build_auto(const char *from, const char *to, const char *reply_to,
                            const char *subject, const char *body, const char *message_id,
                            const char *in_reply_to, const char *references, int64_t date_s,
                            const char *auto_submitted)
{
    struct hilo_buf b;
    char *subj = NULL;
    int r;

    if (!from || !*from || !to || !*to || !body)
        return NULL;
    hilo_buf_init(&b, HC_MAX_OUT);
    r = add_address_header(&b, "From", from) || add_address_header(&b, "To", to) ||
        (reply_to && *reply_to && add_address_header(&b, "Reply-To", reply_to));
    if (!r) {
        subj = header_clean(subject);
        if (!subj)
            r = -1;
        else if (has_8bit(subj) || strlen(subj) > 900)
            r = hilo_buf_adds(&b, "Subject: ") || add_encoded_words(&b, subj) || hilo_buf_adds(&b, "\r\n");
        else
            r = add_header(&b, "Subject", subj);
    }
    r = r || add_date(&b, date_s) ||
        (message_id && *message_id && add_msgid_header(&b, "Message-ID", message_id)) ||
        (in_reply_to && *in_reply_to && add_msgid_header(&b, "In-Reply-To", in_reply_to)) ||
        (references && *references && add_references(&b, references)) ||
        (auto_submitted && *auto_submitted &&
         (strcmp(auto_submitted, "auto-replied") == 0 ||
          strcmp(auto_submitted, "auto-generated") == 0) &&
         add_header(&b, "Auto-Submitted", auto_submitted)) ||
        hilo_buf_adds(&b, "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=UTF-8\r\n"
                          "Content-Transfer-Encoding: quoted-printable\r\n\r\n") ||
        add_qp(&b, body) || hilo_buf_adds(&b, "\r\n");
    free(subj);
    if (r) {
        hilo_buf_deinit(&b);
        return NULL;
    }
    return hilo_buf_take(&b);
}

int hilo_email_find_own_msgid(const char *text, char *out, size_t n)
{
    for (const char *p = text ? strstr(text, "hilo.") : NULL; p; p = strstr(p + 1, "hilo.")) {
        const char *q = p + 5, *d0 = q;
        size_t k;
        if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '.'))
            continue;
        if (*q == 'h') { /* a held join's notice: "h" and its 8-hex id */
            for (q++; isxdigit((unsigned char)*q) && !isupper((unsigned char)*q); q++)
                ;
            if (q - d0 != 9 || *q != '.')
                continue;
        } else {
            while (isdigit((unsigned char)*q))
                q++;
            if (q - d0 < 4 || q - d0 > 9 || *q != '.')
                continue;
        }
        for (k = 1; k <= 16 && isxdigit((unsigned char)q[k]) && !isupper((unsigned char)q[k]); k++)
            ;
        if (k != 17 || q[17] != '@')
            continue;
        q += 18;
        while (isalnum((unsigned char)*q) || *q == '.' || *q == '-')
            q++;
        while (q > p && q[-1] == '.') /* a sentence's full stop is not the domain's */
            q--;
        if (q[-1] == '@' || (size_t)(q - p) >= n)
            continue;
        memcpy(out, p, (size_t)(q - p));
        out[q - p] = '\0';
        return 0;
    }
    return -1;
}

/* ---- the channel row (include/hilo/channels.h) ----------------------------- */

static int smtp_configured(const struct hilo_config *c) { return c->smtp_url[0] && c->support_email[0]; }

/* A reply by mail: Reply-To the ticket's plus-address, the subject tagged
 * with the reference, threaded under the customer's last message. */
static int smtp_build_send(const struct hilo_config *c, const struct hilo_channel_msg *m,
                           struct hilo_channel_req *req)
{
    char reply_to[320], subject[600], refs[2048];
    const char *ref = m->ref ? m->ref : "", *subj = m->subject ? m->subject : "";
    const char *at = strchr(c->support_email, '@');
    const char *mrefs = m->refs ? m->refs : "", *irt = m->irt ? m->irt : "";

    snprintf(reply_to, sizeof reply_to, "%.*s+%s%s", at ? (int)(at - c->support_email) : 0,
             c->support_email, ref, at ? at : "");
    if (*subj)
        snprintf(subject, sizeof subject, "%s%s [#%s]", strncasecmp(subj, "re:", 3) ? "Re: " : "",
                 subj, ref);
    else
        snprintf(subject, sizeof subject, "[#%s]", ref);
    snprintf(refs, sizeof refs, "%s%s%s", mrefs, *mrefs ? " " : "", irt);
    req->method = NULL;
    req->headers[0] = NULL;
    req->body = hilo_email_build_auto(c->support_email, m->to, reply_to, subject, m->text, m->msgid,
                                      irt, refs, m->now_s, m->auto_submitted);
    snprintf(req->mail_from, sizeof req->mail_from, "<%s>", c->support_email);
    snprintf(req->mail_rcpt, sizeof req->mail_rcpt, "<%s>", m->to ? m->to : "");
    if (c->smtp_user[0]) {
        req->username = c->smtp_user;
        req->password = c->smtp_password;
    }
    snprintf(req->url, sizeof req->url, "%s", c->smtp_url);
    return req->body ? 0 : -1;
}

const struct hilo_channel_ops hilo_channel_email_smtp = {
    .channel = "email",
    .provider = "email",
    .via = "",
    .title = "Email",
    .identity = "email",
    .flags = HILO_CHANNEL_THREADS,
    .transport = HILO_CHANNEL_SMTP,
    .configured = smtp_configured,
    .build_send = smtp_build_send,
};
