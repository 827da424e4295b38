/* driver.c -- a coverage-guided mutation loop for fuzz/target.c, for compilers
 * without libFuzzer. The library is built with -fsanitize-coverage=trace-pc; each
 * input that reaches a new (edge, hit-count bucket) joins the queue. Seeded from
 * the conformance corpus; a fixed --seed makes a run repeatable. Every 256th input
 * also goes through a file: the path reader and the poller.
 *
 *   fuzz --runs N --seed S --corpus CONFORMANCE_DIR [--seconds T] [--out DIR]
 *   fuzz --dump N --seed S --corpus CONFORMANCE_DIR --out DIR   (N mutants as files, nothing run) */
#define _POSIX_C_SOURCE 200809L
#include "mmstats_read.h"

#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAP_SIZE 65536
#define MAX_INPUT 20000
#define MAX_QUEUE 20000

/* --- coverage: called by every instrumented basic block of the library --- */
static unsigned char hits[MAP_SIZE], seen[MAP_SIZE];
static uintptr_t prev_pc;

void __sanitizer_cov_trace_pc(void);
__attribute__((no_sanitize_address, no_sanitize("undefined"))) void __sanitizer_cov_trace_pc(void)
{
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    size_t i = (size_t)((pc ^ prev_pc) * 0x9e3779b97f4a7c15ull >> 48) & (MAP_SIZE - 1);
    if (hits[i] < 255)
        hits[i]++;
    prev_pc = pc >> 1;
}

static unsigned bucket(unsigned n)
{
    return n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 : n == 3 ? 4 : n < 8 ? 8 : n < 16 ? 16 : n < 32 ? 32 : n < 128 ? 64 : 128;
}

/* 1 when the last run reached something new; folds it into seen. */
static int new_coverage(size_t *edges)
{
    size_t i, w;
    int fresh = 0;
    for (w = 0; w < MAP_SIZE; w += 8) { /* most of the map is untouched: skip it 8 bytes at a time */
        uint64_t word;
        memcpy(&word, hits + w, 8);
        if (!word)
            continue;
        for (i = w; i < w + 8; i++) {
        unsigned b = bucket(hits[i]);
        if (b & ~seen[i]) {
            if (!seen[i])
                (*edges)++;
            seen[i] |= (unsigned char)b;
            fresh = 1;
        }
        }
        memset(hits + w, 0, 8);
    }
    prev_pc = 0;
    return fresh;
}

/* --- the queue --- */
typedef struct {
    unsigned char *d;
    size_t n;
} input;
static input queue[MAX_QUEUE];
static size_t queued;

static void enqueue(const unsigned char *d, size_t n)
{
    if (queued == MAX_QUEUE || n > MAX_INPUT)
        return;
    queue[queued].d = malloc(n ? n : 1);
    if (!queue[queued].d)
        return;
    memcpy(queue[queued].d, d, n);
    queue[queued].n = n;
    queued++;
}

static void load_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[2048];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            load_dir(path);
        } else if (S_ISREG(st.st_mode) && strstr(e->d_name, ".mmstats") && st.st_size <= MAX_INPUT) {
            FILE *fp = fopen(path, "rb");
            unsigned char buf[MAX_INPUT];
            size_t n = fp ? fread(buf, 1, sizeof buf, fp) : 0;
            if (fp)
                fclose(fp);
            enqueue(buf, n);
        }
    }
    closedir(d);
}

/* --- mutations --- */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}
static size_t below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

static const char *const tokens[] = {"Q", "q", "d", "f", "?", "b", "B", "h", "H", "i", "I", "0s", "1s", "255s",
                                     "256s", "999999999s", "05s", "l", "\xff\xff", "\x00\x00", "\x00\x01",
                                     "\x01\x00", "\xff", "\xc3\xa9", "\xe2\x82", "\xf4\x90\x80\x80", "\xed\xa0\x80"};
static const unsigned interesting16[] = {0, 1, 2, 255, 256, 4095, 4096, 4097, 32767, 32768, 65535};

static size_t mutate(unsigned char *d, size_t n, size_t cap)
{
    int rounds = 1 + (int)below(6), r;
    for (r = 0; r < rounds; r++) {
        size_t at = below(n ? n : 1), k;
        switch (below(12)) {
        case 0: /* flip a bit */
            if (n)
                d[at] ^= (unsigned char)(1u << below(8));
            break;
        case 1: /* a random byte */
            if (n)
                d[at] = (unsigned char)rnd();
            break;
        case 2: { /* an interesting byte */
            static const unsigned char v[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xc0, 0xff};
            if (n)
                d[at] = v[below(sizeof v)];
            break;
        }
        case 3: { /* an interesting u16, as a label or type size would be */
            unsigned v = interesting16[below(sizeof interesting16 / sizeof interesting16[0])];
            if (below(2))
                v = (unsigned)below(40);
            if (n >= 2 && at + 1 < n) {
                d[at] = (unsigned char)v;
                d[at + 1] = (unsigned char)(v >> 8);
            }
            break;
        }
        case 4: { /* delete a run */
            size_t len = 1 + below(16);
            if (at + len <= n) {
                memmove(d + at, d + at + len, n - at - len);
                n -= len;
            }
            break;
        }
        case 5: { /* insert a run of one byte */
            size_t len = 1 + below(16);
            if (n + len <= cap) {
                memmove(d + at + len, d + at, n - at);
                memset(d + at, below(2) ? 0 : (int)rnd(), len);
                n += len;
            }
            break;
        }
        case 6: { /* a token over the bytes */
            const char *t = tokens[below(sizeof tokens / sizeof tokens[0])];
            size_t len = strlen(t) ? strlen(t) : 1;
            if (at + len <= n)
                memcpy(d + at, t, len);
            break;
        }
        case 7: { /* copy a chunk within the input */
            size_t from = below(n ? n : 1), len = 1 + below(64);
            if (from + len <= n && at + len <= n)
                memmove(d + at, d + from, len);
            break;
        }
        case 8: { /* splice: the tail of another input */
            const input *o = &queue[below(queued)];
            size_t from = below(o->n ? o->n : 1);
            if (o->n && at + (o->n - from) <= cap) {
                memcpy(d + at, o->d + from, o->n - from);
                n = at + (o->n - from);
            }
            break;
        }
        case 9: /* cut */
            n = at;
            break;
        case 10: /* to a page size: bad sizes are too easy to hit */
            k = (n + 4095) / 4096 * 4096;
            if (k <= cap) {
                memset(d + n, 0, k - n);
                n = k;
            }
            break;
        case 11: /* the version byte */
            if (n)
                d[0] = below(4) ? 1 : (unsigned char)below(3);
            break;
        }
    }
    return n;
}

/* --- through a file --- */
static const char *file_path;
static void via_file(const unsigned char *d, size_t n)
{
    FILE *fp = fopen(file_path, "wb");
    mmr_file f;
    mmr_problem p1, p2;
    mmr_ioerr io;
    mmr_poller *pl;
    const mmr_file *pf;
    int rc1, rc2, re;
    if (!fp)
        return;
    fwrite(d, 1, n, fp);
    fclose(fp);
    rc1 = mmr_read_path(file_path, 1u << 20, &f, &p1, &io);
    if (rc1 == MMR_OK)
        mmr_file_free(&f);
    pl = mmr_poller_new(file_path, 1u << 20);
    rc2 = pl ? mmr_poller_poll(pl, &pf, &re, &p2, &io) : rc1;
    if (pl && rc2 == MMR_OK)
        rc2 = mmr_poller_poll(pl, &pf, &re, &p2, &io);
    mmr_poller_free(pl);
    if (rc1 != rc2 || (rc1 == MMR_INVALID && (p1.code != p2.code || p1.offset != p2.offset))) {
        fprintf(stderr, "fuzz: path reader and poller disagree\n");
        abort();
    }
}

/* --- the current input, saved when a sanitizer stops the run --- */
static const unsigned char *cur;
static size_t cur_n;
static char crash_path[1024];
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));
static void save_current(void)
{
    FILE *fp = fopen(crash_path, "wb");
    if (fp) {
        fwrite(cur, 1, cur_n, fp);
        fclose(fp);
        fprintf(stderr, "fuzz: input saved to %s\n", crash_path);
    }
}

static void on_abort(int sig)
{
    (void)sig;
    save_current();
    signal(SIGABRT, SIG_DFL);
    raise(SIGABRT);
}

int main(int argc, char **argv)
{
    unsigned long long runs = 100000, seed = 1, i, found = 0, dump = 0;
    double seconds = 0;
    const char *corpus = NULL, *out = "build/fuzz";
    static unsigned char buf[MAX_INPUT];
    char fpath[1024];
    size_t edges = 0, seeds, q;
    time_t start = time(NULL);
    int a;
    for (a = 1; a + 1 < argc; a += 2) {
        if (!strcmp(argv[a], "--runs"))
            runs = strtoull(argv[a + 1], NULL, 10);
        else if (!strcmp(argv[a], "--seed"))
            seed = strtoull(argv[a + 1], NULL, 10);
        else if (!strcmp(argv[a], "--corpus"))
            corpus = argv[a + 1];
        else if (!strcmp(argv[a], "--seconds"))
            seconds = atof(argv[a + 1]);
        else if (!strcmp(argv[a], "--out"))
            out = argv[a + 1];
        else if (!strcmp(argv[a], "--dump"))
            dump = strtoull(argv[a + 1], NULL, 10);
    }
    if (!corpus) {
        fprintf(stderr, "usage: fuzz --corpus CONFORMANCE_DIR [--runs N] [--seed S] [--seconds T] [--out DIR]\n");
        return 2;
    }
    rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
    snprintf(crash_path, sizeof crash_path, "%s/crash-input.mmstats", out);
    snprintf(fpath, sizeof fpath, "%s/fuzz-file.mmstats", out);
    file_path = fpath;
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(save_current);
    signal(SIGABRT, on_abort); /* a broken invariant of the target */
    load_dir(corpus);
    seeds = queued;
    if (!seeds) {
        fprintf(stderr, "fuzz: no seeds under %s\n", corpus);
        return 2;
    }
    for (i = 0; i < dump; i++) { /* mutants for a differential check against another implementation */
        const input *base = &queue[below(queued)];
        char name[1200];
        FILE *fp;
        size_t n;
        memcpy(buf, base->d, base->n);
        n = mutate(buf, base->n, sizeof buf);
        snprintf(name, sizeof name, "%s/mutant-%06llu.mmstats", out, i);
        fp = fopen(name, "wb");
        if (!fp || fwrite(buf, 1, n, fp) != n) {
            fprintf(stderr, "fuzz: cannot write %s\n", name);
            return 2;
        }
        fclose(fp);
    }
    if (dump)
        return 0;
    for (q = 0; q < seeds; q++) { /* the seeds' own coverage first */
        cur = queue[q].d;
        cur_n = queue[q].n;
        LLVMFuzzerTestOneInput(cur, cur_n);
        new_coverage(&edges);
    }
    for (i = 0; i < runs; i++) {
        const input *base = &queue[below(queued)];
        size_t n;
        memcpy(buf, base->d, base->n);
        n = mutate(buf, base->n, sizeof buf);
        cur = buf;
        cur_n = n;
        LLVMFuzzerTestOneInput(buf, n);
        if (i % 256 == 0)
            via_file(buf, n);
        if (new_coverage(&edges)) {
            enqueue(buf, n);
            found++;
        }
        if ((i & 0xffff) == 0 && i) {
            fprintf(stderr, "fuzz: %llu runs, %zu edges, queue %zu (%zu seeds), %lds\n", i, edges, queued, seeds,
                    (long)(time(NULL) - start));
            if (seconds > 0 && difftime(time(NULL), start) >= seconds)
                break;
        }
    }
    unlink(fpath);
    printf("fuzz: %llu executions (seed %llu) in %lds, %zu edges, queue %zu (%zu seeds + %llu found), no failures\n",
           i, seed, (long)(time(NULL) - start), edges, queued, seeds, found);
    return 0;
}
