/* mmstats-c-write SCENARIO.json OUT.mmstats -- the C writer's conformance CLI.
 *
 * Creates OUT (which must not exist) with the scenario's fields, applies each
 * update as one set(), exits 0. Problems go to stderr: exit 1 for a bad
 * scenario or a failed creation, 2 for wrong usage. */
#include "escape.h"
#include "mmstats.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* One error line; the text names files, which may hold anything: escaped for the terminal. */
static void error_line(const char *text)
{
    mmstats_print_escaped(stderr, text);
    fputc('\n', stderr);
}

int main(int argc, char **argv)
{
    scenario sc;
    mmstats_error err;
    mmstats_file *f;
    char msg[768];

    if (argc != 3) {
        fputs("usage: ", stderr);
        mmstats_print_escaped(stderr, argc > 0 ? argv[0] : "mmstats-c-write");
        fputs(" SCENARIO.json OUT.mmstats\n", stderr);
        return 2;
    }
    if (scenario_load(argv[1], &sc, msg, sizeof msg)) {
        error_line(msg);
        return 1;
    }
    f = mmstats_create(argv[2], sc.fields, sc.field_count, MMSTATS_DEFAULT_MODE, &err);
    if (!f) {
        error_line(err.message);
        scenario_free(&sc);
        return 1;
    }
    scenario_apply(&sc, f);
    scenario_free(&sc);
    if (mmstats_close(f)) {
        int saved = errno;
        mmstats_print_escaped(stderr, argv[2]);
        fprintf(stderr, ": %s\n", strerror(saved));
        return 1;
    }
    return 0;
}
