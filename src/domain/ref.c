#include "hilo/ref.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const unsigned char damm_table[10][10] = {
    {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
    {4, 2, 0, 6, 8, 7, 1, 3, 5, 9}, {1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
    {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
    {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
    {9, 4, 3, 8, 6, 1, 7, 2, 0, 5}, {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
};

int hilo_ref_damm(const char *digits, size_t n)
{
    int interim = 0;
    for (size_t i = 0; i < n; i++)
        interim = damm_table[interim][digits[i] - '0'];
    return interim;
}

int hilo_ref_generate(char out[HILO_REF_MAX], int digits)
{
    if (digits < 8 || digits > 9)
        return -1;
    /* Leading digit 1-9 so the reference never loses a digit when read as a number. */
    out[0] = (char)('1' + randombytes_uniform(9));
    for (int i = 1; i < digits - 1; i++)
        out[i] = (char)('0' + randombytes_uniform(10));
    out[digits - 1] = (char)('0' + hilo_ref_damm(out, (size_t)digits - 1));
    out[digits] = '\0';
    return 0;
}

int hilo_ref_normalize(const char *in, char out[HILO_REF_MAX])
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n >= HILO_REF_MAX - 1)
                return -1;
            out[n++] = *p;
        } else if (*p != ' ' && *p != '-' && *p != '.') {
            return -1;
        }
    }
    out[n] = '\0';
    if (n < 8 || n > 9 || out[0] == '0')
        return -1;
    return hilo_ref_damm(out, n) == 0 ? 0 : -1;
}

void hilo_ref_format(const char *ref, char *out, size_t n)
{
    size_t len = strlen(ref);
    if (len == 8)
        snprintf(out, n, "%.4s %.4s", ref, ref + 4);
    else if (len == 9)
        snprintf(out, n, "%.3s %.3s %.3s", ref, ref + 3, ref + 6);
    else
        snprintf(out, n, "%s", ref);
}
