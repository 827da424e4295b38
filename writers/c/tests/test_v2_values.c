/* test_v2_values.c -- what each update stores: histogram buckets by `le` (few bounds
 * and many), NaN and values past the last bound, texts cut on a character boundary,
 * f64 and wrapping integer additions, gauge additions, the found-once counter copy on
 * an owned and on the shared slot. Checked with the tests' own reader (v2_peek). */
#define _GNU_SOURCE

#include "check.h"
#include "v2_peek.h"
#include "../mmstats_v2.h"

#include <math.h>
#include <string.h>

static mmstats_v2_file *open_file(const char *name, uint32_t slot_count)
{
    mmstats_v2_config cfg;
    mmstats_error err;
    mmstats_v2_file *f;
    memset(&cfg, 0, sizeof cfg);
    cfg.path = tmp_path(name);
    cfg.slot_count = slot_count;
    f = mmstats_v2_open(&cfg, &err);
    CHECK_MSG(f != NULL, "%s", err.message);
    return f;
}

static double f64_of(uint64_t bits)
{
    double v;
    memcpy(&v, &bits, 8);
    return v;
}

/* Buckets of a histogram in this thread's slot (1), after its observations. */
static void check_buckets(const mmstats_v2_file *f, const char *name, const uint64_t *want, uint32_t n)
{
    const unsigned char *map = mmstats_v2_map(f);
    peek_entry e;
    uint32_t b;
    if (peek_find(map, name, &e)) {
        check_fail(__FILE__, __LINE__, "no field %s", name);
        return;
    }
    CHECK(e.extra_size == 8 * (n - 1));
    for (b = 0; b < n; b++)
        CHECK_MSG(peek_slot_word(map, &e, 1, 2 + b) == want[b], "%s: bucket %u holds %llu, want %llu", name, b,
                  (unsigned long long)peek_slot_word(map, &e, 1, 2 + b), (unsigned long long)want[b]);
}

static void test_v2_histogram_buckets_follow_le(void)
{
    static const double few[] = {1.0, 2.5, 10.0};
    double many[20];
    uint64_t want_few[4] = {3, 1, 1, 3}, want_many[21];
    mmstats_v2_file *f = open_file("v2-buckets.mmstats", 4);
    mmstats_v2_histogram *a, *b;
    const unsigned char *map;
    peek_entry e;
    int i;
    if (!f)
        return;
    for (i = 0; i < 20; i++)
        many[i] = (double)(i + 1) * 10.0; /* 10, 20, ..., 200: the binary search */
    a = mmstats_v2_histogram_new(f, "few", few, 3, NULL, NULL);
    b = mmstats_v2_histogram_new(f, "many", many, 20, NULL, NULL);
    if (!a || !b) {
        check_fail(__FILE__, __LINE__, "histograms not added");
        mmstats_v2_close(f);
        return;
    }
    /* le: a value equal to a bound is in that bound's bucket */
    mmstats_v2_histogram_observe(a, -5.0);
    mmstats_v2_histogram_observe(a, 0.5);
    mmstats_v2_histogram_observe(a, 1.0);
    mmstats_v2_histogram_observe(a, 2.5);
    mmstats_v2_histogram_observe(a, 10.0);
    mmstats_v2_histogram_observe(a, 10.5);       /* past the last bound: +Inf */
    mmstats_v2_histogram_observe(a, INFINITY);
    mmstats_v2_histogram_observe(a, NAN);        /* v <= b never holds: +Inf */
    check_buckets(f, "few", want_few, 4);
    map = mmstats_v2_map(f);
    CHECK(peek_find(map, "few", &e) == 0 && peek_slot_word(map, &e, 1, 0) == 16);
    CHECK(isnan(f64_of(peek_slot_word(map, &e, 1, 1))));
    memset(want_many, 0, sizeof want_many);
    for (i = 0; i <= 210; i++) { /* 0 .. 210: bucket k takes (10k, 10k + 10] */
        int k = i <= 10 ? 0 : (i - 1) / 10;
        if (k > 20)
            k = 20;
        want_many[k]++;
        mmstats_v2_histogram_observe(b, (double)i);
    }
    check_buckets(f, "many", want_many, 21);
    CHECK(peek_find(map, "many", &e) == 0 && f64_of(peek_slot_word(map, &e, 1, 1)) == 210.0 * 211.0 / 2.0);
    mmstats_v2_close(f);
}

static void test_v2_text_is_cut_on_a_character_boundary(void)
{
    mmstats_v2_file *f = open_file("v2-text.mmstats", 2);
    mmstats_v2_string *s;
    mmstats_v2_constant *k;
    const unsigned char *map;
    peek_entry e;
    size_t at;
    if (!f)
        return;
    map = mmstats_v2_map(f);
    s = mmstats_v2_string_new(f, "s", 8, NULL, NULL, NULL);
    k = mmstats_v2_constant_text(f, "k", "caf\xc3\xa9", NULL, NULL);
    CHECK(s && k && s->f.capacity == 8 && k->f.capacity == 8); /* 5 bytes, rounded up to 8 */
    if (!s || !k) {
        mmstats_v2_close(f);
        return;
    }
    mmstats_v2_string_set(s, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"); /* 10 bytes of 2-byte characters */
    CHECK(peek_find(map, "s", &e) == 0 && e.value_size == 24);
    at = peek_u32(map, PEEK_PROCESS_OFFSET) + e.value_offset;
    CHECK(peek_u64(map, at) == 2 && peek_u32(map, at + 8) == 8);
    CHECK(memcmp(map + at + 16, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8) == 0);
    mmstats_v2_string_set(s, "ab\xe2\x82\xac\xe2\x82\xac"); /* a, b, then two 3-byte euros: 8 bytes fit exactly */
    CHECK(peek_u64(map, at) == 4 && peek_u32(map, at + 8) == 8);
    mmstats_v2_string_set(s, "abc\xe2\x82\xac\xe2\x82\xac"); /* 9 bytes: the second euro does not fit */
    CHECK(peek_u64(map, at) == 6 && peek_u32(map, at + 8) == 6 && memcmp(map + at + 16, "abc\xe2\x82\xac", 6) == 0);
    mmstats_v2_string_set(s, "");
    CHECK(peek_u64(map, at) == 8 && peek_u32(map, at + 8) == 0);
    CHECK(peek_find(map, "k", &e) == 0 && peek_process_word(map, &e, 0) == 0 && peek_process_word(map, &e, 1) == 5);
    mmstats_v2_close(f);
}

static void test_v2_additions_wrap_and_follow_binary64(void)
{
    mmstats_v2_file *f = open_file("v2-adds.mmstats", 2);
    mmstats_v2_counter *u, *d;
    mmstats_v2_updown *i64, *f64;
    mmstats_v2_gauge *g, *gf;
    const unsigned char *map;
    peek_entry e;
    if (!f)
        return;
    map = mmstats_v2_map(f);
    u = mmstats_v2_counter_new(f, "u", MMSTATS_V2_U64, NULL, NULL);
    d = mmstats_v2_counter_new(f, "d", MMSTATS_V2_F64, NULL, NULL);
    i64 = mmstats_v2_updown_new(f, "i", MMSTATS_V2_I64, NULL, NULL);
    f64 = mmstats_v2_updown_new(f, "f", MMSTATS_V2_F64, NULL, NULL);
    g = mmstats_v2_gauge_new(f, "g", MMSTATS_V2_I64, NULL, NULL);
    gf = mmstats_v2_gauge_new(f, "gf", MMSTATS_V2_F64, NULL, NULL);
    if (!u || !d || !i64 || !f64 || !g || !gf) {
        check_fail(__FILE__, __LINE__, "fields not added");
        mmstats_v2_close(f);
        return;
    }
    mmstats_v2_counter_add(u, UINT64_MAX);
    mmstats_v2_counter_add(u, 3);
    CHECK(peek_find(map, "u", &e) == 0 && peek_slot_sum(map, &e) == 2);
    mmstats_v2_counter_add_f64(d, 0.1);
    mmstats_v2_counter_add_f64(d, 0.2);
    CHECK(peek_find(map, "d", &e) == 0 && f64_of(peek_slot_word(map, &e, 1, 0)) == 0.1 + 0.2);
    mmstats_v2_updown_add(i64, INT64_MAX);
    mmstats_v2_updown_add(i64, 1);
    CHECK(peek_find(map, "i", &e) == 0 && (int64_t)peek_slot_sum(map, &e) == INT64_MIN);
    mmstats_v2_updown_add(i64, -1);
    CHECK((int64_t)peek_slot_sum(map, &e) == INT64_MAX);
    mmstats_v2_updown_add_f64(f64, -0.5);
    CHECK(peek_find(map, "f", &e) == 0 && f64_of(peek_slot_word(map, &e, 1, 0)) == -0.5);
    mmstats_v2_gauge_set_i64(g, -7);
    mmstats_v2_gauge_add_i64(g, 10);
    CHECK(peek_find(map, "g", &e) == 0 && (int64_t)peek_process_word(map, &e, 0) == 3);
    mmstats_v2_gauge_set_f64(gf, -0.0);
    CHECK(peek_find(map, "gf", &e) == 0 && peek_process_word(map, &e, 0) == UINT64_C(0x8000000000000000));
    mmstats_v2_gauge_add_f64(gf, 1.25);
    CHECK(f64_of(peek_process_word(map, &e, 0)) == 1.25);
    mmstats_v2_close(f);
}

static void test_v2_local_copy_is_the_threads_slot_or_the_shared_one(void)
{
    mmstats_v2_file *f = open_file("v2-local.mmstats", 2), *one = open_file("v2-local1.mmstats", 1);
    mmstats_v2_counter *c, *s;
    mmstats_v2_local l;
    peek_entry e;
    int i;
    if (!f || !one) {
        mmstats_v2_close(f);
        mmstats_v2_close(one);
        return;
    }
    c = mmstats_v2_counter_new(f, "c", MMSTATS_V2_U64, NULL, NULL);
    s = mmstats_v2_counter_new(one, "s", MMSTATS_V2_U64, NULL, NULL);
    l = mmstats_v2_counter_local(c);
    CHECK(!l.shared);
    for (i = 0; i < 1000; i++)
        mmstats_v2_local_add(l, 2);
    mmstats_v2_counter_add(c, 1); /* the same copy */
    CHECK(peek_find(mmstats_v2_map(f), "c", &e) == 0 && peek_slot_word(mmstats_v2_map(f), &e, 1, 0) == 2001);
    l = mmstats_v2_counter_local(s); /* a file of one slot: everyone shares slot 0 */
    CHECK(l.shared);
    mmstats_v2_local_add(l, 5);
    CHECK(peek_find(mmstats_v2_map(one), "s", &e) == 0 && peek_slot_word(mmstats_v2_map(one), &e, 0, 0) == 5);
    CHECK(peek_u32(mmstats_v2_map(one), PEEK_SLOTS_USED) == 1);
    mmstats_v2_close(f);
    mmstats_v2_close(one);
}

void run_v2_value_tests(void)
{
    RUN(test_v2_histogram_buckets_follow_le);
    RUN(test_v2_text_is_cut_on_a_character_boundary);
    RUN(test_v2_additions_wrap_and_follow_binary64);
    RUN(test_v2_local_copy_is_the_threads_slot_or_the_shared_one);
}
