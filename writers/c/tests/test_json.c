/* test_json.c -- the strict JSON parser: what it accepts, what it rejects and
 * where it says the problem is. */
#include "check.h"
#include "../json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int parse(const char *text, mmjson_value *v)
{
    mmjson_error err;
    int rc = mmjson_parse(text, strlen(text), v, &err);
    CHECK_MSG(rc == 0, "%s: offset %zu: %s", text, err.offset, err.message);
    return rc;
}

/* text must be rejected with the problem at offset, message containing fragment. */
static void rejects(const char *text, size_t len, size_t offset, const char *fragment)
{
    mmjson_value v;
    mmjson_error err;
    memset(&err, 0, sizeof err);
    if (mmjson_parse(text, len, &v, &err) == 0) {
        check_fail(__FILE__, __LINE__, "accepted: %s", text);
        mmjson_free(&v);
        return;
    }
    CHECK_MSG(err.offset == offset, "%s: offset %zu, want %zu (%s)", text, err.offset, offset, err.message);
    CHECK_MSG(strstr(err.message, fragment) != NULL, "%s: want \"%s\" in \"%s\"", text, fragment, err.message);
}

#define REJECTS(text, offset, fragment) rejects((text), sizeof(text) - 1, (offset), (fragment))

static void test_json_objects_arrays_and_literals(void)
{
    mmjson_value v;
    const mmjson_value *a;
    if (parse(" {\"a\": [true, false, null, {}], \"b\" : [] }\n", &v))
        return;
    CHECK(v.type == MMJSON_OBJECT && v.count == 2 && v.offset == 1);
    a = mmjson_get(&v, "a");
    CHECK(a && a->type == MMJSON_ARRAY && a->count == 4 && a->offset == 7);
    if (a && a->count == 4) {
        CHECK(a->items[0].type == MMJSON_TRUE && a->items[1].type == MMJSON_FALSE);
        CHECK(a->items[2].type == MMJSON_NULL && a->items[3].type == MMJSON_OBJECT && a->items[3].count == 0);
    }
    CHECK(mmjson_get(&v, "b") && mmjson_get(&v, "b")->count == 0);
    CHECK(mmjson_get(&v, "c") == NULL);
    CHECK(strcmp(v.members[1].key, "b") == 0);
    mmjson_free(&v);
}

static void test_json_integers_are_exact_modulo_2_64(void)
{
    mmjson_value v;
    if (parse("[18446744073709551615, -9223372036854775808, -1, 0, -0, 18446744073709551616, "
              "340282366920938463463374607431768211457, 9007199254740993]", &v))
        return;
    CHECK(v.count == 8);
    CHECK(v.items[0].is_integer && !v.items[0].too_big && mmjson_int_mod64(&v.items[0]) == UINT64_MAX);
    CHECK(v.items[1].negative && mmjson_int_mod64(&v.items[1]) == UINT64_C(0x8000000000000000));
    CHECK(mmjson_int_mod64(&v.items[2]) == UINT64_MAX);
    CHECK(mmjson_int_mod64(&v.items[3]) == 0 && v.items[3].number == 0.0);
    CHECK(mmjson_int_mod64(&v.items[4]) == 0 && !signbit(v.items[4].number)); /* integer -0 is 0 */
    CHECK(v.items[5].too_big && mmjson_int_mod64(&v.items[5]) == 0);          /* 2^64 */
    CHECK(v.items[6].too_big && mmjson_int_mod64(&v.items[6]) == 1);          /* 2^128 + 1 */
    CHECK(mmjson_int_mod64(&v.items[7]) == UINT64_C(9007199254740993));       /* 2^53 + 1, exact */
    CHECK(v.items[7].number == 9007199254740992.0);                           /* nearest double */
    mmjson_free(&v);
}

static void test_json_floats(void)
{
    mmjson_value v;
    if (parse("[0.1, -0.0, 1e3, 2.5E-1, 1E+2, 1e400, 5e-324, 0.30000000000000004]", &v))
        return;
    CHECK(!v.items[0].is_integer && v.items[0].number == 0.1);
    CHECK(v.items[1].number == 0.0 && signbit(v.items[1].number));
    CHECK(!v.items[2].is_integer && v.items[2].number == 1000.0 && mmjson_int_mod64(&v.items[2]) == 0);
    CHECK(v.items[3].number == 0.25 && v.items[4].number == 100.0);
    CHECK(isinf(v.items[5].number) && v.items[5].number > 0);
    CHECK(v.items[6].number == 5e-324);
    CHECK(v.items[7].number == 0.1 + 0.2);
    mmjson_free(&v);
}

static void test_json_string_escapes_and_utf8(void)
{
    mmjson_value v;
    if (parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\", \"\\ud83d\\ude00\", \"x\\u0000y\", "
              "\"gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80\", \"\"]", &v))
        return;
    CHECK(v.items[0].len == 12 && memcmp(v.items[0].str, "a\"b\\c/d\b\f\n\r\t", 12) == 0);
    CHECK(v.items[1].len == 5 && memcmp(v.items[1].str, "\xc3\xa9\xe2\x82\xac", 5) == 0);
    CHECK(v.items[2].len == 4 && memcmp(v.items[2].str, "\xf0\x9f\x98\x80", 4) == 0);
    CHECK(v.items[3].len == 3 && memcmp(v.items[3].str, "x\0y", 3) == 0);
    CHECK(v.items[4].len == 11 && memcmp(v.items[4].str, "gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80", 11) == 0);
    CHECK(v.items[5].len == 0 && v.items[5].str && v.items[5].str[0] == '\0');
    mmjson_free(&v);
}

static void test_json_rejects_malformed_text_with_offsets(void)
{
    REJECTS("", 0, "end of input");
    REJECTS("   ", 3, "end of input");
    REJECTS("[1,]", 3, "trailing comma");
    REJECTS("{\"a\":1,}", 7, "trailing comma");
    REJECTS("[1 2]", 3, "expected ',' or ']'");
    REJECTS("{\"a\" 1}", 5, "expected ':'");
    REJECTS("{a:1}", 1, "expected a \"key\"");
    REJECTS("{\"a\":1,\"a\":2}", 7, "duplicate key \"a\"");
    REJECTS("01", 0, "leading zero");
    REJECTS("-", 1, "digit must follow '-'");
    REJECTS("+1", 0, "expected a value");
    REJECTS(".5", 0, "expected a value");
    REJECTS("1.", 2, "digit must follow the decimal point");
    REJECTS("1e", 2, "digit must follow the exponent");
    REJECTS("1 2", 2, "after the JSON value");
    REJECTS("NaN", 0, "expected a value");
    REJECTS("tru", 0, "expected true");
    REJECTS("nul", 0, "expected null");
    REJECTS("[\"abc", 1, "not closed");
    REJECTS("\"a\tb\"", 2, "control character 0x09");
    REJECTS("\"\\x\"", 1, "invalid escape");
    REJECTS("\"\\u12G4\"", 5, "4 hex digits");
    REJECTS("\"\\ud800\"", 1, "high surrogate");
    REJECTS("\"\\ud800\\u0041\"", 1, "not a low surrogate");
    REJECTS("\"\\udc00\"", 1, "lone low surrogate");
    REJECTS("\"\xff\"", 1, "0xff");
    REJECTS("\"\xc0\x80\"", 1, "0xc0");             /* overlong NUL */
    REJECTS("\"\xed\xa0\x80\"", 1, "0xed");         /* encoded surrogate */
    REJECTS("\"\xe2\x82\"", 1, "0xe2");             /* cut character */
    REJECTS("\xef\xbb\xbf{}", 0, "byte order mark");
    REJECTS("[1]\0", 3, "after the JSON value");   /* an embedded NUL is not whitespace */
    REJECTS("/*c*/1", 0, "expected a value");
}

static void test_json_line_and_column_of_errors(void)
{
    mmjson_value v;
    mmjson_error err;
    const char *text = "{\n  \"a\": 1,\n  \"b\": [1,,2]\n}";
    CHECK(mmjson_parse(text, strlen(text), &v, &err) == -1);
    CHECK_MSG(err.line == 3 && err.column == 11 && err.offset == 22, "line %zu column %zu offset %zu", err.line,
              err.column, err.offset);
}

static void test_json_nesting_limit(void)
{
    char deep[2 * MMJSON_MAX_DEPTH + 8];
    mmjson_value v;
    mmjson_error err;
    size_t i;
    for (i = 0; i < MMJSON_MAX_DEPTH; i++) {
        deep[i] = '[';
        deep[2 * MMJSON_MAX_DEPTH - 1 - i] = ']';
    }
    CHECK(mmjson_parse(deep, 2 * MMJSON_MAX_DEPTH, &v, &err) == 0);
    mmjson_free(&v);
    memmove(deep + 1, deep, 2 * MMJSON_MAX_DEPTH);
    deep[0] = '[';
    deep[2 * MMJSON_MAX_DEPTH + 1] = ']';
    CHECK(mmjson_parse(deep, 2 * MMJSON_MAX_DEPTH + 2, &v, &err) == -1);
    CHECK(strstr(err.message, "nesting") != NULL && err.offset == MMJSON_MAX_DEPTH);
}

/* Every prefix of a valid document is rejected cleanly (never a crash, never accepted
 * unless the prefix is itself complete). */
static void test_json_every_prefix_is_handled(void)
{
    static const char doc[] = "{\"fields\": [{\"label\": \"caf\xc3\xa9 \\ud83d\\ude00\", \"v\": -12.5e-3}], "
                              "\"u\": [true, null, 18446744073709551615]}";
    size_t n;
    for (n = 0; n < sizeof doc - 1; n++) {
        mmjson_value v;
        mmjson_error err;
        int rc = mmjson_parse(doc, n, &v, &err);
        CHECK_MSG(rc == -1, "prefix of %zu bytes accepted", n);
        CHECK(rc == 0 || err.offset <= n);
        if (rc == 0)
            mmjson_free(&v);
    }
    {
        mmjson_value v;
        CHECK(parse(doc, &v) == 0);
        mmjson_free(&v);
    }
}

/* Every byte replaced by each of a few troublesome bytes: the parser answers
 * (accepts, or rejects at an offset inside the input) and never crashes; the
 * sanitizer build (make asan) checks memory on every path. */
static void test_json_single_byte_mutations_never_crash(void)
{
    static const char doc[] = "{\"a\": [1, -2.5e+3, \"x\\u00e9\\n\\ud83d\\ude00\", true, null], \"b\": {\"c\": false}}";
    static const unsigned char bytes[] = {0x00, '"', '\\', '{', '}', '[', ']', ',', ':', 0x80, 0xc3, 0xff,
                                          'u', '-', '0', 'e', '.', ' ', 'd', 'n'};
    char buf[sizeof doc];
    size_t i, k, accepted = 0;
    for (i = 0; i < sizeof doc - 1; i++) {
        for (k = 0; k < sizeof bytes; k++) {
            mmjson_value v;
            mmjson_error err;
            memcpy(buf, doc, sizeof doc);
            buf[i] = (char)bytes[k];
            if (mmjson_parse(buf, sizeof doc - 1, &v, &err) == 0) {
                accepted++;
                mmjson_free(&v);
            } else {
                CHECK_MSG(err.offset <= sizeof doc - 1 && err.message[0], "byte %zu = 0x%02x: offset %zu", i,
                          bytes[k], err.offset);
            }
        }
    }
    CHECK(accepted > 0 && accepted < (sizeof doc - 1) * sizeof bytes);
}

void run_json_tests(void)
{
    RUN(test_json_objects_arrays_and_literals);
    RUN(test_json_integers_are_exact_modulo_2_64);
    RUN(test_json_floats);
    RUN(test_json_string_escapes_and_utf8);
    RUN(test_json_rejects_malformed_text_with_offsets);
    RUN(test_json_line_and_column_of_errors);
    RUN(test_json_nesting_limit);
    RUN(test_json_every_prefix_is_handled);
    RUN(test_json_single_byte_mutations_never_crash);
}
