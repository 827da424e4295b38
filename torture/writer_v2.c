/* torture-writer-v2 -- updates self-checking version 2 values as fast as it can (writers/c's v2 API).
 *
 *     torture-writer-v2 PATH SECONDS [SLOT_THREADS]
 *
 * Creates PATH (format 2), prints "ready PATH" and then, until SECONDS have
 * passed or SIGTERM/SIGINT arrives, runs:
 *
 *   SLOT_THREADS threads (default 2), each in its own thread slot, at every step:
 *     counter += K, updown += K then -= K (odd threads: -K then +K); every
 *     HISTOGRAM_EVERY steps the histogram observes 2 (odd threads: 3); relaxed
 *     load and store, sequence without a CAS;
 *   one thread in the shared slot 0: the same with 0.5 as its observation,
 *     through atomic read-modify-write and the sequence's compare-and-swap,
 *     and every 256 steps it sets the string (two setters contend for its sequence);
 *   the main thread: gauges to the encoding of k = 1, 2, 3, ... at every step,
 *     the string every STRING_EVERY steps.
 *
 * K = 2^32 + 1, so every sum of copies keeps its two halves tied; the checks
 * of each value are in torture/check_v2.py (and README.md "Version 2").
 * At the end it prints {"updates": STEPS, "seconds": S, "slots": [...]} (STEPS
 * summed over the threads) and closes the file, which removes it.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmstats_v2.h"

#define K (UINT64_C(1) << 32 | 1)
#define MAX_SLOT_THREADS 16
#define TEXT_MAX 160 /* (20 digits + '/') * 7 */
/* Multi-word values are rewritten every few steps, not at every one: a value rewritten
 * without pause is never copied whole by a reader that copies with pread (spec/v2.md
 * "What version 2 cannot guarantee", item 4) and would only be counted as null. */
#define HISTOGRAM_EVERY 4
#define STRING_EVERY 16

static const double BOUNDS[] = {1.0, 2.0, 4.0};

static mmstats_v2_file *file;
static mmstats_v2_counter *counter;
static mmstats_v2_updown *updown;
static mmstats_v2_gauge *gauge_u64, *gauge_f64;
static mmstats_v2_string *text;
static mmstats_v2_histogram *histogram;

static volatile sig_atomic_t stop_signal;
static int stop; /* atomic: set by the main thread when the time is up */

typedef struct worker {
    pthread_t thread;
    int index;         /* -1: the shared-slot thread */
    uint32_t slot;     /* the slot the API gave it */
    uint64_t steps;
    int attached;      /* atomic: slot is set */
} worker;

static void on_signal(int sig)
{
    (void)sig;
    stop_signal = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int stopped(void)
{
    return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

/* The string of step k: decimal k and '/', 1 + k % 7 times (check_v2.fits_string). */
static size_t encode_text(char *out, uint64_t k)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu/", (unsigned long long)k);
    size_t len = 0, i, times = 1 + k % 7;
    for (i = 0; i < times; i++, len += (size_t)n)
        memcpy(out + len, digits, (size_t)n);
    return len;
}

static void *slotted(void *arg)
{
    worker *w = arg;
    int down_first = w->index % 2 != 0;
    double observation = w->index < 0 ? 0.5 : w->index % 2 ? 3.0 : 2.0;
    char buf[TEXT_MAX];
    w->slot = mmstats_v2_thread_attach(file);
    __atomic_store_n(&w->attached, 1, __ATOMIC_RELEASE);
    while (!stopped()) {
        int j;
        for (j = 0; j < 1024; j++) {
            mmstats_v2_counter_add(counter, K);
            mmstats_v2_updown_add(updown, down_first ? -(int64_t)K : (int64_t)K);
            mmstats_v2_updown_add(updown, down_first ? (int64_t)K : -(int64_t)K);
            if (j % HISTOGRAM_EVERY == 0)
                mmstats_v2_histogram_observe(histogram, observation);
            if (w->index < 0 && j % 256 == 0) /* the second setter of the string, with its own steps */
                mmstats_v2_string_set_n(text, buf, encode_text(buf, UINT64_C(1) << 40 | (w->steps + (uint64_t)j)));
        }
        w->steps += 1024;
    }
    return NULL;
}

static void set_all(uint64_t k)
{
    uint64_t k32 = k & 0xffffffffu, k20 = k & 0xfffffu;
    uint64_t bits = UINT64_C(0x3ff0000000000000) | k20 << 32 | k20;
    double d;
    char buf[TEXT_MAX];
    memcpy(&d, &bits, 8);
    mmstats_v2_gauge_set_u64(gauge_u64, k32 << 32 | k32);
    mmstats_v2_gauge_set_f64(gauge_f64, d);
    if (k % STRING_EVERY == 0)
        mmstats_v2_string_set_n(text, buf, encode_text(buf, k));
}

/* Start a worker and wait until it has its slot: slots are handed out in this order. */
static int start(worker *w, int index)
{
    const struct timespec ms = {0, 1000000};
    w->index = index;
    w->steps = 0;
    w->attached = 0;
    if (pthread_create(&w->thread, NULL, slotted, w) != 0)
        return -1;
    while (!__atomic_load_n(&w->attached, __ATOMIC_ACQUIRE))
        nanosleep(&ms, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    mmstats_v2_config cfg;
    mmstats_error err;
    mmstats_v2_file *f;
    worker workers[MAX_SLOT_THREADS + 1];
    int nslot = 2, i;
    double seconds, t0, end;
    uint64_t k = 0, total;
    struct sigaction sa;

    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s PATH SECONDS [SLOT_THREADS]\n", argv[0]);
        return 2;
    }
    seconds = atof(argv[2]);
    if (argc == 4)
        nslot = atoi(argv[3]);
    if (nslot < 1 || nslot > MAX_SLOT_THREADS) {
        fprintf(stderr, "torture-writer-v2: SLOT_THREADS must be 1 to %d\n", MAX_SLOT_THREADS);
        return 2;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.path = argv[1];
    cfg.slot_count = (uint32_t)nslot + 1; /* a slot per slot thread: the last thread gets slot 0 */
    cfg.meta_capacity = 4096;             /* small regions: readers copy the whole file at every read */
    cfg.process_capacity = 4096;
    file = f = mmstats_v2_create(&cfg, &err);
    if (!f) {
        fprintf(stderr, "torture-writer-v2: %s\n", err.message);
        return 1;
    }
    counter = mmstats_v2_counter_new(f, "torture.counter", MMSTATS_V2_U64, NULL, &err);
    updown = counter ? mmstats_v2_updown_new(f, "torture.updown", MMSTATS_V2_I64, NULL, &err) : NULL;
    gauge_u64 = updown ? mmstats_v2_gauge_new(f, "torture.gauge.u64", MMSTATS_V2_U64, NULL, &err) : NULL;
    gauge_f64 = gauge_u64 ? mmstats_v2_gauge_new(f, "torture.gauge.f64", MMSTATS_V2_F64, NULL, &err) : NULL;
    text = gauge_f64 ? mmstats_v2_string_new(f, "torture.string", TEXT_MAX, "", NULL, &err) : NULL;
    histogram = text ? mmstats_v2_histogram_new(f, "torture.histogram", BOUNDS, 3, NULL, &err) : NULL;
    if (!histogram || mmstats_v2_publish(f, &err) != 0) {
        fprintf(stderr, "torture-writer-v2: %s\n", err.message);
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    for (i = 0; i <= nslot; i++) { /* slot threads first, in order; the shared-slot thread last */
        if (start(&workers[i], i < nslot ? i : -1) != 0) {
            fprintf(stderr, "torture-writer-v2: cannot start a thread\n");
            return 1;
        }
    }
    if (workers[nslot].slot != 0) {
        fprintf(stderr, "torture-writer-v2: the shared-slot thread got slot %u\n", (unsigned)workers[nslot].slot);
        return 1;
    }
    printf("ready %s\n", argv[1]);
    fflush(stdout);
    t0 = now();
    end = t0 + seconds;
    while (!stop_signal) {
        int j;
        for (j = 0; j < 1024; j++)
            set_all(++k);
        if (now() >= end)
            break;
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    total = k;
    for (i = 0; i <= nslot; i++) {
        pthread_join(workers[i].thread, NULL);
        total += workers[i].steps;
    }
    printf("{\"updates\": %llu, \"seconds\": %.3f, \"slots\": [", (unsigned long long)total, now() - t0);
    for (i = 0; i <= nslot; i++)
        printf("%s%u", i ? ", " : "", (unsigned)workers[i].slot);
    printf("]}\n");
    fflush(stdout);
    return mmstats_v2_close(f) == 0 ? 0 : 1;
}
