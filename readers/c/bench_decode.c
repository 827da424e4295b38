/* mmstats-c-bench: the one-shot read of N files (mmr_read_path: open, read, decode, close) beside
 * a raw read of the same bytes (open, read, close), interleaved round by round.
 *
 *   mmstats-c-bench PATHLIST ROUNDS
 *
 * PATHLIST holds one path per line.  Prints "raw NS decode NS fields N": the median over the
 * rounds of each pass, in nanoseconds per file, and the fields decoded per pass.  bench/readers.py
 * runs it for the scale table. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmstats_read.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mmstats-c-bench PATHLIST ROUNDS\n");
        return 2;
    }
    FILE *list = fopen(argv[1], "r");
    if (list == NULL) {
        perror(argv[1]);
        return 2;
    }
    size_t n = 0, cap = 1024;
    char **paths = malloc(cap * sizeof(*paths)), line[4096];
    while (paths != NULL && fgets(line, sizeof line, list) != NULL) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0])
            continue;
        if (n == cap)
            paths = realloc(paths, (cap *= 2) * sizeof(*paths));
        if (paths == NULL || (paths[n++] = strdup(line)) == NULL) {
            fprintf(stderr, "out of memory\n");
            return 2;
        }
    }
    fclose(list);
    int rounds = atoi(argv[2]);
    if (n == 0 || rounds < 1) {
        fprintf(stderr, "mmstats-c-bench: no paths, or ROUNDS < 1\n");
        return 2;
    }
    double *raw = calloc((size_t)rounds, sizeof(double)), *dec = calloc((size_t)rounds, sizeof(double));
    static unsigned char buf[1 << 16];
    size_t fields = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (size_t i = 0; i < n; i++) {
            int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
            if (fd < 0 || read(fd, buf, sizeof buf) < 0) {
                perror(paths[i]);
                return 1;
            }
            close(fd);
        }
        double t1 = now_ns();
        fields = 0;
        for (size_t i = 0; i < n; i++) {
            mmr_file f;
            mmr_problem first;
            mmr_ioerr io;
            if (mmr_read_path(paths[i], UINT64_MAX, &f, &first, &io) != MMR_OK) {
                fprintf(stderr, "%s: not read\n", paths[i]);
                return 1;
            }
            fields += f.count;
            mmr_file_free(&f);
        }
        double t2 = now_ns();
        raw[r] = (t1 - t0) / (double)n;
        dec[r] = (t2 - t1) / (double)n;
    }
    qsort(raw, (size_t)rounds, sizeof(double), by_value);
    qsort(dec, (size_t)rounds, sizeof(double), by_value);
    printf("raw %.0f decode %.0f fields %zu\n", raw[rounds / 2], dec[rounds / 2], fields);
    return 0;
}
