/* test_poll.c -- the polling re-reader (new values, a replaced, rewritten, emptied,
 * removed file, a FIFO) and reads of a live shared mapping. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "internal.h"
#include "mmstats_read.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A page: buffered Q "requests" (wb 0, value[1] = 5), unbuffered 8s "name" ("web"). */
enum { WB = 14, VAL0 = 15, VAL1 = 23, NAME_LABEL = 33 };
static void counter_file(unsigned char *d)
{
    static const unsigned char head[] = {0x01, 0x08, 0x00, 'r', 'e', 'q', 'u', 'e', 's', 't', 's', 0x01, 0x00, 'Q', 0x00};
    static const unsigned char tail[] = {0x04, 0x00, 'n', 'a', 'm', 'e', 0x02, 0x00, '8', 's', 0xff, 'w', 'e', 'b', 0x00};
    memset(d, 0, 4096);
    memcpy(d, head, sizeof head);
    d[VAL1] = 5;
    memcpy(d + 31, tail, sizeof tail);
}

/* The writer's update protocol on a mapping: value[wb], then flip wb (release). */
static void writer_update(unsigned char *map, uint64_t v)
{
    unsigned wb = map[WB];
    int i;
    for (i = 0; i < 8; i++)
        map[VAL0 + 8 * wb + i] = (unsigned char)(v >> (8 * i));
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&map[WB], (unsigned char)(wb ^ 1), __ATOMIC_RELEASE);
}

static int poll_value(mmr_poller *p, uint64_t *v, int *reparsed)
{
    const mmr_file *f;
    mmr_problem pr;
    mmr_ioerr io;
    int rc = mmr_poller_poll(p, &f, reparsed, &pr, &io);
    if (rc == MMR_OK && f->count == 2 && !strcmp(f->fields[0].label, "requests"))
        *v = f->fields[0].v.u;
    return rc;
}

static void test_poller_follows_values(void)
{
    const char *path = tmp_path("poll-values.mmstats");
    unsigned char img[4096], *map;
    mmr_poller *p;
    uint64_t v = 0;
    int fd, reparsed = -1, i, reparses = 0;
    counter_file(img);
    CHECK(write_bytes(path, img, sizeof img) == 0);
    p = mmr_poller_new(path, MMR_DEFAULT_MAX_SIZE);
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK(poll_value(p, &v, &reparsed) == MMR_OK && v == 5 && reparsed == 1);
    fd = open(path, O_RDWR);
    map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(map != MAP_FAILED);
    if (map == MAP_FAILED) {
        mmr_poller_free(p);
        close(fd);
        return;
    }
    /* the live mapping, read in place with acquire loads */
    {
        mmr_file f;
        mmr_problem pr;
        writer_update(map, 6);
        CHECK(mmr_read_buffer(map, 4096, &f, &pr) == MMR_OK && f.fields[0].v.u == 6 && !strcmp(f.fields[1].str, "web"));
        mmr_file_free(&f);
    }
    for (i = 7; i < 17; i++) {
        writer_update(map, (uint64_t)i);
        CHECK_MSG(poll_value(p, &v, &reparsed) == MMR_OK && v == (uint64_t)i, "poll %d gave %llu", i,
                  (unsigned long long)v);
        reparses += reparsed;
    }
    /* stores through a mapping may touch ctime once (the first write to a clean
     * page); the layout must not be parsed again for every poll */
    CHECK_MSG(reparses <= 2, "layout parsed %d times in 10 polls", reparses);
    /* a write buffer that becomes invalid */
    map[WB] = 0x07;
    {
        const mmr_file *f;
        mmr_problem pr;
        mmr_ioerr io;
        int rc = mmr_poller_poll(p, &f, &reparsed, &pr, &io);
        CHECK(rc == MMR_INVALID && pr.code == MMR_BAD_WRITE_BUFFER && pr.offset == WB);
    }
    map[WB] = 1; /* back as it was: update 16 went into value[0] */
    CHECK(poll_value(p, &v, &reparsed) == MMR_OK && v == 16);
    munmap(map, 4096);
    close(fd);
    mmr_poller_free(p);
}

static void test_poller_sees_replaced_and_rewritten_files(void)
{
    const char *path = tmp_path("poll-replace.mmstats"), *other = tmp_path("poll-replace.tmp");
    unsigned char img[4096];
    mmr_poller *p = mmr_poller_new(path, MMR_DEFAULT_MAX_SIZE);
    const mmr_file *f;
    mmr_problem pr;
    mmr_ioerr io;
    int reparsed, fd;
    uint64_t v = 0;
    counter_file(img);
    CHECK(write_bytes(path, img, sizeof img) == 0);
    CHECK(p && poll_value(p, &v, &reparsed) == MMR_OK && v == 5);
    if (!p)
        return;
    /* replaced: another file renamed over the path */
    memcpy(img + 3, "counters", 8);
    img[VAL1] = 42;
    CHECK(write_bytes(other, img, sizeof img) == 0 && rename(other, path) == 0);
    CHECK(mmr_poller_poll(p, &f, &reparsed, &pr, &io) == MMR_OK && reparsed == 1 &&
          !strcmp(f->fields[0].label, "counters") && f->fields[0].v.u == 42);
    /* rewritten in place: same inode, new layout */
    fd = open(path, O_WRONLY);
    CHECK(fd >= 0 && pwrite(fd, "mmstats!", 8, 3) == 8);
    close(fd);
    CHECK(mmr_poller_poll(p, &f, &reparsed, &pr, &io) == MMR_OK && reparsed == 1 &&
          !strcmp(f->fields[0].label, "mmstats!"));
    /* emptied: not_ready, then ready again */
    CHECK(truncate(path, 0) == 0);
    CHECK(mmr_poller_poll(p, &f, &reparsed, &pr, &io) == MMR_INVALID && pr.code == MMR_NOT_READY);
    counter_file(img);
    CHECK(write_bytes(path, img, sizeof img) == 0);
    CHECK(poll_value(p, &v, &reparsed) == MMR_OK && v == 5 && reparsed == 1);
    /* shrunk to a bad size */
    CHECK(truncate(path, 100) == 0);
    CHECK(mmr_poller_poll(p, &f, &reparsed, &pr, &io) == MMR_INVALID && pr.code == MMR_BAD_FILE_SIZE);
    /* removed */
    CHECK(unlink(path) == 0);
    CHECK(mmr_poller_poll(p, &f, &reparsed, &pr, &io) == MMR_IOERR && f == NULL);
    /* a FIFO in its place is refused at once */
    CHECK(mkfifo(path, 0600) == 0);
    alarm(10); /* a hang is a failure, not a stuck test run */
    CHECK(mmr_poller_poll(p, &f, &reparsed, &pr, &io) == MMR_IOERR && strstr(io.message, "not a regular file"));
    alarm(0);
    unlink(path);
    mmr_poller_free(p);
}

/* One-shot reads of a FIFO and a directory return at once with an I/O error. */
static void test_fifo_and_directory_refused(void)
{
    const char *fifo = tmp_path("refused.fifo");
    mmr_file f;
    mmr_problem pr;
    mmr_problems all;
    mmr_ioerr io;
    CHECK(mkfifo(fifo, 0600) == 0);
    alarm(10);
    CHECK(mmr_read_path(fifo, MMR_DEFAULT_MAX_SIZE, &f, &pr, &io) == MMR_IOERR &&
          !strcmp(io.message, "not a regular file (a FIFO)"));
    CHECK(mmr_validate_path(fifo, MMR_DEFAULT_MAX_SIZE, &all, &io) == MMR_IOERR && all.count == 0);
    alarm(0);
    CHECK(mmr_read_path(CONFORMANCE_DIR, MMR_DEFAULT_MAX_SIZE, &f, &pr, &io) == MMR_IOERR &&
          !strcmp(io.message, "not a regular file (a directory)"));
    CHECK(mmr_read_path(tmp_path("no-such-file"), MMR_DEFAULT_MAX_SIZE, &f, &pr, &io) == MMR_IOERR && io.err != 0);
    unlink(fifo);
}

/* The re-check after a pread copy: a record whose write buffer flipped since the
 * copy is taken again from the file (driven by hand through the v1 format). */
static void test_settle_takes_flipped_records_again(void)
{
    const char *path = tmp_path("settle.mmstats");
    unsigned char disk[4096], img[4096];
    mmr_file f;
    mmr_problem pr;
    mmr_ioerr io;
    int fd;
    counter_file(disk);
    disk[WB] = 1; /* the writer flipped after storing value[0] = 9 */
    disk[VAL0] = 9;
    CHECK(write_bytes(path, disk, sizeof disk) == 0);
    counter_file(img); /* the older copy: wb 0, value[1] = 5 */
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK(mmr_read_buffer(img, sizeof img, &f, &pr) == MMR_OK && f.fields[0].v.u == 5);
    CHECK(mmr__format_v1.settle_fd(fd, img, sizeof img, &f, &pr) == MMR_OK);
    CHECK(img[WB] == 1 && img[VAL0] == 9);
    CHECK(mmr__format_v1.load_values(img, sizeof img, &f, &pr) == MMR_OK && f.fields[0].v.u == 9);
    mmr_file_free(&f);
    /* the same through the path reader, which settles on its own */
    CHECK(mmr_read_path(path, MMR_DEFAULT_MAX_SIZE, &f, &pr, &io) == MMR_OK && f.fields[0].v.u == 9);
    mmr_file_free(&f);
    close(fd);
}

/* A file without fields: the poller still sees its version byte change. */
static void test_poller_on_a_file_without_fields(void)
{
    const char *path = tmp_path("poll-empty.mmstats");
    unsigned char img[4096] = {0x01}, *map;
    mmr_poller *p;
    const mmr_file *f;
    mmr_problem pr;
    mmr_ioerr io;
    int reparsed, fd;
    CHECK(write_bytes(path, img, sizeof img) == 0);
    p = mmr_poller_new(path, MMR_DEFAULT_MAX_SIZE);
    CHECK(p && mmr_poller_poll(p, &f, &reparsed, &pr, &io) == MMR_OK && f->count == 0);
    CHECK(p && mmr_poller_poll(p, &f, &reparsed, &pr, &io) == MMR_OK && f->count == 0);
    fd = open(path, O_RDWR);
    map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(map != MAP_FAILED);
    if (p && map != MAP_FAILED) {
        map[0] = 0x01; /* dirty the page first: its ctime change comes now */
        CHECK(mmr_poller_poll(p, &f, &reparsed, &pr, &io) == MMR_OK);
        map[0] = 0x02;
        CHECK(mmr_poller_poll(p, &f, &reparsed, &pr, &io) == MMR_INVALID && pr.code == MMR_BAD_VERSION);
        munmap(map, 4096);
    }
    close(fd);
    mmr_poller_free(p);
}

void run_poll_tests(void)
{
    RUN(test_poller_on_a_file_without_fields);
    RUN(test_poller_follows_values);
    RUN(test_poller_sees_replaced_and_rewritten_files);
    RUN(test_fifo_and_directory_refused);
    RUN(test_settle_takes_flipped_records_again);
}
