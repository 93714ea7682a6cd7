/* Static files from the web root: path resolution that cannot leave the
 * root, MIME types, precompressed .gz copies, and the security headers. */
#include <errno.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hilo/common.h"
#include "internal.h"

static const struct {
    const char *ext, *mime;
} mimes[] = {
    {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
    {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".gif", "image/gif"},
    {".webp", "image/webp"}, {".ico", "image/x-icon"}, {".woff2", "font/woff2"},
    {".woff", "font/woff"}, {".txt", "text/plain; charset=utf-8"},
    {".wasm", "application/wasm"}, {".mp3", "audio/mpeg"},
    {".ogg", "audio/ogg"}, {".wav", "audio/wav"},
};

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < HILO_ARRAY_LEN(mimes); i++)
            if (strcasecmp(dot, mimes[i].ext) == 0)
                return mimes[i].mime;
    return NULL;
}

/* The web root also holds the sources the bundles are built from (build
 * scripts, src/ folders, READMEs): only files of the types above are
 * served, and nothing under a folder named src or node_modules or whose
 * name starts with a dot. */
int hilo_static_allowed(const char *rel)
{
    const char *seg = rel;
    if (!mime_of(rel))
        return 0;
    while (seg && *seg) {
        const char *slash;
        while (*seg == '/')
            seg++;
        slash = strchr(seg, '/');
        if (!slash)
            break; /* the file itself */
        size_t n = (size_t)(slash - seg);
        if ((n == 3 && strncmp(seg, "src", 3) == 0) ||
            (n == 12 && strncmp(seg, "node_modules", 12) == 0) || seg[0] == '.')
            return 0;
        seg = slash;
    }
    return seg && *seg != '.';
}

int hilo_static_resolve(const char *root, const char *url, char *out, size_t n)
{
    char joined[PATH_MAX], real_root[PATH_MAX], real[PATH_MAX];
    struct stat st;

    if (url[0] != '/' || strstr(url, "..") || strchr(url, '\\') || strstr(url, "//"))
        return -EACCES;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p < 0x20)
            return -EACCES;
    if (!realpath(root, real_root))
        return -ENOENT;
    if (snprintf(joined, sizeof joined, "%s%s", real_root, url) >= (int)sizeof joined)
        return -ENAMETOOLONG;
    if (stat(joined, &st) == 0 && S_ISDIR(st.st_mode)) {
        size_t len = strlen(joined);
        if (snprintf(joined + len, sizeof joined - len, "%sindex.html",
                     joined[len - 1] == '/' ? "" : "/") >= (int)(sizeof joined - len))
            return -ENAMETOOLONG;
    }
    if (!realpath(joined, real))
        return -ENOENT;
    /* symlinks must not lead out of the root either */
    if (strncmp(real, real_root, strlen(real_root)) != 0 || real[strlen(real_root)] != '/')
        return -EACCES;
    if (stat(real, &st) < 0 || !S_ISREG(st.st_mode))
        return -ENOENT;
    if ((size_t)snprintf(out, n, "%s", real) >= n)
        return -ENAMETOOLONG;
    return 0;
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                      unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

static int serve(const char *root, struct hilo_http *r)
{
    struct lws *wsi = r->wsi;
    char file[PATH_MAX], gz[PATH_MAX + 4], accept[256], real_root[PATH_MAX];
    unsigned char hdr[1024], *p = hdr, *end = hdr + sizeof hdr;
    struct stat st_plain, st_gz;
    const char *mime;
    int gzip = 0, html, rc = hilo_static_resolve(root, r->path, file, sizeof file);
    static const char csp[] =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; media-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'self'; base-uri 'none'; object-src 'none'; form-action 'self'";

    /* the resolved file, relative to the root, is what the allow-list judges */
    if (rc == 0 && (!realpath(root, real_root) || strncmp(file, real_root, strlen(real_root)) != 0 ||
                    !hilo_static_allowed(file + strlen(real_root))))
        rc = -ENOENT;
    if (rc < 0) {
        if (rc == -EACCES)
            hilo_net_respond_json_error(r, 403, "forbidden", "Not allowed.");
        else
            hilo_net_respond_json_error(r, 404, "not_found", "No such file.");
        return 0;
    }
    mime = mime_of(file);
    /* A precompressed copy (made by web/build.mjs) for clients that take gzip. */
    if (lws_hdr_copy(wsi, accept, sizeof accept, WSI_TOKEN_HTTP_ACCEPT_ENCODING) > 0 &&
        strstr(accept, "gzip") && (size_t)snprintf(gz, sizeof gz, "%s.gz", file) < sizeof gz &&
        stat(gz, &st_gz) == 0 && stat(file, &st_plain) == 0 && st_gz.st_mtime >= st_plain.st_mtime)
        gzip = 1;
    html = strncmp(mime, "text/html", 9) == 0;
    if (add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
        add_header(wsi, "referrer-policy:", "same-origin", &p, end) ||
        add_header(wsi, "cache-control:", html ? "no-cache" : "public, max-age=300", &p, end) ||
        (html && add_header(wsi, "content-security-policy:", csp, &p, end)))
        return -1;
    if (hilo_net_hsts_add(r, &p, end))
        return -1;
    if (gzip && (add_header(wsi, "content-encoding:", "gzip", &p, end) ||
                 add_header(wsi, "vary:", "Accept-Encoding", &p, end)))
        return -1;
    rc = lws_serve_http_file(wsi, gzip ? gz : file, mime, (const char *)hdr, (int)(p - hdr));
    if (rc < 0 || (rc > 0 && lws_http_transaction_completed(wsi)))
        return -1;
    return 0;
}

void hilo_static_serve(void *root, struct hilo_http *r)
{
    if (serve(root, r) < 0)
        r->fail = 1;
}
