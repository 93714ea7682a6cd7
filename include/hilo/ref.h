/* Ticket references: 8 or 9 digits, random, the last a Damm check digit
 * (catches every single-digit error and adjacent transposition). */
#ifndef HILO_REF_H
#define HILO_REF_H

#include <stddef.h>

#define HILO_REF_MAX 10 /* 9 digits + NUL */

/* Writes a new random reference of `digits` (8 or 9) digits into out. */
int hilo_ref_generate(char out[HILO_REF_MAX], int digits);
/* Damm check digit of a digit string. */
int hilo_ref_damm(const char *digits, size_t n);
/* Normalizes what a customer typed ("4071 8263", "4071-8263") into out and
 * checks length and check digit. Returns 0, or -1 when it is not a valid
 * reference. */
int hilo_ref_normalize(const char *in, char out[HILO_REF_MAX]);
/* Groups a reference for reading: "4071 8263", "407 182 639". */
void hilo_ref_format(const char *ref, char *out, size_t n);

#endif
