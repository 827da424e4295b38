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

/* A field appended at run time as a writer does it, through a shared mapping: the
 * entry and its value first, then field_count (release). The next poll has it. */
static void test_poller_sees_appended_field(void)
{
    static const unsigned char entry[40] = {40, 0, 0, 0, 2, 1, 0, 0, 40, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0,
                                            0,  0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 'g'};
    enum { FIELD_COUNT = 88, FREE_META = 0x150, G_VALUE = 0x180 + 40 };
    size_t n;
    unsigned char *d = basic(&n), *map;
    const char *path = tmp_path("v2-append.mmstats");
    mmr_poller *pl = NULL;
    const mmr_file *f;
    mmr_problem p;
    mmr_ioerr io;
    int reparsed, fd = -1;
    if (!d)
        return;
    CHECK(write_bytes(path, d, n) == 0);
    fd = open(path, O_RDWR);
    map = fd >= 0 ? mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    CHECK(map != MAP_FAILED);
    if (map != MAP_FAILED)
        pl = mmr_poller_new(path, MMR_DEFAULT_MAX_SIZE);
    if (pl) {
        CHECK(mmr_poller_poll(pl, &f, &reparsed, &p, &io) == MMR_OK && f->count == 3);
        CHECK(mmr_poller_poll(pl, &f, &reparsed, &p, &io) == MMR_OK && f->count == 3 && !reparsed);
        memcpy(map + FREE_META, entry, sizeof entry);
        map[G_VALUE] = 9;
        __atomic_store_n((uint32_t *)(void *)(map + FIELD_COUNT), 4u, __ATOMIC_RELEASE);
        CHECK(mmr_poller_poll(pl, &f, &reparsed, &p, &io) == MMR_OK && f->count == 4 && reparsed);
        CHECK(f->count == 4 && field(f, "g") && field(f, "g")->v.u == 9 && field(f, "http.requests")->v.u == 17);
        mmr_poller_free(pl);
    }
    if (map != MAP_FAILED)
        munmap(map, n);
    if (fd >= 0)
        close(fd);
    free(d);
}

static void put32(unsigned char *p, uint32_t v)
{
    int i;
    for (i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* One gauge with many attributes (keys of two printable bytes, all different),
 * then, when dup, a last pair repeating the first key. */
static unsigned char *many_attributes(size_t pairs, int dup, size_t *size, uint64_t *last_pair)
{
    enum { ATTRS_AT = 128 + 32 + 1 };
    size_t attrs = 6 * (pairs + (dup ? 1 : 0)), entry = (32 + 1 + attrs + 7) / 8 * 8, i;
    uint32_t meta = (uint32_t)entry, process = 128 + meta, slots = process + 8;
    unsigned char *d;
    *size = (slots + 8 + 4095) / 4096 * 4096;
    d = calloc(*size, 1);
    if (!d)
        return NULL;
    memcpy(d, "\002MMSTATS", 8);
    d[10] = 128;                  /* header_size */
    d[12] = 1;                    /* state: ready */
    d[52] = 32;                   /* entry_fixed_size */
    put32(d + 56, 128);           /* meta_offset */
    put32(d + 60, meta);          /* meta_capacity */
    put32(d + 64, process);       /* process_offset */
    put32(d + 68, 8);             /* process_capacity */
    put32(d + 72, slots);         /* slots_offset */
    put32(d + 76, 8);             /* slot_size */
    put32(d + 80, 1);             /* slot_count */
    put32(d + 84, 1);             /* slots_used */
    put32(d + 88, 1);             /* field_count */
    put32(d + 128, (uint32_t)entry);
    d[128 + 4] = 2;               /* gauge */
    d[128 + 5] = 1;               /* u64 */
    d[128 + 12] = 8;              /* value_size */
    d[128 + 16] = 1;              /* name_size */
    d[128 + 22] = (unsigned char)attrs;
    d[128 + 23] = (unsigned char)(attrs >> 8);
    d[128 + 32] = 'g';
    for (i = 0; i < pairs + (dup ? 1 : 0); i++) {
        unsigned char *pair = d + ATTRS_AT + 6 * i;
        size_t k = i < pairs ? i : 0;
        pair[0] = 2;
        pair[2] = (unsigned char)(0x21 + k % 94);
        pair[3] = (unsigned char)(0x21 + k / 94);
    }
    *last_pair = ATTRS_AT + 6 * (uint64_t)pairs;
    return d;
}

static void test_many_attributes(void)
{
    size_t size;
    uint64_t last;
    unsigned char *d = many_attributes(8000, 0, &size, &last);
    mmr_file f;
    mmr_problem p;
    CHECK(d != NULL);
    if (d) {
        CHECK(mmr_read_buffer(d, size, &f, &p) == MMR_OK);
        CHECK(f.count == 1 && f.fields[0].attr_count == 8000 && !strcmp(f.fields[0].attrs[7999].key, "*v"));
        mmr_file_free(&f);
        free(d);
    }
    d = many_attributes(8000, 1, &size, &last);
    CHECK(d != NULL);
    if (d) {
        CHECK(mmr_read_buffer(d, size, &f, &p) == MMR_INVALID);
        CHECK_MSG(p.code == MMR_BAD_ATTRIBUTES && p.offset == last, "%s at %llu, want bad_attributes at %llu",
                  mmr_code_name(p.code), (unsigned long long)p.offset, (unsigned long long)last);
        free(d);
    }
}

void run_v2_tests(void)
{
    RUN(test_basic_decoded);
    RUN(test_every_problem_in_order);
    RUN(test_odd_sequence_is_null);
    RUN(test_misaligned_buffer);
    RUN(test_live_mapping);
    RUN(test_poller_on_v2);
    RUN(test_poller_sees_appended_field);
    RUN(test_many_attributes);
}
