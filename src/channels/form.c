/* application/x-www-form-urlencoded and multipart/form-data, as posted by
 * Twilio and Mailgun. Both parsers only ever read inside [body, body+len). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* A webhook with more fields than this is not one we want to look at. */
#define FORM_MAX_FIELDS 10000

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = hc_ascii_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes s[0..n) into a new string; *outlen gets the decoded length. */
static char *decode(const char *s, size_t n, size_t *outlen)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi, lo;
            if (i + 2 >= n || (hi = hexval((unsigned char)s[i + 1])) < 0 ||
                (lo = hexval((unsigned char)s[i + 2])) < 0)
                goto fail;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
fail:
    free(out);
    return NULL;
}

static int add_owned(struct hilo_form *f, char *key, char *value, size_t vlen)
{
    if (f->n >= FORM_MAX_FIELDS)
        return -1;
    char **k = realloc(f->keys, (f->n + 1) * sizeof(*k));
    if (!k)
        return -1;
    f->keys = k;
    char **v = realloc(f->values, (f->n + 1) * sizeof(*v));
    if (!v)
        return -1;
    f->values = v;
    size_t *l = realloc(f->value_lens, (f->n + 1) * sizeof(*l));
    if (!l)
        return -1;
    f->value_lens = l;
    f->keys[f->n] = key;
    f->values[f->n] = value;
    f->value_lens[f->n] = vlen;
    f->n++;
    return 0;
}

int hilo_form_add(struct hilo_form *f, const char *key, const char *value, size_t value_len)
{
    char *k = hc_strdup(key);
    char *v = value ? hc_strndup(value, value_len) : hc_strdup("");
    if (!k || !v || add_owned(f, k, v, value ? value_len : 0) < 0)
        goto fail;
    return 0;
fail:
    free(k);
    free(v);
    return -1;
}

int hilo_form_parse(const char *body, size_t len, struct hilo_form *out)
{
    size_t i = 0;
    memset(out, 0, sizeof(*out));
    if (!body)
        return len ? -1 : 0;
    while (i < len) {
        const char *amp = memchr(body + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - body) : len;
        const char *pair = body + i;
        size_t plen = end - i;
        if (plen > 0) {
            const char *eq = memchr(pair, '=', plen);
            size_t klen = eq ? (size_t)(eq - pair) : plen;
            size_t kdec, vdec = 0;
            char *k = decode(pair, klen, &kdec);
            char *v = eq ? decode(eq + 1, plen - klen - 1, &vdec) : hc_strdup("");
            if (!k || !v || add_owned(out, k, v, vdec) < 0) {
                free(k);
                free(v);
                goto fail;
            }
        }
        i = end + 1;
    }
    return 0;
fail:
    hilo_form_free(out);
    return -1;
}

/* Value of parameter `name` in a header like
 * `form-data; name="a"; filename="b.txt"`, as a new string; NULL if absent. */
static char *header_param(const char *h, size_t n, const char *name)
{
    size_t i = 0, nl = strlen(name);
    /* Skip the main value up to the first ';'. */
    while (i < n && h[i] != ';')
        i++;
    while (i < n) {
        i++; /* ';' */
        while (i < n && (h[i] == ' ' || h[i] == '\t'))
            i++;
        size_t ks = i;
        while (i < n && h[i] != '=' && h[i] != ';')
            i++;
        size_t ke = i;
        while (ke > ks && (h[ke - 1] == ' ' || h[ke - 1] == '\t'))
            ke--;
        if (i >= n || h[i] == ';')
            continue;
        i++; /* '=' */
        while (i < n && (h[i] == ' ' || h[i] == '\t'))
            i++;
        struct hilo_buf v;
        hilo_buf_init(&v, n + 1);
        if (i < n && h[i] == '"') {
            i++;
            while (i < n && h[i] != '"') {
                if (h[i] == '\\' && i + 1 < n)
                    i++;
                if (hilo_buf_add(&v, h + i, 1) < 0)
                    goto fail;
                i++;
            }
            if (i < n)
                i++;
            while (i < n && h[i] != ';')
                i++;
        } else {
            size_t vs = i;
            while (i < n && h[i] != ';')
                i++;
            size_t ve = i;
            while (ve > vs && (h[ve - 1] == ' ' || h[ve - 1] == '\t'))
                ve--;
            if (hilo_buf_add(&v, h + vs, ve - vs) < 0)
                goto fail;
        }
        if (ke - ks == nl && strncasecmp(h + ks, name, nl) == 0)
            return hilo_buf_take(&v);
        hilo_buf_deinit(&v);
        continue;
    fail:
        hilo_buf_deinit(&v);
        return NULL;
    }
    return NULL;
}

/* Boundary parameter of a multipart Content-Type, or NULL. */
static char *boundary_of(const char *ct)
{
    if (!ct)
        return NULL;
    size_t n = strlen(ct);
    if (n < 10 || strncasecmp(ct, "multipart/", 10) != 0)
        return NULL;
    char *b = header_param(ct, n, "boundary");
    /* RFC 2046: 1 to 70 characters. */
    if (b && (b[0] == '\0' || strlen(b) > 70)) {
        free(b);
        return NULL;
    }
    return b;
}

int hilo_form_parse_multipart(const char *body, size_t len, const char *content_type,
                              struct hilo_form *out)
{
    char *boundary = boundary_of(content_type);
    char *delim = NULL, *name = NULL, *filename = NULL, *value = NULL;
    size_t dlen, pos;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    if (!boundary || !body)
        goto fail;
    /* Every delimiter after the first is preceded by CRLF; the first may
     * start the body. Search for "\r\n--b" but allow the body to begin with
     * "--b" by looking at a virtual CRLF before it. */
    dlen = strlen(boundary) + 4;
    if (!(delim = malloc(dlen + 1)))
        goto fail;
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, dlen - 4);
    delim[dlen] = '\0';

    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
        pos = dlen - 2;
    } else {
        const char *d = memmem(body, len, delim, dlen);
        if (!d)
            goto fail;
        pos = (size_t)(d - body) + dlen;
    }
    for (;;) {
        /* Just after a delimiter: "--" closes, else optional blanks + CRLF. */
        if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
            break;
        while (pos < len && (body[pos] == ' ' || body[pos] == '\t'))
            pos++;
        if (len - pos >= 2 && body[pos] == '\r' && body[pos + 1] == '\n')
            pos += 2;
        else if (pos < len && body[pos] == '\n')
            pos += 1;
        else
            goto fail;

        /* Part headers up to an empty line. */
        for (;;) {
            const char *nl = memchr(body + pos, '\n', len - pos);
            if (!nl)
                goto fail;
            size_t lend = (size_t)(nl - body);
            size_t llen = lend - pos;
            if (llen > 0 && body[lend - 1] == '\r')
                llen--;
            const char *line = body + pos;
            pos = lend + 1;
            if (llen == 0)
                break;
            if (llen > 20 && strncasecmp(line, "Content-Disposition:", 20) == 0) {
                free(name);
                free(filename);
                name = header_param(line + 20, llen - 20, "name");
                filename = header_param(line + 20, llen - 20, "filename");
            }
        }
        if (!name)
            goto fail;
        const char *end = memmem(body + pos, len - pos, delim, dlen);
        if (!end)
            goto fail;
        size_t clen = (size_t)(end - (body + pos));
        if (filename) {
            value = filename;
            filename = NULL;
            clen = strlen(value);
        } else if (!(value = hc_strndup(body + pos, clen))) {
            goto fail;
        }
        if (add_owned(out, name, value, clen) < 0)
            goto fail;
        name = value = NULL;
        pos = (size_t)(end - body) + dlen;
    }
    ret = 0;
fail:
    if (ret < 0)
        hilo_form_free(out);
    free(boundary);
    free(delim);
    free(name);
    free(filename);
    free(value);
    return ret;
}

const char *hilo_form_get(const struct hilo_form *f, const char *key)
{
    if (!f || !key)
        return NULL;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->keys[i], key) == 0)
            return f->values[i];
    return NULL;
}

void hilo_form_free(struct hilo_form *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->keys[i]);
        free(f->values[i]);
    }
    free(f->keys);
    free(f->values);
    free(f->value_lens);
    memset(f, 0, sizeof(*f));
}

char *hilo_form_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}
