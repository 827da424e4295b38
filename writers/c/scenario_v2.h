/* scenario_v2.h -- load a version 2 writer scenario (conformance/v2/writer-scenarios/)
 * and write it with the v2 writer.
 *
 *   {"format_version": 2,
 *    "capacities": {"meta_capacity": 4096, "process_capacity": 4096, "slot_size": 1024, "slot_count": 8},
 *    "fields":  [{"label": "http.requests", "kind": "counter", "type": "u64", "unit": "{request}",
 *                 "help": "Requests", "attributes": {"status": "2xx"}}, ...],
 *    "updates": [{"field": 0, "op": "add", "value": 3}, ...],
 *    "expect":  {...}}
 *
 * Fields also take "bounds" (histogram), "capacity" (utf8) and "value" (constants; the
 * initial value of strings and gauges). Every field and update is checked before the
 * file is created, so a bad scenario never leaves a file behind.
 */
#ifndef MMSTATS_SCENARIO_V2_H
#define MMSTATS_SCENARIO_V2_H

#include "json.h"
#include "mmstats_v2.h"

typedef struct scenario_v2_update {
    size_t field;      /* index into fields */
    uint64_t u;        /* u64 and i64 values modulo 2^64 */
    double d;          /* f64 values */
    const char *text;  /* utf8 values: points into the parsed JSON */
    size_t text_len;
} scenario_v2_update;

typedef struct scenario_v2 {
    mmjson_value root;
    mmstats_v2_config config;    /* the capacities */
    mmstats_v2_desc *fields;
    mmstats_v2_options *options; /* one per field */
    mmstats_v2_attribute *attributes;
    double *bounds;
    size_t field_count;
    scenario_v2_update *updates;
    size_t update_count;
} scenario_v2;

/* Check and load a scenario from text (path names it in messages). 0, or -1 with a
 * message "path: offset N (line L, column C): what" in msg. */
int scenario_v2_parse(const char *path, const char *text, size_t len, scenario_v2 *sc, char *msg,
                      size_t msg_size);

/* Create out (which must not exist), add the fields in order (a field the file has no
 * room for is counted and its updates go nowhere), apply the updates in order from
 * this thread, close and keep the file. 0, or -1 with *err filled. */
int scenario_v2_write(const scenario_v2 *sc, const char *out, mmstats_error *err);

void scenario_v2_free(scenario_v2 *sc);

#endif /* MMSTATS_SCENARIO_V2_H */
