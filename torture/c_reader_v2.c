/* torture-c-reader-v2 MODE PATH SECONDS -- reads a torture-writer-v2 file continuously with readers/c and
 * checks every value as torture/check_v2.py does. MODE: poller (mmr_poller: layout parsed once, values
 * re-read), mapped (mmr_mapped: the file mapped once, values loaded in place) or read (mmr_read_path: the
 * whole file each time). Prints one JSON object like
 * torture/py_reader_v2.py.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmstats_read.h"

#define K (UINT64_C(1) << 32 | 1)
#define MAX_WRAPS 1024
#define MAX_UPDOWN 64
#define MAX_FIELDS 64
#define NKINDS 5

static const char *const KINDS[NKINDS] = {"counter", "updown_counter", "gauge", "string", "histogram"};

typedef struct {
    uint64_t checked[NKINDS], values, torn, nulls, reads;
    char last_label[MAX_FIELDS][64];
    uint64_t last[MAX_FIELDS];
    size_t nlast;
    char torn_label[MAX_FIELDS][64];
    uint64_t torn_count[MAX_FIELDS];
    size_t ntorn;
    char example[200];
} checker;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The count for label in a small table (labels are few). */
static uint64_t *slot_of(char labels[][64], uint64_t *counts, size_t *n, const char *label)
{
    size_t i;
    for (i = 0; i < *n; i++)
        if (strcmp(labels[i], label) == 0)
            return &counts[i];
    if (*n == MAX_FIELDS)
        return &counts[MAX_FIELDS - 1];
    snprintf(labels[*n], 64, "%s", label);
    counts[*n] = 0;
    return &counts[(*n)++];
}

static int monotone(checker *c, const char *label, uint64_t n)
{
    uint64_t *last = slot_of(c->last_label, c->last, &c->nlast, label);
    int ok = n >= *last;
    *last = n;
    return ok;
}

static int fits_string(const char *s, size_t len)
{
    size_t digits = 0, unit, times, i;
    uint64_t k = 0;
    if (len == 0)
        return 1;
    while (digits < len && s[digits] >= '0' && s[digits] <= '9' && digits <= 20) {
        uint64_t d = (uint64_t)(s[digits++] - '0');
        if (k > (UINT64_MAX - d) / 10)
            return 0; /* beyond 64 bits: never written */
        k = k * 10 + d;
    }
    if (digits == 0 || digits > 20 || digits >= len || s[digits] != '/')
        return 0;
    unit = digits + 1;
    times = (size_t)(1 + k % 7);
    if (len != unit * times)
        return 0;
    for (i = 1; i < times; i++)
        if (memcmp(s, s + i * unit, unit) != 0)
            return 0;
    return 1;
}

static int fits(checker *c, const mmr_field *f)
{
    const char *kind = f->kind_name;
    if (strcmp(kind, "counter") == 0 && f->kind == MMR_UINT) {
        uint64_t u = f->v.u, wraps = ((u >> 32) - (u & 0xffffffffu)) & 0xffffffffu;
        return wraps < MAX_WRAPS && monotone(c, f->label, wraps << 32 | (u & 0xffffffffu));
    }
    if (strcmp(kind, "updown_counter") == 0 && f->kind == MMR_INT) {
        int64_t i = f->v.i, k = (int64_t)K;
        return i % k == 0 && i / k <= MAX_UPDOWN && i / k >= -MAX_UPDOWN;
    }
    if (strcmp(kind, "gauge") == 0 && f->kind == MMR_UINT)
        return f->v.u >> 32 == (f->v.u & 0xffffffffu);
    if (strcmp(kind, "gauge") == 0 && f->kind == MMR_FLOAT64) {
        uint64_t b;
        memcpy(&b, &f->v.d, 8);
        return b == 0 || (b >> 52 == 0x3ff && ((b >> 32) & 0xfffff) == (b & 0xfffff) && ((b >> 20) & 0xfff) == 0);
    }
    if (strcmp(kind, "string") == 0 && f->kind == MMR_STRING)
        return fits_string(f->str, f->str_len);
    if (strcmp(kind, "histogram") == 0 && f->kind == MMR_HISTOGRAM) {
        const uint64_t *b = f->buckets; /* per bucket, not cumulative */
        if (f->bound_count != 3 || b[3] != 0 ||
            f->hist_sum != 0.5 * (double)b[0] + 2.0 * (double)b[1] + 3.0 * (double)b[2])
            return 0;
        return monotone(c, f->label, b[0] + b[1] + b[2]);
    }
    return 0;
}

static void check(checker *c, const mmr_field *f)
{
    int k;
    for (k = 0; k < NKINDS; k++)
        if (f->kind_name && strcmp(f->kind_name, KINDS[k]) == 0)
            break;
    if (k == NKINDS)
        return;
    if (f->is_null) {
        c->nulls++;
        return;
    }
    c->checked[k]++;
    c->values++;
    if (!fits(c, f)) {
        c->torn++;
        (*slot_of(c->torn_label, c->torn_count, &c->ntorn, f->label))++;
        if (!c->example[0])
            snprintf(c->example, sizeof c->example, "%s: u=%llu d=%.17g str=%.100s", f->label,
                     (unsigned long long)f->v.u, f->v.d, f->str ? f->str : "");
    }
}

static void json_text(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", (unsigned)*s);
        else
            putchar(*s);
    }
    putchar('"');
}

int main(int argc, char **argv)
{
    static checker c;
    static char err_name[MMR_CODE_COUNT + 1][32];
    uint64_t errs[MMR_CODE_COUNT + 1] = {0}; /* the last one: I/O */
    mmr_poller *poller = NULL;
    mmr_mapped *mapped = NULL;
    double end;
    int poll, map, k, first = 1;
    size_t i;

    if (argc != 4 ||
        (strcmp(argv[1], "poller") != 0 && strcmp(argv[1], "mapped") != 0 && strcmp(argv[1], "read") != 0)) {
        fprintf(stderr, "usage: %s poller|mapped|read PATH SECONDS\n", argv[0]);
        return 2;
    }
    poll = strcmp(argv[1], "poller") == 0;
    map = strcmp(argv[1], "mapped") == 0;
    if ((poll && !(poller = mmr_poller_new(argv[2], MMR_DEFAULT_MAX_SIZE))) ||
        (map && !(mapped = mmr_mapped_new(argv[2], MMR_DEFAULT_MAX_SIZE)))) {
        fprintf(stderr, "torture-c-reader-v2: out of memory\n");
        return 1;
    }
    for (k = 0; k < MMR_CODE_COUNT; k++)
        snprintf(err_name[k], sizeof err_name[k], "%s", mmr_code_name((mmr_code)k));
    snprintf(err_name[MMR_CODE_COUNT], sizeof err_name[0], "io");
    end = now() + atof(argv[3]);
    while (now() < end) {
        mmr_file own;
        const mmr_file *f = &own;
        mmr_problem problem;
        mmr_ioerr io;
        int reparsed, rc;
        rc = poll  ? mmr_poller_poll(poller, &f, &reparsed, &problem, &io)
             : map ? mmr_mapped_poll(mapped, &f, &reparsed, &problem, &io)
                   : mmr_read_path(argv[2], MMR_DEFAULT_MAX_SIZE, &own, &problem, &io);
        if (rc != MMR_OK) {
            errs[rc == MMR_INVALID ? (int)problem.code : MMR_CODE_COUNT]++;
            continue;
        }
        c.reads++;
        for (i = 0; i < f->count; i++)
            check(&c, &f->fields[i]);
        if (!poll && !map)
            mmr_file_free(&own);
    }
    printf("{\"reader\": \"c-%s\", \"reads\": %llu, \"values\": %llu, \"checked\": {", argv[1],
           (unsigned long long)c.reads, (unsigned long long)c.values);
    for (k = 0; k < NKINDS; k++)
        printf("%s\"%s\": %llu", k ? ", " : "", KINDS[k], (unsigned long long)c.checked[k]);
    printf("}, \"torn\": %llu, \"nulls\": %llu, \"errors\": {", (unsigned long long)c.torn,
           (unsigned long long)c.nulls);
    for (k = 0; k <= MMR_CODE_COUNT; k++) {
        if (errs[k]) {
            printf("%s\"%s\": %llu", first ? "" : ", ", err_name[k], (unsigned long long)errs[k]);
            first = 0;
        }
    }
    printf("}, \"example\": ");
    if (c.example[0])
        json_text(c.example);
    else
        printf("null");
    printf(", \"torn_fields\": {");
    for (i = 0; i < c.ntorn; i++) {
        printf("%s", i ? ", " : "");
        json_text(c.torn_label[i]);
        printf(": %llu", (unsigned long long)c.torn_count[i]);
    }
    printf("}, \"seconds\": %s}\n", argv[3]);
    mmr_poller_free(poller);
    mmr_mapped_free(mapped);
    return 0;
}
