/* cli.h -- what both commands share: arguments and exit statuses. */
#ifndef MMSTATS_READ_CLI_H
#define MMSTATS_READ_CLI_H

#include <stdint.h>

/* Parse [--max-size N] [--] FILE...; on a usage error print it and return 0 (exit 2). */
int cli_parse(const char *name, int argc, char **argv, uint64_t *max_size, int *first_file);

/* The worse of two exit statuses (2 > 1 > 0). */
static inline int cli_worse(int a, int b) { return a > b ? a : b; }

/* "NAME: PATH: message" on stderr for a file that cannot be read, the path escaped. */
void cli_ioerr(const char *name, const char *path, const char *message);

#endif
