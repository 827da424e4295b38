/* scenario.c -- writer-scenario JSON -> field descriptions and checked updates. */
#include "scenario.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENARIO_MAX_BYTES (256u << 20) /* a scenario is small; refuse hostile sizes */

int scenario_bad(scenario_ctx *c, size_t offset, const char *fmt, ...)
{
    va_list ap;
    size_t line = 1, col = 1, i;
    char what[384];
    for (i = 0; i < offset && i < c->len; i++) {
        if (c->text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(c->msg, c->msg_size, "%s: offset %zu (line %zu, column %zu): %s", c->path, offset, line, col, what);
    return -1;
}

const mmjson_value *scenario_need(scenario_ctx *c, const mmjson_value *obj, const char *key, int t, const char *what)
{
    const mmjson_value *v = mmjson_get(obj, key);
    if (!v) {
        scenario_bad(c, obj->offset, "%s has no \"%s\"", what, key);
        return NULL;
    }
    if (t >= 0 && v->type != (mmjson_type)t) {
        scenario_bad(c, v->offset, "\"%s\" of %s must be %s, not %s", key, what, mmjson_type_name((mmjson_type)t),
            mmjson_type_name(v->type));
        return NULL;
    }
    return v;
}

static int load_fields(scenario_ctx *c, scenario *sc, const mmjson_value *list)
{
    size_t i;
    sc->fields = calloc(list->count ? list->count : 1, sizeof *sc->fields);
    if (!sc->fields)
        return scenario_bad(c, list->offset, "out of memory");
    for (i = 0; i < list->count; i++) {
        const mmjson_value *f = &list->items[i], *label, *type, *buffered;
        char what[48];
        snprintf(what, sizeof what, "fields[%zu]", i);
        if (f->type != MMJSON_OBJECT)
            return scenario_bad(c, f->offset, "%s must be an object, not %s", what, mmjson_type_name(f->type));
        if (!(label = scenario_need(c, f, "label", MMJSON_STRING, what)) ||
            !(type = scenario_need(c, f, "type", MMJSON_STRING, what)))
            return -1;
        buffered = scenario_need(c, f, "buffered", -1, what);
        if (!buffered)
            return -1;
        if (buffered->type != MMJSON_TRUE && buffered->type != MMJSON_FALSE)
            return scenario_bad(c, buffered->offset, "\"buffered\" of %s must be true or false, not %s", what,
                       mmjson_type_name(buffered->type));
        if (label->len == 0)
            return scenario_bad(c, label->offset, "%s: the label is empty (a label size of 0 ends the record list)",
                                what);
        if (strlen(type->str) != type->len || mmstats_type_kind(type->str, type->len) < 0)
            return scenario_bad(c, type->offset, "%s: type signature \"%.20s\" is not in the type table "
                       "(b B h H i I q Q f d ? or <N>s)", what, type->str);
        sc->fields[i].label = label->str;
        sc->fields[i].label_len = label->len;
        sc->fields[i].type = type->str;
        sc->fields[i].buffered = buffered->type == MMJSON_TRUE;
    }
    sc->field_count = list->count;
    return 0;
}

/* Find a field by label; duplicate labels are refused when the file is created. */
static long field_index(const scenario *sc, const mmjson_value *label)
{
    size_t i;
    for (i = 0; i < sc->field_count; i++) {
        if (sc->fields[i].label_len == label->len && memcmp(sc->fields[i].label, label->str, label->len) == 0)
            return (long)i;
    }
    return -1;
}

/* Check one update's value against its field's type and decide the set() to call. */
static int convert(scenario_ctx *c, const mmstats_field_desc *field, const mmjson_value *v, scenario_update *u,
                   const char *what)
{
    const char *type = field->type;
    switch (mmstats_type_kind(type, strlen(type))) {
    case MMSTATS_KIND_INT:
        if (v->type != MMJSON_NUMBER || !v->is_integer)
            return scenario_bad(c, v->offset, "%s: field \"%.40s\" has type %s and needs an integer, not %s", what,
                       field->label, type, v->type == MMJSON_NUMBER ? "a number with a fraction or exponent"
                                                                     : mmjson_type_name(v->type));
        u->op = SCENARIO_SET_INT;
        u->u = mmjson_int_mod64(v); /* exact modulo 2^64, so the wrap to any width is exact */
        return 0;
    case MMSTATS_KIND_BOOL:
        u->op = SCENARIO_SET_BOOL;
        if (v->type == MMJSON_TRUE || v->type == MMJSON_FALSE) {
            u->u = v->type == MMJSON_TRUE;
            return 0;
        }
        if (v->type == MMJSON_NUMBER && v->is_integer) { /* truthy, as the Python writer */
            u->u = v->magnitude != 0 || v->too_big;
            return 0;
        }
        return scenario_bad(c, v->offset, "%s: field \"%.40s\" has type ? and needs true or false, not %s", what,
                   field->label, mmjson_type_name(v->type));
    case MMSTATS_KIND_FLOAT:
        u->op = SCENARIO_SET_DOUBLE;
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
        return scenario_bad(c, v->offset, "%s: field \"%.40s\" has type %s and needs a number or \"NaN\", "
                   "\"Infinity\", \"-Infinity\", not %s", what, field->label, type,
                   v->type == MMJSON_STRING ? "that string" : mmjson_type_name(v->type));
    case MMSTATS_KIND_STRING:
        if (v->type != MMJSON_STRING)
            return scenario_bad(c, v->offset, "%s: field \"%.40s\" has type %s and needs a string, not %s", what,
                       field->label, type, mmjson_type_name(v->type));
        u->op = SCENARIO_SET_TEXT;
        u->text = v->str;
        u->text_len = v->len;
        return 0;
    }
    return scenario_bad(c, v->offset, "%s: field \"%.40s\" has an unknown type", what, field->label);
}

static int load_updates(scenario_ctx *c, scenario *sc, const mmjson_value *list)
{
    size_t i;
    sc->updates = calloc(list->count ? list->count : 1, sizeof *sc->updates);
    if (!sc->updates)
        return scenario_bad(c, list->offset, "out of memory");
    for (i = 0; i < list->count; i++) {
        const mmjson_value *u = &list->items[i], *name, *value;
        char what[48];
        long k;
        snprintf(what, sizeof what, "updates[%zu]", i);
        if (u->type != MMJSON_OBJECT)
            return scenario_bad(c, u->offset, "%s must be an object, not %s", what, mmjson_type_name(u->type));
        if (!(name = scenario_need(c, u, "field", MMJSON_STRING, what)) ||
            !(value = scenario_need(c, u, "value", -1, what)))
            return -1;
        k = field_index(sc, name);
        if (k < 0)
            return scenario_bad(c, name->offset, "%s: no field is labelled \"%.60s\"", what, name->str);
        sc->updates[i].field = (size_t)k;
        if (convert(c, &sc->fields[k], value, &sc->updates[i], what))
            return -1;
    }
    sc->update_count = list->count;
    return 0;
}

int scenario_parse(const char *path, const char *text, size_t len, scenario *sc, char *msg, size_t msg_size)
{
    scenario_ctx c = {path, text, len, msg, msg_size};
    mmjson_error jerr;
    const mmjson_value *fields, *updates;
    memset(sc, 0, sizeof *sc);
    if (mmjson_parse(text, len, &sc->root, &jerr)) {
        scenario_bad(&c, jerr.offset, "invalid JSON: %s", jerr.message);
        return -1;
    }
    if (sc->root.type != MMJSON_OBJECT) {
        scenario_bad(&c, sc->root.offset, "a scenario must be a JSON object, not %s", mmjson_type_name(sc->root.type));
        goto fail;
    }
    if (!(fields = scenario_need(&c, &sc->root, "fields", MMJSON_ARRAY, "the scenario")))
        goto fail;
    if (load_fields(&c, sc, fields))
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
    scenario_free(sc);
    return -1;
}

int scenario_read(const char *path, char **text_out, size_t *len_out, char *msg, size_t msg_size)
{
    FILE *fp = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0;
    if (!fp) {
        snprintf(msg, msg_size, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t n;
        if (len == cap) {
            char *t;
            cap = cap ? cap * 2 : 65536;
            if (cap > SCENARIO_MAX_BYTES + 1)
                cap = SCENARIO_MAX_BYTES + 1;
            if (len == cap) {
                snprintf(msg, msg_size, "%s: larger than %u bytes; refusing to read it", path, SCENARIO_MAX_BYTES);
                goto fail;
            }
            t = realloc(text, cap);
            if (!t) {
                snprintf(msg, msg_size, "%s: out of memory", path);
                goto fail;
            }
            text = t;
        }
        n = fread(text + len, 1, cap - len, fp);
        len += n;
        if (n == 0) {
            if (ferror(fp)) {
                snprintf(msg, msg_size, "%s: cannot read: %s", path, strerror(errno));
                goto fail;
            }
            break;
        }
    }
    fclose(fp);
    *text_out = text;
    *len_out = len;
    return 0;
fail:
    fclose(fp);
    free(text);
    return -1;
}

int scenario_load(const char *path, scenario *sc, char *msg, size_t msg_size)
{
    char *text;
    size_t len;
    int rc;
    memset(sc, 0, sizeof *sc);
    if (scenario_read(path, &text, &len, msg, msg_size))
        return -1;
    rc = scenario_parse(path, text ? text : "", len, sc, msg, msg_size);
    free(text);
    return rc;
}

void scenario_apply(const scenario *sc, mmstats_file *f)
{
    size_t i;
    for (i = 0; i < sc->update_count; i++) {
        const scenario_update *u = &sc->updates[i];
        mmstats_slot *s = mmstats_slot_at(f, u->field);
        switch (u->op) {
        case SCENARIO_SET_INT: mmstats_set_u64(s, u->u); break;
        case SCENARIO_SET_BOOL: mmstats_set_bool(s, (int)u->u); break;
        case SCENARIO_SET_DOUBLE: mmstats_set_double(s, u->d); break;
        case SCENARIO_SET_TEXT: mmstats_set_str(s, u->text, u->text_len); break;
        }
    }
}

void scenario_free(scenario *sc)
{
    mmjson_free(&sc->root);
    free(sc->fields);
    free(sc->updates);
    memset(sc, 0, sizeof *sc);
}
