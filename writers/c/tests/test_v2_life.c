/* test_v2_life.c -- a v2 file's life: creation under a temporary name, the lock
 * held while open, identity, publication never replacing a file, fields added
 * after publication, a full file, closing (removed or kept), fork, heartbeat,
 * refused descriptions, and the CLI on a v2 scenario. */
#define _GNU_SOURCE

#include "check.h"
#include "v2_peek.h"
#include "../mmstats_v2.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static mmstats_v2_config config(const char *name)
{
    mmstats_v2_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.path = tmp_path(name);
    return cfg;
}

/* The lock probe of spec/v2.md "Liveness": 1 if a writer holds the lock, 0 if not, -1 on error. */
static int lock_held(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), held;
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_SH | LOCK_NB) == 0)
        held = 0;
    else
        held = errno == EWOULDBLOCK ? 1 : -1;
    close(fd);
    return held;
}

/* Field 22 of /proc/self/stat, read here with sscanf (the writer counts spaces). */
static unsigned long long my_start_ticks(void)
{
    char buf[1024], *p;
    unsigned long long v = 0;
    FILE *fp = fopen("/proc/self/stat", "r");
    size_t n;
    if (!fp)
        return 0;
    n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = 0;
    p = strrchr(buf, ')');
    if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &v) == 1)
        return v;
    return 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The one file in dir (other than keep) whose name contains part, or "" */
static void find_in_dir(const char *dir, const char *part, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    out[0] = 0;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, part))
            snprintf(out, cap, "%s/%s", dir, e->d_name);
    closedir(d);
}

static void test_v2_creation_publication_and_liveness(void)
{
    mmstats_v2_config cfg = config("v2-life.mmstats");
    char dir[512], tmp[800];
    mmstats_error err;
    mmstats_v2_file *f;
    const unsigned char *map;
    uint64_t t0 = now_ns(), t1;
    unsigned char *data;
    size_t len = 0;

    snprintf(dir, sizeof dir, "%s", cfg.path);
    *strrchr(dir, '/') = 0;
    f = mmstats_v2_create(&cfg, &err);
    t1 = now_ns();
    CHECK_MSG(f != NULL, "%s", err.message);
    if (!f)
        return;
    map = mmstats_v2_map(f);
    /* before publication: a locked temporary file readers ignore, state creating */
    CHECK(!exists(cfg.path));
    find_in_dir(dir, "v2-life.mmstats.", tmp, sizeof tmp);
    CHECK_MSG(tmp[0] && strcmp(tmp + strlen(tmp) - 8, ".mmstats") != 0, "temporary file: \"%s\"", tmp);
    CHECK(lock_held(tmp) == 1);
    CHECK(peek_u32(map, PEEK_STATE) == 0);
    CHECK(map[0] == 2 && memcmp(map + 1, "MMSTATS", 7) == 0);
    CHECK(peek_u64(map, PEEK_PID) == (uint64_t)getpid());
    CHECK_MSG(peek_u64(map, PEEK_START_TICKS) == my_start_ticks() && my_start_ticks() != 0,
              "start_ticks %llu, /proc says %llu",
              (unsigned long long)peek_u64(map, PEEK_START_TICKS), my_start_ticks());
    CHECK(peek_u64(map, PEEK_CREATED) >= t0 && peek_u64(map, PEEK_CREATED) <= t1);
    CHECK(peek_u32(map, PEEK_SLOTS_USED) == 1 && peek_u32(map, PEEK_FIELD_COUNT) == 0);
    /* the recommended capacities: 64 KiB metadata, 64 KiB process area, 64 slots of 1 KiB */
    CHECK(peek_u32(map, 60) == 65536 && peek_u32(map, 68) == 65536);
    CHECK(peek_u32(map, PEEK_SLOT_SIZE) == 1024 && peek_u32(map, PEEK_SLOT_COUNT) == 64);
    CHECK(peek_u32(map, PEEK_SLOTS_OFFSET) % 128 == 0);

    /* published: renamed, state ready, still locked */
    CHECK(mmstats_v2_publish(f, &err) == 0);
    CHECK(exists(cfg.path) && !exists(tmp));
    CHECK(peek_u32(map, PEEK_STATE) == 1);
    CHECK(lock_held(cfg.path) == 1);
    CHECK(strcmp(mmstats_v2_path(f), cfg.path) == 0);

    /* closed (default): gone, and the lock with it */
    CHECK(mmstats_v2_close(f) == 0);
    CHECK(!exists(cfg.path));

    /* closed with keep: state closed, values final, lock free (the probe says "exited") */
    cfg = config("v2-kept.mmstats");
    cfg.keep = 1;
    f = mmstats_v2_open(&cfg, &err);
    CHECK_MSG(f != NULL, "%s", err.message);
    if (!f)
        return;
    mmstats_v2_counter_add(mmstats_v2_counter_new(f, "c", MMSTATS_V2_U64, NULL, NULL), 3);
    CHECK(mmstats_v2_close(f) == 0);
    data = read_file(cfg.path, &len);
    CHECK(data && len % 4096 == 0 && peek_u32(data, PEEK_STATE) == 2);
    if (data) {
        peek_entry e;
        CHECK(peek_find(data, "c", &e) == 0 && peek_slot_sum(data, &e) == 3);
    }
    free(data);
    CHECK(lock_held(cfg.path) == 0);
    unlink(cfg.path);
}

static void test_v2_publication_never_replaces_a_file(void)
{
    mmstats_v2_config cfg = config("v2-taken.mmstats");
    mmstats_error err;
    mmstats_v2_file *f;
    unsigned char *data;
    size_t len = 0;
    FILE *fp = fopen(cfg.path, "wb");
    char dir[512], tmp[800];
    if (fp) {
        fputs("precious", fp);
        fclose(fp);
    }
    CHECK(mmstats_v2_open(&cfg, &err) == NULL);
    CHECK(err.err_no == EEXIST);
    CHECK_MSG(strstr(err.message, cfg.path) != NULL, "message: %s", err.message);
    data = read_file(cfg.path, &len);
    CHECK(data && len == 8 && memcmp(data, "precious", 8) == 0);
    free(data);
    snprintf(dir, sizeof dir, "%s", cfg.path);
    *strrchr(dir, '/') = 0;
    find_in_dir(dir, "v2-taken.mmstats.", tmp, sizeof tmp);
    CHECK_MSG(tmp[0] == 0, "left behind: %s", tmp);
    unlink(cfg.path);

    /* bad capacities: refused before anything exists */
    cfg = config("v2-badcap.mmstats");
    cfg.slot_size = 12;
    f = mmstats_v2_open(&cfg, &err);
    CHECK(f == NULL && err.err_no == EINVAL && strstr(err.message, "multiples of 8"));
    cfg.slot_size = 0;
    cfg.slot_count = 300000; /* 300 MB of slots: more than readers accept */
    f = mmstats_v2_open(&cfg, &err);
    CHECK(f == NULL && err.err_no == EFBIG && strstr(err.message, "268435456"));
    CHECK(!exists(cfg.path));
}

static void test_v2_default_name_is_cmd_pid_start(void)
{
    mmstats_v2_config cfg;
    mmstats_error err;
    mmstats_v2_file *f;
    char dir[512], want[800];
    snprintf(dir, sizeof dir, "%s", tmp_path("x"));
    *strrchr(dir, '/') = 0;
    memset(&cfg, 0, sizeof cfg);
    cfg.dir = dir;
    cfg.cmd = "tcmd";
    f = mmstats_v2_open(&cfg, &err);
    CHECK_MSG(f != NULL, "%s", err.message);
    if (!f)
        return;
    snprintf(want, sizeof want, "%s/tcmd-%ld-%llu.mmstats", dir, (long)getpid(), my_start_ticks());
    CHECK_MSG(strcmp(mmstats_v2_path(f), want) == 0, "path %s, want %s", mmstats_v2_path(f), want);
    CHECK(exists(want));
    mmstats_v2_close(f);
    CHECK(!exists(want));
}

static void test_v2_field_added_at_run_time_reaches_an_earlier_reader(void)
{
    mmstats_v2_config cfg = config("v2-runtime.mmstats");
    mmstats_error err;
    mmstats_v2_file *f = mmstats_v2_open(&cfg, &err);
    mmstats_v2_counter *c;
    mmstats_v2_string *s;
    unsigned char *reader;
    peek_entry e;
    int fd;
    CHECK_MSG(f != NULL, "%s", err.message);
    if (!f)
        return;
    mmstats_v2_gauge_set_i64(mmstats_v2_gauge_new(f, "early", MMSTATS_V2_I64, NULL, NULL), -4);
    /* a reader maps the file now, read-only, as a polling reader does */
    fd = open(cfg.path, O_RDONLY | O_CLOEXEC);
    reader = fd >= 0 ? mmap(NULL, mmstats_v2_size(f), PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    CHECK(reader != MAP_FAILED);
    if (reader == MAP_FAILED) {
        mmstats_v2_close(f);
        return;
    }
    CHECK(peek_u32(reader, PEEK_FIELD_COUNT) == 1);
    CHECK(peek_find(reader, "late", &e) == -1);
    c = mmstats_v2_counter_new(f, "late", MMSTATS_V2_U64, NULL, &err);
    s = mmstats_v2_string_new(f, "late.text", 16, "initial", NULL, &err);
    CHECK(c && s && mmstats_v2_published(&c->f) && mmstats_v2_published(&s->f));
    CHECK(peek_u32(reader, PEEK_FIELD_COUNT) == 3);
    CHECK(peek_find(reader, "late", &e) == 0 && e.kind == 1 && e.value_type == 1);
    CHECK(peek_slot_sum(reader, &e) == 0);
    mmstats_v2_counter_add(c, 42);
    CHECK(peek_slot_sum(reader, &e) == 42);
    CHECK(peek_find(reader, "late.text", &e) == 0 && peek_process_word(reader, &e, 0) == 0 &&
          peek_process_word(reader, &e, 1) == 7 && memcmp(reader + peek_u32(reader, PEEK_PROCESS_OFFSET) +
                                                              e.value_offset + 16, "initial", 7) == 0);
    CHECK(peek_find(reader, "early", &e) == 0 && (int64_t)peek_process_word(reader, &e, 0) == -4);
    munmap(reader, mmstats_v2_size(f));
    close(fd);
    mmstats_v2_close(f);
}

static void test_v2_full_file_counts_and_keeps_a_working_handle(void)
{
    mmstats_v2_config cfg = config("v2-full.mmstats");
    static const double bounds[] = {1, 2};
    mmstats_error err;
    mmstats_v2_file *f;
    mmstats_v2_counter *a, *b, *hidden;
    mmstats_v2_gauge *g1, *g2;
    mmstats_v2_string *s;
    mmstats_v2_histogram *h;
    unsigned char *before;
    const unsigned char *map;
    cfg.meta_capacity = 80; /* two entries of 40 bytes */
    cfg.process_capacity = 8;
    cfg.slot_size = 16;
    cfg.slot_count = 2;
    cfg.quiet = 1;
    f = mmstats_v2_open(&cfg, &err);
    CHECK_MSG(f != NULL, "%s", err.message);
    if (!f)
        return;
    map = mmstats_v2_map(f);
    a = mmstats_v2_counter_new(f, "a", MMSTATS_V2_U64, NULL, NULL);
    g1 = mmstats_v2_gauge_new(f, "g", MMSTATS_V2_F64, NULL, NULL);
    CHECK(a && g1 && mmstats_v2_published(&a->f) && mmstats_v2_published(&g1->f));
    hidden = mmstats_v2_counter_new(f, "c", MMSTATS_V2_U64, NULL, NULL); /* metadata full */
    CHECK(hidden && !mmstats_v2_published(&hidden->f));
    CHECK(peek_u32(map, PEEK_FIELD_COUNT) == 2 && peek_u32(map, PEEK_OVERFLOW_COUNT) == 1);
    mmstats_v2_counter_add(a, 1);
    before = malloc(mmstats_v2_size(f));
    if (!before) {
        mmstats_v2_close(f);
        return;
    }
    memcpy(before, map, mmstats_v2_size(f));
    mmstats_v2_counter_add(hidden, 5); /* works, on memory no reader sees */
    mmstats_v2_counter_add(hidden, 6);
    CHECK(__atomic_load_n((uint64_t *)(void *)hidden->f.value, __ATOMIC_RELAXED) == 11);
    CHECK(memcmp(before, map, mmstats_v2_size(f)) == 0);
    free(before);
    mmstats_v2_close(f);

    /* the process area and the slots fill up the same way, whatever the kind */
    cfg = config("v2-full2.mmstats");
    cfg.process_capacity = 8;
    cfg.slot_size = 8;
    cfg.quiet = 1;
    f = mmstats_v2_open(&cfg, &err);
    if (!f)
        return;
    map = mmstats_v2_map(f);
    g1 = mmstats_v2_gauge_new(f, "g1", MMSTATS_V2_I64, NULL, NULL);
    g2 = mmstats_v2_gauge_new(f, "g2", MMSTATS_V2_I64, NULL, NULL);
    s = mmstats_v2_string_new(f, "s", 8, "x", NULL, NULL);
    b = mmstats_v2_counter_new(f, "b", MMSTATS_V2_U64, NULL, NULL);
    hidden = mmstats_v2_counter_new(f, "b2", MMSTATS_V2_U64, NULL, NULL);
    h = mmstats_v2_histogram_new(f, "h", bounds, 2, NULL, NULL);
    CHECK(g1 && g2 && s && b && hidden && h);
    if (g1 && g2 && s && b && hidden && h) {
        CHECK(mmstats_v2_published(&g1->f) && !mmstats_v2_published(&g2->f) && !mmstats_v2_published(&s->f));
        CHECK(mmstats_v2_published(&b->f) && !mmstats_v2_published(&hidden->f) && !mmstats_v2_published(&h->f));
        CHECK(peek_u32(map, PEEK_FIELD_COUNT) == 2 && peek_u32(map, PEEK_OVERFLOW_COUNT) == 4);
        mmstats_v2_gauge_set_i64(g2, 9);
        mmstats_v2_string_set(s, "hidden");
        mmstats_v2_histogram_observe(h, 1.5);
        mmstats_v2_gauge_set_i64(g1, 1);
        /* the unpublished values hold what was stored, in their own layouts */
        CHECK(peek_u64(g2->f.value, 0) == 9);
        CHECK(peek_u64(s->f.value, 0) == 2 && peek_u64(s->f.value, 8) == 6);
        CHECK(memcmp(s->f.value + 16, "hidden", 6) == 0);
        CHECK(peek_u64(h->f.value, 0) == 2 && peek_u64(h->f.value, 8) == 0x3ff8000000000000u &&
              peek_u64(h->f.value, 24) == 1); /* seq 2, sum 1.5, bucket le 2 */
    }
    mmstats_v2_close(f);
}

static void test_v2_forked_child_never_writes_the_parents_file(void)
{
    mmstats_v2_config cfg = config("v2-fork.mmstats");
    mmstats_error err;
    mmstats_v2_file *f;
    mmstats_v2_counter *c;
    mmstats_v2_string *s;
    const unsigned char *map;
    peek_entry e;
    int go[2], done[2], status = 0;
    pid_t pid;
    char byte = 0;
    cfg.keep = 1;
    f = mmstats_v2_open(&cfg, &err);
    CHECK_MSG(f != NULL, "%s", err.message);
    if (!f)
        return;
    map = mmstats_v2_map(f);
    c = mmstats_v2_counter_new(f, "c", MMSTATS_V2_U64, NULL, NULL);
    s = mmstats_v2_string_new(f, "s", 16, "parent", NULL, NULL);
    mmstats_v2_counter_add(c, 1);
    if (pipe(go) || pipe(done)) {
        check_fail(__FILE__, __LINE__, "pipe: %s", strerror(errno));
        mmstats_v2_close(f);
        return;
    }
    pid = fork();
    if (pid == 0) { /* the child: every call works, none reaches the parent's file */
        int ok;
        mmstats_v2_counter_add(c, 1000);
        mmstats_v2_string_set(s, "child");
        ok = mmstats_v2_counter_new(f, "child.only", MMSTATS_V2_U64, NULL, NULL) != NULL;
        ok = ok && mmstats_v2_fd(f) == -1; /* the inherited locked descriptor is closed */
        ok = ok && write(done[1], "x", 1) == 1;
        ok = ok && read(go[0], &byte, 1) == 1;
        ok = ok && mmstats_v2_close(f) == 0;
        _exit(ok ? 0 : 1);
    }
    CHECK(pid > 0);
    if (pid > 0)
        CHECK(read(done[0], &byte, 1) == 1);
    /* the child is alive and has written: the parent's file does not show it */
    CHECK(peek_find(map, "c", &e) == 0 && peek_slot_sum(map, &e) == 1);
    CHECK(peek_find(map, "child.only", &e) == -1 && peek_u32(map, PEEK_FIELD_COUNT) == 2);
    CHECK(peek_find(map, "s", &e) == 0 && memcmp(map + peek_u32(map, PEEK_PROCESS_OFFSET) + e.value_offset + 16,
                                                 "parent", 6) == 0);
    /* the parent closes (kept) while the child lives: nothing keeps the lock */
    CHECK(mmstats_v2_close(f) == 0);
    CHECK(lock_held(cfg.path) == 0);
    if (pid > 0) {
        CHECK(write(go[1], "x", 1) == 1);
        waitpid(pid, &status, 0);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    }
    /* the child's close neither removed the file nor changed its state */
    CHECK(exists(cfg.path));
    {
        size_t len = 0;
        unsigned char *data = read_file(cfg.path, &len);
        CHECK(data && peek_u32(data, PEEK_STATE) == 2 && peek_find(data, "c", &e) == 0 && peek_slot_sum(data, &e) == 1);
        free(data);
    }
    close(go[0]);
    close(go[1]);
    close(done[0]);
    close(done[1]);
    unlink(cfg.path);
}

static void test_v2_heartbeat(void)
{
    mmstats_v2_config cfg = config("v2-heartbeat.mmstats");
    mmstats_error err;
    mmstats_v2_file *f;
    uint64_t t0;
    cfg.heartbeat_interval_ms = 250;
    f = mmstats_v2_open(&cfg, &err);
    CHECK_MSG(f != NULL, "%s", err.message);
    if (!f)
        return;
    CHECK(peek_u32(mmstats_v2_map(f), 48) == 250 && peek_u64(mmstats_v2_map(f), PEEK_HEARTBEAT) == 0);
    t0 = now_ns();
    mmstats_v2_heartbeat(f);
    CHECK(peek_u64(mmstats_v2_map(f), PEEK_HEARTBEAT) >= t0 && peek_u64(mmstats_v2_map(f), PEEK_HEARTBEAT) <= now_ns());
    mmstats_v2_close(f);
}

static void test_v2_bad_descriptions_are_refused_with_their_reason(void)
{
    mmstats_v2_config cfg = config("v2-refused.mmstats");
    mmstats_error err;
    mmstats_v2_file *f = mmstats_v2_open(&cfg, &err);
    static const double unordered[] = {2, 1}, infinite[] = {1, 1.0 / 0.0};
    mmstats_v2_attribute twice[] = {{"k", "1", 0, 0}, {"k", "2", 0, 0}};
    mmstats_v2_attribute empty_key[] = {{"", "1", 0, 0}};
    mmstats_v2_options spaced = {NULL, "m s", NULL, 0, 0};
    mmstats_v2_options long_unit = {NULL, "0123456789012345678901234567890123456789012345678901234567890123",
                                    NULL, 0, 0}; /* 64 bytes */
    mmstats_v2_options bad_help = {"\xc3\x28", NULL, NULL, 0, 0};
    mmstats_v2_options dup = {NULL, NULL, twice, 2, 0};
    mmstats_v2_options nokey = {NULL, NULL, empty_key, 1, 0};
    struct {
        const char *what, *expect;
        int ok;
    } cases[9];
    int n = 0, i;
    CHECK_MSG(f != NULL, "%s", err.message);
    if (!f)
        return;
#define REFUSED(call, text)                                      \
    do {                                                         \
        memset(&err, 0, sizeof err);                             \
        cases[n].ok = (call) == NULL && err.err_no == EINVAL;    \
        cases[n].what = #call;                                   \
        cases[n].expect = text;                                  \
        cases[n].ok = cases[n].ok && strstr(err.message, text) && strstr(err.message, cfg.path); \
        n++;                                                     \
    } while (0)
    REFUSED(mmstats_v2_counter_new(f, "", MMSTATS_V2_U64, NULL, &err), "1 to 65535 bytes");
    REFUSED(mmstats_v2_counter_new(f, "bad\xff", MMSTATS_V2_U64, NULL, &err), "not UTF-8 (byte 3)");
    REFUSED(mmstats_v2_counter_new(f, "i64 counter", MMSTATS_V2_I64, NULL, &err), "does not take value type");
    REFUSED(mmstats_v2_gauge_new(f, "g", MMSTATS_V2_F64, &spaced, &err), "unit byte 1 is 0x20");
    REFUSED(mmstats_v2_gauge_new(f, "g", MMSTATS_V2_F64, &long_unit, &err), "at most 63 bytes");
    REFUSED(mmstats_v2_gauge_new(f, "g", MMSTATS_V2_F64, &bad_help, &err), "help is not UTF-8");
    REFUSED(mmstats_v2_gauge_new(f, "g", MMSTATS_V2_F64, &dup, &err), "repeats the key");
    REFUSED(mmstats_v2_gauge_new(f, "g", MMSTATS_V2_F64, &nokey, &err), "a key is 1 to 65535");
    REFUSED(mmstats_v2_histogram_new(f, "h", unordered, 2, NULL, &err), "bound 1 is not finite or not greater");
    for (i = 0; i < n; i++)
        CHECK_MSG(cases[i].ok, "%s: want EINVAL and \"%s\"", cases[i].what, cases[i].expect);
    CHECK(mmstats_v2_histogram_new(f, "h", infinite, 2, NULL, &err) == NULL);
    CHECK(peek_u32(mmstats_v2_map(f), PEEK_FIELD_COUNT) == 0 && peek_u32(mmstats_v2_map(f), PEEK_OVERFLOW_COUNT) == 0);
    mmstats_v2_close(f);
#undef REFUSED
}

/* ---- the CLI on a v2 scenario ---- */

static int run(const char *cmd)
{
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static void test_v2_cli_writes_a_closed_kept_file_and_refuses_bad_scenarios(void)
{
    static const char good[] =
        "{\"format_version\": 2, \"capacities\": {\"slot_count\": 2},"
        " \"fields\": [{\"label\": \"c\", \"kind\": \"counter\", \"type\": \"u64\", \"unit\": \"\", \"help\": \"\","
        " \"attributes\": {\"a\": \"b\"}}],"
        " \"updates\": [{\"field\": 0, \"op\": \"add\", \"value\": 18446744073709551615},"
        " {\"field\": 0, \"op\": \"add\", \"value\": 5}]}";
    static const char bad[] =
        "{\"format_version\": 2, \"fields\": [{\"label\": \"c\", \"kind\": \"counter\", \"type\": \"u64\"}],"
        " \"updates\": [{\"field\": 0, \"op\": \"set\", \"value\": 1}]}";
    const char *json = tmp_path("v2-cli.json"), *out = tmp_path("v2-cli.mmstats");
    const char *bad_json = tmp_path("v2-cli-bad.json"), *bad_out = tmp_path("v2-cli-bad.mmstats");
    const char *errs = tmp_path("v2-cli.err");
    char cmd[2400];
    unsigned char *data, *text;
    size_t len = 0;
    peek_entry e;
    write_text(json, good);
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' 2>'%s'", CLI_PATH, json, out, errs);
    CHECK(run(cmd) == 0);
    data = read_file(out, &len);
    CHECK(data && len % 4096 == 0 && data[0] == 2 && peek_u32(data, PEEK_STATE) == 2);
    if (data) {
        CHECK(peek_u32(data, PEEK_SLOT_COUNT) == 2);
        CHECK(peek_find(data, "c", &e) == 0 && peek_slot_sum(data, &e) == 4); /* wrapped modulo 2^64 */
    }
    free(data);
    CHECK(lock_held(out) == 0);

    write_text(bad_json, bad);
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' 2>'%s'", CLI_PATH, bad_json, bad_out, errs);
    CHECK(run(cmd) == 1);
    CHECK(!exists(bad_out));
    text = read_file(errs, &len);
    CHECK_MSG(text && strstr((char *)text, "offset") && strstr((char *)text, "takes \"add\", not \"set\""),
              "stderr: %.*s", (int)len, text ? (char *)text : "");
    free(text);
    unlink(out);
}

void run_v2_life_tests(void)
{
    RUN(test_v2_creation_publication_and_liveness);
    RUN(test_v2_publication_never_replaces_a_file);
    RUN(test_v2_default_name_is_cmd_pid_start);
    RUN(test_v2_field_added_at_run_time_reaches_an_earlier_reader);
    RUN(test_v2_full_file_counts_and_keeps_a_working_handle);
    RUN(test_v2_forked_child_never_writes_the_parents_file);
    RUN(test_v2_heartbeat);
    RUN(test_v2_bad_descriptions_are_refused_with_their_reason);
    RUN(test_v2_cli_writes_a_closed_kept_file_and_refuses_bad_scenarios);
}
