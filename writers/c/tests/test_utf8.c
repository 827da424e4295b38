/* test_utf8.c -- the writer's one UTF-8 check against the shared oracle
 * conformance/oracles/utf8-replace.txt ("HEXBYTES HEXUTF8": the UTF-8 of
 * Python's bytes.decode("utf-8", "replace")). Text the check accepts whole is
 * exactly text the oracle leaves unchanged, and the first byte it refuses is
 * where the oracle's first U+FFFD stands. */
#define _POSIX_C_SOURCE 200809L

#include "check.h"
#include "../mmstats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ORACLE_DIR
#error "ORACLE_DIR must name conformance/oracles (the Makefile sets it)"
#endif

#define MAX_BYTES 64

/* Hex digits into out (cap bytes); the byte count, or -1 if not hex or too long. */
static long unhex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = strlen(hex), i;
    if (n % 2 || n / 2 > cap)
        return -1;
    for (i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return (long)(n / 2);
}

/* Offset of the first byte that starts no well-formed character, or len. */
static size_t first_bad(const unsigned char *s, size_t len)
{
    size_t i = 0, n;
    while (i < len && (n = mmstats_utf8_sequence_len(s + i, len - i)) != 0)
        i += n;
    return i;
}

static void test_utf8_check_agrees_with_the_replacement_oracle(void)
{
    static const char path[] = ORACLE_DIR "/utf8-replace.txt";
    static const unsigned char fffd[] = {0xEF, 0xBF, 0xBD};
    char in_hex[2 * MAX_BYTES + 2], out_hex[6 * MAX_BYTES + 2];
    unsigned char in[MAX_BYTES], out[3 * MAX_BYTES];
    int lines = 0, valid = 0;
    FILE *fp = fopen(path, "r");
    CHECK_MSG(fp != NULL, "cannot read %s", path);
    if (!fp)
        return;
    while (fscanf(fp, "%129s %385s", in_hex, out_hex) == 2) { /* one more than fits: too long fails unhex */
        long n = unhex(in_hex, in, sizeof in), m = unhex(out_hex, out, sizeof out);
        size_t bad;
        lines++;
        if (n < 0 || m < 0) {
            check_fail(__FILE__, __LINE__, "line %d of %s: not HEXBYTES HEXUTF8", lines, path);
            break;
        }
        bad = first_bad(in, (size_t)n);
        if (bad == (size_t)n) {
            valid++;
            CHECK_MSG(m == n && memcmp(in, out, (size_t)n) == 0, "%s: accepted, but the oracle replaces bytes",
                      in_hex);
        } else {
            /* the oracle keeps the good prefix and puts U+FFFD where the check stopped */
            CHECK_MSG((size_t)m >= bad + 3 && memcmp(in, out, bad) == 0 && memcmp(out + bad, fffd, 3) == 0,
                      "%s: refused at byte %zu, the oracle says %s", in_hex, bad, out_hex);
        }
    }
    CHECK_MSG(feof(fp), "%s: unreadable after line %d", path, lines);
    fclose(fp);
    CHECK_MSG(lines > 1000 && valid > 10, "%s: %d lines, %d valid: not the oracle", path, lines, valid);
}

static void test_utf8_sequence_len_never_reads_past_left(void)
{
    static const unsigned char euro[] = {0xE2, 0x82, 0xAC};
    CHECK(mmstats_utf8_sequence_len(euro, 3) == 3);
    CHECK(mmstats_utf8_sequence_len(euro, 2) == 0);
    CHECK(mmstats_utf8_sequence_len(euro, 0) == 0);
    CHECK(mmstats_utf8_sequence_len((const unsigned char *)"a", 1) == 1);
}

void run_utf8_tests(void)
{
    RUN(test_utf8_check_agrees_with_the_replacement_oracle);
    RUN(test_utf8_sequence_len_never_reads_past_left);
}
