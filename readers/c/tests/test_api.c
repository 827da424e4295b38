/* test_api.c -- the decoded form, text escaping and the JSON text itself. */
#include "check.h"
#include "json_parse.h"
#include "mmstats_read.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_decoded_form(void)
{
    mmr_file f;
    mmr_problem p;
    mmr_ioerr io;
    int rc = mmr_read_path(corpus_path("valid/spec/example-mixed-buffering.mmstats"), MMR_DEFAULT_MAX_SIZE, &f, &p,
                           &io);
    CHECK(rc == MMR_OK);
    if (rc != MMR_OK)
        return;
    CHECK(f.format_version == 1 && f.count == 4 && f.records_end == 0x4e);
    CHECK(!strcmp(f.fields[0].label, "requests") && f.fields[0].label_len == 8 && !strcmp(f.fields[0].type, "Q"));
    CHECK(f.fields[0].kind == MMR_UINT && f.fields[0].size == 8 && f.fields[0].buffered && f.fields[0].v.u == 18);
    CHECK(f.fields[0].wb_offset == 0x0e && f.fields[0].val_offset == 0x0f);
    CHECK(f.fields[1].kind == MMR_BOOL && !f.fields[1].buffered && f.fields[1].v.b == 1);
    CHECK(f.fields[2].kind == MMR_FLOAT64 && f.fields[2].buffered && f.fields[2].v.d == 0.75);
    CHECK(f.fields[3].kind == MMR_INT && f.fields[3].size == 2 && f.fields[3].v.i == -40);
    mmr_file_free(&f);
    rc = mmr_read_path(corpus_path("valid/spec/canonical-numbers.mmstats"), MMR_DEFAULT_MAX_SIZE, &f, &p, &io);
    CHECK(rc == MMR_OK && f.count == 8);
    if (rc == MMR_OK && f.count == 8) {
        CHECK(f.fields[0].kind == MMR_FLOAT32 && f.fields[0].v.d == (double)0.1f);
        CHECK(isnan(f.fields[1].v.d));
        CHECK(isinf(f.fields[2].v.d) && f.fields[2].v.d < 0);
        CHECK(f.fields[3].v.d == 0 && signbit(f.fields[3].v.d));
        CHECK(f.fields[4].v.u == UINT64_MAX);
        CHECK(f.fields[5].v.i == -100);
        CHECK(f.fields[6].kind == MMR_UINT && f.fields[6].v.u == 255);
    }
    mmr_file_free(&f);
}

static void test_escape_text(void)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"plain.mmstats", "plain.mmstats"},
        {"a\\b", "a\\\\b"},
        {"tab\there", "tab\\x09here"},
        {"del\x7f", "del\\x7f"},
        {"c1\xc2\x85x", "c1\\x85x"},
        {"bad\xff\xfe", "bad\\xff\\xfe"},
        {"cut\xe2\x82", "cut\\xe2\\x82"},
        {"ok \xc3\xa9 \xe2\x9c\x93", "ok \xc3\xa9 \xe2\x9c\x93"},
        {"esc\x1b[31m", "esc\\x1b[31m"},
    };
    size_t i;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *got = mmr_escape_text(rows[i].in);
        CHECK_MSG(got && !strcmp(got, rows[i].out), "row %zu: got %s", i, got ? got : "(null)");
        free(got);
    }
}

/* Labels with quotes, backslashes and control characters come back intact. */
static void test_json_string_escaping(void)
{
    unsigned char d[4096] = {0x01};
    static const char label[] = "q\"b\\n\x01\x1f\x7f\xc3\xa9";
    size_t n = 1, ll = sizeof label - 1;
    mmr_file f;
    mmr_problem p;
    char *json, err[100];
    jv *v;
    d[n++] = (unsigned char)ll, d[n++] = 0;
    memcpy(d + n, label, ll);
    n += ll;
    d[n++] = 2, d[n++] = 0, d[n++] = '4', d[n++] = 's', d[n++] = 0xff;
    d[n++] = '"', d[n++] = '\n', d[n++] = 0xff, d[n++] = 'x';
    CHECK(mmr_read_buffer(d, sizeof d, &f, &p) == MMR_OK);
    json = mmr_canonical_json("p\"ath\xff", &f, NULL);
    v = json ? jv_parse(json, strlen(json), err, sizeof err) : NULL;
    CHECK_MSG(v != NULL, "%s: %s", json, err);
    if (v) {
        const jv *fld = &jv_get(v, "fields")->items[0];
        CHECK(!strcmp(jv_get(fld, "label")->text, label));
        CHECK(!strcmp(jv_get(fld, "value")->text, "\"\n\xef\xbf\xbdx"));
        CHECK(!strcmp(jv_get(v, "path")->text, "p\"ath\xef\xbf\xbd"));
    }
    jv_free(v);
    free(json);
    mmr_file_free(&f);
}

static void test_code_names(void)
{
    static const char *names[] = {"not_ready",      "bad_version",  "truncated_record", "past_eof",
                                  "bad_label_utf8", "unknown_type", "bad_write_buffer", "trailing_garbage",
                                  "bad_file_size",  "file_too_large",
                                  /* version 2 */
                                  "bad_header_size", "bad_state", "bad_region", "bad_count", "bad_entry_size",
                                  "bad_lengths", "bad_name", "bad_utf8", "bad_unit", "bad_attributes",
                                  "bad_value_type", "bad_value_offset", "bad_value_size", "bad_histogram",
                                  "bad_string_length"};
    int i;
    CHECK(sizeof names / sizeof names[0] == MMR_CODE_COUNT);
    for (i = 0; i < MMR_CODE_COUNT && i < (int)(sizeof names / sizeof names[0]); i++)
        CHECK(!strcmp(mmr_code_name((mmr_code)i), names[i]));
}

/* A file with no fields at all, and one that is all records with no terminator. */
static void test_empty_and_exact_files(void)
{
    unsigned char d[4096] = {0x01};
    mmr_file f;
    mmr_problem p;
    char *json;
    CHECK(mmr_read_buffer(d, sizeof d, &f, &p) == MMR_OK && f.count == 0);
    json = mmr_canonical_json("e", &f, NULL);
    CHECK(json && !strcmp(json, "{\"path\": \"e\", \"format_version\": 1, \"fields\": []}"));
    free(json);
    mmr_file_free(&f);
}

/* A long string of ill-formed and well-formed bytes: exact length, every byte decoded. */
static void test_long_string(void)
{
    unsigned char *d = calloc(3 * 4096, 1);
    static const char type[] = "10000s";
    size_t n = 1, i;
    mmr_file f;
    mmr_problem p;
    d[0] = 0x01;
    d[n++] = 1, d[n++] = 0, d[n++] = 's';
    d[n++] = 6, d[n++] = 0;
    memcpy(d + n, type, 6);
    n += 6;
    d[n++] = 0xff;
    for (i = 0; i < 10000; i++)
        d[n + i] = i < 6000 ? 0xff : (i % 2 ? 0xa9 : 0xc3); /* 6000 bad bytes, then 2000 x "\u00e9" */
    CHECK(mmr_read_buffer(d, 3 * 4096, &f, &p) == MMR_OK && f.count == 1);
    if (f.count == 1) {
        CHECK(f.fields[0].str_len == 6000 * 3 + 4000 && f.fields[0].str[f.fields[0].str_len] == '\0');
        CHECK(!memcmp(f.fields[0].str, "\xef\xbf\xbd", 3) && !memcmp(f.fields[0].str + 18000, "\xc3\xa9", 2));
        CHECK(!memcmp(f.fields[0].str + f.fields[0].str_len - 2, "\xc3\xa9", 2));
    }
    mmr_file_free(&f);
    free(d);
}

void run_api_tests(void)
{
    RUN(test_long_string);
    RUN(test_decoded_form);
    RUN(test_escape_text);
    RUN(test_json_string_escaping);
    RUN(test_code_names);
    RUN(test_empty_and_exact_files);
}
