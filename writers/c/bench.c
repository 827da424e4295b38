/* bench.c -- ns per counter increment through the C writer against the floor,
 * a plain `x += n` on a volatile variable: one load, one add and one store of a
 * value in memory every iteration, which is what an increment of a variable the
 * program shares costs; volatile keeps the compiler from keeping x in a register
 * or folding the loop. Every mmstats loop has the same shape (n read from a
 * volatile once, then the update in a counted loop), and every result is read
 * back at the end. Prints ratios; asserts nothing (absolute numbers drift with the
 * machine and its load).
 *
 *   make bench            (build/bench [ITERATIONS])
 */
#define _POSIX_C_SOURCE 200809L

#include "mmstats.h"
#include "mmstats_v2.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define REPEATS 7

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Each run times its loop in chunks of CHUNK iterations and keeps the fastest chunk: on
 * a busy machine a chunk (well under a millisecond) often runs without being preempted,
 * a whole run rarely does. Every case, the floor included, is timed the same way. */
#define CHUNK 250000L
#define TIME_BEST(best, iterations, body)                                          \
    do {                                                                           \
        long done_ = 0;                                                            \
        best = 1e30;                                                               \
        while (done_ < (iterations)) {                                             \
            long end_ = (iterations) - done_ < CHUNK ? (iterations) : done_ + CHUNK; \
            double t0_ = now_ns(), t_;                                             \
            for (i = done_; i < end_; i++) {                                       \
                body;                                                              \
            }                                                                      \
            t_ = (now_ns() - t0_) / (double)(end_ - done_);                        \
            if (t_ < best)                                                         \
                best = t_;                                                         \
            done_ = end_;                                                          \
        }                                                                          \
    } while (0)

static volatile uint64_t plain_counter;
static volatile uint64_t step_source = 1; /* n is not a compile-time constant */

static double bench_plain(long iterations)
{
    uint64_t n = step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, plain_counter += n);
    return best;
}

static double bench_incr(mmstats_slot *s, long iterations)
{
    uint64_t n = step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, mmstats_incr(s, n));
    return best;
}

static double bench_set_double(mmstats_slot *s, long iterations)
{
    double v = (double)step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, mmstats_set_double(s, v); v += 0.5);
    return best;
}

/* Eight counters updated in turn: independent dependency chains, closer to a
 * program that touches several fields than one field hammered in a loop. */
static volatile uint64_t plain8[8];

static double bench_plain8(long iterations)
{
    uint64_t n = step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, plain8[i & 7] += n);
    return best;
}

static double bench_incr8(mmstats_slot *slots[8], long iterations)
{
    uint64_t n = step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, mmstats_incr(slots[i & 7], n));
    return best;
}

/* The same floor without volatile: x is an ordinary variable, and an empty asm with a
 * "memory" clobber after each add makes the compiler store it and load it again. */
static uint64_t plain_barrier_counter;

static double bench_plain_barrier(long iterations)
{
    uint64_t n = step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, plain_barrier_counter += n; __asm__ __volatile__("" ::: "memory"));
    return best;
}

/* The floor's add at an address known only at run time (a word on the heap, its pointer
 * in a register), as every value in a mapped file is: the same loop shape as the v2
 * loops. */
static double bench_plain_runtime(volatile uint64_t *p, long iterations)
{
    uint64_t n = step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, *p += n);
    return best;
}

/* Context, not a floor: the same add to a value found through a pointer that is loaded
 * again every time, as a handle-based API must find its value. */
static uint64_t plain_struct[2];
static void *volatile plain_struct_ptr = plain_struct;

static double bench_plain_found(long iterations)
{
    uint64_t n = step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, ((volatile uint64_t *)plain_struct_ptr)[1] += n);
    return best;
}

/* ---- format version 2 ---- */

static double bench_v2_add(mmstats_v2_counter *c, long iterations)
{
    uint64_t n = step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, mmstats_v2_counter_add(c, n));
    return best;
}

static double bench_v2_local(mmstats_v2_local l, long iterations)
{
    uint64_t n = step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, mmstats_v2_local_add(l, n));
    return best;
}

static double bench_v2_add8(mmstats_v2_counter *c[8], long iterations)
{
    uint64_t n = step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, mmstats_v2_counter_add(c[i & 7], n));
    return best;
}

static double bench_v2_observe(mmstats_v2_histogram *h, long iterations)
{
    double v = (double)step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, mmstats_v2_histogram_observe(h, v * (double)(i & 1023))); /* 0 to 1023: every bucket */
    return best;
}

static double bench_v2_gauge(mmstats_v2_gauge *g, long iterations)
{
    double v = (double)step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, mmstats_v2_gauge_set_f64(g, v); v += 0.5);
    return best;
}

static double bench_v2_string(mmstats_v2_string *s, long iterations)
{
    static const char *const texts[2] = {"running-state-01", "running-state-02"};
    size_t len = 16 * (size_t)step_source;
    double best;
    long i;
    TIME_BEST(best, iterations, mmstats_v2_string_set_n(s, texts[i & 1], len));
    return best;
}

static mmstats_v2_file *v2_file(const char *dir, const char *name, uint32_t slot_count)
{
    mmstats_v2_config cfg;
    mmstats_error err;
    char path[512];
    mmstats_v2_file *f;
    memset(&cfg, 0, sizeof cfg);
    snprintf(path, sizeof path, "%s/mmstats-c-bench-%s-%ld.mmstats", dir, name, (long)getpid());
    cfg.path = path;
    cfg.slot_count = slot_count;
    f = mmstats_v2_open(&cfg, &err);
    if (!f)
        fprintf(stderr, "%s\n", err.message);
    return f;
}

/* What readers would see: the sum of the counter's copies in the used slots. */
static uint64_t v2_sum(const mmstats_v2_file *f, const mmstats_v2_counter *c)
{
    const unsigned char *map = mmstats_v2_map(f);
    uint32_t used, slots_offset, slot_size, k;
    uint64_t sum = 0, w;
    memcpy(&used, map + MMSTATS_V2_SLOTS_USED_OFFSET, 4);
    memcpy(&slots_offset, map + MMSTATS_V2_SLOTS_OFFSET_OFFSET, 4);
    memcpy(&slot_size, map + MMSTATS_V2_SLOT_SIZE_OFFSET, 4);
    for (k = 0; k < used; k++) {
        memcpy(&w, map + slots_offset + (size_t)k * slot_size + c->f.offset, 8);
        sum += w;
    }
    return sum;
}

/* The fastest of REPEATS runs: the least disturbed by other work on the machine. The
 * cases take turns within each round, so that a busy spell slows all of them alike. */
#define KEEP_MIN(var, expr)      \
    do {                         \
        double t_ = (expr);      \
        if (t_ < var)            \
            var = t_;            \
    } while (0)

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : 50000000L;
    const char *dir = getenv("TMPDIR");
    char path[512];
    mmstats_field_desc fields[] = {
        {"bench.buffered", 0, "Q", 1}, {"bench.unbuffered", 0, "Q", 0},
        {"bench.narrow", 0, "I", 1},   {"bench.gauge", 0, "d", 1},
        {"bench.c0", 0, "Q", 1}, {"bench.c1", 0, "Q", 1}, {"bench.c2", 0, "Q", 1}, {"bench.c3", 0, "Q", 1},
        {"bench.c4", 0, "Q", 1}, {"bench.c5", 0, "Q", 1}, {"bench.c6", 0, "Q", 1}, {"bench.c7", 0, "Q", 1},
    };
    mmstats_slot *eight[8];
    int k;
    mmstats_error err;
    mmstats_file *f;
    double plain = 1e30, buffered = 1e30, unbuffered = 1e30, narrow = 1e30, gauge = 1e30, plain_8 = 1e30,
           incr_8 = 1e30, barrier = 1e30, runtime = 1e30, found = 1e30, v2_own = 1e30, v2_local = 1e30,
           v2_shared = 1e30, v2_8 = 1e30,
           v2_hist = 1e30, v2_gauge = 1e30, v2_text = 1e30;
    int round;
    volatile uint64_t *heap_word = calloc(8, sizeof *heap_word);
    static const double bounds[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
    mmstats_v2_file *v2, *v2_one;
    mmstats_v2_counter *own, *local, *shared, *own8[8];
    mmstats_v2_histogram *hist;
    mmstats_v2_gauge *v2g;
    mmstats_v2_string *text;

    if (iterations <= 0)
        iterations = 50000000L;
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(path, sizeof path, "%s/mmstats-c-bench-%ld.mmstats", dir, (long)getpid());
    f = mmstats_create(path, fields, sizeof fields / sizeof fields[0], MMSTATS_DEFAULT_MODE, &err);
    if (!f) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    for (k = 0; k < 8; k++)
        eight[k] = mmstats_slot_at(f, (size_t)(4 + k));
    v2 = v2_file(dir, "v2", 8);            /* this thread owns slot 1 */
    v2_one = v2_file(dir, "v2-shared", 1); /* no thread slot: everyone on slot 0 */
    if (!v2 || !v2_one || !heap_word)
        return 1;
    local = mmstats_v2_counter_new(v2, "bench.local", MMSTATS_V2_U64, NULL, NULL);
    own = mmstats_v2_counter_new(v2, "bench.own", MMSTATS_V2_U64, NULL, NULL);
    shared = mmstats_v2_counter_new(v2_one, "bench.shared", MMSTATS_V2_U64, NULL, NULL);
    for (k = 0; k < 8; k++)
        own8[k] = mmstats_v2_counter_new(v2, "bench.c", MMSTATS_V2_U64, NULL, NULL);
    hist = mmstats_v2_histogram_new(v2, "bench.latency", bounds, 10, NULL, NULL);
    v2g = mmstats_v2_gauge_new(v2, "bench.gauge", MMSTATS_V2_F64, NULL, NULL);
    text = mmstats_v2_string_new(v2, "bench.state", 16, NULL, NULL, NULL);

    for (round = 0; round < REPEATS; round++) {
        KEEP_MIN(plain, bench_plain(iterations));
        KEEP_MIN(buffered, bench_incr(mmstats_slot_at(f, 0), iterations));
        KEEP_MIN(unbuffered, bench_incr(mmstats_slot_at(f, 1), iterations));
        KEEP_MIN(narrow, bench_incr(mmstats_slot_at(f, 2), iterations));
        KEEP_MIN(gauge, bench_set_double(mmstats_slot_at(f, 3), iterations));
        KEEP_MIN(plain_8, bench_plain8(iterations));
        KEEP_MIN(incr_8, bench_incr8(eight, iterations));
        KEEP_MIN(barrier, bench_plain_barrier(iterations));
        KEEP_MIN(runtime, bench_plain_runtime(heap_word, iterations));
        KEEP_MIN(found, bench_plain_found(iterations));
        KEEP_MIN(v2_own, bench_v2_add(own, iterations));
        KEEP_MIN(v2_local, bench_v2_local(mmstats_v2_counter_local(local), iterations));
        KEEP_MIN(v2_shared, bench_v2_add(shared, iterations));
        KEEP_MIN(v2_8, bench_v2_add8(own8, iterations));
        KEEP_MIN(v2_hist, bench_v2_observe(hist, iterations));
        KEEP_MIN(v2_gauge, bench_v2_gauge(v2g, iterations));
        KEEP_MIN(v2_text, bench_v2_string(text, iterations));
    }

    printf("iterations per run: %ld, best of %d runs\n", iterations, REPEATS);
    printf("%-44s %6.2f ns/op  x%.2f\n", "plain volatile `x += n` (the floor)", plain, 1.0);
    printf("%-44s %6.2f ns/op  x%.2f\n", "mmstats_incr, buffered Q (value + flip)", buffered, buffered / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "mmstats_incr, unbuffered Q (one store)", unbuffered, unbuffered / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "mmstats_incr, buffered I", narrow, narrow / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "mmstats_set_double, buffered d", gauge, gauge / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "8 plain volatile counters in turn", plain_8, 1.0);
    printf("%-44s %6.2f ns/op  x%.2f\n", "mmstats_incr, 8 buffered Q counters in turn", incr_8, incr_8 / plain_8);
    printf("%-44s %6.2f ns/op  x%.2f\n", "plain `x += n` + compiler barrier", barrier, barrier / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "plain volatile `*p += n`, run-time p", runtime, runtime / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "plain add through a pointer loaded each time", found, found / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "v2 counter_add, thread slot", v2_own, v2_own / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "v2 local_add, thread slot found once", v2_local, v2_local / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "v2 counter_add, shared slot 0 (fetch_add)", v2_shared, v2_shared / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "v2 counter_add, 8 counters in turn", v2_8, v2_8 / plain_8);
    printf("%-44s %6.2f ns/op  x%.2f\n", "v2 histogram_observe, 10 bounds", v2_hist, v2_hist / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "v2 gauge_set_f64", v2_gauge, v2_gauge / plain);
    printf("%-44s %6.2f ns/op  x%.2f\n", "v2 string_set, 16 bytes", v2_text, v2_text / plain);
    /* keep the results observable: each counter holds REPEATS * iterations */
    printf("check: buffered counter = %llu (want %llu)\n",
           (unsigned long long)mmstats_value_u64(mmstats_slot_at(f, 0)),
           (unsigned long long)((uint64_t)REPEATS * (uint64_t)iterations));
    printf("check: v2 counters: thread slot %llu, found once %llu, shared %llu (want %llu each)\n",
           (unsigned long long)v2_sum(v2, own), (unsigned long long)v2_sum(v2, local),
           (unsigned long long)v2_sum(v2_one, shared),
           (unsigned long long)((uint64_t)REPEATS * (uint64_t)iterations));
    mmstats_remove(f);
    mmstats_v2_close(v2);
    mmstats_v2_close(v2_one);
    free((void *)heap_word);
    return 0;
}
