/* check.h -- a minimal test harness for the C writer's tests.
 * A test is a function; it passes when none of its CHECKs fail. */
#ifndef MMSTATS_TEST_CHECK_H
#define MMSTATS_TEST_CHECK_H

#include <stddef.h>

void check_fail(const char *file, int line, const char *fmt, ...);
/* Compare n bytes; on a difference report the first differing offset. */
int check_bytes(const char *file, int line, const unsigned char *got, const unsigned char *want, size_t n,
                const char *what);
void check_run(const char *name, void (*fn)(void));

/* A fresh path inside the test's temporary directory (static buffer per call). */
const char *tmp_path(const char *name);
/* Read a whole file; returns malloc'd bytes and *len, or NULL. */
unsigned char *read_file(const char *path, size_t *len);

#define CHECK(cond) \
    do { if (!(cond)) check_fail(__FILE__, __LINE__, "%s", #cond); } while (0)
#define CHECK_MSG(cond, ...) \
    do { if (!(cond)) check_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)
#define CHECK_BYTES(got, want, n, what) check_bytes(__FILE__, __LINE__, (got), (want), (n), (what))
#define RUN(fn) check_run(#fn, fn)

/* Test groups, one per file. */
void run_image_tests(void);
void run_create_tests(void);
void run_interop_tests(void);
void run_json_tests(void);
void run_scenario_tests(void);
void run_utf8_tests(void);
void run_escape_tests(void);
void run_v2_corpus_tests(void);
void run_v2_slot_tests(void);
void run_v2_life_tests(void);
void run_v2_value_tests(void);

#endif
