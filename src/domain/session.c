/* The domain's per-connection state: busy operations, frames deferred
 * while one is in flight, and what to forget when the connection goes. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"

void hilo_hub_conn_gone(struct hilo_conn *c)
{
    while (c->watches) {
        if (c->role == HILO_ROLE_AGENT && c->ready && c->watches->viewing)
            hilo_presence_viewing(c, c->watches->route->ref, 0);
        hilo_live_watch_free(c, c->watches);
    }
    hilo_ws_agent_queue_unlink(c);
    while (c->def_head) {
        struct hilo_deferred *d = c->def_head;
        c->def_head = d->next;
        json_decref(d->msg);
        free(d);
    }
    c->def_tail = NULL;
    c->ndef = 0;
}

/* ---- deferred frames ---------------------------------------------------- */

void hilo_session_defer(struct hilo_conn *c, json_t *msg)
{
    struct hilo_deferred *d;
    if (c->ndef >= MAX_DEFERRED) {
        hilo_conn_error(c, -HILO_ERATE, NULL, NULL);
        return;
    }
    d = malloc(sizeof *d);
    if (!d)
        return;
    d->msg = json_incref(msg);
    d->next = NULL;
    if (c->def_tail)
        c->def_tail->next = d;
    else
        c->def_head = d;
    c->def_tail = d;
    c->ndef++;
}

/* The operation that made the connection busy is over: replay what waited. */
void hilo_session_unbusy(struct hilo_conn *c)
{
    c->busy = 0;
    while (c->wsi && !c->busy && c->def_head) {
        struct hilo_deferred *d = c->def_head;
        const char *type, *req;
        c->def_head = d->next;
        if (!c->def_head)
            c->def_tail = NULL;
        c->ndef--;
        type = json_string_value(json_object_get(d->msg, "type"));
        req = json_string_value(json_object_get(d->msg, "req"));
        hilo_hub_dispatch(c, d->msg, type, req);
        json_decref(d->msg);
        free(d);
    }
}

/* Used by agents.c: login/auth in flight defers other frames. */
void hilo_hub_busy(struct hilo_conn *c, int busy)
{
    if (busy)
        c->busy = 1;
    else
        hilo_session_unbusy(c);
}
