/* Frame dispatch (src/domain/dispatch.c): what a WebSocket frame means is a
 * row of a table, and one dispatcher sends the error frame. Modelled on
 * mosquitto's handle__packet and Redis's command table: a row declares which
 * roles may send the frame and what must be true first, so handlers do not
 * re-check it by hand. */
#ifndef HILO_DISPATCH_H
#define HILO_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

struct hilo_conn;
struct json_t;

/* Handles one frame (msg and req borrowed until it returns). Returns 0, or
 * -HILO_E* for an error the dispatcher reports; an error found later, in a
 * callback, the handler's operation reports itself. */
typedef int (*hilo_frame_handler)(struct hilo_conn *c, struct json_t *msg, const char *req);

/* roles: a mask of enum hilo_role values (server.h). */
#define HILO_FT_CUSTOMER 1u
#define HILO_FT_AGENT 2u
/* flags */
#define HILO_FT_READY 1u     /* after hello (customer) or authentication (agent) */
#define HILO_FT_CLIENT_ID 2u /* errors echo the frame's client_id */

struct hilo_frame_type {
    const char *type;
    uint8_t roles;
    uint8_t flags;
    hilo_frame_handler fn;
};

/* The row of tab for this type and role, or NULL. */
const struct hilo_frame_type *hilo_dispatch_find(const struct hilo_frame_type *tab, size_t n,
                                                 const char *type, int role);

/* Runs one frame through tab: defers it while the connection is busy, ends
 * an agent's expired session (4401), refuses unknown types and frames that
 * need hello/auth first, calls the handler, and sends the error frame for a
 * negative return. hilo_dispatch_frame is this with the hub's own table. */
void hilo_dispatch_run(struct hilo_conn *c, const struct hilo_frame_type *tab, size_t n,
                       struct json_t *msg, const char *type, const char *req);

#endif
