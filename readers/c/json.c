/* json.c -- the canonical JSON object of a file (spec "Canonical decoded form"). */
#include "internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mmr__text_put(mmr_text *t, const char *s, size_t n)
{
    if (t->oom)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        char *p;
        while (cap < t->len + n + 1)
            cap *= 2;
        p = realloc(t->p, cap);
        if (!p) {
            t->oom = 1;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

void mmr__text_puts(mmr_text *t, const char *s) { mmr__text_put(t, s, strlen(s)); }

void mmr__text_json_string(mmr_text *t, const char *s, size_t n)
{
    size_t i, start = 0;
    mmr__text_put(t, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        mmr__text_put(t, s + start, i - start);
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            esc[2] = '\0';
        } else {
            snprintf(esc, sizeof esc, "\\u%04x", c);
        }
        mmr__text_puts(t, esc);
        start = i + 1;
    }
    mmr__text_put(t, s + start, n - start);
    mmr__text_put(t, "\"", 1);
}

static void put_float(mmr_text *t, double v)
{
    char buf[32];
    if (isnan(v))
        mmr__text_puts(t, "\"NaN\"");
    else if (isinf(v))
        mmr__text_puts(t, v < 0 ? "\"-Infinity\"" : "\"Infinity\"");
    else
        mmr__text_put(t, buf, mmr_float_repr(v, buf));
}

static void put_value(mmr_text *t, const mmr_field *f)
{
    char buf[32];
    switch (f->kind) {
    case MMR_INT:
        snprintf(buf, sizeof buf, "%" PRId64, f->v.i);
        mmr__text_puts(t, buf);
        break;
    case MMR_UINT:
        snprintf(buf, sizeof buf, "%" PRIu64, f->v.u);
        mmr__text_puts(t, buf);
        break;
    case MMR_FLOAT32:
    case MMR_FLOAT64:
        put_float(t, f->v.d);
        break;
    case MMR_BOOL:
        mmr__text_puts(t, f->v.b ? "true" : "false");
        break;
    case MMR_STRING:
        mmr__text_json_string(t, f->str ? f->str : "", f->str ? f->str_len : 0);
        break;
    case MMR_HISTOGRAM: {
        /* cumulative counts; the last bucket (+Inf) is the count */
        uint64_t running = 0;
        size_t b;
        for (b = 0; b <= f->bound_count; b++)
            running += f->buckets[b];
        snprintf(buf, sizeof buf, "%" PRIu64, running);
        mmr__text_puts(t, "{\"count\": ");
        mmr__text_puts(t, buf);
        mmr__text_puts(t, ", \"sum\": ");
        put_float(t, f->hist_sum);
        mmr__text_puts(t, ", \"buckets\": [");
        running = 0;
        for (b = 0; b <= f->bound_count; b++) {
            running += f->buckets[b];
            mmr__text_puts(t, b ? ", {\"le\": " : "{\"le\": ");
            if (b < f->bound_count)
                put_float(t, f->bounds[b]);
            else
                mmr__text_puts(t, "\"Infinity\"");
            snprintf(buf, sizeof buf, "%" PRIu64, running);
            mmr__text_puts(t, ", \"count\": ");
            mmr__text_puts(t, buf);
            mmr__text_puts(t, "}");
        }
        mmr__text_puts(t, "]}");
        break;
    }
    }
}

static void put_uint(mmr_text *t, const char *key, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    mmr__text_puts(t, key);
    mmr__text_puts(t, buf);
}

static const char *const v2_state_names[] = {"creating", "ready", "closed"};

/* Version 2: the header values and each field's kind, unit, help and attributes. */
static void put_v2(mmr_text *t, const mmr_file *f)
{
    size_t i, k;
    put_uint(t, ", \"minor\": ", f->v2.minor);
    mmr__text_puts(t, ", \"state\": ");
    mmr__text_json_string(t, v2_state_names[f->v2.state < 3 ? f->v2.state : 0],
                          strlen(v2_state_names[f->v2.state < 3 ? f->v2.state : 0]));
    put_uint(t, ", \"pid\": ", f->v2.pid);
    put_uint(t, ", \"start_ticks\": ", f->v2.start_ticks);
    put_uint(t, ", \"created_unix_ns\": ", f->v2.created_unix_ns);
    put_uint(t, ", \"heartbeat_unix_ns\": ", f->v2.heartbeat_unix_ns);
    put_uint(t, ", \"heartbeat_interval_ms\": ", f->v2.heartbeat_interval_ms);
    put_uint(t, ", \"overflow_count\": ", f->v2.overflow_count);
    mmr__text_puts(t, ", \"fields\": [");
    for (i = 0; i < f->count; i++) {
        const mmr_field *fd = &f->fields[i];
        mmr__text_puts(t, i ? ", {\"label\": " : "{\"label\": ");
        mmr__text_json_string(t, fd->label, fd->label_len);
        mmr__text_puts(t, ", \"kind\": ");
        mmr__text_json_string(t, fd->kind_name, strlen(fd->kind_name));
        mmr__text_puts(t, ", \"type\": ");
        mmr__text_json_string(t, fd->type, strlen(fd->type));
        mmr__text_puts(t, ", \"unit\": ");
        mmr__text_json_string(t, fd->unit, fd->unit_len);
        mmr__text_puts(t, ", \"help\": ");
        mmr__text_json_string(t, fd->help, fd->help_len);
        mmr__text_puts(t, ", \"attributes\": {");
        for (k = 0; k < fd->attr_count; k++) {
            if (k)
                mmr__text_puts(t, ", ");
            mmr__text_json_string(t, fd->attrs[k].key, fd->attrs[k].key_len);
            mmr__text_puts(t, ": ");
            mmr__text_json_string(t, fd->attrs[k].value, fd->attrs[k].value_len);
        }
        mmr__text_puts(t, "}, \"value\": ");
        if (fd->is_null)
            mmr__text_puts(t, "null");
        else
            put_value(t, fd);
        mmr__text_puts(t, "}");
    }
    mmr__text_puts(t, "]");
}

char *mmr_canonical_json(const char *path, const mmr_file *f, size_t *len)
{
    mmr_text t = {0};
    size_t i, n = strlen(path);
    char *clean = malloc(3 * n + 1), num[24];
    if (!clean)
        return NULL;
    mmr_utf8_replace((const unsigned char *)path, n, clean);
    mmr__text_puts(&t, "{\"path\": ");
    mmr__text_json_string(&t, clean, strlen(clean));
    free(clean);
    snprintf(num, sizeof num, "%d", f->format_version);
    mmr__text_puts(&t, ", \"format_version\": ");
    mmr__text_puts(&t, num);
    if (f->format_version == 2) {
        put_v2(&t, f);
        mmr__text_puts(&t, "}");
        goto done;
    }
    mmr__text_puts(&t, ", \"fields\": [");
    for (i = 0; i < f->count; i++) {
        const mmr_field *fd = &f->fields[i];
        mmr__text_puts(&t, i ? ", {\"label\": " : "{\"label\": ");
        mmr__text_json_string(&t, fd->label, fd->label_len);
        mmr__text_puts(&t, ", \"type\": ");
        mmr__text_json_string(&t, fd->type, strlen(fd->type));
        mmr__text_puts(&t, fd->buffered ? ", \"buffered\": true, \"value\": " : ", \"buffered\": false, \"value\": ");
        put_value(&t, fd);
        mmr__text_puts(&t, "}");
    }
    mmr__text_puts(&t, "]}");
done:
    if (t.oom) {
        free(t.p);
        return NULL;
    }
    if (len)
        *len = t.len;
    return t.p;
}
