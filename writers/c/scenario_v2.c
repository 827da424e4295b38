/* scenario_v2.c -- version 2 writer-scenario JSON -> field descriptions and checked updates. */
#include "scenario_v2.h"
#include "scenario.h" /* scenario_ctx, scenario_bad, scenario_need */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names as the scenarios spell them, in code order. */
static const char *const kind_names[] = {NULL, "counter", "gauge", "updown_counter", "constant", "string",
                                         "histogram"};
static const char *const type_names[] = {NULL, "u64", "i64", "f64", "utf8"};

static int code_of(const char *const *names, size_t n, const mmjson_value *v)
{
    size_t i;
    for (i = 1; i < n; i++)
        if (strlen(names[i]) == v->len && memcmp(names[i], v->str, v->len) == 0)
            return (int)i;
    return 0;
}

/* A JSON value as the value type's bits (u64, i64 modulo 2^64; f64 bits), a double, or text. */
static int decode(scenario_ctx *c, mmstats_v2_value_type t, const mmjson_value *v, scenario_v2_update *u,
                  const char *what)
{
    switch (t) {
    case MMSTATS_V2_U64:
    case MMSTATS_V2_I64:
        if (v->type != MMJSON_NUMBER || !v->is_integer)
            return scenario_bad(c, v->offset, "%s: a %s needs an integer, not %s", what, type_names[t],
                                v->type == MMJSON_NUMBER ? "a number with a fraction or exponent"
                                                         : mmjson_type_name(v->type));
        u->u = mmjson_int_mod64(v);
        return 0;
    case MMSTATS_V2_F64:
        if (v->type == MMJSON_NUMBER) {
            if (v->is_integer && isinf(v->number))
                return scenario_bad(c, v->offset, "%s: integer too large to convert to a float", what);
            u->d = v->number;
            return 0;
        }
        if (v->type == MMJSON_STRING) {
            if (strcmp(v->str, "NaN") == 0 && v->len == 3) { u->d = NAN; return 0; }
            if (strcmp(v->str, "Infinity") == 0 && v->len == 8) { u->d = INFINITY; return 0; }
            if (strcmp(v->str, "-Infinity") == 0 && v->len == 9) { u->d = -INFINITY; return 0; }
        }
        return scenario_bad(c, v->offset, "%s: an f64 needs a number or \"NaN\", \"Infinity\", \"-Infinity\", not %s",
                            what, v->type == MMJSON_STRING ? "that string" : mmjson_type_name(v->type));
    case MMSTATS_V2_UTF8:
        if (v->type != MMJSON_STRING)
            return scenario_bad(c, v->offset, "%s: a utf8 value needs a string, not %s", what,
                                mmjson_type_name(v->type));
        u->text = v->str;
        u->text_len = v->len;
        return 0;
    }
    return scenario_bad(c, v->offset, "%s: unknown value type", what);
}

/* A non-negative integer member that fits a u32 (or size_t when big), or -1. */
static int need_count(scenario_ctx *c, const mmjson_value *v, uint64_t max, uint64_t *out, const char *what)
{
    if (v->type != MMJSON_NUMBER || !v->is_integer || v->negative || v->too_big || v->magnitude > max)
        return scenario_bad(c, v->offset, "%s must be an integer from 0 to %llu", what, (unsigned long long)max);
    *out = v->magnitude;
    return 0;
}

static int load_capacities(scenario_ctx *c, scenario_v2 *sc)
{
    static const char *const names[] = {"meta_capacity", "process_capacity", "slot_size", "slot_count"};
    uint32_t *dest[4];
    const mmjson_value *caps = mmjson_get(&sc->root, "capacities");
    size_t i;
    dest[0] = &sc->config.meta_capacity;
    dest[1] = &sc->config.process_capacity;
    dest[2] = &sc->config.slot_size;
    dest[3] = &sc->config.slot_count;
    if (!caps)
        return 0; /* the writer's defaults */
    if (caps->type != MMJSON_OBJECT)
        return scenario_bad(c, caps->offset, "\"capacities\" must be an object, not %s", mmjson_type_name(caps->type));
    for (i = 0; i < 4; i++) {
        const mmjson_value *v = mmjson_get(caps, names[i]);
        uint64_t n = 0;
        char what[48];
        if (!v)
            continue;
        snprintf(what, sizeof what, "capacities.%s", names[i]);
        if (need_count(c, v, UINT32_MAX, &n, what))
            return -1;
        if (n == 0)
            return scenario_bad(c, v->offset, "%s must not be 0", what);
        *dest[i] = (uint32_t)n;
    }
    return 0;
}

/* The optional string member key of f (a missing one is ""). */
static int optional_text(scenario_ctx *c, const mmjson_value *f, const char *key, const char **out, size_t *len,
                         const char *what)
{
    const mmjson_value *v = mmjson_get(f, key);
    *out = "";
    *len = 0;
    if (!v)
        return 0;
    if (v->type != MMJSON_STRING)
        return scenario_bad(c, v->offset, "\"%s\" of %s must be a string, not %s", key, what,
                            mmjson_type_name(v->type));
    *out = v->str;
    *len = v->len;
    return 0;
}

/* Attribute and bound counts first, so that each array is allocated once. */
static int count_parts(scenario_ctx *c, const mmjson_value *list, size_t *attrs, size_t *bounds)
{
    size_t i;
    *attrs = *bounds = 0;
    for (i = 0; i < list->count; i++) {
        const mmjson_value *f = &list->items[i], *a, *b;
        if (f->type != MMJSON_OBJECT)
            return scenario_bad(c, f->offset, "fields[%zu] must be an object, not %s", i, mmjson_type_name(f->type));
        if ((a = mmjson_get(f, "attributes")) && a->type == MMJSON_OBJECT)
            *attrs += a->count;
        if ((b = mmjson_get(f, "bounds")) && b->type == MMJSON_ARRAY)
            *bounds += b->count;
    }
    return 0;
}

static int load_field(scenario_ctx *c, scenario_v2 *sc, size_t i, const mmjson_value *f, size_t *attr_at,
                      size_t *bound_at)
{
    const mmjson_value *label, *kind, *type, *v;
    mmstats_v2_desc *d = &sc->fields[i];
    mmstats_v2_options *o = &sc->options[i];
    char what[48];
    size_t k, help_len, unit_len;
    snprintf(what, sizeof what, "fields[%zu]", i);
    if (!(label = scenario_need(c, f, "label", MMJSON_STRING, what)) ||
        !(kind = scenario_need(c, f, "kind", MMJSON_STRING, what)) ||
        !(type = scenario_need(c, f, "type", MMJSON_STRING, what)))
        return -1;
    d->name = label->str;
    d->name_len = label->len;
    if (label->len == 0)
        return scenario_bad(c, label->offset, "%s: the label is empty", what);
    d->kind = (mmstats_v2_kind)code_of(kind_names, sizeof kind_names / sizeof *kind_names, kind);
    if (!d->kind)
        return scenario_bad(c, kind->offset, "%s: unknown kind \"%.40s\"", what, kind->str);
    d->value_type = (mmstats_v2_value_type)code_of(type_names, sizeof type_names / sizeof *type_names, type);
    if (!d->value_type)
        return scenario_bad(c, type->offset, "%s: unknown value type \"%.40s\"", what, type->str);
    d->options = o;
    if (optional_text(c, f, "unit", &o->unit, &unit_len, what) ||
        optional_text(c, f, "help", &o->help, &help_len, what))
        return -1;
    o->help_len = help_len;
    if (strlen(o->unit) != unit_len)
        return scenario_bad(c, f->offset, "%s: the unit holds a NUL byte", what);
    if ((v = mmjson_get(f, "attributes"))) {
        if (v->type != MMJSON_OBJECT)
            return scenario_bad(c, v->offset, "\"attributes\" of %s must be an object, not %s", what,
                                mmjson_type_name(v->type));
        o->attributes = sc->attributes + *attr_at;
        o->attribute_count = v->count;
        for (k = 0; k < v->count; k++) {
            mmstats_v2_attribute *a = &sc->attributes[(*attr_at)++];
            const mmjson_member *m = &v->members[k];
            if (m->value.type != MMJSON_STRING)
                return scenario_bad(c, m->value.offset, "%s: attribute \"%.40s\" must be a string, not %s", what,
                                    m->key, mmjson_type_name(m->value.type));
            if (m->key_len == 0)
                return scenario_bad(c, m->value.offset, "%s: an attribute key is empty", what);
            a->key = m->key;
            a->key_len = m->key_len;
            a->value = m->value.str;
            a->value_len = m->value.len;
        }
    }
    if (d->kind == MMSTATS_V2_HISTOGRAM) {
        if (!(v = scenario_need(c, f, "bounds", MMJSON_ARRAY, what)))
            return -1;
        d->bounds = sc->bounds + *bound_at;
        d->bound_count = v->count;
        for (k = 0; k < v->count; k++) {
            if (v->items[k].type != MMJSON_NUMBER)
                return scenario_bad(c, v->items[k].offset, "%s: a bound must be a number", what);
            sc->bounds[(*bound_at)++] = v->items[k].number;
        }
    }
    if ((v = mmjson_get(f, "capacity"))) {
        uint64_t n = 0;
        if (need_count(c, v, UINT32_MAX - 24, &n, "\"capacity\""))
            return -1;
        d->capacity = (size_t)n;
    }
    if ((v = mmjson_get(f, "value"))) {
        scenario_v2_update init;
        memset(&init, 0, sizeof init);
        if (decode(c, d->value_type, v, &init, what))
            return -1;
        d->initial_bits = d->value_type == MMSTATS_V2_F64 ? mmstats_v2__f64_bits(init.d) : init.u;
        d->initial_text = init.text;
        d->initial_text_len = init.text_len; /* 0 means strlen: the JSON text is NUL-terminated */
    } else if (d->kind == MMSTATS_V2_CONSTANT) {
        return scenario_bad(c, f->offset, "%s: a constant needs a \"value\"", what);
    }
    return 0;
}

/* The op a kind takes: add (counters), set (gauges, strings), observe (histograms). */
static const char *op_of(mmstats_v2_kind kind)
{
    switch (kind) {
    case MMSTATS_V2_COUNTER:
    case MMSTATS_V2_UPDOWN_COUNTER: return "add";
    case MMSTATS_V2_GAUGE:
    case MMSTATS_V2_STRING: return "set";
    case MMSTATS_V2_HISTOGRAM: return "observe";
    case MMSTATS_V2_CONSTANT: break;
    }
    return NULL;
}

static int load_updates(scenario_ctx *c, scenario_v2 *sc, const mmjson_value *list)
{
    size_t i;
    sc->updates = calloc(list->count ? list->count : 1, sizeof *sc->updates);
    if (!sc->updates)
        return scenario_bad(c, list->offset, "out of memory");
    for (i = 0; i < list->count; i++) {
        const mmjson_value *u = &list->items[i], *field, *op, *value;
        const mmstats_v2_desc *d;
        const char *want;
        uint64_t k = 0;
        char what[48];
        snprintf(what, sizeof what, "updates[%zu]", i);
        if (u->type != MMJSON_OBJECT)
            return scenario_bad(c, u->offset, "%s must be an object, not %s", what, mmjson_type_name(u->type));
        if (!(field = scenario_need(c, u, "field", -1, what)) ||
            !(op = scenario_need(c, u, "op", MMJSON_STRING, what)) ||
            !(value = scenario_need(c, u, "value", -1, what)))
            return -1;
        if (!sc->field_count)
            return scenario_bad(c, field->offset, "%s: the scenario has no fields", what);
        if (need_count(c, field, sc->field_count - 1, &k, "\"field\""))
            return -1;
        d = &sc->fields[k];
        want = op_of(d->kind);
        if (!want || strcmp(op->str, want) != 0)
            return scenario_bad(c, op->offset, "%s: field %llu (a %s) takes %s%s%s, not \"%.20s\"", what,
                                (unsigned long long)k, kind_names[d->kind], want ? "\"" : "no updates",
                                want ? want : "", want ? "\"" : "", op->str);
        sc->updates[i].field = (size_t)k;
        if (decode(c, d->value_type, value, &sc->updates[i], what))
            return -1;
    }
    sc->update_count = list->count;
    return 0;
}

int scenario_v2_parse(const char *path, const char *text, size_t len, scenario_v2 *sc, char *msg, size_t msg_size)
{
    scenario_ctx c = {path, text, len, msg, msg_size};
    mmjson_error jerr;
    const mmjson_value *fields, *updates;
    size_t i, attrs, bounds, attr_at = 0, bound_at = 0;
    memset(sc, 0, sizeof *sc);
    if (mmjson_parse(text, len, &sc->root, &jerr)) {
        scenario_bad(&c, jerr.offset, "invalid JSON: %s", jerr.message);
        return -1;
    }
    if (sc->root.type != MMJSON_OBJECT) {
        scenario_bad(&c, sc->root.offset, "a scenario must be a JSON object, not %s", mmjson_type_name(sc->root.type));
        goto fail;
    }
    if (load_capacities(&c, sc))
        goto fail;
    sc->config.keep = 1; /* a scenario's result is the closed file */
    if (!(fields = scenario_need(&c, &sc->root, "fields", MMJSON_ARRAY, "the scenario")))
        goto fail;
    if (count_parts(&c, fields, &attrs, &bounds))
        goto fail;
    sc->fields = calloc(fields->count + 1, sizeof *sc->fields);
    sc->options = calloc(fields->count + 1, sizeof *sc->options);
    sc->attributes = calloc(attrs + 1, sizeof *sc->attributes);
    sc->bounds = calloc(bounds + 1, sizeof *sc->bounds);
    if (!sc->fields || !sc->options || !sc->attributes || !sc->bounds) {
        scenario_bad(&c, fields->offset, "out of memory");
        goto fail;
    }
    sc->field_count = fields->count;
    for (i = 0; i < fields->count; i++)
        if (load_field(&c, sc, i, &fields->items[i], &attr_at, &bound_at))
            goto fail;
    updates = mmjson_get(&sc->root, "updates");
    if (updates) {
        if (updates->type != MMJSON_ARRAY) {
            scenario_bad(&c, updates->offset, "\"updates\" must be an array, not %s", mmjson_type_name(updates->type));
            goto fail;
        }
        if (load_updates(&c, sc, updates))
            goto fail;
    }
    return 0;
fail:
    scenario_v2_free(sc);
    return -1;
}

static void apply(mmstats_v2_field *fd, const scenario_v2_update *u)
{
    switch ((mmstats_v2_kind)fd->kind) {
    case MMSTATS_V2_COUNTER:
        if (fd->value_type == MMSTATS_V2_F64)
            mmstats_v2_counter_add_f64((mmstats_v2_counter *)(void *)fd, u->d);
        else
            mmstats_v2_counter_add((mmstats_v2_counter *)(void *)fd, u->u);
        break;
    case MMSTATS_V2_UPDOWN_COUNTER:
        if (fd->value_type == MMSTATS_V2_F64)
            mmstats_v2_updown_add_f64((mmstats_v2_updown *)(void *)fd, u->d);
        else
            mmstats_v2_updown_add((mmstats_v2_updown *)(void *)fd, (int64_t)u->u);
        break;
    case MMSTATS_V2_GAUGE:
        if (fd->value_type == MMSTATS_V2_F64)
            mmstats_v2_gauge_set_f64((mmstats_v2_gauge *)(void *)fd, u->d);
        else
            mmstats_v2_gauge_set_u64((mmstats_v2_gauge *)(void *)fd, u->u);
        break;
    case MMSTATS_V2_STRING:
        mmstats_v2_string_set_n((mmstats_v2_string *)(void *)fd, u->text, u->text_len);
        break;
    case MMSTATS_V2_HISTOGRAM:
        mmstats_v2_histogram_observe((mmstats_v2_histogram *)(void *)fd, u->d);
        break;
    case MMSTATS_V2_CONSTANT:
        break;
    }
}

int scenario_v2_write(const scenario_v2 *sc, const char *out, mmstats_error *err)
{
    mmstats_v2_config cfg = sc->config;
    mmstats_v2_field **handles = calloc(sc->field_count + 1, sizeof *handles);
    mmstats_v2_file *f;
    size_t i;
    if (!handles) {
        snprintf(err->message, sizeof err->message, "%s: out of memory", out);
        return -1;
    }
    cfg.path = out;
    cfg.quiet = 1; /* a full file is part of some scenarios */
    f = mmstats_v2_create(&cfg, err);
    if (!f) {
        free(handles);
        return -1;
    }
    for (i = 0; i < sc->field_count; i++) {
        handles[i] = mmstats_v2_add_field(f, &sc->fields[i], err);
        if (!handles[i]) {
            mmstats_v2_close(f); /* unpublished: removed */
            free(handles);
            return -1;
        }
    }
    if (mmstats_v2_publish(f, err)) {
        mmstats_v2_close(f);
        free(handles);
        return -1;
    }
    for (i = 0; i < sc->update_count; i++)
        apply(handles[sc->updates[i].field], &sc->updates[i]);
    free(handles);
    if (mmstats_v2_close(f)) {
        snprintf(err->message, sizeof err->message, "%s: cannot close: %s", out, strerror(errno));
        return -1;
    }
    return 0;
}

void scenario_v2_free(scenario_v2 *sc)
{
    mmjson_free(&sc->root);
    free(sc->fields);
    free(sc->options);
    free(sc->attributes);
    free(sc->bounds);
    free(sc->updates);
    memset(sc, 0, sizeof *sc);
}
