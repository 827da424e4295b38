/* check.h -- the test binary's harness: a test is a function that passes when
 * none of its CHECKs fail. */
#ifndef MMSTATS_READ_TEST_CHECK_H
#define MMSTATS_READ_TEST_CHECK_H

#include <stddef.h>

void check_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void check_run(const char *name, void (*fn)(void));

/* A path in the test run's own temporary directory (8 rotating static buffers). */
const char *tmp_path(const char *name);
/* A file under conformance/; a missing one is a failure of the calling test. */
const char *corpus_path(const char *rel);
/* Whole file, malloc'd (plus a NUL), or NULL. */
unsigned char *slurp(const char *path, size_t *len);
int write_bytes(const char *path, const void *data, size_t n);
/* conformance/manifest.json, parsed once (NULL when missing: a failure). */
struct jv;
const struct jv *manifest(void);

#define CHECK(cond) \
    do { if (!(cond)) check_fail(__FILE__, __LINE__, "%s", #cond); } while (0)
#define CHECK_MSG(cond, ...) \
    do { if (!(cond)) check_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)
#define RUN(fn) check_run(#fn, fn)

void run_json_parse_tests(void);
void run_oracle_tests(void);
void run_error_tests(void);
void run_corpus_tests(void);
void run_truncate_tests(void);
void run_poll_tests(void);
void run_cli_tests(void);
void run_api_tests(void);
void run_v2_tests(void);
void run_mapped_tests(void);

#endif
