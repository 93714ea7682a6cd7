/* Helpers shared by the channel parsers; not part of the public interface. */
#ifndef HILO_CHANNELS_INTERNAL_H
#define HILO_CHANNELS_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hilo/buf.h"
#include "hilo/channels.h"

/* Cap for anything we build from provider input; webhooks are <= 3 MB. */
#define HC_MAX_OUT (16u * 1024 * 1024)

/* strdup that maps NULL to "". */
char *hc_strdup(const char *s);
char *hc_strndup(const char *s, size_t n);
/* Replaces *field (freeing the old value) with a copy of s; 0 / -1. */
int hc_set(char **field, const char *s);
int hc_setn(char **field, const char *s, size_t n);
/* A message with every string "" and extra_json "{}"; NULL on OOM. */
struct hilo_inbound *hc_inbound_new(void);
struct hilo_delivery *hc_delivery_new(void);
void hc_inbound_append(struct hilo_inbound **list, struct hilo_inbound *m);
void hc_delivery_append(struct hilo_delivery **list, struct hilo_delivery *d);
/* "16505551234", "+1 (650) 555-1234", "whatsapp:+1650..." -> "+16505551234".
 * Returns a copy of s unchanged when it does not look like a phone number. */
char *hc_phone_e164(const char *s);
/* Compact JSON text of obj (UTF-8 kept), or NULL. */
char *hc_json_dump(const json_t *obj);
/* Non-NULL string value of obj[key], or NULL. */
const char *hc_json_str(const json_t *obj, const char *key);
/* snprintf into err when err is non-NULL. */
void hc_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Parses an unsigned decimal (optionally surrounded by blanks); -1 if not. */
int64_t hc_parse_uint(const char *s);
/* Constant-time equality of two NUL-terminated strings (length leaks). */
int hc_str_equal_ct(const char *a, const char *b);
int hc_ascii_lower(int c);
/* Copy of s[0..n) with invalid UTF-8 bytes replaced by U+FFFD. */
char *hc_utf8_clean(const char *s, size_t n);
/* Same, in place on a malloc'd string (replaced only when needed). */
int hc_utf8_fix(char **s);
/* Makes every string of m valid UTF-8: consumers put them into JSON, and
 * jansson rejects invalid UTF-8. */
int hc_inbound_fix_utf8(struct hilo_inbound *m);
/* JSON string that never fails on invalid UTF-8 (only on memory). */
json_t *hc_jstr(const char *s, size_t n);

#endif
