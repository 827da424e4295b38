/* test_v2.c -- version 2 beyond the corpus: every problem of a file in the walk's
 * order, an odd sequence read as null (from memory, from a path, from a live
 * mapping), a misaligned buffer, slots added up, the poller on a version 2 file.
 * The base is the spec's example conformance/v2/valid/spec/basic.mmstats. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "mmstats_read.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Offsets in basic.mmstats (the spec's annotated dump). */
enum {
    STATE = 12,
    SLOTS_USED = 84,
    REQ_UNIT = 0xad,       /* "{request}" */
    GAUGE_VTYPE = 0xdd,    /* queue.length's value_type */
    STR_SEQ = 0x188,       /* the string "state": seq, length, text */
    STR_LENGTH = 0x190,
    SLOT0_REQ = 0x200,     /* http.requests in slot 0 (5) */
    SLOT1_REQ = 0x240,     /* ... in slot 1 (12) */
    SLOT2_REQ = 0x280      /* ... in slot 2, unused (slots_used 2) */
};

static unsigned char *basic(size_t *n)
{
    unsigned char *d = slurp(corpus_path("v2/valid/spec/basic.mmstats"), n);
    CHECK_MSG(d != NULL && *n == 4096, "conformance/v2/valid/spec/basic.mmstats is missing");
    return d && *n == 4096 ? d : (free(d), NULL);
}

static const mmr_field *field(const mmr_file *f, const char *label)
{
    size_t i;
    for (i = 0; i < f->count; i++)
        if (!strcmp(f->fields[i].label, label))
            return &f->fields[i];
    return NULL;
}

static void test_basic_decoded(void)
{
    size_t n;
    unsigned char *d = basic(&n);
    mmr_file f;
    mmr_problem p;
    const mmr_field *req, *q, *st;
    if (!d)
        return;
    CHECK(mmr_read_buffer(d, n, &f, &p) == MMR_OK);
    req = field(&f, "http.requests");
    q = field(&f, "queue.length");
    st = field(&f, "state");
    CHECK(f.format_version == 2 && f.count == 3 && f.v2.pid == 31337 && f.v2.state == 1 && f.v2.slots_used == 2);
    CHECK(req && req->kind == MMR_UINT && req->slotted && req->v.u == 17 && !strcmp(req->kind_name, "counter"));
    CHECK(req && req->attr_count == 1 && !strcmp(req->attrs[0].key, "status") && !strcmp(req->attrs[0].value, "2xx"));
    CHECK(req && !strcmp(req->unit, "{request}") && !strcmp(req->help, "Requests served"));
    CHECK(q && q->kind == MMR_INT && q->v.i == -3 && !q->slotted && !strcmp(q->type, "i64"));
    CHECK(st && st->kind == MMR_STRING && !st->is_null && st->str_len == 4 && !strcmp(st->str, "idle"));
    mmr_file_free(&f);
    /* slot 2 is beyond slots_used: ignored until slots_used says 3 */
    d[SLOT2_REQ] = 100;
    CHECK(mmr_read_buffer(d, n, &f, &p) == MMR_OK && field(&f, "http.requests")->v.u == 17);
    mmr_file_free(&f);
    d[SLOTS_USED] = 3;
    CHECK(mmr_read_buffer(d, n, &f, &p) == MMR_OK && field(&f, "http.requests")->v.u == 117);
    mmr_file_free(&f);
    free(d);
}

/* Three problems in three entries: the validator reports each, in order; the reader the first. */
static void test_every_problem_in_order(void)
{
    size_t n;
    unsigned char *d = basic(&n);
    mmr_problems all;
    mmr_file f;
    mmr_problem p;
    static const struct {
        mmr_code code;
        uint64_t offset;
    } want[] = {{MMR_BAD_UNIT, REQ_UNIT}, {MMR_BAD_VALUE_TYPE, GAUGE_VTYPE}, {MMR_BAD_STRING_LENGTH, STR_LENGTH}};
    size_t i;
    if (!d)
        return;
    d[REQ_UNIT] = ' ';
    d[GAUGE_VTYPE] = 4; /* a utf8 gauge */
    d[STR_LENGTH] = 17; /* capacity 16 */
    CHECK(mmr_validate_buffer(d, n, &all) == MMR_INVALID);
    CHECK_MSG(all.count == 3, "%zu problems, want 3", all.count);
    for (i = 0; i < 3 && i < all.count; i++)
        CHECK_MSG(all.items[i].code == want[i].code && all.items[i].offset == want[i].offset,
                  "problem %zu: %s at %llu", i, mmr_code_name(all.items[i].code),
                  (unsigned long long)all.items[i].offset);
    mmr_problems_free(&all);
    CHECK(mmr_read_buffer(d, n, &f, &p) == MMR_INVALID && p.code == MMR_BAD_UNIT && p.offset == REQ_UNIT);
    /* an odd sequence: the length is not checked (the writer is inside an update) */
    d[REQ_UNIT] = 'r';
    d[GAUGE_VTYPE] = 2;
    d[STR_SEQ] = 7;
    CHECK(mmr_validate_buffer(d, n, &all) == MMR_OK);
    mmr_problems_free(&all);
    free(d);
}

static int string_is_null(const char *path, const unsigned char *d, size_t n)
{
    mmr_file f;
    mmr_problem p;
    mmr_ioerr io;
    int rc = path ? mmr_read_path(path, MMR_DEFAULT_MAX_SIZE, &f, &p, &io) : mmr_read_buffer(d, n, &f, &p), null;
    char *json;
    if (rc != MMR_OK)
        return -1;
    null = field(&f, "state")->is_null;
    json = mmr_canonical_json("x", &f, NULL);
    CHECK(json && (strstr(json, "\"label\": \"state\"") != NULL) &&
          (strstr(json, "\"value\": null") != NULL) == null);
    free(json);
    /* numbers never turn null */
    CHECK(!field(&f, "http.requests")->is_null && field(&f, "http.requests")->v.u == 17);
    mmr_file_free(&f);
    return null;
}

/* A sequence left odd: null after the retry bound (ready), at once (closed), from
 * memory and through a path (the copy reader's three-read protocol). */
static void test_odd_sequence_is_null(void)
{
    size_t n;
    unsigned char *d = basic(&n);
    const char *path = tmp_path("v2-odd.mmstats");
    if (!d)
        return;
    CHECK(string_is_null(NULL, d, n) == 0);
    d[STR_SEQ] = 7;
    CHECK(string_is_null(NULL, d, n) == 1);
    CHECK(write_bytes(path, d, n) == 0 && string_is_null(path, NULL, 0) == 1);
    d[STATE] = 2; /* closed */
    CHECK(string_is_null(NULL, d, n) == 1);
    CHECK(write_bytes(path, d, n) == 0 && string_is_null(path, NULL, 0) == 1);
    d[STR_SEQ] = 8;
    CHECK(write_bytes(path, d, n) == 0 && string_is_null(path, NULL, 0) == 0);
    free(d);
}

/* A buffer at an odd address is read with plain loads, to the same result. */
static void test_misaligned_buffer(void)
{
    size_t n;
    unsigned char *d = basic(&n), *buf = malloc(4096 + 1);
    mmr_file f;
    mmr_problem p;
    if (!d || !buf) {
        free(d);
        free(buf);
        CHECK(0);
        return;
    }
    memcpy(buf + 1, d, n);
    CHECK(mmr_read_buffer(buf + 1, n, &f, &p) == MMR_OK && f.count == 3 && field(&f, "http.requests")->v.u == 17 &&
          !strcmp(field(&f, "state")->str, "idle"));
    mmr_file_free(&f);
    free(buf);
    free(d);
}

/* A shared read-only mapping changed through the file: the reader sees the new values. */
static void test_live_mapping(void)
{
    size_t n;
    unsigned char *d = basic(&n), *map;
    const char *path = tmp_path("v2-live.mmstats");
    mmr_file f;
    mmr_problem p;
    int fd;
    if (!d)
        return;
    CHECK(write_bytes(path, d, n) == 0);
    fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    map = fd >= 0 ? mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    CHECK(map != MAP_FAILED);
    if (map != MAP_FAILED) {
        unsigned char twelve_more = 24;
        CHECK(mmr_read_buffer(map, n, &f, &p) == MMR_OK && field(&f, "http.requests")->v.u == 17);
        mmr_file_free(&f);
        CHECK(pwrite(fd, &twelve_more, 1, SLOT1_REQ) == 1);
        CHECK(mmr_read_buffer(map, n, &f, &p) == MMR_OK && field(&f, "http.requests")->v.u == 29);
        mmr_file_free(&f);
        munmap(map, n);
    }
    if (fd >= 0)
        close(fd);
    free(d);
}

/* The poller reads version 2 files and follows their values. */
static void test_poller_on_v2(void)
{
    size_t n;
    unsigned char *d = basic(&n);
    const char *path = tmp_path("v2-poll.mmstats");
    mmr_poller *pl;
    const mmr_file *f;
    mmr_problem p;
    mmr_ioerr io;
    int reparsed, fd;
    unsigned char v = 30;
    if (!d)
        return;
    CHECK(write_bytes(path, d, n) == 0);
    pl = mmr_poller_new(path, MMR_DEFAULT_MAX_SIZE);
    CHECK(pl != NULL);
    if (pl) {
        CHECK(mmr_poller_poll(pl, &f, &reparsed, &p, &io) == MMR_OK && f->format_version == 2 &&
              field(f, "http.requests")->v.u == 17);
        fd = open(path, O_WRONLY);
        CHECK(fd >= 0 && pwrite(fd, &v, 1, SLOT0_REQ) == 1);
        if (fd >= 0)
            close(fd);
        CHECK(mmr_poller_poll(pl, &f, &reparsed, &p, &io) == MMR_OK && field(f, "http.requests")->v.u == 42);
        mmr_poller_free(pl);
    }
    free(d);
}

void run_v2_tests(void)
{
    RUN(test_basic_decoded);
    RUN(test_every_problem_in_order);
    RUN(test_odd_sequence_is_null);
    RUN(test_misaligned_buffer);
    RUN(test_live_mapping);
    RUN(test_poller_on_v2);
}
