/* A WebSocket connection as the transport sees it (src/net/conn.c): the
 * socket, the receive buffer, the send queue and the close handshake. What
 * its frames mean is the domain's business: net hands every complete text
 * frame to the subprotocol's ops (net.h, struct hilo_ws_ops) and keeps the
 * session those ops made next to the connection, opaque. */
#ifndef HILO_CONN_H
#define HILO_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "hilo/reap.h"

struct lws;
struct hilo_net;
struct hilo_server;
struct hilo_ws_ops;

/* A frame ready to send, shared by all its recipients (refcounted). The
 * payload starts at buf + LWS_PRE so lws can write the header in front. */
struct hilo_frame {
    uint32_t refs;
    uint32_t len;
    unsigned char buf[];
};

struct hilo_frame *hilo_frame_new(const char *data, size_t len);
void hilo_frame_unref(struct hilo_frame *f);
unsigned char *hilo_frame_data(struct hilo_frame *f);

struct hilo_qnode {
    struct hilo_qnode *next;
    struct hilo_frame *f;
};

/* One WebSocket connection. Owned by the net; lws's per-session data points
 * at it from ESTABLISHED to CLOSED. Async operations hold a reference so a
 * reply that arrives after the socket closed finds wsi == NULL. The last
 * reference frees it, and its session (ops->free), at the end of the loop
 * turn (reap.h), so code may still read both after dropping its own
 * reference, until it returns. */
struct hilo_conn {
    struct lws *wsi;           /* NULL once the socket is gone */
    struct hilo_net *net;
    /* The domain's, set by its open hook; net never reads it. Kept here
     * while the domain's files still say c->srv (to move into the session). */
    struct hilo_server *srv;
    uint32_t refs;
    uint32_t serial;
    uint8_t closing;
    uint8_t close_sent;
    uint16_t close_code;
    /* receive */
    char *rx;
    uint32_t rx_len;
    uint32_t rx_total;   /* bytes of the current message, kept or not */
    /* send */
    struct hilo_qnode *q_head, *q_tail;
    uint32_t q_len;
    struct hilo_conn *all_prev, *all_next; /* every connection of the net */
    struct hilo_reap_node reap;
    /* The subprotocol's hooks and the session its open hook returned. */
    const struct hilo_ws_ops *ops;
    void *session;
    char ip[48];               /* the client's address (as the net trusts it), for logs */
};

void hilo_conn_ref(struct hilo_conn *c);
void hilo_conn_unref(struct hilo_conn *c);
/* Queues a frame (takes a reference). Cuts off a client whose queue is full. */
void hilo_conn_send(struct hilo_conn *c, struct hilo_frame *f);
void hilo_conn_send_buf(struct hilo_conn *c, const char *data, size_t len);
/* Sends {"type":"error",...} (err: -HILO_E*) with optional req and client_id. */
void hilo_conn_error(struct hilo_conn *c, int err, const char *req, const char *client_id);
/* Asks for the socket to be closed once queued frames are written. */
void hilo_conn_close(struct hilo_conn *c, int code);

#endif
