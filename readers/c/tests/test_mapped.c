/* test_mapped.c -- the mapping poller: every version 2 corpus case as the copying
 * poller and the case's .json have it, the same first problem for every invalid
 * one, and a mapped file changing under the poller: values, appended fields (each
 * entry parsed once), a sequence left odd, a truncated and a replaced file. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "json_parse.h"
#include "mmstats_read.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Offsets in the spec's example conformance/v2/valid/spec/basic.mmstats. */
enum { STATE = 12, FIELD_COUNT = 88, STR_SEQ = 0x188, SLOT0_REQ = 0x200, FREE_META = 0x150, G_VALUE = 0x180 + 40 };

static const char *str_of(const jv *v) { return v && v->type == JV_STR ? v->text : NULL; }

static const mmr_field *field(const mmr_file *f, const char *label)
{
    size_t i;
    for (i = 0; f && i < f->count; i++)
        if (!strcmp(f->fields[i].label, label))
            return &f->fields[i];
    return NULL;
}

/* The canonical JSON of a file as parsed JSON, or NULL (why says). */
static jv *decoded(const char *path, const mmr_file *f, char *why, size_t whysz)
{
    size_t len;
    char *json = mmr_canonical_json(path, f, &len);
    jv *v = json ? jv_parse(json, len, why, whysz) : NULL;
    free(json);
    return v;
}

/* The version 2 cases of the manifest of one kind, each passed to fn; the count. */
static size_t each_v2_case(const char *kind, void (*fn)(const jv *c, const char *id, const char *path))
{
    const jv *cases = jv_get(manifest(), "cases");
    size_t i, seen = 0;
    CHECK_MSG(cases != NULL, "conformance/manifest.json is missing or has no cases");
    for (i = 0; cases && i < cases->n; i++) {
        const jv *c = &cases->items[i], *fv = jv_get(c, "format_version");
        const char *id = str_of(jv_get(c, "id")), *path = str_of(jv_get(c, "path"));
        if (!str_of(jv_get(c, "kind")) || strcmp(str_of(jv_get(c, "kind")), kind) || !fv || fv->type != JV_NUM ||
            atoi(fv->text) != 2)
            continue;
        seen++;
        if (!id || !path) {
            CHECK_MSG(0, "case %zu: no id or path", i);
            continue;
        }
        fn(c, id, path);
    }
    return seen;
}

static void valid_case(const jv *c, const char *id, const char *rel)
{
    const char *path = corpus_path(rel), *expect = str_of(jv_get(c, "expect"));
    mmr_mapped *mp = mmr_mapped_new(path, MMR_DEFAULT_MAX_SIZE);
    mmr_poller *pl = mmr_poller_new(path, MMR_DEFAULT_MAX_SIZE);
    const mmr_file *fm, *fp;
    mmr_problem p;
    mmr_ioerr io;
    int reparsed, rc;
    char why[400] = "";
    jv *want = NULL, *got_mapped = NULL, *got_copied = NULL;
    size_t n;
    unsigned char *text = expect ? slurp(corpus_path(expect), &n) : NULL;
    CHECK_MSG(text != NULL, "%s: no expected JSON", id);
    if (text)
        want = jv_parse((char *)text, n, why, sizeof why);
    free(text);
    CHECK_MSG(mp && pl, "out of memory");
    if (mp && pl && want) {
        rc = mmr_mapped_poll(mp, &fm, &reparsed, &p, &io);
        CHECK_MSG(rc == MMR_OK && reparsed, "%s: mapped poll gave %d (%s)", id, rc,
                  rc == MMR_INVALID ? mmr_code_name(p.code) : rc == MMR_IOERR ? io.message : "");
        if (rc == MMR_OK)
            got_mapped = decoded(path, fm, why, sizeof why);
        rc = mmr_poller_poll(pl, &fp, &reparsed, &p, &io);
        CHECK_MSG(rc == MMR_OK, "%s: copying poll gave %d", id, rc);
        if (rc == MMR_OK)
            got_copied = decoded(path, fp, why, sizeof why);
        CHECK_MSG(got_mapped && canonical_equal(want, got_mapped, why, sizeof why), "%s: mapped vs .json: %s", id, why);
        CHECK_MSG(got_mapped && got_copied && canonical_equal(got_copied, got_mapped, why, sizeof why),
                  "%s: mapped vs copying poller: %s", id, why);
        /* a second poll: nothing new to parse, the same values */
        rc = mmr_mapped_poll(mp, &fm, &reparsed, &p, &io);
        CHECK_MSG(rc == MMR_OK && !reparsed, "%s: second mapped poll gave %d, reparsed %d", id, rc, reparsed);
    }
    jv_free(want);
    jv_free(got_mapped);
    jv_free(got_copied);
    mmr_mapped_free(mp);
    mmr_poller_free(pl);
}

static void test_mapped_valid_v2_cases(void)
{
    size_t seen = each_v2_case("valid", valid_case);
    CHECK_MSG(seen >= 58, "only %zu valid version 2 cases in the manifest", seen);
}

static void invalid_case(const jv *c, const char *id, const char *rel)
{
    const char *path = corpus_path(rel), *code = str_of(jv_get(jv_get(c, "expect"), "code"));
    const jv *off = jv_get(jv_get(c, "expect"), "offset"), *max = jv_get(jv_get(c, "options"), "max_size");
    uint64_t max_size = max && max->type == JV_NUM ? strtoull(max->text, NULL, 10) : MMR_DEFAULT_MAX_SIZE;
    mmr_mapped *mp = mmr_mapped_new(path, max_size);
    mmr_file f;
    const mmr_file *fm;
    mmr_problem pc, pm;
    mmr_ioerr io;
    int reparsed, rc_c, rc_m;
    CHECK_MSG(mp && code && off && off->type == JV_NUM, "%s: incomplete case or out of memory", id);
    if (!mp || !code || !off) {
        mmr_mapped_free(mp);
        return;
    }
    rc_c = mmr_read_path(path, max_size, &f, &pc, &io);
    if (rc_c == MMR_OK)
        mmr_file_free(&f);
    rc_m = mmr_mapped_poll(mp, &fm, &reparsed, &pm, &io);
    CHECK_MSG(rc_c == MMR_INVALID && rc_m == MMR_INVALID, "%s: copying %d, mapped %d (%s)", id, rc_c, rc_m,
              rc_m == MMR_IOERR ? io.message : "");
    if (rc_c == MMR_INVALID && rc_m == MMR_INVALID) {
        CHECK_MSG(pc.code == pm.code && pc.offset == pm.offset, "%s: copying %s at %llu, mapped %s at %llu", id,
                  mmr_code_name(pc.code), (unsigned long long)pc.offset, mmr_code_name(pm.code),
                  (unsigned long long)pm.offset);
        CHECK_MSG(!strcmp(mmr_code_name(pm.code), code) && pm.offset == strtoull(off->text, NULL, 10),
                  "%s: mapped %s at %llu, the manifest %s at %s", id, mmr_code_name(pm.code),
                  (unsigned long long)pm.offset, code, off->text);
    }
    mmr_mapped_free(mp);
}

static void test_mapped_invalid_v2_cases(void)
{
    size_t seen = each_v2_case("invalid", invalid_case);
    CHECK_MSG(seen >= 68, "only %zu invalid version 2 cases in the manifest", seen);
}

/* basic.mmstats copied to name, mapped read-write as a writer would; NULL on failure. */
static unsigned char *writable_basic(const char *path, int *fd)
{
    size_t n;
    unsigned char *d = slurp(corpus_path("v2/valid/spec/basic.mmstats"), &n), *map = MAP_FAILED;
    CHECK_MSG(d != NULL && n == 4096, "conformance/v2/valid/spec/basic.mmstats is missing");
    *fd = -1;
    if (d && n == 4096 && write_bytes(path, d, n) == 0)
        *fd = open(path, O_RDWR);
    if (*fd >= 0)
        map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
    free(d);
    CHECK(map != MAP_FAILED);
    if (map == MAP_FAILED && *fd >= 0)
        close(*fd);
    return map == MAP_FAILED ? NULL : map;
}

static void drop(unsigned char *map, int fd)
{
    munmap(map, 4096);
    close(fd);
}

static int poll_ok(mmr_mapped *mp, const mmr_file **f, int *reparsed)
{
    mmr_problem p;
    mmr_ioerr io;
    return mmr_mapped_poll(mp, f, reparsed, &p, &io) == MMR_OK;
}

/* Values stored through the writer's mapping; a field appended as a writer does it
 * (entry and value, then field_count with release): only the new entry is parsed. */
static void test_mapped_follows_values_and_appended_fields(void)
{
    static const unsigned char entry[40] = {40, 0, 0, 0, 2, 1, 0, 0, 40, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0,
                                            0,  0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 'g'};
    const char *path = tmp_path("mapped-append.mmstats");
    int fd, reparsed;
    unsigned char *map = writable_basic(path, &fd);
    mmr_mapped *mp = map ? mmr_mapped_new(path, MMR_DEFAULT_MAX_SIZE) : NULL;
    const mmr_file *f;
    if (!mp) {
        CHECK(map == NULL);
        return;
    }
    CHECK(poll_ok(mp, &f, &reparsed) && reparsed && f->count == 3 && field(f, "http.requests")->v.u == 17);
    CHECK(mmr_mapped_entries_parsed(mp) == 3);
    __atomic_store_n((uint64_t *)(void *)(map + SLOT0_REQ), (uint64_t)30, __ATOMIC_RELAXED);
    CHECK(poll_ok(mp, &f, &reparsed) && !reparsed && field(f, "http.requests")->v.u == 42);
    memcpy(map + FREE_META, entry, sizeof entry);
    map[G_VALUE] = 9;
    __atomic_store_n((uint32_t *)(void *)(map + FIELD_COUNT), 4u, __ATOMIC_RELEASE);
    CHECK(poll_ok(mp, &f, &reparsed) && reparsed && f->count == 4 && field(f, "g") && field(f, "g")->v.u == 9 &&
          field(f, "http.requests")->v.u == 42 && !strcmp(field(f, "state")->str, "idle"));
    CHECK_MSG(mmr_mapped_entries_parsed(mp) == 4, "%zu entries parsed, want 4 (3, then the new one)",
              mmr_mapped_entries_parsed(mp));
    CHECK(poll_ok(mp, &f, &reparsed) && !reparsed && mmr_mapped_entries_parsed(mp) == 4);
    /* an entry published and then changed: the poller keeps its checked copy */
    map[FREE_META + 32] = 'h';
    CHECK(poll_ok(mp, &f, &reparsed) && field(f, "g") && !field(f, "h"));
    /* field_count going down (a file rewritten in place): parsed again from the start */
    __atomic_store_n((uint32_t *)(void *)(map + FIELD_COUNT), 2u, __ATOMIC_RELEASE);
    CHECK(poll_ok(mp, &f, &reparsed) && reparsed && f->count == 2 && !field(f, "state"));
    CHECK_MSG(mmr_mapped_entries_parsed(mp) == 6, "%zu entries parsed, want 6", mmr_mapped_entries_parsed(mp));
    mmr_mapped_free(mp);
    drop(map, fd);
}

/* A string whose sequence stays odd: null after the retry bound (ready) and at once
 * (closed); even again: the text. Numbers are never null. */
static void test_mapped_odd_sequence_is_null(void)
{
    const char *path = tmp_path("mapped-odd.mmstats");
    int fd, reparsed;
    unsigned char *map = writable_basic(path, &fd);
    mmr_mapped *mp = map ? mmr_mapped_new(path, MMR_DEFAULT_MAX_SIZE) : NULL;
    const mmr_file *f;
    if (!mp)
        return;
    CHECK(poll_ok(mp, &f, &reparsed) && !field(f, "state")->is_null);
    map[STR_SEQ] = 7;
    CHECK(poll_ok(mp, &f, &reparsed) && field(f, "state")->is_null && !field(f, "http.requests")->is_null &&
          field(f, "http.requests")->v.u == 17);
    map[STATE] = 2;
    CHECK(poll_ok(mp, &f, &reparsed) && field(f, "state")->is_null && f->v2.state == 2);
    map[STR_SEQ] = 8;
    CHECK(poll_ok(mp, &f, &reparsed) && !field(f, "state")->is_null && !strcmp(field(f, "state")->str, "idle"));
    mmr_mapped_free(mp);
    drop(map, fd);
}

/* Shrunk between polls: bad_file_size at the new size, no load past it; grown back
 * to a valid file: read again. */
static void test_mapped_truncated_between_polls(void)
{
    const char *path = tmp_path("mapped-truncate.mmstats");
    int fd, reparsed;
    unsigned char *map = writable_basic(path, &fd), copy[4096];
    mmr_mapped *mp = map ? mmr_mapped_new(path, MMR_DEFAULT_MAX_SIZE) : NULL;
    const mmr_file *f;
    mmr_problem p;
    mmr_ioerr io;
    if (!mp)
        return;
    memcpy(copy, map, sizeof copy);
    drop(map, fd);
    CHECK(poll_ok(mp, &f, &reparsed));
    CHECK(truncate(path, 100) == 0);
    CHECK(mmr_mapped_poll(mp, &f, &reparsed, &p, &io) == MMR_INVALID && p.code == MMR_BAD_FILE_SIZE &&
          p.offset == 100 && f == NULL);
    CHECK(truncate(path, 0) == 0);
    CHECK(mmr_mapped_poll(mp, &f, &reparsed, &p, &io) == MMR_INVALID && p.code == MMR_NOT_READY);
    CHECK(write_bytes(path, copy, sizeof copy) == 0);
    CHECK(poll_ok(mp, &f, &reparsed) && reparsed && field(f, "http.requests")->v.u == 17);
    mmr_mapped_free(mp);
}

/* Mappings of files whose name contains `name` (this process's /proc/self/maps; -1 without it). */
static int mappings_of(const char *name)
{
    FILE *fp = fopen("/proc/self/maps", "r");
    char line[1024];
    int n = 0;
    if (!fp)
        return -1;
    while (fgets(line, sizeof line, fp))
        n += strstr(line, name) != NULL;
    fclose(fp);
    return n;
}

/* A new file renamed over the path: the next poll maps it, and the old mapping is gone. */
static void test_mapped_replaced_by_rename(void)
{
    const char *path = tmp_path("mapped-replace.mmstats"), *next = tmp_path("mapped-replace.new");
    int fd, reparsed, i;
    unsigned char *map = writable_basic(path, &fd), copy[4096];
    mmr_mapped *mp = map ? mmr_mapped_new(path, MMR_DEFAULT_MAX_SIZE) : NULL;
    const mmr_file *f;
    if (!mp)
        return;
    memcpy(copy, map, sizeof copy);
    drop(map, fd);
    CHECK(poll_ok(mp, &f, &reparsed) && field(f, "http.requests")->v.u == 17);
    copy[SLOT0_REQ] = 100;
    CHECK(write_bytes(next, copy, sizeof copy) == 0 && rename(next, path) == 0);
    CHECK(poll_ok(mp, &f, &reparsed) && reparsed && field(f, "http.requests")->v.u == 112);
    CHECK(poll_ok(mp, &f, &reparsed) && !reparsed && field(f, "http.requests")->v.u == 112);
    for (i = 0; i < 5; i++)
        CHECK(write_bytes(next, copy, sizeof copy) == 0 && rename(next, path) == 0 && poll_ok(mp, &f, &reparsed));
    CHECK_MSG(mappings_of("mapped-replace.mmstats") == 1, "%d mappings after 6 replacements, want 1",
              mappings_of("mapped-replace.mmstats"));
    mmr_mapped_free(mp);
    CHECK(mappings_of("mapped-replace.mmstats") == 0);
}

/* A version 1 file is refused with a clear error; a missing path is an I/O error. */
static void test_mapped_refuses_version_1(void)
{
    const char *path = corpus_path("golden/mmstats-0.8/average.mmstats");
    mmr_mapped *mp = mmr_mapped_new(path, MMR_DEFAULT_MAX_SIZE);
    const mmr_file *f;
    mmr_problem p;
    mmr_ioerr io;
    int reparsed;
    CHECK(mp != NULL);
    if (!mp)
        return;
    CHECK(mmr_mapped_poll(mp, &f, &reparsed, &p, &io) == MMR_IOERR && strstr(io.message, "version 1") &&
          strstr(io.message, "version 2 only"));
    mmr_mapped_free(mp);
    mp = mmr_mapped_new(tmp_path("mapped-missing.mmstats"), MMR_DEFAULT_MAX_SIZE);
    CHECK(mp && mmr_mapped_poll(mp, &f, &reparsed, &p, &io) == MMR_IOERR && strstr(io.message, "cannot stat"));
    mmr_mapped_free(mp);
}

void run_mapped_tests(void)
{
    RUN(test_mapped_valid_v2_cases);
    RUN(test_mapped_invalid_v2_cases);
    RUN(test_mapped_follows_values_and_appended_fields);
    RUN(test_mapped_odd_sequence_is_null);
    RUN(test_mapped_truncated_between_polls);
    RUN(test_mapped_replaced_by_rename);
    RUN(test_mapped_refuses_version_1);
}
