/* mmstats-c-read [--max-size BYTES] FILE... -- the canonical JSON of each file,
 * one line each, on stdout. Exit 0: all valid; 1: a file breaks the format (its
 * first problem on stderr as "FILE: offset N: CODE: message"); 2: usage or I/O error. */
#include "cli.h"
#include "mmstats_read.h"

#include <stdio.h>
#include <stdlib.h>

#define NAME "mmstats-c-read"

static int read_one(const char *path, uint64_t max_size)
{
    mmr_file f;
    mmr_problem first;
    mmr_ioerr io;
    char *json;
    size_t len;
    int rc = mmr_read_path(path, max_size, &f, &first, &io);
    if (rc == MMR_INVALID) {
        mmr_print_problem(stderr, path, &first);
        return 1;
    }
    if (rc != MMR_OK) {
        cli_ioerr(NAME, path, io.message);
        return 2;
    }
    json = mmr_canonical_json(path, &f, &len);
    mmr_file_free(&f);
    if (!json) {
        cli_ioerr(NAME, path, "out of memory");
        return 2;
    }
    fwrite(json, 1, len, stdout);
    fputc('\n', stdout);
    free(json);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t max_size;
    int i, status = 0;
    if (!cli_parse(NAME, argc, argv, &max_size, &i))
        return 2;
    for (; i < argc; i++)
        status = cli_worse(status, read_one(argv[i], max_size));
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, NAME ": cannot write the output\n");
        return 2;
    }
    return status;
}
