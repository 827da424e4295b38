/* test_errors.c -- problems at their offsets: the spec's tables, counted by hand,
 * and files with several problems for the validator. */
#include "check.h"
#include "json_parse.h"
#include "mmstats_read.h"

#include <stdlib.h>
#include <string.h>

/* A file image: the given bytes, then zeros up to size. */
static unsigned char *image(const unsigned char *b, size_t n, size_t size)
{
    unsigned char *d = calloc(size ? size : 1, 1);
    if (d)
        memcpy(d, b, n < size ? n : size);
    return d;
}

static void expect_first(const unsigned char *b, size_t n, size_t size, mmr_code code, unsigned long long off,
                         const char *what)
{
    unsigned char *d = image(b, n, size);
    mmr_file f;
    mmr_problem p;
    mmr_problems all;
    int rc = mmr_read_buffer(d, size, &f, &p);
    CHECK_MSG(rc == MMR_INVALID, "%s: read gave %d", what, rc);
    if (rc == MMR_INVALID)
        CHECK_MSG(p.code == code && p.offset == off, "%s: want %s at %llu, got %s at %llu", what,
                  mmr_code_name(code), off, mmr_code_name(p.code), (unsigned long long)p.offset);
    if (rc == MMR_OK)
        mmr_file_free(&f);
    rc = mmr_validate_buffer(d, size, &all);
    CHECK_MSG(rc == MMR_INVALID && all.count >= 1, "%s: validate gave %d", what, rc);
    if (all.count)
        CHECK_MSG(all.items[0].code == code && all.items[0].offset == off, "%s: validator's first is %s at %llu",
                  what, mmr_code_name(all.items[0].code), (unsigned long long)all.items[0].offset);
    mmr_problems_free(&all);
    free(d);
}

/* A run of one byte value, for the rows written as 61*4092. */
static size_t fill(unsigned char *b, size_t at, unsigned char v, size_t n)
{
    memset(b + at, v, n);
    return at + n;
}

/* spec/v1.md, "What readers and validators must do": the checked error examples. */
static void test_spec_error_examples(void)
{
    static unsigned char b[4200];
    size_t n;
    static const unsigned char r2[] = {0x00, 0x01, 0x00, 0x61};
    static const unsigned char r3[] = {0x02};
    static const unsigned char r4[] = {0x01, 0xff, 0xff, 0x61};
    static const unsigned char r8[] = {0x01, 0x02, 0x00, 0xc3, 0x28, 0x01, 0x00, 0x42, 0xff, 0x07};
    static const unsigned char r9[] = {0x01, 0x01, 0x00, 0x61, 0x01, 0x00, 0x6c, 0xff, 0x07};
    static const unsigned char r10[] = {0x01, 0x01, 0x00, 0x61, 0x03, 0x00, 0x30, 0x35, 0x73, 0xff};
    static const unsigned char r11[] = {0x01, 0x01, 0x00, 0x61, 0x00, 0x00, 0xff, 0x07};
    static const unsigned char r12[] = {0x01, 0x01, 0x00, 0x61, 0x01, 0x00, 0x42, 0x02, 0x07};
    static const unsigned char r14[] = {0x01, 0x00, 0x00, 0x00, 0x2a};
    static const unsigned char r15[] = {0x01, 0x01, 0x00, 0x61, 0x01, 0x00, 0x42, 0xff, 0x07};

    expect_first(b, 0, 0, MMR_NOT_READY, 0, "empty");
    expect_first(r2, sizeof r2, 4096, MMR_NOT_READY, 0, "version 00");
    expect_first(r3, sizeof r3, 4096, MMR_BAD_VERSION, 0, "version 02");
    expect_first(r4, sizeof r4, 4096, MMR_PAST_EOF, 3, "label past eof");

    b[0] = 0x01, b[1] = 0xfc, b[2] = 0x0f;
    n = fill(b, 3, 0x61, 4092);
    expect_first(b, n, 4096, MMR_TRUNCATED_RECORD, 4095, "cut type size");

    b[1] = 0xfa;
    n = fill(b, 3, 0x61, 4090);
    b[n++] = 0x01, b[n++] = 0x00, b[n++] = 0x42;
    expect_first(b, n, 4096, MMR_TRUNCATED_RECORD, 4096, "no write buffer");

    {
        static const unsigned char head[] = {0x01, 0x03, 0x00, 0x70, 0x61, 0x64, 0x05, 0x00,
                                             0x34, 0x30, 0x38, 0x31, 0x73, 0xff};
        memcpy(b, head, sizeof head);
        n = fill(b, sizeof head, 0, 4081);
        b[n++] = 0x01;
        expect_first(b, n, 4096, MMR_TRUNCATED_RECORD, 4095, "lone non-zero byte");
    }
    expect_first(r8, sizeof r8, 4096, MMR_BAD_LABEL_UTF8, 3, "label c3 28");
    expect_first(r9, sizeof r9, 4096, MMR_UNKNOWN_TYPE, 6, "type l");
    expect_first(r10, sizeof r10, 4096, MMR_UNKNOWN_TYPE, 6, "type 05s");
    expect_first(r11, sizeof r11, 4096, MMR_UNKNOWN_TYPE, 6, "empty type");
    expect_first(r12, sizeof r12, 4096, MMR_BAD_WRITE_BUFFER, 7, "write buffer 02");

    b[0] = 0x01, b[1] = 0xf9, b[2] = 0x0f;
    n = fill(b, 3, 0x61, 4089);
    b[n++] = 0x01, b[n++] = 0x00, b[n++] = 0x51, b[n++] = 0xff;
    expect_first(b, n, 4096, MMR_PAST_EOF, 4096, "value past eof");

    expect_first(r14, sizeof r14, 4096, MMR_TRAILING_GARBAGE, 4, "garbage");
    expect_first(r15, sizeof r15, 100, MMR_BAD_FILE_SIZE, 100, "size 100");
}

/* Unknown signatures beyond the table: case, prefixes, repeat counts, digits. */
static void test_type_signatures(void)
{
    static const char *unknown[] = {"l", "L", "c", "e", "n", "N", "p", "P", "x", "<Q", "=Q", "2Q", "q ", "S", "s",
                                    "00s", "05s", "1234567890s", "-1s", "+1s", "1S", "\xc3\xa9", "12"};
    static const char *known[] = {"b", "B", "h", "H", "i", "I", "q", "Q", "f", "d", "?", "0s", "1s", "10s", "255s"};
    size_t i;
    for (i = 0; i < sizeof unknown / sizeof unknown[0] + sizeof known / sizeof known[0]; i++) {
        int is_known = i >= sizeof unknown / sizeof unknown[0];
        const char *t = is_known ? known[i - sizeof unknown / sizeof unknown[0]] : unknown[i];
        unsigned char b[64] = {0x01, 0x01, 0x00, 0x61};
        size_t tl = strlen(t), n = 4;
        unsigned char *d;
        mmr_problems all;
        b[n++] = (unsigned char)tl;
        b[n++] = 0;
        memcpy(b + n, t, tl);
        n += tl;
        b[n++] = 0xff;
        d = image(b, n, 4096);
        mmr_validate_buffer(d, 4096, &all);
        if (is_known)
            CHECK_MSG(all.count == 0, "'%s' should be known", t);
        else
            CHECK_MSG(all.count == 1 && all.items[0].code == MMR_UNKNOWN_TYPE && all.items[0].offset == 6,
                      "'%s' should be unknown_type at 6", t);
        mmr_problems_free(&all);
        free(d);
    }
}

/* A long string type: 999999999s is known, and its value runs past the file. */
static void test_largest_string_type(void)
{
    static const unsigned char b[] = {0x01, 0x01, 0x00, 0x61, 0x0a, 0x00, '9', '9', '9', '9', '9',
                                      '9',  '9',  '9',  '9',  's',  0xff};
    expect_first(b, sizeof b, 4096, MMR_PAST_EOF, 17, "999999999s");
}

struct want {
    mmr_code code;
    unsigned long long offset;
};

static void expect_all(const unsigned char *b, size_t n, size_t size, const struct want *w, size_t wn,
                       const char *what)
{
    unsigned char *d = image(b, n, size);
    mmr_problems all;
    size_t i;
    mmr_validate_buffer(d, size, &all);
    CHECK_MSG(all.count == wn, "%s: want %zu problems, got %zu", what, wn, all.count);
    for (i = 0; i < wn && i < all.count; i++)
        CHECK_MSG(all.items[i].code == w[i].code && all.items[i].offset == w[i].offset,
                  "%s: problem %zu: want %s at %llu, got %s at %llu", what, i, mmr_code_name(w[i].code),
                  w[i].offset, mmr_code_name(all.items[i].code), (unsigned long long)all.items[i].offset);
    mmr_problems_free(&all);
    free(d);
}

/* Non-structural label problems, garbage, and the size rule last at equal offsets. */
static void test_every_problem_in_order(void)
{
    {
        unsigned char b[128] = {0x01, 0x01, 0x00, 0x80, 0x01, 0x00, 0x42, 0xff, 0x07,
                                0x01, 0x00, 0xff, 0x01, 0x00, 0x42, 0xff, 0x07};
        static const struct want w[] = {{MMR_BAD_LABEL_UTF8, 3},
                                        {MMR_BAD_LABEL_UTF8, 11},
                                        {MMR_TRAILING_GARBAGE, 100},
                                        {MMR_BAD_FILE_SIZE, 5000}};
        b[100] = 0x2a;
        b[120] = 0x2b; /* only the first non-zero byte after the terminator counts */
        expect_all(b, sizeof b, 5000, w, 4, "labels, garbage, size");
    }
    {
        static const unsigned char b[] = {0x01, 0x05, 0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x01, 0x00};
        static const struct want w[] = {{MMR_PAST_EOF, 10}, {MMR_BAD_FILE_SIZE, 10}};
        expect_all(b, sizeof b, 10, w, 2, "past_eof and size at 10");
    }
    {
        /* 0x03: a version byte no format has (0x02 is version 2 now) */
        static const unsigned char b[] = {0x03, 0x01};
        static const struct want w[] = {{MMR_BAD_VERSION, 0}, {MMR_BAD_FILE_SIZE, 100}};
        expect_all(b, sizeof b, 100, w, 2, "version and size");
    }
    {
        /* 02 without the magic is not version 2: a version 1 reader's answer, whatever the size */
        static const unsigned char b[] = {0x02, 0x01};
        static const struct want w[] = {{MMR_BAD_VERSION, 0}, {MMR_BAD_FILE_SIZE, 100}};
        expect_all(b, sizeof b, 100, w, 2, "version 2 magic first");
    }
    {
        /* a version 2 file cut short: the size stops the walk */
        static const unsigned char b[] = {0x02, 'M', 'M', 'S', 'T', 'A', 'T', 'S'};
        static const struct want w[] = {{MMR_BAD_FILE_SIZE, 100}};
        expect_all(b, sizeof b, 100, w, 1, "version 2 size after the magic");
    }
    {
        static const unsigned char b[] = {0x00, 0x07};
        static const struct want w[] = {{MMR_NOT_READY, 0}};
        expect_all(b, sizeof b, 10, w, 1, "not_ready alone");
    }
    {
        static const unsigned char b[] = {0x01, 0x04, 0x00, 0x80, 0x80, 0x61, 0x80, 0x01, 0x00, 0x42, 0xff, 0x07};
        static const struct want w[] = {{MMR_BAD_LABEL_UTF8, 3}};
        expect_all(b, sizeof b, 4096, w, 1, "one problem per label");
    }
    {
        /* a bad label, then the walk goes on to a structural problem */
        static const unsigned char b[] = {0x01, 0x01, 0x00, 0xc0, 0x01, 0x00, 0x42, 0x09, 0x07};
        static const struct want w[] = {{MMR_BAD_LABEL_UTF8, 3}, {MMR_BAD_WRITE_BUFFER, 7}};
        expect_all(b, sizeof b, 4096, w, 2, "label then write buffer");
    }
}

/* spec/v1.md, "Canonical values": stored bytes to canonical JSON, row by row. */
static void test_spec_canonical_values(void)
{
    static const struct {
        const char *type;
        const char *bytes; /* hex */
        const char *json;
    } rows[] = {
        {"b", "9c", "-100"},
        {"B", "ff", "255"},
        {"h", "d8ff", "-40"},
        {"H", "ffff", "65535"},
        {"i", "c01dfeff", "-123456"},
        {"I", "00286bee", "4000000000"},
        {"q", "0000000000000080", "-9223372036854775808"},
        {"Q", "ffffffffffffffff", "18446744073709551615"},
        {"f", "cdcccc3d", "0.10000000149011612"},
        {"f", "01000000", "1.401298464324817e-45"},
        {"f", "0000c0ff", "\"NaN\""},
        {"f", "0000807f", "\"Infinity\""},
        {"d", "9a9999999999b93f", "0.1"},
        {"d", "0000000000000080", "-0.0"},
        {"d", "000000000000f0ff", "\"-Infinity\""},
        {"d", "0100000000000000", "5e-324"},
        {"d", "ffffffffffffef7f", "1.7976931348623157e+308"},
        {"?", "00", "false"},
        {"?", "01", "true"},
        {"?", "02", "true"},
        {"5s", "3132333435", "\"12345\""},
        {"12s", "73686f7274006572206f6e65", "\"short\""},
        {"4s", "00616263", "\"\""},
        {"0s", "", "\"\""},
        {"9s", "e29c93e29c93e29c93", "\"\xe2\x9c\x93\xe2\x9c\x93\xe2\x9c\x93\""},
        {"8s", "616263646566e282", "\"abcdef\\ufffd\""},
        {"13s", "61f18080e180c262806380bf64", "\"a\\ufffd\\ufffd\\ufffdb\\ufffdc\\ufffd\\ufffdd\""},
    };
    size_t i;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        unsigned char *d = calloc(4096, 1);
        size_t n = 0, tl = strlen(rows[i].type), k, blen = strlen(rows[i].bytes) / 2;
        mmr_file f;
        mmr_problem p;
        char *json, err[100];
        jv *got, *want;
        d[n++] = 0x01;
        d[n++] = 0x01, d[n++] = 0x00, d[n++] = 'v';
        d[n++] = (unsigned char)tl, d[n++] = 0;
        memcpy(d + n, rows[i].type, tl);
        n += tl;
        d[n++] = 0xff;
        for (k = 0; k < blen; k++) {
            unsigned v;
            sscanf(rows[i].bytes + 2 * k, "%2x", &v);
            d[n++] = (unsigned char)v;
        }
        if (mmr_read_buffer(d, 4096, &f, &p) != MMR_OK) {
            CHECK_MSG(0, "row %zu: %s: %s", i, mmr_code_name(p.code), p.message);
            free(d);
            continue;
        }
        json = mmr_canonical_json("x", &f, NULL);
        got = json ? jv_parse(json, strlen(json), err, sizeof err) : NULL;
        want = jv_parse(rows[i].json, strlen(rows[i].json), err, sizeof err);
        CHECK_MSG(got && want, "row %zu: JSON does not parse", i);
        if (got && want) {
            const jv *fields = jv_get(got, "fields");
            CHECK_MSG(fields && fields->n == 1 &&
                          canonical_value_equal(rows[i].type, want, jv_get(&fields->items[0], "value")),
                      "row %zu (%s): want %s in %s", i, rows[i].type, rows[i].json, json);
        }
        jv_free(got);
        jv_free(want);
        free(json);
        mmr_file_free(&f);
        free(d);
    }
}

static void count_problem(const mmr_problem *p, void *ctx)
{
    unsigned long long *last = ctx;
    CHECK(p->offset >= last[0]);
    last[0] = p->offset;
    last[1]++;
}

/* The streaming validator gives the list's problems, in order, one call each. */
static void test_streaming_validator(void)
{
    unsigned char *d = calloc(8000, 1);
    unsigned long long state[2] = {0, 0};
    size_t i, n = 1;
    d[0] = 0x01;
    for (i = 0; i < 300; i++) { /* 300 records, each with a bad label */
        static const unsigned char rec[] = {0x01, 0x00, 0xff, 0x01, 0x00, 0x42, 0xff, 0x07};
        memcpy(d + n, rec, sizeof rec);
        n += sizeof rec;
    }
    d[7000] = 0x01;
    CHECK(mmr_validate_buffer_each(d, 7001, count_problem, state) == 302);
    CHECK(state[1] == 302 && state[0] == 7001);
    free(d);
}

void run_error_tests(void)
{
    RUN(test_streaming_validator);
    RUN(test_spec_error_examples);
    RUN(test_type_signatures);
    RUN(test_largest_string_type);
    RUN(test_every_problem_in_order);
    RUN(test_spec_canonical_values);
}
