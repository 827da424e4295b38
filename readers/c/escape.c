/* escape.c -- text that is safe to print: file names in lines, bytes in messages. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";

char *mmr_escape_text(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, o = 0, bad;
    char *out = malloc(4 * n + 1); /* \xNN is the longest form of one byte */
    if (!out)
        return NULL;
    while (i < n) {
        uint32_t cp;
        size_t k = mmr__utf8_seq(u + i, n - i, &bad, &cp);
        if (!k) { /* one byte of ill-formed UTF-8; the bytes after it are judged on their own */
            cp = u[i];
            k = 1;
        } else if (cp == '\\') {
            out[o++] = '\\';
            out[o++] = '\\';
            i += k;
            continue;
        } else if (!(cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))) { /* not C0, DEL or C1 */
            memcpy(out + o, u + i, k);
            o += k;
            i += k;
            continue;
        }
        out[o++] = '\\';
        out[o++] = 'x';
        out[o++] = hexdig[(cp >> 4) & 0xf];
        out[o++] = hexdig[cp & 0xf];
        i += k;
    }
    out[o] = '\0';
    return out;
}

void mmr__show_bytes(char *out, size_t outsz, const unsigned char *b, size_t n, size_t max)
{
    size_t i, o = 0;
    for (i = 0; i < n && i < max && o + 8 < outsz; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\' && b[i] != '\'') {
            out[o++] = (char)b[i];
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hexdig[b[i] >> 4];
            out[o++] = hexdig[b[i] & 0xf];
        }
    }
    if (i < n && o + 4 <= outsz) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}
