/* torture-writer -- updates self-checking values as fast as it can (writers/c's library).
 *
 *     torture-writer PATH SECONDS [STEPS_PER_SECOND]
 *
 * Creates PATH, prints "ready PATH" and then, until SECONDS have passed or
 * SIGTERM/SIGINT arrives, sets every field to the encoding of k = 1, 2, 3, ...
 * (one update per field per step; with STEPS_PER_SECOND, paced to that rate,
 * else as fast as it can). Each encoding checks itself, so a reader
 * that mixes bytes of two updates sees an impossible value (torture/README.md):
 *
 *   Q  (k32 << 32) | k32          I  (k16 << 16) | k16          H  (k8 << 8) | k8
 *   d  bits 0x3ff00000_00000000 | k20 << 32 | k20   (a double in [1, 2))
 *   f  bits 0x3f800000 | k11 << 12 | k11            (a float in [1, 2))
 *   16s  the 8 hex digits of k32, twice
 *
 * Fields whose label contains "straddle" are placed so that one of their two
 * values (value[0] or value[1], by the digit at the end of the label) crosses
 * a 64-byte cache-line boundary, where CPUs copy the bytes in two pieces.
 * "unbuffered" fields have one value, so readers can catch them mid-store.
 * At the end it prints {"updates": STEPS, "seconds": S} and removes the file.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"

#define LINE 64
#define MAX_FIELDS 32

typedef struct spec {
    const char *name; /* label before padding */
    const char *type;
    int buffered;
    int straddle;     /* -1: no; 0/1: which value crosses a cache line */
} spec;

static const spec SPECS[] = {
    {"sys.pid", "I", 0, -1},
    {"q", "Q", 1, -1},
    {"q.straddle.0", "Q", 1, 0},
    {"q.straddle.1", "Q", 1, 1},
    {"i", "I", 1, -1},
    {"i.straddle.0", "I", 1, 0},
    {"h.straddle.1", "H", 1, 1},
    {"d", "d", 1, -1},
    {"d.straddle.0", "d", 1, 0},
    {"d.straddle.1", "d", 1, 1},
    {"f.straddle.1", "f", 1, 1},
    {"s", "16s", 1, -1},
    {"s.straddle.0", "16s", 1, 0},
    {"q.unbuffered.straddle.0", "Q", 0, 0},
    {"d.unbuffered", "d", 0, -1},
};
#define NSPECS (sizeof SPECS / sizeof SPECS[0])

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t value_size(const char *type)
{
    return (size_t)mmstats_type_value_size(type, strlen(type));
}

/* Labels padded with '-' so that each straddling value crosses a line boundary. */
static void make_labels(char labels[][96], mmstats_field_desc *descs)
{
    size_t pos = MMSTATS_FIRST_RECORD_OFFSET, i;
    for (i = 0; i < NSPECS; i++) {
        const spec *s = &SPECS[i];
        size_t size = value_size(s->type), tlen = strlen(s->type), len = strlen(s->name);
        strcpy(labels[i], s->name);
        if (s->straddle >= 0) {
            for (;;) {
                size_t v = pos + MMSTATS_VALUE_OFFSET(len, tlen) + (size_t)s->straddle * size;
                size_t in_line = v % LINE;
                if (in_line > LINE - size && in_line + size - LINE >= size / 2)
                    break; /* at least half the value sits in the next line */
                labels[i][len++] = '-';
                labels[i][len] = '\0';
            }
        }
        descs[i].label = labels[i];
        descs[i].label_len = 0;
        descs[i].type = s->type;
        descs[i].buffered = s->buffered;
        pos += MMSTATS_VALUE_OFFSET(len, tlen) + size * (s->buffered ? 2 : 1);
    }
}

static void hex8(char *out, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    int i;
    for (i = 7; i >= 0; i--, v >>= 4)
        out[i] = digits[v & 15];
}

static void update(mmstats_slot **slots, uint64_t k)
{
    size_t i;
    uint64_t k32 = k & 0xffffffffu, k20 = k & 0xfffffu, k16 = k & 0xffffu, k11 = k & 0x7ffu, k8 = k & 0xffu;
    char text[16];
    for (i = 1; i < NSPECS; i++) {
        mmstats_slot *s = slots[i];
        switch (SPECS[i].type[0]) {
        case 'Q': mmstats_set_u64(s, k32 << 32 | k32); break;
        case 'I': mmstats_set_u64(s, k16 << 16 | k16); break;
        case 'H': mmstats_set_u64(s, k8 << 8 | k8); break;
        case 'd': {
            uint64_t bits = UINT64_C(0x3ff0000000000000) | k20 << 32 | k20;
            double v;
            memcpy(&v, &bits, 8);
            mmstats_set_double(s, v);
            break;
        }
        case 'f': {
            uint32_t bits = UINT32_C(0x3f800000) | (uint32_t)(k11 << 12 | k11);
            float v;
            memcpy(&v, &bits, 4);
            mmstats_set_double(s, v);
            break;
        }
        default: /* 16s */
            hex8(text, k32);
            memcpy(text + 8, text, 8);
            mmstats_set_bytes(s, text, 16);
            break;
        }
    }
}

int main(int argc, char **argv)
{
    char labels[NSPECS][96];
    mmstats_field_desc descs[NSPECS];
    mmstats_slot *slots[NSPECS];
    mmstats_error err;
    mmstats_file *f;
    double seconds, start, end, rate = 0;
    uint64_t k = 0;
    size_t i;
    struct sigaction sa;

    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s PATH SECONDS [STEPS_PER_SECOND]\n", argv[0]);
        return 2;
    }
    seconds = atof(argv[2]);
    if (argc == 4)
        rate = atof(argv[3]);
    make_labels(labels, descs);
    f = mmstats_create(argv[1], descs, NSPECS, 0644, &err);
    if (!f) {
        fprintf(stderr, "torture-writer: %s\n", err.message);
        return 1;
    }
    for (i = 0; i < NSPECS; i++) {
        slots[i] = mmstats_slot_at(f, i);
        if (SPECS[i].straddle >= 0) { /* make sure the layout does what the name says */
            size_t off = (size_t)(slots[i]->value - mmstats_map(f)) + (size_t)SPECS[i].straddle * slots[i]->size;
            if (off / LINE == (off + slots[i]->size - 1) / LINE) {
                fprintf(stderr, "torture-writer: %s does not straddle (offset %zu)\n", labels[i], off);
                return 1;
            }
        }
    }
    mmstats_set_u64(slots[0], (uint64_t)getpid());
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("ready %s\n", argv[1]);
    fflush(stdout);
    start = now();
    end = start + seconds;
    while (!stop && rate <= 0) {
        int j;
        for (j = 0; j < 4096; j++)
            update(slots, ++k);
        if (now() >= end)
            break;
    }
    while (!stop && rate > 0) { /* paced: step k is due at start + k / rate (busy wait) */
        double t = now();
        if (t >= end)
            break;
        if (t >= start + (double)k / rate)
            update(slots, ++k);
    }
    printf("{\"updates\": %llu, \"seconds\": %.3f}\n", (unsigned long long)k, now() - start);
    fflush(stdout);
    mmstats_remove(f);
    return 0;
}
