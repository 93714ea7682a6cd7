/* HTTP(S) and SMTP requests with libcurl's multi-socket interface on the
 * libuv loop (curl's docs/examples/multi-uv.c): nothing blocks. */
#ifndef HILO_FETCH_H
#define HILO_FETCH_H

#include <stddef.h>
#include <uv.h>

struct hilo_fetch;

struct hilo_fetch_req {
    const char *method;               /* "GET", "POST"; ignored for smtp:// */
    const char *url;
    const char *const *headers;       /* NULL-terminated "Name: value" list, or NULL */
    const char *body;                 /* request body / the RFC 5322 message for SMTP */
    size_t body_len;
    const char *username, *password;  /* Basic auth / SMTP AUTH, or NULL */
    const char *mail_from;            /* SMTP envelope sender */
    const char *mail_rcpt;            /* SMTP recipient */
    long timeout_ms;
    size_t max_response; /* bytes of response body accepted; 0: 1 MiB */
    /* Streaming (optional). With sink set, the body is not collected into
     * res->body: head runs once before the first body byte with the HTTP
     * status and the Content-Length (-1: not given) and returns 0, or -1
     * to abort; then sink gets the body as it arrives and returns 0 (taken),
     * 1 (not taken now: the transfer pauses and the same bytes come again
     * after hilo_fetch_resume) or -1 (abort). Both get the cb's data. An
     * aborted transfer ends with cb and ok = 0; max_response still caps
     * the total. */
    int (*head)(void *data, long status, long long length);
    int (*sink)(void *data, const char *p, size_t n);
};

struct hilo_fetch_res {
    int ok;                  /* the exchange completed (any HTTP status) */
    const char *error;       /* curl's reason when !ok */
    long status;             /* HTTP status, or SMTP final response code */
    const char *body;        /* response body (NUL-terminated), borrowed */
    size_t body_len;
    long retry_after_s;      /* Retry-After in seconds, or -1 */
    int sent;                /* !ok only: the request had gone out (HTTP: its
                              * head was written) when it failed, so the peer
                              * may have acted on it: the outcome is unknown */
};

/* res is borrowed until the callback returns. */
typedef void (*hilo_fetch_cb)(const struct hilo_fetch_res *res, void *data);

struct hilo_fetch *hilo_fetch_new(uv_loop_t *loop);
/* smtp:// requires STARTTLS unless plain SMTP is allowed (off by default):
 * credentials and mail never cross the network in clear by accident. */
void hilo_fetch_allow_plain_smtp(struct hilo_fetch *f, int allow);
/* Async rule: 0 and cb runs once, or an error and cb never runs. The
 * request's strings are copied. */
int hilo_fetch_start(struct hilo_fetch *f, const struct hilo_fetch_req *req, hilo_fetch_cb cb,
                     void *data);
/* Resumes the paused streaming transfer whose cb data is data (its sink
 * may run before this returns); nothing when there is none. */
void hilo_fetch_resume(struct hilo_fetch *f, void *data);
/* Requests in flight. */
int hilo_fetch_active(const struct hilo_fetch *f);
/* Aborts what is in flight (callbacks run with ok = 0), closes the handles,
 * frees f, then done(data). */
void hilo_fetch_close(struct hilo_fetch *f, void (*done)(void *), void *data);

#endif
