/* Satisfaction surveys after a resolution, native to each channel
 * (src/domain/survey.c, docs/sla.md): widget buttons, WhatsApp reply
 * buttons, an SMS digit, one-click signed links in email. Answers are
 * recorded as the customer's score (csat.c, thanks.c) without reopening. */
#ifndef HILO_SURVEY_H
#define HILO_SURVEY_H

#include <stddef.h>
#include <stdint.h>

struct hilo_server;
struct hilo_http;

/* After a resolution of ref (with --survey 1): asks on the customer's
 * channel, or records on the thread why it did not. */
void hilo_survey_after_resolve(struct hilo_server *s, const char *ref);
/* GET /survey?r=<ref>&s=<score>&e=<expiry s>&sig=<hex>[&l=es]: a signed
 * one-click answer from an email; ctx: the server. */
void hilo_survey_serve(void *ctx, struct hilo_http *r);

/* ---- pure parts (tests/unit/test_sla.c) ------------------------------------ */
/* hex HMAC-SHA256 of "<ref>.<score>.<exp>" under key: out has 65 bytes. */
void hilo_survey_sign(const unsigned char *key, size_t key_len, const char *ref, int score,
                      uint64_t exp_s, char out[65]);
/* 0 when sig is right and exp_s not past now_s; -1 otherwise. */
int hilo_survey_check(const unsigned char *key, size_t key_len, const char *ref, int score,
                      uint64_t exp_s, const char *sig, uint64_t now_s);
/* The question in lang ("es"/"en") for a channel kind: "web", "buttons"
 * (WhatsApp body), "digits" (SMS, WhatsApp without buttons), "email" (then
 * links holds the five answer URLs, one per line, 1 first). */
void hilo_survey_text(const char *lang, const char *kind, const char *links, char *out, size_t n);
/* At the end of a call: the thanks and the keypress question; the answer's
 * thanks. */
const char *hilo_survey_voice_prompt(const char *lang);
const char *hilo_survey_voice_thanks(const char *lang);
/* The WhatsApp reply buttons in lang, as JSON (at most 3: 5, 3, 1). */
const char *hilo_survey_buttons(const char *lang);

#endif
