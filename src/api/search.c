/* GET /api/v1/search: by reference, email, phone, or text in recent tickets. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/keys.h"

#include "internal.h"

/* ---- search ------------------------------------------------------------------- */

#define SEARCH_SCAN 500

static int lower_contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        while (j < m && tolower((unsigned char)hay[i + j]) == needle[j])
            j++;
        if (j == m)
            return 1;
    }
    return 0;
}

/* MULTI HGET name + XRANGE per ticket; keep the ones that match. */
static void search_scan_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    size_t i = api_next_index(a);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        a->failed = !reply;
    } else if (i < a->n) {
        int hit = 0;
        redisReply *name = reply->element[0], *ev = reply->element[1];
        if (name->type == REDIS_REPLY_STRING && lower_contains(name->str, name->len, a->text))
            hit = 1;
        for (size_t e = 0; !hit && ev->type == REDIS_REPLY_ARRAY && e < ev->elements; e++) {
            redisReply *f = ev->element[e]->element[1];
            for (size_t j = 0; j + 1 < f->elements; j += 2)
                if (strcmp(f->element[j]->str, "tx") == 0 &&
                    lower_contains(f->element[j + 1]->str, f->element[j + 1]->len, a->text))
                    hit = 1;
        }
        if (!hit) {
            free(a->refs[i]);
            a->refs[i] = NULL;
        }
    }
    if (--a->waiting)
        return;
    if (a->failed) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    /* compact the hits and fetch their summaries */
    size_t k = 0;
    for (size_t j = 0; j < a->n; j++)
        if (a->refs[j] && k < SEARCH_MAX)
            a->refs[k++] = a->refs[j];
        else if (a->refs[j]) {
            free(a->refs[j]);
        }
    for (size_t j = k; j < a->n; j++)
        a->refs[j] = NULL;
    a->n = k;
    api_fetch_summaries(a, api_respond_tickets);
}

static void search_recent_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (api_take_refs(a, reply) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (a->n == 0) {
        api_respond_tickets(a);
        api_free(a);
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        char tk[128], ev[128];
        hilo_key(tk, sizeof tk, HILO_K_TICKET, a->refs[i]);
        hilo_key(ev, sizeof ev, HILO_K_THREAD, a->refs[i]);
        const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
        const char *hg[] = {"HGET", tk, "name"}, *xr[] = {"XRANGE", ev, "-", "+", "COUNT", "1000"};
        if (hilo_redis_cmdargv(a->s->redis, NULL, NULL, 1, m, NULL) < 0 ||
            hilo_redis_cmdargv(a->s->redis, NULL, NULL, 3, hg, NULL) < 0 ||
            hilo_redis_cmdargv(a->s->redis, NULL, NULL, 6, xr, NULL) < 0 ||
            api_send_argv(a, search_scan_cb, 1, x) < 0) {
            api_batch_broken(a, i);
            return;
        }
    }
}

static void search_tix_cb(redisReply *reply, void *data);

static void search_by_identity(struct api *a, const char *ident, const char *index)
{
    char ik[400], ix[400];
    hilo_key(ik, sizeof ik, HILO_K_IDENT, ident);
    hilo_key(ix, sizeof ix, HILO_K_SEARCH, index);
    const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
    const char *g[] = {"GET", ik}, *sm[] = {"SMEMBERS", ix};
    if (hilo_redis_cmdargv(a->s->redis, NULL, NULL, 1, m, NULL) < 0 ||
        hilo_redis_cmdargv(a->s->redis, NULL, NULL, 2, g, NULL) < 0 ||
        hilo_redis_cmdargv(a->s->redis, NULL, NULL, 2, sm, NULL) < 0 ||
        api_send_argv(a, search_tix_cb, 1, x) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void search_tix_list_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    size_t total = 0;
    for (size_t i = 0; i < reply->elements; i++)
        if (reply->element[i]->type == REDIS_REPLY_ARRAY)
            total += reply->element[i]->elements;
    if (api_alloc_refs(a, total) < 0) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < reply->elements; i++)
        for (size_t j = 0; reply->element[i]->type == REDIS_REPLY_ARRAY && j < reply->element[i]->elements; j++)
            a->refs[k++] = strdup(reply->element[i]->element[j]->str);
    api_fetch_summaries(a, api_respond_tickets);
}

static void search_tix_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    json_t *ids = json_array();
    if (reply->element[0]->type == REDIS_REPLY_STRING)
        json_array_append_new(ids, json_string(reply->element[0]->str));
    for (size_t i = 0; reply->element[1]->type == REDIS_REPLY_ARRAY && i < reply->element[1]->elements; i++) {
        const char *id = reply->element[1]->element[i]->str;
        int dup = 0;
        for (size_t j = 0; j < json_array_size(ids); j++)
            dup |= strcmp(json_string_value(json_array_get(ids, j)), id) == 0;
        if (!dup)
            json_array_append_new(ids, json_string(id));
    }
    size_t n = json_array_size(ids);
    if (n == 0) {
        json_decref(ids);
        api_respond_tickets(a);
        api_free(a);
        return;
    }
    const char *m[] = {"MULTI"}, *x[] = {"EXEC"};
    int rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 1, m, NULL);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char tix[160];
        hilo_key(tix, sizeof tix, HILO_K_CUST_TIX, json_string_value(json_array_get(ids, i)));
        const char *zr[] = {"ZREVRANGE", tix, "0", "49"};
        rc = hilo_redis_cmdargv(a->s->redis, NULL, NULL, 4, zr, NULL);
    }
    json_decref(ids);
    if (rc == 0)
        rc = api_send_argv(a, search_tix_list_cb, 1, x);
    if (rc < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

void api_search(struct api *a)
{
    const char *q = hilo_http_arg(a->r, "q");
    char ref[HILO_REF_MAX];
    size_t n;

    if (!q || (n = strlen(q)) < 2 || n > 200) {
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    if (hilo_ref_normalize(q, ref) == 0) {
        if (api_alloc_refs(a, 1) < 0) {
            api_free(a);
            return;
        }
        a->refs[0] = strdup(ref);
        api_fetch_summaries(a, api_respond_tickets);
        return;
    }
    if (strchr(q, '@')) {
        char low[256], ident[280];
        size_t i;
        for (i = 0; q[i] && i < sizeof low - 1; i++)
            low[i] = (char)tolower((unsigned char)q[i]);
        low[i] = '\0';
        snprintf(ident, sizeof ident, "email:%s", low);
        search_by_identity(a, ident, ident);
        return;
    }
    if (q[0] == '+' && strspn(q + 1, "0123456789 -") == n - 1) {
        char phone[64] = "phone:+", *p = phone + 7;
        for (const char *c = q + 1; *c && p < phone + sizeof phone - 1; c++)
            if (*c >= '0' && *c <= '9')
                *p++ = *c;
        *p = '\0';
        search_by_identity(a, phone, phone);
        return;
    }
    a->text = strdup(q);
    for (char *c = a->text; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    char all[128], last[16];
    hilo_key(all, sizeof all, HILO_K_IDX_ALL, NULL);
    snprintf(last, sizeof last, "%d", SEARCH_SCAN - 1);
    const char *argv[] = {"ZREVRANGE", all, "0", last};
    if (api_send_argv(a, search_recent_cb, 4, argv) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}
