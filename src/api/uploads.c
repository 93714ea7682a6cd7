/* POST /api/v1/widget/uploads: a customer's file from the widget (docs/rest.md
 * "Widget uploads"). The visitor token of the widget's welcome frame
 * authenticates it, the widget's origin rule applies, the type comes from
 * the file's first bytes. The file is stored in Redis with a TTL (the
 * retention), then a customer message carrying it is appended to the
 * customer's current ticket; the answer comes once both are stored. Any
 * refusal stores nothing. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hilo/agents.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/http.h"
#include "hilo/i18n.h"
#include "hilo/identity.h"
#include "hilo/log.h"
#include "hilo/net.h"
#include "hilo/proto.h"
#include "hilo/server.h"
#include "hilo/store.h"
#include "hilo/store_customers.h"
#include "hilo/store_limits.h"
#include "hilo/store_records.h"
#include "hilo/store_route.h"
#include "hilo/store_uploads.h"
#include "hilo/tickets.h"
#include "hilo/upload.h"

#include "upload_cors.h"

#define CAPTION_MAX 400 /* bytes of the optional text (a query argument) */

struct up {
    struct hilo_http *r;
    struct hilo_server *s;
    int step;
    const char *data; /* the body: r is held, so it stays */
    size_t len;
    const char *mime;
    char ident[API_UPLOAD_IDENT];
    char customer[40];
    char author[201];
    char ref[HILO_REF_MAX];
    char id[HILO_UPLOAD_ID_LEN + 1];
    char name[HILO_UPLOAD_NAME_MAX + 8];
    char caption[CAPTION_MAX + 1];
    char client_id[65];
    char event_id[48]; /* a resend's: the first copy's event */
    char locale[4];   /* the new ticket's and its acknowledgement's language */
    int locale_given; /* by the widget (locale=) */
    int opening;      /* the file opens a new ticket */
    int charged;      /* its bytes were counted in the daily budgets */
};

enum { ST_RATE, ST_IDENT, ST_CUSTOMER, ST_TICKET, ST_TICKET_RATE, ST_BUDGET, ST_STORED };

#define DAY_MS 86400000ull

static void up_end(struct up *u)
{
    hilo_http_unref(u->r);
    free(u);
}

static void up_fail(struct up *u, int err, unsigned retry)
{
    api_upload_fail(u->r, err, retry);
    up_end(u);
}

static void up_cb(redisReply *reply, void *data);
static void budget_give_back(const struct up *u);

/* The answer once the message naming the file is stored. */
static void up_done(struct up *u, const struct hilo_ticket_result *res)
{
    hilo_http_respond_json(
        u->r, 201,
        json_pack("{s:{s:s, s:s, s:s, s:I}, s:s, s:s, s:s, s:b, s:b}", "upload", "id", u->id,
                  "name", u->name, "mime", u->mime, "size", (json_int_t)u->len, "ticket",
                  res->ref, "event_id", res->event_id, "client_id", u->client_id, "duplicate",
                  res->duplicate, "opened", u->opening));
    up_end(u);
}

/* A resend (same client_id) whose first copy is in the thread: that copy is
 * the answer; the second one is deleted (event_cb has the event). */
static void dup_event_cb(redisReply *reply, void *data)
{
    struct up *u = data;
    /* [[id, [field, value...]]] */
    const redisReply *e = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1
                              ? reply->element[0]
                              : NULL;
    json_t *x = NULL, *a;
    if (e && e->type == REDIS_REPLY_ARRAY && e->elements == 2 &&
        e->element[1]->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i + 1 < e->element[1]->elements; i += 2)
            if (e->element[1]->element[i]->str && strcmp(e->element[1]->element[i]->str, "x") == 0 &&
                e->element[1]->element[i + 1]->str)
                x = json_loads(e->element[1]->element[i + 1]->str, 0, NULL);
    a = json_array_get(json_object_get(x, "attachments"), 0);
    const char *id = json_string_value(json_object_get(a, "id"));
    const char *name = json_string_value(json_object_get(a, "name"));
    const char *mime = json_string_value(json_object_get(a, "mime"));
    if (id && name && hilo_upload_mime_known(mime) && hilo_upload_id_ok(id) &&
        strcmp(id, u->id) != 0) {
        hilo_store_upload_del(u->s->redis, u->id, NULL, NULL);
        budget_give_back(u); /* the copy kept was counted the first time */
        snprintf(u->id, sizeof u->id, "%s", id);
        snprintf(u->name, sizeof u->name, "%s", name);
        u->mime = hilo_upload_mime_known(mime);
        u->len = (size_t)json_integer_value(json_object_get(a, "size"));
    }
    json_decref(x);
    struct hilo_ticket_result res = {.ref = u->ref, .event_id = u->event_id, .duplicate = 1};
    up_done(u, &res);
}

static void written_cb(const struct hilo_ticket_result *res, void *data)
{
    struct up *u = data;
    if (!res->err && res->duplicate) {
        snprintf(u->ref, sizeof u->ref, "%s", res->ref);
        snprintf(u->event_id, sizeof u->event_id, "%s", res->event_id);
        if (hilo_store_event_get(u->s->redis, u->ref, u->event_id, dup_event_cb, u) == 0)
            return;
    }
    if (!res->err && u->opening) /* the file learns the ticket it opened */
        hilo_store_upload_set_ticket(u->s->redis, u->id, res->ref, NULL, NULL);
    if (res->err) {
        /* the file is stored but no message names it: gone at once (unless
         * the write may have happened after all, maybe_stored) */
        if (!res->maybe_stored) {
            hilo_store_upload_del(u->s->redis, u->id, NULL, NULL);
            budget_give_back(u);
        }
        up_fail(u, res->err == -HILO_EBADSTATE || res->err == -HILO_EUNKNOWNTICKET ||
                           res->err == -HILO_EFORBIDDEN
                       ? -HILO_ENOTICKET
                       : res->err,
                0);
        return;
    }
    up_done(u, res);
}

/* {"attachments":[{id,name,mime,size}]}, the event's extra fields. */
static char *attachments_json(const struct up *u)
{
    json_t *x = json_pack("{s:[{s:s, s:s, s:s, s:I}]}", "attachments", "id", u->id, "name",
                          u->name, "mime", u->mime, "size", (json_int_t)u->len);
    char *xjs = x ? json_dumps(x, JSON_COMPACT) : NULL;
    json_decref(x);
    return xjs;
}

/* The customer message carrying the file: appended to the current ticket,
 * or opening a new one (no ticket yet, or the current one is closed) as a
 * first message on the socket does, acknowledgement included. */
static void write_message(struct up *u)
{
    char dkey[240];
    char *xjs = attachments_json(u);
    int rc;
    if (!xjs) {
        up_fail(u, -HILO_EINTERNAL, 0);
        return;
    }
    /* by the identity, as the widget's messages (domain/ws_write.c) */
    snprintf(dkey, sizeof dkey, "c:%s:%s", u->ident, u->client_id);
    /* the thread's text: the caption, else the file's name */
    const char *text = u->caption[0] ? u->caption : u->name;
    if (u->opening) {
        struct hilo_ticket_create req = {
            .channel = "web",
            .text = text,
            .dedupe = dkey,
            .client_id = u->client_id,
            .locale = u->locale,
            .extra = xjs,
            .customer = {.id = u->customer, .name = u->author[0] ? u->author : NULL,
                         .locale = u->locale, .identities = {u->ident}},
        };
        rc = hilo_tickets_create(u->s, &req, written_cb, u);
    } else {
        struct hilo_ticket_append req = {
            .ref = u->ref,
            .op = HILO_APPEND_MESSAGE,
            .channel = "web",
            .role = "customer",
            .author_id = u->customer,
            .author_name = u->author,
            .text = text,
            .dedupe = dkey,
            .client_id = u->client_id,
            .customer = u->customer,
            .extra = xjs,
        };
        rc = hilo_tickets_append(u->s, &req, written_cb, u);
    }
    free(xjs);
    if (rc < 0)
        up_fail(u, rc, 0);
}

/* Stores the file (its key's TTL is the retention); then write_message. */
static int put_file(struct up *u)
{
    struct hilo_store_upload op = {
        .id = u->id,
        .data = u->data,
        .len = u->len,
        .mime = u->mime,
        .name = u->name,
        .customer = u->customer,
        .ticket = u->ref, /* '' when it opens one */
        .at_ms = hilo_now_ms(),
        .ttl_ms = (uint64_t)u->s->cfg->upload_retention_days * 86400000ull,
    };
    u->step = ST_STORED;
    return hilo_store_upload_put(u->s->redis, &op, up_cb, u);
}

/* The address an upload counts against: an IPv6 client's /64 (one
 * household or host can hold billions of addresses), an IPv4 one itself. */
static void ip_bucket(const char *ip, char *out, size_t n)
{
    struct in6_addr a;
    char buf[INET6_ADDRSTRLEN];
    if (strchr(ip, ':') && inet_pton(AF_INET6, ip, &a) == 1 &&
        !IN6_IS_ADDR_V4MAPPED(&a)) {
        memset(a.s6_addr + 8, 0, 8);
        if (inet_ntop(AF_INET6, &a, buf, sizeof buf)) {
            snprintf(out, n, "%s/64", buf);
            return;
        }
    }
    snprintf(out, n, "%s", ip);
}

/* Files live in Redis: the bytes all customers, this customer and this
 * address may upload in 24 hours (fixed windows from the first byte) are
 * counted before the file is stored; over any budget it is refused
 * (rate_limited) and its bytes are given back, as they are whenever the
 * file is not kept (budget_give_back). */
#define NBUDGETS 3
static void budgets(const struct up *u, struct hilo_store_ticket_rate ops[NBUDGETS],
                    char who_c[64], char who_ip[96])
{
    char bucket[64];
    snprintf(who_c, 64, "upb:c:%s", u->customer);
    ip_bucket(hilo_http_client_ip(u->r), bucket, sizeof bucket);
    snprintf(who_ip, 96, "upb:ip:%s", bucket);
    ops[0] = (struct hilo_store_ticket_rate){.who = "upb:all", .window_ms = DAY_MS, .amount = u->len};
    ops[1] = (struct hilo_store_ticket_rate){.who = who_c, .window_ms = DAY_MS, .amount = u->len};
    ops[2] = (struct hilo_store_ticket_rate){.who = who_ip, .window_ms = DAY_MS, .amount = u->len};
}

static int budgets_on(const struct hilo_config *cfg)
{
    return cfg->upload_mib_per_day > 0 || cfg->upload_customer_mib_per_day > 0 ||
           cfg->upload_ip_mib_per_day > 0;
}

static void budget_give_back(const struct up *u)
{
    struct hilo_store_ticket_rate ops[NBUDGETS];
    char who_c[64], who_ip[96];
    if (!budgets_on(u->s->cfg) || !u->charged)
        return;
    budgets(u, ops, who_c, who_ip);
    for (int i = 0; i < NBUDGETS; i++)
        hilo_store_ticket_rate_give_back(u->s->redis, &ops[i]);
}

static int store_file(struct up *u)
{
    struct hilo_store_ticket_rate ops[NBUDGETS];
    char who_c[64], who_ip[96];
    if (!budgets_on(u->s->cfg))
        return put_file(u);
    budgets(u, ops, who_c, who_ip);
    u->step = ST_BUDGET;
    return hilo_store_ticket_rates(u->s->redis, ops, NBUDGETS, up_cb, u);
}

/* [bytes, _, pttl] of a budget at i: 0, or -HILO_ERATE with *retry_s. */
static int over_budget(const redisReply *r, size_t i, int mib, uint32_t *retry_s)
{
    const redisReply *n = r->element[i], *ttl = r->element[i + 2];
    if (mib <= 0 || n->type != REDIS_REPLY_INTEGER ||
        (unsigned long long)n->integer <= (unsigned long long)mib * 1048576ull)
        return 0;
    *retry_s = ttl->type == REDIS_REPLY_INTEGER && ttl->integer > 0
                   ? (uint32_t)((ttl->integer + 999) / 1000)
                   : 1;
    return -HILO_ERATE;
}

/* A new ticket: first the address's ticket count (issue #11), as for a
 * first message on the socket, then the file. */
static int open_ticket(struct up *u)
{
    const struct hilo_config *cfg = u->s->cfg;
    u->opening = 1;
    u->ref[0] = '\0';
    if (cfg->ticket_rate_per_ip > 0 && hilo_http_client_ip(u->r)[0]) {
        char who[80];
        snprintf(who, sizeof who, "ip:%s", hilo_http_client_ip(u->r));
        struct hilo_store_ticket_rate rate = {
            .who = who, .window_ms = (uint64_t)cfg->ticket_rate_window * 1000u};
        u->step = ST_TICKET_RATE;
        return hilo_store_ticket_rate(u->s->redis, &rate, up_cb, u);
    }
    return store_file(u);
}

static void up_cb(redisReply *reply, void *data)
{
    struct up *u = data;
    struct hilo_server *s = u->s;
    int rc = 0;

    if (!reply) {
        up_fail(u, -HILO_EUNAVAIL, 0);
        return;
    }
    switch (u->step) {
    case ST_RATE:
    case ST_TICKET_RATE: {
        uint32_t retry = 0;
        int ticket = u->step == ST_TICKET_RATE;
        int err = hilo_store_ticket_rate_result(
            reply, ticket ? s->cfg->ticket_rate_per_ip : s->cfg->upload_rate_per_ip, &retry);
        if (err) {
            if (err == -HILO_ERATE)
                hilo_info("upload refused: too many %s from %s (again in %u s)",
                          ticket ? "tickets" : "uploads", hilo_http_client_ip(u->r), retry);
            up_fail(u, err, retry);
            return;
        }
        if (ticket) {
            rc = store_file(u);
            break;
        }
        u->step = ST_IDENT;
        rc = api_upload_ident_tx(s, u->ident, up_cb, u);
        break;
    }
    case ST_IDENT: {
        /* EXEC of api_upload_ident_tx: {customer or nil, block or nil} */
        int err = api_upload_ident_result(reply, u->customer, sizeof u->customer);
        if (err == -HILO_EUNAUTH && strncmp(u->ident, "web:", 4) == 0) {
            /* a visitor who has not written yet: the file opens the
             * conversation, under a new customer its token then names */
            unsigned char rnd[10];
            char hex[21];
            randombytes_buf(rnd, sizeof rnd);
            sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
            snprintf(u->customer, sizeof u->customer, "c%s", hex);
            rc = open_ticket(u);
            break;
        }
        if (err) {
            if (err == -HILO_EBLOCKED)
                hilo_info("upload of blocked identity %s refused", u->ident);
            up_fail(u, err, 0);
            return;
        }
        u->step = ST_CUSTOMER;
        rc = hilo_store_customer_get(s->redis, u->customer, up_cb, u);
        break;
    }
    case ST_CUSTOMER:
        if (reply->type != REDIS_REPLY_ARRAY) {
            up_fail(u, -HILO_EINTERNAL, 0);
            return;
        }
        for (size_t i = 0; i + 1 < reply->elements; i += 2) {
            const char *k = reply->element[i]->str, *v = reply->element[i + 1]->str;
            if (!k || !v)
                continue;
            if (strcmp(k, "cur") == 0 && strlen(v) < sizeof u->ref)
                snprintf(u->ref, sizeof u->ref, "%s", v);
            else if (strcmp(k, "name") == 0)
                snprintf(u->author, sizeof u->author, "%s", v);
            else if (strcmp(k, "locale") == 0 && !u->locale_given)
                snprintf(u->locale, sizeof u->locale, "%s", hilo_i18n_lang(v));
        }
        if (!u->ref[0]) {
            rc = open_ticket(u);
            break;
        }
        u->step = ST_TICKET;
        {
            /* the ticket must be this customer's and open to messages
             * before anything is stored */
            struct hilo_store_history h = {.ref = u->ref, .public_only = 1,
                                           .customer = u->customer};
            rc = hilo_store_history(s->redis, &h, up_cb, u);
        }
        break;
    case ST_TICKET: {
        json_error_t je;
        json_t *sum = NULL;
        const char *st;
        int closed;
        if (hilo_store_err(reply) == -HILO_EUNAVAIL) {
            up_fail(u, -HILO_EUNAVAIL, 0);
            return;
        }
        if (!hilo_store_err(reply) && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
            reply->element[0]->type == REDIS_REPLY_STRING)
            sum = json_loadb(reply->element[0]->str, reply->element[0]->len, 0, &je);
        st = json_string_value(json_object_get(sum, "status"));
        closed = !st || strcmp(st, "closed") == 0;
        json_decref(sum);
        /* closed (or gone): this opens a new one, as a message would */
        rc = closed ? open_ticket(u) : store_file(u);
        break;
    }
    case ST_BUDGET: {
        uint32_t retry = 0;
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 * NBUDGETS) {
            up_fail(u, -HILO_EUNAVAIL, 0);
            return;
        }
        int all = over_budget(reply, 0, s->cfg->upload_mib_per_day, &retry);
        u->charged = 1;
        if (all || over_budget(reply, 3, s->cfg->upload_customer_mib_per_day, &retry) ||
            over_budget(reply, 6, s->cfg->upload_ip_mib_per_day, &retry)) {
            budget_give_back(u); /* a refused file takes nothing from any budget */
            hilo_warn("upload refused: the daily upload budget of %s is used up; again in %u s",
                      all ? "all customers" : u->customer, retry);
            up_fail(u, -HILO_ERATE, retry);
            return;
        }
        rc = put_file(u);
        break;
    }
    case ST_STORED:
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
            reply->element[0]->type == REDIS_REPLY_ERROR) {
            budget_give_back(u); /* not stored */
            up_fail(u, -HILO_EUNAVAIL, 0);
            return;
        }
        write_message(u);
        return;
    }
    if (rc < 0)
        up_fail(u, rc, 0);
}

/* Valid UTF-8 (jansson checks it), or NULL. */
static int utf8_ok(const char *v)
{
    json_t *j = v ? json_string(v) : NULL;
    json_decref(j);
    return !v || j != NULL;
}

/* client_id: 1-64 of [A-Za-z0-9._:-] */
static int client_id_ok(const char *v)
{
    size_t n = v ? strlen(v) : 0;
    return n >= 1 && n <= 64 &&
           strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") == n;
}

static void upload(struct hilo_server *s, struct hilo_http *r)
{
    const struct hilo_config *cfg = s->cfg;
    const char *name = hilo_http_arg(r, "name"), *text = hilo_http_arg(r, "text");
    const char *cid = hilo_http_arg(r, "client_id");
    const char *locale = hilo_http_arg(r, "locale");
    struct up *u;
    size_t len = 0;
    const char *body;
    int rc;

    if ((rc = api_upload_origin(s, r, 0)) < 0) {
        api_upload_fail(r, rc, 0);
        return;
    }
    u = calloc(1, sizeof *u);
    if (!u) {
        api_upload_fail(r, -HILO_EINTERNAL, 0);
        return;
    }
    if ((rc = api_upload_visitor(s, r, u->ident, sizeof u->ident)) < 0) {
        free(u);
        api_upload_fail(r, rc, 0);
        return;
    }
    body = hilo_http_body(r, &len);
    if (!body || len > (size_t)cfg->upload_max_bytes) {
        free(u);
        hilo_http_respond_json(r, 413, json_pack("{s:{s:s, s:s, s:i}}", "error", "code",
                                                 "too_large", "message",
                                                 "The file is larger than upload_max_bytes.",
                                                 "max_bytes", cfg->upload_max_bytes));
        return;
    }
    if (!len || (text && (strlen(text) > CAPTION_MAX ||
                          hilo_proto_chars(text, strlen(text)) > (size_t)cfg->max_text)) ||
        (cid && !client_id_ok(cid)) || !utf8_ok(name) || !utf8_ok(text)) {
        free(u);
        api_upload_fail(r, -HILO_EBADFRAME, 0);
        return;
    }
    if (!(u->mime = hilo_upload_sniff((const unsigned char *)body, len))) {
        free(u);
        api_upload_fail(r, -HILO_EMEDIATYPE, 0);
        return;
    }
    if (!hilo_redis_ready(s->redis)) {
        free(u);
        api_upload_fail(r, -HILO_EUNAVAIL, 0);
        return;
    }
    u->s = s;
    u->r = r;
    u->data = body;
    u->len = len;
    hilo_upload_new_id(u->id);
    hilo_upload_name(name, u->mime, u->name, sizeof u->name);
    if (text) {
        /* a caption of spaces only is none */
        size_t k = strspn(text, " \t\r\n");
        snprintf(u->caption, sizeof u->caption, "%s", text[k] ? text : "");
    }
    snprintf(u->client_id, sizeof u->client_id, "%s", cid ? cid : u->id);
    snprintf(u->locale, sizeof u->locale, "%s",
             hilo_i18n_lang(locale && *locale ? locale : cfg->default_locale));
    u->locale_given = locale && *locale;
    hilo_http_ref(r);
    if (cfg->upload_rate_per_ip > 0 && hilo_http_client_ip(r)[0]) {
        char who[80], bucket[64];
        ip_bucket(hilo_http_client_ip(r), bucket, sizeof bucket);
        snprintf(who, sizeof who, "up:%s", bucket);
        struct hilo_store_ticket_rate rate = {
            .who = who, .window_ms = (uint64_t)cfg->upload_rate_window * 1000u};
        u->step = ST_RATE;
        rc = hilo_store_ticket_rate(s->redis, &rate, up_cb, u);
    } else {
        u->step = ST_IDENT;
        rc = api_upload_ident_tx(s, u->ident, up_cb, u);
    }
    if (rc < 0)
        up_fail(u, rc, 0);
}

static void uploads_handle(void *ctx, struct hilo_http *r)
{
    struct hilo_server *s = ctx;
    int rc;
    if (strcmp(hilo_http_method(r), "OPTIONS") == 0) {
        if ((rc = api_upload_origin(s, r, 1)) < 0)
            api_upload_fail(r, rc, 0);
        else
            hilo_http_respond_empty(r, 204);
        return;
    }
    upload(s, r);
}

/* ---- what the two routes share (upload_cors.h) ---- */

int api_upload_origin(struct hilo_server *s, struct hilo_http *r, int preflight)
{
    const char *o = hilo_http_origin(r);
    const char *host = hilo_http_host(r);
    char shown[128];
    size_t n = 0;
    if (!o || (host[0] && hilo_net_origin_same_host(o, host)))
        return 0;
    if (hilo_net_origin_listed(s->cfg->widget_origins, o, 1)) {
        hilo_http_set_cors(r, o, preflight);
        return 0;
    }
    for (const char *p = o; *p && n < 120; p++)
        shown[n++] = (*p > ' ' && *p < 0x7f) ? *p : '?';
    shown[n] = '\0';
    hilo_info("refused %s %s from origin %s: not in widget_origins", hilo_http_method(r),
              hilo_http_path(r), shown);
    return -HILO_EFORBIDDEN;
}

/* The signed identity of X-Hilo-Identity -> "user:<id>". */
static int signed_visitor(struct hilo_server *s, const char *b64, char *ident, size_t n)
{
    unsigned char raw[1024];
    size_t len = 0;
    json_error_t je;
    json_t *id;
    const char *uid = NULL;
    int rc;
    if (strlen(b64) > 1300 ||
        sodium_base642bin(raw, sizeof raw, b64, strlen(b64), " \t", &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        !(id = json_loadb((const char *)raw, len, 0, &je)))
        return -HILO_EUNAUTH;
    rc = hilo_identity_verify(s, id, &uid);
    if (rc == 0 && (size_t)snprintf(ident, n, "user:%s", uid) >= n)
        rc = -HILO_EUNAUTH;
    json_decref(id);
    return rc ? -HILO_EUNAUTH : 0;
}

int api_upload_visitor(struct hilo_server *s, struct hilo_http *r, char *ident, size_t n)
{
    const char *authz = hilo_http_header(r, "authorization");
    const char *signed_id = hilo_http_header(r, "x-hilo-identity");
    char hash[65];
    if (signed_id)
        return signed_visitor(s, signed_id, ident, n);
    if (!authz || strncasecmp(authz, "Bearer ", 7) != 0 || !hilo_proto_token_ok(authz + 7) ||
        strncmp(authz + 7, "hk_", 3) == 0)
        return -HILO_EUNAUTH;
    hilo_token_hash(authz + 7, hash); /* as the customer socket's hello does */
    snprintf(ident, n, "web:%.32s", hash);
    return 0;
}

int api_upload_ident_tx(struct hilo_server *s, const char *ident, hilo_redis_cb cb, void *data)
{
    struct hilo_tx tx;
    hilo_tx_begin(&tx, s->redis);
    hilo_tx_ident_get(&tx, ident);
    hilo_tx_blocked_get(&tx, ident);
    return hilo_tx_commit(&tx, cb, data);
}

int api_upload_ident_result(const redisReply *reply, char *customer, size_t n)
{
    const redisReply *id, *block;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
        return -HILO_EUNAVAIL;
    id = reply->element[0];
    block = reply->element[1];
    if (block->type == REDIS_REPLY_STRING)
        return -HILO_EBLOCKED; /* a blocked identity gets nothing (docs/continuity.md) */
    /* a token never linked to a customer: unknown, or a visitor who has
     * not written yet (the widget offers uploads after that) */
    if (id->type == REDIS_REPLY_NIL)
        return -HILO_EUNAUTH;
    if (id->type != REDIS_REPLY_STRING || !id->len || id->len >= n)
        return -HILO_EINTERNAL;
    memcpy(customer, id->str, id->len);
    customer[id->len] = '\0';
    return 0;
}

void api_upload_fail(struct hilo_http *r, int err, unsigned retry_after)
{
    if (retry_after)
        hilo_http_set_retry_after(r, retry_after);
    hilo_http_respond_error(r, err);
}

int hilo_api_upload_routes(struct hilo_net *n, struct hilo_server *s)
{
    int rc = 0;
    rc |= hilo_net_route(n, "POST", "/api/v1/widget/uploads", HILO_ROUTE_EXACT, uploads_handle, s);
    rc |= hilo_net_route(n, "OPTIONS", "/api/v1/widget/uploads", HILO_ROUTE_EXACT, uploads_handle,
                         s);
    rc |= hilo_net_route(n, "GET", "/api/v1/media/upload/", 0, hilo_api_upload_serve, s);
    rc |= hilo_net_route(n, "OPTIONS", "/api/v1/media/upload/", 0, hilo_api_upload_serve, s);
    return rc ? -1 : 0;
}
