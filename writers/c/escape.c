/* escape.c -- see escape.h. */
#include "escape.h"

#include "mmstats.h"

#include <string.h>

/* Bytes one piece of text takes escaped: the well-formed character at s (n bytes) as it is,
 * or \xNN (for a control character its code point, for an ill-formed byte the byte). */
static size_t piece(const unsigned char *s, size_t left, char buf[8], size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = mmstats_utf8_sequence_len(s, left);
    unsigned code;
    if (n == 0) {
        *used = 1;
        code = s[0];
    } else if (n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) {
        *used = 1;
        code = s[0];
    } else if (n == 1 && s[0] == '\\') {
        *used = 1;
        buf[0] = buf[1] = '\\';
        return 2;
    } else if (n == 2 && s[0] == 0xC2 && s[1] < 0xA0) {
        *used = 2; /* U+0080..U+009F */
        code = s[1];
    } else {
        *used = n;
        memcpy(buf, s, n);
        return n;
    }
    buf[0] = '\\';
    buf[1] = 'x';
    buf[2] = hex[code >> 4];
    buf[3] = hex[code & 15];
    return 4;
}

size_t mmstats_escape(const char *text, char *out, size_t out_size)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t left = strlen(text), need = 0, kept = 0, used, n;
    int cut = 0;
    char buf[8];
    while (left) {
        n = piece(s, left, buf, &used);
        if (!cut && need + n < out_size) {
            memcpy(out + need, buf, n);
            kept = need + n;
        } else {
            cut = 1; /* stop before this piece, never inside it */
        }
        need += n;
        s += used;
        left -= used;
    }
    if (out_size > 0)
        out[kept] = '\0';
    return need;
}

void mmstats_print_escaped(FILE *fp, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t left = strlen(text), used, n;
    char buf[8];
    while (left) {
        n = piece(s, left, buf, &used);
        fwrite(buf, 1, n, fp);
        s += used;
        left -= used;
    }
}
