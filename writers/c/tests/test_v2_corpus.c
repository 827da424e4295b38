/* test_v2_corpus.c -- the bytes of every kind against the v2 corpus: each case's
 * canonical JSON (conformance/v2/valid/.../NAME.json) is written again through the
 * public API, and the file must equal NAME.mmstats byte for byte, but for what a
 * live writer cannot share with a file made by the corpus generator: pid, start
 * ticks and creation time, slots_used, and which slot the values are in (the
 * corpus has them in slot 0, this thread owns slot 1). */
#define _POSIX_C_SOURCE 200809L

#include "check.h"
#include "v2_peek.h"
#include "../json.h"
#include "../mmstats_v2.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CORPUS_V2_DIR
#error "build with -DCORPUS_V2_DIR=<repo>/conformance/v2/valid"
#endif

static char *read_text(const char *path, size_t *len)
{
    return (char *)read_file(path, len);
}

static double number_of(const mmjson_value *v)
{
    if (v->type == MMJSON_STRING)
        return strcmp(v->str, "NaN") == 0 ? (double)NAN : strcmp(v->str, "Infinity") == 0 ? (double)INFINITY
                                                                                             : -(double)INFINITY;
    return v->number;
}

static const char *const kinds[] = {"", "counter", "gauge", "updown_counter", "constant", "string", "histogram"};
static const char *const types[] = {"", "u64", "i64", "f64", "utf8"};

static unsigned code(const char *const *names, unsigned n, const mmjson_value *v)
{
    unsigned i;
    for (i = 1; i < n; i++)
        if (v && strcmp(names[i], v->str) == 0)
            return i;
    return 0;
}

/* Register one canonical field and bring it to its value; 1 if that took a slotted update. */
static int write_field(const char *id, mmstats_v2_file *f, const unsigned char *corpus, const mmjson_value *jf)
{
    const mmjson_value *label = mmjson_get(jf, "label"), *value = mmjson_get(jf, "value");
    const mmjson_value *attrs = mmjson_get(jf, "attributes");
    mmstats_v2_attribute a[16];
    mmstats_v2_options o;
    mmstats_v2_desc d;
    mmstats_v2_field *fd;
    double bounds[32];
    peek_entry ce;
    size_t i;
    memset(&o, 0, sizeof o);
    memset(&d, 0, sizeof d);
    o.unit = mmjson_get(jf, "unit")->str;
    o.help = mmjson_get(jf, "help")->str;
    o.help_len = mmjson_get(jf, "help")->len;
    for (i = 0; i < attrs->count && i < 16; i++) {
        a[i].key = attrs->members[i].key;
        a[i].key_len = attrs->members[i].key_len;
        a[i].value = attrs->members[i].value.str;
        a[i].value_len = attrs->members[i].value.len;
    }
    o.attributes = a;
    o.attribute_count = attrs->count;
    d.name = label->str;
    d.name_len = label->len;
    d.kind = (mmstats_v2_kind)code(kinds, 7, mmjson_get(jf, "kind"));
    d.value_type = (mmstats_v2_value_type)code(types, 5, mmjson_get(jf, "type"));
    d.options = &o;
    if (d.value_type == MMSTATS_V2_UTF8) { /* the capacity is not in the canonical form: the corpus's */
        if (peek_find(corpus, label->str, &ce)) {
            check_fail(__FILE__, __LINE__, "%s: no entry %s in the corpus file", id, label->str);
            return 0;
        }
        d.capacity = ce.value_size - 16;
        /* a text at seq 0 was written before publication: the initial value */
        if (d.kind == MMSTATS_V2_STRING && peek_process_word(corpus, &ce, 0) == 0) {
            d.initial_text = value->str;
            d.initial_text_len = value->len;
        }
    }
    if (d.kind == MMSTATS_V2_CONSTANT) {
        if (d.value_type == MMSTATS_V2_UTF8) {
            d.initial_text = value->str;
            d.initial_text_len = value->len;
        } else if (d.value_type == MMSTATS_V2_F64) {
            d.initial_bits = mmstats_v2__f64_bits(number_of(value));
        } else {
            d.initial_bits = mmjson_int_mod64(value);
        }
    }
    if (d.kind == MMSTATS_V2_HISTOGRAM) {
        const mmjson_value *b = mmjson_get(value, "buckets");
        for (i = 0; i + 1 < b->count && i < 32; i++)
            bounds[i] = number_of(mmjson_get(&b->items[i], "le"));
        d.bounds = bounds;
        d.bound_count = b->count - 1;
    }
    fd = mmstats_v2_add_field(f, &d, NULL);
    CHECK_MSG(fd && mmstats_v2_published(fd), "%s: field %s not added", id, label->str);
    if (!fd)
        return 0;
    switch (d.kind) {
    case MMSTATS_V2_COUNTER:
        if (d.value_type == MMSTATS_V2_F64)
            mmstats_v2_counter_add_f64((mmstats_v2_counter *)(void *)fd, number_of(value));
        else
            mmstats_v2_counter_add((mmstats_v2_counter *)(void *)fd, mmjson_int_mod64(value));
        break;
    case MMSTATS_V2_UPDOWN_COUNTER:
        if (d.value_type == MMSTATS_V2_F64)
            mmstats_v2_updown_add_f64((mmstats_v2_updown *)(void *)fd, number_of(value));
        else
            mmstats_v2_updown_add((mmstats_v2_updown *)(void *)fd, (int64_t)mmjson_int_mod64(value));
        break;
    case MMSTATS_V2_GAUGE:
        if (d.value_type == MMSTATS_V2_F64)
            mmstats_v2_gauge_set_f64((mmstats_v2_gauge *)(void *)fd, number_of(value));
        else
            mmstats_v2_gauge_set_u64((mmstats_v2_gauge *)(void *)fd, mmjson_int_mod64(value));
        break;
    case MMSTATS_V2_STRING:
        if (!d.initial_text)
            mmstats_v2_string_set_n((mmstats_v2_string *)(void *)fd, value->str, value->len);
        break;
    case MMSTATS_V2_HISTOGRAM: { /* the cases have one non-empty bucket: observe sum/count there */
        const mmjson_value *b = mmjson_get(value, "buckets");
        uint64_t count = mmjson_get(value, "count")->magnitude, prev = 0, nonempty = 0;
        double sum = number_of(mmjson_get(value, "sum"));
        for (i = 0; i < b->count; i++) {
            uint64_t c = mmjson_get(&b->items[i], "count")->magnitude;
            nonempty += c != prev;
            prev = c;
        }
        CHECK_MSG(nonempty <= 1, "%s: histogram %s has several non-empty buckets", id, label->str);
        for (i = 0; i < count; i++)
            mmstats_v2_histogram_observe((mmstats_v2_histogram *)(void *)fd, sum / (double)count);
        break;
    }
    case MMSTATS_V2_CONSTANT:
        break;
    }
    return d.kind == MMSTATS_V2_COUNTER || d.kind == MMSTATS_V2_UPDOWN_COUNTER || d.kind == MMSTATS_V2_HISTOGRAM;
}

/* A histogram's sequence counts its observations here (2 each); the generator's files
 * may state another even number. Check ours, then take the corpus's for the byte check. */
static void align_histogram_seqs(const char *id, unsigned char *mine, const unsigned char *corpus, size_t slot)
{
    uint32_t count = peek_u32(corpus, PEEK_FIELD_COUNT), i;
    size_t at = peek_u32(corpus, PEEK_META_OFFSET);
    for (i = 0; i < count; i++) {
        const unsigned char *e = corpus + at;
        if (e[4] == 6) {
            size_t seq = peek_u32(corpus, PEEK_SLOTS_OFFSET) + slot + peek_u32(corpus, at + 8);
            uint64_t n = 0, k, buckets = peek_u32(corpus, at + 24) / 8 + 1;
            for (k = 0; k < buckets; k++)
                n += peek_u64(mine, seq + 16 + 8 * k);
            CHECK_MSG(peek_u64(mine, seq) == 2 * n, "%s: histogram seq %llu after %llu observations", id,
                      (unsigned long long)peek_u64(mine, seq), (unsigned long long)n);
            memcpy(mine + seq, corpus + seq - slot, 8);
        }
        at += peek_u32(corpus, at);
    }
}

static void same(const char *id, const unsigned char *got, const unsigned char *want, size_t from, size_t to,
                 const char *what)
{
    char label[160];
    snprintf(label, sizeof label, "%s: %s (bytes %zu to %zu)", id, what, from, to);
    CHECK_BYTES(got + from, want + from, to - from, label);
}

static void check_case(const char *id)
{
    char path[1024];
    unsigned char *want;
    char *json;
    size_t want_len = 0, json_len = 0;
    mmjson_value root;
    mmjson_error jerr;
    mmstats_v2_config cfg;
    mmstats_v2_file *f;
    mmstats_error err;
    const unsigned char *got;
    const mmjson_value *fields;
    size_t i, slots_offset, slot_size;
    unsigned char *copy;
    int slotted = 0;

    snprintf(path, sizeof path, "%s/%s.mmstats", CORPUS_V2_DIR, id);
    want = read_file(path, &want_len);
    snprintf(path, sizeof path, "%s/%s.json", CORPUS_V2_DIR, id);
    json = read_text(path, &json_len);
    if (!want || !json || mmjson_parse(json, json_len, &root, &jerr)) {
        check_fail(__FILE__, __LINE__, "%s: corpus case missing or unreadable (%s)", id, path);
        free(want);
        free(json);
        return;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.path = tmp_path("corpus.mmstats");
    cfg.meta_capacity = peek_u32(want, 60);
    cfg.process_capacity = peek_u32(want, 68);
    cfg.slot_size = peek_u32(want, 76);
    cfg.slot_count = peek_u32(want, 80);
    f = mmstats_v2_open(&cfg, &err);
    CHECK_MSG(f != NULL, "%s: %s", id, err.message);
    if (f) {
        fields = mmjson_get(&root, "fields");
        for (i = 0; i < fields->count; i++)
            slotted |= write_field(id, f, want, &fields->items[i]);
        got = mmstats_v2_map(f);
        slots_offset = peek_u32(want, PEEK_SLOTS_OFFSET);
        slot_size = peek_u32(want, PEEK_SLOT_SIZE);
        CHECK_MSG(mmstats_v2_size(f) == want_len, "%s: size %zu, want %zu", id, mmstats_v2_size(f), want_len);
        /* this thread took slot 1 if it made a slotted update; the generator wrote slot 0 only */
        CHECK_MSG(peek_u32(got, PEEK_SLOTS_USED) == 1u + (unsigned)slotted, "%s: slots_used %u", id,
                  peek_u32(got, PEEK_SLOTS_USED));
        CHECK(peek_u32(want, PEEK_SLOTS_USED) == 1);
        copy = malloc(want_len);
        if (copy && mmstats_v2_size(f) == want_len) {
            memcpy(copy, got, want_len);
            got = copy;
            align_histogram_seqs(id, copy, want, slot_size);
            same(id, got, want, 0, PEEK_PID, "version, magic, minor, header_size, state");
            same(id, got, want, PEEK_HEARTBEAT, PEEK_SLOTS_USED, "heartbeat, sizes, regions");
            same(id, got, want, PEEK_FIELD_COUNT, 128, "field_count, overflow_count, reserved");
            same(id, got, want, 128, slots_offset, "entries and the process area");
            CHECK_BYTES(got + slots_offset + slot_size, want + slots_offset, slot_size, "slot 1 = the corpus slot 0");
            CHECK_BYTES(got + slots_offset, want + slots_offset + slot_size, slot_size, "slot 0 = zeros");
            same(id, got, want, slots_offset + 2 * slot_size, want_len, "the other slots and the rest");
        }
        free(copy);
        mmstats_v2_close(f);
    }
    mmjson_free(&root);
    free(want);
    free(json);
}

static void test_v2_each_kind_matches_the_corpus_bytes(void)
{
    static const char *const cases[] = {
        "kinds/all", "kinds/constant-f64", "kinds/constant-i64", "kinds/constant-u64", "kinds/constant-utf8",
        "kinds/counter-f64", "kinds/counter-u64", "kinds/gauge-f64", "kinds/gauge-i64", "kinds/gauge-u64",
        "kinds/histogram-no-bounds", "kinds/string", "kinds/updown-f64", "kinds/updown-i64",
        "attributes/several", "attributes/empty-value-unicode", "attributes/same-name", "text/unicode",
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof *cases; i++)
        check_case(cases[i]);
}

void run_v2_corpus_tests(void)
{
    RUN(test_v2_each_kind_matches_the_corpus_bytes);
}
