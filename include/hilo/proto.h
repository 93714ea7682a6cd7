/* Pure pieces of the WebSocket protocol: event ids, text limits, tokens and
 * signed identities. See docs/protocol.md. */
#ifndef HILO_PROTO_H
#define HILO_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* Parses a stream id "ms-seq" (or "0"). 0 or -1. */
int hilo_proto_parse_id(const char *s, uint64_t *ms, uint64_t *seq);
/* Is (ms, seq) strictly after (lms, lseq)? */
int hilo_proto_id_after(uint64_t ms, uint64_t seq, uint64_t lms, uint64_t lseq);
/* Code points in valid UTF-8. */
size_t hilo_proto_chars(const char *s, size_t n);
/* Visitor tokens: 16-128 of [A-Za-z0-9._-]. */
int hilo_proto_token_ok(const char *t);
/* hex(HMAC-SHA256(secret, user_id "\n" email "\n" name "\n" ts)). -1 if the
 * fields are too long. */
int hilo_proto_identity_sig(const char *secret, const char *user_id, const char *email,
                            const char *name, long long ts, char out[65]);

#endif
