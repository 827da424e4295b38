/* test_v2_slots.c -- thread slots: sums across threads are exact, the shared
 * slot takes threads beyond the slot count, a thread's exit and the reuse of its
 * slot never make a sum go backwards, multi-word values are never seen torn. */
#define _GNU_SOURCE

#include "check.h"
#include "v2_peek.h"
#include "../mmstats_v2.h"
#include "../mmstats_v2_internal.h" /* v2_tag, v2_field_key, v2_own_key */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mmstats_v2_file *open_file(const char *name, uint32_t slot_count)
{
    mmstats_v2_config cfg;
    mmstats_error err;
    mmstats_v2_file *f;
    memset(&cfg, 0, sizeof cfg);
    cfg.path = tmp_path(name);
    cfg.slot_count = slot_count;
    f = mmstats_v2_open(&cfg, &err);
    CHECK_MSG(f != NULL, "%s", err.message);
    return f;
}

static uint64_t sum_of(const mmstats_v2_file *f, const char *name)
{
    peek_entry e;
    if (peek_find(mmstats_v2_map(f), name, &e)) {
        check_fail(__FILE__, __LINE__, "no field %s", name);
        return 0;
    }
    return peek_slot_sum(mmstats_v2_map(f), &e);
}

/* ---- N threads x M increments ---- */

typedef struct worker {
    mmstats_v2_counter *c;
    mmstats_v2_histogram *h;
    mmstats_v2_updown *u;
    long increments;
    pthread_barrier_t *all_attached; /* NULL: no wait */
    uint32_t slot;
} worker;

static void *count(void *arg)
{
    worker *w = arg;
    long i;
    if (w->all_attached) {
        w->slot = mmstats_v2_thread_attach(w->c->f.file);
        pthread_barrier_wait(w->all_attached);
    }
    for (i = 0; i < w->increments; i++) {
        mmstats_v2_counter_inc(w->c);
        if (w->u)
            mmstats_v2_updown_add(w->u, (i & 1) ? 3 : -1);
        if (w->h && i % 64 == 0)
            mmstats_v2_histogram_observe(w->h, (double)(i % 3));
    }
    return NULL;
}

static void run_workers(worker *w, int n)
{
    pthread_t t[16];
    int i;
    for (i = 0; i < n; i++)
        CHECK(pthread_create(&t[i], NULL, count, &w[i]) == 0);
    for (i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

/* Buckets of a histogram summed over the used slots, and every sequence even. */
static uint64_t histogram_count(const mmstats_v2_file *f, const char *name)
{
    const unsigned char *map = mmstats_v2_map(f);
    peek_entry e;
    uint64_t n = 0;
    uint32_t k, b;
    if (peek_find(map, name, &e))
        return 0;
    for (k = 0; k < peek_u32(map, PEEK_SLOTS_USED); k++) {
        CHECK_MSG(peek_slot_word(map, &e, k, 0) % 2 == 0, "slot %u: odd sequence at rest", k);
        for (b = 0; b < e.extra_size / 8 + 1; b++)
            n += peek_slot_word(map, &e, k, 2 + b);
    }
    return n;
}

static void test_v2_threads_times_increments_sum_exactly(void)
{
    enum { N = 8, M = 200000 };
    static const double bounds[] = {0.5, 1.5};
    mmstats_v2_file *f = open_file("v2-threads.mmstats", 64);
    worker w[N];
    int i;
    if (!f)
        return;
    memset(w, 0, sizeof w);
    w[0].c = mmstats_v2_counter_new(f, "requests", MMSTATS_V2_U64, NULL, NULL);
    w[0].u = mmstats_v2_updown_new(f, "level", MMSTATS_V2_I64, NULL, NULL);
    w[0].h = mmstats_v2_histogram_new(f, "latency", bounds, 2, NULL, NULL);
    for (i = 0; i < N; i++) {
        w[i].c = w[0].c;
        w[i].u = w[0].u;
        w[i].h = w[0].h;
        w[i].increments = M;
    }
    run_workers(w, N);
    CHECK_MSG(sum_of(f, "requests") == (uint64_t)N * M, "sum %llu, want %llu",
              (unsigned long long)sum_of(f, "requests"), (unsigned long long)N * M);
    CHECK_MSG(sum_of(f, "level") == (uint64_t)N * M, "up-down sum %lld, want %lld", (long long)sum_of(f, "level"),
              (long long)N * M); /* M/2 times +3 and M/2 times -1 per thread: M each */
    CHECK(histogram_count(f, "latency") == (uint64_t)N * ((M + 63) / 64));
    CHECK(peek_u32(mmstats_v2_map(f), PEEK_SLOTS_USED) >= 2 &&
          peek_u32(mmstats_v2_map(f), PEEK_SLOTS_USED) <= N + 1);
    mmstats_v2_close(f);
}

static void test_v2_threads_beyond_the_slots_share_slot_0(void)
{
    enum { N = 6, M = 100000 };
    static const double bounds[] = {1.0};
    mmstats_v2_file *f = open_file("v2-shared.mmstats", 3); /* slots 1 and 2, then slot 0 for the rest */
    pthread_barrier_t barrier;
    worker w[N];
    peek_entry e;
    int i, shared = 0;
    if (!f)
        return;
    pthread_barrier_init(&barrier, NULL, N);
    memset(w, 0, sizeof w);
    w[0].c = mmstats_v2_counter_new(f, "c", MMSTATS_V2_U64, NULL, NULL);
    w[0].h = mmstats_v2_histogram_new(f, "h", bounds, 1, NULL, NULL);
    for (i = 0; i < N; i++) {
        w[i].c = w[0].c;
        w[i].h = w[0].h;
        w[i].increments = M;
        w[i].all_attached = &barrier; /* every thread holds its slot before any exits */
    }
    run_workers(w, N);
    for (i = 0; i < N; i++)
        shared += w[i].slot == 0;
    CHECK_MSG(shared == N - 2, "%d threads on the shared slot, want %d", shared, N - 2);
    CHECK(peek_u32(mmstats_v2_map(f), PEEK_SLOTS_USED) == 3);
    CHECK(sum_of(f, "c") == (uint64_t)N * M);
    CHECK(peek_find(mmstats_v2_map(f), "c", &e) == 0 && peek_slot_word(mmstats_v2_map(f), &e, 0, 0) > 0);
    CHECK(histogram_count(f, "h") == (uint64_t)N * ((M + 63) / 64));
    pthread_barrier_destroy(&barrier);
    mmstats_v2_close(f);
}

/* ---- exits and reuse: a reader polls while waves of threads come and go ---- */

typedef struct poller {
    const mmstats_v2_file *f;
    int stop;
    long reads, backwards;
} poller;

static void *poll_sum(void *arg)
{
    poller *p = arg;
    uint64_t last = 0;
    while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
        uint64_t s = sum_of(p->f, "c");
        if (s < last)
            p->backwards++;
        last = s;
        p->reads++;
    }
    return NULL;
}

static void test_v2_thread_exit_and_slot_reuse_never_go_backwards(void)
{
    enum { WAVES = 30, N = 4, M = 5000 };
    mmstats_v2_file *f = open_file("v2-reuse.mmstats", 8);
    poller p;
    pthread_t reader;
    worker w[N];
    int wave, i;
    if (!f)
        return;
    memset(&p, 0, sizeof p);
    p.f = f;
    memset(w, 0, sizeof w);
    w[0].c = mmstats_v2_counter_new(f, "c", MMSTATS_V2_U64, NULL, NULL);
    for (i = 0; i < N; i++) {
        w[i].c = w[0].c;
        w[i].increments = M;
    }
    CHECK(pthread_create(&reader, NULL, poll_sum, &p) == 0);
    for (wave = 0; wave < WAVES; wave++)
        run_workers(w, N); /* each wave's threads exit, giving their slots back */
    __atomic_store_n(&p.stop, 1, __ATOMIC_RELEASE);
    pthread_join(reader, NULL);
    CHECK_MSG(p.backwards == 0, "the sum went backwards %ld times in %ld reads", p.backwards, p.reads);
    CHECK(p.reads > 0);
    CHECK(sum_of(f, "c") == (uint64_t)WAVES * N * M);
    /* 120 threads, at most 4 at a time: the slots were reused, never more than 4 handed out */
    CHECK_MSG(peek_u32(mmstats_v2_map(f), PEEK_SLOTS_USED) <= N + 1, "slots_used %u",
              peek_u32(mmstats_v2_map(f), PEEK_SLOTS_USED));
    mmstats_v2_close(f);
}

static void test_v2_detached_slot_keeps_its_values_for_the_next_owner(void)
{
    mmstats_v2_file *f = open_file("v2-detach.mmstats", 4);
    mmstats_v2_counter *c;
    peek_entry e;
    const unsigned char *map;
    if (!f)
        return;
    map = mmstats_v2_map(f);
    c = mmstats_v2_counter_new(f, "c", MMSTATS_V2_U64, NULL, NULL);
    CHECK(mmstats_v2_thread_attach(f) == 1);
    mmstats_v2_counter_add(c, 5);
    mmstats_v2_thread_detach(f);
    CHECK(peek_find(map, "c", &e) == 0 && peek_slot_word(map, &e, 1, 0) == 5); /* kept */
    mmstats_v2_counter_add(c, 2); /* takes the given-back slot 1 again and adds to it */
    CHECK(peek_slot_word(map, &e, 1, 0) == 7);
    CHECK(peek_u32(map, PEEK_SLOTS_USED) == 2);
    CHECK(mmstats_v2_thread_attach(f) == 1);
    mmstats_v2_close(f);
}

/* ---- the hot path's key: a file's tag, in the thread cache only for a thread slot ---- */

static void test_v2_tag_stops_before_it_could_repeat(void)
{
    static unsigned char low[16];
    CHECK(v2_tag(1, low, sizeof low) == 1);
    CHECK(v2_tag(0xfffeu, low, sizeof low) == 0xfffeu);
    CHECK(v2_tag(0xffffu, low, sizeof low) == MMSTATS_V2__NO_TAG); /* later ids: no tag, never in an own_key */
    CHECK(v2_tag(0x10001ull, low, sizeof low) == MMSTATS_V2__NO_TAG); /* not 1 again */
    CHECK(v2_tag(0x100000001ull, low, sizeof low) == MMSTATS_V2__NO_TAG);
    if (sizeof(uintptr_t) == 8) { /* a mapping reaching 2^48 gets no tag: its words' addresses need all the bits */
        CHECK(v2_tag(1, (const unsigned char *)(uintptr_t)(((uint64_t)1 << 48) - 4096), 4096) == 1);
        CHECK(v2_tag(1, (const unsigned char *)(uintptr_t)(((uint64_t)1 << 48) - 4096), 4097) == MMSTATS_V2__NO_TAG);
    }
}

/* own_key + key is the word's address exactly when the tags are equal, and at or above 2^48
 * (the out-of-line path) for every other pair, whatever the base and offset. */
static void test_v2_keys_match_only_their_own_tag(void)
{
    static const uint32_t tags[] = {0, 1, 2, 3, 0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff};
    static const uint64_t bases[] = {0, 128, 0x7f0000001000ull, 0xfffffffff000ull};
    static const uint32_t offsets[] = {0, 8, 1016, 0x0fffff8u};
    size_t i, j, b, o;
    for (i = 0; i < sizeof tags / sizeof tags[0]; i++)
        for (j = 0; j < sizeof tags / sizeof tags[0]; j++)
            for (b = 0; b < sizeof bases / sizeof bases[0]; b++)
                for (o = 0; o < sizeof offsets / sizeof offsets[0]; o++) {
                    uint64_t at;
                    if (sizeof(uintptr_t) < 8 && bases[b] > UINT32_MAX)
                        continue;
                    if (bases[b] + offsets[o] >= ((uint64_t)1 << 48))
                        continue; /* v2_tag gives such a mapping no tag */
                    at = v2_own_key(tags[i], (const unsigned char *)(uintptr_t)bases[b]) +
                         v2_field_key(tags[j], offsets[o]);
                    if (tags[i] == tags[j])
                        CHECK(at == bases[b] + offsets[o]);
                    else
                        CHECK_MSG(at >= ((uint64_t)1 << 48), "tags %u and %u gave %llx", (unsigned)tags[i],
                                  (unsigned)tags[j], (unsigned long long)at);
                }
}

/* The calling thread's key plus a field's: the address the fast path would add to. */
static uint64_t own_plus(const mmstats_v2_counter *c)
{
    return mmstats_v2__current.own_key + c->f.key;
}

/* One thread switching between two files, a full file's slot 0 and an unpublished field:
 * every add lands in the copy the spec says, whatever the cache held before it. */
static void test_v2_adds_land_in_their_own_files_slot_across_switches(void)
{
    mmstats_v2_file *a = open_file("v2-switch-a.mmstats", 4), *b = open_file("v2-switch-b.mmstats", 4);
    mmstats_v2_file *one = open_file("v2-switch-one.mmstats", 1); /* slot 0 only */
    mmstats_v2_counter *ca, *cb, *c1, *lost;
    peek_entry ea, eb, e1;
    mmstats_v2_config tiny;
    mmstats_v2_file *full;
    mmstats_error err;
    int i;
    if (!a || !b || !one)
        return;
    memset(&tiny, 0, sizeof tiny);
    tiny.path = tmp_path("v2-switch-full.mmstats");
    tiny.slot_size = 8; /* room for one slotted value */
    tiny.quiet = 1;
    full = mmstats_v2_open(&tiny, &err);
    CHECK_MSG(full != NULL, "%s", err.message);
    if (!full)
        return;
    ca = mmstats_v2_counter_new(a, "c", MMSTATS_V2_U64, NULL, NULL);
    cb = mmstats_v2_counter_new(b, "c", MMSTATS_V2_U64, NULL, NULL);
    c1 = mmstats_v2_counter_new(one, "c", MMSTATS_V2_U64, NULL, NULL);
    CHECK(mmstats_v2_counter_new(full, "fits", MMSTATS_V2_U64, NULL, NULL) != NULL);
    lost = mmstats_v2_counter_new(full, "lost", MMSTATS_V2_U64, NULL, NULL);
    CHECK(!mmstats_v2_published(&lost->f));
    for (i = 0; i < 10; i++) {
        mmstats_v2_counter_add(ca, 1);
        mmstats_v2_counter_add(cb, 10);
        mmstats_v2_counter_add(c1, 100);
        mmstats_v2_counter_add(lost, 1000);
        mmstats_v2_counter_add(ca, 2); /* twice in a row: the second through the cache */
    }
    CHECK(peek_find(mmstats_v2_map(a), "c", &ea) == 0 && peek_slot_word(mmstats_v2_map(a), &ea, 1, 0) == 30);
    CHECK(peek_find(mmstats_v2_map(b), "c", &eb) == 0 && peek_slot_word(mmstats_v2_map(b), &eb, 1, 0) == 100);
    CHECK(peek_find(mmstats_v2_map(one), "c", &e1) == 0 && peek_slot_word(mmstats_v2_map(one), &e1, 0, 0) == 1000);
    CHECK(peek_slot_sum(mmstats_v2_map(a), &ea) == 30 && peek_slot_sum(mmstats_v2_map(b), &eb) == 100);
    CHECK(peek_find(mmstats_v2_map(full), "lost", &e1) != 0); /* never published */
    mmstats_v2_counter_add(c1, 1);
    CHECK(mmstats_v2__current.own_key == 0); /* a slot-0 thread never matches a field's key */
    mmstats_v2_counter_add(ca, 1);
    { /* the cache now names slot 1 of a: a's field finds its word there, b's field nothing */
        const unsigned char *map = mmstats_v2_map(a);
        uint64_t want = (uint64_t)(uintptr_t)(map + peek_u32(map, PEEK_SLOTS_OFFSET) + peek_u32(map, PEEK_SLOT_SIZE) +
                                              ea.value_offset);
        CHECK(own_plus(ca) == want);
        CHECK(own_plus(cb) >= ((uint64_t)1 << 48));
        CHECK(own_plus(lost) >= ((uint64_t)1 << 48));
    }
    mmstats_v2_thread_detach(a);
    CHECK(mmstats_v2__current.own_key == 0);
    mmstats_v2_counter_add(ca, 4); /* takes slot 1 of a again */
    CHECK(peek_slot_word(mmstats_v2_map(a), &ea, 1, 0) == 35 && peek_u32(mmstats_v2_map(a), PEEK_SLOTS_USED) == 2);
    mmstats_v2_close(a);
    CHECK(mmstats_v2__current.own_key == 0); /* closing forgets the file */
    a = open_file("v2-switch-c.mmstats", 4); /* a new file: a new tag, wherever it lands */
    if (a) {
        ca = mmstats_v2_counter_new(a, "c", MMSTATS_V2_U64, NULL, NULL);
        mmstats_v2_counter_add(ca, 7);
        CHECK(peek_find(mmstats_v2_map(a), "c", &ea) == 0 && peek_slot_word(mmstats_v2_map(a), &ea, 1, 0) == 7);
        mmstats_v2_close(a);
    }
    mmstats_v2_close(b);
    mmstats_v2_close(one);
    mmstats_v2_close(full);
}

/* ---- loops of adds (built -O2, as a program's): the keys a loop keeps in registers must be
 * loaded again after every call that may change them ---- */

/* Slot k's copy of the field named name. */
static uint64_t slot_word(const mmstats_v2_file *f, const char *name, uint32_t k)
{
    peek_entry e;
    if (peek_find(mmstats_v2_map(f), name, &e)) {
        check_fail(__FILE__, __LINE__, "no field %s", name);
        return 0;
    }
    return peek_slot_word(mmstats_v2_map(f), &e, k, 0);
}

/* Two files in turn from the thread's first update on: each add to a file the cache does not
 * name goes out of line, each add after it to the same file through the cache. */
static void test_v2_loop_alternating_two_files_lands_in_each_files_slot(void)
{
    enum { M = 1000 };
    mmstats_v2_file *a = open_file("v2-loop-a.mmstats", 4), *b = open_file("v2-loop-b.mmstats", 4);
    mmstats_v2_counter *ca, *da, *cb;
    long i;
    if (!a || !b)
        return;
    ca = mmstats_v2_counter_new(a, "c", MMSTATS_V2_U64, NULL, NULL);
    da = mmstats_v2_counter_new(a, "d", MMSTATS_V2_U64, NULL, NULL);
    cb = mmstats_v2_counter_new(b, "c", MMSTATS_V2_U64, NULL, NULL);
    for (i = 0; i < M; i++) {
        mmstats_v2_counter_add(ca, 1);
        mmstats_v2_counter_add(da, 2);
        mmstats_v2_counter_add(cb, 3);
    }
    CHECK_MSG(slot_word(a, "c", 1) == M && slot_word(a, "d", 1) == 2 * M && slot_word(b, "c", 1) == 3 * M,
              "a.c %llu, a.d %llu, b.c %llu", (unsigned long long)slot_word(a, "c", 1),
              (unsigned long long)slot_word(a, "d", 1), (unsigned long long)slot_word(b, "c", 1));
    CHECK(sum_of(a, "c") == M && sum_of(a, "d") == 2 * M && sum_of(b, "c") == 3 * M);
    CHECK(peek_u32(mmstats_v2_map(a), PEEK_SLOTS_USED) == 2 && peek_u32(mmstats_v2_map(b), PEEK_SLOTS_USED) == 2);
    mmstats_v2_close(a);
    mmstats_v2_close(b);
}

/* A detach inside the loop: the next add takes the given-back slot again and adds to its values. */
static void test_v2_loop_detach_then_reuse_keeps_counting_in_the_slot(void)
{
    enum { M = 1000 };
    mmstats_v2_file *f = open_file("v2-loop-detach.mmstats", 4);
    mmstats_v2_counter *c;
    long i;
    if (!f)
        return;
    c = mmstats_v2_counter_new(f, "c", MMSTATS_V2_U64, NULL, NULL);
    for (i = 0; i < M; i++) {
        mmstats_v2_counter_add(c, 1);
        if (i % 10 == 9)
            mmstats_v2_thread_detach(f);
    }
    CHECK_MSG(slot_word(f, "c", 1) == M, "slot 1 holds %llu", (unsigned long long)slot_word(f, "c", 1));
    CHECK(sum_of(f, "c") == M);
    CHECK(peek_u32(mmstats_v2_map(f), PEEK_SLOTS_USED) == 2);
    mmstats_v2_close(f);
}

/* Files closed and opened in turn (a new file may be mapped where the last one was): a
 * thread's cache naming the closed file never adds into the new one's slot by mistake, and
 * a file with slot 0 only (fetch_add) in between takes its adds in slot 0. */
static void test_v2_loop_over_closed_and_new_files_and_slot_0(void)
{
    enum { M = 500, FILES = 4 };
    mmstats_v2_file *one = open_file("v2-loop-one.mmstats", 1);
    mmstats_v2_counter *c1;
    int k;
    long i;
    if (!one)
        return;
    c1 = mmstats_v2_counter_new(one, "c", MMSTATS_V2_U64, NULL, NULL);
    for (k = 0; k < FILES; k++) {
        char name[64];
        mmstats_v2_file *f;
        mmstats_v2_counter *c;
        snprintf(name, sizeof name, "v2-loop-file-%d.mmstats", k);
        f = open_file(name, 4);
        if (!f)
            break;
        c = mmstats_v2_counter_new(f, "c", MMSTATS_V2_U64, NULL, NULL);
        for (i = 0; i < M; i++) {
            mmstats_v2_counter_add(c, 1);
            if (i % 100 == 0)
                mmstats_v2_counter_add(c1, 1);
        }
        CHECK_MSG(slot_word(f, "c", 1) == M && sum_of(f, "c") == M, "file %d: slot 1 holds %llu", k,
                  (unsigned long long)slot_word(f, "c", 1));
        mmstats_v2_close(f);
    }
    CHECK_MSG(slot_word(one, "c", 0) == FILES * (M / 100), "slot 0 holds %llu",
              (unsigned long long)slot_word(one, "c", 0));
    mmstats_v2_close(one);
}

/* A thread that exits: the next thread's loop takes its slot and goes on from its values. */
static void test_v2_loop_after_a_thread_exit_continues_its_slot(void)
{
    enum { M = 1000 };
    mmstats_v2_file *f = open_file("v2-loop-exit.mmstats", 4);
    worker w;
    if (!f)
        return;
    memset(&w, 0, sizeof w);
    w.c = mmstats_v2_counter_new(f, "c", MMSTATS_V2_U64, NULL, NULL);
    w.increments = M;
    run_workers(&w, 1);
    CHECK(slot_word(f, "c", 1) == M);
    run_workers(&w, 1); /* a new thread: slot 1 again, given back at the first one's exit */
    CHECK_MSG(slot_word(f, "c", 1) == 2 * M, "slot 1 holds %llu", (unsigned long long)slot_word(f, "c", 1));
    CHECK(peek_u32(mmstats_v2_map(f), PEEK_SLOTS_USED) == 2);
    mmstats_v2_close(f);
}

/* ---- strings set by several threads: readers see whole texts ---- */

typedef struct setter {
    mmstats_v2_string *s;
    char fill;
    long sets;
} setter;

static void *set_texts(void *arg)
{
    setter *st = arg;
    char text[24];
    long i;
    for (i = 0; i < st->sets; i++) {
        size_t len = 1 + (size_t)(i % 23);
        memset(text, st->fill, len);
        mmstats_v2_string_set_n(st->s, text, len);
    }
    return NULL;
}

typedef struct text_reader {
    const unsigned char *value;
    int stop;
    long consistent, torn;
} text_reader;

/* The spec's reader protocol: seq (acquire), payload, fence, seq again. */
static void *read_texts(void *arg)
{
    text_reader *r = arg;
    while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
        uint64_t s1 = peek_u64(r->value, 0), s2, words[3];
        uint32_t len, i;
        int k;
        if (s1 & 1)
            continue;
        len = (uint32_t)__atomic_load_n((const uint64_t *)(const void *)(r->value + 8), __ATOMIC_RELAXED);
        for (k = 0; k < 3; k++)
            words[k] = __atomic_load_n((const uint64_t *)(const void *)(r->value + 16 + 8 * k), __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        s2 = __atomic_load_n((const uint64_t *)(const void *)r->value, __ATOMIC_RELAXED);
        if (s1 != s2)
            continue;
        if (s1 == 0)
            continue; /* nothing set yet */
        for (i = 1; i < len && len <= 24; i++)
            if (((const unsigned char *)words)[i] != ((const unsigned char *)words)[0])
                break;
        if (len == 0 || len > 24 || i != len)
            r->torn++;
        else
            r->consistent++;
    }
    return NULL;
}

static void test_v2_strings_set_by_many_threads_are_never_torn(void)
{
    enum { N = 3, SETS = 100000 };
    mmstats_v2_file *f = open_file("v2-strings.mmstats", 4);
    mmstats_v2_string *s;
    setter st[N];
    text_reader r;
    pthread_t t[N], rt;
    int i;
    if (!f)
        return;
    s = mmstats_v2_string_new(f, "state", 24, NULL, NULL, NULL);
    CHECK(s != NULL && s->f.capacity == 24);
    memset(&r, 0, sizeof r);
    r.value = s->f.value;
    CHECK(pthread_create(&rt, NULL, read_texts, &r) == 0);
    for (i = 0; i < N; i++) {
        st[i].s = s;
        st[i].fill = (char)('a' + i);
        st[i].sets = SETS;
        CHECK(pthread_create(&t[i], NULL, set_texts, &st[i]) == 0);
    }
    for (i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
    pthread_join(rt, NULL);
    CHECK_MSG(r.torn == 0, "%ld torn texts, %ld whole", r.torn, r.consistent);
    CHECK(peek_u64(s->f.value, 0) == 2u * N * SETS); /* every set took the sequence once */
    mmstats_v2_close(f);
}

void run_v2_slot_tests(void)
{
    RUN(test_v2_threads_times_increments_sum_exactly);
    RUN(test_v2_threads_beyond_the_slots_share_slot_0);
    RUN(test_v2_thread_exit_and_slot_reuse_never_go_backwards);
    RUN(test_v2_detached_slot_keeps_its_values_for_the_next_owner);
    RUN(test_v2_tag_stops_before_it_could_repeat);
    RUN(test_v2_keys_match_only_their_own_tag);
    RUN(test_v2_adds_land_in_their_own_files_slot_across_switches);
    RUN(test_v2_loop_alternating_two_files_lands_in_each_files_slot);
    RUN(test_v2_loop_detach_then_reuse_keeps_counting_in_the_slot);
    RUN(test_v2_loop_over_closed_and_new_files_and_slot_0);
    RUN(test_v2_loop_after_a_thread_exit_continues_its_slot);
    RUN(test_v2_strings_set_by_many_threads_are_never_torn);
}
