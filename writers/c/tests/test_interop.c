/* test_interop.c -- the C writer replays scenarios of the mmstats 0.8 corpus
 * (conformance/golden/mmstats-0.8/, see its README) through the public API and
 * must produce the very same bytes. Only files without process-specific
 * values (sys.pid, sys.created, ...) can match byte for byte. */
#define _POSIX_C_SOURCE 200809L

#include "check.h"
#include "../mmstats.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GOLDEN_DIR
#error "GOLDEN_DIR must name conformance/golden/mmstats-0.8 (the Makefile sets it)"
#endif

static mmstats_file *start(const char *name, const mmstats_field_desc *d, size_t n)
{
    char file[128];
    const char *path;
    mmstats_error err;
    mmstats_file *f;
    snprintf(file, sizeof file, "interop-%s.mmstats", name);
    path = tmp_path(file);
    unlink(path);
    f = mmstats_create(path, d, n, MMSTATS_DEFAULT_MODE, &err);
    CHECK_MSG(f != NULL, "%s", err.message);
    return f;
}

/* Compare what we wrote (the map and the file on disk) with the 0.8 file. */
static void finish(const char *name, mmstats_file *f)
{
    char path[1200];
    unsigned char *want, *disk;
    size_t want_len = 0, disk_len = 0;
    snprintf(path, sizeof path, "%s/%s.mmstats", GOLDEN_DIR, name);
    want = read_file(path, &want_len);
    CHECK_MSG(want != NULL, "cannot read %s", path);
    disk = read_file(mmstats_path(f), &disk_len);
    if (want) {
        CHECK_MSG(mmstats_size(f) == want_len, "%s: size %zu, want %zu", name, mmstats_size(f), want_len);
        if (mmstats_size(f) == want_len) {
            CHECK_BYTES(mmstats_map(f), want, want_len, name);
            CHECK(disk_len == want_len && disk && memcmp(disk, want, want_len) == 0);
        }
    }
    free(want);
    free(disk);
    mmstats_remove(f);
}

static void test_interop_base_model(void)
{
    mmstats_field_desc d[] = {{"bare.hits", 0, "Q", 1}, {"bare.name", 0, "256s", 0}, {"bare.ratio", 0, "d", 1}};
    mmstats_file *f = start("base-model", d, 3);
    if (!f)
        return;
    mmstats_incr(mmstats_slot_at(f, 0), 3);
    mmstats_set_str(mmstats_slot_at(f, 1), "no defaults", 11);
    mmstats_set_double(mmstats_slot_at(f, 2), 0.75);
    finish("base-model", f);
}

static void test_interop_write_buffer(void)
{
    mmstats_field_desc d[] = {{"wb.never", 0, "I", 1}, {"wb.once", 0, "I", 1}, {"wb.odd", 0, "I", 1},
                              {"wb.even", 0, "I", 1},  {"wb.counter.odd", 0, "Q", 1},
                              {"wb.counter.even", 0, "Q", 1}};
    mmstats_file *f = start("write-buffer", d, 6);
    int i;
    if (!f)
        return;
    mmstats_set_u64(mmstats_slot_named(f, "wb.once"), 11);
    for (i = 21; i <= 23; i++)
        mmstats_set_u64(mmstats_slot_named(f, "wb.odd"), (uint64_t)i);
    for (i = 31; i <= 34; i++)
        mmstats_set_u64(mmstats_slot_named(f, "wb.even"), (uint64_t)i);
    for (i = 0; i < 5; i++)
        mmstats_incr(mmstats_slot_named(f, "wb.counter.odd"), 1);
    for (i = 0; i < 6; i++)
        mmstats_incr(mmstats_slot_named(f, "wb.counter.even"), 1);
    finish("write-buffer", f);
}

static void test_interop_exact_page(void)
{
    static char xs[4000];
    static const char last[] = "the last field ends exactly at byte 4096";
    mmstats_field_desc d[] = {{"c", 0, "Q", 1}, {"x", 0, "4000s", 0}, {"y", 0, "52s", 0}};
    mmstats_file *f = start("exact-page", d, 3);
    if (!f)
        return;
    memset(xs, 'X', sizeof xs);
    mmstats_incr(mmstats_slot_at(f, 0), 7);
    mmstats_set_str(mmstats_slot_at(f, 1), xs, sizeof xs);
    mmstats_set_str(mmstats_slot_at(f, 2), last, strlen(last));
    CHECK(mmstats_size(f) == 4096); /* the records fill the page: no terminator */
    finish("exact-page", f);
}

static void test_interop_wraparound(void)
{
    mmstats_field_desc d[] = {{"wrap.counter", 0, "Q", 1}, {"wrap.u32", 0, "I", 1}, {"wrap.i16", 0, "h", 1},
                              {"wrap.u16", 0, "H", 1},     {"wrap.i8", 0, "b", 0}};
    mmstats_file *f = start("wraparound", d, 5);
    if (!f)
        return;
    mmstats_incr(mmstats_slot_at(f, 0), 10);
    mmstats_incr(mmstats_slot_at(f, 0), (uint64_t)-11);
    mmstats_set_i64(mmstats_slot_at(f, 1), -1);
    mmstats_set_i64(mmstats_slot_at(f, 2), 40000);
    mmstats_set_i64(mmstats_slot_at(f, 3), -2);
    mmstats_set_i64(mmstats_slot_at(f, 4), 200);
    finish("wraparound", f);
}

static void test_interop_labels(void)
{
    static char l255[256], m256[257], n512[513];
    mmstats_field_desc d[7];
    mmstats_file *f;
    memcpy(l255, "p.", 2);
    memset(l255 + 2, 'L', 253);
    memcpy(m256, "p.", 2);
    memset(m256 + 2, 'M', 254);
    memcpy(n512, "p.", 2);
    memset(n512 + 2, 'N', 510);
    d[0] = (mmstats_field_desc){"p.empty_label", 0, "I", 1};
    d[1] = (mmstats_field_desc){"p.a", 0, "I", 1};
    d[2] = (mmstats_field_desc){"p.The Bool", 0, "?", 0};
    d[3] = (mmstats_field_desc){"p.temp.\xc2\xb0" "C.m\xc3\xa9t\xc3\xa9o", 0, "d", 1};
    d[4] = (mmstats_field_desc){l255, 0, "I", 1};
    d[5] = (mmstats_field_desc){m256, 0, "I", 1};
    d[6] = (mmstats_field_desc){n512, 0, "b", 0};
    f = start("labels", d, 7);
    if (!f)
        return;
    mmstats_set_u64(mmstats_slot_at(f, 0), 1);
    mmstats_set_u64(mmstats_slot_at(f, 1), 2);
    mmstats_set_bool(mmstats_slot_at(f, 2), 1);
    mmstats_set_double(mmstats_slot_at(f, 3), 21.5);
    mmstats_set_u64(mmstats_slot_at(f, 4), 255);
    mmstats_set_u64(mmstats_slot_at(f, 5), 256);
    mmstats_set_i64(mmstats_slot_at(f, 6), 5);
    finish("labels", f);
}

static void test_interop_special_floats(void)
{
    mmstats_field_desc d[] = {
        {"f32.nan", 0, "f", 1},     {"f32.inf", 0, "f", 1},         {"f32.ninf", 0, "f", 1},
        {"f32.denormal", 0, "f", 1}, {"f64.nan", 0, "d", 1},        {"f64.negnan", 0, "d", 1},
        {"f32.negnan", 0, "f", 1},  {"f64.inf", 0, "d", 1},         {"f64.ninf", 0, "d", 1},
        {"f64.negzero", 0, "d", 1}, {"f64.max", 0, "d", 1},         {"f64.denormal", 0, "d", 1},
        {"f64.static.nan", 0, "d", 0}, {"f32.static.ninf", 0, "f", 0},
    };
    const double values[] = {NAN, INFINITY, -INFINITY, 1.401298464324817e-45, NAN, copysign(NAN, -1.0),
                             copysign(NAN, -1.0), INFINITY, -INFINITY, -0.0, DBL_MAX, 5e-324, NAN, -INFINITY};
    mmstats_file *f = start("special-floats", d, 14);
    size_t i;
    if (!f)
        return;
    for (i = 0; i < 14; i++)
        mmstats_set_double(mmstats_slot_at(f, i), values[i]);
    finish("special-floats", f);
}

static void test_interop_string_size_zero(void)
{
    mmstats_field_desc d[] = {{"str.zero", 0, "0s", 0}, {"after", 0, "I", 1}};
    mmstats_file *f = start("string-size-zero", d, 2);
    if (!f)
        return;
    mmstats_set_u64(mmstats_slot_at(f, 1), 99);
    finish("string-size-zero", f);
}

/* A missing corpus file fails the test that needs it (finish() cannot read it). */
void run_interop_tests(void)
{
    RUN(test_interop_base_model);
    RUN(test_interop_write_buffer);
    RUN(test_interop_exact_page);
    RUN(test_interop_wraparound);
    RUN(test_interop_labels);
    RUN(test_interop_special_floats);
    RUN(test_interop_string_size_zero);
}
