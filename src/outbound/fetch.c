#include "hilo/fetch.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hilo/buf.h"
#include "hilo/log.h"

#define MAX_RESPONSE (1 << 20)

struct job;

struct hilo_fetch {
    uv_loop_t *loop;
    struct job *jobs; /* in flight (curl 7.88 cannot list its handles) */
    CURLM *multi;
    uv_timer_t timer;
    int active;
    int closing;
    int handles; /* uv handles still open */
    int plain_smtp; /* 1: smtp:// may go without STARTTLS */
    void (*done)(void *);
    void *done_data;
};

struct sock {
    uv_poll_t poll;
    curl_socket_t fd;
    struct hilo_fetch *f;
};

struct job {
    struct job *prev, *next;
    struct hilo_fetch *f;
    CURL *easy;
    struct curl_slist *headers, *rcpt;
    hilo_fetch_cb cb;
    void *data;
    char *body;
    size_t body_len, body_off;
    struct hilo_buf resp;
    long retry_after;
    char err[CURL_ERROR_SIZE];
    /* streaming (hilo_fetch_req.sink) */
    int (*head)(void *data, long status, long long length);
    int (*sink)(void *data, const char *p, size_t n);
    int headed;
    size_t got, max;
};

static void check_done(struct hilo_fetch *f);

static void finish(struct job *j, int ok, const char *why)
{
    struct hilo_fetch_res res;
    long status = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
    res.ok = ok;
    res.error = why;
    res.status = status;
    res.body = j->resp.p ? j->resp.p : "";
    res.body_len = j->resp.len;
    res.retry_after_s = j->retry_after;
    res.sent = 0;
    if (!ok) {
        long req_size = 0;
        curl_easy_getinfo(j->easy, CURLINFO_REQUEST_SIZE, &req_size);
        res.sent = req_size > 0 || j->body_off > 0;
    }
    j->cb(&res, j->data);
    curl_multi_remove_handle(j->f->multi, j->easy);
    curl_easy_cleanup(j->easy);
    curl_slist_free_all(j->headers);
    curl_slist_free_all(j->rcpt);
    hilo_buf_deinit(&j->resp);
    free(j->body);
    if (j->prev)
        j->prev->next = j->next;
    else
        j->f->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    j->f->active--;
    free(j);
}

static void check_done(struct hilo_fetch *f)
{
    CURLMsg *msg;
    int pending;
    while ((msg = curl_multi_info_read(f->multi, &pending))) {
        struct job *j = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        CURLcode rc = msg->data.result;
        finish(j, rc == CURLE_OK, rc == CURLE_OK ? NULL : (j->err[0] ? j->err : curl_easy_strerror(rc)));
    }
}

static void sock_closed(uv_handle_t *h)
{
    struct sock *s = h->data;
    free(s);
}

static void poll_cb(uv_poll_t *p, int status, int events)
{
    struct sock *s = p->data;
    int running, flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(s->f->multi, s->fd, flags, &running);
    check_done(s->f);
}

static int socket_cb(CURL *e, curl_socket_t fd, int action, void *userp, void *socketp)
{
    struct hilo_fetch *f = userp;
    struct sock *s = socketp;
    (void)e;
    if (action == CURL_POLL_REMOVE) {
        if (s) {
            uv_poll_stop(&s->poll);
            uv_close((uv_handle_t *)&s->poll, sock_closed);
            curl_multi_assign(f->multi, fd, NULL);
        }
        return 0;
    }
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return -1;
        s->fd = fd;
        s->f = f;
        if (uv_poll_init_socket(f->loop, &s->poll, fd) < 0) {
            free(s);
            return -1;
        }
        s->poll.data = s;
        curl_multi_assign(f->multi, fd, s);
    }
    int events = 0;
    if (action != CURL_POLL_OUT)
        events |= UV_READABLE;
    if (action != CURL_POLL_IN)
        events |= UV_WRITABLE;
    uv_poll_start(&s->poll, events, poll_cb);
    return 0;
}

static void timeout_cb(uv_timer_t *t)
{
    struct hilo_fetch *f = t->data;
    int running;
    curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(f);
}

static int timer_cb(CURLM *multi, long ms, void *userp)
{
    struct hilo_fetch *f = userp;
    (void)multi;
    if (ms < 0)
        uv_timer_stop(&f->timer);
    else
        uv_timer_start(&f->timer, timeout_cb, (uint64_t)ms, 0);
    return 0;
}

/* The streaming half of write_cb: the sink takes the bytes, or pauses. */
static size_t write_sink(struct job *j, char *ptr, size_t len)
{
    int rc;
    if (!j->headed) {
        long status = 0;
        curl_off_t cl = -1;
        curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(j->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        j->headed = 1;
        if (j->head && j->head(j->data, status, (long long)cl) < 0)
            return 0;
    }
    if (len > j->max - j->got)
        return 0; /* over max_response: the transfer fails */
    rc = j->sink(j->data, ptr, len);
    if (rc < 0)
        return 0;
    if (rc > 0)
        return CURL_WRITEFUNC_PAUSE; /* curl keeps these bytes for later */
    j->got += len;
    return len;
}

static size_t write_cb(char *ptr, size_t size, size_t n, void *userp)
{
    struct job *j = userp;
    if (j->sink)
        return write_sink(j, ptr, size * n);
    if (hilo_buf_add(&j->resp, ptr, size * n) < 0)
        return 0; /* a response larger than we accept fails the transfer */
    return size * n;
}

static size_t read_cb(char *buf, size_t size, size_t n, void *userp)
{
    struct job *j = userp;
    size_t left = j->body_len - j->body_off, take = size * n < left ? size * n : left;
    memcpy(buf, j->body + j->body_off, take);
    j->body_off += take;
    return take;
}

static size_t header_cb(char *buf, size_t size, size_t n, void *userp)
{
    struct job *j = userp;
    size_t len = size * n;
    if (len > 12 && strncasecmp(buf, "retry-after:", 12) == 0) {
        char tmp[32];
        size_t k = len - 12 < sizeof tmp - 1 ? len - 12 : sizeof tmp - 1;
        memcpy(tmp, buf + 12, k);
        tmp[k] = '\0';
        char *end;
        long v = strtol(tmp, &end, 10);
        if (end != tmp && v >= 0)
            j->retry_after = v; /* seconds; an HTTP date is not honoured */
    }
    return len;
}

struct hilo_fetch *hilo_fetch_new(uv_loop_t *loop)
{
    struct hilo_fetch *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->loop = loop;
    f->multi = curl_multi_init();
    if (!f->multi) {
        free(f);
        return NULL;
    }
    uv_timer_init(loop, &f->timer);
    f->timer.data = f;
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    return f;
}

void hilo_fetch_allow_plain_smtp(struct hilo_fetch *f, int allow)
{
    f->plain_smtp = allow ? 1 : 0;
}

int hilo_fetch_start(struct hilo_fetch *f, const struct hilo_fetch_req *req, hilo_fetch_cb cb,
                     void *data)
{
    struct job *j;
    int smtp = strncmp(req->url, "smtp", 4) == 0;
    if (f->closing)
        return -1;
    j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->f = f;
    j->cb = cb;
    j->data = data;
    j->retry_after = -1;
    j->head = req->head;
    j->sink = req->sink;
    j->max = req->max_response ? req->max_response : MAX_RESPONSE;
    hilo_buf_init(&j->resp, req->max_response ? req->max_response : MAX_RESPONSE);
    j->easy = curl_easy_init();
    if (!j->easy)
        goto fail;
    if (req->body) {
        j->body = malloc(req->body_len + 1);
        if (!j->body)
            goto fail;
        memcpy(j->body, req->body, req->body_len);
        j->body_len = req->body_len;
    }
    for (const char *const *h = req->headers; h && *h; h++)
        j->headers = curl_slist_append(j->headers, *h);
    curl_easy_setopt(j->easy, CURLOPT_URL, req->url);
    curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
    curl_easy_setopt(j->easy, CURLOPT_ERRORBUFFER, j->err);
    curl_easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(j->easy, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 10000L);
    curl_easy_setopt(j->easy, CURLOPT_CONNECTTIMEOUT_MS,
                     req->timeout_ms > 0 && req->timeout_ms < 5000 ? req->timeout_ms : 5000L);
    curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(j->easy, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(j->easy, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(j->easy, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps");
    /* curl's defaults, stated: a peer's certificate must verify against the
     * system's CAs and name the host (tests/integration/38-tls.test.mjs) */
    curl_easy_setopt(j->easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(j->easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (req->username) {
        curl_easy_setopt(j->easy, CURLOPT_USERNAME, req->username);
        curl_easy_setopt(j->easy, CURLOPT_PASSWORD, req->password ? req->password : "");
    }
    if (smtp) {
        j->rcpt = curl_slist_append(NULL, req->mail_rcpt ? req->mail_rcpt : "");
        curl_easy_setopt(j->easy, CURLOPT_MAIL_FROM, req->mail_from ? req->mail_from : "");
        curl_easy_setopt(j->easy, CURLOPT_MAIL_RCPT, j->rcpt);
        curl_easy_setopt(j->easy, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(j->easy, CURLOPT_READDATA, j);
        curl_easy_setopt(j->easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(j->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->body_len);
        /* STARTTLS is required (curl refuses before AUTH when the server
         * does not offer it) unless plain SMTP was allowed; smtps:// is TLS
         * from the start either way */
        curl_easy_setopt(j->easy, CURLOPT_USE_SSL,
                         (long)(f->plain_smtp ? CURLUSESSL_TRY : CURLUSESSL_ALL));
    } else {
        curl_easy_setopt(j->easy, CURLOPT_CUSTOMREQUEST, req->method ? req->method : "GET");
        if (j->body) {
            curl_easy_setopt(j->easy, CURLOPT_POSTFIELDS, j->body);
            curl_easy_setopt(j->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len);
        }
        if (j->headers)
            curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->headers);
    }
    if (curl_multi_add_handle(f->multi, j->easy) != CURLM_OK)
        goto fail;
    j->next = f->jobs;
    if (f->jobs)
        f->jobs->prev = j;
    f->jobs = j;
    f->active++;
    return 0;
fail:
    if (j->easy)
        curl_easy_cleanup(j->easy);
    curl_slist_free_all(j->headers);
    curl_slist_free_all(j->rcpt);
    hilo_buf_deinit(&j->resp);
    free(j->body);
    free(j);
    return -1;
}

void hilo_fetch_resume(struct hilo_fetch *f, void *data)
{
    for (struct job *j = f->jobs; j; j = j->next)
        if (j->sink && j->data == data) {
            /* curl expires the transfer at once: the loop's timer drives it */
            curl_easy_pause(j->easy, CURLPAUSE_CONT);
            return;
        }
}

int hilo_fetch_active(const struct hilo_fetch *f) { return f->active; }

static void timer_closed(uv_handle_t *h)
{
    struct hilo_fetch *f = h->data;
    void (*done)(void *) = f->done;
    void *data = f->done_data;
    curl_multi_cleanup(f->multi);
    free(f);
    if (done)
        done(data);
}

void hilo_fetch_close(struct hilo_fetch *f, void (*done)(void *), void *data)
{
    f->closing = 1;
    f->done = done;
    f->done_data = data;
    /* abort every transfer: its callback reports it as failed */
    while (f->jobs)
        finish(f->jobs, 0, "shutting down");
    uv_timer_stop(&f->timer);
    uv_close((uv_handle_t *)&f->timer, timer_closed);
}
