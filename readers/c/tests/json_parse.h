/* json_parse.h -- a strict JSON parser for the tests only, and the spec's
 * comparison of canonical forms ("Comparing canonical forms"). It shares no code
 * with the reader, so it can judge the reader's output. */
#ifndef MMSTATS_READ_TEST_JSON_PARSE_H
#define MMSTATS_READ_TEST_JSON_PARSE_H

#include <stddef.h>

typedef enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ } jv_type;

typedef struct jv {
    jv_type type;
    int b;            /* JV_BOOL */
    char *text;       /* JV_NUM: the number as written; JV_STR: UTF-8 bytes, NUL-terminated */
    size_t len;       /* JV_STR: bytes (may hold NUL) */
    size_t n;         /* JV_ARR, JV_OBJ: members */
    struct jv *items; /* members' values */
    char **keys;      /* JV_OBJ: members' keys */
} jv;

/* NULL on any syntax error or ill-formed UTF-8, with the reason in err. */
jv *jv_parse(const char *text, size_t len, char *err, size_t errsz);
void jv_free(jv *v);
const jv *jv_get(const jv *obj, const char *key);

/* 1 when want and got are equal canonical objects by the spec's rules (path
 * ignored); 0 with the first difference in why. */
int canonical_equal(const jv *want, const jv *got, char *why, size_t whysz);
/* The same rule for two values of one type signature. */
int canonical_value_equal(const char *type, const jv *want, const jv *got);

#endif
