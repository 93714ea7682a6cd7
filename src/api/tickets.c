/* /api/v1/tickets for integrations: create, list, read, post a message. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/i18n.h"
#include "hilo/keys.h"
#include "hilo/log.h"
#include "hilo/outbox.h"
#include "hilo/proto.h"
#include "hilo/scripts.h"

#include "internal.h"

/* ---- integrations: tickets ---------------------------------------------------- */

static int channel_name_ok(const char *c)
{
    size_t n = strlen(c);
    if (n == 0 || n > 32)
        return 0;
    for (; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            return 0;
    return 1;
}

static int text_ok(struct api *a, json_t *t)
{
    return json_is_string(t) && json_string_length(t) > 0 &&
           hilo_proto_chars(json_string_value(t), json_string_length(t)) <= (size_t)a->s->cfg->max_text;
}

/* {"ticket": summary, ...extra} once the summary is read */
static void created_summary_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    json_t *sum = api_summary_of(reply);
    if (!sum) {
        api_fail(a, reply ? -HILO_EINTERNAL : -HILO_EUNAVAIL);
        return;
    }
    json_object_set_new(a->result, "ticket", sum);
    int dup = json_is_true(json_object_get(a->result, "duplicate"));
    hilo_http_respond_json(a->r, dup ? 200 : 201, json_incref(a->result));
    api_free(a);
}

static void ticket_created_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_ARRAY || reply->element[0]->elements != 2) {
        if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
            reply->element[0]->type == REDIS_REPLY_ERROR)
            hilo_error("api create: %s", reply->element[0]->str);
        api_fail(a, reply ? -HILO_EINTERNAL : -HILO_EUNAVAIL);
        return;
    }
    json_object_set_new(a->result, "event_id", json_string(reply->element[0]->element[0]->str));
    json_object_set_new(a->result, "duplicate", json_false());
    json_object_set_new(json_object_get(a->result, "ack"), "event_id",
                        json_string(reply->element[0]->element[1]->str));
    if (api_send_summary(a, a->ref, created_summary_cb) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void ticket_dup_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    /* [summary script reply, HGET dd key, HGET dd ack] */
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *sum = api_summary_of(reply->element[0]);
    json_t *out = json_pack("{s:o, s:s, s:b, s:{s:s}}", "ticket", sum ? sum : json_null(), "event_id",
                            reply->element[1]->type == REDIS_REPLY_STRING ? reply->element[1]->str : "",
                            "duplicate", 1, "ack", "event_id",
                            reply->element[2]->type == REDIS_REPLY_STRING ? reply->element[2]->str : "");
    hilo_http_respond_json(a->r, 200, out);
    api_free(a);
}

static void ticket_create_write(struct api *a);

static void ticket_lookup_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    struct hilo_server *s = a->s;
    a->waiting--;
    /* [GET seen, GET ident...] */
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (reply->element[0]->type == REDIS_REPLY_STRING) {
        /* the same client_id again: the same ticket */
        char tk[128], ev[128], dl[128], dd[128];
        snprintf(a->ref, sizeof a->ref, "%.9s", reply->element[0]->str);
        hilo_key(tk, sizeof tk, HILO_K_TICKET, a->ref);
        hilo_key(ev, sizeof ev, HILO_K_THREAD, a->ref);
        hilo_key(dl, sizeof dl, HILO_K_DELIVERY, a->ref);
        hilo_key(dd, sizeof dd, HILO_K_DEDUPE, a->ref);
        const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
        const char *h[] = {"EVALSHA", hilo_scripts_sha(HILO_S_HISTORY), "3", tk, ev, dl, "0", "0", "", "0"};
        const char *g1[] = {"HGET", dd, a->dkey}, *g2[] = {"HGET", dd, "ack"};
        if (hilo_redis_cmdargv(s->redis, NULL, NULL, 1, mu, NULL) < 0 ||
            hilo_redis_cmdargv(s->redis, NULL, NULL, 10, h, NULL) < 0 ||
            hilo_redis_cmdargv(s->redis, NULL, NULL, 3, g1, NULL) < 0 ||
            hilo_redis_cmdargv(s->redis, NULL, NULL, 3, g2, NULL) < 0 || api_send_argv(a, ticket_dup_cb, 1, ex) < 0) {
            api_fail(a, -HILO_EUNAVAIL);
        }
        return;
    }
    for (size_t i = 1; i < reply->elements && !a->cid[0]; i++)
        if (reply->element[i]->type == REDIS_REPLY_STRING)
            snprintf(a->cid, sizeof a->cid, "%s", reply->element[i]->str);
    if (!a->cid[0]) {
        unsigned char rnd[10];
        char hex[21];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        snprintf(a->cid, sizeof a->cid, "c%s", hex);
    }
    ticket_create_write(a);
}

static void ticket_create_again(void *data) { ticket_create_write(data); }

/* The customer is known: take a reference and write the ticket. */
static void ticket_create_write(struct api *a)
{
    struct hilo_server *s = a->s;
    if (hilo_hub_take_ref(s, a->ref) < 0) {
        if (!a->waited) {
            a->waited = 1;
            hilo_hub_when_ref(s, ticket_create_again, a);
            return;
        }
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *b = a->body, *cust = json_object_get(b, "customer");
    const char *channel = json_string_value(json_object_get(a->result, "channel"));
    const char *text = json_string_value(json_object_get(b, "text"));
    const char *name = json_string_value(json_object_get(cust, "name"));
    const char *email = json_string_value(json_object_get(a->result, "email"));
    const char *cidc = json_string_value(json_object_get(b, "client_id"));
    char ack[600], eta[16], tk[128], ev[128], dd[128], rsv[128], dl[128], act[128], all[128], now[24];
    char cu[160], ids[160], tix[160], seen[400];
    hilo_i18n_ack(a->locale, a->ref, s->cfg->ack_eta_minutes, ack, sizeof ack);
    snprintf(eta, sizeof eta, "%d", s->cfg->ack_eta_minutes);
    json_object_set_new(a->result, "ack", json_pack("{s:s}", "text", ack));
    hilo_key(tk, sizeof tk, HILO_K_TICKET, a->ref);
    hilo_key(ev, sizeof ev, HILO_K_THREAD, a->ref);
    hilo_key(dd, sizeof dd, HILO_K_DEDUPE, a->ref);
    hilo_key(rsv, sizeof rsv, HILO_K_RESERVE, a->ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, a->ref);
    hilo_key(act, sizeof act, HILO_K_IDX_ACTIVE, NULL);
    hilo_key(all, sizeof all, HILO_K_IDX_ALL, NULL);
    hilo_key(cu, sizeof cu, HILO_K_CUSTOMER, a->cid);
    hilo_key(ids, sizeof ids, HILO_K_CUST_IDS, a->cid);
    hilo_key(tix, sizeof tix, HILO_K_CUST_TIX, a->cid);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    const char *cr[] = {"EVALSHA", hilo_scripts_sha(HILO_S_CREATE), "5", tk, ev, dd, rsv, dl,
                        s->events_channel, a->ref, a->cid, channel, name ? name : "", text, a->dkey,
                        cidc ? cidc : "", a->locale, ack, eta, "", "", "message"};
    const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
    const char *z1[] = {"ZADD", act, "NX", now, a->ref}, *z2[] = {"ZADD", all, "NX", now, a->ref};
    int rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, mu, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 22, cr, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, z1, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, z2, NULL);
    /* every identity given points at this customer unless it is someone's */
    json_t *idl = json_object_get(a->result, "identities");
    for (size_t i = 0; rc == 0 && i < json_array_size(idl); i++) {
        char ik[400];
        const char *id = json_string_value(json_array_get(idl, i));
        hilo_key(ik, sizeof ik, HILO_K_IDENT, id);
        const char *set[] = {"SET", ik, a->cid, "NX"};
        const char *sadd[] = {"SADD", ids, id};
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 4, set, NULL);
        if (rc == 0)
            rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 3, sadd, NULL);
    }
    const char *cs[] = {"EVALSHA", hilo_scripts_sha(HILO_S_CUST), "3", cu, ids, tix, a->cid, "",
                        name ? name : "", email ? email : "", a->locale, a->ref, ""};
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 13, cs, NULL);
    if (rc == 0 && cidc) {
        char arg[300];
        snprintf(arg, sizeof arg, "api:%s:%s", a->who.name, cidc);
        hilo_key(seen, sizeof seen, HILO_K_SEEN, arg);
        const char *set[] = {"SET", seen, a->ref, "EX", "2592000"};
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, set, NULL);
    }
    if (rc == 0)
        rc = hilo_outbox_add_webhook(s->outbox, a->ref);
    if (rc == 0)
        rc = api_send_argv(a, ticket_created_cb, 1, ex);
    if (rc < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

void api_ticket_create(struct api *a)
{
    size_t len;
    const char *body = hilo_http_body(a->r, &len);
    json_error_t je;
    json_t *b, *cust, *ch, *cidc;
    if (!body) {
        api_fail(a, -HILO_ETOOLARGE);
        return;
    }
    a->body = b = json_loadb(body, len, 0, &je);
    cust = json_object_get(b, "customer");
    ch = json_object_get(b, "channel");
    cidc = json_object_get(b, "client_id");
    const char *cid_ext = json_string_value(json_object_get(cust, "id"));
    const char *email = json_string_value(json_object_get(cust, "email"));
    const char *phone = json_string_value(json_object_get(cust, "phone"));
    json_t *jn = json_object_get(cust, "name"), *loc = json_object_get(b, "locale");
    if (!json_is_object(b)) {
        api_fail(a, -HILO_EBADJSON);
        return;
    }
    if (!json_is_object(cust) || (!cid_ext && !email && !phone) || (ch && (!json_is_string(ch) ||
        !channel_name_ok(json_string_value(ch)))) || (cidc && (!json_is_string(cidc) ||
        json_string_length(cidc) == 0 || json_string_length(cidc) > 64)) ||
        (jn && (!json_is_string(jn) || json_string_length(jn) > 200)) ||
        (loc && !json_is_string(loc)) || (cid_ext && (strlen(cid_ext) == 0 || strlen(cid_ext) > 128)) ||
        (email && (!strchr(email, '@') || strlen(email) > 254)) ||
        (phone && (phone[0] != '+' || strlen(phone) > 32))) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    if (!text_ok(a, json_object_get(b, "text"))) {
        json_t *t = json_object_get(b, "text");
        api_fail(a, json_is_string(t) && json_string_length(t) ? -HILO_ETEXTLONG
                                                                                  : -HILO_EBADFRAME);
        return;
    }
    const char *channel = ch ? json_string_value(ch) : "api";
    const char *text = json_string_value(json_object_get(b, "text"));
    snprintf(a->locale, sizeof a->locale, "%s",
             loc ? hilo_i18n_lang(json_string_value(loc)) : hilo_i18n_guess(text, a->s->cfg->default_locale));
    a->result = json_pack("{s:s}", "channel", channel);
    json_t *idl = json_array();
    char buf[400];
    if (cid_ext) {
        snprintf(buf, sizeof buf, "ext:%s:%s", channel, cid_ext);
        json_array_append_new(idl, json_string(buf));
    }
    if (email) {
        char low[260];
        size_t i;
        for (i = 0; email[i] && i < sizeof low - 1; i++)
            low[i] = (char)tolower((unsigned char)email[i]);
        low[i] = '\0';
        snprintf(buf, sizeof buf, "email:%s", low);
        json_array_append_new(idl, json_string(buf));
        json_object_set_new(a->result, "email", json_string(low));
    }
    if (phone) {
        char p[40] = "+";
        size_t k = 1;
        for (const char *c = phone + 1; *c && k < sizeof p - 1; c++)
            if (*c >= '0' && *c <= '9')
                p[k++] = *c;
        p[k] = '\0';
        snprintf(buf, sizeof buf, "phone:%s", p);
        json_array_append_new(idl, json_string(buf));
    }
    json_object_set_new(a->result, "identities", idl);
    snprintf(a->dkey, sizeof a->dkey, "p:api:%s:%s", a->who.name,
             cidc ? json_string_value(cidc) : "");
    /* seen (repeated client_id), then who the customer is */
    char seen[400], arg[300];
    snprintf(arg, sizeof arg, "api:%s:%s", a->who.name, cidc ? json_string_value(cidc) : "-");
    hilo_key(seen, sizeof seen, HILO_K_SEEN, cidc ? arg : "-:-");
    const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
    int rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 1, mu, NULL);
    const char *g[] = {"GET", seen};
    if (rc == 0)
        rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 2, g, NULL);
    for (size_t i = 0; rc == 0 && i < json_array_size(idl); i++) {
        char ik[400];
        hilo_key(ik, sizeof ik, HILO_K_IDENT, json_string_value(json_array_get(idl, i)));
        const char *gi[] = {"GET", ik};
        rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 2, gi, NULL);
    }
    if (rc == 0)
        rc = api_send_argv(a, ticket_lookup_cb, 1, ex);
    if (rc < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void message_posted_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    redisReply *res = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 ? reply->element[0] : NULL;
    if (!reply) {
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    } else if (res && res->type == REDIS_REPLY_ERROR) {
        int err = strstr(res->str, "unknown_ticket") ? -HILO_EUNKNOWNTICKET
                  : strstr(res->str, "closed")       ? -HILO_EBADSTATE
                                                     : -HILO_EINTERNAL;
        hilo_http_respond_error(a->r, err);
    } else if (!res || res->type != REDIS_REPLY_ARRAY || res->elements != 3) {
        hilo_http_respond_error(a->r, -HILO_EINTERNAL);
    } else {
        int dup = res->element[1]->integer == 1;
        hilo_http_respond_json(a->r, dup ? 200 : 201,
                               json_pack("{s:s, s:b}", "event_id", res->element[0]->str, "duplicate", dup));
    }
    api_free(a);
}

void api_ticket_message(struct api *a)
{
    const char *refpath = api_param(&a->params, "ref");
    struct hilo_server *s = a->s;
    size_t len;
    const char *body = hilo_http_body(a->r, &len);
    json_error_t je;
    char tk[128], ev[128], dd[128], dl[128], idx[128], now[24];
    if (hilo_ref_normalize(refpath, a->ref) < 0) {
        api_fail(a, -HILO_EUNKNOWNTICKET);
        return;
    }
    a->body = body ? json_loadb(body, len, 0, &je) : NULL;
    json_t *ch = json_object_get(a->body, "channel"), *cidc = json_object_get(a->body, "client_id");
    if (!json_is_object(a->body)) {
        api_fail(a, body ? -HILO_EBADJSON : -HILO_ETOOLARGE);
        return;
    }
    if ((ch && (!json_is_string(ch) || !channel_name_ok(json_string_value(ch)))) ||
        (cidc && (!json_is_string(cidc) || json_string_length(cidc) == 0 || json_string_length(cidc) > 64))) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    json_t *t = json_object_get(a->body, "text");
    if (!text_ok(a, t)) {
        api_fail(a, json_is_string(t) && json_string_length(t) ? -HILO_ETEXTLONG
                                                                                  : -HILO_EBADFRAME);
        return;
    }
    snprintf(a->dkey, sizeof a->dkey, "p:api:%s:%s", a->who.name, cidc ? json_string_value(cidc) : "");
    hilo_key(tk, sizeof tk, HILO_K_TICKET, a->ref);
    hilo_key(ev, sizeof ev, HILO_K_THREAD, a->ref);
    hilo_key(dd, sizeof dd, HILO_K_DEDUPE, a->ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, a->ref);
    hilo_key(idx, sizeof idx, HILO_K_IDX_ACTIVE, NULL);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hilo_now_ms());
    const char *ap[] = {"EVALSHA", hilo_scripts_sha(HILO_S_APPEND), "4", tk, ev, dd, dl,
                        s->events_channel, a->ref, "message", ch ? json_string_value(ch) : "api",
                        "customer", "", "", json_string_value(t), a->dkey,
                        cidc ? json_string_value(cidc) : "", "", "", ""};
    const char *mu[] = {"MULTI"}, *ex[] = {"EXEC"};
    const char *z[] = {"ZADD", idx, "NX", now, a->ref};
    int rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 1, mu, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 20, ap, NULL);
    if (rc == 0)
        rc = hilo_redis_cmdargv(s->redis, NULL, NULL, 5, z, NULL);
    if (rc == 0)
        rc = hilo_outbox_add_webhook(s->outbox, a->ref);
    if (rc == 0)
        rc = api_send_argv(a, message_posted_cb, 1, ex);
    if (rc < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void thread_read_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type == REDIS_REPLY_ERROR || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) {
        api_fail(a, !reply ? -HILO_EUNAVAIL
                                      : reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "unknown")
                                          ? -HILO_EUNKNOWNTICKET
                                          : -HILO_EINTERNAL);
        return;
    }
    json_t *sum = api_summary_of(reply), *evs = json_array();
    for (size_t i = 3; i + 1 < reply->elements; i += 2) {
        json_error_t je;
        json_t *e = json_loadb(reply->element[i + 1]->str, reply->element[i + 1]->len, 0, &je);
        if (e)
            json_array_append_new(evs, e);
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:o, s:o}", "ticket", sum ? sum : json_null(), "events", evs));
    api_free(a);
}

void api_ticket_get(struct api *a)
{
    const char *refpath = api_param(&a->params, "ref");
    char tk[128], ev[128], dl[128];
    if (hilo_ref_normalize(refpath, a->ref) < 0) {
        api_fail(a, -HILO_EUNKNOWNTICKET);
        return;
    }
    hilo_key(tk, sizeof tk, HILO_K_TICKET, a->ref);
    hilo_key(ev, sizeof ev, HILO_K_THREAD, a->ref);
    hilo_key(dl, sizeof dl, HILO_K_DELIVERY, a->ref);
    const char *argv[] = {"EVALSHA", hilo_scripts_sha(HILO_S_HISTORY), "3", tk, ev, dl, "0", "0", "", "10000"};
    if (api_send_argv(a, thread_read_cb, 10, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void respond_ticket_list(struct api *a)
{
    json_t *list = json_array();
    for (size_t i = 0; i < a->n && json_array_size(list) < a->limit; i++) {
        json_t *t = a->items[i];
        if (!t)
            continue;
        if (a->filter_status[0] && strcmp(json_string_value(json_object_get(t, "status")), a->filter_status) != 0)
            continue;
        if (a->filter_channel[0] && strcmp(json_string_value(json_object_get(t, "channel")), a->filter_channel) != 0)
            continue;
        json_array_append(list, t);
    }
    hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "tickets", list));
}

static void ticket_list_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (api_take_refs(a, reply) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    api_fetch_summaries(a, respond_ticket_list);
}

void api_ticket_list(struct api *a)
{
    const char *st = hilo_http_arg(a->r, "status"), *ch = hilo_http_arg(a->r, "channel");
    const char *lim = hilo_http_arg(a->r, "limit");
    char key[128];
    long l = lim ? strtol(lim, NULL, 10) : 50;
    if (l < 1 || l > 200 || (st && strcmp(st, "open") && strcmp(st, "pending") && strcmp(st, "resolved") &&
                             strcmp(st, "closed")) || (ch && !channel_name_ok(ch))) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    a->limit = (size_t)l;
    snprintf(a->filter_status, sizeof a->filter_status, "%s", st ? st : "");
    snprintf(a->filter_channel, sizeof a->filter_channel, "%s", ch ? ch : "");
    /* open and pending are in the queue index; others are read from all */
    hilo_key(key, sizeof key, st && (!strcmp(st, "open") || !strcmp(st, "pending")) ? HILO_K_IDX_ACTIVE
                                                                                   : HILO_K_IDX_ALL, NULL);
    const char *argv[] = {"ZREVRANGE", key, "0", "999"};
    if (api_send_argv(a, ticket_list_cb, 4, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}
