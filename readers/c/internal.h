/* internal.h -- what the reader's source files share; not part of the API. */
#ifndef MMSTATS_READ_INTERNAL_H
#define MMSTATS_READ_INTERNAL_H

#include "mmstats_read.h"

#define MMR_PAGE_SIZE 4096u /* the file size is a positive multiple of this */

/* Where the walk sends problems, in the order the version's walk finds them (in
 * version 1 by offset: the walk only moves forward and bad_file_size, at the file
 * size, comes last); first_only lets a reader stop the walk at the first one. */
typedef struct mmr_sink {
    void (*emit)(struct mmr_sink *s, const mmr_problem *p);
    int first_only;
    size_t count;
} mmr_sink;

void mmr__emit(mmr_sink *s, mmr_code code, uint64_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* The walk stops when this is true. */
static inline int mmr__done(const mmr_sink *s) { return s->first_only && s->count > 0; }

/* One record as the walk found it (offsets into the file). */
typedef struct {
    uint64_t label_off, type_off, wb_off, val_off;
    uint32_t label_len, type_len;
    mmr_kind kind;
    uint32_t size;
    int buffered;
    /* Version 2: the type's name is not in the file; the entry's other parts are. */
    const char *type_name, *kind_name;
    uint64_t unit_off, help_off, attr_off, bounds_off;
    uint32_t unit_len, help_len, attr_len, attr_count, bound_count;
    int slotted;
} mmr_rec;

typedef struct {
    mmr_rec *recs;
    size_t count, cap;
    uint64_t records_end;
    int oom;
    mmr_v2_header v2; /* version 2: the header the walk checked */
} mmr_layout;

int mmr__layout_add(mmr_layout *l, const mmr_rec *r);

/* One format version: everything that depends on the layout behind the version byte. */
typedef struct {
    int version;
    /* Walk the records after the version byte: problems to the sink, records to
     * lay (NULL for a validator). The file-size rule is checked by the caller. */
    void (*walk)(const unsigned char *d, size_t size, mmr_sink *s, mmr_layout *lay);
    /* Take the current sample of every value from d (possibly a live mapping). */
    int (*load_values)(const unsigned char *d, size_t size, mmr_file *f, mmr_problem *first);
    /* Re-read the records of img from fd until their samples are stable, as the
     * version's retry rule says; img then holds a consistent copy of each one.
     * 1: img (a new copy) has more fields than f was parsed with: parse it again. */
    int (*settle_fd)(int fd, unsigned char *img, size_t size, const mmr_file *f, mmr_problem *first);
} mmr_format;

extern const mmr_format mmr__format_v1;
extern const mmr_format mmr__format_v2;

/* The format of a version byte, or NULL (bad_version; 0 is not_ready). */
const mmr_format *mmr__format_for(unsigned version);

/* Dispatch on the version byte, walk, check the size. Returns the format or NULL. */
const mmr_format *mmr__scan(const unsigned char *d, size_t size, mmr_sink *s, mmr_layout *lay);
/* mmr__scan's steps alone: the format of d's version byte (NULL after not_ready or
 * bad_version; d may be NULL when size is 0; *not_ready: the file-size rule does
 * not apply yet), and the file-size rule. */
const mmr_format *mmr__dispatch(const unsigned char *d, size_t size, mmr_sink *s, int *not_ready);
void mmr__check_size(size_t size, mmr_sink *s);

/* A sink that keeps the first problem only (a reader's). */
typedef struct {
    mmr_sink sink;
    mmr_problem first;
} mmr_first_sink;
#define MMR_FIRST_SINK_INIT {{mmr__keep_first, 1, 0}, {0}}
void mmr__keep_first(mmr_sink *s, const mmr_problem *p);

/* A mapping reader's parse of a version 2 file, kept between polls (v2.c): the
 * header once, then only the entries beyond its cursor, each copied to private
 * memory before it is checked. */
typedef struct mmr_v2_cursor mmr_v2_cursor;
mmr_v2_cursor *mmr__v2_cursor_new(void); /* NULL when out of memory */
void mmr__v2_cursor_free(mmr_v2_cursor *c);
/* Forget the parse (the count of entries parsed stays). */
void mmr__v2_cursor_reset(mmr_v2_cursor *c);
/* Parse what is new in the mapping map (size bytes): problems to s; 1: the layout
 * grew (build the file again), 0: nothing new, -1: out of memory. */
int mmr__v2_cursor_advance(mmr_v2_cursor *c, const unsigned char *map, size_t size, mmr_sink *s);
/* The decoded file of the entries parsed so far (values not loaded). -1: out of memory. */
int mmr__v2_cursor_build(const mmr_v2_cursor *c, mmr_file *f);
/* Entries checked over the cursor's life. */
size_t mmr__v2_cursor_parsed(const mmr_v2_cursor *c);

/* Build f's fields (labels and types copied) from a layout. -1: out of memory. */
int mmr__build_file(const unsigned char *d, const mmr_layout *lay, int version, mmr_file *f);

/* Little-endian words of a file at any address (plain loads: private copies and headers). */
uint16_t mmr__le16(const unsigned char *p);
uint32_t mmr__le32(const unsigned char *p);
uint64_t mmr__le64(const unsigned char *p);

/* Decode one value from a private copy of its bytes (f->size of them). -1: out of memory. */
int mmr__decode_value(mmr_field *f, const unsigned char *bytes);

/* Well-formed UTF-8 sequence at s: its length, or 0 and *bad the length of the
 * maximal subpart to replace (at least 1). *cp gets the code point when well-formed. */
size_t mmr__utf8_seq(const unsigned char *s, size_t left, size_t *bad, uint32_t *cp);

/* Bytes mmr_utf8_replace writes for in (without the NUL). */
size_t mmr__utf8_replaced_len(const unsigned char *in, size_t n);

/* Bytes shown safely inside a message: printable ASCII as is, others \xNN, cut at max. */
void mmr__show_bytes(char *out, size_t outsz, const unsigned char *b, size_t n, size_t max);

/* File access shared by the one-shot functions and the poller. */
int mmr__open_regular(const char *path, int *fd, mmr_ioerr *io);
/* file_too_large for a file of size bytes. */
void mmr__too_large(mmr_problem *first, uint64_t max_size, unsigned long long size);
/* pread exactly n bytes at off; returns bytes read (less at end of file), -1 on error. */
long long mmr__pread_full(int fd, unsigned char *buf, size_t n, uint64_t off);
/* Read the whole file into a malloc'd image (size limit checked). MMR_OK, MMR_INVALID
 * (file_too_large in *first) or MMR_IOERR. */
int mmr__read_image(int fd, uint64_t max_size, unsigned char **img, size_t *size, mmr_problem *first,
                    mmr_ioerr *io);

/* Parse an image we own, settle it with fd, take the values. MMR_OK, MMR_INVALID, MMR_IOERR. */
int mmr__decode_image(int fd, unsigned char *img, size_t size, mmr_file *out, mmr_problem *first, mmr_ioerr *io);

/* A growable text buffer for the JSON writer. */
typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} mmr_text;

void mmr__text_put(mmr_text *t, const char *s, size_t n);
void mmr__text_puts(mmr_text *t, const char *s);
/* A JSON string of well-formed UTF-8 s (quotes included). */
void mmr__text_json_string(mmr_text *t, const char *s, size_t n);

/* A buffer as large as the largest field's value and at least `at_least` bytes (malloc; NULL if none). */
unsigned char *mmr__field_scratch(const mmr_file *f, size_t at_least);

#endif
