#include "hilo/buf.h"

#include <stdlib.h>
#include <string.h>

void hilo_buf_init(struct hilo_buf *b, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void hilo_buf_deinit(struct hilo_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int hilo_buf_add(struct hilo_buf *b, const void *data, size_t n)
{
    if (n == 0)
        return 0; /* data may be NULL then (an empty HTTP body chunk) */
    if (n > b->max || b->len + n > b->max)
        return -1;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int hilo_buf_adds(struct hilo_buf *b, const char *s) { return hilo_buf_add(b, s, strlen(s)); }

char *hilo_buf_take(struct hilo_buf *b)
{
    char *p = b->p;
    if (!p)
        p = calloc(1, 1);
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}
