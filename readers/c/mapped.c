/* mapped.c -- the mapping poller: a version 2 file mapped read-only once, read in
 * place with the spec's loads and fences (spec/v2.md "Readers that map the file"). */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct mmr_mapped {
    char *path;
    uint64_t max_size;
    int fd;             /* -1 when closed */
    unsigned char *map; /* NULL when closed or the file is empty */
    size_t size;        /* the mapped size */
    dev_t dev;          /* identity of the mapped file */
    ino_t ino;
    mmr_v2_cursor *cur;
    int have_file; /* file was built from cur */
    mmr_file file;
};

mmr_mapped *mmr_mapped_new(const char *path, uint64_t max_size)
{
    mmr_mapped *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->path = strdup(path);
    p->cur = mmr__v2_cursor_new();
    if (!p->path || !p->cur) {
        free(p->path);
        mmr__v2_cursor_free(p->cur);
        free(p);
        return NULL;
    }
    p->max_size = max_size;
    p->fd = -1;
    return p;
}

static void unmap_file(mmr_mapped *p)
{
    if (p->have_file)
        mmr_file_free(&p->file);
    p->have_file = 0;
    mmr__v2_cursor_reset(p->cur);
    if (p->map)
        munmap(p->map, p->size);
    p->map = NULL;
    p->size = 0;
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

static int io_errno(mmr_mapped *p, mmr_ioerr *io, const char *what)
{
    io->err = errno;
    snprintf(io->message, sizeof io->message, "%s: %s", what, strerror(errno));
    unmap_file(p);
    return MMR_IOERR;
}

/* Open the path and map the whole file. */
static int map_file(mmr_mapped *p, mmr_problem *first, mmr_ioerr *io)
{
    struct stat st;
    int rc = mmr__open_regular(p->path, &p->fd, io);
    if (rc != MMR_OK) {
        p->fd = -1;
        return rc;
    }
    if (fstat(p->fd, &st) != 0)
        return io_errno(p, io, "cannot stat");
    if ((uint64_t)st.st_size > p->max_size || (uint64_t)st.st_size > SIZE_MAX) {
        mmr__too_large(first, p->max_size, (unsigned long long)st.st_size);
        unmap_file(p);
        return MMR_INVALID;
    }
    p->dev = st.st_dev;
    p->ino = st.st_ino;
    p->size = (size_t)st.st_size;
    if (p->size) { /* an empty file cannot be mapped: the dispatch reports it */
        void *m = mmap(NULL, p->size, PROT_READ, MAP_SHARED, p->fd, 0);
        if (m == MAP_FAILED)
            return io_errno(p, io, "cannot map");
        p->map = m;
    }
    return MMR_OK;
}

/* The first parse of a new mapping: the version byte, then version 2's header. */
static int first_parse(mmr_mapped *p, mmr_first_sink *fs, mmr_ioerr *io)
{
    int not_ready, rc = 0;
    const mmr_format *fmt = mmr__dispatch(p->map, p->size, &fs->sink, &not_ready);
    if (fmt && fmt->version != 2) {
        io->err = 0;
        snprintf(io->message, sizeof io->message,
                 "format version %d: the mapping poller reads version 2 only (mmr_poller reads every version)",
                 fmt->version);
        unmap_file(p);
        return MMR_IOERR;
    }
    if (fmt)
        rc = mmr__v2_cursor_advance(p->cur, p->map, p->size, &fs->sink);
    if (!not_ready)
        mmr__check_size(p->size, &fs->sink);
    return rc;
}

int mmr_mapped_poll(mmr_mapped *p, const mmr_file **file, int *reparsed, mmr_problem *first, mmr_ioerr *io)
{
    mmr_first_sink fs = MMR_FIRST_SINK_INIT;
    struct stat at_path, st;
    int rc;
    *file = NULL;
    *reparsed = 0;
    if (stat(p->path, &at_path) != 0)
        return io_errno(p, io, "cannot stat");
    if (p->fd >= 0 && (at_path.st_dev != p->dev || at_path.st_ino != p->ino))
        unmap_file(p); /* the path names another file: it was replaced */
    if (p->fd < 0) {
        rc = map_file(p, first, io);
        if (rc != MMR_OK)
            return rc;
        rc = first_parse(p, &fs, io);
        if (rc == MMR_IOERR)
            return rc;
    } else {
        /* Never load past the end of a file another process shrank (SIGBUS). */
        if (fstat(p->fd, &st) != 0)
            return io_errno(p, io, "cannot stat");
        if ((uint64_t)st.st_size != p->size) {
            first->code = MMR_BAD_FILE_SIZE;
            first->offset = (uint64_t)st.st_size;
            snprintf(first->message, sizeof first->message, "file size %llu is not the mapped size %zu",
                     (unsigned long long)st.st_size, p->size);
            unmap_file(p);
            return MMR_INVALID;
        }
        rc = mmr__v2_cursor_advance(p->cur, p->map, p->size, &fs.sink);
    }
    if (rc == 1 && !fs.sink.count) {
        if (p->have_file)
            mmr_file_free(&p->file);
        p->have_file = 0;
        if (mmr__v2_cursor_build(p->cur, &p->file))
            rc = -1;
        else
            p->have_file = *reparsed = 1;
    }
    if (rc >= 0 && !fs.sink.count)
        rc = mmr__format_v2.load_values(p->map, p->size, &p->file, &fs.first);
    else if (fs.sink.count)
        rc = MMR_INVALID;
    if (rc == MMR_INVALID)
        *first = fs.first;
    if (rc < 0) {
        io->err = ENOMEM;
        snprintf(io->message, sizeof io->message, "out of memory");
        rc = MMR_IOERR;
    }
    if (rc != MMR_OK) {
        unmap_file(p); /* the next poll starts again from the path */
        return rc;
    }
    *file = &p->file;
    return MMR_OK;
}

size_t mmr_mapped_entries_parsed(const mmr_mapped *p) { return mmr__v2_cursor_parsed(p->cur); }

void mmr_mapped_free(mmr_mapped *p)
{
    if (!p)
        return;
    unmap_file(p);
    mmr__v2_cursor_free(p->cur);
    free(p->path);
    free(p);
}
