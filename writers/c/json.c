/* json.c -- strict recursive-descent JSON parser (see json.h). */
#include "json.h"
#include "mmstats.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const unsigned char *s;
    size_t len;
    size_t pos;
    int depth;
    mmjson_error *err;
    int failed;
} parser;

static int fail(parser *p, size_t offset, const char *fmt, ...)
{
    va_list ap;
    size_t i;
    if (p->failed)
        return -1; /* keep the first (innermost) problem */
    p->failed = 1;
    p->err->offset = offset;
    p->err->line = 1;
    p->err->column = 1;
    for (i = 0; i < offset && i < p->len; i++) {
        if (p->s[i] == '\n') {
            p->err->line++;
            p->err->column = 1;
        } else {
            p->err->column++;
        }
    }
    va_start(ap, fmt);
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* What is at pos, for messages. */
static const char *found(parser *p, char *buf, size_t n)
{
    if (p->pos >= p->len)
        return "end of input";
    if (p->s[p->pos] >= 0x20 && p->s[p->pos] < 0x7F)
        snprintf(buf, n, "'%c'", p->s[p->pos]);
    else
        snprintf(buf, n, "byte 0x%02x", p->s[p->pos]);
    return buf;
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

/* ---- growable byte buffer for strings ---- */
typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static int buf_put(buf *b, const void *src, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        char *d;
        while (cap < b->len + n + 1)
            cap *= 2;
        d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static size_t utf8_encode(uint32_t cp, unsigned char out[4])
{
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Four hex digits at pos into *cp. */
static int hex4(parser *p, uint32_t *cp)
{
    size_t i;
    uint32_t v = 0;
    if (p->len - p->pos < 4)
        return fail(p, p->pos, "\\u escape needs 4 hex digits");
    for (i = 0; i < 4; i++) {
        unsigned char c = p->s[p->pos + i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return fail(p, p->pos + i, "\\u escape needs 4 hex digits");
    }
    p->pos += 4;
    *cp = v;
    return 0;
}

/* The string starting at the opening quote at pos. */
static int parse_string(parser *p, char **out, size_t *out_len)
{
    buf b = {NULL, 0, 0};
    size_t start = p->pos;
    p->pos++; /* opening quote */
    for (;;) {
        unsigned char c;
        if (p->pos >= p->len) {
            fail(p, start, "string is not closed before the end of input");
            goto error;
        }
        c = p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            fail(p, p->pos, "control character 0x%02x in a string must be escaped", c);
            goto error;
        }
        if (c == '\\') {
            size_t esc = p->pos;
            char one;
            if (p->pos + 1 >= p->len) {
                fail(p, esc, "string is not closed before the end of input");
                goto error;
            }
            p->pos += 2;
            switch (p->s[esc + 1]) {
            case '"': one = '"'; break;
            case '\\': one = '\\'; break;
            case '/': one = '/'; break;
            case 'b': one = '\b'; break;
            case 'f': one = '\f'; break;
            case 'n': one = '\n'; break;
            case 'r': one = '\r'; break;
            case 't': one = '\t'; break;
            case 'u': {
                uint32_t cp, lo;
                unsigned char enc[4];
                if (hex4(p, &cp))
                    goto error;
                if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail(p, esc, "lone low surrogate \\u%04X", (unsigned)cp);
                    goto error;
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                        fail(p, esc, "high surrogate \\u%04X is not followed by a \\u low surrogate", (unsigned)cp);
                        goto error;
                    }
                    p->pos += 2;
                    if (hex4(p, &lo))
                        goto error;
                    if (lo < 0xDC00 || lo > 0xDFFF) {
                        fail(p, esc, "high surrogate \\u%04X is followed by \\u%04X, not a low surrogate",
                             (unsigned)cp, (unsigned)lo);
                        goto error;
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                if (buf_put(&b, enc, utf8_encode(cp, enc)))
                    goto oom;
                continue;
            }
            default:
                fail(p, esc, "invalid escape \\%c", p->s[esc + 1] >= 0x20 && p->s[esc + 1] < 0x7F ? p->s[esc + 1] : '?');
                goto error;
            }
            if (buf_put(&b, &one, 1))
                goto oom;
            continue;
        }
        {
            size_t n = mmstats_utf8_sequence_len(p->s + p->pos, p->len - p->pos);
            if (!n) {
                fail(p, p->pos, "byte 0x%02x starts no well-formed UTF-8 character", c);
                goto error;
            }
            if (buf_put(&b, p->s + p->pos, n))
                goto oom;
            p->pos += n;
        }
    }
    if (!b.data && buf_put(&b, "", 0))
        goto oom;
    *out = b.data;
    *out_len = b.len;
    return 0;
oom:
    fail(p, p->pos, "out of memory");
error:
    free(b.data);
    return -1;
}

static int is_digit(parser *p, size_t at)
{
    return at < p->len && p->s[at] >= '0' && p->s[at] <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(parser *p, mmjson_value *v)
{
    size_t start = p->pos, i;
    char small[64], *text;
    v->type = MMJSON_NUMBER;
    v->is_integer = 1;
    if (p->s[p->pos] == '-') {
        v->negative = 1;
        p->pos++;
    }
    if (!is_digit(p, p->pos))
        return fail(p, p->pos, "a digit must follow '-'");
    if (p->s[p->pos] == '0') {
        p->pos++;
        if (is_digit(p, p->pos))
            return fail(p, start, "number with a leading zero");
    } else {
        while (is_digit(p, p->pos))
            p->pos++;
    }
    for (i = start + (size_t)v->negative; i < p->pos; i++) {
        uint64_t d = (uint64_t)(p->s[i] - '0');
        if (v->magnitude > (UINT64_MAX - d) / 10)
            v->too_big = 1;
        v->magnitude = v->magnitude * 10 + d; /* wraps modulo 2^64 when too big */
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        v->is_integer = 0;
        p->pos++;
        if (!is_digit(p, p->pos))
            return fail(p, p->pos, "a digit must follow the decimal point");
        while (is_digit(p, p->pos))
            p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        v->is_integer = 0;
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (!is_digit(p, p->pos))
            return fail(p, p->pos, "a digit must follow the exponent mark");
        while (is_digit(p, p->pos))
            p->pos++;
    }
    if (!v->is_integer)
        v->magnitude = 0, v->too_big = 0;
    /* strtod is correctly rounded; the text it gets is plain JSON grammar. */
    text = p->pos - start < sizeof small ? small : malloc(p->pos - start + 1);
    if (!text)
        return fail(p, start, "out of memory");
    memcpy(text, p->s + start, p->pos - start);
    text[p->pos - start] = '\0';
    v->number = strtod(text, NULL);
    if (text != small)
        free(text);
    if (v->is_integer && v->number == 0)
        v->number = 0.0; /* the integer -0 is 0, not the float -0.0 */
    return 0;
}

static int parse_value(parser *p, mmjson_value *v);

static int grow(parser *p, void **items, size_t *cap, size_t count, size_t size)
{
    if (count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        void *n = realloc(*items, ncap * size);
        if (!n)
            return fail(p, p->pos, "out of memory");
        *items = n;
        *cap = ncap;
    }
    return 0;
}

static int parse_array(parser *p, mmjson_value *v)
{
    size_t cap = 0;
    char what[16];
    v->type = MMJSON_ARRAY;
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return 0;
    }
    for (;;) {
        if (grow(p, (void **)&v->items, &cap, v->count, sizeof *v->items))
            return -1;
        memset(&v->items[v->count], 0, sizeof v->items[0]);
        v->count++;
        if (parse_value(p, &v->items[v->count - 1]))
            return -1;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            skip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == ']')
                return fail(p, p->pos, "trailing comma before ']'");
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == ']') {
            p->pos++;
            return 0;
        }
        return fail(p, p->pos, "expected ',' or ']' in an array, found %s", found(p, what, sizeof what));
    }
}

static int parse_object(parser *p, mmjson_value *v)
{
    size_t cap = 0, i;
    char what[16];
    v->type = MMJSON_OBJECT;
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return 0;
    }
    for (;;) {
        mmjson_member *m;
        size_t key_at = p->pos;
        if (p->pos >= p->len || p->s[p->pos] != '"')
            return fail(p, p->pos, "expected a \"key\" in an object, found %s", found(p, what, sizeof what));
        if (grow(p, (void **)&v->members, &cap, v->count, sizeof *v->members))
            return -1;
        m = &v->members[v->count];
        memset(m, 0, sizeof *m);
        v->count++;
        if (parse_string(p, &m->key, &m->key_len))
            return -1;
        for (i = 0; i + 1 < v->count; i++) {
            if (v->members[i].key_len == m->key_len && memcmp(v->members[i].key, m->key, m->key_len) == 0)
                return fail(p, key_at, "duplicate key \"%.60s\" in an object", m->key);
        }
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':')
            return fail(p, p->pos, "expected ':' after an object key, found %s", found(p, what, sizeof what));
        p->pos++;
        if (parse_value(p, &m->value))
            return -1;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            skip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == '}')
                return fail(p, p->pos, "trailing comma before '}'");
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == '}') {
            p->pos++;
            return 0;
        }
        return fail(p, p->pos, "expected ',' or '}' in an object, found %s", found(p, what, sizeof what));
    }
}

static int literal(parser *p, const char *word, mmjson_type t, mmjson_value *v)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail(p, p->pos, "invalid literal (expected %s)", word);
    p->pos += n;
    v->type = t;
    return 0;
}

static int parse_value(parser *p, mmjson_value *v)
{
    char what[16];
    int rc;
    skip_ws(p);
    v->offset = p->pos;
    if (p->pos >= p->len)
        return fail(p, p->pos, "expected a value, found end of input");
    if (++p->depth > MMJSON_MAX_DEPTH)
        return fail(p, p->pos, "nesting deeper than %d levels", MMJSON_MAX_DEPTH);
    switch (p->s[p->pos]) {
    case '{': rc = parse_object(p, v); break;
    case '[': rc = parse_array(p, v); break;
    case '"':
        v->type = MMJSON_STRING;
        rc = parse_string(p, &v->str, &v->len);
        break;
    case 't': rc = literal(p, "true", MMJSON_TRUE, v); break;
    case 'f': rc = literal(p, "false", MMJSON_FALSE, v); break;
    case 'n': rc = literal(p, "null", MMJSON_NULL, v); break;
    default:
        if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
            rc = parse_number(p, v);
        else
            rc = fail(p, p->pos, "expected a value, found %s", found(p, what, sizeof what));
    }
    p->depth--;
    return rc;
}

int mmjson_parse(const char *text, size_t len, mmjson_value *out, mmjson_error *err)
{
    parser p;
    char what[16];
    memset(&p, 0, sizeof p);
    memset(out, 0, sizeof *out);
    p.s = (const unsigned char *)text;
    p.len = len;
    p.err = err;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        fail(&p, 0, "byte order mark at the start (JSON text must not have one)");
        return -1;
    }
    if (parse_value(&p, out) == 0) {
        skip_ws(&p);
        if (p.pos == p.len)
            return 0;
        fail(&p, p.pos, "unexpected %s after the JSON value", found(&p, what, sizeof what));
    }
    mmjson_free(out);
    return -1;
}

void mmjson_free(mmjson_value *v)
{
    size_t i;
    if (!v)
        return;
    if (v->type == MMJSON_ARRAY) {
        for (i = 0; i < v->count; i++)
            mmjson_free(&v->items[i]);
    } else if (v->type == MMJSON_OBJECT) {
        for (i = 0; i < v->count; i++) {
            free(v->members[i].key);
            mmjson_free(&v->members[i].value);
        }
    }
    free(v->items);
    free(v->members);
    free(v->str);
    memset(v, 0, sizeof *v);
}

const mmjson_value *mmjson_get(const mmjson_value *object, const char *key)
{
    size_t i, n = strlen(key);
    if (object->type != MMJSON_OBJECT)
        return NULL;
    for (i = 0; i < object->count; i++) {
        if (object->members[i].key_len == n && memcmp(object->members[i].key, key, n) == 0)
            return &object->members[i].value;
    }
    return NULL;
}

uint64_t mmjson_int_mod64(const mmjson_value *v)
{
    return v->negative ? (uint64_t)0 - v->magnitude : v->magnitude;
}

const char *mmjson_type_name(mmjson_type t)
{
    switch (t) {
    case MMJSON_NULL: return "null";
    case MMJSON_FALSE: return "false";
    case MMJSON_TRUE: return "true";
    case MMJSON_NUMBER: return "a number";
    case MMJSON_STRING: return "a string";
    case MMJSON_ARRAY: return "an array";
    case MMJSON_OBJECT: return "an object";
    }
    return "?";
}
