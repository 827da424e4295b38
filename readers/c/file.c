/* file.c -- opening and copying a file safely: regular files only, never blocking
 * on a FIFO, never reading more than the size limit. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MMR_READ_ATTEMPTS 3 /* copies of a file whose size changes while it is read */

static const char *file_kind(mode_t m)
{
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a file";
}

int mmr__open_regular(const char *path, int *fdp, mmr_ioerr *io)
{
    struct stat st;
    /* O_NONBLOCK: opening a FIFO without a writer must not wait for one. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        io->err = errno;
        snprintf(io->message, sizeof io->message, "cannot open: %s", strerror(errno));
        return MMR_IOERR;
    }
    if (fstat(fd, &st) != 0) {
        io->err = errno;
        snprintf(io->message, sizeof io->message, "cannot stat: %s", strerror(errno));
        close(fd);
        return MMR_IOERR;
    }
    if (!S_ISREG(st.st_mode)) {
        io->err = 0;
        snprintf(io->message, sizeof io->message, "not a regular file (%s)", file_kind(st.st_mode));
        close(fd);
        return MMR_IOERR;
    }
    *fdp = fd;
    return MMR_OK;
}

long long mmr__pread_full(int fd, unsigned char *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, buf + done, n - done, (off_t)(off + done));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (long long)done;
}

void mmr__too_large(mmr_problem *first, uint64_t max_size, unsigned long long size)
{
    first->code = MMR_FILE_TOO_LARGE;
    first->offset = max_size;
    snprintf(first->message, sizeof first->message, "file size %llu exceeds the limit of %llu bytes", size,
             (unsigned long long)max_size);
}

int mmr__read_image(int fd, uint64_t max_size, unsigned char **imgp, size_t *sizep, mmr_problem *first,
                    mmr_ioerr *io)
{
    int attempt;
    unsigned char *img = NULL;
    size_t got_size = 0;
    for (attempt = 0; attempt < MMR_READ_ATTEMPTS; attempt++) {
        struct stat st;
        uint64_t size;
        long long got;
        if (fstat(fd, &st) != 0)
            goto ioerr;
        size = (uint64_t)st.st_size;
        if (size > max_size || size > SIZE_MAX - 1) {
            free(img);
            mmr__too_large(first, max_size, (unsigned long long)size);
            return MMR_INVALID;
        }
        free(img);
        img = malloc((size_t)size + 1); /* one more byte to see a file that grew */
        if (!img) {
            io->err = ENOMEM;
            snprintf(io->message, sizeof io->message, "out of memory for %llu bytes", (unsigned long long)size);
            return MMR_IOERR;
        }
        got = mmr__pread_full(fd, img, (size_t)size + 1, 0);
        if (got < 0)
            goto ioerr;
        got_size = (size_t)got;
        if ((uint64_t)got == size)
            break;
        if ((uint64_t)got > max_size) {
            free(img);
            mmr__too_large(first, max_size, (unsigned long long)got);
            return MMR_INVALID;
        }
        /* the size changed while reading: copy again; after the last attempt keep
         * what was read, at most the size fstat gave */
        if (got_size > size)
            got_size = (size_t)size;
    }
    *imgp = img;
    *sizep = got_size;
    return MMR_OK;
ioerr:
    io->err = errno;
    snprintf(io->message, sizeof io->message, "cannot read: %s", strerror(errno));
    free(img);
    return MMR_IOERR;
}
