/* scenario.h -- load a writer-scenario JSON file (conformance/writer-scenarios/)
 * and apply its updates to a file created with the C writer.
 *
 *   {"id": "...", "description": "...",
 *    "fields":  [{"label": "requests", "type": "Q", "buffered": true}, ...],
 *    "updates": [{"field": "requests", "value": 5}, ...],
 *    "expect":  {...}}
 *
 * Every update is checked against its field's type before anything is
 * created, so a bad scenario never leaves a half-written file behind.
 */
#ifndef MMSTATS_SCENARIO_H
#define MMSTATS_SCENARIO_H

#include "json.h"
#include "mmstats.h"

typedef enum scenario_op {
    SCENARIO_SET_INT,    /* set_u64 (wraps modulo 2^bits) */
    SCENARIO_SET_BOOL,   /* set_bool */
    SCENARIO_SET_DOUBLE, /* set_double */
    SCENARIO_SET_TEXT    /* set_str (cut on a UTF-8 boundary) */
} scenario_op;

typedef struct scenario_update {
    size_t field; /* index into fields */
    scenario_op op;
    uint64_t u;
    double d;
    const char *text; /* points into the parsed JSON */
    size_t text_len;
} scenario_update;

typedef struct scenario {
    mmjson_value root;
    mmstats_field_desc *fields;
    size_t field_count;
    scenario_update *updates;
    size_t update_count;
} scenario;

/* Read and check path. 0, or -1 with a message "path: offset N (line L,
 * column C): what" in msg. */
int scenario_load(const char *path, scenario *sc, char *msg, size_t msg_size);

/* The same from text already in memory (path only names it in messages). */
int scenario_parse(const char *path, const char *text, size_t len, scenario *sc, char *msg, size_t msg_size);

/* Apply every update, in order, as one set() each. */
void scenario_apply(const scenario *sc, mmstats_file *f);

void scenario_free(scenario *sc);

/* ---- shared by the v1 and v2 scenario loaders ---- */

/* The whole file (at most 256 MiB) in *text (free it; NULL when empty). 0, or -1 with msg. */
int scenario_read(const char *path, char **text, size_t *len, char *msg, size_t msg_size);

typedef struct scenario_ctx {
    const char *path;
    const char *text;
    size_t len;
    char *msg;
    size_t msg_size;
} scenario_ctx;

/* msg = "path: offset N (line L, column C): message"; returns -1. */
int scenario_bad(scenario_ctx *c, size_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A member of obj that must exist and have type t (or any type when t < 0); NULL with msg. */
const mmjson_value *scenario_need(scenario_ctx *c, const mmjson_value *obj, const char *key, int t,
                                  const char *what);

#endif /* MMSTATS_SCENARIO_H */
