/* GET /api/v1/customers/:id: a customer, its identities and latest tickets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/store_records.h"

#include "internal.h"

/* ---- customers --------------------------------------------------------------- */

static void respond_customer(struct api *a)
{
    json_t *list = json_array();
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i])
            json_array_append(list, a->items[i]);
    json_object_set_new(a->result, "tickets", list);
    hilo_http_respond_json(a->r, 200, json_incref(a->result));
}

static void customer_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    redisReply *h = reply->element[0], *ids = reply->element[1], *tix = reply->element[2];
    if (h->type != REDIS_REPLY_ARRAY || h->elements == 0) {
        api_not_found(a);
        api_free(a);
        return;
    }
    json_t *cust = json_pack("{s:s, s:s, s:s}", "id", a->name, "name", "", "email", "");
    for (size_t i = 0; i + 1 < h->elements; i += 2)
        if (strcmp(h->element[i]->str, "name") == 0 || strcmp(h->element[i]->str, "email") == 0 ||
            strcmp(h->element[i]->str, "locale") == 0)
            json_object_set_new(cust, h->element[i]->str, json_string(h->element[i + 1]->str));
    json_t *idl = json_array();
    for (size_t i = 0; ids->type == REDIS_REPLY_ARRAY && i < ids->elements; i++)
        json_array_append_new(idl, hilo_identity_json(ids->element[i]->str));
    json_object_set_new(cust, "identities", idl);
    a->result = json_pack("{s:o}", "customer", cust);
    size_t n = tix->type == REDIS_REPLY_ARRAY ? tix->elements : 0;
    if (api_alloc_refs(a, n) < 0) {
        api_free(a);
        return;
    }
    for (size_t i = 0; i < n; i++)
        a->refs[i] = strdup(tix->element[i]->str);
    api_fetch_summaries(a, respond_customer);
}

void api_customer(struct api *a)
{
    const char *id = api_param(&a->params, "id");
    if (strlen(id) == 0 || strlen(id) > 64 || strpbrk(id, "{}:/ ")) {
        api_not_found(a);
        api_free(a);
        return;
    }
    snprintf(a->name, sizeof a->name, "%s", id);
    struct hilo_store_customer_tickets tix = {.customer = id, .stop = 19};
    struct hilo_tx tx;
    hilo_tx_begin(&tx, a->s->redis);
    hilo_tx_customer_get(&tx, id);
    hilo_tx_customer_ids(&tx, id);
    hilo_tx_customer_tickets(&tx, &tix);
    if (api_tx_commit(a, &tx, customer_cb) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}
