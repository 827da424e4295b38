/* mmstats-c-validate [--max-size BYTES] FILE... -- every problem of each file, one
 * line each on stderr ("FILE: offset N: CODE: message"), in the order the spec's
 * walk finds them.
 * Exit 0: all valid; 1: a file has a problem; 2: usage or I/O error. */
#include "cli.h"
#include "mmstats_read.h"

#include <stdio.h>

#define NAME "mmstats-c-validate"

static void print(const mmr_problem *p, void *path) { mmr_print_problem(stderr, path, p); }

static int validate_one(const char *path, uint64_t max_size)
{
    mmr_ioerr io;
    size_t count;
    int rc = mmr_validate_path_each(path, max_size, print, (void *)path, &count, &io);
    if (rc == MMR_IOERR) {
        cli_ioerr(NAME, path, io.message);
        return 2;
    }
    return rc;
}

int main(int argc, char **argv)
{
    uint64_t max_size;
    int i, status = 0;
    if (!cli_parse(NAME, argc, argv, &max_size, &i))
        return 2;
    for (; i < argc; i++)
        status = cli_worse(status, validate_one(argv[i], max_size));
    return status;
}
