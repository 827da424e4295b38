/* v1.c -- everything that is version 1 (spec/v1.md): the type table, the record
 * walk of "Finding problems", and the write-buffer read and retry rule. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V1_UNBUFFERED 0xffu
#define V1_MAX_STRING_DIGITS 9

/* Record parts (offsets from the record start; L = label_size, T = type_size). */
#define V1_LABEL_SIZE_BYTES 2
#define V1_TYPE_SIZE_BYTES 2

static const struct {
    char code;
    mmr_kind kind;
    uint32_t size;
} v1_types[] = {
    {'b', MMR_INT, 1},     {'B', MMR_UINT, 1},    {'h', MMR_INT, 2}, {'H', MMR_UINT, 2},
    {'i', MMR_INT, 4},     {'I', MMR_UINT, 4},    {'q', MMR_INT, 8}, {'Q', MMR_UINT, 8},
    {'f', MMR_FLOAT32, 4}, {'d', MMR_FLOAT64, 8}, {'?', MMR_BOOL, 1},
};

/* The type table: a one-letter code, or <N>s with N of 1 to 9 digits and no leading zero. */
static int v1_lookup(const unsigned char *t, size_t n, mmr_kind *kind, uint32_t *size)
{
    size_t i;
    uint32_t v = 0;
    if (n == 1) {
        for (i = 0; i < sizeof v1_types / sizeof v1_types[0]; i++) {
            if ((unsigned char)v1_types[i].code == t[0]) {
                *kind = v1_types[i].kind;
                *size = v1_types[i].size;
                return 1;
            }
        }
        return 0;
    }
    if (n < 2 || n > V1_MAX_STRING_DIGITS + 1 || t[n - 1] != 's')
        return 0;
    if (t[0] == '0' && n > 2)
        return 0;
    for (i = 0; i + 1 < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return 0;
        v = v * 10 + (uint32_t)(t[i] - '0');
    }
    *kind = MMR_STRING;
    *size = v;
    return 1;
}

static unsigned u16le(const unsigned char *p) { return (unsigned)p[0] | ((unsigned)p[1] << 8); }

static void v1_walk(const unsigned char *d, size_t size, mmr_sink *s, mmr_layout *lay)
{
    size_t pos = 1;
    char shown[64];
    while (!mmr__done(s)) {
        size_t left = size - pos, lab, tpos, tsig, wb, val, bad;
        uint64_t need;
        unsigned L, T, w;
        mmr_rec r;

        if (left == 0)
            return; /* the records fill the file: no terminator needed */
        if (left == 1) {
            if (d[pos] != 0)
                mmr__emit(s, MMR_TRUNCATED_RECORD, pos,
                          "one byte (0x%02x) is left before the end of the file; a label size needs 2", d[pos]);
            return;
        }
        L = u16le(d + pos);
        if (L == 0) { /* terminator: zeros to the end */
            size_t i;
            for (i = pos + 2; i < size; i++) {
                if (d[i]) {
                    mmr__emit(s, MMR_TRAILING_GARBAGE, i,
                              "byte 0x%02x after the terminator at offset %zu; only zeros may follow", d[i], pos);
                    break;
                }
            }
            return;
        }
        lab = pos + V1_LABEL_SIZE_BYTES;
        if (L > size - lab) {
            mmr__emit(s, MMR_PAST_EOF, lab, "label of %u bytes runs past the end of the file (size %zu)", L, size);
            return;
        }
        bad = mmr_utf8_first_invalid(d + lab, L);
        if (bad < L) {
            mmr__show_bytes(shown, sizeof shown, d + lab + bad, L - bad, 4);
            mmr__emit(s, MMR_BAD_LABEL_UTF8, lab + bad, "label is not well-formed UTF-8 at byte %zu ('%s')", bad,
                      shown);
        }
        tpos = lab + L;
        if (size - tpos < V1_TYPE_SIZE_BYTES) {
            mmr__emit(s, MMR_TRUNCATED_RECORD, tpos, "the file ends inside the type size (%zu of 2 bytes)",
                      size - tpos);
            return;
        }
        T = u16le(d + tpos);
        tsig = tpos + V1_TYPE_SIZE_BYTES;
        if (T > size - tsig) {
            mmr__emit(s, MMR_PAST_EOF, tsig, "type signature of %u bytes runs past the end of the file (size %zu)",
                      T, size);
            return;
        }
        if (!v1_lookup(d + tsig, T, &r.kind, &r.size)) {
            mmr__show_bytes(shown, sizeof shown, d + tsig, T, 16);
            mmr__emit(s, MMR_UNKNOWN_TYPE, tsig, "type signature '%s' (%u bytes) is not in the type table", shown,
                      T);
            return;
        }
        wb = tsig + T;
        if (wb >= size) {
            mmr__emit(s, MMR_TRUNCATED_RECORD, wb, "the file ends before the write buffer byte");
            return;
        }
        w = __atomic_load_n(&d[wb], __ATOMIC_ACQUIRE);
        if (w != 0 && w != 1 && w != V1_UNBUFFERED) {
            mmr__emit(s, MMR_BAD_WRITE_BUFFER, wb, "write buffer is 0x%02x; allowed: 0x00, 0x01, 0xff", w);
            return;
        }
        val = wb + 1;
        need = (uint64_t)r.size * (w == V1_UNBUFFERED ? 1 : 2);
        if (need > size - val) {
            mmr__emit(s, MMR_PAST_EOF, val, "value area of %llu bytes runs past the end of the file (size %zu)",
                      (unsigned long long)need, size);
            return;
        }
        if (lay) {
            r.label_off = lab;
            r.label_len = L;
            r.type_off = tsig;
            r.type_len = T;
            r.wb_off = wb;
            r.val_off = val;
            r.buffered = w != V1_UNBUFFERED;
            if (mmr__layout_add(lay, &r))
                return;
            lay->records_end = val + need;
        }
        pos = val + (size_t)need;
    }
}

static mmr_problem bad_wb(const mmr_field *f, unsigned w)
{
    mmr_problem p;
    p.code = MMR_BAD_WRITE_BUFFER;
    p.offset = f->wb_offset;
    snprintf(p.message, sizeof p.message,
             "write buffer became 0x%02x while reading; allowed: 0x00, 0x01", w);
    return p;
}

/* Copy n bytes that a writer may be storing: relaxed atomic byte loads, so the copy
 * is no data race when src is a shared mapping. */
static void copy_relaxed(unsigned char *dst, const unsigned char *src, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* Reading a buffered value: acquire-load write_buffer (w1), copy value[w1 ^ 1],
 * acquire fence, load write_buffer again (w2); a flip means a possibly torn copy,
 * so retry, and after the last retry keep the last copy. */
static int v1_load_values(const unsigned char *d, size_t size, mmr_file *f, mmr_problem *first)
{
    size_t i;
    unsigned char *scratch;
    int rc = MMR_OK;
    (void)size;
    scratch = mmr__field_scratch(f, 8);
    if (!scratch)
        return -1;
    for (i = 0; i < f->count && rc == MMR_OK; i++) {
        mmr_field *fd = &f->fields[i];
        if (!fd->buffered) {
            copy_relaxed(scratch, d + fd->val_offset, fd->size);
        } else {
            int attempt;
            for (attempt = 0; attempt <= MMR_MAX_RETRIES; attempt++) {
                unsigned w1 = __atomic_load_n(&d[fd->wb_offset], __ATOMIC_ACQUIRE), w2;
                if (w1 > 1) {
                    *first = bad_wb(fd, w1);
                    rc = MMR_INVALID;
                    break;
                }
                copy_relaxed(scratch, d + fd->val_offset + (uint64_t)(w1 ^ 1) * fd->size, fd->size);
                __atomic_thread_fence(__ATOMIC_ACQUIRE);
                w2 = __atomic_load_n(&d[fd->wb_offset], __ATOMIC_RELAXED);
                if (w2 == w1)
                    break;
            }
            if (rc != MMR_OK)
                break;
        }
        if (mmr__decode_value(fd, scratch)) {
            free(scratch);
            return -1;
        }
    }
    free(scratch);
    return rc;
}

/* The same rule for a copy read with pread(): re-read the buffered records and
 * keep the ones whose write buffer did not flip since the copy; the others are
 * taken from the new copy and checked again, at most MMR_MAX_RETRIES times. */
static int v1_settle_fd(int fd, unsigned char *img, size_t size, const mmr_file *f, mmr_problem *first)
{
    unsigned char *unsettled, *tmp = NULL;
    size_t i, tmp_cap = 0;
    int attempt, rc = MMR_OK;
    if (!f->count)
        return MMR_OK;
    unsettled = malloc(f->count);
    if (!unsettled)
        return -1;
    for (i = 0; i < f->count; i++)
        unsettled[i] = (unsigned char)f->fields[i].buffered;
    for (attempt = 0; attempt <= MMR_MAX_RETRIES && rc == MMR_OK; attempt++) {
        uint64_t lo = UINT64_MAX, hi = 0;
        long long got;
        for (i = 0; i < f->count; i++) {
            const mmr_field *r = &f->fields[i];
            if (!unsettled[i])
                continue;
            if (r->wb_offset < lo)
                lo = r->wb_offset;
            if (r->val_offset + 2 * (uint64_t)r->size > hi)
                hi = r->val_offset + 2 * (uint64_t)r->size;
        }
        if (hi == 0)
            break; /* every buffered record is settled */
        if (hi - lo > tmp_cap) {
            unsigned char *p = realloc(tmp, (size_t)(hi - lo));
            if (!p) {
                rc = -1;
                break;
            }
            tmp = p;
            tmp_cap = (size_t)(hi - lo);
        }
        got = mmr__pread_full(fd, tmp, (size_t)(hi - lo), lo);
        if (got < 0) {
            rc = -1;
            break;
        }
        if ((uint64_t)got < hi - lo) { /* the file shrank under us */
            first->code = MMR_PAST_EOF;
            first->offset = lo + (uint64_t)got;
            snprintf(first->message, sizeof first->message,
                     "the file shrank to %llu bytes while it was read (it was %zu)",
                     (unsigned long long)(lo + (uint64_t)got), size);
            rc = MMR_INVALID;
            break;
        }
        for (i = 0; i < f->count; i++) {
            const mmr_field *fdl = &f->fields[i];
            unsigned w;
            size_t len = 1 + 2 * (size_t)fdl->size;
            if (!unsettled[i])
                continue;
            w = tmp[fdl->wb_offset - lo];
            if (w > 1) {
                *first = bad_wb(fdl, w);
                rc = MMR_INVALID;
                break;
            }
            if (w == img[fdl->wb_offset])
                unsettled[i] = 0;
            else
                memcpy(img + fdl->wb_offset, tmp + (fdl->wb_offset - lo), len);
        }
    }
    free(unsettled);
    free(tmp);
    return rc;
}

const mmr_format mmr__format_v1 = {1, v1_walk, v1_load_values, v1_settle_fd};
