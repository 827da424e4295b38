/* utf8.c -- well-formed UTF-8 (Unicode table 3-7) and U+FFFD per maximal subpart. */
#include "internal.h"

#include <string.h>

size_t mmr__utf8_seq(const unsigned char *s, size_t left, size_t *bad, uint32_t *cp)
{
    unsigned c = s[0];
    size_t n, i;
    unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    uint32_t v;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0; /* no overlongs */
        else if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        *bad = 1; /* 80..c1, f5..ff never start a character */
        return 0;
    }
    for (i = 1; i < n; i++) {
        unsigned b;
        if (i >= left) {
            *bad = i;
            return 0;
        }
        b = s[i];
        if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) {
            *bad = i;
            return 0;
        }
        v = (v << 6) | (b & 0x3f);
    }
    *cp = v;
    return n;
}

size_t mmr_utf8_first_invalid(const unsigned char *in, size_t n)
{
    size_t i = 0, bad;
    uint32_t cp;
    while (i < n) {
        size_t k = mmr__utf8_seq(in + i, n - i, &bad, &cp);
        if (!k)
            return i;
        i += k;
    }
    return n;
}

size_t mmr__utf8_replaced_len(const unsigned char *in, size_t n)
{
    size_t i = 0, o = 0, bad;
    uint32_t cp;
    while (i < n) {
        size_t k = mmr__utf8_seq(in + i, n - i, &bad, &cp);
        o += k ? k : 3;
        i += k ? k : bad;
    }
    return o;
}

size_t mmr_utf8_replace(const unsigned char *in, size_t n, char *out)
{
    size_t i = 0, o = 0, bad;
    uint32_t cp;
    while (i < n) {
        size_t k = mmr__utf8_seq(in + i, n - i, &bad, &cp);
        if (k) {
            memcpy(out + o, in + i, k);
            o += k;
            i += k;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i += bad;
        }
    }
    out[o] = '\0';
    return o;
}
