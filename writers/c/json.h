/* json.h -- a small strict JSON (RFC 8259) parser for the writer-scenario files.
 *
 * Strict: UTF-8 input only (no BOM), no trailing commas, no comments, no
 * duplicate object keys, no lone surrogates, nothing after the value but
 * whitespace, nesting at most MMJSON_MAX_DEPTH deep. Integers are kept exactly
 * modulo 2^64 (plus sign and overflow flag), which is all a writer needs to
 * wrap them into any integer type; every number also gets its double value.
 */
#ifndef MMSTATS_JSON_H
#define MMSTATS_JSON_H

#include <stddef.h>
#include <stdint.h>

#define MMJSON_MAX_DEPTH 64

typedef enum mmjson_type {
    MMJSON_NULL,
    MMJSON_FALSE,
    MMJSON_TRUE,
    MMJSON_NUMBER,
    MMJSON_STRING,
    MMJSON_ARRAY,
    MMJSON_OBJECT
} mmjson_type;

typedef struct mmjson_member mmjson_member;

typedef struct mmjson_value {
    mmjson_type type;
    size_t offset;          /* byte offset of the value's first character in the input */
    /* MMJSON_STRING: UTF-8 bytes (may contain NUL), also NUL-terminated */
    char *str;
    size_t len;
    /* MMJSON_NUMBER */
    int is_integer;         /* no fraction and no exponent in the text */
    int negative;           /* a leading '-' */
    int too_big;            /* integer magnitude above 2^64-1 (magnitude is then modulo 2^64) */
    uint64_t magnitude;     /* |integer| modulo 2^64 */
    double number;          /* the value as the nearest double (integers too; -0 is +0.0) */
    /* MMJSON_ARRAY: count items; MMJSON_OBJECT: count members in text order */
    size_t count;
    struct mmjson_value *items;
    mmjson_member *members;
} mmjson_value;

struct mmjson_member {
    char *key;              /* UTF-8, NUL-terminated */
    size_t key_len;
    mmjson_value value;
};

typedef struct mmjson_error {
    size_t offset;          /* byte offset of the problem */
    size_t line, column;    /* 1-based; column counts bytes */
    char message[160];
} mmjson_error;

/* Parse len bytes of text into *out. 0 on success (free with mmjson_free),
 * -1 with *err filled (nothing to free). */
int mmjson_parse(const char *text, size_t len, mmjson_value *out, mmjson_error *err);
void mmjson_free(mmjson_value *v);

/* The member of an object called key, or NULL. */
const mmjson_value *mmjson_get(const mmjson_value *object, const char *key);

/* An integer as its value modulo 2^64 (two's complement for negatives). */
uint64_t mmjson_int_mod64(const mmjson_value *v);

/* Name of a type, for messages ("string", "number", ...). */
const char *mmjson_type_name(mmjson_type t);

#endif /* MMSTATS_JSON_H */
