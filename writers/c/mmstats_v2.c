/* mmstats_v2.c -- a v2 file's life: create (temporary name, lock, allocate, map,
 * header with state creating), publish (rename, state ready), heartbeat, close
 * (state closed, remove unless kept, descriptor last) and fork (the child
 * stops writing the parent's file). spec/v2.md "Creating a file", "Liveness". */
#define _GNU_SOURCE /* renameat2 */

#include "mmstats_v2_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the process's open files: ids, and the fork handlers ---- */

static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static mmstats_v2_file *open_files;
static uint64_t last_id;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void before_fork(void)
{
    mmstats_v2_file *f;
    pthread_mutex_lock(&open_lock);
    for (f = open_files; f; f = f->next_open)
        pthread_mutex_lock(&f->lock);
}

static void after_fork_parent(void)
{
    mmstats_v2_file *f;
    for (f = open_files; f; f = f->next_open)
        pthread_mutex_unlock(&f->lock);
    pthread_mutex_unlock(&open_lock);
}

/* The child must not write its parent's file (spec: "Heartbeat and closing"), nor keep
 * its lock: the inherited descriptor is closed and the shared mapping is replaced by
 * anonymous memory at the same address (a mapping of the file would hold its open file
 * description, and so the lock, as a descriptor does). Every handle keeps working, on
 * zeroed memory no reader sees. */
static void after_fork_child(void)
{
    mmstats_v2_file *f;
    for (f = open_files; f; f = f->next_open) {
        if (!f->forked) {
            if (mmap(f->map, f->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
                MAP_FAILED)
                munmap(f->map, f->size); /* a store then faults: never a silent write into the parent's file */
            close(f->fd);
            f->fd = -1;
            f->forked = 1;
        }
        pthread_mutex_unlock(&f->lock);
    }
    pthread_mutex_unlock(&open_lock);
}

static void register_atfork(void)
{
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

static void track(mmstats_v2_file *f)
{
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&open_lock);
    f->id = ++last_id;
    f->tag = v2_tag(f->id, f->map, f->size);
    f->next_open = open_files;
    open_files = f;
    pthread_mutex_unlock(&open_lock);
}

static void untrack(mmstats_v2_file *f)
{
    mmstats_v2_file **p;
    pthread_mutex_lock(&open_lock);
    for (p = &open_files; *p; p = &(*p)->next_open)
        if (*p == f) {
            *p = f->next_open;
            break;
        }
    pthread_mutex_unlock(&open_lock);
}

/* ---- producer identity ---- */

static uint64_t unix_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Field 22 (starttime) of /proc/self/stat, 0 when unknown. The command name (field 2)
 * may hold spaces and parentheses, so fields are counted from its last ')'. */
static uint64_t start_ticks(void)
{
    char buf[1024];
    ssize_t n;
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    const char *p;
    int field;
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    p = strrchr(buf, ')');
    if (!p)
        return 0;
    for (field = 2; field < 22 && p; field++) { /* p is at the end of field `field` */
        p = strchr(p + 1, ' ');
        if (p && field == 21)
            return strtoull(p + 1, NULL, 10);
    }
    return 0;
}

/* This program's name for the default file name: /proc/self/comm, '/' made '_'. */
static void command_name(char *out, size_t cap)
{
    ssize_t n = -1;
    int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
    size_t i;
    if (fd >= 0) {
        n = read(fd, out, cap - 1);
        close(fd);
    }
    if (n <= 0) {
        snprintf(out, cap, "mmstats");
        return;
    }
    out[n] = 0;
    for (i = 0; out[i]; i++) {
        if (out[i] == '\n') {
            out[i] = 0;
            break;
        }
        if (out[i] == '/')
            out[i] = '_';
    }
}

/* ---- layout ---- */

static uint64_t round_up(uint64_t n, uint64_t to)
{
    return (n + to - 1) / to * to;
}

/* Fill f's layout from cfg (zeros: defaults). 0, or -1 with *err filled. */
static int plan(mmstats_v2_file *f, const mmstats_v2_config *cfg, const char *path, mmstats_error *err)
{
    uint64_t process_offset, slots_offset, end;
    f->meta_capacity = cfg->meta_capacity ? cfg->meta_capacity : MMSTATS_V2_DEFAULT_META_CAPACITY;
    f->process_capacity = cfg->process_capacity ? cfg->process_capacity : MMSTATS_V2_DEFAULT_PROCESS_CAPACITY;
    f->slot_size = cfg->slot_size ? cfg->slot_size : MMSTATS_V2_DEFAULT_SLOT_SIZE;
    f->slot_count = cfg->slot_count ? cfg->slot_count : MMSTATS_V2_DEFAULT_SLOT_COUNT;
    if (f->meta_capacity % MMSTATS_V2_ALIGN || f->process_capacity % MMSTATS_V2_ALIGN ||
        f->slot_size % MMSTATS_V2_ALIGN) {
        mmstats__set_error(err, EINVAL, "%s: meta_capacity %u, process_capacity %u and slot_size %u must be multiples of %d",
                 path, f->meta_capacity, f->process_capacity, f->slot_size, MMSTATS_V2_ALIGN);
        return -1;
    }
    f->meta_offset = MMSTATS_V2_HEADER_SIZE;
    process_offset = (uint64_t)f->meta_offset + f->meta_capacity;
    slots_offset = round_up(process_offset + f->process_capacity, MMSTATS_V2_SLOT_ALIGN);
    end = slots_offset + (uint64_t)f->slot_size * f->slot_count;
    if (round_up(end, MMSTATS_V2_PAGE_SIZE) > MMSTATS_V2_MAX_FILE_SIZE) {
        mmstats__set_error(err, EFBIG, "%s: the capacities need %llu bytes, over the readers' limit of %u bytes", path,
                 (unsigned long long)round_up(end, MMSTATS_V2_PAGE_SIZE), MMSTATS_V2_MAX_FILE_SIZE);
        return -1;
    }
    f->process_offset = (uint32_t)process_offset;
    f->slots_offset = (uint32_t)slots_offset;
    f->size = (size_t)round_up(end, MMSTATS_V2_PAGE_SIZE);
    return 0;
}

static void write_header(mmstats_v2_file *f, uint64_t ticks, uint32_t heartbeat_interval_ms)
{
    unsigned char *h = f->map;
    h[MMSTATS_V2_VERSION_OFFSET] = MMSTATS_V2_FORMAT_VERSION;
    memcpy(h + MMSTATS_V2_MAGIC_OFFSET, MMSTATS_V2_MAGIC, MMSTATS_V2_MAGIC_SIZE);
    v2_put_u16(h + MMSTATS_V2_MINOR_OFFSET, MMSTATS_V2_MINOR);
    v2_put_u16(h + MMSTATS_V2_HEADER_SIZE_OFFSET, MMSTATS_V2_HEADER_SIZE);
    v2_put_u32(h + MMSTATS_V2_STATE_OFFSET, MMSTATS_V2_CREATING);
    v2_put_u64(h + MMSTATS_V2_PID_OFFSET, (uint64_t)f->owner_pid);
    v2_put_u64(h + MMSTATS_V2_START_TICKS_OFFSET, ticks);
    v2_put_u64(h + MMSTATS_V2_CREATED_UNIX_NS_OFFSET, unix_ns());
    v2_put_u32(h + MMSTATS_V2_HEARTBEAT_INTERVAL_MS_OFFSET, heartbeat_interval_ms);
    v2_put_u16(h + MMSTATS_V2_ENTRY_FIXED_SIZE_OFFSET, MMSTATS_V2_ENTRY_FIXED_SIZE);
    v2_put_u32(h + MMSTATS_V2_META_OFFSET_OFFSET, f->meta_offset);
    v2_put_u32(h + MMSTATS_V2_META_CAPACITY_OFFSET, f->meta_capacity);
    v2_put_u32(h + MMSTATS_V2_PROCESS_OFFSET_OFFSET, f->process_offset);
    v2_put_u32(h + MMSTATS_V2_PROCESS_CAPACITY_OFFSET, f->process_capacity);
    v2_put_u32(h + MMSTATS_V2_SLOTS_OFFSET_OFFSET, f->slots_offset);
    v2_put_u32(h + MMSTATS_V2_SLOT_SIZE_OFFSET, f->slot_size);
    v2_put_u32(h + MMSTATS_V2_SLOT_COUNT_OFFSET, f->slot_count);
    v2_put_u32(h + MMSTATS_V2_SLOTS_USED_OFFSET, 1);
    f->slots_used = 1;
    /* field_count, overflow_count, heartbeat_unix_ns, flags and reserved stay 0 */
}

/* ---- create ---- */

/* Allocate the file's blocks so that a full file system fails here, not with SIGBUS later. */
static int allocate(int fd, size_t size)
{
    static const unsigned char zeros[4096];
    size_t done;
    int rc = posix_fallocate(fd, 0, (off_t)size);
    if (rc == 0)
        return 0;
    if (rc != EINVAL && rc != EOPNOTSUPP) /* a real failure, e.g. ENOSPC */
        return rc;
    for (done = 0; done < size;) { /* no fallocate on this file system: write the zeros */
        ssize_t n = pwrite(fd, zeros, size - done < sizeof zeros ? size - done : sizeof zeros, (off_t)done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        done += (size_t)n;
    }
    return 0;
}

static char *default_path(const mmstats_v2_config *cfg, pid_t pid, uint64_t ticks)
{
    const char *dir = cfg->dir ? cfg->dir : getenv("MMSTATS_PATH");
    char cmd[64];
    size_t n;
    char *p;
    if (!dir || !*dir)
        dir = "/tmp";
    if (cfg->cmd)
        snprintf(cmd, sizeof cmd, "%s", cfg->cmd);
    else
        command_name(cmd, sizeof cmd);
    n = strlen(dir) + strlen(cmd) + 64;
    p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s-%ld-%llu.mmstats", dir, cmd, (long)pid, (unsigned long long)ticks);
    return p;
}

static void free_file(mmstats_v2_file *f)
{
    v2_handle *h = f->handles;
    while (h) {
        v2_handle *next = h->next;
        free(h);
        h = next;
    }
    free(f->free_slots);
    free(f->owners);
    free(f->path);
    free(f->tmp_path);
    free(f);
}

mmstats_v2_file *mmstats_v2_create(const mmstats_v2_config *cfg, mmstats_error *err)
{
    static const mmstats_v2_config defaults;
    static unsigned tmp_counter;
    mmstats_v2_file *f = calloc(1, sizeof *f);
    struct stat st;
    size_t n;
    int rc;
    unsigned mode;
    uint64_t ticks = start_ticks();

    if (!cfg)
        cfg = &defaults;
    mode = cfg->mode ? cfg->mode : MMSTATS_DEFAULT_MODE;
    if (!f) {
        mmstats__set_error(err, ENOMEM, "cannot create an mmstats file: %s", strerror(ENOMEM));
        return NULL;
    }
    f->fd = -1;
    f->owner_pid = getpid();
    f->keep = cfg->keep;
    f->quiet = cfg->quiet;
    f->path = cfg->path ? strdup(cfg->path) : default_path(cfg, f->owner_pid, ticks);
    if (!f->path) {
        mmstats__set_error(err, ENOMEM, "cannot create an mmstats file: %s", strerror(ENOMEM));
        free_file(f);
        return NULL;
    }
    if (plan(f, cfg, f->path, err)) {
        free_file(f);
        return NULL;
    }
    /* temporary name: never ends in .mmstats, so tools ignore it until the rename */
    n = strlen(f->path) + 64;
    f->tmp_path = malloc(n);
    if (!f->tmp_path) {
        mmstats__set_error(err, ENOMEM, "%s: %s", f->path, strerror(ENOMEM));
        free_file(f);
        return NULL;
    }
    snprintf(f->tmp_path, n, "%s.%ld-%u.creating", f->path, (long)f->owner_pid,
             __atomic_add_fetch(&tmp_counter, 1, __ATOMIC_RELAXED));
    f->fd = open(f->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
    if (f->fd < 0) {
        mmstats__set_error(err, errno, "%s: cannot create: %s", f->tmp_path, strerror(errno));
        free_file(f);
        return NULL;
    }
    rc = 0;
    if (flock(f->fd, LOCK_EX))
        rc = errno;
    else if (ftruncate(f->fd, (off_t)f->size))
        rc = errno;
    else
        rc = allocate(f->fd, f->size);
    if (!rc && fstat(f->fd, &st))
        rc = errno;
    if (!rc) {
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        f->map = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
        if (f->map == MAP_FAILED) {
            rc = errno;
            f->map = NULL;
        }
    }
    if (!rc)
        rc = v2_slots_init(f);
    if (rc) {
        mmstats__set_error(err, rc, "%s: cannot create: %s", f->tmp_path, strerror(rc));
        if (f->map)
            munmap(f->map, f->size);
        unlink(f->tmp_path);
        close(f->fd);
        free_file(f);
        return NULL;
    }
    write_header(f, ticks, cfg->heartbeat_interval_ms);
    track(f);
    return f;
}

/* Give tmp the final name, never replacing an existing file. 0 or an errno. */
static int rename_noreplace(const char *tmp, const char *path)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS) /* EINVAL, ENOSYS: no renameat2 here: link below */
        return errno;
#endif
    if (link(tmp, path))
        return errno;
    unlink(tmp);
    return 0;
}

int mmstats_v2_publish(mmstats_v2_file *f, mmstats_error *err)
{
    int rc;
    if (f->published)
        return 0;
    if (f->forked) {
        mmstats__set_error(err, EPERM, "%s: a forked child does not publish its parent's file", f->path);
        errno = EPERM;
        return -1;
    }
    rc = rename_noreplace(f->tmp_path, f->path);
    if (rc) {
        mmstats__set_error(err, rc, "%s: cannot publish %s there: %s", f->path, f->tmp_path, strerror(rc));
        errno = rc;
        return -1;
    }
    f->published = 1;
    __atomic_store_n(v2_u32(f->map + MMSTATS_V2_STATE_OFFSET), (uint32_t)MMSTATS_V2_READY, __ATOMIC_RELEASE);
    return 0;
}

mmstats_v2_file *mmstats_v2_open(const mmstats_v2_config *cfg, mmstats_error *err)
{
    mmstats_v2_file *f = mmstats_v2_create(cfg, err);
    if (f && mmstats_v2_publish(f, err)) {
        int saved = errno;
        f->keep = 0;
        mmstats_v2_close(f);
        errno = saved;
        return NULL;
    }
    return f;
}

void mmstats_v2_heartbeat(mmstats_v2_file *f)
{
    __atomic_store_n(mmstats_v2__word(f->map + MMSTATS_V2_HEARTBEAT_UNIX_NS_OFFSET), unix_ns(), __ATOMIC_RELEASE);
}

/* ---- close ---- */

int mmstats_v2_close(mmstats_v2_file *f)
{
    int rc = 0, saved = 0;
    if (!f)
        return 0;
    untrack(f);
    v2_slots_fini(f);
    if (!f->forked) {
        __atomic_store_n(v2_u32(f->map + MMSTATS_V2_STATE_OFFSET), (uint32_t)MMSTATS_V2_CLOSED, __ATOMIC_RELEASE);
        if (!f->published) { /* never visible: nothing to keep */
            if (mmstats__unlink_if_same(f->tmp_path, f->dev, f->ino)) {
                rc = -1;
                saved = errno;
            }
        } else if (!f->keep && mmstats__unlink_if_same(f->path, f->dev, f->ino)) {
            rc = -1;
            saved = errno;
        }
    }
    if (munmap(f->map, f->size) && !rc) {
        rc = -1;
        saved = errno;
    }
    if (f->fd >= 0 && close(f->fd) && !rc) { /* last: the lock goes with it */
        rc = -1;
        saved = errno;
    }
    free_file(f);
    if (rc)
        errno = saved;
    return rc;
}

/* ---- accessors ---- */

const char *mmstats_v2_path(const mmstats_v2_file *f) { return f->path; }
const unsigned char *mmstats_v2_map(const mmstats_v2_file *f) { return f->map; }
size_t mmstats_v2_size(const mmstats_v2_file *f) { return f->size; }
int mmstats_v2_fd(const mmstats_v2_file *f) { return f->fd; }
