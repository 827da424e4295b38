/* mmstats-c-live --version N DIR -- the C writer's live conformance command.
 *
 * Creates one file in DIR (version 2: the process's file, kept at close;
 * version 1: one file), prints its path and "ready", then makes one step at
 * most every millisecond -- live.counter and live.gauge = step number -- until
 * stdin reaches its end; then live.gauge = -1, the file is closed (version 2:
 * state closed) and "done N" printed, N the last step. Protocol:
 * conformance/README.md, "Live writer". Exit 1 when the file cannot be made,
 * 2 for wrong usage. */
#define _POSIX_C_SOURCE 200809L
#include "escape.h"
#include "mmstats.h"
#include "mmstats_v2.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define COUNTER "live.counter"
#define GAUGE "live.gauge"
#define GAUGE_FINAL (-1)

/* Sleeps at least a millisecond (the protocol's bound on the step rate), then
 * says whether stdin has reached its end; input before the end is dropped. */
static int stdin_closed(void)
{
    struct timespec left = {0, 1000000};
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    char drop[256];
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
    if (poll(&p, 1, 0) <= 0)
        return 0;
    return read(STDIN_FILENO, drop, sizeof drop) <= 0;
}

static void announce(const char *path)
{
    printf("%s\nready\n", path);
    fflush(stdout);
}

static int live_v1(const char *path)
{
    static const mmstats_field_desc fields[] = {{COUNTER, 0, "Q", 1}, {GAUGE, 0, "i", 1}};
    mmstats_error err;
    mmstats_file *f = mmstats_create(path, fields, 2, MMSTATS_DEFAULT_MODE, &err);
    mmstats_slot *counter, *gauge;
    unsigned long long step = 0;
    if (!f) {
        mmstats_print_escaped(stderr, err.message);
        fputc('\n', stderr);
        return 1;
    }
    counter = mmstats_slot_named(f, COUNTER);
    gauge = mmstats_slot_named(f, GAUGE);
    announce(path);
    while (!stdin_closed()) {
        step++;
        mmstats_incr(counter, 1);
        mmstats_set_i64(gauge, (int64_t)step);
    }
    mmstats_set_i64(gauge, GAUGE_FINAL);
    mmstats_close(f);
    printf("done %llu\n", step);
    return 0;
}

static int live_v2(const char *path)
{
    mmstats_v2_config cfg;
    mmstats_error err;
    mmstats_v2_file *f;
    mmstats_v2_counter *counter;
    mmstats_v2_gauge *gauge;
    unsigned long long step = 0;
    memset(&cfg, 0, sizeof cfg);
    cfg.path = path;
    cfg.keep = 1;
    f = mmstats_v2_open(&cfg, &err);
    if (!f || !(counter = mmstats_v2_counter_new(f, COUNTER, MMSTATS_V2_U64, NULL, &err)) ||
        !(gauge = mmstats_v2_gauge_new(f, GAUGE, MMSTATS_V2_I64, NULL, &err))) {
        mmstats_print_escaped(stderr, err.message);
        fputc('\n', stderr);
        if (f)
            mmstats_v2_close(f);
        return 1;
    }
    announce(path);
    while (!stdin_closed()) {
        step++;
        mmstats_v2_counter_inc(counter);
        mmstats_v2_gauge_set_i64(gauge, (int64_t)step);
    }
    mmstats_v2_gauge_set_i64(gauge, GAUGE_FINAL);
    mmstats_v2_close(f);
    printf("done %llu\n", step);
    return 0;
}

int main(int argc, char **argv)
{
    char path[4096];
    int version = argc == 4 && strcmp(argv[1], "--version") == 0 ? (strcmp(argv[2], "1") == 0 ? 1 :
                                                                    strcmp(argv[2], "2") == 0 ? 2 : 0) : 0;
    if (!version || snprintf(path, sizeof path, "%s/live-%ld.mmstats", argv[3], (long)getpid()) >= (int)sizeof path) {
        fputs("usage: mmstats-c-live --version 1|2 DIR\n", stderr);
        return 2;
    }
    return version == 1 ? live_v1(path) : live_v2(path);
}
