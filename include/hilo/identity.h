/* The evidence of an identity link (docs/continuity.md): how each identity
 * of a customer was proven and when. src/domain/identity.c. */
#ifndef HILO_IDENTITY_H
#define HILO_IDENTITY_H

#include <jansson.h>
#include <stdint.h>

struct hilo_tx;

/* How an identity written by its own message is proven, by its kind:
 * "signed" (user:, a host site's signed identity; ext: from an integration
 * with an API key), "token" (web:, the visitor token Hilo issued),
 * "provider" (phone:, whatsapp:, bsuid:, email:, the address the provider
 * says a message came from); NULL for one that links nothing (withheld:). */
const char *hilo_identity_evidence_default(const char *identity);
/* Is how one of the evidence kinds? */
int hilo_identity_evidence_valid(const char *how);
/* {"how":..,"at":ms,"by":..}; caller frees. NULL: no memory. */
char *hilo_identity_evidence_json(const char *how, const char *by, uint64_t at_ms);
/* Queues the evidence record of identity on customer: how NULL = the
 * default, kept if one exists; else written over an earlier one. */
void hilo_identity_tx_evidence(struct hilo_tx *tx, const char *customer, const char *identity,
                               const char *how, const char *by);
/* [{identity, shown, how, at, by}] from SMEMBERS ids and HGETALL evidence
 * replies (a link from before evidence shows how "unrecorded"). */
json_t *hilo_identity_list(const void *ids_reply, const void *evidence_reply);

struct hilo_server;
/* A newly blocked identity's open widgets are closed on every instance
 * (identity_blocked, close 4403): published on the events channel as
 * "-\nB<identity>\n" (domain/revoke.c). */
int hilo_identity_publish_block(struct hilo_server *s, const char *identity);
void hilo_identity_on_block(struct hilo_server *s, const char *line, size_t len);
/* Open widgets follow a merge and its undo: "-\nC<from> <into>\n" moves the
 * sockets of customer from to into; "-\nI<identity> <customer>\n" moves the
 * sockets that said hello with identity to customer (domain/revoke.c). */
int hilo_identity_publish_moved(struct hilo_server *s, char kind, const char *who,
                                const char *customer);
void hilo_identity_on_moved(struct hilo_server *s, char kind, const char *line, size_t len);
struct hilo_conn;
/* Redis decides what an open widget is: its identity's customer now (the
 * socket writes as it), whether the identity is blocked (closed, 4403), and
 * whether each ticket it watches is still that customer's (else the watch
 * ends and the next message starts its own ticket). After a move, when a
 * ticket's summary names another customer, and for every widget when the
 * events channel was lost (news may have been missed). */
void hilo_identity_recheck(struct hilo_conn *c);
void hilo_identity_recheck_all(struct hilo_server *s);

/* A host site's signed identity ({user_id, name, email, ts, sig}, the
 * widget's data-identity; docs/widget.md): 0 and *user_id (borrowed from id)
 * when its signature and age are good, else -HILO_E*. The check of the
 * customer socket's hello. */
int hilo_identity_verify(struct hilo_server *s, json_t *id, const char **user_id);

#endif
