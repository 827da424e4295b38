/* scan.c -- the version dispatch and the rules around every version: not_ready,
 * bad_version, the file size. The records are the format version's own business. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every version this reader knows, by version byte. A new version is one source
 * file and one line here. A file size that is not a multiple of the page size is
 * reported here, after the version's walk (version 2's walk stops at it). */
static const struct {
    const mmr_format *fmt;
} formats[] = {{&mmr__format_v1}, {&mmr__format_v2}};

static const char *const code_names[MMR_CODE_COUNT] = {
    "not_ready",        "bad_version",    "truncated_record", "past_eof",      "bad_label_utf8",
    "unknown_type",     "bad_write_buffer", "trailing_garbage", "bad_file_size", "file_too_large",
    "bad_header_size",  "bad_state",        "bad_region",       "bad_count",     "bad_entry_size",
    "bad_lengths",      "bad_name",         "bad_utf8",         "bad_unit",      "bad_attributes",
    "bad_value_type",   "bad_value_offset", "bad_value_size",   "bad_histogram", "bad_string_length",
};

const char *mmr_code_name(mmr_code code)
{
    return (unsigned)code < MMR_CODE_COUNT ? code_names[code] : "unknown_code";
}

void mmr__emit(mmr_sink *s, mmr_code code, uint64_t offset, const char *fmt, ...)
{
    mmr_problem p;
    va_list ap;
    if (mmr__done(s))
        return;
    p.code = code;
    p.offset = offset;
    va_start(ap, fmt);
    vsnprintf(p.message, sizeof p.message, fmt, ap);
    va_end(ap);
    s->count++;
    s->emit(s, &p);
}

static size_t format_index(unsigned version)
{
    size_t i;
    for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if ((unsigned)formats[i].fmt->version == version)
            break;
    return i;
}

const mmr_format *mmr__format_for(unsigned version)
{
    size_t i = format_index(version);
    return i < sizeof formats / sizeof formats[0] ? formats[i].fmt : NULL;
}

const mmr_format *mmr__dispatch(const unsigned char *d, size_t size, mmr_sink *s, int *not_ready)
{
    const mmr_format *fmt;
    unsigned version;
    *not_ready = 1;
    if (size == 0) {
        mmr__emit(s, MMR_NOT_READY, 0, "the file is empty: a writer is creating it");
        return NULL;
    }
    /* Acquire: when d is a live mapping, every byte the writer stored before
     * publishing the version byte is visible after this load. */
    version = __atomic_load_n(&d[0], __ATOMIC_ACQUIRE);
    if (version == 0) {
        mmr__emit(s, MMR_NOT_READY, 0, "the version byte is 0x00: a writer is creating the file");
        return NULL;
    }
    *not_ready = 0;
    fmt = mmr__format_for(version);
    if (!fmt)
        mmr__emit(s, MMR_BAD_VERSION, 0, "version byte is 0x%02x; supported: 0x01, 0x02", version);
    return fmt;
}

void mmr__check_size(size_t size, mmr_sink *s)
{
    if (size % MMR_PAGE_SIZE)
        mmr__emit(s, MMR_BAD_FILE_SIZE, size, "file size %zu is not a multiple of %u", size, MMR_PAGE_SIZE);
}

const mmr_format *mmr__scan(const unsigned char *d, size_t size, mmr_sink *s, mmr_layout *lay)
{
    int not_ready;
    const mmr_format *fmt = mmr__dispatch(d, size, s, &not_ready);
    if (fmt)
        fmt->walk(d, size, s, lay);
    if (!not_ready)
        mmr__check_size(size, s);
    return fmt;
}

void mmr_print_problem(FILE *fp, const char *path, const mmr_problem *p)
{
    char *esc = mmr_escape_text(path);
    fprintf(fp, "%s: offset %llu: %s: %s (at 0x%llx)\n", esc ? esc : "(out of memory)",
            (unsigned long long)p->offset, mmr_code_name(p->code), p->message, (unsigned long long)p->offset);
    free(esc);
}
