/* What a frame means: one table of frame types, and one place that sends
 * the error frame. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
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
int hilo_dispatch_ticket(struct hilo_conn *c, json_t *msg, const char *req, char ref[HILO_REF_MAX])
{
    int bad = 0;
    const char *t = hilo_dispatch_str(msg, "ticket", 32, &bad);
    if (bad || !t) {
        hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
        return -1;
    }
    if (hilo_ref_normalize(t, ref) < 0) {
        hilo_conn_error(c, -HILO_EUNKNOWNTICKET, req, NULL);
        return -1;
    }
    return 0;
}

/* ---- dispatch ------------------------------------------------------------ */

static void pong(struct hilo_conn *c, const char *req)
{
    json_t *o = json_pack("{s:s, s:I}", "type", "pong", "ts", (json_int_t)hilo_now_ms());
    if (req)
        json_object_set_new(o, "req", json_string(req));
    hilo_dispatch_send_json(c, o);
}

void hilo_hub_dispatch(struct hilo_conn *c, json_t *msg, const char *type, const char *req)
{
    if (c->busy) {
        hilo_session_defer(c, msg);
        return;
    }
    if (c->role == HILO_ROLE_AGENT && c->ready && hilo_now_ms() >= c->sess_exp_ms) {
        hilo_conn_error(c, -HILO_EEXPIRED, req, NULL);
        hilo_conn_close(c, 4401);
        return;
    }
    if (strcmp(type, "ping") == 0) {
        pong(c, req);
        return;
    }
    if (c->role == HILO_ROLE_CUSTOMER) {
        if (strcmp(type, "hello") == 0) {
            hilo_ws_customer_hello(c, msg, req);
            return;
        }
        if (strcmp(type, "message") != 0 && strcmp(type, "resume") != 0 &&
            strcmp(type, "typing") != 0) {
            hilo_conn_error(c, -HILO_EUNKNOWNTYPE, req, NULL);
            return;
        }
        if (!c->ready) {
            hilo_conn_error(c, -HILO_EHELLO, req, NULL);
            return;
        }
        if (type[0] == 'm')
            hilo_ws_customer_message(c, msg, req);
        else if (type[0] == 'r')
            hilo_ws_customer_resume(c, msg, req);
        else
            hilo_ws_customer_typing(c, msg, req);
        return;
    }

    static const char *const agent_types[] = {"login", "auth", "queue.watch", "queue.unwatch",
                                              "ticket.open", "ticket.close", "reply", "note",
                                              "resolve", "assign", "status", "typing",
                                              "delivery.retry"};
    size_t i;
    for (i = 0; i < HILO_ARRAY_LEN(agent_types); i++)
        if (strcmp(type, agent_types[i]) == 0)
            break;
    if (i == HILO_ARRAY_LEN(agent_types)) {
        hilo_conn_error(c, -HILO_EUNKNOWNTYPE, req, NULL);
        return;
    }
    if (i < 2) {
        int bad = 0;
        if (i == 0) {
            const char *name = hilo_dispatch_str(msg, "name", 64, &bad);
            const char *pw = hilo_dispatch_str(msg, "password", 256, &bad);
            if (bad || !name || !pw) {
                hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
                return;
            }
            hilo_agent_login(c, name, pw, req);
        } else {
            const char *tok = hilo_dispatch_str(msg, "token", 256, &bad);
            if (bad || !tok) {
                hilo_conn_error(c, -HILO_EBADFRAME, req, NULL);
                return;
            }
            hilo_agent_auth(c, tok, req);
        }
        return;
    }
    if (!c->ready) {
        hilo_conn_error(c, -HILO_EUNAUTH, req, NULL);
        return;
    }
    if (hilo_now_ms() >= c->sess_exp_ms) {
        hilo_conn_error(c, -HILO_EEXPIRED, req, NULL);
        hilo_conn_close(c, 4401);
        return;
    }
    switch (i) {
    case 2: hilo_ws_agent_queue_watch(c, req); break;
    case 3: hilo_ws_agent_queue_unwatch(c, req); break;
    case 4: hilo_ws_agent_open(c, msg, req); break;
    case 5: hilo_ws_agent_close_ticket(c, msg, req); break;
    case 6: hilo_ws_agent_write(c, msg, req, "reply"); break;
    case 7: hilo_ws_agent_write(c, msg, req, "note"); break;
    case 8: hilo_ws_agent_write(c, msg, req, "resolve"); break;
    case 9: hilo_ws_agent_set(c, msg, req, "assign"); break;
    case 10: hilo_ws_agent_set(c, msg, req, "status"); break;
    case 11: hilo_ws_agent_typing(c, msg, req); break;
    case 12: hilo_ws_agent_delivery_retry(c, msg, req); break;
    }
}
