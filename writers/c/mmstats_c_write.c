/* mmstats-c-write SCENARIO.json OUT.mmstats -- the C writer's conformance CLI.
 *
 * Creates OUT (which must not exist) with the scenario's fields, applies each
 * update, exits 0. The scenario's "format_version" (1 when absent) chooses the
 * writer: version 1 applies each update as one set() and leaves the file; version
 * 2 adds the fields, applies the updates, closes the file and keeps it. Problems
 * go to stderr: exit 1 for a bad scenario or a failed creation, 2 for wrong usage. */
#include "escape.h"
#include "mmstats.h"
#include "scenario.h"
#include "scenario_v2.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One error line; the text names files, which may hold anything: escaped for the terminal. */
static void error_line(const char *text)
{
    mmstats_print_escaped(stderr, text);
    fputc('\n', stderr);
}

static int write_v1(const char *path, const char *text, size_t len, const char *out)
{
    scenario sc;
    mmstats_error err;
    mmstats_file *f;
    char msg[768];
    if (scenario_parse(path, text, len, &sc, msg, sizeof msg)) {
        error_line(msg);
        return 1;
    }
    f = mmstats_create(out, sc.fields, sc.field_count, MMSTATS_DEFAULT_MODE, &err);
    if (!f) {
        error_line(err.message);
        scenario_free(&sc);
        return 1;
    }
    scenario_apply(&sc, f);
    scenario_free(&sc);
    if (mmstats_close(f)) {
        int saved = errno;
        mmstats_print_escaped(stderr, out);
        fprintf(stderr, ": %s\n", strerror(saved));
        return 1;
    }
    return 0;
}

static int write_v2(const char *path, const char *text, size_t len, const char *out)
{
    scenario_v2 sc;
    mmstats_error err;
    char msg[768];
    int rc = 0;
    if (scenario_v2_parse(path, text, len, &sc, msg, sizeof msg)) {
        error_line(msg);
        return 1;
    }
    if (scenario_v2_write(&sc, out, &err)) {
        error_line(err.message);
        rc = 1;
    }
    scenario_v2_free(&sc);
    return rc;
}

/* The scenario's "format_version": 1 when absent, 0 (msg filled) when not 1 or 2. */
static int format_version(const char *path, const char *text, size_t len, char *msg, size_t msg_size)
{
    scenario_ctx c = {path, text, len, msg, msg_size};
    mmjson_value root;
    mmjson_error jerr;
    const mmjson_value *v;
    int version = 1;
    if (mmjson_parse(text, len, &root, &jerr)) {
        scenario_bad(&c, jerr.offset, "invalid JSON: %s", jerr.message);
        return 0;
    }
    v = root.type == MMJSON_OBJECT ? mmjson_get(&root, "format_version") : NULL;
    if (v) {
        if (v->type == MMJSON_NUMBER && v->is_integer && !v->negative && !v->too_big &&
            (v->magnitude == 1 || v->magnitude == 2))
            version = (int)v->magnitude;
        else {
            scenario_bad(&c, v->offset, "\"format_version\" must be 1 or 2");
            version = 0;
        }
    }
    mmjson_free(&root);
    return version;
}

int main(int argc, char **argv)
{
    char msg[768];
    char *text;
    size_t len;
    int rc;

    if (argc != 3) {
        fputs("usage: ", stderr);
        mmstats_print_escaped(stderr, argc > 0 ? argv[0] : "mmstats-c-write");
        fputs(" SCENARIO.json OUT.mmstats\n", stderr);
        return 2;
    }
    if (scenario_read(argv[1], &text, &len, msg, sizeof msg)) {
        error_line(msg);
        return 1;
    }
    switch (format_version(argv[1], text ? text : "", len, msg, sizeof msg)) {
    case 1: rc = write_v1(argv[1], text ? text : "", len, argv[2]); break;
    case 2: rc = write_v2(argv[1], text ? text : "", len, argv[2]); break;
    default:
        error_line(msg);
        rc = 1;
    }
    free(text);
    return rc;
}
