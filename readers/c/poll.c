/* poll.c -- the polling re-reader: the layout is parsed once per file identity
 * (device, inode, size, ctime); each poll re-reads only the records with pread(). */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct mmr_poller {
    char *path;
    uint64_t max_size;
    int fd;          /* -1 when closed */
    struct stat id;  /* identity of the parsed layout (st_dev, st_ino, st_size, st_ctim) */
    int have_layout; /* file, img and id belong together */
    unsigned char *img;
    size_t img_size;
    mmr_file file;
};

mmr_poller *mmr_poller_new(const char *path, uint64_t max_size)
{
    mmr_poller *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->path = strdup(path);
    if (!p->path) {
        free(p);
        return NULL;
    }
    p->max_size = max_size;
    p->fd = -1;
    return p;
}

static void forget_layout(mmr_poller *p)
{
    mmr_file_free(&p->file);
    free(p->img);
    p->img = NULL;
    p->img_size = 0;
    p->have_layout = 0;
}

static void close_file(mmr_poller *p)
{
    forget_layout(p);
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

static int same_identity(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int io_errno(mmr_ioerr *io, const char *what)
{
    io->err = errno;
    snprintf(io->message, sizeof io->message, "%s: %s", what, strerror(errno));
    return MMR_IOERR;
}

/* Read and parse the whole file; the identity is taken before the copy, so a
 * change during the copy makes the next poll parse again. */
static int parse_all(mmr_poller *p, const struct stat *st, mmr_problem *first, mmr_ioerr *io)
{
    int rc;
    forget_layout(p);
    rc = mmr__read_image(p->fd, p->max_size, &p->img, &p->img_size, first, io);
    if (rc == MMR_OK)
        rc = mmr__decode_image(p->fd, p->img, p->img_size, &p->file, first, io);
    if (rc != MMR_OK) {
        forget_layout(p);
        return rc;
    }
    p->id = *st;
    p->have_layout = 1;
    return MMR_OK;
}

/* Values only: the records again with one pread, then the version's retry rule.
 * 1 means the file no longer matches its layout: parse it again. */
static int reread_values(mmr_poller *p, mmr_problem *first, mmr_ioerr *io)
{
    const mmr_format *fmt = mmr__format_for((unsigned)p->file.format_version);
    size_t n = p->file.records_end ? (size_t)p->file.records_end : 1; /* at least the version byte */
    long long got = mmr__pread_full(p->fd, p->img, n, 0);
    int rc;
    if (got < 0)
        return io_errno(io, "cannot read");
    if ((size_t)got != n || p->img[0] != (unsigned char)p->file.format_version)
        return 1;
    rc = fmt->settle_fd(p->fd, p->img, p->img_size, &p->file, first);
    if (rc == MMR_OK)
        rc = fmt->load_values(p->img, p->img_size, &p->file, first);
    if (rc < 0) {
        io->err = ENOMEM;
        snprintf(io->message, sizeof io->message, "out of memory");
        return MMR_IOERR;
    }
    return rc;
}

int mmr_poller_poll(mmr_poller *p, const mmr_file **file, int *reparsed, mmr_problem *first, mmr_ioerr *io)
{
    struct stat at_path, st;
    int rc;
    *file = NULL;
    *reparsed = 0;
    if (stat(p->path, &at_path) != 0) {
        close_file(p);
        return io_errno(io, "cannot stat");
    }
    if (p->fd >= 0) {
        if (fstat(p->fd, &st) != 0) {
            close_file(p);
            return io_errno(io, "cannot stat");
        }
        if (st.st_dev != at_path.st_dev || st.st_ino != at_path.st_ino)
            close_file(p); /* the path now names another file: it was replaced */
    }
    if (p->fd < 0) {
        rc = mmr__open_regular(p->path, &p->fd, io);
        if (rc != MMR_OK) {
            p->fd = -1;
            return rc;
        }
        if (fstat(p->fd, &st) != 0) {
            close_file(p);
            return io_errno(io, "cannot stat");
        }
    }
    rc = 1;
    if (p->have_layout && same_identity(&st, &p->id)) {
        rc = reread_values(p, first, io);
        if (rc == MMR_INVALID || rc == MMR_IOERR)
            forget_layout(p);
    }
    if (rc == 1) {
        rc = parse_all(p, &st, first, io);
        *reparsed = 1;
    }
    if (rc == MMR_OK)
        *file = &p->file;
    return rc;
}

void mmr_poller_free(mmr_poller *p)
{
    if (!p)
        return;
    close_file(p);
    free(p->path);
    free(p);
}
