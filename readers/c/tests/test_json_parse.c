/* test_json_parse.c -- the tests' JSON parser and canonical comparison, and
 * their own tests (the spec's comparison table among them). */
#include "json_parse.h"
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *p, *end;
    char *err;
    size_t errsz;
    int depth;
} parser;

static int fail(parser *ps, const char *what)
{
    if (ps->err && !ps->err[0])
        snprintf(ps->err, ps->errsz, "%s (%zu bytes before the end)", what, (size_t)(ps->end - ps->p));
    return 0;
}

static void ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static void put_utf8(char *out, size_t *o, unsigned long cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xc0 | (cp >> 6));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xe0 | (cp >> 12));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*o)++] = (char)(0xf0 | (cp >> 18));
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static int hex4(parser *ps, unsigned long *v)
{
    int i;
    *v = 0;
    if (ps->end - ps->p < 4)
        return 0;
    for (i = 0; i < 4; i++) {
        int c = ps->p[i];
        *v <<= 4;
        if (c >= '0' && c <= '9')
            *v |= (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f')
            *v |= (unsigned long)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            *v |= (unsigned long)(c - 'A' + 10);
        else
            return 0;
    }
    ps->p += 4;
    return 1;
}

/* Raw UTF-8 in a string: decode by the definition (shortest form, no surrogates,
 * at most U+10FFFF), independently of the reader's table-driven check. */
static int raw_char(parser *ps, unsigned long *cp)
{
    unsigned c = *ps->p, n, i;
    unsigned long v;
    if (c < 0x80) {
        *cp = c;
        ps->p++;
        return 1;
    }
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        v = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        v = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(ps->end - ps->p) < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((ps->p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (ps->p[i] & 0x3f);
    }
    if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10ffff ||
        (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    ps->p += n;
    return 1;
}

static int parse_string(parser *ps, char **out, size_t *len)
{
    char *buf = malloc((size_t)(ps->end - ps->p) * 2 + 1);
    size_t o = 0;
    if (!buf)
        return fail(ps, "out of memory");
    ps->p++; /* the opening quote */
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned long cp;
        if (*ps->p < 0x20) {
            free(buf);
            return fail(ps, "raw control character in string");
        }
        if (*ps->p == '\\') {
            ps->p++;
            if (ps->p >= ps->end)
                break;
            switch (*ps->p++) {
            case '"': cp = '"'; break;
            case '\\': cp = '\\'; break;
            case '/': cp = '/'; break;
            case 'b': cp = 8; break;
            case 'f': cp = 12; break;
            case 'n': cp = 10; break;
            case 'r': cp = 13; break;
            case 't': cp = 9; break;
            case 'u':
                if (!hex4(ps, &cp)) {
                    free(buf);
                    return fail(ps, "bad \\u escape");
                }
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    unsigned long lo;
                    if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                        free(buf);
                        return fail(ps, "lone high surrogate");
                    }
                    ps->p += 2;
                    if (!hex4(ps, &lo) || lo < 0xdc00 || lo > 0xdfff) {
                        free(buf);
                        return fail(ps, "bad low surrogate");
                    }
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                    free(buf);
                    return fail(ps, "lone low surrogate");
                }
                break;
            default:
                free(buf);
                return fail(ps, "bad escape");
            }
        } else if (!raw_char(ps, &cp)) {
            free(buf);
            return fail(ps, "ill-formed UTF-8 in string");
        }
        put_utf8(buf, &o, cp);
    }
    if (ps->p >= ps->end) {
        free(buf);
        return fail(ps, "unterminated string");
    }
    ps->p++;
    buf[o] = '\0';
    *out = buf;
    *len = o;
    return 1;
}

static int parse_value(parser *ps, jv *v);

static int parse_number(parser *ps, jv *v)
{
    const unsigned char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
        return fail(ps, "bad number");
    if (*ps->p == '0')
        ps->p++;
    else
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "bad fraction");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "bad exponent");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    v->type = JV_NUM;
    v->text = malloc((size_t)(ps->p - s) + 1);
    if (!v->text)
        return fail(ps, "out of memory");
    memcpy(v->text, s, (size_t)(ps->p - s));
    v->text[ps->p - s] = '\0';
    return 1;
}

static int literal(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
        return fail(ps, "bad literal");
    ps->p += n;
    return 1;
}

static int parse_container(parser *ps, jv *v, int obj)
{
    size_t cap = 0;
    char close = obj ? '}' : ']';
    v->type = obj ? JV_OBJ : JV_ARR;
    ps->p++;
    ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 1;
    }
    for (;;) {
        if (v->n == cap) {
            jv *items;
            char **keys;
            cap = cap ? 2 * cap : 8;
            items = realloc(v->items, cap * sizeof *items);
            if (!items)
                return fail(ps, "out of memory");
            v->items = items;
            keys = realloc(v->keys, cap * sizeof *keys);
            if (!keys)
                return fail(ps, "out of memory");
            v->keys = keys;
        }
        memset(&v->items[v->n], 0, sizeof v->items[0]);
        v->keys[v->n] = NULL;
        ws(ps);
        if (obj) {
            size_t klen;
            if (ps->p >= ps->end || *ps->p != '"' || !parse_string(ps, &v->keys[v->n], &klen))
                return fail(ps, "bad key");
            ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return fail(ps, "missing colon");
            ps->p++;
        }
        v->n++;
        if (!parse_value(ps, &v->items[v->n - 1]))
            return 0;
        ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return 1;
        }
        return fail(ps, "missing comma or close");
    }
}

static int parse_value(parser *ps, jv *v)
{
    int ok;
    ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end");
    if (++ps->depth > 64)
        return fail(ps, "too deep");
    switch (*ps->p) {
    case '{': ok = parse_container(ps, v, 1); break;
    case '[': ok = parse_container(ps, v, 0); break;
    case '"':
        v->type = JV_STR;
        ok = parse_string(ps, &v->text, &v->len);
        break;
    case 't': v->type = JV_BOOL; v->b = 1; ok = literal(ps, "true"); break;
    case 'f': v->type = JV_BOOL; v->b = 0; ok = literal(ps, "false"); break;
    case 'n': v->type = JV_NULL; ok = literal(ps, "null"); break;
    default: ok = parse_number(ps, v);
    }
    ps->depth--;
    return ok;
}

static void jv_clear(jv *v)
{
    size_t i;
    for (i = 0; i < v->n; i++) {
        jv_clear(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->text);
}

void jv_free(jv *v)
{
    if (!v)
        return;
    jv_clear(v);
    free(v);
}

jv *jv_parse(const char *text, size_t len, char *err, size_t errsz)
{
    parser ps;
    jv *v = calloc(1, sizeof *v);
    if (err && errsz)
        err[0] = '\0';
    ps.p = (const unsigned char *)text;
    ps.end = ps.p + len;
    ps.err = err;
    ps.errsz = errsz;
    ps.depth = 0;
    if (!v)
        return NULL;
    if (!parse_value(&ps, v)) {
        jv_free(v);
        return NULL;
    }
    ws(&ps);
    if (ps.p != ps.end) {
        fail(&ps, "text after the value");
        jv_free(v);
        return NULL;
    }
    return v;
}

const jv *jv_get(const jv *obj, const char *key)
{
    size_t i;
    if (!obj || obj->type != JV_OBJ)
        return NULL;
    for (i = 0; i < obj->n; i++)
        if (!strcmp(obj->keys[i], key))
            return &obj->items[i];
    return NULL;
}

static int is_integer_text(const char *t) { return !strpbrk(t, ".eE"); }

/* An integer's text without a minus on zero, for exact comparison of any size. */
static int integers_equal(const char *a, const char *b)
{
    if (!strcmp(a, "-0"))
        a = "0";
    if (!strcmp(b, "-0"))
        b = "0";
    return !strcmp(a, b);
}

/* A float value: a JSON number parsed to binary64, or one of the three names. */
static int float_of(const jv *v, double *d, int *is_nan)
{
    *is_nan = 0;
    if (v->type == JV_NUM) {
        *d = strtod(v->text, NULL);
        return 1;
    }
    if (v->type != JV_STR)
        return 0;
    if (!strcmp(v->text, "NaN")) {
        *is_nan = 1;
        return 1;
    }
    if (!strcmp(v->text, "Infinity")) {
        *d = HUGE_VAL;
        return 1;
    }
    if (!strcmp(v->text, "-Infinity")) {
        *d = -HUGE_VAL;
        return 1;
    }
    return 0;
}

int canonical_value_equal(const char *type, const jv *want, const jv *got)
{
    size_t tl = strlen(type);
    if (!strcmp(type, "f") || !strcmp(type, "d")) {
        double a = 0, b = 0;
        int an, bn;
        uint64_t x, y;
        if (!float_of(want, &a, &an) || !float_of(got, &b, &bn))
            return 0;
        if (an || bn)
            return an && bn;
        memcpy(&x, &a, 8);
        memcpy(&y, &b, 8);
        return x == y;
    }
    if (!strcmp(type, "?"))
        return want->type == JV_BOOL && got->type == JV_BOOL && want->b == got->b;
    if (tl > 1 && type[tl - 1] == 's')
        return want->type == JV_STR && got->type == JV_STR && want->len == got->len &&
               !memcmp(want->text, got->text, want->len);
    return want->type == JV_NUM && got->type == JV_NUM && is_integer_text(want->text) &&
           is_integer_text(got->text) && integers_equal(want->text, got->text);
}

static int same_string(const jv *a, const jv *b)
{
    return a && b && a->type == JV_STR && b->type == JV_STR && a->len == b->len && !memcmp(a->text, b->text, a->len);
}

static int same_integer(const jv *a, const jv *b)
{
    return a && b && a->type == JV_NUM && b->type == JV_NUM && is_integer_text(a->text) && is_integer_text(b->text) &&
           integers_equal(a->text, b->text);
}

/* Version 2 attributes: the same keys with the same values, in any order. */
static int same_attributes(const jv *a, const jv *b)
{
    size_t i;
    if (!a || !b || a->type != JV_OBJ || b->type != JV_OBJ || a->n != b->n)
        return 0;
    for (i = 0; i < a->n; i++)
        if (!same_string(&a->items[i], jv_get(b, a->keys[i])))
            return 0;
    return 1;
}

/* A version 2 histogram value: count, sum (a float) and cumulative buckets. */
static int same_histogram(const jv *a, const jv *b)
{
    const jv *ab = jv_get(a, "buckets"), *bb = jv_get(b, "buckets");
    size_t i;
    if (!a || !b || a->type != JV_OBJ || b->type != JV_OBJ || a->n != 3 || b->n != 3)
        return 0;
    if (!same_integer(jv_get(a, "count"), jv_get(b, "count")) || !jv_get(a, "sum") || !jv_get(b, "sum") ||
        !canonical_value_equal("d", jv_get(a, "sum"), jv_get(b, "sum")))
        return 0;
    if (!ab || !bb || ab->type != JV_ARR || bb->type != JV_ARR || ab->n != bb->n)
        return 0;
    for (i = 0; i < ab->n; i++) {
        const jv *x = &ab->items[i], *y = &bb->items[i];
        if (y->type != JV_OBJ || y->n != 2 || !jv_get(x, "le") || !jv_get(y, "le") ||
            !canonical_value_equal("d", jv_get(x, "le"), jv_get(y, "le")) ||
            !same_integer(jv_get(x, "count"), jv_get(y, "count")))
            return 0;
    }
    return 1;
}

/* A version 2 value of a kind and value type; null only equals null. */
static int same_v2_value(const char *kind, const char *type, const jv *a, const jv *b)
{
    if (!a || !b)
        return 0;
    if (a->type == JV_NULL || b->type == JV_NULL)
        return a->type == b->type;
    if (!strcmp(kind, "histogram"))
        return same_histogram(a, b);
    if (!strcmp(type, "f64"))
        return canonical_value_equal("d", a, b);
    if (!strcmp(type, "utf8"))
        return same_string(a, b);
    return same_integer(a, b);
}

static const char *const v2_header_integers[] = {"minor", "pid", "start_ticks", "created_unix_ns",
                                                 "heartbeat_unix_ns", "heartbeat_interval_ms", "overflow_count"};
static const char *const v2_field_strings[] = {"label", "kind", "type", "unit", "help"};

static int canonical_equal_v2(const jv *want, const jv *got, char *why, size_t whysz)
{
    const jv *wf = jv_get(want, "fields"), *gf = jv_get(got, "fields");
    size_t i, k;
    if (got->n != 11) {
        snprintf(why, whysz, "%zu members, want 11", got->n);
        return 0;
    }
    for (k = 0; k < sizeof v2_header_integers / sizeof v2_header_integers[0]; k++) {
        if (!same_integer(jv_get(want, v2_header_integers[k]), jv_get(got, v2_header_integers[k]))) {
            snprintf(why, whysz, "%s differs", v2_header_integers[k]);
            return 0;
        }
    }
    if (!same_string(jv_get(want, "state"), jv_get(got, "state"))) {
        snprintf(why, whysz, "state differs");
        return 0;
    }
    if (!wf || !gf || wf->type != JV_ARR || gf->type != JV_ARR || wf->n != gf->n) {
        snprintf(why, whysz, "fields: want %zu, got %zu", wf ? wf->n : 0, gf ? gf->n : 0);
        return 0;
    }
    for (i = 0; i < wf->n; i++) {
        const jv *a = &wf->items[i], *b = &gf->items[i];
        if (b->type != JV_OBJ || b->n != 7) {
            snprintf(why, whysz, "fields[%zu]: not an object of 7 members", i);
            return 0;
        }
        for (k = 0; k < sizeof v2_field_strings / sizeof v2_field_strings[0]; k++) {
            if (!same_string(jv_get(a, v2_field_strings[k]), jv_get(b, v2_field_strings[k]))) {
                snprintf(why, whysz, "fields[%zu].%s differs", i, v2_field_strings[k]);
                return 0;
            }
        }
        if (!same_attributes(jv_get(a, "attributes"), jv_get(b, "attributes"))) {
            snprintf(why, whysz, "fields[%zu].attributes differ", i);
            return 0;
        }
        if (!same_v2_value(jv_get(a, "kind")->text, jv_get(a, "type")->text, jv_get(a, "value"),
                           jv_get(b, "value"))) {
            snprintf(why, whysz, "fields[%zu].value differs", i);
            return 0;
        }
    }
    return 1;
}

int canonical_equal(const jv *want, const jv *got, char *why, size_t whysz)
{
    const jv *wv = jv_get(want, "format_version"), *gv = jv_get(got, "format_version");
    const jv *wf = jv_get(want, "fields"), *gf = jv_get(got, "fields");
    size_t i;
    if (!wv || !gv || wv->type != JV_NUM || gv->type != JV_NUM || strcmp(wv->text, gv->text)) {
        snprintf(why, whysz, "format_version differs");
        return 0;
    }
    if (!strcmp(wv->text, "2")) {
        if (!jv_get(got, "path") || jv_get(got, "path")->type != JV_STR) {
            snprintf(why, whysz, "no path string");
            return 0;
        }
        return canonical_equal_v2(want, got, why, whysz);
    }
    if (!jv_get(got, "path") || jv_get(got, "path")->type != JV_STR) {
        snprintf(why, whysz, "no path string");
        return 0;
    }
    if (!wf || !gf || wf->type != JV_ARR || gf->type != JV_ARR || wf->n != gf->n) {
        snprintf(why, whysz, "fields: want %zu, got %zu", wf ? wf->n : 0, gf ? gf->n : 0);
        return 0;
    }
    for (i = 0; i < wf->n; i++) {
        const jv *a = &wf->items[i], *b = &gf->items[i];
        const jv *at = jv_get(a, "type"), *bb = jv_get(b, "buffered"), *ab = jv_get(a, "buffered");
        if (b->type != JV_OBJ || b->n != 4) {
            snprintf(why, whysz, "fields[%zu]: not an object of 4 members", i);
            return 0;
        }
        if (!same_string(jv_get(a, "label"), jv_get(b, "label"))) {
            snprintf(why, whysz, "fields[%zu].label differs", i);
            return 0;
        }
        if (!same_string(at, jv_get(b, "type"))) {
            snprintf(why, whysz, "fields[%zu].type differs", i);
            return 0;
        }
        if (!ab || !bb || ab->type != JV_BOOL || bb->type != JV_BOOL || ab->b != bb->b) {
            snprintf(why, whysz, "fields[%zu].buffered differs", i);
            return 0;
        }
        if (!jv_get(a, "value") || !jv_get(b, "value") ||
            !canonical_value_equal(at->text, jv_get(a, "value"), jv_get(b, "value"))) {
            snprintf(why, whysz, "fields[%zu].value (%s) differs", i, at->text);
            return 0;
        }
    }
    return 1;
}

/* --- tests of the parser and the comparison --- */

static jv *parse_text(const char *s)
{
    char err[100];
    return jv_parse(s, strlen(s), err, sizeof err);
}

static void test_parser_accepts_and_rejects(void)
{
    static const char *good[] = {"{}", "[]", "[1, -0.0, 1e5, 2E-3, true, false, null]", "\"\\u00e9\\ud83d\\ude00\"",
                                 "{\"a\": {\"b\": [\"\xc3\xa9\"]}}"};
    static const char *bad[] = {"", "{", "[1,]", "01", "1.", "\"\\x\"", "\"\xc3\"", "\"\xc0\xaf\"",
                                "\"\xed\xa0\x80\"", "\"\\ud800\"", "\"a\nb\"", "nul", "[1] 2", "\"\xf4\x90\x80\x80\""};
    size_t i;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        jv *v = parse_text(good[i]);
        CHECK_MSG(v != NULL, "rejected %s", good[i]);
        jv_free(v);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        jv *v = parse_text(bad[i]);
        CHECK_MSG(v == NULL, "accepted bad JSON #%zu", i);
        jv_free(v);
    }
}

static void test_parser_decodes_strings(void)
{
    jv *v = parse_text("\"a\\u0000\\ud83d\\ude00\\\"\"");
    CHECK(v && v->type == JV_STR && v->len == 7 && !memcmp(v->text, "a\0\xf0\x9f\x98\x80\"", 7));
    jv_free(v);
}

/* The spec's table "Comparing canonical forms", row by row. */
static void test_spec_comparison_table(void)
{
    static const struct {
        const char *type, *want, *got;
        int equal;
    } rows[] = {
        {"d", "0.1", "0.1000", 1},   {"d", "100", "1e2", 1},
        {"d", "1", "1.0", 1},        {"d", "-0.0", "0.0", 0},
        {"f", "\"NaN\"", "\"NaN\"", 1}, {"f", "0.10000000149011612", "0.1", 0},
        {"d", "\"NaN\"", "null", 0}, {"Q", "18446744073709551615", "18446744073709551615", 1},
        {"Q", "1", "1.0", 0},        {"i", "-5", "-5", 1},
        {"?", "true", "1", 0},       {"8s", "\"abc\"", "\"abc\\u0000\"", 0},
        {"8s", "\"\xc3\xa9\"", "\"\\u00e9\"", 1},
        /* and beyond the table: exact integers past 2^53 */
        {"Q", "18446744073709551615", "18446744073709551614", 0},
    };
    size_t i;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        jv *a = parse_text(rows[i].want), *b = parse_text(rows[i].got);
        CHECK_MSG(a && b, "row %zu does not parse", i);
        if (a && b)
            CHECK_MSG(canonical_value_equal(rows[i].type, a, b) == rows[i].equal, "row %zu: %s %s vs %s", i,
                      rows[i].type, rows[i].want, rows[i].got);
        jv_free(a);
        jv_free(b);
    }
}

static void test_objects_compare(void)
{
    const char *a = "{\"path\": \"x\", \"format_version\": 1, \"fields\": [{\"label\": \"n\", \"type\": \"Q\", "
                    "\"buffered\": true, \"value\": 18}]}";
    const char *b = "{\"fields\": [{\"value\": 18, \"buffered\": true, \"type\": \"Q\", \"label\": \"n\"}], "
                    "\"format_version\": 1, \"path\": \"other\"}";
    const char *c = "{\"path\": \"x\", \"format_version\": 1, \"fields\": [{\"label\": \"n\", \"type\": \"Q\", "
                    "\"buffered\": false, \"value\": 18}]}";
    char why[100];
    jv *ja = parse_text(a), *jb = parse_text(b), *jc = parse_text(c);
    CHECK(ja && jb && jc);
    CHECK(canonical_equal(ja, jb, why, sizeof why));
    CHECK(!canonical_equal(ja, jc, why, sizeof why));
    jv_free(ja);
    jv_free(jb);
    jv_free(jc);
}

/* Version 2 objects: attributes in any order; floats by bits; null only equals null. */
static void test_v2_objects_compare(void)
{
    const char *head = "{\"path\": \"x\", \"format_version\": 2, \"minor\": 0, \"state\": \"ready\", \"pid\": 1, "
                       "\"start_ticks\": 2, \"created_unix_ns\": 18446744073709551615, \"heartbeat_unix_ns\": 0, "
                       "\"heartbeat_interval_ms\": 0, \"overflow_count\": 0, \"fields\": [";
    const char *fields[] = {
        /* 0: the reference */
        "{\"label\": \"h\", \"kind\": \"histogram\", \"type\": \"f64\", \"unit\": \"ms\", \"help\": \"\", "
        "\"attributes\": {\"a\": \"1\", \"b\": \"2\"}, \"value\": {\"count\": 3, \"sum\": 1.5, \"buckets\": "
        "[{\"le\": 1.0, \"count\": 1}, {\"le\": \"Infinity\", \"count\": 3}]}}",
        /* 1: equal: other key order, 1.50 for 1.5 */
        "{\"attributes\": {\"b\": \"2\", \"a\": \"1\"}, \"label\": \"h\", \"kind\": \"histogram\", \"type\": "
        "\"f64\", \"unit\": \"ms\", \"help\": \"\", \"value\": {\"sum\": 1.50, \"count\": 3, \"buckets\": "
        "[{\"count\": 1, \"le\": 1}, {\"le\": \"Infinity\", \"count\": 3}]}}",
        /* 2: a bucket count differs */
        "{\"label\": \"h\", \"kind\": \"histogram\", \"type\": \"f64\", \"unit\": \"ms\", \"help\": \"\", "
        "\"attributes\": {\"a\": \"1\", \"b\": \"2\"}, \"value\": {\"count\": 3, \"sum\": 1.5, \"buckets\": "
        "[{\"le\": 1.0, \"count\": 2}, {\"le\": \"Infinity\", \"count\": 3}]}}",
        /* 3: an attribute value differs */
        "{\"label\": \"h\", \"kind\": \"histogram\", \"type\": \"f64\", \"unit\": \"ms\", \"help\": \"\", "
        "\"attributes\": {\"a\": \"1\", \"b\": \"3\"}, \"value\": {\"count\": 3, \"sum\": 1.5, \"buckets\": "
        "[{\"le\": 1.0, \"count\": 1}, {\"le\": \"Infinity\", \"count\": 3}]}}",
        /* 4: null for the value */
        "{\"label\": \"h\", \"kind\": \"histogram\", \"type\": \"f64\", \"unit\": \"ms\", \"help\": \"\", "
        "\"attributes\": {\"a\": \"1\", \"b\": \"2\"}, \"value\": null}",
    };
    static const int equal[] = {1, 1, 0, 0, 0};
    char text[2048], why[100];
    jv *ref;
    size_t i;
    snprintf(text, sizeof text, "%s%s]}", head, fields[0]);
    ref = parse_text(text);
    CHECK(ref != NULL);
    for (i = 0; ref && i < sizeof fields / sizeof fields[0]; i++) {
        jv *other;
        snprintf(text, sizeof text, "%s%s]}", head, fields[i]);
        other = parse_text(text);
        CHECK_MSG(other != NULL, "object %zu does not parse", i);
        if (other)
            CHECK_MSG(canonical_equal(ref, other, why, sizeof why) == equal[i], "object %zu: %s", i, why);
        jv_free(other);
    }
    /* the header's 64-bit integers are exact */
    snprintf(text, sizeof text, "%s%s]}", head, fields[0]);
    {
        char *at = strstr(text, "18446744073709551615");
        jv *other;
        memcpy(at, "18446744073709551614", 20);
        other = parse_text(text);
        CHECK(other && ref && !canonical_equal(ref, other, why, sizeof why));
        jv_free(other);
    }
    jv_free(ref);
}

void run_json_parse_tests(void)
{
    RUN(test_parser_accepts_and_rejects);
    RUN(test_parser_decodes_strings);
    RUN(test_spec_comparison_table);
    RUN(test_objects_compare);
    RUN(test_v2_objects_compare);
}
