/* What a frame means: one table of frame types, and one place that sends
 * the error frame. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/reach.h"
#include "hilo/common.h"
#include "hilo/dispatch.h"
#include "hilo/proto.h"

const char *hilo_dispatch_str(json_t *msg, const char *name, size_t maxlen, int *bad)
{
    json_t *v = json_object_get(msg, name);
    if (!v)
        return NULL;
    if (!json_is_string(v) || json_string_length(v) > maxlen) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

/* Sends a JSON object (stolen) as a frame. */
void hilo_dispatch_send_json(struct hilo_conn *c, json_t *o)
{
    char *s;
    if (!o)
        return;
    s = json_dumps(o, JSON_COMPACT);
    if (s) {
        hilo_conn_send_buf(c, s, strlen(s));
        free(s);
    }
    json_decref(o);
}

void hilo_dispatch_ok(struct hilo_conn *c, const char *req)
{
    json_t *o = json_pack("{s:s}", "type", "ok");
    if (req)
        json_object_set_new(o, "req", json_string(req));
    hilo_dispatch_send_json(c, o);
}

int hilo_dispatch_ticket(json_t *msg, char ref[HILO_REF_MAX])
{
    int bad = 0;
    const char *t = hilo_dispatch_str(msg, "ticket", 32, &bad);
    if (bad || !t)
        return -HILO_EBADFRAME;
    if (hilo_ref_normalize(t, ref) < 0)
        return -HILO_EUNKNOWNTICKET;
    return 0;
}

static int pong(struct hilo_conn *c, json_t *msg, const char *req)
{
    hilo_reach_online_touch(c); /* a customer's socket stays listed as connected */
    json_t *o = json_pack("{s:s, s:I}", "type", "pong", "ts", (json_int_t)hilo_now_ms());
    if (req)
        json_object_set_new(o, "req", json_string(req));
    hilo_dispatch_send_json(c, o);
    return 0;
}

#define C HILO_FT_CUSTOMER
#define A HILO_FT_AGENT
#define READY HILO_FT_READY
#define CID HILO_FT_CLIENT_ID

/* Customers' rows first: "message" is the hot path. */
static const struct hilo_frame_type hub_frames[] = {
    {"message", C, READY | CID, hilo_ws_customer_message},
    {"reply", A, READY | CID, hilo_ws_agent_reply},
    {"ping", C | A, 0, pong},
    {"typing", C, READY, hilo_ws_customer_typing},
    {"typing", A, READY, hilo_ws_agent_typing},
    {"hello", C, 0, hilo_ws_customer_hello},
    {"resume", C, READY, hilo_ws_customer_resume},
    {"login", A, 0, hilo_ws_agent_login_frame},
    {"auth", A, 0, hilo_ws_agent_auth_frame},
    {"queue.watch", A, READY, hilo_ws_agent_queue_watch},
    {"queue.unwatch", A, READY, hilo_ws_agent_queue_unwatch},
    {"ticket.open", A, READY, hilo_ws_agent_open},
    {"ticket.close", A, READY, hilo_ws_agent_close_ticket},
    {"note", A, READY | CID, hilo_ws_agent_note},
    {"resolve", A, READY | CID, hilo_ws_agent_resolve},
    {"assign", A, READY, hilo_ws_agent_assign},
    {"status", A, READY, hilo_ws_agent_status},
    {"delivery.retry", A, READY, hilo_ws_agent_delivery_retry},
    {"hold.approve", A, READY, hilo_ws_agent_hold_approve},
    {"hold.reject", A, READY, hilo_ws_agent_hold_reject},
    {"seen", C, READY, hilo_ws_customer_seen},
    {"notify", C, READY, hilo_ws_customer_notify},
    {"tags", A, READY, hilo_ws_agent_tags},
    {"hours", C, READY, hilo_ws_customer_hours},
};

#undef C
#undef A
#undef READY
#undef CID

const struct hilo_frame_type *hilo_dispatch_find(const struct hilo_frame_type *tab, size_t n,
                                                 const char *type, int role)
{
    for (size_t i = 0; i < n; i++)
        if ((tab[i].roles & (unsigned)role) && strcmp(tab[i].type, type) == 0)
            return &tab[i];
    return NULL;
}

void hilo_dispatch_run(struct hilo_conn *c, const struct hilo_frame_type *tab, size_t n,
                       json_t *msg, const char *type, const char *req)
{
    struct hilo_session *se = hilo_sess(c);
    const struct hilo_frame_type *ft;
    const char *client_id = NULL;
    int err;

    if (se->busy) {
        hilo_session_defer(c, msg);
        return;
    }
    if (se->role == HILO_ROLE_AGENT && se->ready && hilo_now_ms() >= se->sess_exp_ms) {
        hilo_conn_error(c, -HILO_EEXPIRED, req, NULL);
        hilo_conn_close(c, 4401);
        return;
    }
    ft = hilo_dispatch_find(tab, n, type, se->role);
    if (!ft)
        err = -HILO_EUNKNOWNTYPE;
    else if ((ft->flags & HILO_FT_READY) && !se->ready)
        err = se->role == HILO_ROLE_AGENT ? -HILO_EUNAUTH : -HILO_EHELLO;
    else if ((err = ft->fn(c, msg, req)) < 0 && (ft->flags & HILO_FT_CLIENT_ID)) {
        json_t *v = json_object_get(msg, "client_id");
        if (json_is_string(v) && json_string_length(v) <= 64)
            client_id = json_string_value(v);
    }
    if (err < 0)
        hilo_conn_error(c, err, req, client_id);
}

void hilo_dispatch_frame(struct hilo_conn *c, json_t *msg, const char *type, const char *req)
{
    hilo_dispatch_run(c, hub_frames, HILO_ARRAY_LEN(hub_frames), msg, type, req);
}
