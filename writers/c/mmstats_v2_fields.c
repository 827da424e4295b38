/* mmstats_v2_fields.c -- registering a field (spec/v2.md "Metadata entries",
 * "Adding a field at run time"): check the description, place the value,
 * write the entry and the initial value, then release-store field_count. A
 * field that does not fit is counted in overflow_count and works unpublished. */
#define _GNU_SOURCE

#include "mmstats_v2_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define U16_MAX 0xFFFFu
#define MAX_BOUNDS 536870911u /* extra_size = 8 n fits a u32 */

/* The sizes of one entry's variable parts. */
typedef struct entry_plan {
    size_t name, unit, help, attributes, extra; /* bytes */
    size_t value_size;
    size_t entry_size;
} entry_plan;

static size_t len_or_strlen(const char *s, size_t len)
{
    return s ? (len ? len : strlen(s)) : 0;
}

/* 0 if s[0..len) is well-formed UTF-8 (the v1 rule), else 1 + offset of the first bad byte. */
static size_t utf8_bad_at(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n = mmstats_utf8_sequence_len((const unsigned char *)s + i, len - i);
        if (!n)
            return i + 1;
        i += n;
    }
    return 0;
}

/* A name shortened for messages: at most 40 bytes, cut on a UTF-8 boundary. */
static int shown(const char *s, size_t len)
{
    return (int)mmstats_utf8_cut(s, len, 40);
}

static int kind_allows(mmstats_v2_kind kind, mmstats_v2_value_type t)
{
    switch (kind) {
    case MMSTATS_V2_COUNTER: return t == MMSTATS_V2_U64 || t == MMSTATS_V2_F64;
    case MMSTATS_V2_GAUGE: return t == MMSTATS_V2_U64 || t == MMSTATS_V2_I64 || t == MMSTATS_V2_F64;
    case MMSTATS_V2_UPDOWN_COUNTER: return t == MMSTATS_V2_I64 || t == MMSTATS_V2_F64;
    case MMSTATS_V2_CONSTANT:
        return t == MMSTATS_V2_U64 || t == MMSTATS_V2_I64 || t == MMSTATS_V2_F64 || t == MMSTATS_V2_UTF8;
    case MMSTATS_V2_STRING: return t == MMSTATS_V2_UTF8;
    case MMSTATS_V2_HISTOGRAM: return t == MMSTATS_V2_F64;
    }
    return 0;
}

static int slotted(mmstats_v2_kind kind)
{
    return kind == MMSTATS_V2_COUNTER || kind == MMSTATS_V2_UPDOWN_COUNTER || kind == MMSTATS_V2_HISTOGRAM;
}

/* Check d and size its entry. 0, or -1 with *err filled (EINVAL) naming the field. */
static int check(const mmstats_v2_file *f, const mmstats_v2_desc *d, entry_plan *p, mmstats_error *err)
{
    static const mmstats_v2_options none;
    const mmstats_v2_options *o = d->options ? d->options : &none;
    const char *name = d->name ? d->name : "";
    size_t i, j, bad;

#define FAIL(...)                                                                                        \
    do {                                                                                                 \
        char what_[256];                                                                                 \
        snprintf(what_, sizeof what_, __VA_ARGS__);                                                      \
        mmstats__set_error(err, EINVAL, "%s: field \"%.*s\": %s", f->path, shown(name, p->name), name, what_);          \
        return -1;                                                                                       \
    } while (0)

    memset(p, 0, sizeof *p);
    p->name = len_or_strlen(name, d->name_len);
    if (p->name == 0 || p->name > U16_MAX)
        FAIL("a name is 1 to 65535 bytes, not %zu", p->name);
    if ((bad = utf8_bad_at(name, p->name)))
        FAIL("the name is not UTF-8 (byte %zu)", bad - 1);
    if (!kind_allows(d->kind, d->value_type))
        FAIL("kind %d does not take value type %d", (int)d->kind, (int)d->value_type);
    p->unit = len_or_strlen(o->unit, 0);
    if (p->unit > MMSTATS_V2_UNIT_MAX)
        FAIL("a unit is at most %d bytes, not %zu", MMSTATS_V2_UNIT_MAX, p->unit);
    for (i = 0; i < p->unit; i++)
        if ((unsigned char)o->unit[i] < 0x21 || (unsigned char)o->unit[i] > 0x7e)
            FAIL("unit byte %zu is 0x%02x, not printable ASCII without spaces", i, (unsigned char)o->unit[i]);
    p->help = len_or_strlen(o->help, o->help_len);
    if (p->help > U16_MAX)
        FAIL("help is at most 65535 bytes, not %zu", p->help);
    if ((bad = utf8_bad_at(o->help, p->help)))
        FAIL("the help is not UTF-8 (byte %zu)", bad - 1);
    for (i = 0; i < o->attribute_count; i++) {
        const mmstats_v2_attribute *a = &o->attributes[i];
        size_t k = len_or_strlen(a->key, a->key_len), v = len_or_strlen(a->value, a->value_len);
        if (k == 0 || k > U16_MAX || v > U16_MAX)
            FAIL("attribute %zu: a key is 1 to 65535 bytes and a value at most 65535", i);
        if ((bad = utf8_bad_at(a->key, k)) || (bad = utf8_bad_at(a->value, v)))
            FAIL("attribute %zu is not UTF-8 (byte %zu)", i, bad - 1);
        for (j = 0; j < i; j++) {
            const mmstats_v2_attribute *b = &o->attributes[j];
            if (len_or_strlen(b->key, b->key_len) == k && memcmp(b->key, a->key, k) == 0)
                FAIL("attribute %zu repeats the key of attribute %zu", i, j);
        }
        p->attributes += 4 + k + v;
    }
    if (p->attributes > U16_MAX)
        FAIL("the attributes take %zu bytes, more than 65535", p->attributes);
    if (d->kind == MMSTATS_V2_HISTOGRAM) {
        if (d->bound_count > MAX_BOUNDS || (d->bound_count && !d->bounds))
            FAIL("%zu bounds", d->bound_count);
        for (i = 0; i < d->bound_count; i++)
            if (!isfinite(d->bounds[i]) || (i && !(d->bounds[i] > d->bounds[i - 1])))
                FAIL("bound %zu is not finite or not greater than the bound before it", i);
        p->extra = 8 * d->bound_count;
        p->value_size = MMSTATS_V2_HISTOGRAM_VALUE_SIZE(d->bound_count);
    } else if (d->value_type == MMSTATS_V2_UTF8) {
        size_t text = len_or_strlen(d->initial_text, d->initial_text_len);
        size_t cap = d->capacity ? d->capacity : (d->kind == MMSTATS_V2_CONSTANT ? text : 0);
        if ((bad = utf8_bad_at(d->initial_text, text)))
            FAIL("the initial text is not UTF-8 (byte %zu)", bad - 1);
        if (cap > UINT32_MAX - MMSTATS_V2_STRING_TEXT_OFFSET - 7)
            FAIL("a capacity of %zu bytes is too large", cap);
        p->value_size = MMSTATS_V2_STRING_VALUE_SIZE(round_up8(cap));
    } else {
        p->value_size = MMSTATS_V2_NUMBER_SIZE;
    }
    p->entry_size = round_up8(MMSTATS_V2_ENTRY_FIXED_SIZE + p->name + p->unit + p->help + p->attributes) + p->extra;
#undef FAIL
    return 0;
}

/* Write the entry at e (zeros, never published before). */
static void write_entry(unsigned char *e, const mmstats_v2_desc *d, const entry_plan *p, uint32_t value_offset)
{
    const mmstats_v2_options *o = d->options;
    unsigned char *q = e + MMSTATS_V2_ENTRY_NAME_OFFSET;
    size_t i;
    v2_put_u32(e + MMSTATS_V2_ENTRY_SIZE_OFFSET, (uint32_t)p->entry_size);
    e[MMSTATS_V2_ENTRY_KIND_OFFSET] = (unsigned char)d->kind;
    e[MMSTATS_V2_ENTRY_VALUE_TYPE_OFFSET] = (unsigned char)d->value_type;
    v2_put_u32(e + MMSTATS_V2_ENTRY_VALUE_OFFSET_OFFSET, value_offset);
    v2_put_u32(e + MMSTATS_V2_ENTRY_VALUE_SIZE_OFFSET, (uint32_t)p->value_size);
    v2_put_u16(e + MMSTATS_V2_ENTRY_NAME_SIZE_OFFSET, (uint32_t)p->name);
    v2_put_u16(e + MMSTATS_V2_ENTRY_UNIT_SIZE_OFFSET, (uint32_t)p->unit);
    v2_put_u16(e + MMSTATS_V2_ENTRY_HELP_SIZE_OFFSET, (uint32_t)p->help);
    v2_put_u16(e + MMSTATS_V2_ENTRY_ATTRIBUTES_SIZE_OFFSET, (uint32_t)p->attributes);
    v2_put_u32(e + MMSTATS_V2_ENTRY_EXTRA_SIZE_OFFSET, (uint32_t)p->extra);
    memcpy(q, d->name, p->name);
    q += p->name;
    if (p->unit)
        memcpy(q, o->unit, p->unit);
    q += p->unit;
    if (p->help)
        memcpy(q, o->help, p->help);
    q += p->help;
    for (i = 0; o && i < o->attribute_count; i++) {
        const mmstats_v2_attribute *a = &o->attributes[i];
        size_t k = len_or_strlen(a->key, a->key_len), v = len_or_strlen(a->value, a->value_len);
        v2_put_u16(q, (uint32_t)k);
        memcpy(q + 2, a->key, k);
        v2_put_u16(q + 2 + k, (uint32_t)v);
        if (v)
            memcpy(q + 4 + k, a->value, v);
        q += 4 + k + v;
    }
    if (p->extra)
        memcpy(e + p->entry_size - p->extra, d->bounds, p->extra); /* extra ends the entry: no tail */
}

/* The initial value of a one-copy value (zeros before): a constant's or gauge's
 * number, a text with seq 0. */
static void write_initial(unsigned char *value, const mmstats_v2_desc *d, uint32_t capacity)
{
    if (d->value_type == MMSTATS_V2_UTF8) {
        size_t len = len_or_strlen(d->initial_text, d->initial_text_len);
        len = mmstats_utf8_cut(d->initial_text, len, capacity);
        v2_put_u32(value + MMSTATS_V2_STRING_LENGTH_OFFSET, (uint32_t)len);
        if (len)
            memcpy(value + MMSTATS_V2_STRING_TEXT_OFFSET, d->initial_text, len);
    } else if (d->kind == MMSTATS_V2_CONSTANT || d->kind == MMSTATS_V2_GAUGE) {
        v2_put_u64(value, d->initial_bits);
    }
}

/* Room for the value in its area: its offset there, or -1 when the file is full. */
static int64_t place(uint32_t *used, uint32_t capacity, size_t value_size)
{
    uint64_t at = *used; /* a multiple of 8: every value size is */
    if (at + value_size > capacity)
        return -1;
    *used = (uint32_t)(at + value_size);
    return (int64_t)at;
}

mmstats_v2_field *mmstats_v2_add_field(mmstats_v2_file *f, const mmstats_v2_desc *d, mmstats_error *err)
{
    entry_plan p;
    v2_handle *h;
    mmstats_v2_field *fd;
    int is_slotted = slotted(d->kind);
    size_t private_size, bounds_at;
    int64_t at = -1;

    if (check(f, d, &p, err))
        return NULL;
    /* one block: the handle, then the bounds, then room for a private value (if full) */
    bounds_at = round_up8(sizeof *h);
    private_size = p.value_size;
    h = calloc(1, bounds_at + p.extra + private_size);
    if (!h) {
        mmstats__set_error(err, ENOMEM, "%s: field \"%.*s\": %s", f->path, shown(d->name, p.name), d->name, strerror(ENOMEM));
        return NULL;
    }
    fd = &h->field;
    fd->file = f;
    fd->file_id = f->id;
    fd->kind = (uint32_t)d->kind;
    fd->value_type = (uint32_t)d->value_type;
    fd->capacity = d->value_type == MMSTATS_V2_UTF8 ? (uint32_t)(p.value_size - MMSTATS_V2_STRING_TEXT_OFFSET) : 0;
    fd->bound_count = (uint32_t)d->bound_count;
    if (p.extra) {
        memcpy((unsigned char *)h + bounds_at, d->bounds, p.extra);
        fd->bounds = (const double *)(const void *)((unsigned char *)h + bounds_at);
    }

    pthread_mutex_lock(&f->lock);
    if (f->meta_used + p.entry_size <= f->meta_capacity)
        at = is_slotted ? place(&f->slot_used, f->slot_size, p.value_size)
                        : place(&f->process_used, f->process_capacity, p.value_size);
    if (at < 0) { /* full: count it, publish nothing, work on private memory */
        f->overflow_count++;
        __atomic_store_n(v2_u32(f->map + MMSTATS_V2_OVERFLOW_COUNT_OFFSET), f->overflow_count, __ATOMIC_RELAXED);
        fd->value = (unsigned char *)h + bounds_at + p.extra;
        write_initial(fd->value, d, fd->capacity);
        fd->file_id = MMSTATS_V2__NO_FILE; /* slotted kinds: every thread takes the view below */
        fd->key = v2_field_key(MMSTATS_V2__NO_TAG, 0);
        fd->unpublished.file_id = MMSTATS_V2__NO_FILE;
        fd->unpublished.base = fd->value;
        fd->unpublished.shared = 1;
        if (!f->quiet && !f->overflow_logged)
            fprintf(stderr, "mmstats: %s: file full: fields added from now on are not published "
                            "(counted in overflow_count)\n", f->path);
        f->overflow_logged = 1;
    } else {
        fd->published = 1;
        fd->offset = (uint32_t)at;
        fd->key = v2_field_key(f->tag, (uint32_t)at);
        write_entry(f->map + f->meta_offset + f->meta_used, d, &p, (uint32_t)at);
        if (!is_slotted) {
            fd->value = f->map + f->process_offset + at;
            write_initial(fd->value, d, fd->capacity);
        }
        f->meta_used += (uint32_t)p.entry_size;
        f->field_count++;
        __atomic_store_n(v2_u32(f->map + MMSTATS_V2_FIELD_COUNT_OFFSET), f->field_count, __ATOMIC_RELEASE);
    }
    h->next = f->handles;
    f->handles = h;
    pthread_mutex_unlock(&f->lock);
    return fd;
}

/* ---- one function per kind ---- */

static mmstats_v2_field *add(mmstats_v2_file *f, const char *name, mmstats_v2_kind kind, mmstats_v2_value_type t,
                             const mmstats_v2_options *o, mmstats_error *err)
{
    mmstats_v2_desc d;
    memset(&d, 0, sizeof d);
    d.name = name;
    d.kind = kind;
    d.value_type = t;
    d.options = o;
    return mmstats_v2_add_field(f, &d, err);
}

/* The kind types wrap a mmstats_v2_field as their first member, so a field pointer is one of them. */
#define AS(type, field) ((type *)(void *)(field))

mmstats_v2_counter *mmstats_v2_counter_new(mmstats_v2_file *f, const char *name, mmstats_v2_value_type type,
                                           const mmstats_v2_options *o, mmstats_error *err)
{
    return AS(mmstats_v2_counter, add(f, name, MMSTATS_V2_COUNTER, type, o, err));
}

mmstats_v2_updown *mmstats_v2_updown_new(mmstats_v2_file *f, const char *name, mmstats_v2_value_type type,
                                         const mmstats_v2_options *o, mmstats_error *err)
{
    return AS(mmstats_v2_updown, add(f, name, MMSTATS_V2_UPDOWN_COUNTER, type, o, err));
}

mmstats_v2_gauge *mmstats_v2_gauge_new(mmstats_v2_file *f, const char *name, mmstats_v2_value_type type,
                                       const mmstats_v2_options *o, mmstats_error *err)
{
    return AS(mmstats_v2_gauge, add(f, name, MMSTATS_V2_GAUGE, type, o, err));
}

mmstats_v2_string *mmstats_v2_string_new(mmstats_v2_file *f, const char *name, size_t capacity,
                                         const char *initial, const mmstats_v2_options *o, mmstats_error *err)
{
    mmstats_v2_desc d;
    memset(&d, 0, sizeof d);
    d.name = name;
    d.kind = MMSTATS_V2_STRING;
    d.value_type = MMSTATS_V2_UTF8;
    d.options = o;
    d.capacity = capacity;
    d.initial_text = initial;
    return AS(mmstats_v2_string, mmstats_v2_add_field(f, &d, err));
}

mmstats_v2_histogram *mmstats_v2_histogram_new(mmstats_v2_file *f, const char *name, const double *bounds,
                                               size_t bound_count, const mmstats_v2_options *o,
                                               mmstats_error *err)
{
    mmstats_v2_desc d;
    memset(&d, 0, sizeof d);
    d.name = name;
    d.kind = MMSTATS_V2_HISTOGRAM;
    d.value_type = MMSTATS_V2_F64;
    d.options = o;
    d.bounds = bounds;
    d.bound_count = bound_count;
    return AS(mmstats_v2_histogram, mmstats_v2_add_field(f, &d, err));
}

static mmstats_v2_constant *constant(mmstats_v2_file *f, const char *name, mmstats_v2_value_type t, uint64_t bits,
                                     const char *text, const mmstats_v2_options *o, mmstats_error *err)
{
    mmstats_v2_desc d;
    memset(&d, 0, sizeof d);
    d.name = name;
    d.kind = MMSTATS_V2_CONSTANT;
    d.value_type = t;
    d.options = o;
    d.initial_bits = bits;
    d.initial_text = text;
    return AS(mmstats_v2_constant, mmstats_v2_add_field(f, &d, err));
}

mmstats_v2_constant *mmstats_v2_constant_u64(mmstats_v2_file *f, const char *name, uint64_t v,
                                             const mmstats_v2_options *o, mmstats_error *err)
{
    return constant(f, name, MMSTATS_V2_U64, v, NULL, o, err);
}

mmstats_v2_constant *mmstats_v2_constant_i64(mmstats_v2_file *f, const char *name, int64_t v,
                                             const mmstats_v2_options *o, mmstats_error *err)
{
    return constant(f, name, MMSTATS_V2_I64, (uint64_t)v, NULL, o, err);
}

mmstats_v2_constant *mmstats_v2_constant_f64(mmstats_v2_file *f, const char *name, double v,
                                             const mmstats_v2_options *o, mmstats_error *err)
{
    return constant(f, name, MMSTATS_V2_F64, mmstats_v2__f64_bits(v), NULL, o, err);
}

mmstats_v2_constant *mmstats_v2_constant_text(mmstats_v2_file *f, const char *name, const char *text,
                                              const mmstats_v2_options *o, mmstats_error *err)
{
    return constant(f, name, MMSTATS_V2_UTF8, 0, text ? text : "", o, err);
}
