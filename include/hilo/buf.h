/* Growable byte buffer with a hard cap (curl's dynbuf). */
#ifndef HILO_BUF_H
#define HILO_BUF_H

#include <stddef.h>

struct hilo_buf {
    char *p;
    size_t len, cap, max;
};

void hilo_buf_init(struct hilo_buf *b, size_t max);
void hilo_buf_deinit(struct hilo_buf *b);
/* Returns 0, or -1 when the cap would be passed or memory runs out (the
 * buffer is then left as it was). */
int hilo_buf_add(struct hilo_buf *b, const void *data, size_t n);
int hilo_buf_adds(struct hilo_buf *b, const char *s);
/* Hands the NUL-terminated contents to the caller; the buffer is reset. */
char *hilo_buf_take(struct hilo_buf *b);

#endif
