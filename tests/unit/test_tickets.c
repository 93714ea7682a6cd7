/* The one write path (src/domain/tickets.c) without Redis: the checks and
 * the typed ops built from a request, then the transaction each write sends
 * (the client's calls, the pool and the outbox are wrapped at link time)
 * and the result it makes of the EXEC reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/keys.h"
#include "hilo/redis.h"
#include "hilo/scripts.h"
#include "hilo/server.h"
#include "hilo/tickets.h"

const char *__wrap_hilo_scripts_sha(enum hilo_script sc);
const char *__wrap_hilo_scripts_sha(enum hilo_script sc)
{
    (void)sc;
    return "0123456789012345678901234567890123456789";
}

/* ---- a fake Redis: each command is kept as "argv[0] argv[1] ..." ---- */

static char cmds[64][400];
static char whole[64][2048];
static int ncmds, ready = 1, webhooks, outbox_entries, refs_left = 1;
static hilo_redis_cb exec_cb;
static void *exec_data;

int __wrap_hilo_redis_cmdargv(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                              const char **argv, const size_t *lens);
int __wrap_hilo_redis_cmdargv(struct hilo_redis *r, hilo_redis_cb cb, void *data, int argc,
                              const char **argv, const size_t *lens)
{
    (void)r;
    (void)lens;
    if (!ready)
        return -HILO_EUNAVAIL;
    assert_true(ncmds < 64);
    char *w = whole[ncmds];
    char *p = cmds[ncmds++];
    p[0] = '\0';
    w[0] = '\0';
    /* every argument, '|'-separated, for the script's own arguments */
    for (int i = 0; i < argc; i++) {
        strncat(w, "|", sizeof whole[0] - strlen(w) - 1);
        strncat(w, argv[i], sizeof whole[0] - strlen(w) - 1);
    }
    strncat(w, "|", sizeof whole[0] - strlen(w) - 1);
    /* the EVALSHA's first key names the script's target enough */
    for (int i = 0; i < argc && i < 5; i++) {
        if (i)
            strcat(p, " ");
        strncat(p, argv[i], 60);
    }
    if (cb) {
        exec_cb = cb;
        exec_data = data;
    }
    return 0;
}

int __wrap_hilo_refpool_take(struct hilo_server *s, char out[HILO_REF_MAX]);
int __wrap_hilo_refpool_take(struct hilo_server *s, char out[HILO_REF_MAX])
{
    (void)s;
    if (!refs_left)
        return -1;
    refs_left--;
    snprintf(out, HILO_REF_MAX, "%s", "K7Q2M4");
    return 0;
}

int __wrap_hilo_outbox_add_webhook(struct hilo_outbox *o, const char *ref);
int __wrap_hilo_outbox_add_webhook(struct hilo_outbox *o, const char *ref)
{
    (void)o;
    (void)ref;
    webhooks++;
    return 0;
}

int __wrap_hilo_outbox_add(struct hilo_outbox *o, json_t *entry);
int __wrap_hilo_outbox_add(struct hilo_outbox *o, json_t *entry)
{
    (void)o;
    (void)entry;
    outbox_entries++;
    return 0;
}

/* An EVALSHA whose keys include `key` and whose arguments include `arg`:
 * the write's script moves the index itself, only when the write is done. */
static int script_has(const char *key, const char *arg)
{
    char k[200], a[64];
    snprintf(k, sizeof k, "|%s|", key);
    snprintf(a, sizeof a, "|%s|", arg);
    for (int i = 0; i < ncmds; i++)
        if (strncmp(whole[i], "|EVALSHA|", 9) == 0 && strstr(whole[i], k) && strstr(whole[i], a))
            return 1;
    return 0;
}

static int has(const char *prefix)
{
    for (int i = 0; i < ncmds; i++)
        if (strncmp(cmds[i], prefix, strlen(prefix)) == 0)
            return 1;
    return 0;
}

/* ---- the result a write hands back ---- */

static struct {
    int calls, err, dup;
    char ref[HILO_REF_MAX], event[40], ack_event[40], ack_text[600], status[16];
} got;

static void on_result(const struct hilo_ticket_result *res, void *data)
{
    (void)data;
    got.calls++;
    got.err = res->err;
    got.dup = res->duplicate;
    snprintf(got.ref, sizeof got.ref, "%s", res->ref ? res->ref : "");
    snprintf(got.event, sizeof got.event, "%s", res->event_id ? res->event_id : "");
    snprintf(got.ack_event, sizeof got.ack_event, "%s", res->ack_event_id ? res->ack_event_id : "");
    snprintf(got.ack_text, sizeof got.ack_text, "%s", res->ack_text ? res->ack_text : "");
    snprintf(got.status, sizeof got.status, "%s", res->status ? res->status : "");
}

static struct hilo_server srv;
static struct hilo_config cfg;
static char active[128], timers[128];

static int setup(void **state)
{
    (void)state;
    memset(&srv, 0, sizeof srv);
    hilo_config_init(&cfg); /* every option at its default, as the server has them */
    memset(&got, 0, sizeof got);
    cfg.ack_eta_minutes = 5;
    srv.cfg = &cfg;
    srv.redis = (struct hilo_redis *)&srv; /* never dereferenced: wrapped */
    snprintf(srv.events_channel, sizeof srv.events_channel, "%s", "hilo:events");
    ncmds = webhooks = outbox_entries = 0;
    ready = refs_left = 1;
    exec_cb = NULL;
    if (hilo_keys_init("hilo") < 0)
        return -1;
    hilo_key(active, sizeof active, HILO_K_IDX_ACTIVE, NULL);
    hilo_key(timers, sizeof timers, HILO_K_TIMERS, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hilo_keys_deinit();
    hilo_config_deinit(&cfg);
    return 0;
}

/* ---- the pure part ---- */

static struct hilo_ticket_create a_create(void)
{
    return (struct hilo_ticket_create){
        .channel = "web", .text = "hello", .dedupe = "c:c1:m1", .client_id = "m1",
        .locale = "en", .customer = {.id = "c1", .name = "Ann"},
    };
}

static void create_check_refuses_incomplete_requests(void **state)
{
    (void)state;
    struct hilo_ticket_create r = a_create();
    assert_int_equal(hilo_tickets_create_check(&r), 0);
    r.text = "";
    assert_int_equal(hilo_tickets_create_check(&r), -HILO_EBADFRAME);
    r = a_create();
    r.customer.id = NULL;
    assert_int_equal(hilo_tickets_create_check(&r), -HILO_EBADFRAME);
    r = a_create();
    r.channel = NULL;
    assert_int_equal(hilo_tickets_create_check(&r), -HILO_EBADFRAME);
    r = a_create();
    r.dedupe = "";
    assert_int_equal(hilo_tickets_create_check(&r), -HILO_EBADFRAME);
    r = a_create();
    r.nfields = 1; /* field, value pairs */
    assert_int_equal(hilo_tickets_create_check(&r), -HILO_EBADFRAME);
    r.nfields = HILO_TICKETS_MAX_FIELDS + 2;
    assert_int_equal(hilo_tickets_create_check(&r), -HILO_EBADFRAME);
    r = a_create();
    r.kind = "note";
    assert_int_equal(hilo_tickets_create_check(&r), -HILO_EBADFRAME);
    r.kind = "call";
    assert_int_equal(hilo_tickets_create_check(&r), 0);
    assert_int_equal(hilo_tickets_create_check(NULL), -HILO_EBADFRAME);
}

static void create_op_takes_the_request(void **state)
{
    (void)state;
    struct hilo_ticket_create r = a_create();
    struct hilo_store_create op;
    r.fields[0] = "addr:whatsapp";
    r.fields[1] = "+15550001";
    r.nfields = 2;
    hilo_tickets_create_op(&r, "chan", "K7Q2M4", "Thanks", 5, "", &op);
    assert_string_equal(op.chan, "chan");
    assert_string_equal(op.ref, "K7Q2M4");
    assert_string_equal(op.customer, "c1");
    assert_string_equal(op.name, "Ann"); /* the ticket's name is the customer's */
    assert_string_equal(op.channel, "web");
    assert_string_equal(op.dedupe, "c:c1:m1");
    assert_string_equal(op.ack_text, "Thanks");
    assert_string_equal(op.kind, "message"); /* the default */
    assert_int_equal(op.eta_minutes, 5);
    assert_int_equal(op.nfields, 2);
    assert_string_equal(op.fields[1], "+15550001");
}

static struct hilo_ticket_append an_append(enum hilo_append_op kind)
{
    return (struct hilo_ticket_append){
        .ref = "K7Q2M4", .op = kind, .channel = "web", .role = "customer", .author_id = "c1",
        .text = "again", .dedupe = "c:c1:m2", .client_id = "m2", .customer = "c1",
    };
}

static void append_op_checks_and_builds(void **state)
{
    (void)state;
    struct hilo_ticket_append r = an_append(HILO_APPEND_MESSAGE);
    struct hilo_store_append op;
    assert_int_equal(hilo_tickets_append_op(&r, "chan", &op), 0);
    assert_string_equal(op.ref, "K7Q2M4");
    assert_int_equal(op.op, HILO_APPEND_MESSAGE);
    assert_string_equal(op.customer, "c1");
    assert_string_equal(op.chan, "chan");
    r.op = (enum hilo_append_op)42;
    assert_int_equal(hilo_tickets_append_op(&r, "chan", &op), -HILO_EBADFRAME);
    r = an_append(HILO_APPEND_REPLY);
    r.ref = "";
    assert_int_equal(hilo_tickets_append_op(&r, "chan", &op), -HILO_EBADFRAME);
    r = an_append(HILO_APPEND_REPLY);
    r.text = NULL;
    assert_int_equal(hilo_tickets_append_op(&r, "chan", &op), -HILO_EBADFRAME);
    r = an_append(HILO_APPEND_REPLY);
    r.role = NULL;
    assert_int_equal(hilo_tickets_append_op(&r, "chan", &op), -HILO_EBADFRAME);
    r = an_append(HILO_APPEND_REPLY);
    r.nfields = 2; /* without the fields */
    assert_int_equal(hilo_tickets_append_op(&r, "chan", &op), -HILO_EBADFRAME);
}

static void set_op_checks_values(void **state)
{
    (void)state;
    struct hilo_ticket_set r = {.ref = "K7Q2M4", .value = "pending", .follow_up_ms = 99};
    struct hilo_store_set op;
    assert_int_equal(hilo_tickets_set_op(&r, HILO_SET_STATUS, "chan", &op), 0);
    assert_int_equal(op.op, HILO_SET_STATUS);
    assert_int_equal(op.follow_up_ms, 99);
    r.value = "open"; /* a follow-up only with pending */
    assert_int_equal(hilo_tickets_set_op(&r, HILO_SET_STATUS, "chan", &op), -HILO_EBADFRAME);
    r.follow_up_ms = 0;
    assert_int_equal(hilo_tickets_set_op(&r, HILO_SET_STATUS, "chan", &op), 0);
    r.value = "resolved"; /* resolve is a reply, not a status */
    assert_int_equal(hilo_tickets_set_op(&r, HILO_SET_STATUS, "chan", &op), -HILO_EBADFRAME);
    r.value = ""; /* unassign */
    assert_int_equal(hilo_tickets_set_op(&r, HILO_SET_ASSIGN, "chan", &op), 0);
    r.value = NULL;
    assert_int_equal(hilo_tickets_set_op(&r, HILO_SET_ASSIGN, "chan", &op), -HILO_EBADFRAME);
    r.value = "ann";
    assert_int_equal(hilo_tickets_set_op(&r, HILO_SET_FOLLOWUP, "chan", &op), -HILO_EBADFRAME);
}

static void queue_index_follows_the_write(void **state)
{
    (void)state;
    assert_int_equal(hilo_tickets_index_after_append(HILO_APPEND_MESSAGE), HILO_TICKETS_INDEX_ADD);
    assert_int_equal(hilo_tickets_index_after_append(HILO_APPEND_RESOLVE),
                     HILO_TICKETS_INDEX_REMOVE);
    assert_int_equal(hilo_tickets_index_after_append(HILO_APPEND_REPLY), HILO_TICKETS_INDEX_KEEP);
    assert_int_equal(hilo_tickets_index_after_append(HILO_APPEND_CALL), HILO_TICKETS_INDEX_KEEP);
    assert_int_equal(hilo_tickets_index_after_set(HILO_SET_STATUS, "closed"),
                     HILO_TICKETS_INDEX_REMOVE);
    assert_int_equal(hilo_tickets_index_after_set(HILO_SET_STATUS, "pending"),
                     HILO_TICKETS_INDEX_ADD);
    assert_int_equal(hilo_tickets_index_after_set(HILO_SET_ASSIGN, "ann"), HILO_TICKETS_INDEX_KEEP);
}

/* ---- the transactions ---- */

/* EXEC's reply: the script's (ids, or an error) first, then n OKs. */
static void answer_exec(redisReply *script, int n)
{
    redisReply ok = {.type = REDIS_REPLY_STATUS, .str = "OK", .len = 2};
    redisReply *el[16] = {script};
    for (int i = 1; i <= n; i++)
        el[i] = &ok;
    redisReply exec = {.type = REDIS_REPLY_ARRAY, .elements = (size_t)n + 1, .element = el};
    assert_non_null(exec_cb);
    hilo_redis_cb cb0 = exec_cb;
    void *d0 = exec_data;
    exec_cb(&exec, exec_data);
    /* a read the write started (the customer's status notice, notify.c):
     * answered as if Redis went away, so it frees what it holds */
    if (exec_cb != cb0 || exec_data != d0)
        exec_cb(NULL, exec_data);
}

static void answer_append(const char *id, int dup, const char *status, int n)
{
    redisReply e0 = {.type = REDIS_REPLY_STRING, .str = (char *)id, .len = strlen(id)};
    redisReply e1 = {.type = REDIS_REPLY_INTEGER, .integer = dup};
    redisReply e2 = {.type = REDIS_REPLY_STRING, .str = (char *)status, .len = strlen(status)};
    redisReply *el[] = {&e0, &e1, &e2};
    redisReply r = {.type = REDIS_REPLY_ARRAY, .elements = 3, .element = el};
    answer_exec(&r, n);
}

static void a_message_reopens_and_is_listed(void **state)
{
    (void)state;
    char zadd[200];
    struct hilo_ticket_append r = an_append(HILO_APPEND_MESSAGE);
    assert_int_equal(hilo_tickets_append(&srv, &r, on_result, NULL), 0);
    assert_string_equal(cmds[0], "MULTI");
    assert_true(strncmp(cmds[1], "EVALSHA", 7) == 0);
    snprintf(zadd, sizeof zadd, "ZADD %s NX", active);
    assert_false(has(zadd)); /* not in the block: a refused append must not list it */
    assert_true(script_has(active, "add"));
    assert_string_equal(cmds[ncmds - 1], "EXEC");
    assert_int_equal(webhooks, 1); /* in the same block */
    assert_int_equal(got.calls, 0);
    answer_append("1-0", 0, "open", 2);
    assert_int_equal(got.calls, 1);
    assert_int_equal(got.err, 0);
    assert_string_equal(got.event, "1-0");
    assert_string_equal(got.status, "open");
    assert_int_equal(got.dup, 0);
}

static void a_resolve_leaves_the_queue_and_a_reply_queues_its_delivery(void **state)
{
    (void)state;
    char zrem[200];
    struct hilo_ticket_append r = an_append(HILO_APPEND_RESOLVE);
    json_t *entry = json_object();
    r.role = "agent";
    r.entry = entry;
    assert_int_equal(hilo_tickets_append(&srv, &r, on_result, NULL), 0);
    snprintf(zrem, sizeof zrem, "ZREM %s K7Q2M4", active);
    assert_false(has(zrem));
    assert_true(script_has(active, "rem"));
    assert_int_equal(outbox_entries, 1);
    answer_append("2-0", 1, "resolved", 2);
    assert_int_equal(got.dup, 1);
    json_decref(entry);
}

static void a_refused_append_reports_the_scripts_error(void **state)
{
    (void)state;
    struct hilo_ticket_append r = an_append(HILO_APPEND_MESSAGE);
    redisReply err = {.type = REDIS_REPLY_ERROR, .str = "HILO closed", .len = 11};
    assert_int_equal(hilo_tickets_append(&srv, &r, on_result, NULL), 0);
    answer_exec(&err, 2);
    assert_int_equal(got.calls, 1);
    assert_int_equal(got.err, -HILO_EBADSTATE);
    assert_string_equal(got.ref, "K7Q2M4");
}

static void nothing_sent_no_callback(void **state)
{
    (void)state;
    struct hilo_ticket_append r = an_append(HILO_APPEND_REPLY);
    ready = 0;
    assert_int_equal(hilo_tickets_append(&srv, &r, on_result, NULL), -HILO_EUNAVAIL);
    r.text = "";
    assert_int_equal(hilo_tickets_append(&srv, &r, on_result, NULL), -HILO_EBADFRAME);
    assert_int_equal(got.calls, 0);
}

static void an_append_links_the_sender(void **state)
{
    (void)state;
    char set[300], ik[200];
    struct hilo_ticket_customer link = {.id = "c9", .identities = {"phone:+1555"}};
    struct hilo_ticket_append r = an_append(HILO_APPEND_CALL);
    r.link = &link;
    assert_int_equal(hilo_tickets_append(&srv, &r, on_result, NULL), 0);
    hilo_key(ik, sizeof ik, HILO_K_IDENT, "phone:+1555");
    snprintf(set, sizeof set, "SET %s c9 NX", ik); /* unless it is someone's */
    assert_true(has(set));
    char z[200];
    snprintf(z, sizeof z, "ZADD %s", active);
    assert_false(has(z)); /* a call does not reopen */
    assert_false(script_has(active, "add"));
    answer_append("3-0", 0, "open", 4);
    assert_int_equal(got.err, 0);
}

static int before_calls;
static char before_ref[HILO_REF_MAX];
static int before(const char *ref, void *data)
{
    (void)data;
    before_calls++;
    snprintf(before_ref, sizeof before_ref, "%s", ref);
    return 0;
}

static int refuse(const char *ref, void *data)
{
    (void)ref;
    (void)data;
    return -HILO_EUNAVAIL;
}

static void create_takes_a_reference_and_writes_once(void **state)
{
    (void)state;
    char all[200];
    struct hilo_ticket_create r = a_create();
    char text[] = "hello";
    r.text = text;
    r.customer.email = "Ann@Example.com";
    r.customer.identities[0] = "web:abc";
    r.before = before;
    before_calls = 0;
    assert_int_equal(hilo_tickets_create(&srv, &r, on_result, NULL), 0);
    text[0] = 'X'; /* the request was copied */
    assert_int_equal(before_calls, 1);
    assert_string_equal(before_ref, "K7Q2M4");
    assert_string_equal(cmds[0], "MULTI");
    hilo_key(all, sizeof all, HILO_K_IDX_ALL, NULL);
    strcat(all, " NX");
    assert_true(has("ZADD") && strstr(cmds[3], all));
    assert_true(has("SADD"));
    assert_int_equal(webhooks, 1);
    assert_string_equal(cmds[ncmds - 1], "EXEC");
    redisReply e0 = {.type = REDIS_REPLY_STRING, .str = "5-0", .len = 3};
    redisReply e1 = {.type = REDIS_REPLY_STRING, .str = "5-1", .len = 3};
    redisReply *el[] = {&e0, &e1};
    redisReply ids = {.type = REDIS_REPLY_ARRAY, .elements = 2, .element = el};
    answer_exec(&ids, ncmds - 3); /* MULTI, the script, EXEC */
    assert_int_equal(got.calls, 1);
    assert_int_equal(got.err, 0);
    assert_string_equal(got.ref, "K7Q2M4");
    assert_string_equal(got.event, "5-0");
    assert_string_equal(got.ack_event, "5-1");
    assert_non_null(strstr(got.ack_text, "K7Q2M4"));
}

static void create_cancelled_before_the_write(void **state)
{
    (void)state;
    struct hilo_ticket_create r = a_create();
    r.before = refuse;
    assert_int_equal(hilo_tickets_create(&srv, &r, on_result, NULL), 0);
    assert_int_equal(ncmds, 0);
    assert_int_equal(got.calls, 1);
    assert_int_equal(got.err, -HILO_EUNAVAIL);
}

static void status_pending_sets_the_follow_up(void **state)
{
    (void)state;
    char z[200];
    struct hilo_ticket_set r = {.ref = "K7Q2M4", .value = "pending", .author_id = "ann",
                                .follow_up_ms = 1234};
    assert_int_equal(hilo_tickets_set_status(&srv, &r, on_result, NULL), 0);
    snprintf(z, sizeof z, "ZADD %s 1234 followup:K7Q2M4", timers);
    assert_true(has(z));
    snprintf(z, sizeof z, "ZADD %s NX", active);
    assert_false(has(z));
    assert_true(script_has(active, "add"));
    redisReply e0 = {.type = REDIS_REPLY_STRING, .str = "6-0", .len = 3};
    redisReply e1 = {.type = REDIS_REPLY_STRING, .str = "pending", .len = 7};
    redisReply *el[] = {&e0, &e1};
    redisReply res = {.type = REDIS_REPLY_ARRAY, .elements = 2, .element = el};
    answer_exec(&res, 3);
    assert_int_equal(got.err, 0);
    assert_string_equal(got.status, "pending");
    assert_string_equal(got.event, "6-0");
}

static void closing_leaves_the_queue(void **state)
{
    (void)state;
    char z[200];
    struct hilo_ticket_set r = {.ref = "K7Q2M4", .value = "closed"};
    assert_int_equal(hilo_tickets_set_status(&srv, &r, on_result, NULL), 0);
    snprintf(z, sizeof z, "ZREM %s K7Q2M4", active);
    assert_false(has(z));
    assert_true(script_has(active, "rem"));
    exec_cb(NULL, exec_data); /* Redis went away */
    assert_int_equal(got.calls, 1);
    assert_int_equal(got.err, -HILO_EUNAVAIL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_check_refuses_incomplete_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(create_op_takes_the_request, setup, teardown),
        cmocka_unit_test_setup_teardown(append_op_checks_and_builds, setup, teardown),
        cmocka_unit_test_setup_teardown(set_op_checks_values, setup, teardown),
        cmocka_unit_test_setup_teardown(queue_index_follows_the_write, setup, teardown),
        cmocka_unit_test_setup_teardown(a_message_reopens_and_is_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(a_resolve_leaves_the_queue_and_a_reply_queues_its_delivery,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_refused_append_reports_the_scripts_error, setup, teardown),
        cmocka_unit_test_setup_teardown(nothing_sent_no_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(an_append_links_the_sender, setup, teardown),
        cmocka_unit_test_setup_teardown(create_takes_a_reference_and_writes_once, setup, teardown),
        cmocka_unit_test_setup_teardown(create_cancelled_before_the_write, setup, teardown),
        cmocka_unit_test_setup_teardown(status_pending_sets_the_follow_up, setup, teardown),
        cmocka_unit_test_setup_teardown(closing_leaves_the_queue, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
