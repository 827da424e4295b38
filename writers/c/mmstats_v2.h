/* mmstats_v2.h -- C writer of mmstats file format version 2 (spec/v2.md).
 *
 * One file per process. Fields are registered at any time (before or after the
 * file is published); each registration returns a handle, and the static
 * inline functions below update values through it: no locks, no system calls.
 *
 *     mmstats_error err;
 *     mmstats_v2_config cfg = {0};                 // zeros: defaults (see below)
 *     cfg.path = "/tmp/app.mmstats";
 *     mmstats_v2_file *f = mmstats_v2_open(&cfg, &err);
 *     if (!f) { fprintf(stderr, "%s\n", err.message); exit(1); }
 *     mmstats_v2_options ms = {"Request latency", "ms", NULL, 0};
 *     static const double bounds[] = {1, 10, 100};
 *     mmstats_v2_counter *requests = mmstats_v2_counter_new(f, "http.requests", MMSTATS_V2_U64, NULL, &err);
 *     mmstats_v2_histogram *latency = mmstats_v2_histogram_new(f, "http.latency", bounds, 3, &ms, &err);
 *     mmstats_v2_counter_add(requests, 1);         // this thread's own slot: load, add, store
 *     mmstats_v2_histogram_observe(latency, 4.2);
 *     mmstats_v2_close(f);                         // state closed, file removed (unless cfg.keep)
 *
 * Threads: the first slotted update (counter, up-down counter, histogram) of a
 * thread takes a thread slot; the thread owns it and updates it with single-copy
 * atomic loads and stores (see MMSTATS_V2__OWN_LOAD). The slot goes back to the
 * file's free list when the thread exits (or calls mmstats_v2_thread_detach),
 * keeping its values. When no
 * slot is left a thread uses the shared slot 0 with atomic read-modify-write.
 * Gauges are set with one atomic store; strings and shared histograms are
 * updated under their 64-bit sequence taken with a compare-and-swap.
 *
 * Handles stay valid until mmstats_v2_close; closing while other threads still
 * update is a programming error. A field that does not fit (file full) is
 * counted in overflow_count and its handle works on private memory: updates
 * cost the same and are never seen by readers (mmstats_v2_published says so).
 *
 * The format is little-endian; this writer stores native words, so it builds
 * on little-endian hosts only. Atomics are the GNU __atomic builtins (GCC,
 * Clang), which compile under -std=c99.
 */
#ifndef MMSTATS_V2_H
#define MMSTATS_V2_H

#include "mmstats.h" /* mmstats_error, mmstats_utf8_cut: shared by both versions */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "mmstats_v2.h stores native 8-byte words: it needs a little-endian host"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Format constants (spec/v2.md; mirror mmstats_format/schema_v2.py) ---- */
#define MMSTATS_V2_FORMAT_VERSION 2
#define MMSTATS_V2_MAGIC "MMSTATS"
#define MMSTATS_V2_MAGIC_SIZE 7
#define MMSTATS_V2_MINOR 0
#define MMSTATS_V2_PAGE_SIZE 4096
#define MMSTATS_V2_ALIGN 8
#define MMSTATS_V2_HEADER_SIZE 128
#define MMSTATS_V2_ENTRY_FIXED_SIZE 32
#define MMSTATS_V2_UNIT_MAX 63
/* Slots and the slot array start on multiples of this (spec: "Regions", SHOULD). */
#define MMSTATS_V2_SLOT_ALIGN 128
/* The readers' recommended size limit: a larger file is never created (EFBIG). */
#define MMSTATS_V2_MAX_FILE_SIZE 268435456u

/* Recommended capacities (spec: "Creating a file", step 1): what zeros in the config mean. */
#define MMSTATS_V2_DEFAULT_META_CAPACITY 65536u
#define MMSTATS_V2_DEFAULT_PROCESS_CAPACITY 65536u
#define MMSTATS_V2_DEFAULT_SLOT_SIZE 1024u
#define MMSTATS_V2_DEFAULT_SLOT_COUNT 64u

/* ---- Header offsets, each derived from the previous one ---- */
#define MMSTATS_V2_VERSION_OFFSET 0
#define MMSTATS_V2_MAGIC_OFFSET (MMSTATS_V2_VERSION_OFFSET + 1)
#define MMSTATS_V2_MINOR_OFFSET (MMSTATS_V2_MAGIC_OFFSET + MMSTATS_V2_MAGIC_SIZE)
#define MMSTATS_V2_HEADER_SIZE_OFFSET (MMSTATS_V2_MINOR_OFFSET + 2)
#define MMSTATS_V2_STATE_OFFSET (MMSTATS_V2_HEADER_SIZE_OFFSET + 2)
#define MMSTATS_V2_PID_OFFSET (MMSTATS_V2_STATE_OFFSET + 4)
#define MMSTATS_V2_START_TICKS_OFFSET (MMSTATS_V2_PID_OFFSET + 8)
#define MMSTATS_V2_CREATED_UNIX_NS_OFFSET (MMSTATS_V2_START_TICKS_OFFSET + 8)
#define MMSTATS_V2_HEARTBEAT_UNIX_NS_OFFSET (MMSTATS_V2_CREATED_UNIX_NS_OFFSET + 8)
#define MMSTATS_V2_HEARTBEAT_INTERVAL_MS_OFFSET (MMSTATS_V2_HEARTBEAT_UNIX_NS_OFFSET + 8)
#define MMSTATS_V2_ENTRY_FIXED_SIZE_OFFSET (MMSTATS_V2_HEARTBEAT_INTERVAL_MS_OFFSET + 4)
#define MMSTATS_V2_FLAGS_OFFSET (MMSTATS_V2_ENTRY_FIXED_SIZE_OFFSET + 2)
#define MMSTATS_V2_META_OFFSET_OFFSET (MMSTATS_V2_FLAGS_OFFSET + 2)
#define MMSTATS_V2_META_CAPACITY_OFFSET (MMSTATS_V2_META_OFFSET_OFFSET + 4)
#define MMSTATS_V2_PROCESS_OFFSET_OFFSET (MMSTATS_V2_META_CAPACITY_OFFSET + 4)
#define MMSTATS_V2_PROCESS_CAPACITY_OFFSET (MMSTATS_V2_PROCESS_OFFSET_OFFSET + 4)
#define MMSTATS_V2_SLOTS_OFFSET_OFFSET (MMSTATS_V2_PROCESS_CAPACITY_OFFSET + 4)
#define MMSTATS_V2_SLOT_SIZE_OFFSET (MMSTATS_V2_SLOTS_OFFSET_OFFSET + 4)
#define MMSTATS_V2_SLOT_COUNT_OFFSET (MMSTATS_V2_SLOT_SIZE_OFFSET + 4)
#define MMSTATS_V2_SLOTS_USED_OFFSET (MMSTATS_V2_SLOT_COUNT_OFFSET + 4)
#define MMSTATS_V2_FIELD_COUNT_OFFSET (MMSTATS_V2_SLOTS_USED_OFFSET + 4)
#define MMSTATS_V2_OVERFLOW_COUNT_OFFSET (MMSTATS_V2_FIELD_COUNT_OFFSET + 4)
#define MMSTATS_V2_RESERVED_OFFSET (MMSTATS_V2_OVERFLOW_COUNT_OFFSET + 4)
#define MMSTATS_V2_RESERVED_SIZE (MMSTATS_V2_HEADER_SIZE - MMSTATS_V2_RESERVED_OFFSET)

/* ---- Entry offsets, relative to the entry's first byte ---- */
#define MMSTATS_V2_ENTRY_SIZE_OFFSET 0
#define MMSTATS_V2_ENTRY_KIND_OFFSET (MMSTATS_V2_ENTRY_SIZE_OFFSET + 4)
#define MMSTATS_V2_ENTRY_VALUE_TYPE_OFFSET (MMSTATS_V2_ENTRY_KIND_OFFSET + 1)
#define MMSTATS_V2_ENTRY_FLAGS_OFFSET (MMSTATS_V2_ENTRY_VALUE_TYPE_OFFSET + 1)
#define MMSTATS_V2_ENTRY_VALUE_OFFSET_OFFSET (MMSTATS_V2_ENTRY_FLAGS_OFFSET + 2)
#define MMSTATS_V2_ENTRY_VALUE_SIZE_OFFSET (MMSTATS_V2_ENTRY_VALUE_OFFSET_OFFSET + 4)
#define MMSTATS_V2_ENTRY_NAME_SIZE_OFFSET (MMSTATS_V2_ENTRY_VALUE_SIZE_OFFSET + 4)
#define MMSTATS_V2_ENTRY_UNIT_SIZE_OFFSET (MMSTATS_V2_ENTRY_NAME_SIZE_OFFSET + 2)
#define MMSTATS_V2_ENTRY_HELP_SIZE_OFFSET (MMSTATS_V2_ENTRY_UNIT_SIZE_OFFSET + 2)
#define MMSTATS_V2_ENTRY_ATTRIBUTES_SIZE_OFFSET (MMSTATS_V2_ENTRY_HELP_SIZE_OFFSET + 2)
#define MMSTATS_V2_ENTRY_EXTRA_SIZE_OFFSET (MMSTATS_V2_ENTRY_ATTRIBUTES_SIZE_OFFSET + 2)
#define MMSTATS_V2_ENTRY_RESERVED_OFFSET (MMSTATS_V2_ENTRY_EXTRA_SIZE_OFFSET + 4)
#define MMSTATS_V2_ENTRY_NAME_OFFSET (MMSTATS_V2_ENTRY_RESERVED_OFFSET + 4) /* == ENTRY_FIXED_SIZE */

/* ---- Value layouts, relative to the value's first byte ---- */
#define MMSTATS_V2_NUMBER_SIZE 8
#define MMSTATS_V2_SEQ_OFFSET 0
#define MMSTATS_V2_SEQ_SIZE 8
#define MMSTATS_V2_STRING_LENGTH_OFFSET (MMSTATS_V2_SEQ_OFFSET + MMSTATS_V2_SEQ_SIZE)
#define MMSTATS_V2_STRING_TEXT_OFFSET (MMSTATS_V2_STRING_LENGTH_OFFSET + 8) /* length u32 + reserved u32 */
#define MMSTATS_V2_HISTOGRAM_SUM_OFFSET (MMSTATS_V2_SEQ_OFFSET + MMSTATS_V2_SEQ_SIZE)
#define MMSTATS_V2_HISTOGRAM_BUCKETS_OFFSET (MMSTATS_V2_HISTOGRAM_SUM_OFFSET + 8)
/* value_size of a string of capacity c (a multiple of 8) and of a histogram of n bounds */
#define MMSTATS_V2_STRING_VALUE_SIZE(c) (MMSTATS_V2_STRING_TEXT_OFFSET + (c))
#define MMSTATS_V2_HISTOGRAM_VALUE_SIZE(n) (MMSTATS_V2_HISTOGRAM_BUCKETS_OFFSET + 8 * ((n) + 1))

/* ---- Codes ---- */
typedef enum mmstats_v2_state {
    MMSTATS_V2_CREATING = 0,
    MMSTATS_V2_READY = 1,
    MMSTATS_V2_CLOSED = 2
} mmstats_v2_state;

typedef enum mmstats_v2_kind {
    MMSTATS_V2_COUNTER = 1,        /* slots: u64, f64 */
    MMSTATS_V2_GAUGE = 2,          /* process: u64, i64, f64 */
    MMSTATS_V2_UPDOWN_COUNTER = 3, /* slots: i64, f64 */
    MMSTATS_V2_CONSTANT = 4,       /* process: u64, i64, f64, utf8 */
    MMSTATS_V2_STRING = 5,         /* process: utf8 */
    MMSTATS_V2_HISTOGRAM = 6       /* slots: f64 */
} mmstats_v2_kind;

typedef enum mmstats_v2_value_type {
    MMSTATS_V2_U64 = 1,
    MMSTATS_V2_I64 = 2,
    MMSTATS_V2_F64 = 3,
    MMSTATS_V2_UTF8 = 4
} mmstats_v2_value_type;

/* ---- Set-up types ---- */

typedef struct mmstats_v2_file mmstats_v2_file;

/* Where and how big the file is. Zero members take the defaults. */
typedef struct mmstats_v2_config {
    const char *path;          /* final name (must not exist); NULL: DIR/CMD-PID-START.mmstats */
    const char *dir;           /* for the default name; NULL: $MMSTATS_PATH, else /tmp */
    const char *cmd;           /* for the default name; NULL: this program's name (/proc/self/comm) */
    uint32_t meta_capacity;    /* bytes, a multiple of 8; 0: MMSTATS_V2_DEFAULT_META_CAPACITY */
    uint32_t process_capacity; /* bytes, a multiple of 8; 0: MMSTATS_V2_DEFAULT_PROCESS_CAPACITY */
    uint32_t slot_size;        /* bytes, a multiple of 8; 0: MMSTATS_V2_DEFAULT_SLOT_SIZE */
    uint32_t slot_count;       /* slots including the shared slot 0; 0: MMSTATS_V2_DEFAULT_SLOT_COUNT */
    uint32_t heartbeat_interval_ms; /* promised interval of mmstats_v2_heartbeat calls; 0: none */
    unsigned mode;             /* permission bits before the umask; 0: MMSTATS_DEFAULT_MODE */
    int keep;                  /* non-zero: mmstats_v2_close leaves the (closed) file in place */
    int quiet;                 /* non-zero: no line on stderr when the file is full */
} mmstats_v2_config;

/* One attribute. A length of 0 means strlen (an empty value needs no length). */
typedef struct mmstats_v2_attribute {
    const char *key;
    const char *value;
    size_t key_len;
    size_t value_len;
} mmstats_v2_attribute;

/* What every field may carry besides its name. NULL options: none of them. */
typedef struct mmstats_v2_options {
    const char *help;                       /* one line of UTF-8; NULL or "": none */
    const char *unit;                       /* UCUM, printable ASCII, <= 63 bytes; NULL or "": none */
    const mmstats_v2_attribute *attributes; /* key=value pairs, distinct keys */
    size_t attribute_count;
    size_t help_len;                        /* 0: strlen(help) */
} mmstats_v2_options;

/* The full description of a field: what the kind-specific functions below fill in. */
typedef struct mmstats_v2_desc {
    const char *name;
    size_t name_len;                  /* 0: strlen(name) */
    mmstats_v2_kind kind;
    mmstats_v2_value_type value_type;
    const mmstats_v2_options *options; /* may be NULL */
    const double *bounds;             /* histogram: finite, strictly increasing */
    size_t bound_count;
    size_t capacity;                  /* utf8: text bytes, rounded up to a multiple of 8;
                                         0 for a constant: the initial text's length */
    uint64_t initial_bits;            /* constant or gauge number: its u64, i64 or f64 bits */
    const char *initial_text;         /* utf8: the initial text, UTF-8 (cut to the capacity) */
    size_t initial_text_len;          /* 0: strlen(initial_text) */
} mmstats_v2_desc;

/* ---- Handles (read-only for users) ---- */

/* A thread's view of one file: the slot it writes (or an unpublished field's private copy). */
typedef struct mmstats_v2_thread {
    uint64_t own_key;    /* the hot path's key: (tag << 48) + base while this is a thread slot of the file
                            with that tag, else 0 (see MMSTATS_V2__KEY_SHIFT) */
    uint64_t file_id;    /* 0: none */
    unsigned char *base; /* first byte of the slot in the map */
    uint32_t shared;     /* 1: slot 0, updated with atomic read-modify-write */
    uint32_t slot;       /* slot index */
} mmstats_v2_thread;

/* What the hot path needs of one field. */
typedef struct mmstats_v2_field {
    mmstats_v2_file *file;
    uint64_t file_id;     /* identifies the file for the thread-slot cache; never reused;
                             MMSTATS_V2__NO_FILE when the field is not published */
    unsigned char *value; /* one-copy values: the value (process area, or private memory when the
                             field is not published); NULL for published slotted fields */
    uint64_t key;         /* slotted: offset - (tag << 48), modulo 2^64: own_key + key is the address of
                             the copy in the thread's slot when the tags are equal (MMSTATS_V2__NO_TAG
                             when unpublished, so never) */
    uint32_t offset;      /* slotted: value_offset in every slot */
    uint32_t kind;        /* mmstats_v2_kind */
    uint32_t value_type;  /* mmstats_v2_value_type */
    uint32_t published;   /* 0: the file was full; the field works but readers never see it */
    uint32_t capacity;    /* utf8: bytes of text */
    uint32_t bound_count; /* histogram */
    const double *bounds; /* histogram: the file's copy */
    mmstats_v2_thread unpublished; /* slotted and not published: the view of every thread (shared) */
} mmstats_v2_field;

#define MMSTATS_V2__NO_FILE UINT64_MAX /* never a file's id, so never in a thread's cache */
/* The thread-slot add finds its word with one sum and one compare: own_key (the thread's)
 * + key (the field's) = ((thread's tag - field's tag) << 48) + base + offset, which is below
 * 2^48, and so the word's address, exactly when the two tags are equal. That holds while every
 * slot word lies below 2^48, as user-space mappings do on x86-64 and AArch64 (a file mapped
 * higher gets no tag). Tags are 16 bits and never reused, so that a thread's cache naming a
 * closed file never matches a later one: files after the first 65534 of a process, and
 * unpublished fields, get MMSTATS_V2__NO_TAG, never in an own_key, and take the out-of-line
 * path. A thread without a thread slot of the file it last used has own_key 0 (tag 0). */
#define MMSTATS_V2__KEY_SHIFT 48
#define MMSTATS_V2__ADDRESS_LIMIT ((uint64_t)1 << MMSTATS_V2__KEY_SHIFT)
#define MMSTATS_V2__NO_TAG 0xffffu

/* One type per kind, so that a gauge cannot be passed where a counter goes. */
typedef struct mmstats_v2_counter { mmstats_v2_field f; } mmstats_v2_counter;
typedef struct mmstats_v2_updown { mmstats_v2_field f; } mmstats_v2_updown;
typedef struct mmstats_v2_gauge { mmstats_v2_field f; } mmstats_v2_gauge;
typedef struct mmstats_v2_constant { mmstats_v2_field f; } mmstats_v2_constant;
typedef struct mmstats_v2_string { mmstats_v2_field f; } mmstats_v2_string;
typedef struct mmstats_v2_histogram { mmstats_v2_field f; } mmstats_v2_histogram;

/* ---- Set-up (mmstats_v2.c) ---- */

/* Create the file under a temporary name, locked, sized, mapped, header written with
 * state creating. Fields may be registered before mmstats_v2_publish. NULL with *err
 * filled (errno, message naming the path) on failure; nothing is left behind. */
mmstats_v2_file *mmstats_v2_create(const mmstats_v2_config *cfg, mmstats_error *err);
/* Rename to the final name (never replacing a file) and release-store state ready. 0 or -1. */
int mmstats_v2_publish(mmstats_v2_file *f, mmstats_error *err);
/* mmstats_v2_create, then mmstats_v2_publish. */
mmstats_v2_file *mmstats_v2_open(const mmstats_v2_config *cfg, mmstats_error *err);
/* Release-store state closed, remove the file unless kept, unmap, close the locked
 * descriptor last, free every handle. In a forked child: only unmap and free. 0 or -1 with errno. */
int mmstats_v2_close(mmstats_v2_file *f);
/* Release-store the current time into heartbeat_unix_ns. */
void mmstats_v2_heartbeat(mmstats_v2_file *f);

/* Register a field (any time, from any thread). NULL with *err filled (EINVAL) for a bad
 * description. A field the file has no room for is counted in overflow_count and still
 * returned, unpublished (see mmstats_v2_published). err may be NULL. */
mmstats_v2_field *mmstats_v2_add_field(mmstats_v2_file *f, const mmstats_v2_desc *d, mmstats_error *err);

mmstats_v2_counter *mmstats_v2_counter_new(mmstats_v2_file *f, const char *name, mmstats_v2_value_type type,
                                           const mmstats_v2_options *o, mmstats_error *err); /* U64, F64 */
mmstats_v2_updown *mmstats_v2_updown_new(mmstats_v2_file *f, const char *name, mmstats_v2_value_type type,
                                         const mmstats_v2_options *o, mmstats_error *err);   /* I64, F64 */
mmstats_v2_gauge *mmstats_v2_gauge_new(mmstats_v2_file *f, const char *name, mmstats_v2_value_type type,
                                       const mmstats_v2_options *o, mmstats_error *err);     /* U64, I64, F64 */
mmstats_v2_string *mmstats_v2_string_new(mmstats_v2_file *f, const char *name, size_t capacity,
                                         const char *initial, const mmstats_v2_options *o, mmstats_error *err);
mmstats_v2_histogram *mmstats_v2_histogram_new(mmstats_v2_file *f, const char *name, const double *bounds,
                                               size_t bound_count, const mmstats_v2_options *o,
                                               mmstats_error *err);
mmstats_v2_constant *mmstats_v2_constant_u64(mmstats_v2_file *f, const char *name, uint64_t v,
                                             const mmstats_v2_options *o, mmstats_error *err);
mmstats_v2_constant *mmstats_v2_constant_i64(mmstats_v2_file *f, const char *name, int64_t v,
                                             const mmstats_v2_options *o, mmstats_error *err);
mmstats_v2_constant *mmstats_v2_constant_f64(mmstats_v2_file *f, const char *name, double v,
                                             const mmstats_v2_options *o, mmstats_error *err);
mmstats_v2_constant *mmstats_v2_constant_text(mmstats_v2_file *f, const char *name, const char *text,
                                              const mmstats_v2_options *o, mmstats_error *err);

/* Take this thread's slot now (the first slotted update does it otherwise). Returns the
 * slot index, 0 when the thread shares slot 0. */
uint32_t mmstats_v2_thread_attach(mmstats_v2_file *f);
/* Give this thread's slot back before the thread exits (its values stay). */
void mmstats_v2_thread_detach(mmstats_v2_file *f);

const char *mmstats_v2_path(const mmstats_v2_file *f);     /* final name */
const unsigned char *mmstats_v2_map(const mmstats_v2_file *f); /* the mapped bytes (tests, inspection) */
size_t mmstats_v2_size(const mmstats_v2_file *f);
int mmstats_v2_fd(const mmstats_v2_file *f);               /* the locked descriptor */

/* ---- Hot path: static inline; no locks, no system calls ---- */

/* The owner's load and store of a counter word in its own thread slot. The spec asks
 * for single-copy-atomic aligned 8-byte accesses and nothing more: the slot has one
 * writer, and no other word is ordered against them (slots_used, field_count, state,
 * sequences and slot 0 keep __atomic with their orders). A volatile access of an
 * aligned uint64_t is one full-width mov (x86-64) or ldr/str (AArch64) with GCC and
 * Clang, never split or merged, and the ISA makes such an access single-copy atomic:
 * the same reasoning as the Linux kernel's READ_ONCE/WRITE_ONCE. It is used instead of
 * a relaxed __atomic because GCC keeps ordinary loads (here the thread cache) in the
 * loop around any __atomic access, even a relaxed one, and moves them out past a
 * volatile one. Under ThreadSanitizer, which knows only __atomic, they are the relaxed
 * __atomic forms (the same instructions). */
#if defined(__SANITIZE_THREAD__)
#define MMSTATS_V2__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MMSTATS_V2__TSAN 1
#endif
#endif
#ifdef MMSTATS_V2__TSAN
#define MMSTATS_V2__OWN_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define MMSTATS_V2__OWN_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#else
#define MMSTATS_V2__OWN_LOAD(p) (*(const volatile uint64_t *)(p))
#define MMSTATS_V2__OWN_STORE(p, v) (*(volatile uint64_t *)(p) = (v))
#endif

/* The calling thread's view of the file it last updated (a one-entry cache). Initial-exec:
 * one load at a fixed offset from the thread pointer, also from a shared library (32 bytes
 * of static TLS). */
extern __thread mmstats_v2_thread mmstats_v2__current __attribute__((tls_model("initial-exec")));
/* Slow path: find or take this thread's slot of f, fill mmstats_v2__current. */
const mmstats_v2_thread *mmstats_v2__thread_slow(mmstats_v2_file *f);
/* Slow path of one field: the above, or the private view of an unpublished field. */
const mmstats_v2_thread *mmstats_v2__view_slow(const mmstats_v2_field *fd);

/* The view a slotted field's copy is found through: one compare on the fast path. */
static inline const mmstats_v2_thread *mmstats_v2__thread(const mmstats_v2_field *fd)
{
    const mmstats_v2_thread *t = &mmstats_v2__current;
    if (__builtin_expect(t->file_id == fd->file_id, 1))
        return t;
    return mmstats_v2__view_slow(fd);
}

static inline int mmstats_v2_published(const mmstats_v2_field *fd)
{
    return (int)fd->published;
}

static inline uint64_t *mmstats_v2__word(unsigned char *p)
{
    return (uint64_t *)(void *)p;
}

static inline uint64_t mmstats_v2__f64_bits(double v)
{
    uint64_t b;
    memcpy(&b, &v, 8);
    return b;
}

static inline double mmstats_v2__bits_f64(uint64_t b)
{
    double v;
    memcpy(&v, &b, 8);
    return v;
}

/* Where a slotted value's copy is for this thread; *shared: update with atomic RMW. */
static inline unsigned char *mmstats_v2__copy(const mmstats_v2_field *fd, int *shared)
{
    const mmstats_v2_thread *t = mmstats_v2__thread(fd);
    *shared = (int)t->shared;
    return t->base + fd->offset;
}

/* The owner's load and store of a counter word in its own thread slot (see above). */
static inline uint64_t mmstats_v2__own_load(const uint64_t *p)
{
    return MMSTATS_V2__OWN_LOAD(p);
}

static inline void mmstats_v2__own_store(uint64_t *p, uint64_t v)
{
    MMSTATS_V2__OWN_STORE(p, v);
}

/* The owner's add: the load, the add and the store above. On x86-64 that is one `add` with a
 * memory operand and no lock prefix: its load and its store are each one aligned 8-byte access
 * (single-copy atomic), which is all the spec asks of the owner; it is not an atomic
 * read-modify-write and needs none. Written as asm because GCC never merges volatile accesses
 * into it, and the three-instruction form measures slower in a loop. */
static inline void mmstats_v2__own_add(uint64_t *p, uint64_t n)
{
#if defined(__x86_64__) && !defined(MMSTATS_V2__TSAN)
    __asm__ __volatile__("addq %1, %0" : "+m"(*p) : "er"(n));
#else
    mmstats_v2__own_store(p, mmstats_v2__own_load(p) + n);
#endif
}

/* Out of line: the add of a thread whose cache does not name its own slot of the field's
 * file (slot 0, first update, another file last, an unpublished field). */
void mmstats_v2__add_int_slow(const mmstats_v2_field *fd, uint64_t n) __attribute__((cold));

/* Add n (wrapping) to a u64 or i64 copy. The everyday case, the thread's own slot of the
 * file it last updated, is the thread's key plus the field's, one compare, and the add
 * (MMSTATS_V2__KEY_SHIFT); slot 0 adds with fetch_add; anything else goes out of line. */
static inline void mmstats_v2__add_int(const mmstats_v2_field *fd, uint64_t n)
{
    const mmstats_v2_thread *t = &mmstats_v2__current;
    uint64_t at = t->own_key + fd->key;
    if (__builtin_expect(at < MMSTATS_V2__ADDRESS_LIMIT, 1))
        mmstats_v2__own_add((uint64_t *)(uintptr_t)at, n);
    else if (t->file_id == fd->file_id && t->shared)
        __atomic_fetch_add(mmstats_v2__word(t->base + fd->offset), n, __ATOMIC_RELAXED);
    else
        mmstats_v2__add_int_slow(fd, n);
}

/* Add x (binary64) to an f64 word: plain when owned, compare-and-swap loop when shared. */
static inline void mmstats_v2__add_f64_at(uint64_t *p, double x, int shared)
{
    uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
    if (__builtin_expect(shared, 0)) {
        while (!__atomic_compare_exchange_n(p, &old, mmstats_v2__f64_bits(mmstats_v2__bits_f64(old) + x), 1,
                                            __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            ;
    } else {
        __atomic_store_n(p, mmstats_v2__f64_bits(mmstats_v2__bits_f64(old) + x), __ATOMIC_RELAXED);
    }
}

static inline void mmstats_v2__add_f64(const mmstats_v2_field *fd, double x)
{
    int shared;
    uint64_t *p = mmstats_v2__word(mmstats_v2__copy(fd, &shared));
    mmstats_v2__add_f64_at(p, x, shared);
}

/* Counters (u64): add n >= 0, wrapping modulo 2^64. */
static inline void mmstats_v2_counter_add(mmstats_v2_counter *c, uint64_t n)
{
    mmstats_v2__add_int(&c->f, n);
}

static inline void mmstats_v2_counter_inc(mmstats_v2_counter *c)
{
    mmstats_v2__add_int(&c->f, 1);
}

/* Counters (f64): add x >= 0. */
static inline void mmstats_v2_counter_add_f64(mmstats_v2_counter *c, double x)
{
    mmstats_v2__add_f64(&c->f, x);
}

/* Up-down counters (i64): add n of either sign, wrapping. */
static inline void mmstats_v2_updown_add(mmstats_v2_updown *u, int64_t n)
{
    mmstats_v2__add_int(&u->f, (uint64_t)n);
}

/* Up-down counters (f64). */
static inline void mmstats_v2_updown_add_f64(mmstats_v2_updown *u, double x)
{
    mmstats_v2__add_f64(&u->f, x);
}

/* A counter's copy for the calling thread, found once: for a loop that updates one
 * counter (or up-down counter) many times, so that each update is only the load, the
 * add and the store. Valid in the calling thread until it exits or detaches, or the
 * file closes; passed by value, so that it stays in registers. */
typedef struct mmstats_v2_local {
    uint64_t *word;
    int shared;
} mmstats_v2_local;

static inline mmstats_v2_local mmstats_v2__local(const mmstats_v2_field *fd)
{
    mmstats_v2_local l;
    l.word = mmstats_v2__word(mmstats_v2__copy(fd, &l.shared));
    return l;
}

static inline mmstats_v2_local mmstats_v2_counter_local(mmstats_v2_counter *c)
{
    return mmstats_v2__local(&c->f);
}

static inline mmstats_v2_local mmstats_v2_updown_local(mmstats_v2_updown *u)
{
    return mmstats_v2__local(&u->f);
}

/* u64 counters (n >= 0) and i64 up-down counters (n of either sign, as uint64_t). */
static inline void mmstats_v2_local_add(mmstats_v2_local l, uint64_t n)
{
    if (__builtin_expect(l.shared, 0))
        __atomic_fetch_add(l.word, n, __ATOMIC_RELAXED);
    else
        mmstats_v2__own_add(l.word, n);
}

static inline void mmstats_v2_local_add_i64(mmstats_v2_local l, int64_t n)
{
    mmstats_v2_local_add(l, (uint64_t)n);
}

static inline void mmstats_v2_local_add_f64(mmstats_v2_local l, double x)
{
    mmstats_v2__add_f64_at(l.word, x, l.shared);
}

/* Gauges: one atomic store; the last store wins. */
static inline void mmstats_v2_gauge_set_u64(mmstats_v2_gauge *g, uint64_t v)
{
    __atomic_store_n(mmstats_v2__word(g->f.value), v, __ATOMIC_RELAXED);
}

static inline void mmstats_v2_gauge_set_i64(mmstats_v2_gauge *g, int64_t v)
{
    mmstats_v2_gauge_set_u64(g, (uint64_t)v);
}

static inline void mmstats_v2_gauge_set_f64(mmstats_v2_gauge *g, double v)
{
    mmstats_v2_gauge_set_u64(g, mmstats_v2__f64_bits(v));
}

/* Gauges, add (any thread): atomic read-modify-write on the single copy. */
static inline void mmstats_v2_gauge_add_i64(mmstats_v2_gauge *g, int64_t n)
{
    __atomic_fetch_add(mmstats_v2__word(g->f.value), (uint64_t)n, __ATOMIC_RELAXED);
}

static inline void mmstats_v2_gauge_add_f64(mmstats_v2_gauge *g, double x)
{
    mmstats_v2__add_f64_at(mmstats_v2__word(g->f.value), x, 1);
}

/* Sequence lock, writer side (spec: "Updating a multi-word value"). Returns the odd
 * sequence; the payload stores follow, then mmstats_v2__seq_end. */
static inline uint64_t mmstats_v2__seq_begin(uint64_t *seq, int shared)
{
    uint64_t s;
    if (shared) {
        s = __atomic_load_n(seq, __ATOMIC_RELAXED);
        for (;;) {
            if (s & 1) { /* another writer holds it: it never blocks inside, so spin */
                s = __atomic_load_n(seq, __ATOMIC_RELAXED);
                continue;
            }
            if (__atomic_compare_exchange_n(seq, &s, s + 1, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                break;
        }
    } else {
        s = __atomic_load_n(seq, __ATOMIC_RELAXED);
        __atomic_store_n(seq, s + 1, __ATOMIC_RELAXED);
    }
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the odd sequence before the payload */
    return s + 1;
}

static inline void mmstats_v2__seq_end(uint64_t *seq, uint64_t odd)
{
    __atomic_store_n(seq, odd + 1, __ATOMIC_RELEASE);
}

/* Bucket of v: the first i with v <= bounds[i], else n (+Inf; NaN lands there too).
 * Few bounds: count those below v, with no branch to mispredict; many: binary search. */
static inline uint32_t mmstats_v2__bucket(const double *bounds, uint32_t n, double v)
{
    uint32_t lo = 0, hi = n;
    if (n <= 16) {
        uint32_t i;
        for (i = 0; i < n; i++)
            lo += !(v <= bounds[i]);
        return lo;
    }
    while (lo < hi) { /* the first bound >= v */
        uint32_t mid = lo + (hi - lo) / 2;
        if (v <= bounds[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Histograms: one observation, under the copy's sequence. */
static inline void mmstats_v2_histogram_observe(mmstats_v2_histogram *h, double v)
{
    int shared;
    unsigned char *copy = mmstats_v2__copy(&h->f, &shared);
    uint64_t *seq = mmstats_v2__word(copy + MMSTATS_V2_SEQ_OFFSET);
    uint64_t *sum = mmstats_v2__word(copy + MMSTATS_V2_HISTOGRAM_SUM_OFFSET);
    uint64_t *bucket = mmstats_v2__word(copy + MMSTATS_V2_HISTOGRAM_BUCKETS_OFFSET) +
                       mmstats_v2__bucket(h->f.bounds, h->f.bound_count, v);
    uint64_t odd = mmstats_v2__seq_begin(seq, shared);
    __atomic_store_n(sum, mmstats_v2__f64_bits(mmstats_v2__bits_f64(__atomic_load_n(sum, __ATOMIC_RELAXED)) + v),
                     __ATOMIC_RELAXED);
    __atomic_store_n(bucket, __atomic_load_n(bucket, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
    mmstats_v2__seq_end(seq, odd);
}

/* Store len bytes of text (len <= capacity) and the length under the value's sequence.
 * The text goes in 8-byte relaxed atomic stores (the last word zero-padded). */
static inline void mmstats_v2__text_store(unsigned char *value, const char *text, size_t len)
{
    uint64_t *seq = mmstats_v2__word(value + MMSTATS_V2_SEQ_OFFSET);
    uint64_t *words = mmstats_v2__word(value + MMSTATS_V2_STRING_TEXT_OFFSET);
    uint64_t odd = mmstats_v2__seq_begin(seq, 1);
    size_t i, full = len / 8;
    /* length u32 then reserved u32 (0): one little-endian word */
    __atomic_store_n(mmstats_v2__word(value + MMSTATS_V2_STRING_LENGTH_OFFSET), (uint64_t)len, __ATOMIC_RELAXED);
    for (i = 0; i < full; i++) {
        uint64_t w;
        memcpy(&w, text + 8 * i, 8);
        __atomic_store_n(words + i, w, __ATOMIC_RELAXED);
    }
    if (len % 8) {
        uint64_t w = 0;
        memcpy(&w, text + 8 * full, len % 8);
        __atomic_store_n(words + full, w, __ATOMIC_RELAXED);
    }
    mmstats_v2__seq_end(seq, odd);
}

/* Strings: set the text, cut on a character boundary to the capacity. Any thread. The
 * text is taken to be UTF-8 (not checked here: readers show ill-formed bytes as U+FFFD). */
static inline void mmstats_v2_string_set_n(mmstats_v2_string *s, const char *text, size_t len)
{
    mmstats_v2__text_store(s->f.value, text, mmstats_utf8_cut(text, len, s->f.capacity));
}

static inline void mmstats_v2_string_set(mmstats_v2_string *s, const char *text)
{
    mmstats_v2_string_set_n(s, text, strlen(text));
}

#ifdef __cplusplus
}
#endif

#endif /* MMSTATS_V2_H */
