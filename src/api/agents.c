/* /api/v1/agents: list, create, edit and remove agents; new passwords
 * (hashed on the thread pool). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "hilo/agents.h"
#include "hilo/common.h"
#include "hilo/http.h"
#include "hilo/store_agents.h"

#include "internal.h"

/* ---- agents ------------------------------------------------------------------ */

static json_t *agent_json(const redisReply *h)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", "", "display", "", "role", "agent", "team", "");
    for (size_t i = 0; i + 1 < h->elements; i += 2) {
        const char *k = h->element[i]->str;
        if (strcmp(k, "name") == 0 || strcmp(k, "display") == 0 || strcmp(k, "role") == 0 ||
            strcmp(k, "team") == 0)
            json_object_set_new(o, k, json_string(h->element[i + 1]->str));
    }
    return o;
}

static int cmp_agent(const void *x, const void *y)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)x, "name")),
                  json_string_value(json_object_get(*(json_t *const *)y, "name")));
}

static void agents_list_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    size_t i = api_next_index(a);
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        a->failed = 1;
    else if (i < a->n && reply->elements)
        a->items[i] = agent_json(reply);
    if (--a->waiting)
        return;
    if (a->failed) {
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    } else {
        json_t **v = calloc(a->n + 1, sizeof *v);
        size_t k = 0;
        for (size_t j = 0; j < a->n; j++)
            if (a->items[j])
                v[k++] = a->items[j];
        qsort(v, k, sizeof *v, cmp_agent);
        json_t *list = json_array();
        for (size_t j = 0; j < k; j++)
            json_array_append(list, v[j]);
        free(v);
        hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "agents", list));
    }
    api_free(a);
}

static void agents_names_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (api_take_refs(a, reply) < 0) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    if (a->n == 0) {
        hilo_http_respond_json(a->r, 200, json_pack("{s:[]}", "agents"));
        api_free(a);
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (api_sent(a, hilo_store_agent_get(a->s->redis, a->refs[i], agents_list_cb, a)) < 0) {
            api_batch_broken(a, i);
            return;
        }
    }
}

/* A new password and its hash, made on the thread pool. Owned by the call
 * (a->job), freed with it; the password is wiped. */
struct pw_job {
    struct api *a;
    char password[21];
    char hash[crypto_pwhash_STRBYTES];
    uint64_t keep_exp; /* the caller's own session, kept: its expiry */
    uv_work_t work;
};

static void pw_job_free(void *p)
{
    sodium_memzero(p, sizeof(struct pw_job));
    free(p);
}

static void hash_work(uv_work_t *w)
{
    struct pw_job *j = w->data;
    if (crypto_pwhash_str(j->hash, j->password, strlen(j->password),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        j->hash[0] = '\0';
}

static void agent_written_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    int err = hilo_store_err(reply);
    if (err) {
        hilo_http_respond_error(a->r, err);
    } else if (json_object_get(a->body, "name")) {
        /* created */
        json_t *ag = json_pack("{s:O, s:O, s:O, s:O}", "name", json_object_get(a->body, "name"),
                               "display", json_object_get(a->body, "display"), "role",
                               json_object_get(a->body, "role"), "team",
                               json_object_get(a->body, "team"));
        hilo_http_respond_json(a->r, 201, json_pack("{s:o, s:s}", "agent", ag, "password",
                                                    ((struct pw_job *)a->job)->password));
    } else {
        /* the new epoch is in Redis: end every session of the agent (but
         * the caller's, when it changed its own password) */
        uint64_t keep = ((struct pw_job *)a->job)->keep_exp;
        hilo_agents_publish_revoke(a->s, a->name, keep, keep != 0);
        hilo_http_respond_json(a->r, 200, json_pack("{s:s}", "password",
                                                    ((struct pw_job *)a->job)->password));
    }
    api_free(a);
}

static void hash_after(uv_work_t *w, int status)
{
    struct pw_job *j = w->data;
    struct api *a = j->a;
    char epoch[33];
    struct hilo_tx tx;
    a->waiting--;
    if (status != 0 || !j->hash[0]) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    /* A new epoch ends the sessions of the old password (and, on create,
     * any left by an earlier agent of the same name). */
    hilo_agents_new_epoch(epoch);
    hilo_tx_begin(&tx, a->s->redis);
    if (json_object_get(a->body, "name")) {
        struct hilo_store_agent_set set = {
            .name = a->name, .create = 1, .created_at_ms = hilo_now_ms(),
            .display = json_string_value(json_object_get(a->body, "display")),
            .role = json_string_value(json_object_get(a->body, "role")),
            .team = json_string_value(json_object_get(a->body, "team")),
            .pwhash = j->hash, .epoch = epoch};
        hilo_tx_agent_set(&tx, &set);
        hilo_tx_agents_add(&tx, a->name);
    } else {
        struct hilo_store_agent_set set = {.name = a->name, .pwhash = j->hash, .epoch = epoch};
        const char *cookies = hilo_http_cookie(a->r);
        char tok[256], th[65];
        hilo_tx_agent_set(&tx, &set);
        /* An agent changing its own password in the console stays signed in
         * there (its session gets the new epoch); every other session ends. */
        if (!a->integration && strcmp(a->who.name, a->name) == 0 && cookies &&
            hilo_http_cookie_token(cookies, tok, sizeof tok) == 0 && a->who.exp_ms) {
            hilo_token_hash(tok, th);
            struct hilo_store_session se = {.token_hash = th, .epoch = epoch,
                                            .exp_ms = a->who.exp_ms};
            hilo_tx_session_epoch(&tx, &se);
            hilo_tx_session_expire(&tx, &se);
            j->keep_exp = a->who.exp_ms;
        }
    }
    if (api_tx_commit(a, &tx, agent_written_cb) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

static void start_hash(struct api *a)
{
    struct pw_job *j = calloc(1, sizeof *j);
    if (!j) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    j->a = a;
    hilo_agents_new_password(j->password);
    j->work.data = j;
    a->job = j;
    a->job_free = pw_job_free;
    if (uv_queue_work(a->s->loop, &j->work, hash_work, hash_after) < 0) {
        api_fail(a, -HILO_EINTERNAL);
        return;
    }
    a->waiting++;
}

static void patched_cb(redisReply *reply, void *data);
static void role_loaded_cb(redisReply *reply, void *data);
static void patch_write(struct api *a);

static void deleted_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    } else {
        /* its sessions are refused by the lookup; its sockets close now */
        hilo_agents_publish_revoke(a->s, a->name, 0, 0);
        hilo_http_respond_empty(a->r, 204);
    }
    api_free(a);
}

static void agent_exists_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    const char *method = hilo_http_method(a->r);
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_INTEGER) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    int exists = reply->integer == 1;
    if (strcmp(method, "POST") == 0 && json_object_get(a->body, "name")) {
        if (exists) {
            hilo_http_respond_json(a->r, 409, json_pack("{s:{s:s, s:s}}", "error", "code", "bad_state",
                                                        "message", "An agent with that name exists."));
            api_free(a);
            return;
        }
        start_hash(a);
        return;
    }
    if (!exists) {
        api_fail(a, -HILO_EUNKNOWNAGENT);
        return;
    }
    if (strcmp(method, "POST") == 0) { /* password */
        start_hash(a);
        return;
    }
    if (strcmp(method, "DELETE") == 0) {
        /* Sessions of a removed agent are refused at their next check
         * (hilo_agents_check looks the agent up); deleted_cb closes its
         * sockets. */
        struct hilo_tx tx;
        hilo_tx_begin(&tx, a->s->redis);
        hilo_tx_agent_del(&tx, a->name);
        hilo_tx_agents_rem(&tx, a->name);
        if (api_tx_commit(a, &tx, deleted_cb) < 0)
            api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    /* PATCH: a role change ends the agent's sessions (role_loaded_cb) */
    if (json_object_get(a->body, "role")) {
        if (api_sent(a, hilo_store_agent_role(a->s->redis, a->name, role_loaded_cb, a)) < 0)
            api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    patch_write(a);
}

/* The current role: a different one in the body gets a new epoch, written
 * with it (sessions made under the old role end). */
static void role_loaded_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        api_fail(a, -HILO_EUNAVAIL);
        return;
    }
    const char *now = reply->type == REDIS_REPLY_STRING ? reply->str : "agent";
    if (strcmp(now, json_string_value(json_object_get(a->body, "role"))) != 0) {
        char epoch[33];
        hilo_agents_new_epoch(epoch);
        json_object_set_new(a->body, "epoch", json_string(epoch));
    }
    patch_write(a);
}

static void patch_write(struct api *a)
{
    int rc = 0;
    struct hilo_store_agent_set set = {
        .name = a->name,
        .display = json_string_value(json_object_get(a->body, "display")),
        .role = json_string_value(json_object_get(a->body, "role")),
        .team = json_string_value(json_object_get(a->body, "team")),
        .epoch = json_string_value(json_object_get(a->body, "epoch"))};
    /* the write and the read that answers go out together: replies come in
     * order, so the read sees the write */
    if (set.display || set.role || set.team || set.epoch)
        rc = hilo_store_agent_set(a->s->redis, &set, NULL, NULL);
    if (rc == 0)
        rc = api_sent(a, hilo_store_agent_get(a->s->redis, a->name, patched_cb, a));
    if (rc < 0) {
        api_fail(a, -HILO_EUNAVAIL);
    }
}

static void patched_cb(redisReply *reply, void *data)
{
    struct api *a = data;
    a->waiting--;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        hilo_http_respond_error(a->r, -HILO_EUNAVAIL);
    else {
        if (json_object_get(a->body, "epoch"))
            hilo_agents_publish_revoke(a->s, a->name, 0, 0);
        if (json_is_string(json_object_get(a->body, "display")))
            hilo_agents_publish_rename(a->s, a->name,
                                       json_string_value(json_object_get(a->body, "display")));
        hilo_http_respond_json(a->r, 200, json_pack("{s:o}", "agent", agent_json(reply)));
    }
    api_free(a);
}

static int team_ok(json_t *v)
{
    return !v || (json_is_string(v) && json_string_length(v) <= 64 && !strpbrk(json_string_value(v), "\r\n"));
}

static int role_ok(json_t *v)
{
    return !v || (json_is_string(v) && (strcmp(json_string_value(v), "agent") == 0 ||
                                        strcmp(json_string_value(v), "admin") == 0));
}

/* Every change starts by checking the agent exists; agent_exists_cb goes on
 * by method (and, for POST, by whether the body names a new agent). */
static void check_exists(struct api *a)
{
    if (api_sent(a, hilo_store_agent_exists(a->s->redis, a->name, agent_exists_cb, a)) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

/* The :name of the path into a->name; 0, or -1 after answering. */
static int path_name(struct api *a)
{
    const char *name = api_param(&a->params, "name");
    if (!name || strlen(name) >= sizeof a->name || !hilo_agents_name_ok(name)) {
        api_fail(a, -HILO_EBADFRAME);
        return -1;
    }
    snprintf(a->name, sizeof a->name, "%s", name);
    return 0;
}

void api_agents_list(struct api *a)
{
    if (api_sent(a, hilo_store_agents_list(a->s->redis, agents_names_cb, a)) < 0)
        api_fail(a, -HILO_EUNAVAIL);
}

void api_agent_create(struct api *a)
{
    size_t len;
    const char *body = hilo_http_body(a->r, &len);
    json_error_t je;
    if (!body) {
        api_fail(a, -HILO_ETOOLARGE);
        return;
    }
    a->body = json_loadb(body, len, 0, &je);
    json_t *name = json_object_get(a->body, "name"), *display = json_object_get(a->body, "display");
    json_t *role = json_object_get(a->body, "role"), *team = json_object_get(a->body, "team");
    if (!json_is_object(a->body) || !json_is_string(name) ||
        !hilo_agents_name_ok(json_string_value(name)) ||
        (display && (!json_is_string(display) || json_string_length(display) > 128)) ||
        !role_ok(role) || !team_ok(team)) {
        api_fail(a, a->body ? -HILO_EBADFRAME : -HILO_EBADJSON);
        return;
    }
    if (!display || !json_string_length(display))
        json_object_set(a->body, "display", name);
    if (!role)
        json_object_set_new(a->body, "role", json_string("agent"));
    if (!team)
        json_object_set_new(a->body, "team", json_string(""));
    snprintf(a->name, sizeof a->name, "%s", json_string_value(name));
    check_exists(a);
}

void api_agent_patch(struct api *a)
{
    size_t len;
    const char *body;
    json_error_t je;
    if (path_name(a) < 0)
        return;
    body = hilo_http_body(a->r, &len);
    a->body = body ? json_loadb(body, len, 0, &je) : NULL;
    json_t *display = json_object_get(a->body, "display");
    if (!json_is_object(a->body) ||
        (display && (!json_is_string(display) || json_string_length(display) > 128 ||
                     json_string_length(display) == 0)) ||
        !role_ok(json_object_get(a->body, "role")) || !team_ok(json_object_get(a->body, "team"))) {
        api_fail(a, a->body ? -HILO_EBADFRAME : -HILO_EBADJSON);
        return;
    }
    json_object_del(a->body, "epoch"); /* set by role_loaded_cb only */
    check_exists(a);
}

void api_agent_delete(struct api *a)
{
    if (path_name(a) == 0)
        check_exists(a);
}

void api_agent_password(struct api *a)
{
    if (path_name(a) == 0)
        check_exists(a);
}
