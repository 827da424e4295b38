/* v2.c -- everything that is version 2 (spec/v2.md): the header and region rules,
 * the entry walk of "Finding problems", the kind and value type tables, slots
 * added up, and the sequence-lock read with its bounded retry. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V2_ALIGN 8u
#define V2_HEADER_SIZE 128u
#define V2_ENTRY_FIXED_SIZE 32u
#define V2_UNIT_MAX 63u
#define V2_STATE_CREATING 0u
#define V2_STATE_CLOSED 2u

static const unsigned char v2_magic[7] = {'M', 'M', 'S', 'T', 'A', 'T', 'S'};

/* Header fields (offsets from the start of the file). */
enum {
    H_MINOR = 8, H_HEADER_SIZE = 10, H_STATE = 12, H_PID = 16, H_START_TICKS = 24, H_CREATED = 32,
    H_HEARTBEAT = 40, H_HEARTBEAT_INTERVAL = 48, H_ENTRY_FIXED_SIZE = 52, H_META_OFFSET = 56,
    H_META_CAPACITY = 60, H_PROCESS_OFFSET = 64, H_PROCESS_CAPACITY = 68, H_SLOTS_OFFSET = 72,
    H_SLOT_SIZE = 76, H_SLOT_COUNT = 80, H_SLOTS_USED = 84, H_FIELD_COUNT = 88, H_OVERFLOW_COUNT = 92
};
/* Entry fields (offsets from the entry's start). */
enum {
    E_ENTRY_SIZE = 0, E_KIND = 4, E_VALUE_TYPE = 5, E_VALUE_OFFSET = 8, E_VALUE_SIZE = 12, E_NAME_SIZE = 16,
    E_UNIT_SIZE = 18, E_HELP_SIZE = 20, E_ATTRIBUTES_SIZE = 22, E_EXTRA_SIZE = 24
};
/* Multi-word values (offsets from the value's start). */
enum { SEQ = 0, STR_LENGTH = 8, STR_TEXT = 16, HIST_SUM = 8, HIST_BUCKETS = 16 };
enum { ATTR_SIZE_BYTES = 2 };

enum { VT_U64 = 1, VT_I64 = 2, VT_F64 = 3, VT_UTF8 = 4 };
#define VT_BIT(t) (1u << (t))

static const struct {
    const char *name;
    mmr_kind kind;
} v2_types[] = {{NULL, MMR_UINT}, {"u64", MMR_UINT}, {"i64", MMR_INT}, {"f64", MMR_FLOAT64}, {"utf8", MMR_STRING}};
#define V2_TYPE_COUNT (sizeof v2_types / sizeof v2_types[0])

#define KIND_HISTOGRAM 6
static const struct {
    const char *name;
    int slotted;
    unsigned allowed; /* VT_BIT of each allowed value type */
} v2_kinds[] = {
    {NULL, 0, 0},
    {"counter", 1, VT_BIT(VT_U64) | VT_BIT(VT_F64)},
    {"gauge", 0, VT_BIT(VT_U64) | VT_BIT(VT_I64) | VT_BIT(VT_F64)},
    {"updown_counter", 1, VT_BIT(VT_I64) | VT_BIT(VT_F64)},
    {"constant", 0, VT_BIT(VT_U64) | VT_BIT(VT_I64) | VT_BIT(VT_F64) | VT_BIT(VT_UTF8)},
    {"string", 0, VT_BIT(VT_UTF8)},
    {"histogram", 1, VT_BIT(VT_F64)},
};
#define V2_KIND_COUNT (sizeof v2_kinds / sizeof v2_kinds[0])

/* Loads of words a writer may store while we read (a live mapping): one atomic
 * load of the aligned word; a misaligned buffer (never a mapping) is read plainly. */
static uint32_t load32(const unsigned char *d, uint64_t off, int order)
{
    const unsigned char *p = d + off;
    uint32_t v;
    if ((uintptr_t)p % sizeof v)
        return mmr__le32(p);
    v = __atomic_load_n((const uint32_t *)(const void *)p, order);
    return mmr__le32((const unsigned char *)&v);
}

static uint64_t load64(const unsigned char *d, uint64_t off, int order)
{
    const unsigned char *p = d + off;
    uint64_t v;
    if ((uintptr_t)p % sizeof v)
        return mmr__le64(p);
    v = __atomic_load_n((const uint64_t *)(const void *)p, order);
    return mmr__le64((const unsigned char *)&v);
}

static uint64_t pad8(uint64_t n) { return (n + V2_ALIGN - 1) / V2_ALIGN * V2_ALIGN; }

/* The header up to the entries: every check stops the walk. 1: go on. */
static int v2_header(const unsigned char *d, size_t size, mmr_sink *s, mmr_v2_header *h, uint64_t *meta_off,
                     uint64_t *meta_end, uint64_t *entry_fixed, uint32_t *process_cap, uint64_t *process_off,
                     uint64_t *slots_off)
{
    unsigned header_size;
    uint64_t meta_cap, process_end, slots_end;
    size_t present;
    char shown[64];
    /* The magic before the size, as far as the file has it: a file that is not
     * version 2 gets a version 1 reader's answer; a cut version 2 file stops here
     * and the dispatcher reports bad_file_size. */
    present = size - 1 < sizeof v2_magic ? size - 1 : sizeof v2_magic;
    if (memcmp(d + 1, v2_magic, present)) {
        mmr__show_bytes(shown, sizeof shown, d + 1, present, 7);
        mmr__emit(s, MMR_BAD_VERSION, 0, "version byte 0x02, but bytes 1 to 7 are '%s', not 'MMSTATS'", shown);
        return 0;
    }
    if (size % MMR_PAGE_SIZE)
        return 0;
    /* Acquire: a reader that sees ready sees everything the writer stored before. */
    h->state = load32(d, H_STATE, __ATOMIC_ACQUIRE);
    if (h->state == V2_STATE_CREATING) {
        mmr__emit(s, MMR_NOT_READY, H_STATE, "state is 0 (creating): the writer has not published the file");
        return 0;
    }
    if (h->state > V2_STATE_CLOSED) {
        mmr__emit(s, MMR_BAD_STATE, H_STATE, "state is %u; allowed: 0, 1, 2", h->state);
        return 0;
    }
    header_size = mmr__le16(d + H_HEADER_SIZE);
    if (header_size < V2_HEADER_SIZE || header_size % V2_ALIGN) {
        mmr__emit(s, MMR_BAD_HEADER_SIZE, H_HEADER_SIZE, "header_size is %u; want at least %u, a multiple of %u",
                  header_size, V2_HEADER_SIZE, V2_ALIGN);
        return 0;
    }
    *entry_fixed = mmr__le16(d + H_ENTRY_FIXED_SIZE);
    if (*entry_fixed < V2_ENTRY_FIXED_SIZE || *entry_fixed % V2_ALIGN) {
        mmr__emit(s, MMR_BAD_COUNT, H_ENTRY_FIXED_SIZE, "entry_fixed_size is %llu; want at least %u, a multiple of %u",
                  (unsigned long long)*entry_fixed, V2_ENTRY_FIXED_SIZE, V2_ALIGN);
        return 0;
    }
    *meta_off = mmr__le32(d + H_META_OFFSET);
    meta_cap = mmr__le32(d + H_META_CAPACITY);
    *meta_end = *meta_off + meta_cap;
    *process_off = mmr__le32(d + H_PROCESS_OFFSET);
    *process_cap = mmr__le32(d + H_PROCESS_CAPACITY);
    process_end = *process_off + *process_cap;
    *slots_off = mmr__le32(d + H_SLOTS_OFFSET);
    h->slot_size = mmr__le32(d + H_SLOT_SIZE);
    h->slot_count = mmr__le32(d + H_SLOT_COUNT);
    slots_end = *slots_off + (uint64_t)h->slot_count * h->slot_size;
    if (*meta_off % V2_ALIGN || *meta_off < header_size) {
        mmr__emit(s, MMR_BAD_REGION, H_META_OFFSET, "meta_offset %llu is not a multiple of 8 at or after the header (%u)",
                  (unsigned long long)*meta_off, header_size);
        return 0;
    }
    if (meta_cap % V2_ALIGN) {
        mmr__emit(s, MMR_BAD_REGION, H_META_CAPACITY, "meta_capacity %llu is not a multiple of 8",
                  (unsigned long long)meta_cap);
        return 0;
    }
    if (*process_off % V2_ALIGN || *process_off < *meta_end) {
        mmr__emit(s, MMR_BAD_REGION, H_PROCESS_OFFSET,
                  "process_offset %llu is not a multiple of 8 at or after the metadata end (%llu)",
                  (unsigned long long)*process_off, (unsigned long long)*meta_end);
        return 0;
    }
    if (*process_cap % V2_ALIGN) {
        mmr__emit(s, MMR_BAD_REGION, H_PROCESS_CAPACITY, "process_capacity %u is not a multiple of 8", *process_cap);
        return 0;
    }
    if (*slots_off % V2_ALIGN || *slots_off < process_end) {
        mmr__emit(s, MMR_BAD_REGION, H_SLOTS_OFFSET,
                  "slots_offset %llu is not a multiple of 8 at or after the process area end (%llu)",
                  (unsigned long long)*slots_off, (unsigned long long)process_end);
        return 0;
    }
    if (h->slot_size % V2_ALIGN) {
        mmr__emit(s, MMR_BAD_REGION, H_SLOT_SIZE, "slot_size %u is not a multiple of 8", h->slot_size);
        return 0;
    }
    if (h->slot_count < 1 || slots_end > size) {
        mmr__emit(s, MMR_BAD_REGION, H_SLOT_COUNT,
                  "%u slots of %u bytes from %llu end at %llu; want at least 1 slot, ending by the file size %zu",
                  h->slot_count, h->slot_size, (unsigned long long)*slots_off, (unsigned long long)slots_end, size);
        return 0;
    }
    h->slots_used = load32(d, H_SLOTS_USED, __ATOMIC_ACQUIRE);
    if (h->slots_used < 1 || h->slots_used > h->slot_count) {
        mmr__emit(s, MMR_BAD_COUNT, H_SLOTS_USED, "slots_used is %u; want 1 to %u", h->slots_used, h->slot_count);
        return 0;
    }
    h->minor = mmr__le16(d + H_MINOR);
    h->pid = mmr__le64(d + H_PID);
    h->start_ticks = mmr__le64(d + H_START_TICKS);
    h->created_unix_ns = mmr__le64(d + H_CREATED);
    h->heartbeat_unix_ns = load64(d, H_HEARTBEAT, __ATOMIC_ACQUIRE);
    h->heartbeat_interval_ms = mmr__le32(d + H_HEARTBEAT_INTERVAL);
    h->overflow_count = load32(d, H_OVERFLOW_COUNT, __ATOMIC_RELAXED);
    return 1;
}

/* UTF-8 of one part of an entry: 0 when well-formed, else reported. */
static int bad_utf8(const unsigned char *d, uint64_t at, uint64_t n, const char *what, mmr_sink *s)
{
    size_t bad = mmr_utf8_first_invalid(d + at, (size_t)n);
    if (bad == n)
        return 0;
    mmr__emit(s, MMR_BAD_UTF8, at + bad, "%s is not well-formed UTF-8 at byte %zu", what, bad);
    return 1;
}

/* The keys of one entry's attributes seen so far, so that the repeated-key rule
 * costs time linear in the attributes' bytes: open addressing on a hash of the
 * key, each slot the key's offset + 1 (0: empty). */
typedef struct {
    uint32_t *slot;
    size_t mask;
} key_set;

static uint64_t key_hash(const unsigned char *k, size_t n)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    while (n--)
        h = (h ^ *k++) * 1099511628211u;
    return h;
}

/* 1 when the key of klen bytes at d + key equals one already in the set, else added. */
static int key_repeats(key_set *ks, const unsigned char *d, uint64_t key, unsigned klen, uint64_t *earlier)
{
    size_t i = (size_t)key_hash(d + key, klen) & ks->mask;
    for (; ks->slot[i]; i = (i + 1) & ks->mask) {
        uint64_t other = ks->slot[i] - 1u;
        if (mmr__le16(d + other - ATTR_SIZE_BYTES) == klen && !memcmp(d + other, d + key, klen)) {
            *earlier = other - ATTR_SIZE_BYTES;
            return 1;
        }
    }
    ks->slot[i] = (uint32_t)(key + 1);
    return 0;
}

/* The same without a table (out of memory): compare with every earlier pair. */
static int key_repeats_slowly(const unsigned char *d, uint64_t at, uint64_t key, unsigned klen, uint64_t *earlier)
{
    uint64_t prev = at;
    while (prev + ATTR_SIZE_BYTES < key) {
        unsigned pk = mmr__le16(d + prev), pv = mmr__le16(d + prev + ATTR_SIZE_BYTES + pk);
        if (pk == klen && !memcmp(d + prev + ATTR_SIZE_BYTES, d + key, klen)) {
            *earlier = prev;
            return 1;
        }
        prev += 2 * ATTR_SIZE_BYTES + pk + pv;
    }
    return 0;
}

/* The attribute pairs at d[at, at + n): the number of pairs, or -1 after a problem. */
static long attributes(const unsigned char *d, uint64_t at, uint64_t n, mmr_sink *s)
{
    uint64_t pos = 0;
    long count = 0;
    key_set ks = {NULL, 0};
    size_t cap = 1;
    /* a pair takes at least 5 bytes (two sizes, a key of 1); keep the table half empty */
    while (cap < 2 * (n / 5 + 1))
        cap *= 2;
    if (n)
        ks.slot = calloc(cap, sizeof *ks.slot);
    ks.mask = cap - 1;
    while (pos < n) {
        uint64_t start = at + pos, key, val, earlier = 0;
        unsigned klen, vlen;
        int repeats;
        if (n - pos < ATTR_SIZE_BYTES) {
            mmr__emit(s, MMR_BAD_ATTRIBUTES, start, "one byte left: too short for a key_size");
            break;
        }
        klen = mmr__le16(d + start);
        if (klen == 0) {
            mmr__emit(s, MMR_BAD_ATTRIBUTES, start, "an attribute key is empty");
            break;
        }
        key = pos + ATTR_SIZE_BYTES;
        if (key + klen + ATTR_SIZE_BYTES > n) {
            mmr__emit(s, MMR_BAD_ATTRIBUTES, start, "the key (%u bytes) or the value size runs past attributes_size",
                      klen);
            break;
        }
        vlen = mmr__le16(d + at + key + klen);
        val = key + klen + ATTR_SIZE_BYTES;
        if (val + vlen > n) {
            mmr__emit(s, MMR_BAD_ATTRIBUTES, start, "the value (%u bytes) runs past attributes_size", vlen);
            break;
        }
        if (bad_utf8(d, at + key, klen, "an attribute key", s) || bad_utf8(d, at + val, vlen, "an attribute value", s))
            break;
        repeats = ks.slot ? key_repeats(&ks, d, at + key, klen, &earlier)
                          : key_repeats_slowly(d, at, at + key, klen, &earlier);
        if (repeats) {
            mmr__emit(s, MMR_BAD_ATTRIBUTES, start, "the attribute key repeats the one at offset %llu",
                      (unsigned long long)earlier);
            break;
        }
        pos = val + vlen;
        count++;
    }
    free(ks.slot);
    return pos < n ? -1 : count;
}

/* Histogram bounds: finite and strictly increasing. 0 when good, else reported. */
static int bad_bounds(const unsigned char *d, uint64_t e, uint64_t at, uint32_t extra_size, mmr_sink *s)
{
    uint32_t i;
    double prev = 0;
    if (extra_size % V2_ALIGN) {
        mmr__emit(s, MMR_BAD_HISTOGRAM, e + E_EXTRA_SIZE, "extra_size %u is not a multiple of 8", extra_size);
        return 1;
    }
    for (i = 0; i < extra_size / 8; i++) {
        uint64_t bits = mmr__le64(d + at + 8 * (uint64_t)i);
        double b;
        memcpy(&b, &bits, sizeof b);
        if (!isfinite(b) || (i && !(b > prev))) {
            mmr__emit(s, MMR_BAD_HISTOGRAM, at + 8 * (uint64_t)i,
                      "bound %u is not finite or not above the bound before it", i);
            return 1;
        }
        prev = b;
    }
    return 0;
}

/* What the header fixes for the entries' checks. */
typedef struct {
    mmr_v2_header h;
    uint64_t meta_off, meta_end, fixed, process_off, slots_off;
    uint32_t process_cap;
} v2_frame;

static int v2_frame_of(const unsigned char *d, size_t size, mmr_sink *s, v2_frame *fr)
{
    memset(fr, 0, sizeof *fr);
    return v2_header(d, size, s, &fr->h, &fr->meta_off, &fr->meta_end, &fr->fixed, &fr->process_cap,
                     &fr->process_off, &fr->slots_off);
}

/* Check entry i at *e and add its record to lay. d holds the entry's bytes, live the
 * values (the same buffer, except for a mapping's private copies of its entries).
 * *e moves past the entry; 0: the walk stops here. */
static int v2_entry(const unsigned char *d, const unsigned char *live, const v2_frame *fr, uint32_t i, uint64_t *ep,
                    mmr_sink *s, mmr_layout *lay)
{
    uint64_t e = *ep, esz, name, unit, help, attrs, extra, extra_size, value_size, value_offset, area, base;
    uint64_t meta_end = fr->meta_end, fixed = fr->fixed;
    unsigned name_size, unit_size, help_size, attrs_size, kind, vt, k;
    size_t before = s->count;
    long pairs;
    mmr_rec r;
    if (meta_end - e < fixed) {
        mmr__emit(s, MMR_BAD_ENTRY_SIZE, e, "entry %u: only %llu bytes left in the metadata region, the fixed part needs %llu",
                  i, (unsigned long long)(meta_end - e), (unsigned long long)fixed);
        return 0;
    }
    esz = mmr__le32(d + e + E_ENTRY_SIZE);
    if (esz < fixed || esz % V2_ALIGN || esz > meta_end - e) {
        mmr__emit(s, MMR_BAD_ENTRY_SIZE, e, "entry_size is %llu; want at least %llu, a multiple of 8, ending by %llu",
                  (unsigned long long)esz, (unsigned long long)fixed, (unsigned long long)meta_end);
        return 0;
    }
    *ep = e + esz;
    kind = d[e + E_KIND];
    vt = d[e + E_VALUE_TYPE];
    value_offset = mmr__le32(d + e + E_VALUE_OFFSET);
    value_size = mmr__le32(d + e + E_VALUE_SIZE);
    name_size = mmr__le16(d + e + E_NAME_SIZE);
    unit_size = mmr__le16(d + e + E_UNIT_SIZE);
    help_size = mmr__le16(d + e + E_HELP_SIZE);
    attrs_size = mmr__le16(d + e + E_ATTRIBUTES_SIZE);
    extra_size = mmr__le32(d + e + E_EXTRA_SIZE);
    extra = pad8(fixed + name_size + unit_size + help_size + attrs_size);
    if (extra + extra_size > esz) {
        mmr__emit(s, MMR_BAD_LENGTHS, e + E_NAME_SIZE,
                  "name, unit, help, attributes and extra need %llu bytes; entry_size is %llu",
                  (unsigned long long)(extra + extra_size), (unsigned long long)esz);
        return 0;
    }
    name = e + fixed;
    unit = name + name_size;
    help = unit + unit_size;
    attrs = help + help_size;
    extra += e;
    if (name_size == 0)
        mmr__emit(s, MMR_BAD_NAME, e + E_NAME_SIZE, "name_size is 0: a field needs a name");
    bad_utf8(d, name, name_size, "the name", s);
    if (unit_size > V2_UNIT_MAX) {
        mmr__emit(s, MMR_BAD_UNIT, e + E_UNIT_SIZE, "unit_size is %u; at most %u", unit_size, V2_UNIT_MAX);
    } else {
        for (k = 0; k < unit_size; k++) {
            if (d[unit + k] < 0x21 || d[unit + k] > 0x7e) {
                mmr__emit(s, MMR_BAD_UNIT, unit + k, "unit byte 0x%02x; allowed 0x21 to 0x7e", d[unit + k]);
                break;
            }
        }
    }
    bad_utf8(d, help, help_size, "the help text", s);
    pairs = attributes(d, attrs, attrs_size, s);
    if (mmr__done(s))
        return 0;
    if (kind >= V2_KIND_COUNT || !v2_kinds[kind].name || vt >= V2_TYPE_COUNT || !v2_types[vt].name)
        return 1; /* a later minor's kind or value type: skipped, never a problem */
    if (!(v2_kinds[kind].allowed & VT_BIT(vt))) {
        mmr__emit(s, MMR_BAD_VALUE_TYPE, e + E_VALUE_TYPE, "a %s of %s is not allowed", v2_kinds[kind].name,
                  v2_types[vt].name);
        return 1;
    }
    if (kind == KIND_HISTOGRAM ? value_size != 16 + 8 * (extra_size / 8 + 1)
        : vt == VT_UTF8        ? value_size < 16 || value_size % V2_ALIGN
                               : value_size != 8) {
        mmr__emit(s, MMR_BAD_VALUE_SIZE, e + E_VALUE_SIZE, "value_size %llu is not the size a %s of %s needs",
                  (unsigned long long)value_size, v2_kinds[kind].name, v2_types[vt].name);
        return 1;
    }
    area = v2_kinds[kind].slotted ? fr->h.slot_size : fr->process_cap;
    if (value_offset % V2_ALIGN || value_offset + value_size > area)
        mmr__emit(s, MMR_BAD_VALUE_OFFSET, e + E_VALUE_OFFSET,
                  "value_offset %llu + value_size %llu in an area of %llu bytes; the offset must be a multiple of 8",
                  (unsigned long long)value_offset, (unsigned long long)value_size, (unsigned long long)area);
    if (kind == KIND_HISTOGRAM)
        bad_bounds(d, e, extra, (uint32_t)extra_size, s);
    if (s->count != before)
        return 1;
    base = (v2_kinds[kind].slotted ? fr->slots_off : fr->process_off) + value_offset;
    if (vt == VT_UTF8 && load64(live, base + SEQ, __ATOMIC_ACQUIRE) % 2 == 0) {
        uint32_t length = load32(live, base + STR_LENGTH, __ATOMIC_RELAXED);
        if (length > value_size - 16) {
            mmr__emit(s, MMR_BAD_STRING_LENGTH, base + STR_LENGTH, "length %u exceeds the capacity %llu", length,
                      (unsigned long long)(value_size - 16));
            return 1;
        }
    }
    if (lay) {
        memset(&r, 0, sizeof r);
        r.label_off = name;
        r.label_len = name_size;
        r.type_name = v2_types[vt].name;
        r.kind_name = v2_kinds[kind].name;
        r.kind = kind == KIND_HISTOGRAM ? MMR_HISTOGRAM : v2_types[vt].kind;
        r.size = (uint32_t)value_size;
        r.val_off = base;
        r.wb_off = base;
        r.unit_off = unit;
        r.unit_len = unit_size;
        r.help_off = help;
        r.help_len = help_size;
        r.attr_off = attrs;
        r.attr_len = attrs_size;
        r.attr_count = (uint32_t)pairs;
        r.bounds_off = extra;
        r.bound_count = kind == KIND_HISTOGRAM ? (uint32_t)(extra_size / 8) : 0;
        r.slotted = v2_kinds[kind].slotted;
        if (mmr__layout_add(lay, &r))
            return 0;
    }
    return 1;
}

static void v2_walk(const unsigned char *d, size_t size, mmr_sink *s, mmr_layout *lay)
{
    v2_frame fr;
    uint64_t e;
    uint32_t i, field_count;
    if (!v2_frame_of(d, size, s, &fr))
        return;
    if (lay) {
        lay->v2 = fr.h;
        lay->records_end = fr.slots_off + (uint64_t)fr.h.slot_count * fr.h.slot_size;
    }
    field_count = load32(d, H_FIELD_COUNT, __ATOMIC_ACQUIRE);
    if (lay)
        lay->v2.field_count = field_count;
    e = fr.meta_off;
    for (i = 0; i < field_count && !mmr__done(s); i++)
        if (!v2_entry(d, d, &fr, i, &e, s, lay))
            return;
}

/* One consistent copy of a sequence-locked value at d + at (n bytes, a multiple of 8)
 * into out, by the spec's reader protocol: the sequence (acquire), the payload in
 * 8-byte words (relaxed), an acquire fence, the sequence again. 0: none within the
 * retry bound (or at once when the writer closed the file: an odd sequence then
 * stays odd). */
static int seq_copy(const unsigned char *d, uint64_t at, size_t n, unsigned char *out, int closed)
{
    int attempt;
    for (attempt = 1; attempt <= MMR_V2_MAX_TRIES; attempt++) {
        uint64_t s1 = load64(d, at + SEQ, __ATOMIC_ACQUIRE), s2;
        size_t i;
        if (s1 % 2 == 0) {
            for (i = 0; i < n; i += 8) {
                uint64_t w = load64(d, at + i, __ATOMIC_RELAXED);
                int b;
                for (b = 0; b < 8; b++)
                    out[i + b] = (unsigned char)(w >> (8 * b));
            }
            __atomic_thread_fence(__ATOMIC_ACQUIRE);
            s2 = load64(d, at + SEQ, __ATOMIC_RELAXED);
            if (s1 == s2)
                return 1;
        } else if (closed) {
            return 0;
        }
        if (attempt % MMR_V2_YIELD_EVERY == 0)
            sched_yield();
    }
    return 0;
}

static int load_string(const unsigned char *d, mmr_field *f, unsigned char *scratch, int closed, mmr_problem *first)
{
    uint32_t length;
    if (!seq_copy(d, f->val_offset, f->size, scratch, closed)) {
        f->is_null = 1;
        return MMR_OK;
    }
    length = mmr__le32(scratch + STR_LENGTH);
    if (length > f->size - 16) {
        first->code = MMR_BAD_STRING_LENGTH;
        first->offset = f->val_offset + STR_LENGTH;
        snprintf(first->message, sizeof first->message, "length %u exceeds the capacity %u", length, f->size - 16);
        return MMR_INVALID;
    }
    if (3 * (size_t)length + 1 > f->str_cap) {
        char *p = realloc(f->str, 3 * (size_t)length + 1);
        if (!p)
            return -1;
        f->str = p;
        f->str_cap = 3 * (size_t)length + 1;
    }
    f->str_len = mmr_utf8_replace(scratch + STR_TEXT, length, f->str);
    return MMR_OK;
}

static void load_histogram(const unsigned char *d, mmr_field *f, const mmr_v2_header *h, unsigned char *scratch,
                           int closed)
{
    uint32_t k;
    size_t b;
    for (b = 0; b <= f->bound_count; b++)
        f->buckets[b] = 0;
    for (k = 0; k < h->slots_used; k++) {
        uint64_t bits;
        double sum;
        if (!seq_copy(d, f->val_offset + (uint64_t)k * h->slot_size, f->size, scratch, closed)) {
            f->is_null = 1;
            return;
        }
        bits = mmr__le64(scratch + HIST_SUM);
        memcpy(&sum, &bits, sizeof sum);
        f->hist_sum = k ? f->hist_sum + sum : sum; /* in slot order, from slot 0's copy */
        for (b = 0; b <= f->bound_count; b++)
            f->buckets[b] += mmr__le64(scratch + HIST_BUCKETS + 8 * b);
    }
}

static void load_number(const unsigned char *d, mmr_field *f, const mmr_v2_header *h)
{
    uint32_t k, copies = f->slotted ? h->slots_used : 1;
    uint64_t total = 0;
    double sum = 0;
    for (k = 0; k < copies; k++) {
        uint64_t w = load64(d, f->val_offset + (uint64_t)k * h->slot_size, __ATOMIC_ACQUIRE);
        double x;
        memcpy(&x, &w, sizeof x);
        total += w; /* modulo 2^64, for u64 and (two's complement) i64 */
        sum = k ? sum + x : x;
    }
    if (f->kind == MMR_FLOAT64)
        f->v.d = sum;
    else if (f->kind == MMR_UINT)
        f->v.u = total;
    else
        f->v.i = total >= ((uint64_t)1 << 63) ? -(int64_t)(~total) - 1 : (int64_t)total;
}

static int v2_load_values(const unsigned char *d, size_t size, mmr_file *f, mmr_problem *first)
{
    size_t i;
    unsigned char *scratch;
    int rc = MMR_OK, closed;
    uint32_t used;
    (void)size;
    /* The words that change while readers read (the state, heartbeat and counts). */
    f->v2.state = load32(d, H_STATE, __ATOMIC_ACQUIRE);
    f->v2.heartbeat_unix_ns = load64(d, H_HEARTBEAT, __ATOMIC_ACQUIRE);
    f->v2.overflow_count = load32(d, H_OVERFLOW_COUNT, __ATOMIC_RELAXED);
    used = load32(d, H_SLOTS_USED, __ATOMIC_ACQUIRE);
    if (used >= 1 && used <= f->v2.slot_count)
        f->v2.slots_used = used;
    closed = f->v2.state == V2_STATE_CLOSED;
    scratch = mmr__field_scratch(f, 16);
    if (!scratch)
        return -1;
    for (i = 0; i < f->count && rc == MMR_OK; i++) {
        mmr_field *fd = &f->fields[i];
        fd->is_null = 0;
        if (fd->kind == MMR_HISTOGRAM)
            load_histogram(d, fd, &f->v2, scratch, closed);
        else if (fd->kind == MMR_STRING)
            rc = load_string(d, fd, scratch, closed, first);
        else
            load_number(d, fd, &f->v2);
    }
    free(scratch);
    return rc;
}

/* pread a sequence word. */
static int pread_seq(int fd, uint64_t at, uint64_t *seq)
{
    unsigned char b[8];
    if (mmr__pread_full(fd, b, sizeof b, at) != (long long)sizeof b)
        return -1;
    *seq = mmr__le64(b);
    return 0;
}

/* The reader protocol on copies: each sequence-locked copy is read again on its
 * own, sequence, value, sequence (three reads, ordered by the system calls), until
 * the two sequences are equal and even; then img holds that copy. A copy without
 * one within the retry bound is left with an odd sequence in img: it reads as null. */
static int v2_settle_fd(int fd, unsigned char *img, size_t size, const mmr_file *f, mmr_problem *first)
{
    size_t i;
    unsigned char *tmp = NULL;
    size_t tmp_cap = 0;
    int closed = mmr__le32(img + H_STATE) == V2_STATE_CLOSED;
    uint32_t used = mmr__le32(img + H_SLOTS_USED);
    (void)size;
    (void)first;
    /* Fields appended since the parse (a poller's new copy): published entries never
     * change, but the decoded file must grow, so the caller parses again. */
    if (mmr__le32(img + H_FIELD_COUNT) != f->v2.field_count)
        return 1;
    if (used < 1 || used > f->v2.slot_count) /* a new copy is not checked again: stay inside the slots */
        used = f->v2.slots_used;
    for (i = 0; i < f->count; i++) {
        const mmr_field *fd_ = &f->fields[i];
        uint32_t k, copies;
        if (fd_->kind != MMR_STRING && fd_->kind != MMR_HISTOGRAM)
            continue;
        copies = fd_->slotted ? used : 1;
        if (fd_->size > tmp_cap) {
            unsigned char *p = realloc(tmp, fd_->size);
            if (!p) {
                free(tmp);
                return -1;
            }
            tmp = p;
            tmp_cap = fd_->size;
        }
        for (k = 0; k < copies; k++) {
            uint64_t at = fd_->val_offset + (uint64_t)k * f->v2.slot_size, s1, s2;
            int attempt, got = 0;
            for (attempt = 1; attempt <= MMR_V2_MAX_TRIES && !got; attempt++) {
                if (pread_seq(fd, at, &s1))
                    break;
                if (s1 % 2 == 0) {
                    if (mmr__pread_full(fd, tmp, fd_->size, at) != (long long)fd_->size || pread_seq(fd, at, &s2))
                        break;
                    got = s1 == s2;
                } else if (closed) {
                    break;
                }
                if (!got && attempt % MMR_V2_YIELD_EVERY == 0)
                    sched_yield();
            }
            if (got)
                memcpy(img + at, tmp, fd_->size);
            else
                img[at + SEQ] |= 1; /* no consistent copy: odd, so it reads as null */
        }
    }
    free(tmp);
    return MMR_OK;
}

/* ---- A mapping reader's parse, kept between polls ("Readers that map the file"). */

struct mmr_v2_cursor {
    int started;         /* the header passed its checks: fr holds it */
    v2_frame fr;
    uint32_t count;      /* entries parsed (field_count when last advanced) */
    uint64_t next;       /* offset of the next entry */
    unsigned char *copy; /* private copies of the entries, at their file offsets */
    size_t copy_cap;
    mmr_layout lay;
    size_t parsed;       /* entries checked over the cursor's life */
};

mmr_v2_cursor *mmr__v2_cursor_new(void) { return calloc(1, sizeof(mmr_v2_cursor)); }

void mmr__v2_cursor_reset(mmr_v2_cursor *c)
{
    size_t parsed = c->parsed;
    free(c->copy);
    free(c->lay.recs);
    memset(c, 0, sizeof *c);
    c->parsed = parsed;
}

void mmr__v2_cursor_free(mmr_v2_cursor *c)
{
    if (c)
        mmr__v2_cursor_reset(c);
    free(c);
}

size_t mmr__v2_cursor_parsed(const mmr_v2_cursor *c) { return c->parsed; }

static int copy_room(mmr_v2_cursor *c, uint64_t need)
{
    size_t cap = c->copy_cap ? c->copy_cap : 4096;
    unsigned char *p;
    if (need <= c->copy_cap)
        return 0;
    while (cap < need)
        cap *= 2;
    p = realloc(c->copy, cap);
    if (!p)
        return -1;
    c->copy = p;
    c->copy_cap = cap;
    return 0;
}

/* Copy the entry at e from the mapping: its fixed part, then as many bytes as the
 * copied entry_size says, if they fit the region (else the check reports it). A
 * published entry never changes, so a plain copy is enough; checking the copy means
 * a writer that breaks that rule cannot change the bytes between check and use. */
static int copy_entry(mmr_v2_cursor *c, const unsigned char *map, uint64_t e)
{
    uint64_t left = c->fr.meta_end - e, fixed = c->fr.fixed, esz;
    if (left < fixed)
        return copy_room(c, 1); /* the check reports it without reading */
    if (copy_room(c, e + fixed))
        return -1;
    memcpy(c->copy + e, map + e, fixed);
    esz = mmr__le32(c->copy + e + E_ENTRY_SIZE);
    if (esz <= fixed || esz > left)
        return 0;
    if (copy_room(c, e + esz))
        return -1;
    memcpy(c->copy + e + fixed, map + e + fixed, esz - fixed);
    return 0;
}

int mmr__v2_cursor_advance(mmr_v2_cursor *c, const unsigned char *map, size_t size, mmr_sink *s)
{
    uint32_t field_count, i;
    int grew = 0;
    if (!c->started) {
        if (!v2_frame_of(map, size, s, &c->fr))
            return 0;
        c->started = 1;
        c->next = c->fr.meta_off;
        c->lay.v2 = c->fr.h;
        c->lay.records_end = c->fr.slots_off + (uint64_t)c->fr.h.slot_count * c->fr.h.slot_size;
        grew = 1;
    }
    field_count = load32(map, H_FIELD_COUNT, __ATOMIC_ACQUIRE);
    if (field_count < c->count) {
        /* No writer does this (published entries stay): the file was rewritten in place. Parse it again. */
        mmr__v2_cursor_reset(c);
        return mmr__v2_cursor_advance(c, map, size, s);
    }
    for (i = c->count; i < field_count && !mmr__done(s); i++) {
        if (copy_entry(c, map, c->next))
            return -1;
        c->parsed++;
        grew = 1;
        if (!v2_entry(c->copy, map, &c->fr, i, &c->next, s, &c->lay))
            break;
    }
    c->count = i;
    c->lay.v2.field_count = c->count;
    return c->lay.oom ? -1 : grew;
}

int mmr__v2_cursor_build(const mmr_v2_cursor *c, mmr_file *f)
{
    return mmr__build_file(c->copy, &c->lay, 2, f);
}

const mmr_format mmr__format_v2 = {2, v2_walk, v2_load_values, v2_settle_fd};
