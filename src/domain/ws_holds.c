/* Agents' frames on held joins (docs/protocol.md, docs/continuity.md):
 * hold.approve and hold.reject, answered with ok once decided. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
#include "hilo/conn.h"
#include "hilo/holds.h"
#include "hilo/config.h"
#include "hilo/log.h"
#include "hilo/server.h"
#include "hilo/session.h"
#include "hilo/store.h"
#include "hilo/store_holds.h"

struct hold_frame {
    struct hilo_conn *c;
    char *req;
};

static void decided(int err, const char *ref, void *data)
{
    struct hold_frame *f = data;
    (void)ref;
    if (f->c->wsi) {
        if (err)
            hilo_conn_error(f->c, err, f->req, NULL);
        else
            hilo_dispatch_ok(f->c, f->req);
    }
    hilo_conn_unref(f->c);
    free(f->req);
    free(f);
}

static int decide(struct hilo_conn *c, json_t *msg, const char *req, int approve)
{
    int bad = 0;
    const char *id = hilo_dispatch_str(msg, "hold", HILO_HOLD_ID_MAX - 1, &bad);
    struct hold_frame *f;
    if (bad || !id || !*id)
        return -HILO_EBADFRAME;
    if (!(f = calloc(1, sizeof *f)))
        return -HILO_EINTERNAL;
    hilo_conn_ref(c);
    f->c = c;
    f->req = req ? strdup(req) : NULL;
    int rc = hilo_holds_decide(c->srv, id, approve, hilo_sess(c)->id, decided, f);
    if (rc < 0) {
        hilo_conn_unref(c);
        free(f->req);
        free(f);
    }
    return rc;
}

int hilo_ws_agent_hold_approve(struct hilo_conn *c, json_t *msg, const char *req)
{
    return decide(c, msg, req, 1);
}

int hilo_ws_agent_hold_reject(struct hilo_conn *c, json_t *msg, const char *req)
{
    return decide(c, msg, req, 0);
}

/* ---- resumes of a case that is not the visitor's ------------------------------
 * A refused resume (unknown_ticket: made up or another's, the same answer)
 * counts against the client address and the visitor; over
 * ref_attempts_ip / ref_attempts_identity in ref_attempt_window, resumes
 * of other cases are refused (rate_limited) before any lookup. */

struct resume_check {
    struct hilo_conn *c;
    char *req;
    char ref[HILO_REF_MAX];
    char after[48];
};

static void resume_checked(redisReply *reply, void *data)
{
    struct resume_check *r = data;
    struct hilo_conn *c = r->c;
    const struct hilo_config *cfg = c->srv->cfg;
    if (c->wsi) {
        long long ip = 0, id = 0;
        if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
            if (reply->element[0]->type == REDIS_REPLY_STRING)
                ip = strtoll(reply->element[0]->str, NULL, 10);
            if (reply->element[1]->type == REDIS_REPLY_STRING)
                id = strtoll(reply->element[1]->str, NULL, 10);
        }
        int err = !reply || reply->type != REDIS_REPLY_ARRAY ? -HILO_EUNAVAIL
                  : ip >= cfg->ref_attempts_ip || id >= cfg->ref_attempts_identity ? -HILO_ERATE
                  : hilo_live_sync_start(c, r->ref, r->after, SYNC_RESUME, r->req);
        if (err)
            hilo_conn_error(c, err, r->req, NULL);
    }
    hilo_conn_unref(c);
    free(r->req);
    free(r);
}

static void counters(struct hilo_conn *c, struct hilo_store_rate out[2])
{
    struct hilo_session *se = hilo_sess(c);
    uint64_t win = (uint64_t)c->srv->cfg->ref_attempt_window * 1000ull;
    out[0] = (struct hilo_store_rate){.scope = "ip", .key = se->ip, .window_ms = win};
    out[1] = (struct hilo_store_rate){.scope = "id", .key = se->ident ? se->ident : "", .window_ms = win};
}

int hilo_ws_customer_resume_checked(struct hilo_conn *c, const char *ref, const char *after,
                                    const char *req)
{
    struct hilo_session *se = hilo_sess(c);
    struct hilo_store_rate rl[2];
    struct resume_check *r;
    struct hilo_tx tx;
    /* its own current case: nothing to guess */
    if (se->ticket[0] && strcmp(se->ticket, ref) == 0)
        return hilo_live_sync_start(c, ref, after, SYNC_RESUME, req);
    if (!(r = calloc(1, sizeof *r)))
        return -HILO_EINTERNAL;
    hilo_conn_ref(c);
    r->c = c;
    r->req = req ? strdup(req) : NULL;
    snprintf(r->ref, sizeof r->ref, "%s", ref);
    snprintf(r->after, sizeof r->after, "%s", after);
    counters(c, rl);
    hilo_tx_begin(&tx, c->srv->redis);
    hilo_tx_rate_get(&tx, &rl[0]);
    hilo_tx_rate_get(&tx, &rl[1]);
    int rc = hilo_tx_commit(&tx, resume_checked, r);
    if (rc < 0) {
        hilo_conn_unref(c);
        free(r->req);
        free(r);
        return -HILO_EUNAVAIL;
    }
    return 0;
}

void hilo_ws_customer_resume_refused(struct hilo_conn *c)
{
    struct hilo_store_rate rl[2];
    struct hilo_tx tx;
    counters(c, rl);
    hilo_tx_begin(&tx, c->srv->redis);
    hilo_tx_rate_hit(&tx, &rl[0]);
    if (hilo_sess(c)->ident)
        hilo_tx_rate_hit(&tx, &rl[1]);
    if (hilo_tx_commit(&tx, NULL, NULL) < 0)
        hilo_debug("resume attempt not counted: store unavailable");
}
