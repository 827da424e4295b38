/* test_image.c -- the bytes the writer produces, against expectations written
 * out by hand here (offsets, write-buffer flips, stale buffers, string cuts,
 * wraparound, float conversions). */
#define _POSIX_C_SOURCE 200809L

#include "check.h"
#include "../mmstats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static mmstats_file *make(const char *name, const mmstats_field_desc *fields, size_t n)
{
    mmstats_error err;
    const char *path = tmp_path(name);
    mmstats_file *f;
    unlink(path);
    f = mmstats_create(path, fields, n, MMSTATS_DEFAULT_MODE, &err);
    CHECK_MSG(f != NULL, "create %s: %s", path, err.message);
    return f;
}

static int all_zero(const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* offsets.py: value_offset(label_size, type_size) = 2 + label + 2 + type + 1 */
static void test_offset_macros_follow_the_record_layout(void)
{
    CHECK(MMSTATS_FIRST_RECORD_OFFSET == 1);
    CHECK(MMSTATS_LABEL_OFFSET == 2);
    CHECK(MMSTATS_TYPE_SIZE_OFFSET(4) == 6);
    CHECK(MMSTATS_TYPE_OFFSET(4) == 8);
    CHECK(MMSTATS_WRITE_BUFFER_OFFSET(4, 1) == 9);
    CHECK(MMSTATS_VALUE_OFFSET(4, 1) == 10);
    CHECK(MMSTATS_VALUE_OFFSET(0x100, 4) == 2 + 256 + 2 + 4 + 1);
}

static void test_type_table_sizes(void)
{
    CHECK(mmstats_type_value_size("b", 1) == 1 && mmstats_type_value_size("B", 1) == 1);
    CHECK(mmstats_type_value_size("h", 1) == 2 && mmstats_type_value_size("H", 1) == 2);
    CHECK(mmstats_type_value_size("i", 1) == 4 && mmstats_type_value_size("I", 1) == 4);
    CHECK(mmstats_type_value_size("q", 1) == 8 && mmstats_type_value_size("Q", 1) == 8);
    CHECK(mmstats_type_value_size("f", 1) == 4 && mmstats_type_value_size("d", 1) == 8);
    CHECK(mmstats_type_value_size("?", 1) == 1);
    CHECK(mmstats_type_value_size("0s", 2) == 0);
    CHECK(mmstats_type_value_size("255s", 4) == 255);
    CHECK(mmstats_type_value_size("999999999s", 10) == 999999999);
    CHECK(mmstats_type_value_size("1000000000s", 11) == -1); /* 10 digits */
    CHECK(mmstats_type_value_size("01s", 3) == -1);          /* leading zero */
    CHECK(mmstats_type_value_size("s", 1) == -1);
    CHECK(mmstats_type_value_size("+1s", 3) == -1);
    CHECK(mmstats_type_value_size("4S", 2) == -1);
    CHECK(mmstats_type_value_size("l", 1) == -1 && mmstats_type_value_size("L", 1) == -1);
    CHECK(mmstats_type_value_size("", 0) == -1);
    CHECK(mmstats_type_value_size("QQ", 2) == -1);
    CHECK(mmstats_type_kind("?", 1) == MMSTATS_KIND_BOOL && mmstats_type_kind("d", 1) == MMSTATS_KIND_FLOAT);
    CHECK(mmstats_type_kind("7s", 2) == MMSTATS_KIND_STRING && mmstats_type_kind("q", 1) == MMSTATS_KIND_INT);
}

static void test_image_of_one_buffered_counter(void)
{
    static const unsigned char want[] = {
        0x00,                   /* version: not ready until the file is mapped */
        0x04, 0x00, 'h', 'i', 't', 's', /* label_size 4, label */
        0x01, 0x00, 'Q',        /* type_size 1, type */
        0x00,                   /* write_buffer 0 */
        0, 0, 0, 0, 0, 0, 0, 0, /* value[0] */
        0, 0, 0, 0, 0, 0, 0, 0, /* value[1] */
    };
    mmstats_field_desc d[] = {{"hits", 0, "Q", 1}};
    mmstats_error err;
    unsigned char *img;
    size_t n = mmstats_image_size(d, 1, &err);
    CHECK(n == 4096);
    img = malloc(n);
    CHECK(mmstats_build_image(img, n, d, 1, &err) == 0);
    CHECK_BYTES(img, want, sizeof want, "image");
    CHECK(all_zero(img + sizeof want, n - sizeof want));
    CHECK(mmstats_build_image(img, n - 1, d, 1, &err) == -1); /* wrong buffer size */
    free(img);
}

static void test_image_of_no_fields_is_one_zero_page(void)
{
    mmstats_error err;
    unsigned char img[4096];
    CHECK(mmstats_image_size(NULL, 0, &err) == 4096);
    memset(img, 0xAA, sizeof img);
    CHECK(mmstats_build_image(img, sizeof img, NULL, 0, &err) == 0);
    CHECK(all_zero(img, sizeof img));
}

static void test_image_size_rounds_up_to_whole_pages(void)
{
    mmstats_error err;
    /* version 1 + record (2 + 1 + 2 + 5 + 1 + N): N = 4084 fills one page exactly */
    mmstats_field_desc over[] = {{"x", 0, "4085s", 0}};
    mmstats_field_desc exact[] = {{"x", 0, "4084s", 0}};
    mmstats_field_desc under[] = {{"x", 0, "4083s", 0}};
    CHECK(mmstats_image_size(over, 1, &err) == 8192);
    CHECK(mmstats_image_size(exact, 1, &err) == 4096);
    CHECK(mmstats_image_size(under, 1, &err) == 4096);
}

static void test_unbuffered_and_buffered_records_back_to_back(void)
{
    static const unsigned char want[] = {
        0x00,
        0x01, 0x00, 'a', 0x01, 0x00, 'b', 0xff, 0x00,                 /* a: b unbuffered, one value */
        0x02, 0x00, 'b', 'c', 0x01, 0x00, 'h', 0x00, 0, 0, 0, 0,    /* bc: h buffered, two values */
        0x01, 0x00, 'z', 0x02, 0x00, '3', 's', 0xff, 0, 0, 0,        /* z: 3s unbuffered */
    };
    mmstats_field_desc d[] = {{"a", 0, "b", 0}, {"bc", 0, "h", 1}, {"z", 0, "3s", 0}};
    mmstats_error err;
    unsigned char img[4096];
    CHECK(mmstats_build_image(img, sizeof img, d, 3, &err) == 0);
    CHECK_BYTES(img, want, sizeof want, "image");
    CHECK(all_zero(img + sizeof want, sizeof img - sizeof want));
}

static void test_created_file_is_ready_and_matches_the_map(void)
{
    mmstats_field_desc d[] = {{"hits", 0, "Q", 1}};
    mmstats_file *f = make("ready.mmstats", d, 1);
    unsigned char *disk;
    size_t len = 0;
    if (!f)
        return;
    CHECK(mmstats_size(f) == 4096);
    CHECK(mmstats_map(f)[0] == 0x01);
    mmstats_incr(mmstats_slot_at(f, 0), 42);
    disk = read_file(mmstats_path(f), &len);
    CHECK(len == 4096);
    CHECK(disk && disk[0] == 0x01);
    CHECK_BYTES(disk, mmstats_map(f), 4096, "file vs map");
    free(disk);
    CHECK(mmstats_sync(f) == 0);
    CHECK(mmstats_close(f) == 0);
}

/* A reader's view: value[wb ^ 1] of a buffered record, little-endian. */
static uint64_t read_le(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    while (n--)
        v = (v << 8) | p[n];
    return v;
}

static void test_counter_flips_write_buffer_and_leaves_stale_buffer(void)
{
    mmstats_field_desc d[] = {{"hits", 0, "Q", 1}};
    mmstats_file *f = make("flip.mmstats", d, 1);
    const unsigned char *m;
    mmstats_slot *s;
    if (!f)
        return;
    m = mmstats_map(f);
    s = mmstats_slot_named(f, "hits");
    CHECK(s == mmstats_slot_at(f, 0));
    /* record at 1: label_size 1-2, "hits" 3-6, type_size 7-8, "Q" 9, write_buffer 10, values 11 and 19 */
    CHECK(s->write_buffer == m + 10 && s->value == m + 11);
    mmstats_incr(s, 3); /* writes value[0], wb -> 1 */
    CHECK(m[10] == 1 && read_le(m + 11, 8) == 3 && read_le(m + 19, 8) == 0);
    mmstats_incr(s, 4); /* writes value[1] = 7, wb -> 0; value[0] keeps 3 */
    CHECK(m[10] == 0 && read_le(m + 19, 8) == 7 && read_le(m + 11, 8) == 3);
    mmstats_incr(s, 1); /* value[0] = 8, wb -> 1; value[1] keeps 7 */
    CHECK(m[10] == 1 && read_le(m + 11, 8) == 8 && read_le(m + 19, 8) == 7);
    CHECK(read_le(m + 11 + 8 * (m[10] ^ 1), 8) == 8); /* what a reader reads */
    CHECK(mmstats_value_u64(s) == 8 && mmstats_write_buffer(s) == 1);
    mmstats_decr(s, 10); /* wraps below zero */
    CHECK(m[10] == 0 && read_le(m + 19, 8) == UINT64_MAX - 1);
    mmstats_close(f);
}

static void test_integers_wrap_modulo_their_width(void)
{
    mmstats_field_desc d[] = {
        {"u32", 0, "I", 1}, {"i16", 0, "h", 1}, {"u16", 0, "H", 1}, {"i8", 0, "b", 0},
        {"u8", 0, "B", 0},  {"q", 0, "q", 0},   {"c", 0, "Q", 1},
    };
    mmstats_file *f = make("wrap.mmstats", d, 7);
    mmstats_slot *s;
    if (!f)
        return;
    s = mmstats_slot_named(f, "u32");
    mmstats_set_i64(s, -1);
    CHECK(read_le(s->value, 4) == 0xFFFFFFFFu && s->write_buffer[0] == 1);
    CHECK(s->value[4] == 0); /* value[1] untouched */
    s = mmstats_slot_named(f, "i16");
    mmstats_set_i64(s, 40000);
    CHECK(s->value[0] == 0x40 && s->value[1] == 0x9c && mmstats_value_i64(s) == -25536);
    s = mmstats_slot_named(f, "u16");
    mmstats_set_i64(s, -2);
    CHECK(s->value[0] == 0xfe && s->value[1] == 0xff && mmstats_value_u64(s) == 65534);
    s = mmstats_slot_named(f, "i8");
    mmstats_set_i64(s, 200);
    CHECK(s->value[0] == 0xc8 && s->write_buffer[0] == 0xff && mmstats_value_i64(s) == -56);
    mmstats_incr(s, 100); /* -56 + 100 = 44, unbuffered: same byte */
    CHECK(s->value[0] == 44 && s->write_buffer[0] == 0xff);
    s = mmstats_slot_named(f, "u8");
    mmstats_set_u64(s, 0x1FF);
    CHECK(s->value[0] == 0xff && s->value[1] == 1); /* no spill into the next record's label_size */
    s = mmstats_slot_named(f, "q");
    mmstats_set_i64(s, INT64_MIN);
    CHECK(read_le(s->value, 8) == UINT64_C(0x8000000000000000) && mmstats_value_i64(s) == INT64_MIN);
    s = mmstats_slot_named(f, "c");
    mmstats_incr(s, 10);
    mmstats_incr(s, (uint64_t)-11); /* as 0.8's incr(-11) */
    CHECK(read_le(s->value + 8, 8) == UINT64_MAX && read_le(s->value, 8) == 10 && s->write_buffer[0] == 0);
    mmstats_close(f);
}

static uint32_t f32_bits(const unsigned char *p) { return (uint32_t)read_le(p, 4); }

static void test_floats_store_ieee_bits(void)
{
    mmstats_field_desc d[] = {{"f", 0, "f", 0}, {"d", 0, "d", 0}, {"fb", 0, "f", 1}};
    mmstats_file *f = make("floats.mmstats", d, 3);
    mmstats_slot *sf, *sd, *fb;
    if (!f)
        return;
    sf = mmstats_slot_at(f, 0);
    sd = mmstats_slot_at(f, 1);
    fb = mmstats_slot_at(f, 2);
    mmstats_set_double(sf, 0.1);
    CHECK_MSG(f32_bits(sf->value) == 0x3dcccccdu, "f 0.1 bits %08x", f32_bits(sf->value));
    mmstats_set_double(sd, 0.1);
    CHECK(read_le(sd->value, 8) == UINT64_C(0x3fb999999999999a));
    mmstats_set_double(sf, 1e300); /* float32 overflow stores +inf */
    CHECK(f32_bits(sf->value) == 0x7f800000u);
    mmstats_set_double(sf, -1e300);
    CHECK(f32_bits(sf->value) == 0xff800000u);
    mmstats_set_double(sf, -0.0);
    CHECK(f32_bits(sf->value) == 0x80000000u);
    mmstats_set_double(sf, NAN);
    CHECK(f32_bits(sf->value) == 0x7fc00000u);
    mmstats_set_double(sd, -INFINITY);
    CHECK(read_le(sd->value, 8) == UINT64_C(0xfff0000000000000));
    mmstats_set_double(sd, 5e-324);
    CHECK(read_le(sd->value, 8) == 1);
    mmstats_set_double(fb, 1.0 / 3.0);
    CHECK(f32_bits(fb->value) == 0x3eaaaaabu && fb->write_buffer[0] == 1);
    mmstats_close(f);
}

static void test_bool_stores_one_or_zero(void)
{
    mmstats_field_desc d[] = {{"ok", 0, "?", 0}};
    mmstats_file *f = make("bool.mmstats", d, 1);
    mmstats_slot *s;
    if (!f)
        return;
    s = mmstats_slot_at(f, 0);
    mmstats_set_bool(s, 5);
    CHECK(s->value[0] == 1);
    mmstats_set_bool(s, 0);
    CHECK(s->value[0] == 0);
    mmstats_close(f);
}

static void test_strings_cut_pad_and_keep_stale_bytes(void)
{
    static const char heart[] = "\xe2\x9d\xa4"; /* U+2764, 3 bytes */
    char hearts[34] = "";
    mmstats_field_desc d[] = {{"s8", 0, "8s", 0}, {"s10", 0, "10s", 0}, {"s5", 0, "5s", 0},
                              {"s32", 0, "32s", 0}, {"s0", 0, "0s", 0}, {"b4", 0, "4s", 1}};
    mmstats_file *f = make("strings.mmstats", d, 6);
    mmstats_slot *s;
    int i;
    if (!f)
        return;
    s = mmstats_slot_named(f, "s8");
    mmstats_set_str(s, "abcdefghijkl", 12);
    CHECK_BYTES(s->value, (const unsigned char *)"abcdefgh", 8, "cut to 8 bytes, no NUL");
    CHECK(s->value[8] == 3 && s->value[9] == 0); /* next record's label_size 3 ("s10") untouched */
    s = mmstats_slot_named(f, "s10");
    for (i = 0; i < 11; i++)
        strcat(hearts, heart);
    mmstats_set_str(s, hearts, strlen(hearts));
    CHECK_BYTES(s->value, (const unsigned char *)"\xe2\x9d\xa4\xe2\x9d\xa4\xe2\x9d\xa4\x00", 10,
                "three whole characters, the partial fourth dropped");
    s = mmstats_slot_named(f, "s5");
    mmstats_set_str(s, "12345", 5);
    CHECK_BYTES(s->value, (const unsigned char *)"12345", 5, "exactly N: no NUL");
    s = mmstats_slot_named(f, "s32");
    mmstats_set_str(s, "a much longer earlier value", 27);
    mmstats_set_str(s, "short", 5);
    CHECK_BYTES(s->value, (const unsigned char *)"short\0 longer earlier value\0\0\0\0\0", 32,
                "one NUL after the value, stale bytes kept");
    s = mmstats_slot_named(f, "s0");
    mmstats_set_str(s, "abc", 3); /* nothing fits */
    CHECK(s->value[0] == 0x02 && s->value[1] == 0x00); /* next label_size untouched */
    s = mmstats_slot_named(f, "b4");
    mmstats_set_str(s, "abcd", 4); /* value[0] */
    mmstats_set_str(s, "wx", 2);   /* value[1] */
    mmstats_set_str(s, "q", 1);    /* value[0] again, over "abcd" */
    CHECK_BYTES(s->value, (const unsigned char *)"q\0cdwx\0\0", 8, "buffered string");
    CHECK(s->write_buffer[0] == 1);
    mmstats_set_bytes(s, "\xe2\x82\xac\xe2\x82\xac", 6); /* raw bytes: blind cut */
    CHECK_BYTES(s->value + 4, (const unsigned char *)"\xe2\x82\xac\xe2", 4, "blind cut");
    mmstats_close(f);
}

static void test_utf8_cut_boundaries(void)
{
    CHECK(mmstats_utf8_cut("abc", 3, 5) == 3);
    CHECK(mmstats_utf8_cut("abc", 3, 3) == 3);
    CHECK(mmstats_utf8_cut("abc", 3, 2) == 2);
    CHECK(mmstats_utf8_cut("\xc3\xa9", 2, 1) == 0);                 /* é cut in half */
    CHECK(mmstats_utf8_cut("a\xf0\x9f\x98\x80", 5, 4) == 1);        /* emoji needs 4 */
    CHECK(mmstats_utf8_cut("a\xf0\x9f\x98\x80" "b", 6, 5) == 5);    /* emoji fits whole */
    CHECK(mmstats_utf8_cut("\xf0\x9f\x98\x80", 4, 0) == 0);
}

static void test_labels_with_explicit_length(void)
{
    static const unsigned char want[] = {0x00, 0x03, 0x00, 'a', 0x00, 'b', 0x01, 0x00, 'B', 0xff, 0x00};
    mmstats_field_desc d[] = {{"a\0b", 3, "B", 0}};
    mmstats_error err;
    unsigned char img[4096];
    CHECK(mmstats_build_image(img, sizeof img, d, 1, &err) == 0);
    CHECK_BYTES(img, want, sizeof want, "label with a NUL inside");
}

void run_image_tests(void)
{
    RUN(test_offset_macros_follow_the_record_layout);
    RUN(test_type_table_sizes);
    RUN(test_image_of_one_buffered_counter);
    RUN(test_image_of_no_fields_is_one_zero_page);
    RUN(test_image_size_rounds_up_to_whole_pages);
    RUN(test_unbuffered_and_buffered_records_back_to_back);
    RUN(test_created_file_is_ready_and_matches_the_map);
    RUN(test_counter_flips_write_buffer_and_leaves_stale_buffer);
    RUN(test_integers_wrap_modulo_their_width);
    RUN(test_floats_store_ieee_bits);
    RUN(test_bool_stores_one_or_zero);
    RUN(test_strings_cut_pad_and_keep_stale_bytes);
    RUN(test_utf8_cut_boundaries);
    RUN(test_labels_with_explicit_length);
}
