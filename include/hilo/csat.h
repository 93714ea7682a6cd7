/* Satisfaction and the customer's last word (src/domain/csat.c): what a
 * short acknowledgement after resolution is ("gracias", "ok", a score, an
 * emoji), which score a reply carries, and the signed one-click links of
 * the email survey. Pure functions; tests/unit/test_csat.c. */
#ifndef HILO_CSAT_H
#define HILO_CSAT_H

#include <stddef.h>
#include <stdint.h>

/* 1 if text (UTF-8, len bytes; 0 = strlen) is only a short acknowledgement
 * in Spanish or English: thanks, ok, a score 1-5, emoji, or several of them
 * ("ok, muchas gracias 🙏"). Case, accents and punctuation do not matter.
 * Anything with another word in it is not one (a question, "gracias pero
 * sigue sin funcionar"). */
int hilo_csat_is_ack(const char *text, size_t len);

/* The score 1-5 a survey reply carries ("4", " 5 ", "5/5", "⭐⭐⭐⭐"), or 0. */
int hilo_csat_score(const char *text, size_t len);

#endif
