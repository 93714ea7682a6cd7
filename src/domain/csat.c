/* The customer's last word after a resolution (include/hilo/csat.h). */
#include "hilo/csat.h"

#include <string.h>

#define ACK_MAX_BYTES 200
#define ACK_MAX_WORDS 12

/* Acknowledgements, normalised (lowercase, no accents, one space between
 * words). A message is one if its words are a run of these. */
static const char *const phrases[] = {
    /* es */
    "gracias", "muchas gracias", "mil gracias", "muchisimas gracias", "gracias de nuevo",
    "gracias otra vez", "gracias por todo", "gracias por la ayuda", "gracias por su ayuda",
    "gracias por tu ayuda", "ok", "okey", "okay", "vale", "perfecto", "genial", "listo",
    "de acuerdo", "entendido", "muy bien", "bien", "excelente", "buenisimo", "estupendo",
    "super", "todo bien", "solucionado", "resuelto", "chao", "chau", "adios", "saludos",
    "un saludo", "hasta luego", "muy amable", "que amable", "si", "claro", "dale", "joya",
    /* en */
    "thanks", "thank you", "thanks a lot", "thank you very much", "thank you so much",
    "thanks so much", "many thanks", "thanks again", "thx", "ty", "tks", "great", "perfect",
    "cool", "got it", "awesome", "nice", "cheers", "bye", "all good", "sounds good", "k",
    "fine", "solved", "resolved", "much appreciated", "appreciated", "yes", "good",
    "very good", "excellent", "have a nice day", "have a good day", "buen dia", "buenas",
};

/* Latin-1 supplement letters (U+00C0..U+00FF) without their accent; 0: not
 * a letter we fold. */
static char fold_latin1(unsigned cp)
{
    static const char map[] = "aaaaaaaceeeeiiii"  /* C0..CF */
                              "dnooooo ouuuuy s"  /* D0..DF */
                              "aaaaaaaceeeeiiii"  /* E0..EF */
                              "dnooooo ouuuuy y"; /* F0..FF */
    if (cp < 0xC0 || cp > 0xFF)
        return 0;
    char c = map[cp - 0xC0];
    return c == ' ' ? 0 : c;
}

/* Pictographs, dingbats, arrows, stars, skin tones, variation selectors and
 * joiners: what an emoji-only reply is made of. */
static int emoji(unsigned cp)
{
    return (cp >= 0x2190 && cp <= 0x2BFF) || (cp >= 0x1F000 && cp <= 0x1FAFF) ||
           cp == 0xFE0F || cp == 0x200D || cp == 0x2122 || cp == 0x263A;
}

/* Decodes one UTF-8 code point at s[*i] (advancing *i); 0xFFFFFFFF when
 * malformed. */
static unsigned next_cp(const unsigned char *s, size_t len, size_t *i)
{
    unsigned c = s[*i], cp, n;
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if ((c & 0xE0) == 0xC0) {
        cp = c & 0x1F;
        n = 1;
    } else if ((c & 0xF0) == 0xE0) {
        cp = c & 0x0F;
        n = 2;
    } else if ((c & 0xF8) == 0xF0) {
        cp = c & 0x07;
        n = 3;
    } else {
        return 0xFFFFFFFFu;
    }
    if (*i + n >= len)
        return 0xFFFFFFFFu;
    for (unsigned k = 1; k <= n; k++) {
        if ((s[*i + k] & 0xC0) != 0x80)
            return 0xFFFFFFFFu;
        cp = cp << 6 | (s[*i + k] & 0x3F);
    }
    *i += n + 1;
    return cp;
}

struct words {
    char buf[ACK_MAX_BYTES + 1];
    const char *w[ACK_MAX_WORDS];
    int n, emoji;
};

/* Splits text into normalised words. -1: not an acknowledgement (a question
 * mark, a letter of another script, too long, malformed). */
static int split(const char *text, size_t len, struct words *out)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, o = 0;
    int in_word = 0;
    memset(out, 0, sizeof *out);
    if (len > ACK_MAX_BYTES)
        return -1;
    while (i < len) {
        unsigned cp = next_cp(s, len, &i);
        char c = 0;
        if (cp == 0xFFFFFFFFu || cp == '?' || cp == 0xBF /* ¿ */)
            return -1;
        if (cp < 0x80 && ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')))
            c = (char)cp;
        else if (cp >= 'A' && cp <= 'Z')
            c = (char)(cp - 'A' + 'a');
        else if (cp >= 0xC0 && cp <= 0xFF && cp != 0xD7 && cp != 0xF7) {
            if (!(c = fold_latin1(cp)))
                return -1;
        } else if (emoji(cp)) {
            out->emoji = 1;
        } else if (cp >= 0x80 && cp < 0xC0) {
            /* Latin-1 punctuation (¡ « » ·): a separator */
        } else if (cp >= 0x80 && !(cp >= 0x2000 && cp <= 0x206F)) {
            return -1; /* another script's letter: not one of ours */
        }
        if (c) {
            if (!in_word) {
                if (out->n == ACK_MAX_WORDS)
                    return -1;
                if (o)
                    out->buf[o++] = '\0';
                out->w[out->n++] = out->buf + o;
                in_word = 1;
            }
            out->buf[o++] = c;
        } else {
            in_word = 0;
        }
    }
    out->buf[o] = '\0';
    return 0;
}

/* 1 if words[from..from+k) spell phrase p. */
static int spells(const struct words *w, int from, int k, const char *p)
{
    for (int j = 0; j < k; j++) {
        size_t n = strlen(w->w[from + j]);
        if (strncmp(p, w->w[from + j], n) != 0)
            return 0;
        p += n;
        if (j < k - 1) {
            if (*p != ' ')
                return 0;
            p++;
        }
    }
    return *p == '\0';
}

static int is_score_word(const char *w) { return w[0] >= '1' && w[0] <= '5' && !w[1]; }

int hilo_csat_is_ack(const char *text, size_t len)
{
    struct words w;
    int ok[ACK_MAX_WORDS + 1] = {1};
    if (!text)
        return 0;
    if (!len)
        len = strlen(text);
    if (split(text, len, &w) < 0)
        return 0;
    if (w.n == 0)
        return w.emoji;
    /* ok[i]: the first i words are a run of acknowledgements */
    for (int i = 0; i < w.n; i++) {
        if (!ok[i])
            continue;
        if (is_score_word(w.w[i]))
            ok[i + 1] = 1;
        for (size_t p = 0; p < sizeof phrases / sizeof phrases[0]; p++)
            for (int k = 1; k <= 5 && i + k <= w.n; k++)
                if (spells(&w, i, k, phrases[p]))
                    ok[i + k] = 1;
    }
    return ok[w.n];
}

int hilo_csat_score(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, end;
    int stars = 0;
    if (!text)
        return 0;
    if (!len)
        len = strlen(text);
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    end = len;
    while (end > i && strchr(" \t\r\n.!", s[end - 1]))
        end--;
    if (end - i == 1 && s[i] >= '1' && s[i] <= '5')
        return s[i] - '0';
    if (end - i == 3 && s[i] >= '1' && s[i] <= '5' && s[i + 1] == '/' && s[i + 2] == '5')
        return s[i] - '0';
    while (i < end) {
        unsigned cp = next_cp(s, end, &i);
        if (cp == 0x2B50 || cp == 0x2605) /* ⭐ ★ */
            stars++;
        else if (cp != 0xFE0F && cp != ' ')
            return 0;
    }
    return stars >= 1 && stars <= 5 ? stars : 0;
}
