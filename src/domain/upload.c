/* What an uploaded file is, its shown name and its id (upload.h). */
#include "hilo/upload.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *hilo_upload_sniff(const unsigned char *p, size_t n)
{
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
        return "image/jpeg";
    if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
        return "image/gif";
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return "image/webp";
    if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
        return "application/pdf";
    return NULL;
}

const char *hilo_upload_mime_known(const char *mime)
{
    static const char *const known[] = {"image/png", "image/jpeg", "image/gif", "image/webp",
                                        "application/pdf"};
    for (size_t i = 0; mime && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(mime, known[i]) == 0)
            return known[i];
    return NULL;
}

static const char *ext_of(const char *mime)
{
    if (!mime)
        return "";
    if (strcmp(mime, "image/png") == 0)
        return ".png";
    if (strcmp(mime, "image/jpeg") == 0)
        return ".jpg";
    if (strcmp(mime, "image/gif") == 0)
        return ".gif";
    if (strcmp(mime, "image/webp") == 0)
        return ".webp";
    if (strcmp(mime, "application/pdf") == 0)
        return ".pdf";
    return "";
}

/* Cuts out[0..k) back so that it never ends inside a UTF-8 sequence. */
static size_t utf8_cut(const char *out, size_t k)
{
    size_t i = k;
    while (i > 0 && ((unsigned char)out[i - 1] & 0xc0) == 0x80)
        i--;
    if (i > 0 && ((unsigned char)out[i - 1] & 0x80)) {
        unsigned char lead = (unsigned char)out[i - 1];
        size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
        if (k - (i - 1) < need)
            k = i - 1;
    }
    return k;
}

/* Bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9) turn
 * "fdp.exe" around on screen, and invisible ones (U+200B-D, U+2060-4) hide
 * a character: never part of a shown name. Their UTF-8 length, or 0. */
static int bidi_at(const unsigned char *p)
{
    if (p[0] == 0xd8 && p[1] == 0x9c)
        return 2;
    return p[0] == 0xe2 && ((p[1] == 0x80 && ((p[2] >= 0x8b && p[2] <= 0x8f) ||
                                             (p[2] >= 0xaa && p[2] <= 0xae))) ||
                            (p[1] == 0x81 && ((p[2] >= 0xa0 && p[2] <= 0xa4) ||
                                              (p[2] >= 0xa6 && p[2] <= 0xa9))))
               ? 3
               : 0;
}

static int ends_with(const char *s, size_t n, const char *ext)
{
    size_t e = strlen(ext);
    return n >= e && strncasecmp(s + n - e, ext, e) == 0;
}

void hilo_upload_name(const char *in, const char *mime, char *out, size_t cap)
{
    const char *base = in ? in : "", *ext = ext_of(mime);
    size_t k = 0, el = strlen(ext);
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    for (const unsigned char *p = (const unsigned char *)base; *p && k + 1 < cap; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '<' || *p == '>')
            continue;
        int skip = bidi_at(p);
        if (skip) {
            p += skip - 1;
            continue;
        }
        out[k++] = (char)*p;
    }
    if (k > HILO_UPLOAD_NAME_MAX)
        k = HILO_UPLOAD_NAME_MAX;
    k = utf8_cut(out, k);
    while (k && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
    if (!k || strcmp(out, ".") == 0 || strcmp(out, "..") == 0) {
        snprintf(out, cap, "file%s", ext);
        return;
    }
    /* the name ends with the type's extension, whatever was asked: a PDF
     * called "invoice.html" is saved as "invoice.html.pdf", never opened as
     * a page on the agent's computer */
    if (!el || ends_with(out, k, ext) ||
        (strcmp(ext, ".jpg") == 0 && ends_with(out, k, ".jpeg")))
        return;
    if (k + el > HILO_UPLOAD_NAME_MAX)
        k = utf8_cut(out, HILO_UPLOAD_NAME_MAX - el);
    if (k + el + 1 > cap)
        k = cap > el + 1 ? utf8_cut(out, cap - el - 1) : 0;
    memcpy(out + k, ext, el + 1);
}

void hilo_upload_new_id(char *out)
{
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    out[0] = 'u';
    sodium_bin2hex(out + 1, 33, rnd, sizeof rnd);
}

int hilo_upload_id_ok(const char *id)
{
    if (!id || id[0] != 'u' || strlen(id) != HILO_UPLOAD_ID_LEN)
        return 0;
    return strspn(id + 1, "0123456789abcdef") == HILO_UPLOAD_ID_LEN - 1;
}
