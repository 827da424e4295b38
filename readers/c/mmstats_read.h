/* mmstats_read.h -- read, re-read and validate mmstats files (spec/v1.md, spec/v2.md).
 *
 * C11, libc only. Files are read with pread() into memory; only the mapping poller
 * (mmr_mapped_*) maps them. Every function that reads a path refuses anything but a
 * regular file and files over a size limit, and never blocks on a FIFO. Nothing here
 * writes to a stats file.
 *
 * Results of the functions that take a path:
 *   MMR_OK       the file is valid (read) or has no problem (validate)
 *   MMR_INVALID  the file breaks the format: see the mmr_problem(s)
 *   MMR_IOERR    the file could not be read (not found, not a regular file...): see mmr_ioerr
 */
#ifndef MMSTATS_READ_H
#define MMSTATS_READ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MMR_DEFAULT_MAX_SIZE 268435456u /* the spec's recommended size limit (256 MiB) */
#define MMR_MAX_RETRIES 3               /* re-reads of a buffered value whose write buffer flipped */
#define MMR_V2_MAX_TRIES 100            /* v2: tries per sequence-locked copy before it reads as null */
#define MMR_V2_YIELD_EVERY 10           /* v2: yield the processor after this many tries */

enum mmr_status { MMR_OK = 0, MMR_INVALID = 1, MMR_IOERR = 2 };

/* The spec's error codes, in the order of its table. */
typedef enum {
    MMR_NOT_READY,
    MMR_BAD_VERSION,
    MMR_TRUNCATED_RECORD,
    MMR_PAST_EOF,
    MMR_BAD_LABEL_UTF8,
    MMR_UNKNOWN_TYPE,
    MMR_BAD_WRITE_BUFFER,
    MMR_TRAILING_GARBAGE,
    MMR_BAD_FILE_SIZE,
    MMR_FILE_TOO_LARGE,
    /* version 2 only */
    MMR_BAD_HEADER_SIZE,
    MMR_BAD_STATE,
    MMR_BAD_REGION,
    MMR_BAD_COUNT,
    MMR_BAD_ENTRY_SIZE,
    MMR_BAD_LENGTHS,
    MMR_BAD_NAME,
    MMR_BAD_UTF8,
    MMR_BAD_UNIT,
    MMR_BAD_ATTRIBUTES,
    MMR_BAD_VALUE_TYPE,
    MMR_BAD_VALUE_OFFSET,
    MMR_BAD_VALUE_SIZE,
    MMR_BAD_HISTOGRAM,
    MMR_BAD_STRING_LENGTH,
    MMR_CODE_COUNT
} mmr_code;

/* "not_ready", "bad_version", ... (the spec's spelling). */
const char *mmr_code_name(mmr_code code);

typedef struct {
    mmr_code code;
    uint64_t offset;
    char message[200]; /* free text: the bad value and the limit; never the path */
} mmr_problem;

typedef struct {
    size_t count;
    mmr_problem *items; /* in the order of the spec's "Finding problems" (version 1: by offset) */
} mmr_problems;

void mmr_problems_free(mmr_problems *p);

/* Why a path could not be read. */
typedef struct {
    int err;           /* errno, or 0 for a refusal such as "not a regular file" */
    char message[200]; /* e.g. "not a regular file (a FIFO)"; never the path */
} mmr_ioerr;

/* How a value is stored. */
typedef enum { MMR_INT, MMR_UINT, MMR_FLOAT32, MMR_FLOAT64, MMR_BOOL, MMR_STRING, MMR_HISTOGRAM } mmr_kind;

/* A version 2 attribute: key and value are well-formed UTF-8, not NUL-terminated. */
typedef struct {
    const char *key, *value;
    size_t key_len, value_len;
} mmr_attr;

typedef struct {
    /* Layout: fixed for the life of the file. */
    const char *label; /* well-formed UTF-8, NUL-terminated; it may hold U+0000 itself, so use label_len */
    size_t label_len;
    const char *type; /* the signature as stored ("Q", "255s"), NUL-terminated */
    mmr_kind kind;
    uint32_t size;       /* bytes of one value */
    int buffered;        /* write_buffer was 0 or 1 */
    uint64_t wb_offset;  /* offset of the write_buffer byte */
    uint64_t val_offset; /* offset of value (unbuffered) or value[0] (buffered) */
    /* Value: the current sample. */
    union {
        int64_t i;  /* MMR_INT */
        uint64_t u; /* MMR_UINT */
        double d;   /* MMR_FLOAT32 (widened exactly) and MMR_FLOAT64 */
        int b;      /* MMR_BOOL: 0 or 1 */
    } v;
    char *str;      /* MMR_STRING: UTF-8 with each maximal ill-formed subpart as U+FFFD, NUL-terminated */
    size_t str_len; /* bytes of str without the NUL */
    size_t str_cap; /* internal */
    /* Version 2 only (NULL / 0 in version 1). */
    const char *kind_name; /* "counter", "gauge", "updown_counter", "constant", "string", "histogram" */
    const char *unit, *help; /* unit: printable ASCII; help: UTF-8; NUL-terminated */
    size_t unit_len, help_len;
    const mmr_attr *attrs;
    size_t attr_count;
    int slotted;       /* a copy in each slot (val_offset: the copy in slot 0) */
    int is_null;       /* a sequence-locked value without a consistent copy */
    size_t bound_count; /* MMR_HISTOGRAM: bounds[bound_count], buckets[bound_count + 1] (not cumulative) */
    const double *bounds;
    uint64_t *buckets;
    double hist_sum;
} mmr_field;

/* The version 2 header (spec/v2.md "Header"). */
typedef struct {
    unsigned minor;
    unsigned state; /* 1 ready, 2 closed */
    uint64_t pid, start_ticks, created_unix_ns, heartbeat_unix_ns;
    uint32_t heartbeat_interval_ms, overflow_count;
    uint32_t slot_size, slot_count, slots_used;
    uint32_t field_count; /* published entries when the layout was parsed */
} mmr_v2_header;

typedef struct {
    int format_version;
    size_t count;
    mmr_field *fields; /* in file order */
    uint64_t records_end; /* offset one past the last record */
    char *names;          /* internal: storage of labels and types */
    mmr_v2_header v2;     /* format_version 2 only */
    void *extra;          /* internal: storage of attributes, bounds and buckets */
} mmr_file;

void mmr_file_free(mmr_file *f);

/* One-shot read of bytes in memory (for example a file read by the caller, or a
 * live shared mapping: the version and write_buffer bytes are loaded with acquire
 * loads and buffered values are copied with the spec's re-check and retry rule).
 * Returns MMR_OK and fills *out, MMR_INVALID and the first problem, or MMR_IOERR
 * when out of memory. */
int mmr_read_buffer(const unsigned char *data, size_t size, mmr_file *out, mmr_problem *first);

/* One-shot read of a path, refusing files over max_size bytes (file_too_large). */
int mmr_read_path(const char *path, uint64_t max_size, mmr_file *out, mmr_problem *first, mmr_ioerr *io);

/* Every problem of the bytes or path, in the walk's order (empty list: valid). The
 * list is malloc'd; free it with mmr_problems_free. mmr_validate_buffer returns
 * -1 when out of memory. */
int mmr_validate_buffer(const unsigned char *data, size_t size, mmr_problems *out);
int mmr_validate_path(const char *path, uint64_t max_size, mmr_problems *out, mmr_ioerr *io);

/* The same without a list (a hostile file can hold millions of problems): fn gets
 * each problem in order. Return the number of problems / MMR_OK, MMR_INVALID, MMR_IOERR. */
typedef void (*mmr_problem_fn)(const mmr_problem *p, void *ctx);
size_t mmr_validate_buffer_each(const unsigned char *data, size_t size, mmr_problem_fn fn, void *ctx);
int mmr_validate_path_each(const char *path, uint64_t max_size, mmr_problem_fn fn, void *ctx, size_t *count,
                           mmr_ioerr *io);

/* The polling re-reader: parses a file's layout once per identity (device, inode,
 * size, ctime) and on each poll re-reads only the values with pread(). A replaced
 * or rewritten file (new identity) is parsed again. */
typedef struct mmr_poller mmr_poller;

mmr_poller *mmr_poller_new(const char *path, uint64_t max_size); /* NULL when out of memory */
/* Poll once. On MMR_OK *file points at the poller's decoded file (valid until the
 * next poll or mmr_poller_free) and *reparsed says whether the layout was parsed
 * in this poll. not_ready is reported as MMR_INVALID: poll again later. */
int mmr_poller_poll(mmr_poller *p, const mmr_file **file, int *reparsed, mmr_problem *first, mmr_ioerr *io);
void mmr_poller_free(mmr_poller *p);

/* The mapping poller, version 2 only (spec/v2.md "Readers that map the file"): the
 * file is mapped read-only once and every poll reads it in place, with the spec's
 * acquire loads, one 8-byte load per number and the sequence protocol per string
 * and histogram copy. The header is parsed once, then only the entries published
 * since the last poll, each copied before it is checked. Each poll compares the
 * file's size with the mapped size (bad_file_size: no load past a shrunk file) and
 * the path's device and inode with the mapped file's (replaced: mapped again). A
 * version 1 file is MMR_IOERR (mmr_poller reads it). After any error the next poll
 * opens the path again. Same results and lifetimes as mmr_poller_poll. */
typedef struct mmr_mapped mmr_mapped;

mmr_mapped *mmr_mapped_new(const char *path, uint64_t max_size); /* NULL when out of memory */
int mmr_mapped_poll(mmr_mapped *p, const mmr_file **file, int *reparsed, mmr_problem *first, mmr_ioerr *io);
/* Entries checked since mmr_mapped_new (each one once while the file stays mapped). */
size_t mmr_mapped_entries_parsed(const mmr_mapped *p);
void mmr_mapped_free(mmr_mapped *p); /* unmaps and closes */

/* The canonical JSON object of a file (spec "Canonical decoded form"), one line,
 * no newline. The path is written with U+FFFD for ill-formed UTF-8. Returns a
 * malloc'd NUL-terminated text and its length, or NULL when out of memory. */
char *mmr_canonical_json(const char *path, const mmr_file *f, size_t *len);

/* Python's repr of a double: the shortest text that reads back to the same bits,
 * fixed notation for exponents -4 to 15, else d.ddde+XX; "nan", "inf", "-inf".
 * out needs 32 bytes. Returns the length. */
size_t mmr_float_repr(double v, char out[32]);

/* UTF-8 decoding with U+FFFD for each maximal subpart of an ill-formed sequence.
 * out needs 3 * n bytes (+1 for the NUL written). Returns the output length. */
size_t mmr_utf8_replace(const unsigned char *in, size_t n, char *out);
/* Offset of the first byte of the first ill-formed sequence, or n when well-formed. */
size_t mmr_utf8_first_invalid(const unsigned char *in, size_t n);

/* A file name made safe for a terminal line: control characters (C0, DEL, C1) and
 * bytes of ill-formed UTF-8 as \xNN, a backslash as \\. Malloc'd; NULL on no memory. */
char *mmr_escape_text(const char *s);

/* The line "PATH: offset N: CODE: message (at 0xN)" on fp, the path escaped. */
void mmr_print_problem(FILE *fp, const char *path, const mmr_problem *p);

#endif
