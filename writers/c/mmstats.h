/* mmstats.h -- reference C writer of mmstats file format version 1.
 *
 * A program describes its fields once, creates the file, takes one slot
 * handle per field and then updates values with the static inline functions
 * below: plain stores into the shared map, no locks, no system calls.
 *
 *     mmstats_field_desc fields[] = {
 *         {"requests", 0, "Q", 1},       // label, label_len (0: strlen), type, buffered
 *         {"name",     0, "16s", 0},
 *     };
 *     mmstats_error err;
 *     mmstats_file *f = mmstats_create("/tmp/app.mmstats", fields, 2, MMSTATS_DEFAULT_MODE, &err);
 *     if (!f) { fprintf(stderr, "%s\n", err.message); exit(1); }
 *     mmstats_slot *requests = mmstats_slot_named(f, "requests");
 *     mmstats_incr(requests, 1);
 *     mmstats_close(f);
 *
 * Threading: one writer per slot (typically one file per thread). A slot keeps
 * the writer's own copy of its write-buffer byte and value, so updates never
 * load from the map. Readers in other processes use the double buffer: the
 * writer stores value[wb], then publishes wb ^ 1 with a release store.
 *
 * Byte order: the format is little-endian; big-endian hosts convert on store.
 * Floats: IEEE 754 is assumed (C Annex F), as the format stores IEEE bits.
 */
#ifndef MMSTATS_H
#define MMSTATS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Format constants (spec/v1.md; mirror mmstats_format/schema.py) ---- */
#define MMSTATS_FORMAT_VERSION 1
#define MMSTATS_NOT_READY_VERSION 0 /* version byte while the file is being created */
#define MMSTATS_PAGE_SIZE 4096
#define MMSTATS_UNBUFFERED 0xFF     /* write_buffer of a record holding one value */
#define MMSTATS_BUFFER_COUNT 2      /* values of a buffered record */
#define MMSTATS_DEFAULT_MODE 0644

/* ---- Byte offsets, each derived from the previous one (mmstats_format/offsets.py) ---- */
#define MMSTATS_VERSION_OFFSET 0
#define MMSTATS_VERSION_SIZE 1
#define MMSTATS_FIRST_RECORD_OFFSET (MMSTATS_VERSION_OFFSET + MMSTATS_VERSION_SIZE)
/* within a record, relative to its first byte */
#define MMSTATS_LABEL_SIZE_OFFSET 0
#define MMSTATS_LABEL_SIZE_SIZE 2 /* u16 little-endian */
#define MMSTATS_LABEL_OFFSET (MMSTATS_LABEL_SIZE_OFFSET + MMSTATS_LABEL_SIZE_SIZE)
#define MMSTATS_TYPE_SIZE_SIZE 2  /* u16 little-endian */
#define MMSTATS_WRITE_BUFFER_SIZE 1
#define MMSTATS_TYPE_SIZE_OFFSET(label_size) (MMSTATS_LABEL_OFFSET + (label_size))
#define MMSTATS_TYPE_OFFSET(label_size) (MMSTATS_TYPE_SIZE_OFFSET(label_size) + MMSTATS_TYPE_SIZE_SIZE)
#define MMSTATS_WRITE_BUFFER_OFFSET(label_size, type_size) (MMSTATS_TYPE_OFFSET(label_size) + (type_size))
#define MMSTATS_VALUE_OFFSET(label_size, type_size) \
    (MMSTATS_WRITE_BUFFER_OFFSET(label_size, type_size) + MMSTATS_WRITE_BUFFER_SIZE)

#define MMSTATS_MAX_LABEL_SIZE 0xFFFF  /* label_size is a u16; 0 would end the record list */
#define MMSTATS_MAX_STRING_SIZE 999999999u /* "<N>s": at most 9 decimal digits */
/* The readers' default size limit (spec/v1.md, "Size limit"): they refuse a larger file as
 * file_too_large, so this writer refuses to create one (EFBIG). */
#define MMSTATS_MAX_FILE_SIZE 268435456u

/* ---- Types ---- */
typedef enum mmstats_kind {
    MMSTATS_KIND_INT = 1,   /* b h i q (signed) and B H I Q (unsigned) */
    MMSTATS_KIND_FLOAT = 2, /* f d */
    MMSTATS_KIND_BOOL = 3,  /* ? */
    MMSTATS_KIND_STRING = 4 /* <N>s */
} mmstats_kind;

/* One field to create. */
typedef struct mmstats_field_desc {
    const char *label;  /* UTF-8, not empty; NUL-terminated unless label_len is set */
    size_t label_len;   /* bytes of label; 0 means strlen(label) */
    const char *type;   /* type signature: b B h H i I q Q f d ? or <N>s, e.g. "255s" */
    int buffered;       /* non-zero: two values and a write-buffer byte 0/1; zero: 0xff, one value */
} mmstats_field_desc;

/* A writer's handle on one field. Fields are read-only for users. */
typedef struct mmstats_slot {
    unsigned char *value;        /* value[0] in the map (value[1] follows when buffered) */
    unsigned char *write_buffer; /* the write-buffer byte in the map */
    uint32_t size;               /* bytes of one value */
    uint8_t kind;                /* mmstats_kind */
    uint8_t is_signed;           /* integer kinds: b h i q */
    uint8_t buffered;
    uint8_t wb;                  /* writer's copy of *write_buffer (0 when unbuffered) */
    uint64_t bits;               /* writer's copy of the value readers see (integers, float bits) */
    const char *label;           /* points into the file struct; NOT NUL-terminated in general */
    size_t label_len;
    const char *type;            /* NUL-terminated type signature */
    size_t offset;               /* first byte of the record in the file */
} mmstats_slot;

typedef struct mmstats_file mmstats_file;

/* Why creation failed: errno (0 for invalid field descriptions) and a message
 * naming the path and, for a bad field, its index and label. */
typedef struct mmstats_error {
    int err_no;
    char message[512];
} mmstats_error;

/* ---- Set-up (mmstats.c) ---- */

/* Bytes of the file image for these fields (a positive multiple of
 * MMSTATS_PAGE_SIZE, at most MMSTATS_MAX_FILE_SIZE), or 0 with *err filled if a
 * description is invalid (EINVAL) or the fields need more (EFBIG). */
size_t mmstats_image_size(const mmstats_field_desc *fields, size_t count, mmstats_error *err);

/* Fill image (image_size bytes, as returned above) with the new file's bytes:
 * version byte 0x00 (not ready), records back to back, zero fill. Returns 0,
 * or -1 with *err filled. */
int mmstats_build_image(unsigned char *image, size_t image_size, const mmstats_field_desc *fields,
                        size_t count, mmstats_error *err);

/* Create path (it must not exist; a symlink is never followed) with
 * permission mode & ~umask, write the image, map it shared and store the
 * version byte 0x01 last (release). NULL with *err filled on failure, in
 * which case nothing is left at path. err may be NULL. */
mmstats_file *mmstats_create(const char *path, const mmstats_field_desc *fields, size_t count,
                             unsigned mode, mmstats_error *err);

size_t mmstats_slot_count(const mmstats_file *f);
mmstats_slot *mmstats_slot_at(mmstats_file *f, size_t index); /* NULL if out of range */
mmstats_slot *mmstats_slot_named(mmstats_file *f, const char *label);
mmstats_slot *mmstats_slot_named_n(mmstats_file *f, const char *label, size_t label_len);
const char *mmstats_path(const mmstats_file *f);
const unsigned char *mmstats_map(const mmstats_file *f); /* the mapped bytes, for tests/inspection */
size_t mmstats_size(const mmstats_file *f);

int mmstats_sync(mmstats_file *f);   /* msync(MS_SYNC); 0 or -1 with errno */
int mmstats_close(mmstats_file *f);  /* unmap and free; the file stays. 0 or -1 with errno */
/* Unlink the file, then close. Only the file this handle created is removed: if the path now
 * names another file (or nothing), it is kept and -1 is returned with errno ENOENT.
 * 0 or -1 with errno (f is freed either way). */
int mmstats_remove(mmstats_file *f);

/* Bytes of a type signature's value, or -1 if it is not in the type table. */
long mmstats_type_value_size(const char *type, size_t type_len);
/* The mmstats_kind of a type signature, or -1 if it is not in the type table. */
int mmstats_type_kind(const char *type, size_t type_len);

/* Bytes of the well-formed UTF-8 character at s (Unicode table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 when s[0..left) does not start one. The one
 * UTF-8 check of this writer: labels here, JSON strings in json.c. */
size_t mmstats_utf8_sequence_len(const unsigned char *s, size_t left);

/* ---- Shared by the version 1 and version 2 writers (not for programs) ---- */

/* *err = {err_no, the formatted message}; err may be NULL. */
void mmstats__set_error(mmstats_error *err, int err_no, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Unlink path only if it still names the file (dev, ino); 0, or -1 with errno
 * (ENOENT when the path is gone or now names another file, which is kept). */
int mmstats__unlink_if_same(const char *path, dev_t dev, ino_t ino);

/* ---- Hot path: static inline, plain stores, no locks, no system calls ---- */

/* Store the low `size` bytes of v little-endian at p (p may be unaligned).
 * Little-endian hosts copy the integer; others (or -DMMSTATS_PORTABLE_STORES,
 * which tests that path on any host) store byte by byte. */
static inline void mmstats__store_le(unsigned char *p, uint64_t v, uint32_t size)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(MMSTATS_PORTABLE_STORES)
    switch (size) {
    case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    case 8: memcpy(p, &v, 8); break;
    default: break;
    }
#else
    uint32_t i;
    for (i = 0; i < size && i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
#endif
}

/* Store v (the low `size` bytes) into value[wb], then publish it: readers
 * switch to it when the write buffer flips (release orders the value store
 * before the flip). Unbuffered fields have one value and nothing to publish.
 * Every slot member is read into a local first, so the map store (which may
 * alias anything, being bytes) forces no reloads. */
static inline void mmstats__store_release(mmstats_slot *s, uint64_t v)
{
    const uint32_t size = s->size;
    const uint8_t wb = s->wb;
    const uint8_t buffered = s->buffered;
    unsigned char *const flag = s->write_buffer;
    unsigned char *const dst = s->value + (wb ? size : 0);
    s->bits = v;
    if (buffered) /* keep this store from overtaking the previous flip (spec: writer protocol) */
        __atomic_thread_fence(__ATOMIC_RELEASE);
    mmstats__store_le(dst, v, size);
    if (buffered) {
        s->wb = (uint8_t)(wb ^ 1);
        __atomic_store_n(flag, (unsigned char)(wb ^ 1), __ATOMIC_RELEASE);
    }
}

/* Flip only (after a value was stored into value[wb] by other means). */
static inline void mmstats__publish_release(mmstats_slot *s)
{
    if (s->buffered) {
        s->wb ^= 1;
        __atomic_store_n(s->write_buffer, s->wb, __ATOMIC_RELEASE);
    }
}

/* The buffer the writer writes now: value[wb] (value[0] when unbuffered). */
static inline unsigned char *mmstats__target(const mmstats_slot *s)
{
    return s->value + (s->wb ? s->size : 0);
}

/* Integer fields: store v modulo 2^bits (wraps, as 0.8 did). */
static inline void mmstats_set_u64(mmstats_slot *s, uint64_t v)
{
    mmstats__store_release(s, v);
}

static inline void mmstats_set_i64(mmstats_slot *s, int64_t v)
{
    mmstats_set_u64(s, (uint64_t)v);
}

/* Integer counters: add n (wrapping); decr subtracts. */
static inline void mmstats_incr(mmstats_slot *s, uint64_t n)
{
    mmstats_set_u64(s, s->bits + n);
}

static inline void mmstats_decr(mmstats_slot *s, uint64_t n)
{
    mmstats_set_u64(s, s->bits - n);
}

/* Bool fields: 1 for non-zero, 0 otherwise. */
static inline void mmstats_set_bool(mmstats_slot *s, int v)
{
    mmstats_set_u64(s, v ? 1u : 0u);
}

/* Float fields: "d" stores v; "f" stores (float)v (overflow gives +-inf). */
static inline void mmstats_set_double(mmstats_slot *s, double v)
{
    uint64_t bits;
    if (s->size == 4) {
        float f = (float)v;
        uint32_t b32;
        memcpy(&b32, &f, 4);
        bits = b32;
    } else {
        memcpy(&bits, &v, 8);
    }
    mmstats_set_u64(s, bits);
}

/* String fields, raw: cut blindly to N bytes; a shorter value gets one NUL
 * after it and the rest of the area keeps its old bytes. */
static inline void mmstats_set_bytes(mmstats_slot *s, const void *data, size_t len)
{
    unsigned char *p = mmstats__target(s);
    if (len >= s->size) {
        if (s->size)
            memcpy(p, data, s->size);
    } else {
        if (len)
            memcpy(p, data, len);
        p[len] = 0;
    }
    mmstats__publish_release(s);
}

/* Length of text cut to at most max bytes without splitting a UTF-8 character
 * (text is assumed well-formed UTF-8). */
static inline size_t mmstats_utf8_cut(const char *text, size_t len, size_t max)
{
    if (len <= max)
        return len;
    /* text[max] is the first byte left out: if it continues a character, that
     * character straddles the cut, so leave it out whole. */
    while (max > 0 && ((unsigned char)text[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* String fields, text: UTF-8 cut on a character boundary to N bytes. */
static inline void mmstats_set_str(mmstats_slot *s, const char *text, size_t len)
{
    mmstats_set_bytes(s, text, mmstats_utf8_cut(text, len, s->size));
}

/* Writer-side copies (no load from the map). */
static inline uint64_t mmstats_value_u64(const mmstats_slot *s)
{
    return s->size >= 8 ? s->bits : s->bits & ((UINT64_C(1) << (8 * s->size)) - 1);
}

static inline int64_t mmstats_value_i64(const mmstats_slot *s)
{
    uint64_t u = mmstats_value_u64(s);
    if (s->size < 8 && (u >> (8 * s->size - 1)) & 1)
        u |= ~UINT64_C(0) << (8 * s->size); /* sign-extend */
    return (int64_t)u;
}

static inline uint8_t mmstats_write_buffer(const mmstats_slot *s)
{
    return s->buffered ? s->wb : MMSTATS_UNBUFFERED;
}

#ifdef __cplusplus
}
#endif

#endif /* MMSTATS_H */
