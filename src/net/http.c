/* Plain HTTP on the lws "http" protocol: builds struct hilo_http from the
 * request, enforces the body limits, hands the request to the route table,
 * and writes the response a handler gives (now or after an async step).
 * Knows no domain: handlers come from hilo_net_route. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hilo/buf.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/http.h"
#include "hilo/log.h"
#include "hilo/loop.h"
#include "hilo/metrics.h"
#include "internal.h"

struct http_pss {
    struct hilo_http *req;
};

size_t hilo_net_http_pss_size(void) { return sizeof(struct http_pss); }

/* ---- the net ---- */

struct hilo_net *hilo_net_new(struct hilo_server *srv)
{
    struct hilo_net *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->srv = srv;
    hilo_router_init(&n->routes);
    return n;
}

void hilo_net_free(struct hilo_net *n)
{
    if (!n)
        return;
    hilo_router_deinit(&n->routes);
    hilo_net_ipcount_clear(&n->per_ip);
    free(n->trusted);
    free(n);
}

int hilo_net_route(struct hilo_net *n, const char *method, const char *prefix, unsigned flags,
                   hilo_http_handler h, void *ctx)
{
    return hilo_router_add(&n->routes, method, prefix, flags, h, ctx);
}

int hilo_net_route_set_flags(struct hilo_net *n, const char *prefix, unsigned flags)
{
    return hilo_router_set_flags(&n->routes, prefix, flags);
}

void hilo_net_drain(struct hilo_net *n)
{
    n->draining = 1;
    hilo_net_streams_abort(n);
}

/* ---- responses ---- */

static void req_unref(struct hilo_http *r)
{
    if (--r->refs)
        return;
    for (int i = 0; i < r->nargs; i++)
        free(r->args[i]);
    for (int i = 0; i < (int)HILO_ARRAY_LEN(r->hdr); i++)
        free(r->hdr[i]);
    hilo_buf_deinit(&r->body);
    hilo_net_stream_free(r);
    free(r->cookie);
    free(r->resp);
    free(r);
}

static void respond(struct hilo_http *r, int status, const char *ctype, const char *body, size_t len)
{
    if (!r->wsi || r->ready)
        return;
    hilo_metrics_http(status);
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

void hilo_net_respond_json_error(struct hilo_http *r, int status, const char *code,
                                 const char *message)
{
    respond_json(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message));
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
    case HILO_EUNKNOWNTICKET:
    case HILO_EUNKNOWNAGENT:
    case HILO_EUNKNOWNHOLD: return 404;
    case HILO_EUNKNOWNCUSTOMER: return 404;
    case HILO_EBADSTATE:
    case HILO_EUNDOCONFLICT: return 409;
    case HILO_EBLOCKED: return 403;
    case HILO_EMEDIATYPE: return 415;
    case HILO_ENOTICKET: return 409;
    default: return 500;
    }
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                      unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

static int write_response(struct hilo_http *r)
{
    struct lws *wsi = r->wsi;
    unsigned char hdr[LWS_PRE + 2048], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;

    if (lws_add_http_common_headers(wsi, (unsigned int)r->status, r->ctype, r->resp_len, &p, end) ||
        add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
        add_header(wsi, "cache-control:", "no-store", &p, end))
        return -1;
    if (r->set_cookie[0] && add_header(wsi, "set-cookie:", r->set_cookie, &p, end))
        return -1;
    if (hilo_net_hsts_add(r, &p, end))
        return -1;
    if (r->allow[0] && add_header(wsi, "allow:", r->allow, &p, end))
        return -1;
    if (r->retry_after[0] && add_header(wsi, "retry-after:", r->retry_after, &p, end))
        return -1;
    /* a download of someone else's bytes: never rendered as a page of ours */
    if (r->disposition[0] &&
        (add_header(wsi, "content-disposition:", r->disposition, &p, end) ||
         add_header(wsi, "content-security-policy:", "sandbox; default-src 'none'", &p, end)))
        return -1;
    if (hilo_net_cors_add(r, &p, end))
        return -1;
    if (r->close_after && add_header(wsi, "connection:", "close", &p, end))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    if (r->resp_len &&
        lws_write(wsi, (unsigned char *)r->resp + LWS_PRE, r->resp_len, LWS_WRITE_HTTP_FINAL) !=
            (int)r->resp_len)
        return -1;
    /* a refused body is still on its way: no next request can follow it */
    if (r->close_after)
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
    hilo_loop_hold();
}

void hilo_http_unref(struct hilo_http *r)
{
    http_pending--;
    hilo_loop_release();
    req_unref(r);
}

int hilo_http_pending(void) { return http_pending; }
struct hilo_server *hilo_http_server(struct hilo_http *r) { return r->net->srv; }
const char *hilo_http_method(struct hilo_http *r) { return r->method; }
const char *hilo_http_path(struct hilo_http *r) { return r->path; }
const char *hilo_http_cookie(struct hilo_http *r) { return r->cookie; }
const char *hilo_http_client_ip(struct hilo_http *r) { return r->client_ip; }
int hilo_http_secure(struct hilo_http *r) { return r->secure; }

int hilo_net_hsts_add(struct hilo_http *r, unsigned char **p, unsigned char *end)
{
    char v[32];
    const struct hilo_config *cfg = r->net->cfg;
    /* with TLS here lws adds it to every response (ws.c); behind a proxy
     * only the requests it forwarded as https get it */
    if (!r->secure || !cfg || cfg->hsts_max_age <= 0 || r->net->ssl_ctx)
        return 0;
    snprintf(v, sizeof v, "max-age=%d", cfg->hsts_max_age);
    return add_header(r->wsi, "strict-transport-security:", v, p, end);
}

/* CORS for the widget's HTTP calls (hilo_http_set_cors). */
int hilo_net_cors_add(struct hilo_http *r, unsigned char **p, unsigned char *end)
{
    if (!r->cors[0])
        return 0;
    if (add_header(r->wsi, "access-control-allow-origin:", r->cors, p, end) ||
        add_header(r->wsi, "vary:", "Origin", p, end) ||
        add_header(r->wsi, "access-control-expose-headers:", "Content-Disposition", p, end))
        return -1;
    if (r->cors_preflight &&
        (add_header(r->wsi, "access-control-allow-methods:", "GET, POST", p, end) ||
         add_header(r->wsi, "access-control-allow-headers:",
                    "Authorization, Content-Type, X-Hilo-Identity", p, end) ||
         add_header(r->wsi, "access-control-max-age:", "600", p, end)))
        return -1;
    return 0;
}

const char *hilo_http_origin(struct hilo_http *r) { return r->origin[0] ? r->origin : NULL; }
const char *hilo_http_host(struct hilo_http *r) { return r->host; }

void hilo_http_set_cors(struct hilo_http *r, const char *origin, int preflight)
{
    snprintf(r->cors, sizeof r->cors, "%s", origin ? origin : "");
    r->cors_preflight = preflight;
}

const char *hilo_http_body(struct hilo_http *r, size_t *len)
{
    *len = r->body.len;
    return r->body_too_big ? NULL : (r->body.p ? r->body.p : "");
}

static const char *const hdr_names[5] = {"x-hub-signature-256:", "x-twilio-signature:",
                                         "content-type:", "authorization:", "x-hilo-identity:"};

const char *hilo_http_header(struct hilo_http *r, const char *name)
{
    for (int i = 0; i < (int)HILO_ARRAY_LEN(hdr_names); i++)
        if (strncmp(hdr_names[i], name, strlen(name)) == 0 && hdr_names[i][strlen(name)] == ':')
            return r->hdr[i];
    return NULL;
}

int hilo_http_nargs(struct hilo_http *r) { return r->nargs; }
const char *hilo_http_argn(struct hilo_http *r, int i) { return i < r->nargs ? r->args[i] : NULL; }

const char *hilo_http_arg(struct hilo_http *r, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < r->nargs; i++)
        if (strncmp(r->args[i], name, n) == 0 && r->args[i][n] == '=')
            return r->args[i] + n + 1;
    return NULL;
}

void hilo_http_respond(struct hilo_http *r, int status, const char *ctype, const char *body, size_t len)
{
    respond(r, status, ctype, body, len);
}

void hilo_http_respond_json(struct hilo_http *r, int status, json_t *o) { respond_json(r, status, o); }

void hilo_http_respond_error(struct hilo_http *r, int err)
{
    hilo_err_count(err);
    respond_json(r, err_status(err), json_pack("{s:{s:s, s:s}}", "error", "code", hilo_err_code(err),
                                               "message", hilo_strerror(err)));
}

void hilo_http_respond_empty(struct hilo_http *r, int status) { respond(r, status, "application/json", "", 0); }

void hilo_http_set_allow(struct hilo_http *r, const char *methods)
{
    snprintf(r->allow, sizeof r->allow, "%s", methods);
}

/* filename="..." keeps to characters that need no quoting rules of their
 * own; a name with non-ASCII letters ("factura_año.pdf") also goes as
 * filename*=UTF-8''... (RFC 6266/8187), which browsers prefer. The name is
 * valid UTF-8 (upload names are checked); at most 100 bytes are encoded,
 * never ending inside a character. */
void hilo_http_set_attachment(struct hilo_http *r, const char *filename)
{
    static const char hex[] = "0123456789ABCDEF";
    char safe[96], ext[310];
    size_t k = 0, e = 0, n = strlen(filename);
    int wide = 0;

    for (const char *p = filename; *p && k < sizeof safe - 1; p++)
        safe[k++] = (isalnum((unsigned char)*p) || strchr("._-", *p)) ? *p : '_';
    safe[k] = '\0';
    for (size_t i = 0; i < n; i++)
        wide |= (unsigned char)filename[i] >= 0x80;
    if (n > 100) {
        n = 100;
        while (n > 0 && ((unsigned char)filename[n] & 0xc0) == 0x80)
            n--;
    }
    for (size_t i = 0; wide && i < n; i++) {
        unsigned char c = (unsigned char)filename[i];
        if ((c < 0x80 && isalnum(c)) || (c && c < 0x80 && strchr("!#$&+-.^_`|~", c))) {
            ext[e++] = (char)c;
        } else {
            ext[e++] = '%';
            ext[e++] = hex[c >> 4];
            ext[e++] = hex[c & 15];
        }
    }
    ext[e] = '\0';
    if (e)
        snprintf(r->disposition, sizeof r->disposition,
                 "attachment; filename=\"%s\"; filename*=UTF-8''%s", k ? safe : "download", ext);
    else
        snprintf(r->disposition, sizeof r->disposition, "attachment; filename=\"%s\"",
                 k ? safe : "download");
}

void hilo_http_set_retry_after(struct hilo_http *r, unsigned seconds)
{
    snprintf(r->retry_after, sizeof r->retry_after, "%u", seconds);
}

void hilo_http_set_cookie(struct hilo_http *r, const char *cookie)
{
    snprintf(r->set_cookie, sizeof r->set_cookie, "%s", cookie);
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

void hilo_http_not_found(void *ctx, struct hilo_http *r)
{
    (void)ctx;
    hilo_net_respond_json_error(r, 404, "not_found", "No such endpoint.");
}

/* ---- lws glue ---- */

/* ---- cross-site request forgery ---- */

static int is_unsafe(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0 || strcmp(method, "DELETE") == 0;
}

/* Is the media type of a Content-Type header application/json? */
static int is_json(const char *ctype)
{
    static const char want[] = "application/json";
    size_t n = sizeof want - 1;
    if (!ctype)
        return 0;
    while (*ctype == ' ')
        ctype++;
    if (strncasecmp(ctype, want, n) != 0)
        return 0;
    ctype += n;
    while (*ctype == ' ')
        ctype++;
    return *ctype == '\0' || *ctype == ';';
}

/* A request the session cookie authenticates must come from a console
 * page: any page of the same site would otherwise act as the agent (an
 * auto-submitted text/plain form, a fetch from another port). API keys
 * (Authorization: Bearer) are never sent by a browser on its own, so they
 * need neither. 1 when refused (answered), 0 to go on. */
static int csrf_refused(struct hilo_http *r)
{
    const char *authz = r->hdr[3];
    char tok[256], origin[256], host[256], msg[512];
    const struct hilo_config *cfg = r->net->cfg;
    const char *o;

    if (!is_unsafe(r->method) || (authz && strncasecmp(authz, "Bearer ", 7) == 0) ||
        !r->cookie || hilo_http_cookie_token(r->cookie, tok, sizeof tok) < 0)
        return 0;
    o = hilo_net_wsi_origin(r->wsi, origin, sizeof origin);
    if (lws_hdr_copy(r->wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
        host[0] = '\0';
    if (!o) {
        snprintf(msg, sizeof msg, "%s", "A request with the session cookie needs an Origin header "
                                        "naming a console origin (see --console-origins).");
    } else if (!hilo_net_console_origin_ok(cfg ? cfg->console_origins : NULL,
                                           cfg ? cfg->public_url : NULL, o, host)) {
        snprintf(msg, sizeof msg,
                 "Origin %.200s may not use the session cookie: it is not a console origin "
                 "(see --console-origins).", o);
    } else if (r->body.len && !is_json(r->hdr[2])) {
        snprintf(msg, sizeof msg, "%s", "A request with the session cookie must send its body as "
                                        "Content-Type: application/json.");
    } else {
        return 0;
    }
    hilo_info("refused %s %s with the session cookie: %s", r->method, r->path, msg);
    hilo_err_count(-HILO_EFORBIDDEN);
    hilo_net_respond_json_error(r, 403, hilo_err_code(-HILO_EFORBIDDEN), msg);
    return 1;
}

/* Called when the request (and its body, if any) is complete. */
static int dispatch(struct hilo_http *r)
{
    char allow[sizeof r->allow];
    int status = 404;
    const struct hilo_http_route *rt =
        hilo_router_match(&r->net->routes, r->method, r->path, allow, sizeof allow, &status);

    if (!rt) {
        if (status == 405) {
            char msg[sizeof allow + 8];
            snprintf(r->allow, sizeof r->allow, "%s", allow);
            snprintf(msg, sizeof msg, "Use %s.", allow);
            hilo_net_respond_json_error(r, 405, "method_not_allowed", msg);
        } else {
            hilo_http_not_found(NULL, r);
        }
        return 0;
    }
    if ((rt->flags & HILO_ROUTE_CSRF) && csrf_refused(r))
        return 0;
    rt->h(rt->ctx, r);
    return r->fail ? -1 : 0;
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
#if defined(LWS_WITH_HTTP_UNCOMMON_HEADERS) || defined(LWS_HTTP_HEADERS_ALL)
    if (lws_hdr_total_length(wsi, WSI_TOKEN_OPTIONS_URI))
        return "OPTIONS";
#endif
    return "OTHER"; /* matches no route: 405 */
}

char *hilo_net_copy_header(struct lws *wsi, enum lws_token_indexes h)
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

/* Checks the declared body size before any of it is read: a body must say
 * how long it is (lws reads none otherwise), and one over the limit is
 * refused without being buffered. 0 to read the body, 1 when answered. */
static int body_check(struct hilo_http *r)
{
    char cl[32], *end;
    unsigned long long n;

    if (lws_hdr_copy(r->wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
        r->close_after = 1;
        hilo_net_respond_json_error(r, 411, "length_required",
                                    "A request body needs a Content-Length.");
        return 1;
    }
    errno = 0;
    n = strtoull(cl, &end, 10);
    if (errno || end == cl || *end || n > HILO_HTTP_MAX_BODY) {
        r->close_after = 1;
        hilo_err_count(-HILO_ETOOLARGE);
        hilo_net_respond_json_error(r, 413, hilo_err_code(-HILO_ETOOLARGE),
                                    "The request body is larger than 4 MiB.");
        return 1;
    }
    return 0;
}

static struct hilo_http *req_new(struct lws *wsi, struct hilo_net *n, const char *path)
{
    struct hilo_http *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->wsi = wsi;
    r->net = n;
    r->refs = 1;
    snprintf(r->method, sizeof r->method, "%s", method_of(wsi));
    snprintf(r->path, sizeof r->path, "%s", path);
    r->cookie = hilo_net_copy_header(wsi, WSI_TOKEN_HTTP_COOKIE);
    for (int i = 0; i < (int)HILO_ARRAY_LEN(r->args); i++) {
        char frag[512];
        if (lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) < 0)
            break;
        if (!(r->args[r->nargs] = strdup(frag)))
            break;
        r->nargs++;
    }
    for (int i = 0; i < (int)HILO_ARRAY_LEN(hdr_names); i++) {
        int len = lws_hdr_custom_length(wsi, hdr_names[i], (int)strlen(hdr_names[i]));
        if (len > 0 && len < 4096 && (r->hdr[i] = malloc((size_t)len + 1)) &&
            lws_hdr_custom_copy(wsi, r->hdr[i], len + 1, hdr_names[i], (int)strlen(hdr_names[i])) < 0) {
            free(r->hdr[i]);
            r->hdr[i] = NULL;
        }
    }
    if (!r->hdr[2])
        r->hdr[2] = hilo_net_copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
    if (!r->hdr[3])
        r->hdr[3] = hilo_net_copy_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    hilo_buf_init(&r->body, HILO_HTTP_MAX_BODY);
    if (!hilo_net_wsi_origin(wsi, r->origin, sizeof r->origin))
        r->origin[0] = '\0';
    if (lws_hdr_copy(wsi, r->host, sizeof r->host, WSI_TOKEN_HOST) <= 0)
        r->host[0] = '\0';
    hilo_net_wsi_client_ip(n, wsi, r->client_ip, sizeof r->client_ip);
    r->secure = hilo_net_wsi_secure(n, wsi);
    return r;
}

const char *hilo_net_wsi_origin(struct lws *wsi, char *out, size_t len)
{
    if (lws_hdr_copy(wsi, out, (int)len, WSI_TOKEN_ORIGIN) > 0)
        return out;
    /* an Origin too long to copy is not "no Origin": it is one that no
     * allowed origin equals (fails closed) */
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0 && len >= 2) {
        snprintf(out, len, "!");
        return out;
    }
    return NULL;
}

void hilo_net_wsi_client_ip(struct hilo_net *n, struct lws *wsi, char *out, size_t len)
{
    char peer[64], xff[1024];
    int have_xff = 0;

    if (!lws_get_peer_simple(wsi, peer, sizeof peer))
        peer[0] = '\0';
    if (n->ntrusted) {
#if defined(LWS_WITH_HTTP_UNCOMMON_HEADERS) || defined(LWS_HTTP_HEADERS_ALL)
        have_xff = lws_hdr_copy(wsi, xff, sizeof xff, WSI_TOKEN_X_FORWARDED_FOR) > 0;
#endif
        if (!have_xff)
            have_xff = lws_hdr_custom_copy(wsi, xff, sizeof xff, "x-forwarded-for:", 16) > 0;
    }
    hilo_net_client_ip(peer, have_xff ? xff : NULL, n->trusted, n->ntrusted, out, len);
}

int hilo_net_wsi_secure(struct hilo_net *n, struct lws *wsi)
{
    char peer[64], xfp[128];
    const char *v;
    size_t len;

    if (lws_is_ssl(wsi))
        return 1;
    if (!n->ntrusted || !lws_get_peer_simple(wsi, peer, sizeof peer) ||
        !hilo_net_cidrs_match(n->trusted, n->ntrusted, peer) ||
        lws_hdr_custom_copy(wsi, xfp, sizeof xfp, "x-forwarded-proto:", 18) <= 0)
        return 0;
    /* the last value is the one the trusted proxy itself set or appended */
    v = strrchr(xfp, ',');
    v = v ? v + 1 : xfp;
    while (*v == ' ' || *v == '\t')
        v++;
    len = strlen(v);
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    return len == 5 && strncasecmp(v, "https", 5) == 0;
}

int hilo_net_http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len)
{
    struct http_pss *pss = user;
    struct hilo_http *r = pss ? pss->req : NULL;
    const struct lws_protocols *proto = lws_get_protocol(wsi);
    struct hilo_net *n;

    /* a connection just accepted may not have its protocol bound yet */
    if (!proto && lws_get_vhost(wsi))
        proto = lws_vhost_name_to_protocol(lws_get_vhost(wsi), "http");
    n = proto ? proto->user : NULL;

    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        return n && n->draining ? -1 : 0;
    case LWS_CALLBACK_HTTP:
        if (!n || !(r = req_new(wsi, n, in)))
            return -1;
        pss->req = r;
        if (strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
            strcmp(r->method, "PATCH") == 0)
            return body_check(r), 0; /* answered, or wait for the body */
        return dispatch(r);
    case LWS_CALLBACK_HTTP_BODY:
        if (r && !r->close_after && hilo_buf_add(&r->body, in, len) < 0)
            r->body_too_big = 1;
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (r && r->close_after)
            return 0;
        return r ? dispatch(r) : -1;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (r && r->stream)
            return hilo_net_stream_writeable(r);
        if (!r || !r->ready)
            return 0;
        return write_response(r);
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (r) {
            r->wsi = NULL;
            pss->req = NULL;
            hilo_net_stream_gone(r);
            req_unref(r);
        }
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}
