/* Agents and their sessions. Passwords are argon2id hashes (libsodium);
 * verifying one takes ~100 ms and 64 MiB, so it runs in libuv's thread pool,
 * never on the loop. Session tokens are "s1.<expiry ms>.<random>"; Redis
 * keeps only their SHA-256, with the expiry as the key's TTL. */
#ifndef HILO_AGENTS_H
#define HILO_AGENTS_H

#include <stdint.h>

struct hilo_server;

struct hilo_session_info {
    char name[65];
    char display[129];
    char role[16];
    char team[65];
    uint64_t exp_ms;
    char token[128]; /* set by login only */
};

/* err is 0 or -HILO_E*; si is borrowed until the callback returns. */
typedef void (*hilo_auth_cb)(int err, const struct hilo_session_info *si, void *data);

/* Async rule: a negative return means cb never runs; otherwise it runs once. */
int hilo_agents_login(struct hilo_server *s, const char *name, const char *password,
                      hilo_auth_cb cb, void *data);
int hilo_agents_check(struct hilo_server *s, const char *token, hilo_auth_cb cb, void *data);
int hilo_agents_logout(struct hilo_server *s, const char *token, hilo_auth_cb cb, void *data);

/* Agent names: 1-64 of [a-z0-9._-]. */
int hilo_agents_name_ok(const char *name);

/* A new random password: 20 characters of [a-zA-Z2-9] without look-alikes. */
void hilo_agents_new_password(char out[21]);
/* SHA-256 hex of a token (sessions, API keys). */
void hilo_token_hash(const char *token, char out[65]);

#endif
