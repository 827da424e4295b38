/* mmstats-c-write SCENARIO.json OUT.mmstats -- the C writer's conformance CLI.
 *
 * Creates OUT (which must not exist) with the scenario's fields, applies each
 * update as one set(), exits 0. Problems go to stderr: exit 1 for a bad
 * scenario or a failed creation, 2 for wrong usage. */
#include "mmstats.h"
#include "scenario.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    scenario sc;
    mmstats_error err;
    mmstats_file *f;
    char msg[768];

    if (argc != 3) {
        fprintf(stderr, "usage: %s SCENARIO.json OUT.mmstats\n", argc > 0 ? argv[0] : "mmstats-c-write");
        return 2;
    }
    if (scenario_load(argv[1], &sc, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    f = mmstats_create(argv[2], sc.fields, sc.field_count, MMSTATS_DEFAULT_MODE, &err);
    if (!f) {
        fprintf(stderr, "%s\n", err.message);
        scenario_free(&sc);
        return 1;
    }
    scenario_apply(&sc, f);
    scenario_free(&sc);
    if (mmstats_close(f)) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
