/* read.c -- the one-shot reader and the validator, of bytes or of a path. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void mmr__keep_first(mmr_sink *s, const mmr_problem *p)
{
    mmr_first_sink *fs = (mmr_first_sink *)s;
    if (s->count == 1)
        fs->first = *p;
}

/* The validator's list. */
typedef struct {
    mmr_sink sink;
    mmr_problems *out;
    size_t cap;
    int oom;
} list_sink;

static void append(mmr_sink *s, const mmr_problem *p)
{
    list_sink *ls = (list_sink *)s;
    if (ls->oom)
        return;
    if (ls->out->count == ls->cap) {
        size_t cap = ls->cap ? 2 * ls->cap : 8;
        mmr_problem *q = realloc(ls->out->items, cap * sizeof *q);
        if (!q) {
            ls->oom = 1;
            return;
        }
        ls->out->items = q;
        ls->cap = cap;
    }
    ls->out->items[ls->out->count++] = *p;
}

/* Walk d and build the decoded layout. MMR_OK, MMR_INVALID (*first) or -1 (out of memory). */
static int parse(const unsigned char *d, size_t size, mmr_file *out, mmr_problem *first, const mmr_format **fmtp)
{
    mmr_first_sink fs = MMR_FIRST_SINK_INIT;
    mmr_layout lay = {0};
    const mmr_format *fmt = mmr__scan(d, size, &fs.sink, &lay);
    int rc;
    if (fs.sink.count) {
        *first = fs.first;
        free(lay.recs);
        return MMR_INVALID;
    }
    if (lay.oom) {
        free(lay.recs);
        return -1;
    }
    rc = mmr__build_file(d, &lay, fmt->version, out);
    free(lay.recs);
    *fmtp = fmt;
    return rc;
}

int mmr_read_buffer(const unsigned char *data, size_t size, mmr_file *out, mmr_problem *first)
{
    const mmr_format *fmt;
    int rc;
    memset(out, 0, sizeof *out);
    rc = parse(data, size, out, first, &fmt);
    if (rc == MMR_OK)
        rc = fmt->load_values(data, size, out, first);
    if (rc != MMR_OK)
        mmr_file_free(out);
    return rc < 0 ? MMR_IOERR : rc;
}

static int no_memory(mmr_ioerr *io)
{
    io->err = ENOMEM;
    snprintf(io->message, sizeof io->message, "out of memory");
    return MMR_IOERR;
}

/* Parse, settle with fd, and take the values of a file image we own. */
int mmr__decode_image(int fd, unsigned char *img, size_t size, mmr_file *out, mmr_problem *first, mmr_ioerr *io)
{
    const mmr_format *fmt;
    int rc = parse(img, size, out, first, &fmt);
    if (rc == MMR_OK)
        rc = fmt->settle_fd(fd, img, size, out, first);
    if (rc == MMR_OK)
        rc = fmt->load_values(img, size, out, first);
    if (rc != MMR_OK)
        mmr_file_free(out);
    return rc < 0 ? no_memory(io) : rc;
}

int mmr_read_path(const char *path, uint64_t max_size, mmr_file *out, mmr_problem *first, mmr_ioerr *io)
{
    unsigned char *img = NULL;
    size_t size = 0;
    int fd, rc;
    memset(out, 0, sizeof *out);
    rc = mmr__open_regular(path, &fd, io);
    if (rc != MMR_OK)
        return rc;
    rc = mmr__read_image(fd, max_size, &img, &size, first, io);
    if (rc == MMR_OK)
        rc = mmr__decode_image(fd, img, size, out, first, io);
    free(img);
    close(fd);
    return rc;
}

/* The streaming validator passes each problem on as the walk finds it. */
typedef struct {
    mmr_sink sink;
    mmr_problem_fn fn;
    void *ctx;
} call_sink;

static void call(mmr_sink *s, const mmr_problem *p)
{
    call_sink *cs = (call_sink *)s;
    cs->fn(p, cs->ctx);
}

size_t mmr_validate_buffer_each(const unsigned char *data, size_t size, mmr_problem_fn fn, void *ctx)
{
    call_sink cs = {{call, 0, 0}, fn, ctx};
    mmr__scan(data, size, &cs.sink, NULL);
    return cs.sink.count;
}

int mmr_validate_path_each(const char *path, uint64_t max_size, mmr_problem_fn fn, void *ctx, size_t *count,
                           mmr_ioerr *io)
{
    unsigned char *img = NULL;
    size_t size = 0;
    mmr_problem first;
    int fd, rc;
    *count = 0;
    rc = mmr__open_regular(path, &fd, io);
    if (rc != MMR_OK)
        return rc;
    rc = mmr__read_image(fd, max_size, &img, &size, &first, io);
    close(fd);
    if (rc == MMR_INVALID) { /* file_too_large replaces every other problem */
        fn(&first, ctx);
        *count = 1;
    } else if (rc == MMR_OK) {
        *count = mmr_validate_buffer_each(img, size, fn, ctx);
        rc = *count ? MMR_INVALID : MMR_OK;
    }
    free(img);
    return rc;
}

int mmr_validate_buffer(const unsigned char *data, size_t size, mmr_problems *out)
{
    list_sink ls = {{append, 0, 0}, out, 0, 0};
    out->count = 0;
    out->items = NULL;
    mmr__scan(data, size, &ls.sink, NULL);
    if (ls.oom) {
        mmr_problems_free(out);
        return -1;
    }
    return out->count ? MMR_INVALID : MMR_OK;
}

static void collect(const mmr_problem *p, void *ctx)
{
    list_sink *ls = ctx;
    append(&ls->sink, p);
}

int mmr_validate_path(const char *path, uint64_t max_size, mmr_problems *out, mmr_ioerr *io)
{
    list_sink ls = {{append, 0, 0}, out, 0, 0};
    size_t count;
    int rc;
    out->count = 0;
    out->items = NULL;
    rc = mmr_validate_path_each(path, max_size, collect, &ls, &count, io);
    if (ls.oom) {
        mmr_problems_free(out);
        return no_memory(io);
    }
    return rc;
}

void mmr_problems_free(mmr_problems *p)
{
    free(p->items);
    p->items = NULL;
    p->count = 0;
}
