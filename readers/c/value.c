/* value.c -- one stored value (little-endian bytes) to its decoded form, and the
 * decoded file built from a layout. Version-independent. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t le(const unsigned char *b, uint32_t n)
{
    uint64_t v = 0;
    while (n--)
        v = (v << 8) | b[n];
    return v;
}

uint16_t mmr__le16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
uint32_t mmr__le32(const unsigned char *p) { return (uint32_t)le(p, 4); }
uint64_t mmr__le64(const unsigned char *p) { return le(p, 8); }

int mmr__decode_value(mmr_field *f, const unsigned char *b)
{
    switch (f->kind) {
    case MMR_INT: {
        uint64_t u = le(b, f->size);
        unsigned shift = 64 - 8 * f->size;
        /* sign-extend without relying on implementation-defined conversions */
        uint64_t sign = (uint64_t)1 << (8 * f->size - 1);
        u = shift ? (u ^ sign) - sign : u;
        f->v.i = u >= ((uint64_t)1 << 63) ? -(int64_t)(~u) - 1 : (int64_t)u;
        return 0;
    }
    case MMR_UINT:
        f->v.u = le(b, f->size);
        return 0;
    case MMR_FLOAT32: {
        uint32_t bits = (uint32_t)le(b, 4);
        float x;
        memcpy(&x, &bits, 4);
        f->v.d = (double)x; /* exact: every binary32 is a binary64 */
        return 0;
    }
    case MMR_FLOAT64: {
        uint64_t bits = le(b, 8);
        memcpy(&f->v.d, &bits, 8);
        return 0;
    }
    case MMR_BOOL:
        f->v.b = b[0] != 0;
        return 0;
    case MMR_STRING: {
        const unsigned char *nul = memchr(b, 0, f->size);
        size_t n = nul ? (size_t)(nul - b) : f->size;
        if (3 * n + 1 > f->str_cap) {
            /* short strings get room for the worst case; long ones exactly what they need,
             * so a huge string costs its own size and not three times that */
            size_t need = n <= 4096 ? 3 * n + 1 : mmr__utf8_replaced_len(b, n) + 1;
            char *p = need > f->str_cap ? realloc(f->str, need) : f->str;
            if (!p)
                return -1;
            f->str = p;
            if (need > f->str_cap)
                f->str_cap = need;
        }
        f->str_len = mmr_utf8_replace(b, n, f->str);
        return 0;
    }
    case MMR_HISTOGRAM: /* version 2 only: read by v2.c */
        return 0;
    }
    return 0;
}

/* Copy n bytes of d at off into the names storage, NUL-terminated. */
static const char *keep(char *names, size_t *at, const unsigned char *d, uint64_t off, size_t n)
{
    char *p = names + *at;
    memcpy(p, d + off, n);
    p[n] = '\0';
    *at += n + 1;
    return p;
}

/* Version 2: the attribute pairs (checked by the walk), bounds and buckets. */
static void build_v2_parts(const unsigned char *d, const mmr_rec *r, mmr_field *fd, char *names, size_t *at,
                           mmr_attr **attrs, double **bounds, uint64_t **buckets)
{
    uint32_t k;
    uint64_t pos = r->attr_off;
    fd->kind_name = r->kind_name;
    fd->slotted = r->slotted;
    fd->unit = keep(names, at, d, r->unit_off, r->unit_len);
    fd->unit_len = r->unit_len;
    fd->help = keep(names, at, d, r->help_off, r->help_len);
    fd->help_len = r->help_len;
    fd->attrs = *attrs;
    fd->attr_count = r->attr_count;
    for (k = 0; k < r->attr_count; k++) {
        mmr_attr *a = (*attrs)++;
        a->key_len = mmr__le16(d + pos);
        a->key = keep(names, at, d, pos + 2, a->key_len);
        pos += 2 + a->key_len;
        a->value_len = mmr__le16(d + pos);
        a->value = keep(names, at, d, pos + 2, a->value_len);
        pos += 2 + a->value_len;
    }
    if (r->kind == MMR_HISTOGRAM) {
        fd->bound_count = r->bound_count;
        fd->bounds = *bounds;
        for (k = 0; k < r->bound_count; k++) {
            uint64_t bits = mmr__le64(d + r->bounds_off + 8 * (uint64_t)k);
            memcpy(*bounds + k, &bits, sizeof bits);
        }
        *bounds += r->bound_count;
        fd->buckets = *buckets;
        *buckets += r->bound_count + 1;
    }
}

int mmr__build_file(const unsigned char *d, const mmr_layout *lay, int version, mmr_file *f)
{
    size_t i, names = 0, at = 0, nattrs = 0, nbounds = 0, nbuckets = 0;
    mmr_attr *attrs;
    double *bounds;
    uint64_t *buckets;
    memset(f, 0, sizeof *f);
    f->format_version = version;
    f->records_end = lay->records_end;
    f->v2 = lay->v2;
    for (i = 0; i < lay->count; i++) {
        const mmr_rec *r = &lay->recs[i];
        if (version != 2) { /* a version 1 walk sets only the fields of version 1 */
            names += (size_t)r->label_len + r->type_len + 2;
            continue;
        }
        /* label, unit, help, and each attribute's key and value (4 bytes of sizes become 2 NULs) */
        names += (size_t)r->label_len + r->unit_len + r->help_len + r->attr_len + 3;
        nattrs += r->attr_count;
        if (r->kind == MMR_HISTOGRAM) {
            nbounds += r->bound_count;
            nbuckets += (size_t)r->bound_count + 1;
        }
    }
    f->fields = calloc(lay->count ? lay->count : 1, sizeof *f->fields);
    f->names = malloc(names ? names : 1);
    f->extra = malloc(nattrs * sizeof(mmr_attr) + (nbounds + nbuckets) * 8 + 1);
    if (!f->fields || !f->names || !f->extra) {
        mmr_file_free(f);
        return -1;
    }
    attrs = f->extra;
    bounds = (double *)(void *)(attrs + nattrs);
    buckets = (uint64_t *)(void *)(bounds + nbounds);
    f->count = lay->count;
    for (i = 0; i < lay->count; i++) {
        const mmr_rec *r = &lay->recs[i];
        mmr_field *fd = &f->fields[i];
        memcpy(f->names + at, d + r->label_off, r->label_len);
        f->names[at + r->label_len] = '\0';
        fd->label = f->names + at;
        fd->label_len = r->label_len;
        at += (size_t)r->label_len + 1;
        if (version == 2) {
            fd->type = r->type_name;
        } else {
            memcpy(f->names + at, d + r->type_off, r->type_len);
            f->names[at + r->type_len] = '\0';
            fd->type = f->names + at;
            at += (size_t)r->type_len + 1;
        }
        fd->kind = r->kind;
        fd->size = r->size;
        fd->buffered = r->buffered;
        fd->wb_offset = r->wb_off;
        fd->val_offset = r->val_off;
        if (version == 2)
            build_v2_parts(d, r, fd, f->names, &at, &attrs, &bounds, &buckets);
    }
    return 0;
}

void mmr_file_free(mmr_file *f)
{
    size_t i;
    if (!f)
        return;
    for (i = 0; f->fields && i < f->count; i++)
        free(f->fields[i].str);
    free(f->fields);
    free(f->names);
    free(f->extra);
    memset(f, 0, sizeof *f);
}

int mmr__layout_add(mmr_layout *l, const mmr_rec *r)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        mmr_rec *p = realloc(l->recs, cap * sizeof *p);
        if (!p) {
            l->oom = 1;
            return -1;
        }
        l->recs = p;
        l->cap = cap;
    }
    l->recs[l->count++] = *r;
    return 0;
}


unsigned char *mmr__field_scratch(const mmr_file *f, size_t at_least)
{
    size_t i, size = at_least;
    for (i = 0; i < f->count; i++)
        if (f->fields[i].size > size)
            size = f->fields[i].size;
    return malloc(size);
}
