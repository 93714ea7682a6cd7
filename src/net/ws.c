/* libwebsockets on our libuv loop (foreign loop): the /ws endpoint with its
 * two subprotocols, and plain HTTP (static files, health, session API). */
#include "hilo/ws.h"

#include <errno.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hilo/agents.h"
#include "hilo/buf.h"
#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/log.h"
#include "hilo/redis.h"
#include "hilo/server.h"

#define MAX_BODY (4 << 20) /* WhatsApp batches up to 3 MB */

struct ws_pss {
    struct hilo_conn *conn;
};

/* An HTTP request that may be answered after an async step. Refcounted:
 * lws holds one reference until the connection closes. */
struct hilo_http {
    struct lws *wsi;
    struct hilo_server *srv;
    int refs;
    char method[8];
    char path[256];
    char *cookie;
    char *args[16];  /* URL query arguments "name=value", decoded */
    int nargs;
    char *hdr[4];    /* the headers webhooks need, see hdr_names */
    struct hilo_buf body;
    int body_too_big;
    /* response */
    int status;
    char ctype[128];
    char *resp;   /* LWS_PRE + body */
    size_t resp_len;
    char set_cookie[384];
    int ready;
};

struct http_pss {
    struct hilo_http *req;
};

static struct hilo_server *srv_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* ---- HTTP responses -------------------------------------------------------- */

static void req_unref(struct hilo_http *r)
{
    if (--r->refs)
        return;
    for (int i = 0; i < r->nargs; i++)
        free(r->args[i]);
    for (int i = 0; i < 4; i++)
        free(r->hdr[i]);
    hilo_buf_deinit(&r->body);
    free(r->cookie);
    free(r->resp);
    free(r);
}

static void respond(struct hilo_http *r, int status, const char *ctype, const char *body, size_t len)
{
    if (!r->wsi || r->ready)
        return;
    r->status = status;
    snprintf(r->ctype, sizeof r->ctype, "%s", ctype);
    r->resp = malloc(LWS_PRE + len + 1);
    if (!r->resp)
        len = 0;
    else
        memcpy(r->resp + LWS_PRE, body, len);
    r->resp_len = len;
    r->ready = 1;
    lws_callback_on_writable(r->wsi);
}

static void respond_json(struct hilo_http *r, int status, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    respond(r, status, "application/json", s ? s : "{}", s ? strlen(s) : 2);
    free(s);
    json_decref(o);
}

static void respond_err(struct hilo_http *r, int status, int err)
{
    hilo_err_count(err);
    respond_json(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", hilo_err_code(err),
                                      "message", hilo_strerror(err)));
}

static int err_status(int err)
{
    switch (-err) {
    case HILO_EUNAVAIL: return 503;
    case HILO_ECREDS:
    case HILO_EUNAUTH:
    case HILO_EEXPIRED: return 401;
    case HILO_EFORBIDDEN: return 403;
    case HILO_EBADJSON:
    case HILO_EBADFRAME:
    case HILO_ETEXTLONG: return 400;
    case HILO_ERATE: return 429;
    case HILO_ETOOLARGE: return 413;
    default: return 500;
    }
}

static int write_response(struct hilo_http *r)
{
    struct lws *wsi = r->wsi;
    unsigned char hdr[LWS_PRE + 2048], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    static const char nosniff[] = "nosniff", nostore[] = "no-store";

    if (lws_add_http_common_headers(wsi, (unsigned int)r->status, r->ctype, r->resp_len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                    (const unsigned char *)nosniff, sizeof nosniff - 1, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)nostore, sizeof nostore - 1, &p, end))
        return -1;
    if (r->set_cookie[0] &&
        lws_add_http_header_by_name(wsi, (const unsigned char *)"set-cookie:",
                                    (const unsigned char *)r->set_cookie,
                                    (int)strlen(r->set_cookie), &p, end))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    if (r->resp_len &&
        lws_write(wsi, (unsigned char *)r->resp + LWS_PRE, r->resp_len, LWS_WRITE_HTTP_FINAL) !=
            (int)r->resp_len)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- the request interface of include/hilo/http.h ---- */

/* Async steps in flight (webhooks, API): shutdown waits for them. */
static int http_pending;

void hilo_http_ref(struct hilo_http *r)
{
    r->refs++;
    http_pending++;
}

void hilo_http_unref(struct hilo_http *r)
{
    http_pending--;
    req_unref(r);
}

int hilo_http_pending(void) { return http_pending; }
struct hilo_server *hilo_http_server(struct hilo_http *r) { return r->srv; }
const char *hilo_http_method(struct hilo_http *r) { return r->method; }
const char *hilo_http_path(struct hilo_http *r) { return r->path; }
const char *hilo_http_cookie(struct hilo_http *r) { return r->cookie; }

const char *hilo_http_body(struct hilo_http *r, size_t *len)
{
    *len = r->body.len;
    return r->body_too_big ? NULL : (r->body.p ? r->body.p : "");
}

static const char *const hdr_names[4] = {"x-hub-signature-256:", "x-twilio-signature:",
                                         "content-type:", "authorization:"};

const char *hilo_http_header(struct hilo_http *r, const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strncmp(hdr_names[i], name, strlen(name)) == 0 && hdr_names[i][strlen(name)] == ':')
            return r->hdr[i];
    return NULL;
}

int hilo_http_nargs(struct hilo_http *r) { return r->nargs; }
const char *hilo_http_argn(struct hilo_http *r, int i) { return i < r->nargs ? r->args[i] : NULL; }

void hilo_http_respond(struct hilo_http *r, int status, const char *ctype, const char *body, size_t len)
{
    respond(r, status, ctype, body, len);
}

const char *hilo_http_arg(struct hilo_http *r, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < r->nargs; i++)
        if (strncmp(r->args[i], name, n) == 0 && r->args[i][n] == '=')
            return r->args[i] + n + 1;
    return NULL;
}

void hilo_http_respond_json(struct hilo_http *r, int status, json_t *o) { respond_json(r, status, o); }

void hilo_http_respond_error(struct hilo_http *r, int err)
{
    int status;
    switch (-err) {
    case HILO_EUNKNOWNTICKET:
    case HILO_EUNKNOWNAGENT: status = 404; break;
    case HILO_EBADSTATE: status = 409; break;
    default: status = err_status(err); break;
    }
    respond_err(r, status, err);
}

void hilo_http_respond_empty(struct hilo_http *r, int status) { respond(r, status, "application/json", "", 0); }

/* ---- static files ------------------------------------------------------------ */

static const struct {
    const char *ext, *mime;
} mimes[] = {
    {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
    {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".gif", "image/gif"},
    {".webp", "image/webp"}, {".ico", "image/x-icon"}, {".woff2", "font/woff2"},
    {".woff", "font/woff"}, {".txt", "text/plain; charset=utf-8"},
    {".map", "application/json"}, {".wasm", "application/wasm"}, {".mp3", "audio/mpeg"},
    {".ogg", "audio/ogg"}, {".wav", "audio/wav"},
};

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < HILO_ARRAY_LEN(mimes); i++)
            if (strcasecmp(dot, mimes[i].ext) == 0)
                return mimes[i].mime;
    return "application/octet-stream";
}

/* Resolves a URL path inside web_root; 0 and the file path, or -errno. */
int hilo_ws_resolve_static(const char *root, const char *url, char *out, size_t n)
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

static int serve_static(struct hilo_http *r)
{
    struct hilo_server *s = r->srv;
    struct lws *wsi = r->wsi;
    char file[PATH_MAX];
    unsigned char hdr[1024], *p = hdr, *end = hdr + sizeof hdr;
    const char *mime;
    int rc = hilo_ws_resolve_static(s->cfg->web_root, r->path, file, sizeof file);

    if (rc < 0) {
        respond_json(r, rc == -EACCES ? 403 : 404,
                     json_pack("{s:{s:s, s:s}}", "error", "code",
                               rc == -EACCES ? "forbidden" : "not_found", "message",
                               rc == -EACCES ? "Not allowed." : "No such file."));
        return 0;
    }
    mime = mime_of(file);
    /* A precompressed copy (made by web/build.mjs) for clients that take gzip. */
    char gz[PATH_MAX + 4], accept[256];
    struct stat st_plain, st_gz;
    int gzip = 0;
    if (lws_hdr_copy(wsi, accept, sizeof accept, WSI_TOKEN_HTTP_ACCEPT_ENCODING) > 0 &&
        strstr(accept, "gzip") && (size_t)snprintf(gz, sizeof gz, "%s.gz", file) < sizeof gz &&
        stat(gz, &st_gz) == 0 && stat(file, &st_plain) == 0 && st_gz.st_mtime >= st_plain.st_mtime)
        gzip = 1;
    static const char nosniff[] = "nosniff", refpol[] = "same-origin";
    static const char csp[] =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; media-src 'self' data:; connect-src 'self' ws: wss:; "
        "frame-ancestors 'self'; base-uri 'none'; object-src 'none'; form-action 'self'";
    int html = strncmp(mime, "text/html", 9) == 0;
    const char *cache = html ? "no-cache" : "public, max-age=300";
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                    (const unsigned char *)nosniff, sizeof nosniff - 1, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"referrer-policy:",
                                    (const unsigned char *)refpol, sizeof refpol - 1, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)cache, (int)strlen(cache), &p, end) ||
        (html && lws_add_http_header_by_name(wsi, (const unsigned char *)"content-security-policy:",
                                             (const unsigned char *)csp, sizeof csp - 1, &p, end)))
        return -1;
    if (gzip && (lws_add_http_header_by_name(wsi, (const unsigned char *)"content-encoding:",
                                             (const unsigned char *)"gzip", 4, &p, end) ||
                 lws_add_http_header_by_name(wsi, (const unsigned char *)"vary:",
                                             (const unsigned char *)"Accept-Encoding", 15, &p, end)))
        return -1;
    rc = lws_serve_http_file(wsi, gzip ? gz : file, mime, (const char *)hdr, (int)(p - hdr));
    if (rc < 0 || (rc > 0 && lws_http_transaction_completed(wsi)))
        return -1;
    return 0;
}

/* ---- routes --------------------------------------------------------------------- */

static void readyz_cb(redisReply *reply, void *data)
{
    struct hilo_http *r = data;
    if (reply && reply->type != REDIS_REPLY_ERROR)
        respond_json(r, 200, json_pack("{s:s}", "status", "ready"));
    else
        respond_json(r, 503, json_pack("{s:s}", "status", "unavailable"));
    req_unref(r);
}

static void session_body(struct hilo_http *r, const struct hilo_session_info *si)
{
    json_t *o = json_pack("{s:{s:s, s:s, s:s}, s:I}", "agent", "name", si->name, "display",
                          si->display[0] ? si->display : si->name, "role",
                          si->role[0] ? si->role : "agent", "expires_at", (json_int_t)si->exp_ms);
    respond_json(r, 200, o);
}

static void login_cb(int err, const struct hilo_session_info *si, void *data)
{
    struct hilo_http *r = data;
    if (err) {
        respond_err(r, err_status(err), err);
    } else {
        const char *pub = r->srv->cfg->public_url;
        snprintf(r->set_cookie, sizeof r->set_cookie,
                 "hilo_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", si->token,
                 r->srv->cfg->session_ttl, strncmp(pub, "https://", 8) == 0 ? "; Secure" : "");
        session_body(r, si);
    }
    req_unref(r);
}

static void check_cb(int err, const struct hilo_session_info *si, void *data)
{
    struct hilo_http *r = data;
    if (err)
        respond_err(r, err_status(err), err);
    else
        session_body(r, si);
    req_unref(r);
}

static void logout_cb(int err, const struct hilo_session_info *si, void *data)
{
    struct hilo_http *r = data;
    (void)si;
    if (err) {
        respond_err(r, err_status(err), err);
    } else {
        snprintf(r->set_cookie, sizeof r->set_cookie,
                 "hilo_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        respond(r, 204, "application/json", "", 0);
    }
    req_unref(r);
}

/* Extracts hilo_session=... from a Cookie header into out. */
int hilo_http_cookie_token(const char *cookies, char *out, size_t n)
{
    const char *p = cookies;
    while (p && *p) {
        while (*p == ' ' || *p == ';')
            p++;
        if (strncmp(p, "hilo_session=", 13) == 0) {
            const char *v = p + 13, *e = strchr(v, ';');
            size_t len = e ? (size_t)(e - v) : strlen(v);
            if (len == 0 || len >= n)
                return -1;
            memcpy(out, v, len);
            out[len] = '\0';
            return 0;
        }
        p = strchr(p, ';');
    }
    return -1;
}

static void route_session(struct hilo_http *r)
{
    struct hilo_server *s = r->srv;
    char tok[256];
    int rc;

    if (strcmp(r->method, "POST") == 0) {
        json_error_t je;
        json_t *body, *jn, *jp;
        if (r->body_too_big) {
            respond_err(r, 413, -HILO_ETOOLARGE);
            return;
        }
        body = json_loadb(r->body.p ? r->body.p : "", r->body.len, 0, &je);
        jn = json_object_get(body, "name");
        jp = json_object_get(body, "password");
        if (!json_is_object(body) || !json_is_string(jn) || !json_is_string(jp)) {
            respond_err(r, 400, body ? -HILO_EBADFRAME : -HILO_EBADJSON);
            json_decref(body);
            return;
        }
        r->refs++;
        rc = hilo_agents_login(s, json_string_value(jn), json_string_value(jp), login_cb, r);
        json_decref(body);
        if (rc < 0) {
            r->refs--;
            respond_err(r, err_status(rc), rc);
        }
        return;
    }
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "DELETE") != 0) {
        respond_json(r, 405, json_pack("{s:{s:s, s:s}}", "error", "code", "method_not_allowed",
                                       "message", "Use GET, POST or DELETE."));
        return;
    }
    if (!r->cookie || hilo_http_cookie_token(r->cookie, tok, sizeof tok) < 0) {
        respond_err(r, 401, -HILO_EUNAUTH);
        return;
    }
    r->refs++;
    rc = strcmp(r->method, "GET") == 0 ? hilo_agents_check(s, tok, check_cb, r)
                                       : hilo_agents_logout(s, tok, logout_cb, r);
    if (rc < 0) {
        r->refs--;
        respond_err(r, err_status(rc), rc);
    }
}

/* Called when the request (and its body, if any) is complete. */
static int route(struct hilo_http *r)
{
    struct hilo_server *s = r->srv;
    int get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;

    if (strcmp(r->path, "/healthz") == 0) {
        respond_json(r, 200, json_pack("{s:s}", "status", "ok"));
        return 0;
    }
    if (strcmp(r->path, "/readyz") == 0) {
        const char *argv[] = {"PING"};
        r->refs++;
        if (hilo_redis_cmdargv(s->redis, readyz_cb, r, 1, argv, NULL) < 0) {
            r->refs--;
            respond_json(r, 503, json_pack("{s:s}", "status", "unavailable"));
        }
        return 0;
    }
    if (strncmp(r->path, "/webhooks/", 10) == 0) {
        hilo_webhook_handle(r);
        return 0;
    }
    if (strcmp(r->path, "/api/v1/session") == 0) {
        route_session(r);
        return 0;
    }
    if (strcmp(r->path, "/ws") == 0) {
        respond_json(r, 400, json_pack("{s:{s:s, s:s}}", "error", "code", "bad_request", "message",
                                       "A WebSocket upgrade with subprotocol hilo.customer.v1 or "
                                       "hilo.agent.v1 is needed here."));
        return 0;
    }
    if (strncmp(r->path, "/api/v1/", 8) == 0) {
        hilo_api_handle(r);
        return 0;
    }
    if (strncmp(r->path, "/api/", 5) == 0) {
        respond_json(r, 404, json_pack("{s:{s:s, s:s}}", "error", "code", "not_found", "message",
                                       "No such endpoint."));
        return 0;
    }
    if (!get) {
        respond_json(r, 405, json_pack("{s:{s:s, s:s}}", "error", "code", "method_not_allowed",
                                       "message", "Static files are read with GET."));
        return 0;
    }
    return serve_static(r);
}

static const char *method_of(struct lws *wsi)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
        return "GET";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
        return "POST";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI))
        return "HEAD";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI))
        return "DELETE";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI))
        return "PUT";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_PATCH_URI))
        return "PATCH";
    return "OTHER";
}

static char *copy_header(struct lws *wsi, enum lws_token_indexes h)
{
    int n = lws_hdr_total_length(wsi, h);
    char *v;
    if (n <= 0)
        return NULL;
    v = malloc((size_t)n + 1);
    if (v && lws_hdr_copy(wsi, v, n + 1, h) < 0) {
        free(v);
        v = NULL;
    }
    return v;
}

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    struct http_pss *pss = user;
    struct hilo_http *r = pss ? pss->req : NULL;
    struct hilo_server *s;

    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        s = srv_of(wsi);
        return s && s->stopping ? -1 : 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
        /* An upgrade must name one of our subprotocols. */
        char list[256];
        int n = lws_hdr_copy(wsi, list, sizeof list, WSI_TOKEN_PROTOCOL);
        for (char *save = NULL, *t = n > 0 ? strtok_r(list, ", ", &save) : NULL; t;
             t = strtok_r(NULL, ", ", &save))
            if (strcmp(t, "hilo.customer.v1") == 0 || strcmp(t, "hilo.agent.v1") == 0)
                return 0;
        lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST,
                               "Use subprotocol hilo.customer.v1 or hilo.agent.v1");
        return -1;
    }
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* A WebSocket upgrade that named none of our subprotocols. */
        lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST,
                               "Use subprotocol hilo.customer.v1 or hilo.agent.v1");
        return -1;
    case LWS_CALLBACK_HTTP:
        s = srv_of(wsi);
        r = calloc(1, sizeof *r);
        if (!r)
            return -1;
        r->wsi = wsi;
        r->srv = s;
        r->refs = 1;
        pss->req = r;
        snprintf(r->method, sizeof r->method, "%s", method_of(wsi));
        snprintf(r->path, sizeof r->path, "%s", (const char *)in);
        r->cookie = copy_header(wsi, WSI_TOKEN_HTTP_COOKIE);
        for (int i = 0; i < (int)HILO_ARRAY_LEN(r->args); i++) {
            char frag[512];
            if (lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) < 0)
                break;
            r->args[r->nargs++] = strdup(frag);
        }
        for (int i = 0; i < 4; i++) {
            int n = lws_hdr_custom_length(wsi, hdr_names[i], (int)strlen(hdr_names[i]));
            if (n > 0 && n < 4096 && (r->hdr[i] = malloc((size_t)n + 1)) &&
                lws_hdr_custom_copy(wsi, r->hdr[i], n + 1, hdr_names[i], (int)strlen(hdr_names[i])) < 0) {
                free(r->hdr[i]);
                r->hdr[i] = NULL;
            }
        }
        if (!r->hdr[2])
            r->hdr[2] = copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
        if (!r->hdr[3])
            r->hdr[3] = copy_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
        hilo_buf_init(&r->body, MAX_BODY);
        if (strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
            strcmp(r->method, "PATCH") == 0)
            return 0; /* wait for the body */
        return route(r);
    case LWS_CALLBACK_HTTP_BODY:
        if (r && hilo_buf_add(&r->body, in, len) < 0)
            r->body_too_big = 1;
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return r ? route(r) : -1;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!r || !r->ready)
            return 0;
        return write_response(r);
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (r) {
            r->wsi = NULL;
            pss->req = NULL;
            req_unref(r);
        }
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* ---- WebSockets --------------------------------------------------------------- */

/* Is this Origin allowed to open a customer socket? */
static int origin_ok(struct hilo_server *s, struct lws *wsi)
{
    char origin[256], host[256];
    const char *list = s->cfg->widget_origins;
    int olen = lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
    if (olen <= 0)
        return 1; /* not a browser */
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) > 0) {
        const char *o = strstr(origin, "://");
        if (o && strcmp(o + 3, host) == 0)
            return 1; /* a page served by Hilo itself */
    }
    while (list && *list) {
        const char *comma = strchr(list, ',');
        size_t n = comma ? (size_t)(comma - list) : strlen(list);
        while (n && *list == ' ') {
            list++;
            n--;
        }
        while (n && list[n - 1] == ' ')
            n--;
        if ((n == 1 && *list == '*') || (n == (size_t)olen && strncmp(list, origin, n) == 0))
            return 1;
        list = comma ? comma + 1 : NULL;
    }
    return 0;
}

static int ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                 size_t len)
{
    struct ws_pss *pss = user;
    struct hilo_conn *c = pss ? pss->conn : NULL;
    struct hilo_server *s = srv_of(wsi);
    const struct lws_protocols *proto = lws_get_protocol(wsi);
    int role = proto && strcmp(proto->name, "hilo.agent.v1") == 0 ? HILO_ROLE_AGENT
                                                                  : HILO_ROLE_CUSTOMER;

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (s->stopping || s->nconns >= (uint32_t)s->cfg->max_conns) {
            lws_return_http_status(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, "Try again later");
            return -1;
        }
        if (role == HILO_ROLE_CUSTOMER && !origin_ok(s, wsi)) {
            hilo_info("refused customer socket from a disallowed origin");
            lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, "Origin not allowed");
            return -1;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        c = hilo_conn_new(s, wsi, role);
        if (!c)
            return -1;
        pss->conn = c;
        if (role == HILO_ROLE_AGENT) {
            char *cookies = copy_header(wsi, WSI_TOKEN_HTTP_COOKIE);
            char tok[256];
            if (cookies && hilo_http_cookie_token(cookies, tok, sizeof tok) == 0) {
                c->cookie = strdup(tok);
                hilo_conn_cookie_auth(c);
            }
            free(cookies);
        }
        return 0;
    case LWS_CALLBACK_RECEIVE: {
        size_t max = (size_t)s->cfg->max_frame;
        int done = lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);
        if (!c)
            return -1;
        if (lws_frame_is_binary(wsi)) {
            c->rx_total = UINT32_MAX / 2; /* mark: reject at the end */
        }
        if (c->rx_total != UINT32_MAX / 2) {
            if ((uint64_t)c->rx_total + len > 16ull * max) {
                hilo_conn_error(c, -HILO_ETOOLARGE, NULL, NULL);
                free(c->rx);
                c->rx = NULL;
                c->rx_len = c->rx_total = 0;
                lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                                 (unsigned char *)"too large", 9);
                return -1;
            }
            c->rx_total += (uint32_t)len;
            if (c->rx_total <= max) {
                if (done && c->rx_len == 0) {
                    hilo_conn_frame(c, in, len);
                    c->rx_total = 0;
                    return 0;
                }
                char *p = realloc(c->rx, c->rx_len + len);
                if (!p)
                    return -1;
                c->rx = p;
                memcpy(c->rx + c->rx_len, in, len);
                c->rx_len += (uint32_t)len;
            } else if (c->rx) {
                free(c->rx);
                c->rx = NULL;
                c->rx_len = 0;
            }
        }
        if (!done)
            return 0;
        if (c->rx_total == UINT32_MAX / 2)
            hilo_conn_error(c, -HILO_EBADFRAME, NULL, NULL);
        else if (c->rx_total > max)
            hilo_conn_error(c, -HILO_ETOOLARGE, NULL, NULL);
        else
            hilo_conn_frame(c, c->rx, c->rx_len);
        free(c->rx);
        c->rx = NULL;
        c->rx_len = c->rx_total = 0;
        return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c ? hilo_conn_writeable(c) : -1;
    case LWS_CALLBACK_TIMER:
        /* set by hilo_conn_writeable once the last frame before a close is out */
        return c && c->closing ? -1 : 0;
    case LWS_CALLBACK_CLOSED:
        if (c) {
            pss->conn = NULL;
            hilo_conn_closed(c);
        }
        return 0;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"http", http_cb, sizeof(struct http_pss), 0, 0, NULL, 0},
    {"hilo.customer.v1", ws_cb, sizeof(struct ws_pss), 2048, 0, NULL, 0},
    {"hilo.agent.v1", ws_cb, sizeof(struct ws_pss), 2048, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log_cb(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (level & LLL_ERR)
        hilo_error("lws: %.*s", (int)n, line);
    else if (level & LLL_WARN)
        hilo_warn("lws: %.*s", (int)n, line);
    else
        hilo_debug("lws: %.*s", (int)n, line);
}

int hilo_ws_start(struct hilo_server *s)
{
    struct lws_context_creation_info info;
    void *loops[1] = {s->loop};
    const char *host = s->cfg->listen_host;

    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_cb);
    memset(&info, 0, sizeof info);
    info.port = s->cfg->listen_port;
    info.iface = host[0] && strcmp(host, "0.0.0.0") != 0 && strcmp(host, "*") != 0 ? host : NULL;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
    if (strchr(host, ':'))
        info.options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = loops;
    info.user = s;
    info.server_string = "hilo";
    info.ka_time = 60;
    info.ka_probes = 3;
    info.ka_interval = 10;
    info.timeout_secs = 20;
    info.fd_limit_per_thread = (unsigned int)s->cfg->max_conns + 64;
    s->lws = lws_create_context(&info);
    if (!s->lws) {
        hilo_error("cannot listen on %s", s->cfg->listen);
        return -1;
    }
    hilo_info("listening on http://%s", s->cfg->listen);
    return 0;
}

void hilo_ws_stop(struct hilo_server *s)
{
    if (s->lws) {
        lws_context_destroy(s->lws);
        s->lws = NULL;
    }
}
