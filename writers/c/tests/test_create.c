/* test_create.c -- the creation protocol: O_EXCL/O_NOFOLLOW, permission
 * bits, clear errors, nothing left behind on failure, and the layout of many
 * fields checked by an independent walk over the file. */
#define _POSIX_C_SOURCE 200809L

#include "check.h"
#include "../mmstats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static void test_existing_file_is_never_overwritten(void)
{
    mmstats_field_desc d[] = {{"x", 0, "Q", 1}};
    const char *path = tmp_path("exists.mmstats");
    mmstats_error err;
    unsigned char *data;
    size_t len = 0;
    write_text(path, "precious user data");
    CHECK(mmstats_create(path, d, 1, MMSTATS_DEFAULT_MODE, &err) == NULL);
    CHECK(err.err_no == EEXIST);
    CHECK_MSG(strstr(err.message, path) && strstr(err.message, "exist"), "message: %s", err.message);
    data = read_file(path, &len);
    CHECK(data && len == 18 && memcmp(data, "precious user data", 18) == 0);
    free(data);
    unlink(path);
}

static void test_symlink_is_never_followed(void)
{
    mmstats_field_desc d[] = {{"x", 0, "Q", 1}};
    const char *target = tmp_path("symlink-target");
    const char *link = tmp_path("symlink.mmstats");
    mmstats_error err;
    unsigned char *data;
    size_t len = 0;
    CHECK(symlink(target, link) == 0); /* dangling: O_CREAT alone would create target */
    CHECK(mmstats_create(link, d, 1, MMSTATS_DEFAULT_MODE, &err) == NULL);
    CHECK(err.err_no == EEXIST || err.err_no == ELOOP);
    CHECK(!exists(target));
    write_text(target, "keep");
    CHECK(mmstats_create(link, d, 1, MMSTATS_DEFAULT_MODE, &err) == NULL);
    data = read_file(target, &len);
    CHECK(data && len == 4 && memcmp(data, "keep", 4) == 0);
    free(data);
    unlink(link);
    unlink(target);
}

static void test_missing_directory_names_path_and_errno(void)
{
    mmstats_field_desc d[] = {{"x", 0, "Q", 1}};
    const char *path = tmp_path("no-such-dir/x.mmstats");
    mmstats_error err;
    CHECK(mmstats_create(path, d, 1, MMSTATS_DEFAULT_MODE, &err) == NULL);
    CHECK(err.err_no == ENOENT);
    CHECK_MSG(strstr(err.message, path) && strstr(err.message, strerror(ENOENT)), "message: %s", err.message);
    CHECK(mmstats_create(path, d, 1, MMSTATS_DEFAULT_MODE, NULL) == NULL); /* err may be NULL */
    CHECK(mmstats_create(NULL, d, 1, MMSTATS_DEFAULT_MODE, &err) == NULL && err.err_no == EINVAL);
    CHECK(mmstats_create(path, NULL, 1, MMSTATS_DEFAULT_MODE, &err) == NULL && err.err_no == EINVAL);
}

static void expect_rejected(const mmstats_field_desc *d, size_t n, const char *fragment)
{
    const char *path = tmp_path("rejected.mmstats");
    mmstats_error err;
    CHECK(mmstats_create(path, d, n, MMSTATS_DEFAULT_MODE, &err) == NULL);
    CHECK(err.err_no == EINVAL);
    CHECK_MSG(strstr(err.message, fragment) != NULL, "want \"%s\" in: %s", fragment, err.message);
    CHECK_MSG(strstr(err.message, path) != NULL, "want the path in: %s", err.message);
    CHECK(!exists(path)); /* descriptions are checked before anything is created */
}

static void test_invalid_descriptions_are_rejected_before_creating(void)
{
    static char big_label[MMSTATS_MAX_LABEL_SIZE + 2];
    mmstats_field_desc empty[] = {{"ok", 0, "Q", 1}, {"", 0, "Q", 1}};
    mmstats_field_desc bad_type[] = {{"ok", 0, "Z", 1}};
    mmstats_field_desc lead_zero[] = {{"ok", 0, "08s", 0}};
    mmstats_field_desc ten_digits[] = {{"ok", 0, "1000000000s", 0}};
    mmstats_field_desc overlong[] = {{"\xc0\x80", 0, "Q", 0}};
    mmstats_field_desc surrogate[] = {{"a\xed\xa0\x80", 0, "Q", 0}};
    mmstats_field_desc too_high[] = {{"\xf4\x90\x80\x80", 0, "Q", 0}};
    mmstats_field_desc cut[] = {{"ab\xe2\x82", 0, "Q", 0}};
    mmstats_field_desc dup[] = {{"a", 0, "Q", 1}, {"b", 0, "Q", 1}, {"a", 0, "d", 0}};
    mmstats_field_desc huge[] = {{big_label, 0, "B", 0}};
    memset(big_label, 'L', MMSTATS_MAX_LABEL_SIZE + 1);
    expect_rejected(empty, 2, "field 1");
    expect_rejected(bad_type, 1, "\"Z\" is not in the type table");
    expect_rejected(lead_zero, 1, "\"08s\"");
    expect_rejected(ten_digits, 1, "not in the type table");
    expect_rejected(overlong, 1, "label byte 0 (0xc0) is not well-formed UTF-8");
    expect_rejected(surrogate, 1, "label byte 1 (0xed)");
    expect_rejected(too_high, 1, "label byte 0 (0xf4)");
    expect_rejected(cut, 1, "label byte 2 (0xe2)");
    expect_rejected(dup, 3, "field 2: label \"a\" is already used by field 0");
    expect_rejected(huge, 1, "65536 bytes");
}

static void test_longest_label_and_four_byte_characters_are_accepted(void)
{
    static char label[MMSTATS_MAX_LABEL_SIZE + 1];
    mmstats_field_desc d[] = {{label, 0, "B", 0}, {"\xf0\x9f\x98\x80 \xe2\x82\xac", 0, "B", 0}};
    mmstats_file *f;
    mmstats_error err;
    const unsigned char *m;
    memset(label, 'L', MMSTATS_MAX_LABEL_SIZE);
    f = mmstats_create(tmp_path("longlabel.mmstats"), d, 2, MMSTATS_DEFAULT_MODE, &err);
    CHECK_MSG(f != NULL, "%s", err.message);
    if (!f)
        return;
    m = mmstats_map(f);
    CHECK(m[1] == 0xff && m[2] == 0xff); /* label_size 65535 */
    CHECK(mmstats_size(f) == 69632);     /* 1 + 65542 + 15 = 65558 -> 17 pages */
    CHECK(mmstats_remove(f) == 0);
}

static void test_permission_bits_follow_mode_and_umask(void)
{
    mmstats_field_desc d[] = {{"x", 0, "B", 0}};
    struct stat st;
    mode_t old = umask(022);
    mmstats_file *f = mmstats_create(tmp_path("mode-default.mmstats"), d, 1, MMSTATS_DEFAULT_MODE, NULL);
    CHECK(f && stat(mmstats_path(f), &st) == 0 && (st.st_mode & 07777) == 0644);
    CHECK(S_ISREG(st.st_mode));
    mmstats_remove(f);
    f = mmstats_create(tmp_path("mode-0600.mmstats"), d, 1, 0600, NULL);
    CHECK(f && stat(mmstats_path(f), &st) == 0 && (st.st_mode & 07777) == 0600);
    mmstats_remove(f);
    umask(077);
    f = mmstats_create(tmp_path("mode-umask.mmstats"), d, 1, MMSTATS_DEFAULT_MODE, NULL);
    CHECK(f && stat(mmstats_path(f), &st) == 0 && (st.st_mode & 07777) == 0600);
    mmstats_remove(f);
    umask(old);
}

static void test_remove_deletes_and_close_keeps(void)
{
    mmstats_field_desc d[] = {{"x", 0, "B", 0}};
    const char *kept = tmp_path("kept.mmstats");
    const char *gone = tmp_path("gone.mmstats");
    mmstats_file *f = mmstats_create(kept, d, 1, MMSTATS_DEFAULT_MODE, NULL);
    CHECK(f && mmstats_close(f) == 0 && exists(kept));
    f = mmstats_create(gone, d, 1, MMSTATS_DEFAULT_MODE, NULL);
    CHECK(f && exists(gone));
    CHECK(mmstats_remove(f) == 0 && !exists(gone));
    CHECK(mmstats_close(NULL) == 0);
    unlink(kept);
}

static void test_slot_lookups(void)
{
    mmstats_field_desc d[] = {{"a", 0, "B", 0}, {"a.b", 0, "Q", 1}};
    mmstats_file *f = mmstats_create(tmp_path("lookup.mmstats"), d, 2, MMSTATS_DEFAULT_MODE, NULL);
    if (!f) {
        CHECK(f != NULL);
        return;
    }
    CHECK(mmstats_slot_count(f) == 2);
    CHECK(mmstats_slot_at(f, 2) == NULL);
    CHECK(mmstats_slot_named(f, "a.b") == mmstats_slot_at(f, 1));
    CHECK(mmstats_slot_named(f, "a.") == NULL);
    CHECK(mmstats_slot_named_n(f, "a.bc", 3) == mmstats_slot_at(f, 1));
    CHECK(strcmp(mmstats_slot_at(f, 1)->type, "Q") == 0 && mmstats_slot_at(f, 1)->offset == 9); /* 1 + (2+1+2+1+1+1) */
    mmstats_remove(f);
}

static unsigned read_u16(const unsigned char *p) { return p[0] | (unsigned)p[1] << 8; }

/* 600 fields of every kind, walked record by record without the library. */
static void test_many_fields_walk_back_to_back(void)
{
    static const char *types[] = {"b", "B", "h", "H", "i", "I", "q", "Q", "f", "d", "?", "12s", "0s"};
    static const int sizes[] = {1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 1, 12, 0};
    enum { N = 600 };
    static char labels[N][24];
    mmstats_field_desc d[N];
    mmstats_file *f;
    const unsigned char *m;
    size_t pos = 1, i;
    for (i = 0; i < N; i++) {
        snprintf(labels[i], sizeof labels[i], "many.%03zu.%s", i, types[i % 13]);
        d[i].label = labels[i];
        d[i].label_len = 0;
        d[i].type = types[i % 13];
        d[i].buffered = (i / 13) % 2;
    }
    f = mmstats_create(tmp_path("many.mmstats"), d, N, MMSTATS_DEFAULT_MODE, NULL);
    if (!f) {
        CHECK(f != NULL);
        return;
    }
    m = mmstats_map(f);
    for (i = 0; i < N; i++) {
        size_t ls = read_u16(m + pos), ts, value_size = (size_t)sizes[i % 13];
        mmstats_slot *s = mmstats_slot_at(f, i);
        CHECK_MSG(ls == strlen(labels[i]) && memcmp(m + pos + 2, labels[i], ls) == 0, "record %zu label", i);
        ts = read_u16(m + pos + 2 + ls);
        CHECK_MSG(ts == strlen(types[i % 13]) && memcmp(m + pos + 4 + ls, types[i % 13], ts) == 0,
                  "record %zu type", i);
        CHECK_MSG(m[pos + 4 + ls + ts] == (d[i].buffered ? 0 : 0xff), "record %zu write buffer", i);
        CHECK_MSG(s->offset == pos && s->write_buffer == m + pos + 4 + ls + ts && s->value == s->write_buffer + 1,
                  "slot %zu points at its record", i);
        CHECK(s->size == value_size);
        pos += 4 + ls + ts + 1 + value_size * (d[i].buffered ? 2 : 1);
    }
    CHECK(read_u16(m + pos) == 0); /* the zero fill terminates the list */
    CHECK(mmstats_size(f) == (pos + 4095) / 4096 * 4096);
    /* every slot written once: a buffered slot flips, nothing spills into a neighbour */
    for (i = 0; i < N; i++) {
        mmstats_slot *s = mmstats_slot_at(f, i);
        if (s->kind == MMSTATS_KIND_STRING)
            mmstats_set_str(s, "zzzzzzzzzzzzzzzzzz", 18);
        else if (s->kind == MMSTATS_KIND_FLOAT)
            mmstats_set_double(s, -1.0);
        else
            mmstats_set_i64(s, -1);
    }
    for (i = 0, pos = 1; i < N; i++) {
        size_t ls = read_u16(m + pos);
        CHECK_MSG(ls == strlen(labels[i]), "record %zu label size after writes", i);
        pos = (size_t)(mmstats_slot_at(f, i)->value - m) + mmstats_slot_at(f, i)->size * (d[i].buffered ? 2 : 1);
        CHECK(m[mmstats_slot_at(f, i)->write_buffer - m] == (d[i].buffered ? 1 : 0xff));
    }
    mmstats_remove(f);
}

/* Every reader refuses a file over 268435456 bytes by default (spec/v1.md, "Size limit"),
 * so the writer refuses fields that need one, before anything is allocated or created. */
static void test_file_readers_would_refuse_is_not_created(void)
{
    /* header of "x" with a 10-byte type: 1 (version) + 2 + 1 + 2 + 10 + 1 = 17 bytes */
    mmstats_field_desc exact[] = {{"x", 0, "268435439s", 0}};      /* ends at byte 268435456 exactly */
    mmstats_field_desc one_more[] = {{"x", 0, "268435440s", 0}};
    mmstats_field_desc wide[] = {{"ok", 0, "Q", 1}, {"big", 0, "300000000s", 0}};
    mmstats_field_desc buffered[] = {{"half", 0, "134217728s", 1}}; /* two values: 256 MiB + header */
    const char *path = tmp_path("too-large.mmstats");
    mmstats_error err;
    char limit[32];
    snprintf(limit, sizeof limit, "%u", MMSTATS_MAX_FILE_SIZE);
    CHECK(MMSTATS_MAX_FILE_SIZE == 268435456u);
    CHECK(mmstats_image_size(exact, 1, &err) == 268435456u);
    CHECK(mmstats_image_size(one_more, 1, &err) == 0 && err.err_no == EFBIG);
    CHECK_MSG(strstr(err.message, "field 0 (\"x\")") && strstr(err.message, limit)
              && strstr(err.message, "file_too_large"), "message: %s", err.message);
    CHECK(mmstats_image_size(buffered, 1, &err) == 0 && err.err_no == EFBIG);

    unlink(path);
    CHECK(mmstats_create(path, wide, 2, MMSTATS_DEFAULT_MODE, &err) == NULL);
    CHECK(err.err_no == EFBIG);
    CHECK_MSG(strstr(err.message, path) && strstr(err.message, "field 1 (\"big\")") && strstr(err.message, limit),
              "message: %s", err.message);
    CHECK(!exists(path));
}

void run_create_tests(void)
{
    RUN(test_existing_file_is_never_overwritten);
    RUN(test_symlink_is_never_followed);
    RUN(test_missing_directory_names_path_and_errno);
    RUN(test_invalid_descriptions_are_rejected_before_creating);
    RUN(test_longest_label_and_four_byte_characters_are_accepted);
    RUN(test_permission_bits_follow_mode_and_umask);
    RUN(test_remove_deletes_and_close_keeps);
    RUN(test_slot_lookups);
    RUN(test_many_fields_walk_back_to_back);
    RUN(test_file_readers_would_refuse_is_not_created);
}
