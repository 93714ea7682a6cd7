/* hilo: wiring only. See README.md for the commands. */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "hilo/upload.h"
#include "hilo/agents.h"
#include "hilo/api_session.h"
#include "hilo/cli.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/embedded.h"
#include "hilo/http.h"
#include "hilo/log.h"
#include "hilo/loop.h"
#include "hilo/net.h"
#include "hilo/outbox.h"
#include "hilo/redis.h"
#include "hilo/server.h"
#include "hilo/survey.h"
#include "hilo/store_agents.h"
#include "hilo/tls.h"
#include "hilo/ws.h"

extern char **environ;

struct app {
    uv_loop_t loop;
    struct hilo_config cfg;
    struct hilo_server srv;
    struct hilo_net *net;
    struct hilo_embedded *embedded;
    uv_signal_t sigint, sigterm;
    uv_signal_t sighup; /* reloads the TLS certificate */
    uv_timer_t shutdown;
    uint64_t shutdown_started;
    int redis_open;
    int phase;
};

static void usage(FILE *f)
{
    fprintf(f, "hilo %s: conversation-continuity support hub\n\n"
               "Usage:\n"
               "  hilo [serve] [options]          run the hub\n"
               "  hilo agent add NAME [--display \"Name\"] [--team T] [--admin] [options]\n"
               "                                  create an agent; prints its password\n"
               "  hilo agent passwd NAME          set a new password; prints it\n"
               "  hilo agent remove NAME | list\n"
               "  hilo apikey add NAME | remove NAME | list   API keys for integrations\n"
               "  hilo config-doc                 print docs/config.md\n"
               "  hilo --help | --version\n\n",
            HILO_VERSION);
    hilo_config_print_help(f);
}

static void closed_last(uv_handle_t *h) { (void)h; }

static void embedded_done(void *data)
{
    struct app *a = data;
    a->embedded = NULL;
    uv_close((uv_handle_t *)&a->shutdown, closed_last);
    uv_close((uv_handle_t *)&a->sigint, closed_last);
    uv_close((uv_handle_t *)&a->sigterm, closed_last);
    uv_close((uv_handle_t *)&a->sighup, closed_last);
}

static void redis_closed(void *data)
{
    struct app *a = data;
    if (--a->redis_open)
        return;
    if (a->embedded)
        hilo_embedded_stop(a->embedded, embedded_done, a);
    else
        embedded_done(a);
}

/* Work that touches Redis when it finishes (a password hash in the thread
 * pool, an HTTP request between async steps) must be done before Redis is
 * freed. Such work always ends (hashes finish, Redis commands time out), so
 * the wait for it outlasts the 5 s given to sockets, up to a safety cap. */
#define SHUTDOWN_GRACE_MS 5000
#define SHUTDOWN_WORK_CAP_MS 60000

static void shutdown_tick(uv_timer_t *t)
{
    struct app *a = t->data;
    struct hilo_server *s = &a->srv;
    uint64_t waited = hilo_mono_ms() - a->shutdown_started;

    if (a->phase == 1) {
        /* sockets closing with 1001; in-flight Redis writes finishing */
        if ((hilo_ws_conns(a->net) > 0 || hilo_redis_pending(s->redis) > 0 ||
             hilo_loop_pending() > 0) && waited < SHUTDOWN_GRACE_MS)
            return;
        if (hilo_loop_pending() > 0 && waited < SHUTDOWN_WORK_CAP_MS && a->shutdown_started)
            return;
        if (hilo_loop_pending() > 0)
            hilo_warn("shutdown: %u pieces of work still pending", hilo_loop_pending());
        a->phase = 2;
        uv_timer_stop(t);
        hilo_ws_stop(a->net);
        hilo_server_stop_timers(s);
        a->redis_open = 3;
        /* the outbox first: aborted sends are recorded while Redis is up */
        hilo_outbox_close(s->outbox, redis_closed, a);
        hilo_redis_close(s->redis, redis_closed, a);
        hilo_redis_close(s->sub, redis_closed, a);
    }
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct app *a = h->data;
    if (a->phase)
        return;
    hilo_info("signal %d: shutting down", signum);
    a->phase = 1;
    hilo_net_drain(a->net);
    a->shutdown_started = hilo_mono_ms();
    hilo_ws_close_all(a->net);
    uv_timer_start(&a->shutdown, shutdown_tick, 0, 20);
}

/* SIGHUP: the certificate files are read again (same paths); new
 * connections get the new certificate, open ones keep theirs. */
static void on_sighup(uv_signal_t *h, int signum)
{
    struct app *a = h->data;
    char err[512];
    (void)signum;
    if (a->phase)
        return;
    if (!hilo_tls_enabled(&a->cfg)) {
        hilo_info("SIGHUP: TLS is off (no tls_cert): nothing to reload");
        return;
    }
    if (hilo_tls_reload(a->net, err, sizeof err) < 0)
        hilo_error("SIGHUP: TLS certificate not reloaded, the previous one stays: %s", err);
    else
        hilo_info("SIGHUP: TLS certificate reloaded from %s", a->cfg.tls_cert);
}

/* ---- HTTP routes ---- */

static void healthz(void *ctx, struct hilo_http *r)
{
    (void)ctx;
    hilo_http_respond_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static void readyz_cb(redisReply *reply, void *data)
{
    struct hilo_http *r = data;
    if (reply && reply->type != REDIS_REPLY_ERROR)
        hilo_http_respond_json(r, 200, json_pack("{s:s}", "status", "ready"));
    else
        hilo_http_respond_json(r, 503, json_pack("{s:s}", "status", "unavailable"));
    hilo_http_unref(r);
}

static void readyz(void *ctx, struct hilo_http *r)
{
    struct hilo_server *s = ctx;
    /* Live delivery needs the subscription, caught up: without it messages
     * are stored but reach nobody. The command link must be ready too;
     * answering at once spares a PING into a stalled link. Ready also
     * waits for the first read of the SLA teams (domain/sla_timer.c). */
    if (!hilo_redis_ready(s->redis) || !hilo_redis_ready(s->sub) ||
        hilo_redis_catchup_pending(s->sub) || !s->sla_known) {
        hilo_http_respond_json(r, 503, json_pack("{s:s}", "status", "unavailable"));
        return;
    }
    hilo_http_ref(r);
    if (hilo_store_ping(s->redis, readyz_cb, r) < 0) {
        hilo_http_respond_json(r, 503, json_pack("{s:s}", "status", "unavailable"));
        hilo_http_unref(r);
    }
}

/* Tests only (--test-clock 1): moves the wall clock of this process
 * forward, so timers stored in Redis (follow-ups, SLA, windows) come due
 * without waiting. Loopback peers only, and never on by default. */
static void test_clock(void *ctx, struct hilo_http *r)
{
    (void)ctx;
    const char *ip = hilo_http_client_ip(r);
    size_t len = 0;
    const char *body = hilo_http_body(r, &len);
    json_error_t jerr;
    json_t *o = NULL, *v;
    if (!ip || (strcmp(ip, "127.0.0.1") != 0 && strcmp(ip, "::1") != 0)) {
        hilo_http_respond_error(r, -HILO_EFORBIDDEN);
        return;
    }
    o = body ? json_loadb(body, len, 0, &jerr) : NULL;
    v = o ? json_object_get(o, "advance_ms") : NULL;
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        json_decref(o);
        hilo_http_respond_error(r, -HILO_EBADJSON);
        return;
    }
    hilo_clock_advance((uint64_t)json_integer_value(v));
    json_decref(o);
    hilo_http_respond_json(r, 200, json_pack("{s:I}", "now_ms", (json_int_t)hilo_now_ms()));
}

static void webhook(void *ctx, struct hilo_http *r)
{
    (void)ctx;
    hilo_webhook_handle(r);
}

static void api(void *ctx, struct hilo_http *r)
{
    (void)ctx;
    hilo_api_handle(r);
}

/* Every HTTP route; the longest matching prefix wins, so the order here is
 * only for the reader. */
static int routes(struct app *a)
{
    struct hilo_net *n = a->net;
    struct hilo_server *s = &a->srv;
    int rc = 0;

    rc |= hilo_net_route(n, "GET", "/healthz", HILO_ROUTE_EXACT, healthz, NULL);
    rc |= hilo_net_route(n, "GET", "/readyz", HILO_ROUTE_EXACT, readyz, s);
    rc |= hilo_net_route(n, "GET", "/metrics", HILO_ROUTE_EXACT, hilo_metrics_serve, s);
    rc |= hilo_net_route(n, "GET", "/survey", HILO_ROUTE_EXACT, hilo_survey_serve, s);
    /* providers' webhooks: the handler answers GET (verification) and POST */
    rc |= hilo_net_route(n, NULL, "/webhooks/", 0, webhook, NULL);
    /* the session cookie's unsafe requests must come from the console */
    rc |= hilo_api_session_routes(n, s);
    /* the widget's uploads and their files (upload.h) */
    rc |= hilo_api_upload_routes(n, s);
    rc |= hilo_net_route_set_flags(n, "/api/v1/session", HILO_ROUTE_CSRF) < 0;
    rc |= hilo_net_route(n, NULL, "/api/v1/", HILO_ROUTE_CSRF, api, NULL);
    rc |= hilo_net_route(n, NULL, "/api/", HILO_ROUTE_CSRF, hilo_http_not_found, NULL);
    rc |= hilo_net_route(n, NULL, "/ws", HILO_ROUTE_EXACT, hilo_ws_plain_http, NULL);
    if (a->cfg.test_clock)
        rc |= hilo_net_route(n, "POST", "/test/clock", HILO_ROUTE_EXACT, test_clock, NULL);
    /* static files last: everything else */
    rc |= hilo_net_route(n, "GET", "/", 0, hilo_static_serve, a->cfg.web_root);
    return rc ? -1 : 0;
}

/* A web root without the built front ends serves 404s where the console
 * and the widget should be: say so at start-up (issue #13). */
static void warn_web_root(const char *root)
{
    static const char *const need[] = {"widget.js", "console/index.html", "console/app.js"};
    char path[4200];
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, need[i]);
        FILE *f = fopen(path, "rb");
        if (f) {
            fclose(f);
            continue;
        }
        hilo_warn("web root %s has no %s: run `npm ci && node web/build.mjs` (or set --web-root)",
                  root, need[i]);
    }
}

static int serve(struct app *a)
{
    char url[4096];
    enum hilo_log_level lvl;
    int rc = 1;

    hilo_log_parse_level(a->cfg.log_level, &lvl);
    hilo_log_set_level(lvl);
    enum hilo_log_format fmt;
    hilo_log_parse_format(a->cfg.log_format, &fmt);
    hilo_log_set_format(fmt);
    hilo_config_warn(&a->cfg);
    warn_web_root(a->cfg.web_root);
    signal(SIGPIPE, SIG_IGN);
    if (uv_loop_init(&a->loop) < 0)
        return 1;
    if (a->cfg.redis_url[0]) {
        snprintf(url, sizeof url, "%s", a->cfg.redis_url);
    } else {
        a->embedded = hilo_embedded_start(&a->loop, a->cfg.redis_server, a->cfg.var_dir, url,
                                          sizeof url);
        if (!a->embedded)
            goto out;
    }
    if (hilo_server_init(&a->srv, &a->loop, &a->cfg, url) < 0)
        goto out;
    a->net = hilo_net_new(&a->srv);
    if (!a->net || routes(a) < 0 || hilo_domain_ws_register(a->net, &a->srv) < 0) {
        hilo_error("cannot set up the HTTP routes and subprotocols: out of memory");
        a->phase = 1;
        a->shutdown_started = 0; /* close everything at once */
    } else if (hilo_ws_start(a->net, &a->loop, &a->cfg, &a->srv.reap) < 0) {
        a->phase = 1;
        a->shutdown_started = 0; /* close everything at once */
    }
    uv_signal_init(&a->loop, &a->sigint);
    uv_signal_init(&a->loop, &a->sigterm);
    uv_signal_init(&a->loop, &a->sighup);
    uv_timer_init(&a->loop, &a->shutdown);
    a->sigint.data = a->sigterm.data = a->sighup.data = a->shutdown.data = a;
    uv_signal_start(&a->sigint, on_signal, SIGINT);
    uv_signal_start(&a->sigterm, on_signal, SIGTERM);
    uv_signal_start(&a->sighup, on_sighup, SIGHUP);
    if (a->phase) {
        uv_timer_start(&a->shutdown, shutdown_tick, 0, 20);
        rc = 1;
    } else {
        rc = 0;
    }
    uv_run(&a->loop, UV_RUN_DEFAULT);
    hilo_net_free(a->net);
    a->net = NULL;
    hilo_server_deinit(&a->srv);
    if (rc == 0)
        hilo_info("bye");
out:
    if (uv_loop_close(&a->loop) != 0)
        hilo_warn("event loop closed with handles open");
    return rc;
}

int main(int argc, char **argv)
{
    static struct app a;
    char err[512];
    int argi = 1, rc;
    const char *cmd = "serve";

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || sodium_init() < 0) {
        fprintf(stderr, "hilo: libsodium failed to start\n");
        return 1;
    }
    if (argc > 1 && argv[1][0] != '-') {
        cmd = argv[1];
        argi = 2;
    }
    if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "agent") != 0 && strcmp(cmd, "apikey") != 0 &&
        strcmp(cmd, "config-doc") != 0) {
        fprintf(stderr, "hilo: unknown command '%s' (see hilo --help)\n", cmd);
        return 2;
    }
    hilo_config_init(&a.cfg);
    if (hilo_config_load(&a.cfg, environ, 0, NULL, &argi, err, sizeof err) < 0) {
        fprintf(stderr, "hilo: %s\n", err);
        rc = 2;
        goto out;
    }
    if (strcmp(cmd, "agent") == 0 || strcmp(cmd, "apikey") == 0) {
        /* config flags may stand anywhere among the agent arguments */
        char **rest = calloc((size_t)argc + 1, sizeof *rest);
        int nrest = 0;
        char url[4096];
        while (argi < argc) {
            int r = strncmp(argv[argi], "--", 2) == 0
                        ? hilo_config_flag(&a.cfg, argc, argv, &argi, err, sizeof err)
                        : 0;
            if (r < 0) {
                fprintf(stderr, "hilo: %s\n", err);
                free(rest);
                rc = 2;
                goto out;
            }
            if (r == 0)
                rest[nrest++] = argv[argi++];
        }
        if (a.cfg.redis_url[0])
            snprintf(url, sizeof url, "%s", a.cfg.redis_url);
        else if (hilo_embedded_url(a.cfg.var_dir, url, sizeof url) < 0) {
            fprintf(stderr, "hilo: no Redis: give --redis-url, or start hilo once so that its "
                            "private Redis exists under %s\n", a.cfg.var_dir);
            free(rest);
            rc = 1;
            goto out;
        }
        rc = strcmp(cmd, "agent") == 0 ? hilo_cli_agent(nrest, rest, url, a.cfg.prefix)
                                        : hilo_cli_apikey(nrest, rest, url, a.cfg.prefix);
        free(rest);
        goto out;
    }
    if (hilo_config_load(&a.cfg, NULL, argc, argv, &argi, err, sizeof err) < 0) {
        fprintf(stderr, "hilo: %s\n", err);
        rc = 2;
        goto out;
    }
    if (argi < argc) {
        if (strcmp(argv[argi], "--help") == 0) {
            usage(stdout);
            rc = 0;
        } else if (strcmp(argv[argi], "--version") == 0) {
            printf("hilo %s\n", HILO_VERSION);
            rc = 0;
        } else {
            fprintf(stderr, "hilo: unexpected argument '%s' (see hilo --help)\n", argv[argi]);
            rc = 2;
        }
        goto out;
    }
    if (strcmp(cmd, "config-doc") == 0) {
        hilo_config_print_markdown(stdout);
        rc = 0;
        goto out;
    }
    if (hilo_config_validate(&a.cfg, err, sizeof err) < 0) {
        fprintf(stderr, "hilo: %s\n", err);
        rc = 2;
        goto out;
    }
    /* before anything starts: a certificate that cannot serve stops here */
    if (hilo_tls_check(&a.cfg, err, sizeof err) < 0) {
        fprintf(stderr, "hilo: %s\n", err);
        rc = 2;
        goto out;
    }
    rc = serve(&a);
out:
    hilo_config_deinit(&a.cfg);
    curl_global_cleanup();
    return rc;
}
