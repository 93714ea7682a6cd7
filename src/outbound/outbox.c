/* The outbox worker: reads the stream with a consumer group, hands each
 * entry to send.c or webhooks.c, records the outcome, and puts dead letters
 * back on request. See include/hilo/outbox.h and docs/delivery.md. */
#include "hilo/outbox.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/fetch.h"
#include "hilo/log.h"
#include "hilo/metrics.h"
#include "hilo/redis.h"
#include "hilo/ref.h"
#include "hilo/scripts.h"
#include "hilo/store_outbox.h"
#include "internal.h"

#define MAX_INFLIGHT 8
#define CLAIM_IDLE_MS 30000

const char *ob_field(json_t *e, const char *k)
{
    const char *v = json_string_value(json_object_get(e, k));
    return v ? v : "";
}

int ob_attempts(json_t *e)
{
    return atoi(ob_field(e, "attempt")); /* NOLINT: our own field */
}

struct hilo_fetch *hilo_outbox_fetcher(struct hilo_outbox *o) { return o->fetch; }

static int outbox_add_tx(struct hilo_outbox *o, struct hilo_tx *tx, json_t *entry);

int ob_take_late_template(json_t *e)
{
    static const char *const from[] = {"late_tpl", "late_lang", "late_params"};
    static const char *const to[] = {"tpl", "tpl_lang", "tpl_params"};
    if (!*ob_field(e, "late_tpl") || *ob_field(e, "tpl"))
        return 0;
    for (int i = 0; i < 3; i++) {
        json_object_set(e, to[i], json_object_get(e, from[i]));
        json_object_del(e, from[i]);
    }
    /* counted as a template of its category (hilo_whatsapp_templates_total) */
    hilo_metrics_inc(hilo_metrics_wa_template(*ob_field(e, "late_cat") ? ob_field(e, "late_cat")
                                                                       : "update"));
    json_object_del(e, "late_cat");
    return 1;
}

json_t *ob_late_route(json_t *e)
{
    return json_pack("{s:{s:s, s:s, s:s, s:s}}", "route", "channel", "whatsapp", "code",
                     "wa_template_late", "reason",
                     "whatsapp said the window was closed (131047); sent as a template",
                     "template", ob_field(e, "tpl"));
}

int hilo_outbox_add(struct hilo_outbox *o, json_t *entry)
{
    return outbox_add_tx(o, NULL, entry);
}

/* The entry's string fields (borrowed from it) as an XADD, sent alone or
 * queued in tx. Fields past the limit are dropped, as they always were. */
static int outbox_add_tx(struct hilo_outbox *o, struct hilo_tx *tx, json_t *entry)
{
    const char *f[HILO_STORE_OUTBOX_FIELDS];
    size_t lens[HILO_STORE_OUTBOX_FIELDS];
    struct hilo_store_outbox_add op = {.fields = f, .lens = lens};
    const char *k;
    json_t *v;
    json_object_foreach(entry, k, v) {
        if (op.nfields + 2 > HILO_STORE_OUTBOX_FIELDS || !json_is_string(v))
            continue;
        f[op.nfields] = k;
        lens[op.nfields++] = strlen(k);
        f[op.nfields] = json_string_value(v);
        lens[op.nfields++] = json_string_length(v);
    }
    return tx ? hilo_tx_outbox_add(tx, &op) : hilo_store_outbox_add(o->d.redis, &op, NULL, NULL);
}

/* ---- finishing a send --------------------------------------------------- */

void ob_job_free(struct ob_job *j)
{
    j->o->inflight--;
    json_decref(j->e);
    free(j);
}

void ob_finished_cb(redisReply *reply, void *data)
{
    struct ob_job *j = data;
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        hilo_warn("outbox: could not record the result of %s (%s); it will be retried", j->id,
                  reply ? reply->str : "no reply");
    ob_job_free(j);
}

/* A success's provider id, so that status callbacks find the delivery. */
static int record_pid(struct hilo_tx *tx, struct ob_job *j, const char *ref, const char *pid)
{
    struct hilo_store_sent_pid sp = {
        .provider = j->provider, .provider_id = pid, .ref = ref, .event_id = j->ev};
    int rc = hilo_tx_sent_pid(tx, &sp);
    if (rc == 0 && strcmp(ob_field(j->e, "ch"), "email") == 0) {
        struct hilo_store_sent_msgid sm = {.msgid = ob_field(j->e, "msgid"), .ref = ref};
        rc = hilo_tx_sent_msgid(tx, &sm);
    } else if (rc == 0) {
        /* what a failure reported later by a status callback files as the
         * dead letter (undelivered.c) */
        json_t *e = json_deep_copy(j->e);
        json_object_del(e, "unk");
        json_object_del(e, "unk_at");
        json_object_del(e, "error");
        char *js = e ? json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        struct hilo_store_sent_entry se = {.ref = ref, .event_id = j->ev, .entry = js};
        rc = js ? hilo_tx_sent_entry(tx, &se) : -HILO_EINTERNAL;
        free(js);
        json_decref(e);
    }
    return rc;
}

static int schedule_retry(struct hilo_tx *tx, struct ob_job *j, int attempt, long retry_after_s)
{
    uint64_t delay = hilo_retry_delay_ms(attempt, (uint64_t)j->o->d.cfg->outbox_backoff_ms,
                                         hilo_retry_jitter(), retry_after_s);
    char *js = json_dumps(j->e, JSON_COMPACT | JSON_SORT_KEYS);
    struct hilo_store_outbox_due op = {.at_ms = hilo_now_ms() + delay, .entry = js};
    int rc = hilo_tx_outbox_due(tx, &op);
    free(js);
    return rc;
}

static int bury(struct hilo_tx *tx, struct ob_job *j, const char *ref, const char *error)
{
    json_object_set_new(j->e, "error", json_string(error ? error : ""));
    char *js = json_dumps(j->e, JSON_COMPACT | JSON_SORT_KEYS);
    struct hilo_store_outbox_dead op = {
        .ref = ref, .event_id = j->ev, .at_ms = hilo_now_ms(), .entry = js};
    int rc = hilo_tx_outbox_bury(tx, &op);
    free(js);
    return rc;
}

void ob_finish(struct ob_job *j, enum hilo_verdict v, const char *pid, const char *error,
               long retry_after_s)
{
    struct hilo_outbox *o = j->o;
    struct hilo_tx tx;
    struct hilo_store_argv dl;
    char attempts[16];
    const char *ref = ob_field(j->e, "ref");
    int attempt = ob_attempts(j->e) + 1;
    int webhook = strcmp(ob_field(j->e, "ch"), "webhook") == 0;
    int rc;

    int permanent = v == HILO_V_FAILED; /* refused outright, not out of attempts */
    v = hilo_retry_settle(v, attempt, o->d.cfg->outbox_attempts);
    json_t *upd = json_pack("{s:s, s:i, s:s}", "status", hilo_retry_status(v), "attempts", attempt,
                            "error", error ? error : "");
    if (hilo_retry_is_dead(v))
        json_object_set_new(upd, "permanent", json_boolean(permanent));
    if (pid)
        json_object_set_new(upd, "provider_id", json_string(pid));
    char *updjs = json_dumps(upd, JSON_COMPACT);
    json_decref(upd);
    struct hilo_store_delivery upd_op = {.chan = o->d.events_channel, .ref = ref,
                                         .op = HILO_DELIVERY_UPDATE, .event_id = j->ev,
                                         .fields = updjs};
    /* built before j->ev changes below: the update is for the event */
    rc = webhook ? 0 : hilo_store_delivery_argv(&dl, &upd_op);
    if (webhook)
        snprintf(j->ev, sizeof j->ev, "%s", j->id); /* dead letters are keyed by entry */
    hilo_tx_begin(&tx, o->d.redis);
    if (rc == 0 && !webhook)
        rc = hilo_tx_add_argv(&tx, &dl);
    if (rc == 0)
        rc = hilo_tx_outbox_done(&tx, j->id);
    snprintf(attempts, sizeof attempts, "%d", attempt);
    json_object_set_new(j->e, "attempt", json_string(attempts));
    json_object_set_new(j->e, "ev", json_string(j->ev));
    /* a success is never a dead letter: webhook POSTs (and a provider that
     * answers without an id) have no provider id to record */
    if (rc == 0 && v == HILO_V_SENT && pid && *pid && !webhook)
        rc = record_pid(&tx, j, ref, pid);
    else if (rc == 0 && v == HILO_V_RETRY)
        rc = schedule_retry(&tx, j, attempt, retry_after_s);
    else if (rc == 0 && hilo_retry_is_dead(v))
        rc = bury(&tx, j, ref, error);
    if (rc == 0 && hilo_retry_is_dead(v) && !webhook)
        rc = ob_tx_undelivered(&tx, o, ref, j->ev, error);
    if (rc < 0 && tx.rc == 0)
        tx.rc = rc; /* a build failed before anything was queued: DISCARD */
    rc = hilo_tx_commit(&tx, ob_finished_cb, j);
    free(updjs);
    if (rc < 0)
        ob_job_free(j); /* not acknowledged: it is claimed again later */
}

/* ---- the worker ---------------------------------------------------------- */

/* The status of a stored delivery record, "" when it has none. */
static int delivery_done(const char *dl)
{
    json_error_t je;
    json_t *d = json_loads(dl, 0, &je);
    int done = d && hilo_retry_status_done(json_string_value(json_object_get(d, "status")));
    json_decref(d);
    return done;
}

/* Resolves the event id and skips what is already sent. */
static void checked_cb(redisReply *reply, void *data)
{
    struct ob_job *j = data;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_STRING) {
        ob_job_free(j); /* claimed again later */
        return;
    }
    const char *ev = reply->element[0]->str, *dl = reply->element[1]->str;
    if (!*ev || !*dl || delivery_done(dl)) {
        /* its transaction never happened, or it was sent before a crash */
        hilo_store_outbox_done(j->o->d.redis, j->id, NULL, NULL);
        ob_job_free(j);
        return;
    }
    snprintf(j->ev, sizeof j->ev, "%s", ev);
    ob_send_checked(j);
}

static void start_job(struct hilo_outbox *o, const redisReply *entry)
{
    struct ob_job *j;
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->o = o;
    o->inflight++;
    snprintf(j->id, sizeof j->id, "%s", entry->element[0]->str);
    j->e = json_object();
    const redisReply *fl = entry->element[1];
    for (size_t i = 0; i + 1 < fl->elements; i += 2)
        json_object_set_new(j->e, fl->element[i]->str,
                            json_stringn(fl->element[i + 1]->str, fl->element[i + 1]->len));
    const char *ref = ob_field(j->e, "ref");
    if (strcmp(ob_field(j->e, "ch"), "webhook") == 0) {
        if (!o->d.cfg->webhook_url[0]) {
            ob_finish(j, HILO_V_FAILED, NULL, "no webhook_url configured", -1);
            return;
        }
        ob_webhook_start(j);
        return;
    }
    struct hilo_store_delivery op = {.chan = o->d.events_channel, .ref = ref,
                                     .op = HILO_DELIVERY_CHECK, .event_id = ob_field(j->e, "ev"),
                                     .dedupe = ob_field(j->e, "key")};
    if (hilo_store_delivery(o->d.redis, &op, checked_cb, j) < 0)
        ob_job_free(j);
}

static void read_cb(redisReply *reply, void *data)
{
    struct hilo_outbox *o = data;
    o->reading = 0;
    /* XREADGROUP: [[stream, [entries]]] */
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
        return;
    redisReply *st = reply->element[0];
    if (st->type != REDIS_REPLY_ARRAY || st->elements != 2 || st->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < st->element[1]->elements; i++)
        start_job(o, st->element[1]->element[i]);
}

static void claim_cb(redisReply *reply, void *data)
{
    struct hilo_outbox *o = data;
    o->claiming = 0;
    /* XAUTOCLAIM: [next, [entries], [deleted]] */
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
        reply->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < reply->element[1]->elements; i++)
        start_job(o, reply->element[1]->element[i]);
}

static void group_cb(redisReply *reply, void *data)
{
    struct hilo_outbox *o = data;
    /* "BUSYGROUP Consumer Group name already exists": made by an earlier run */
    if (reply && (reply->type != REDIS_REPLY_ERROR || strncmp(reply->str, "BUSYGROUP ", 10) == 0))
        o->group_ok = 1;
}

static void moved_cb(redisReply *reply, void *data)
{
    struct hilo_outbox *o = data;
    (void)reply;
    o->moving = 0;
}

static void tick_cb(uv_timer_t *t)
{
    struct hilo_outbox *o = t->data;
    struct hilo_redis *r = o->d.redis;
    int count;
    uint64_t ms = hilo_now_ms();

    if (o->closing || !hilo_redis_ready(r) || !hilo_scripts_ready())
        return;
    if (!o->group_ok) {
        hilo_store_outbox_group(r, group_cb, o);
        return;
    }
    if (!o->moving && ms - o->last_move >= 200) {
        struct hilo_store_outbox_move mv = {.now_ms = ms, .count = 50};
        if (hilo_store_outbox_move(r, &mv, moved_cb, o) == 0)
            o->moving = 1;
        o->last_move = ms;
    }
    if (o->inflight >= MAX_INFLIGHT)
        return;
    count = MAX_INFLIGHT - o->inflight;
    if (!o->reading) {
        struct hilo_store_outbox_read rd = {.consumer = o->consumer, .count = count};
        if (hilo_store_outbox_read(r, &rd, read_cb, o) == 0)
            o->reading = 1;
    }
    if (!o->claiming && ms - o->last_claim >= 2000) {
        /* entries a dead instance took but never acknowledged */
        struct hilo_store_outbox_claim cl = {
            .consumer = o->consumer, .min_idle_ms = CLAIM_IDLE_MS, .count = count};
        if (hilo_store_outbox_claim(r, &cl, claim_cb, o) == 0)
            o->claiming = 1;
        o->last_claim = ms;
    }
}

struct hilo_outbox *hilo_outbox_start(const struct hilo_outbox_deps *d)
{
    struct hilo_outbox *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->d = *d;
    o->fetch = hilo_fetch_new(d->loop);
    if (!o->fetch) {
        free(o);
        return NULL;
    }
    hilo_fetch_allow_plain_smtp(o->fetch, d->cfg->smtp_plain);
    snprintf(o->consumer, sizeof o->consumer, "hilo-%s", d->instance);
    uv_timer_init(d->loop, &o->tick);
    o->tick.data = o;
    uv_timer_start(&o->tick, tick_cb, 100, 100);
    return o;
}

static void tick_closed(uv_handle_t *h)
{
    struct hilo_outbox *o = h->data;
    void (*done)(void *) = o->done;
    void *data = o->done_data;
    free(o);
    if (done)
        done(data);
}

static void fetch_closed(void *data)
{
    struct hilo_outbox *o = data;
    uv_close((uv_handle_t *)&o->tick, tick_closed);
}

void hilo_outbox_close(struct hilo_outbox *o, void (*done)(void *), void *data)
{
    o->closing = 1;
    o->done = done;
    o->done_data = data;
    uv_timer_stop(&o->tick);
    /* sends in flight are not acknowledged: another instance (or this one
     * after a restart) takes them over */
    hilo_fetch_close(o->fetch, fetch_closed, o);
}

/* ---- manual retry of a dead letter -------------------------------------- */

struct retry_op {
    struct hilo_outbox *o;
    char ref[HILO_REF_MAX], ev[48];
    void (*cb)(int, void *);
    void *data;
};

static void retried_cb(redisReply *reply, void *data)
{
    struct retry_op *op = data;
    op->cb(reply && reply->type == REDIS_REPLY_ARRAY ? 0 : -HILO_EUNAVAIL, op->data);
    free(op);
}

static void dead_loaded_cb(redisReply *reply, void *data)
{
    struct retry_op *op = data;
    struct hilo_outbox *o = op->o;
    struct hilo_tx tx;
    struct hilo_store_argv dl;
    json_error_t je;
    json_t *e;
    int rc;
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        op->cb(-HILO_EUNAVAIL, op->data);
        free(op);
        return;
    }
    if (reply->type == REDIS_REPLY_NIL || !(e = json_loads(reply->str, 0, &je))) {
        op->cb(-HILO_EBADSTATE, op->data); /* not a dead letter */
        free(op);
        return;
    }
    json_object_set_new(e, "attempt", json_string("0"));
    json_object_del(e, "error");
    struct hilo_store_outbox_dead dead = {.ref = op->ref, .event_id = op->ev};
    struct hilo_store_delivery requeued = {
        .chan = o->d.events_channel, .ref = op->ref, .op = HILO_DELIVERY_UPDATE,
        .event_id = op->ev,
        .fields = "{\"status\":\"queued\",\"error\":\"\",\"attempts\":0,\"force\":true,"
                  "\"failed_event\":\"\"}"};
    rc = hilo_store_delivery_argv(&dl, &requeued);
    if (rc == 0) {
        hilo_tx_begin(&tx, o->d.redis);
        hilo_tx_outbox_unbury(&tx, &dead);
        hilo_tx_add_argv(&tx, &dl);
        outbox_add_tx(o, &tx, e);
        rc = hilo_tx_commit(&tx, retried_cb, op);
    }
    json_decref(e);
    if (rc < 0) {
        op->cb(-HILO_EUNAVAIL, op->data);
        free(op);
    }
}

int hilo_outbox_requeue(struct hilo_outbox *o, const char *ref, const char *event_id,
                        void (*cb)(int err, void *data), void *data)
{
    struct retry_op *op;
    if (strlen(event_id) >= 48)
        return -HILO_EBADFRAME;
    op = calloc(1, sizeof *op);
    if (!op)
        return -ENOMEM;
    op->o = o;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->ev, sizeof op->ev, "%s", event_id);
    op->cb = cb;
    op->data = data;
    struct hilo_store_outbox_dead dead = {.ref = ref, .event_id = event_id};
    int rc = hilo_store_outbox_dead_get(o->d.redis, &dead, dead_loaded_cb, op);
    if (rc < 0)
        free(op);
    return rc;
}

/* ---- a late template (131047 after acceptance) -------------------------- */

struct late_op {
    struct hilo_outbox *o;
    char ref[32], ev[48], pid[300];
    void (*cb)(int, void *);
    void *data;
};

static void late_done_cb(redisReply *reply, void *data)
{
    struct late_op *op = data;
    op->cb(reply && reply->type == REDIS_REPLY_ARRAY ? 1 : -HILO_EUNAVAIL, op->data);
    free(op);
}

static void late_loaded_cb(redisReply *reply, void *data)
{
    struct late_op *op = data;
    struct hilo_outbox *o = op->o;
    struct hilo_tx tx;
    struct hilo_store_argv dl;
    json_error_t je;
    json_t *e = NULL;
    int rc;
    /* [the kept entry or nil, the delivery or nil] */
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        op->cb(-HILO_EUNAVAIL, op->data);
        free(op);
        return;
    }
    if (reply->element[1]->type == REDIS_REPLY_STRING) {
        /* a status of a send that another one replaced (the free-form
         * message, once its template is queued or out): not this
         * delivery's, whatever it says */
        json_t *d = json_loads(reply->element[1]->str, 0, &je);
        const char *cur = json_string_value(json_object_get(d, "provider_id"));
        const char *was = json_string_value(json_object_get(d, "replaced"));
        int stale = (cur && *cur && strcmp(cur, op->pid) != 0) || (was && strcmp(was, op->pid) == 0);
        json_decref(d);
        if (stale) {
            op->cb(1, op->data);
            free(op);
            return;
        }
    }
    if (reply->element[0]->type == REDIS_REPLY_STRING)
        e = json_loads(reply->element[0]->str, 0, &je);
    /* The kept entry still free-form with a late template: none went out
     * for it yet (the re-queue deletes the entry in its transaction, so a
     * status repeated after a failed re-queue tries again): it goes now.
     * Anything else (no late template, the template's own failure, no
     * entry): the failure is reported, which happens once per failure. */
    if (!e || !ob_take_late_template(e)) {
        json_decref(e);
        op->cb(0, op->data);
        free(op);
        return;
    }
    json_object_set_new(e, "attempt", json_string("0"));
    json_object_set_new(e, "ev", json_string(op->ev));
    json_object_del(e, "error");
    json_object_del(e, "unk");
    json_object_del(e, "unk_at");
    /* "replaced": statuses of the refused send never move this one */
    json_t *u = ob_late_route(e);
    if (u)
        json_object_update_new(u, json_pack("{s:s, s:s, s:i, s:b, s:s, s:s}", "status", "queued",
                                            "error", "", "attempts", 0, "force", 1, "provider_id",
                                            "", "replaced", op->pid));
    char *ujs = u ? json_dumps(u, JSON_COMPACT) : NULL;
    json_decref(u);
    struct hilo_store_delivery requeued = {.chan = o->d.events_channel, .ref = op->ref,
                                           .op = HILO_DELIVERY_UPDATE, .event_id = op->ev,
                                           .fields = ujs ? ujs : "{}"};
    struct hilo_store_sent_entry se = {.ref = op->ref, .event_id = op->ev};
    rc = ujs ? hilo_store_delivery_argv(&dl, &requeued) : -HILO_EINTERNAL;
    if (rc == 0) {
        hilo_tx_begin(&tx, o->d.redis);
        hilo_tx_sent_entry_del(&tx, &se);
        hilo_tx_add_argv(&tx, &dl);
        outbox_add_tx(o, &tx, e);
        rc = hilo_tx_commit(&tx, late_done_cb, op);
    }
    if (rc == 0) {
        hilo_warn("outbox: whatsapp reported message %s of ticket %s failed with 131047 (window "
                  "closed); sending the template %s instead", op->ev, op->ref, ob_field(e, "tpl"));
    }
    free(ujs);
    json_decref(e);
    if (rc < 0) {
        op->cb(-HILO_EUNAVAIL, op->data);
        free(op);
    }
}

int hilo_outbox_late_template(struct hilo_outbox *o, const char *ref, const char *event_id,
                              const char *provider_id, void (*cb)(int rc, void *data), void *data)
{
    struct late_op *op;
    struct hilo_tx tx;
    if (strlen(ref) >= sizeof op->ref || strlen(event_id) >= sizeof op->ev ||
        strlen(provider_id) >= sizeof op->pid)
        return -HILO_EBADFRAME;
    if (!(op = calloc(1, sizeof *op)))
        return -ENOMEM;
    op->o = o;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    snprintf(op->ev, sizeof op->ev, "%s", event_id);
    snprintf(op->pid, sizeof op->pid, "%s", provider_id);
    op->cb = cb;
    op->data = data;
    struct hilo_store_sent_entry se = {.ref = ref, .event_id = event_id};
    hilo_tx_begin(&tx, o->d.redis);
    hilo_tx_sent_entry_get(&tx, &se);
    hilo_tx_delivery_get(&tx, &se);
    int rc = hilo_tx_commit(&tx, late_loaded_cb, op);
    if (rc < 0)
        free(op);
    return rc;
}
