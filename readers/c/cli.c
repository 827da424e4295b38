/* cli.c -- the arguments both commands take: [--max-size N] [--] FILE... */
#include "cli.h"
#include "mmstats_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(const char *name, const char *problem, const char *arg)
{
    if (problem) {
        char *esc = mmr_escape_text(arg ? arg : "");
        fprintf(stderr, "%s: %s%s%s\n", name, problem, arg ? ": " : "", esc ? esc : "");
        free(esc);
    }
    fprintf(stderr, "usage: %s [--max-size BYTES] FILE...\n"
                    "  --max-size BYTES  refuse files larger than this (file_too_large); default %u\n",
            name, MMR_DEFAULT_MAX_SIZE);
    return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (*s == '-' || *s == '+' || *s == '\0' || *s == ' ')
        return 0;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        return 0;
    *out = v;
    return 1;
}

int cli_parse(const char *name, int argc, char **argv, uint64_t *max_size, int *first_file)
{
    int i = 1;
    *max_size = MMR_DEFAULT_MAX_SIZE;
    while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
        const char *a = argv[i], *val = NULL;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return usage(name, NULL, NULL);
        if (!strcmp(a, "--max-size") || !strcmp(a, "-max-size")) {
            if (i + 1 >= argc)
                return usage(name, "--max-size needs a value", NULL);
            val = argv[++i];
        } else if (!strncmp(a, "--max-size=", 11)) {
            val = a + 11;
        } else if (!strncmp(a, "-max-size=", 10)) {
            val = a + 10;
        } else {
            return usage(name, "unknown option", a);
        }
        if (!parse_size(val, max_size))
            return usage(name, "--max-size must be a whole number of bytes, 0 or more", val);
        i++;
    }
    if (i >= argc)
        return usage(name, "no FILE given", NULL);
    *first_file = i;
    return 1;
}

void cli_ioerr(const char *name, const char *path, const char *message)
{
    char *esc = mmr_escape_text(path);
    fprintf(stderr, "%s: %s: %s\n", name, esc ? esc : "(out of memory)", message);
    free(esc);
}
