/* Agents and their sessions. Passwords are argon2id hashes (libsodium);
 * verifying one takes ~100 ms and 64 MiB, so it runs in libuv's thread pool,
 * never on the loop, at most login_hashes at once (login_queue more wait;
 * beyond that a login is refused at once). Session tokens are
 * "s1.<expiry ms>.<random>"; Redis keeps only their SHA-256, with the expiry
 * as the key's TTL.
 *
 * Revocation: the agent hash holds an "epoch" (random hex) that login copies
 * into the session; a session whose epoch differs from its agent's is dead.
 * A password change, removal or demotion writes a new epoch in the same
 * transaction, then publishes a revocation line on the events channel, on
 * which every instance closes that agent's sockets with 4401. */
#ifndef HILO_AGENTS_H
#define HILO_AGENTS_H

#include <stddef.h>
#include <stdint.h>

struct hilo_server;

struct hilo_session_info {
    char name[65];
    char display[129];
    char role[16];
    char team[65];
    uint64_t exp_ms;
    char token[128]; /* set by login only */
    uint32_t retry_after; /* -HILO_ERATE only: seconds before trying again */
};

/* err is 0 or -HILO_E*; si is borrowed until the callback returns. On
 * -HILO_ERATE si is set too, and only retry_after means anything. */
typedef void (*hilo_auth_cb)(int err, const struct hilo_session_info *si, void *data);

/* Async rule: a negative return means cb never runs; otherwise it runs once. */
int hilo_agents_login(struct hilo_server *s, const char *name, const char *password,
                      hilo_auth_cb cb, void *data);
/* The same, throttled by client address too (ip NULL or "": by name only).
 * Failures are counted in Redis (shared by every instance): after
 * login_fail_max failures of a name (login_ip_fail_max of an address) within
 * login_fail_window, logins are refused with -HILO_ERATE, without hashing,
 * for login_lockout_ms, doubling with each further failure. */
int hilo_agents_login_from(struct hilo_server *s, const char *name, const char *password,
                           const char *ip, hilo_auth_cb cb, void *data);
int hilo_agents_check(struct hilo_server *s, const char *token, hilo_auth_cb cb, void *data);
/* Ends the token's session and closes the sockets signed in with it, on
 * every instance. */
int hilo_agents_logout(struct hilo_server *s, const char *token, hilo_auth_cb cb, void *data);

/* ---- revocation (domain/revoke.c) ---- */

/* A new session epoch for an agent hash ("epoch" field): 32 hex digits. */
void hilo_agents_new_epoch(char out[33]);
/* The events-channel message that closes every socket of name (exp_ms 0),
 * only those of the session that expires at exp_ms (keep 0), or all but
 * those (keep 1: an agent that changed its own password stays signed in
 * where it did it): its length, or -1. */
int hilo_agents_revoke_msg(char *buf, size_t n, const char *name, uint64_t exp_ms, int keep);
/* Publishes that message (fire and forget): 0 or -HILO_E*. */
int hilo_agents_publish_revoke(struct hilo_server *s, const char *name, uint64_t exp_ms, int keep);
/* One revocation line heard on the events channel (after its 'R'):
 * closes the matching agent sockets of this instance with 4401. */
void hilo_agents_on_revoke(struct hilo_server *s, const char *line, size_t len);

/* ---- renames (domain/rename.c) ---- */

/* Tells every instance that agent name now displays as display (fire and
 * forget): 0 or -HILO_E*. */
int hilo_agents_publish_rename(struct hilo_server *s, const char *name, const char *display);
/* One rename line heard on the events channel (after its 'N'): the agent's
 * sockets on this instance author events, typing and presence under the
 * new name from now on. */
void hilo_agents_on_rename(struct hilo_server *s, const char *line, size_t len);

/* Agent names: 1-64 of [a-z0-9._-]. */
int hilo_agents_name_ok(const char *name);

/* A new random password: 20 characters of [a-zA-Z2-9] without look-alikes. */
void hilo_agents_new_password(char out[21]);
/* SHA-256 hex of a token (sessions, API keys). */
void hilo_token_hash(const char *token, char out[65]);

#endif
