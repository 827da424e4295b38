/* test_oracles.c -- the shared oracle tables: float repr and UTF-8 replacement. */
#include "check.h"
#include "mmstats_read.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unhex(const char *s, unsigned char *out, size_t max, size_t *n)
{
    size_t len = strlen(s), i;
    if (len % 2 || len / 2 > max)
        return 0;
    for (i = 0; i < len / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return 0;
        out[i] = (unsigned char)v;
    }
    *n = len / 2;
    return 1;
}

/* HEXBITS KIND REPR: d is binary64 (16 hex digits), f binary32 (8) widened. */
static void test_float_repr_oracle(void)
{
    FILE *fp = fopen(corpus_path("oracles/float-repr.txt"), "r");
    char hex[40], kind[4], want[64], got[32];
    size_t lines = 0;
    CHECK_MSG(fp != NULL, "oracles/float-repr.txt is missing");
    if (!fp)
        return;
    while (fscanf(fp, "%39s %3s %63s", hex, kind, want) == 3) {
        double v;
        unsigned long long bits = strtoull(hex, NULL, 16);
        lines++;
        if (!strcmp(kind, "d") && strlen(hex) == 16) {
            memcpy(&v, &bits, 8);
        } else if (!strcmp(kind, "f") && strlen(hex) == 8) {
            uint32_t b32 = (uint32_t)bits;
            float x;
            memcpy(&x, &b32, 4);
            v = x;
        } else {
            CHECK_MSG(0, "line %zu: bad kind %s or width of %s", lines, kind, hex);
            continue;
        }
        mmr_float_repr(v, got);
        CHECK_MSG(!strcmp(got, want), "%s %s: want %s, got %s", hex, kind, want, got);
    }
    CHECK_MSG(feof(fp), "oracles/float-repr.txt: unreadable line after %zu", lines);
    fclose(fp);
    CHECK_MSG(lines >= 1300, "only %zu lines in float-repr.txt", lines);
}

static void test_float_repr_specials(void)
{
    char got[32];
    double zero = 0.0;
    mmr_float_repr(-zero, got);
    CHECK(!strcmp(got, "-0.0"));
    mmr_float_repr(zero / zero, got);
    CHECK(!strcmp(got, "nan"));
    mmr_float_repr(-1.0 / zero, got);
    CHECK(!strcmp(got, "-inf"));
    mmr_float_repr(1e-4, got);
    CHECK(!strcmp(got, "0.0001"));
    mmr_float_repr(1e-5, got);
    CHECK(!strcmp(got, "1e-05"));
    mmr_float_repr(1e16, got);
    CHECK(!strcmp(got, "1e+16"));
    mmr_float_repr(123456789012345.6, got);
    CHECK(!strcmp(got, "123456789012345.6"));
}

/* HEXBYTES HEXUTF8: the bytes decoded with one U+FFFD per maximal subpart. */
static void test_utf8_replace_oracle(void)
{
    FILE *fp = fopen(corpus_path("oracles/utf8-replace.txt"), "r");
    char in_hex[512], want_hex[1024];
    unsigned char in[256], want[512];
    char got[3 * 256 + 1];
    size_t lines = 0;
    CHECK_MSG(fp != NULL, "oracles/utf8-replace.txt is missing");
    if (!fp)
        return;
    while (fscanf(fp, "%511s %1023s", in_hex, want_hex) == 2) {
        size_t n, wn, gn, first;
        lines++;
        if (!unhex(in_hex, in, sizeof in, &n) || !unhex(want_hex, want, sizeof want, &wn)) {
            CHECK_MSG(0, "line %zu: bad hex", lines);
            continue;
        }
        gn = mmr_utf8_replace(in, n, got);
        CHECK_MSG(gn == wn && !memcmp(got, want, wn), "%s: want %s", in_hex, want_hex);
        /* well-formed exactly when nothing was replaced */
        first = mmr_utf8_first_invalid(in, n);
        CHECK_MSG((first == n) == (gn == n && !memcmp(got, in, n)), "%s: first invalid %zu", in_hex, first);
    }
    CHECK_MSG(feof(fp), "oracles/utf8-replace.txt: unreadable line after %zu", lines);
    fclose(fp);
    CHECK_MSG(lines >= 2000, "only %zu lines in utf8-replace.txt", lines);
}

/* The Unicode Standard's own example, from the spec. */
static void test_utf8_spec_example(void)
{
    static const unsigned char in[] = {0x61, 0xf1, 0x80, 0x80, 0xe1, 0x80, 0xc2, 0x62, 0x80, 0x63, 0x80, 0xbf, 0x64};
    static const char want[] = "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                               "b\xef\xbf\xbd"
                               "c\xef\xbf\xbd\xef\xbf\xbd"
                               "d";
    char got[64];
    size_t n = mmr_utf8_replace(in, sizeof in, got);
    CHECK(n == strlen(want) && !strcmp(got, want));
    CHECK(mmr_utf8_first_invalid(in, sizeof in) == 1);
}

void run_oracle_tests(void)
{
    RUN(test_float_repr_oracle);
    RUN(test_float_repr_specials);
    RUN(test_utf8_replace_oracle);
    RUN(test_utf8_spec_example);
}
