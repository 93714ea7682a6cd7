/* GET /api/v1/search: by reference, email, phone, or text in recent tickets. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/store_index.h"
#include "hilo/store_records.h"

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
        struct hilo_tx tx;
        struct hilo_store_ticket_field name = {.ref = a->refs[i], .field = "name"};
        struct hilo_store_thread_range events = {.ref = a->refs[i], .count = 1000};
        hilo_tx_begin(&tx, a->s->redis);
        hilo_tx_ticket_field(&tx, &name);
        hilo_tx_thread_range(&tx, &events);
        if (api_tx_commit(a, &tx, search_scan_cb) < 0) {
            api_batch_broken(a, i);
            return;
        }
    }
}

static void search_tix_cb(redisReply *reply, void *data);

static void search_by_identity(struct api *a, const char *ident, const char *index)
{
    struct hilo_tx tx;
    hilo_tx_begin(&tx, a->s->redis);
    hilo_tx_ident_get(&tx, ident);
    hilo_tx_search_members(&tx, index);
    if (api_tx_commit(a, &tx, search_tix_cb) < 0) {
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
    struct hilo_tx tx;
    hilo_tx_begin(&tx, a->s->redis);
    for (size_t i = 0; i < n; i++) {
        struct hilo_store_customer_tickets tix = {
            .customer = json_string_value(json_array_get(ids, i)), .stop = 49};
        hilo_tx_customer_tickets(&tx, &tix);
    }
    json_decref(ids);
    if (api_tx_commit(a, &tx, search_tix_list_cb) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

void api_search(struct api *a)
{
    char what[API_SEARCH_QMAX + 16];
    switch (api_search_parse(hilo_http_arg(a->r, "q"), what, sizeof what)) {
    case API_SEARCH_REF:
        if (api_alloc_refs(a, 1) < 0) {
            api_fail(a, -HILO_EINTERNAL);
            return;
        }
        a->refs[0] = strdup(what);
        api_fetch_summaries(a, api_respond_tickets);
        return;
    case API_SEARCH_EMAIL:
    case API_SEARCH_PHONE:
        search_by_identity(a, what, what);
        return;
    case API_SEARCH_TEXT:
        break;
    default:
        api_fail(a, -HILO_EBADFRAME);
        return;
    }
    a->text = strdup(what);
    struct hilo_store_index_range recent = {
        .index = HILO_STORE_IDX_ALL, .start = 0, .stop = SEARCH_SCAN - 1, .rev = 1};
    if (api_sent(a, hilo_store_index_range(a->s->redis, &recent, search_recent_cb, a)) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}
