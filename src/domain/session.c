/* The domain's per-connection state: the frames a connection sends (parsed,
 * rate limited, dispatched), busy operations, frames deferred while one is
 * in flight, and what to forget when the connection goes. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/reach.h"
#include "hilo/common.h"
#include "hilo/metrics.h"

struct hilo_session *hilo_session_new(struct hilo_conn *c, int role)
{
    struct hilo_session *se = calloc(1, sizeof *se);
    if (!se)
        return NULL;
    se->conn = c;
    c->session = se;
    se->role = (uint8_t)role;
    hilo_metrics_conn(role, 1);
    memcpy(se->locale, "en", 3);
    return se;
}

void hilo_session_free(void *session)
{
    struct hilo_session *se = session;
    if (!se)
        return;
    hilo_metrics_conn(se->role, -1);
    free(se->id);
    free(se->name);
    free(se->email);
    free(se->ident);
    free(se->hello_ident);
    free(se->token);
    free(se->cookie);
    free(se);
}

void hilo_session_closed(void *session)
{
    struct hilo_session *se = session;
    hilo_session_gone(se->conn);
}

void hilo_session_message(void *session, const char *data, size_t len)
{
    struct hilo_session *se = session;
    struct hilo_conn *c = se->conn;
    const struct hilo_config *cfg = c->srv->cfg;
    json_error_t jerr;
    json_t *msg;
    const char *type, *req = NULL, *client_id;
    json_t *jreq;
    int r;

    if (c->closing)
        return;
    msg = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    jreq = json_is_object(msg) ? json_object_get(msg, "req") : NULL;
    if (json_is_string(jreq) && json_string_length(jreq) <= 64)
        req = json_string_value(jreq);
    client_id = json_is_object(msg) ? json_string_value(json_object_get(msg, "client_id")) : NULL;
    if (client_id && strlen(client_id) > 64)
        client_id = NULL;
    /* counted here, not in net: the error frame names the frame's req */
    r = hilo_rate_take(&se->rate, cfg->msg_rate, cfg->msg_burst, hilo_now_ms());
    if (r < 0) {
        hilo_conn_error(c, -HILO_ERATE, req, client_id);
        if (r == -2)
            hilo_conn_close(c, 1008);
        goto out;
    }
    if (!msg || !json_is_object(msg)) {
        hilo_conn_error(c, -HILO_EBADJSON, NULL, NULL);
        goto out;
    }
    if (jreq && !req) {
        hilo_conn_error(c, -HILO_EBADFRAME, NULL, client_id);
        goto out;
    }
    type = json_string_value(json_object_get(msg, "type"));
    if (!type) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, client_id);
        goto out;
    }
    hilo_dispatch_frame(c, msg, type, req);
out:
    json_decref(msg);
}

void hilo_session_refused(void *session, int err)
{
    struct hilo_session *se = session;
    struct hilo_conn *c = se->conn;
    const struct hilo_config *cfg = c->srv->cfg;
    /* refused frames take from the same budget as any other: a flood of
     * binary or oversized frames ends like a flood of text ones */
    int r = hilo_rate_take(&se->rate, cfg->msg_rate, cfg->msg_burst, hilo_now_ms());
    if (r < 0) {
        hilo_conn_error(c, -HILO_ERATE, NULL, NULL);
        if (r == -2)
            hilo_conn_close(c, 1008);
        return;
    }
    hilo_conn_error(c, err, NULL, NULL);
}

void hilo_session_gone(struct hilo_conn *c)
{
    struct hilo_session *se = hilo_sess(c);
    hilo_reach_online_gone(c);
    while (se->watches) {
        if (se->role == HILO_ROLE_AGENT && se->ready && se->watches->viewing)
            hilo_presence_viewing(c, se->watches->route->ref, 0);
        hilo_live_watch_free(c, se->watches);
    }
    hilo_ws_agent_queue_unlink(c);
    while (se->def_head) {
        struct hilo_deferred *d = se->def_head;
        se->def_head = d->next;
        json_decref(d->msg);
        free(d);
    }
    se->def_tail = NULL;
    se->ndef = 0;
}

/* ---- deferred frames ---------------------------------------------------- */

void hilo_session_defer(struct hilo_conn *c, json_t *msg)
{
    struct hilo_session *se = hilo_sess(c);
    struct hilo_deferred *d;
    if (se->ndef >= MAX_DEFERRED) {
        hilo_conn_error(c, -HILO_ERATE, NULL, NULL);
        return;
    }
    d = malloc(sizeof *d);
    if (!d)
        return;
    d->msg = json_incref(msg);
    d->next = NULL;
    if (se->def_tail)
        se->def_tail->next = d;
    else
        se->def_head = d;
    se->def_tail = d;
    se->ndef++;
}

/* The operation that made the connection busy is over: replay what waited. */
void hilo_session_unbusy(struct hilo_conn *c)
{
    struct hilo_session *se = hilo_sess(c);
    se->busy = 0;
    while (c->wsi && !c->closing && !se->busy && se->def_head) { /* none after a close */
        struct hilo_deferred *d = se->def_head;
        const char *type, *req;
        se->def_head = d->next;
        if (!se->def_head)
            se->def_tail = NULL;
        se->ndef--;
        type = json_string_value(json_object_get(d->msg, "type"));
        req = json_string_value(json_object_get(d->msg, "req"));
        hilo_dispatch_frame(c, d->msg, type, req);
        json_decref(d->msg);
        free(d);
    }
}

/* Used by agents.c: login/auth in flight defers other frames. */
void hilo_session_busy(struct hilo_conn *c, int busy)
{
    if (busy)
        hilo_sess(c)->busy = 1;
    else
        hilo_session_unbusy(c);
}
