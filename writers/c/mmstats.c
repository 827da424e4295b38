/* mmstats.c -- set-up side of the C writer: check the field descriptions,
 * lay out the records, build the image and create the file following the
 * writer creation protocol (spec/v1.md; notes in writers/c/README.md). */
#define _POSIX_C_SOURCE 200809L

#include "mmstats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct mmstats_file {
    char *path;
    unsigned char *map;
    size_t size;
    size_t count;
    mmstats_slot *slots;
    char *names; /* labels and NUL-terminated types the slots point into */
    dev_t dev;   /* identity of the file we created: remove() unlinks only that file */
    ino_t ino;
};

int mmstats__unlink_if_same(const char *path, dev_t dev, ino_t ino)
{
    struct stat st;
    if (lstat(path, &st))
        return -1;
    if (st.st_dev != dev || st.st_ino != ino) {
        errno = ENOENT;
        return -1;
    }
    return unlink(path);
}

/* ---- errors ---- */

void mmstats__set_error(mmstats_error *err, int err_no, const char *fmt, ...)
{
    va_list ap;
    if (!err)
        return;
    err->err_no = err_no;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

/* A label shortened for messages: at most 40 bytes, cut on a UTF-8 boundary. */
static int label_shown(const char *label, size_t len)
{
    return (int)mmstats_utf8_cut(label, len, 40);
}

/* ---- the type table ---- */

typedef struct type_info {
    long size;     /* bytes of one value */
    int kind;      /* mmstats_kind */
    int is_signed;
} type_info;

/* Fill *t for a type signature; 0 if it is in the table, -1 if not. */
static int lookup_type(const char *type, size_t len, type_info *t)
{
    static const struct { char code; long size; int kind; int is_signed; } numeric[] = {
        {'b', 1, MMSTATS_KIND_INT, 1},   {'B', 1, MMSTATS_KIND_INT, 0},
        {'h', 2, MMSTATS_KIND_INT, 1},   {'H', 2, MMSTATS_KIND_INT, 0},
        {'i', 4, MMSTATS_KIND_INT, 1},   {'I', 4, MMSTATS_KIND_INT, 0},
        {'q', 8, MMSTATS_KIND_INT, 1},   {'Q', 8, MMSTATS_KIND_INT, 0},
        {'f', 4, MMSTATS_KIND_FLOAT, 1}, {'d', 8, MMSTATS_KIND_FLOAT, 1},
        {'?', 1, MMSTATS_KIND_BOOL, 0},
    };
    size_t i;
    long n = 0;
    if (len == 1) {
        for (i = 0; i < sizeof numeric / sizeof numeric[0]; i++) {
            if (type[0] == numeric[i].code) {
                t->size = numeric[i].size;
                t->kind = numeric[i].kind;
                t->is_signed = numeric[i].is_signed;
                return 0;
            }
        }
        return -1;
    }
    /* "<N>s": N decimal, no sign, no leading zero ("0s" allowed), 1 to 9 digits. */
    if (len < 2 || len > 10 || type[len - 1] != 's')
        return -1;
    if (type[0] == '0' && len > 2)
        return -1;
    for (i = 0; i + 1 < len; i++) {
        if (type[i] < '0' || type[i] > '9')
            return -1;
        n = n * 10 + (type[i] - '0');
    }
    t->size = n;
    t->kind = MMSTATS_KIND_STRING;
    t->is_signed = 0;
    return 0;
}

long mmstats_type_value_size(const char *type, size_t type_len)
{
    type_info t;
    return lookup_type(type, type_len, &t) == 0 ? t.size : -1;
}

int mmstats_type_kind(const char *type, size_t type_len)
{
    type_info t;
    return lookup_type(type, type_len, &t) == 0 ? t.kind : -1;
}

/* ---- label checks ---- */

size_t mmstats_utf8_sequence_len(const unsigned char *s, size_t left)
{
    unsigned char c, lo = 0x80, hi = 0xBF;
    size_t need, k;
    if (left == 0)
        return 0;
    c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c == 0xE0) { need = 2; lo = 0xA0; } /* no overlongs */
    else if (c >= 0xE1 && c <= 0xEC) need = 2;
    else if (c == 0xED) { need = 2; hi = 0x9F; } /* no surrogates */
    else if (c >= 0xEE && c <= 0xEF) need = 2;
    else if (c == 0xF0) { need = 3; lo = 0x90; } /* no overlongs */
    else if (c >= 0xF1 && c <= 0xF3) need = 3;
    else if (c == 0xF4) { need = 3; hi = 0x8F; } /* nothing past U+10FFFF */
    else return 0;
    if (left <= need)
        return 0;
    for (k = 1; k <= need; k++) {
        if (s[k] < (k == 1 ? lo : 0x80) || s[k] > (k == 1 ? hi : 0xBF))
            return 0;
    }
    return need + 1;
}

/* Offset of the first byte of an ill-formed UTF-8 sequence, or len if none. */
static size_t utf8_first_bad(const unsigned char *s, size_t len)
{
    size_t i = 0, n;
    while (i < len && (n = mmstats_utf8_sequence_len(s + i, len - i)) != 0)
        i += n;
    return i;
}

static size_t desc_label_len(const mmstats_field_desc *d)
{
    return d->label_len ? d->label_len : strlen(d->label);
}

typedef struct label_ref {
    const char *label;
    size_t len;
    size_t index;
} label_ref;

static int compare_labels(const void *a, const void *b)
{
    const label_ref *x = a, *y = b;
    int c = memcmp(x->label, y->label, x->len < y->len ? x->len : y->len);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    /* equal labels: keep file order so the message names the first one */
    return x->index < y->index ? -1 : 1;
}

/* 0, or -1 with *err naming two fields with the same label. Sorting copies
 * (no shared state), so threads may create their files at the same time. */
static int check_unique_labels(const mmstats_field_desc *fields, size_t count, mmstats_error *err)
{
    label_ref *refs;
    size_t i;
    int rc = 0;
    if (count < 2)
        return 0;
    refs = malloc(count * sizeof *refs);
    if (!refs) {
        mmstats__set_error(err, ENOMEM, "out of memory checking %zu labels", count);
        return -1;
    }
    for (i = 0; i < count; i++) {
        refs[i].label = fields[i].label;
        refs[i].len = desc_label_len(&fields[i]);
        refs[i].index = i;
    }
    qsort(refs, count, sizeof *refs, compare_labels);
    for (i = 1; i < count; i++) {
        const label_ref *a = &refs[i - 1], *b = &refs[i];
        if (a->len == b->len && memcmp(a->label, b->label, a->len) == 0) {
            mmstats__set_error(err, EINVAL, "field %zu: label \"%.*s\" is already used by field %zu", b->index,
                      label_shown(a->label, a->len), a->label, a->index);
            rc = -1;
            break;
        }
    }
    free(refs);
    return rc;
}

/* ---- layout ---- */

static int add_size(size_t *total, size_t n)
{
    if (*total > SIZE_MAX - n)
        return -1;
    *total += n;
    return 0;
}

/* Check every description and compute the used bytes (version byte plus
 * records) into *used. When slots is not NULL, also fill each slot's record
 * offset, size and kind (attach_slots points them into the map later). */
static int layout(const mmstats_field_desc *fields, size_t count, mmstats_slot *slots, size_t *used,
                  mmstats_error *err)
{
    size_t pos = MMSTATS_FIRST_RECORD_OFFSET, i;
    for (i = 0; i < count; i++) {
        const mmstats_field_desc *d = &fields[i];
        size_t label_len, type_len, bad, area;
        type_info t;
        if (!d->label || !d->type) {
            mmstats__set_error(err, EINVAL, "field %zu: label and type must not be NULL", i);
            return -1;
        }
        label_len = desc_label_len(d);
        type_len = strlen(d->type);
        if (label_len == 0) {
            mmstats__set_error(err, EINVAL, "field %zu: the label is empty (a label size of 0 ends the record list)", i);
            return -1;
        }
        if (label_len > MMSTATS_MAX_LABEL_SIZE) {
            mmstats__set_error(err, EINVAL, "field %zu: label \"%.*s...\" is %zu bytes; at most %d fit a label size",
                      i, label_shown(d->label, label_len), d->label, label_len, MMSTATS_MAX_LABEL_SIZE);
            return -1;
        }
        bad = utf8_first_bad((const unsigned char *)d->label, label_len);
        if (bad < label_len) {
            mmstats__set_error(err, EINVAL, "field %zu: label byte %zu (0x%02x) is not well-formed UTF-8", i, bad,
                      (unsigned char)d->label[bad]);
            return -1;
        }
        if (lookup_type(d->type, type_len, &t) != 0) {
            mmstats__set_error(err, EINVAL, "field %zu (\"%.*s\"): type signature \"%.20s\" is not in the type table "
                      "(b B h H i I q Q f d ? or <N>s)", i, label_shown(d->label, label_len), d->label, d->type);
            return -1;
        }
        area = (size_t)t.size * (d->buffered ? MMSTATS_BUFFER_COUNT : 1);
        if (slots) {
            mmstats_slot *s = &slots[i];
            memset(s, 0, sizeof *s);
            s->offset = pos;
            s->size = (uint32_t)t.size;
            s->kind = (uint8_t)t.kind;
            s->is_signed = (uint8_t)t.is_signed;
            s->buffered = d->buffered ? 1 : 0;
            s->label_len = label_len;
        }
        if (add_size(&pos, MMSTATS_VALUE_OFFSET(label_len, type_len)) || add_size(&pos, area)
            || pos > MMSTATS_MAX_FILE_SIZE) {
            mmstats__set_error(err, EFBIG, "field %zu (\"%.*s\"): the fields need more than %u bytes, and readers "
                      "refuse larger files (file_too_large)", i, label_shown(d->label, label_len), d->label,
                      MMSTATS_MAX_FILE_SIZE);
            return -1;
        }
    }
    if (check_unique_labels(fields, count, err))
        return -1;
    *used = pos;
    return 0;
}

static size_t round_to_page(size_t used)
{
    size_t rest = used % MMSTATS_PAGE_SIZE;
    return rest ? used + (MMSTATS_PAGE_SIZE - rest) : used;
}

size_t mmstats_image_size(const mmstats_field_desc *fields, size_t count, mmstats_error *err)
{
    size_t used;
    if (layout(fields, count, NULL, &used, err))
        return 0;
    return round_to_page(used); /* used <= MMSTATS_MAX_FILE_SIZE, a page multiple: no overflow */
}

static void put_u16_le(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v & 0xFF);
    p[1] = (unsigned char)((v >> 8) & 0xFF);
}

int mmstats_build_image(unsigned char *image, size_t image_size, const mmstats_field_desc *fields,
                        size_t count, mmstats_error *err)
{
    size_t want = mmstats_image_size(fields, count, err), pos = MMSTATS_FIRST_RECORD_OFFSET, i;
    if (!want)
        return -1;
    if (image_size != want) {
        mmstats__set_error(err, EINVAL, "image buffer is %zu bytes, the fields need %zu", image_size, want);
        return -1;
    }
    memset(image, 0, image_size); /* values start at zero; zero fill; version 0x00 = not ready */
    image[MMSTATS_VERSION_OFFSET] = MMSTATS_NOT_READY_VERSION;
    for (i = 0; i < count; i++) {
        const mmstats_field_desc *d = &fields[i];
        size_t label_len = desc_label_len(d), type_len = strlen(d->type);
        long value_size = mmstats_type_value_size(d->type, type_len);
        unsigned char *r = image + pos;
        put_u16_le(r + MMSTATS_LABEL_SIZE_OFFSET, label_len);
        memcpy(r + MMSTATS_LABEL_OFFSET, d->label, label_len);
        put_u16_le(r + MMSTATS_TYPE_SIZE_OFFSET(label_len), type_len);
        memcpy(r + MMSTATS_TYPE_OFFSET(label_len), d->type, type_len);
        r[MMSTATS_WRITE_BUFFER_OFFSET(label_len, type_len)] = d->buffered ? 0 : MMSTATS_UNBUFFERED;
        pos += MMSTATS_VALUE_OFFSET(label_len, type_len)
               + (size_t)value_size * (d->buffered ? MMSTATS_BUFFER_COUNT : 1);
    }
    return 0;
}

/* ---- the file ---- */

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void free_file(mmstats_file *f)
{
    if (!f)
        return;
    free(f->path);
    free(f->slots);
    free(f->names);
    free(f);
}

/* Copy labels and types next to the file and point each slot at the map. */
static int attach_slots(mmstats_file *f, const mmstats_field_desc *fields)
{
    size_t i, total = 0, at = 0;
    for (i = 0; i < f->count; i++)
        total += f->slots[i].label_len + 1 + strlen(fields[i].type) + 1;
    f->names = malloc(total ? total : 1);
    if (!f->names)
        return -1;
    for (i = 0; i < f->count; i++) {
        mmstats_slot *s = &f->slots[i];
        size_t type_len = strlen(fields[i].type);
        memcpy(f->names + at, fields[i].label, s->label_len);
        f->names[at + s->label_len] = '\0';
        s->label = f->names + at;
        at += s->label_len + 1;
        memcpy(f->names + at, fields[i].type, type_len + 1);
        s->type = f->names + at;
        at += type_len + 1;
        s->write_buffer = f->map + s->offset + MMSTATS_WRITE_BUFFER_OFFSET(s->label_len, type_len);
        s->value = f->map + s->offset + MMSTATS_VALUE_OFFSET(s->label_len, type_len);
        s->wb = 0;
        s->bits = 0;
    }
    return 0;
}

mmstats_file *mmstats_create(const char *path, const mmstats_field_desc *fields, size_t count,
                             unsigned mode, mmstats_error *err)
{
    mmstats_file *f = NULL;
    unsigned char *image = NULL;
    size_t used, size;
    int fd = -1, saved;
    void *map;

    if (err) {
        err->err_no = 0;
        err->message[0] = '\0';
    }
    if (!path || (count && !fields)) {
        mmstats__set_error(err, EINVAL, "mmstats_create: %s", !path ? "path is NULL" : "fields is NULL");
        return NULL;
    }
    f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path)) || (count && !(f->slots = calloc(count, sizeof *f->slots)))) {
        mmstats__set_error(err, ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    f->count = count;
    if (layout(fields, count, f->slots, &used, err)) {
        char why[sizeof err->message];
        if (err) {
            memcpy(why, err->message, sizeof why);
            mmstats__set_error(err, err->err_no, "%s: %s", path, why);
        }
        goto fail;
    }
    size = round_to_page(used);
    image = malloc(size);
    if (!image) {
        mmstats__set_error(err, ENOMEM, "%s: out of memory for a %zu-byte image", path, size);
        goto fail;
    }
    if (mmstats_build_image(image, size, fields, count, err))
        goto fail;

    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        saved = errno;
        mmstats__set_error(err, saved, "%s: cannot create: %s%s", path, strerror(saved),
                  saved == EEXIST ? " (a new stats file must not exist yet)" : "");
        goto fail;
    }
    {
        struct stat st;
        if (fstat(fd, &st)) {
            saved = errno;
            mmstats__set_error(err, saved, "%s: cannot stat the new file: %s", path, strerror(saved));
            close(fd);
            fd = -1;
            unlink(path); /* just created with O_EXCL, not yet known by inode: the best we can do */
            goto fail;
        }
        f->dev = st.st_dev;
        f->ino = st.st_ino;
    }
    if (write_all(fd, image, size)) {
        saved = errno;
        mmstats__set_error(err, saved, "%s: cannot write %zu bytes: %s", path, size, strerror(saved));
        goto fail_created;
    }
    map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        saved = errno;
        mmstats__set_error(err, saved, "%s: cannot map %zu bytes: %s", path, size, strerror(saved));
        goto fail_created;
    }
    close(fd); /* the mapping keeps the file open */
    fd = -1;
    f->map = map;
    f->size = size;
    if (attach_slots(f, fields)) {
        mmstats__set_error(err, ENOMEM, "%s: out of memory", path);
        munmap(map, size);
        f->map = NULL;
        goto fail_created;
    }
    free(image);
    /* Last: the file becomes ready. Release orders every byte above before it. */
    __atomic_store_n(f->map + MMSTATS_VERSION_OFFSET, (unsigned char)MMSTATS_FORMAT_VERSION, __ATOMIC_RELEASE);
    return f;

fail_created:
    /* We created this file with O_EXCL: it is ours, half-made; leave nothing behind
     * (but never another's file that took the name meanwhile). */
    if (fd >= 0)
        close(fd);
    fd = -1;
    mmstats__unlink_if_same(path, f->dev, f->ino);
fail:
    if (fd >= 0)
        close(fd);
    free(image);
    free_file(f);
    return NULL;
}

size_t mmstats_slot_count(const mmstats_file *f) { return f->count; }
const char *mmstats_path(const mmstats_file *f) { return f->path; }
const unsigned char *mmstats_map(const mmstats_file *f) { return f->map; }
size_t mmstats_size(const mmstats_file *f) { return f->size; }

mmstats_slot *mmstats_slot_at(mmstats_file *f, size_t index)
{
    return index < f->count ? &f->slots[index] : NULL;
}

mmstats_slot *mmstats_slot_named_n(mmstats_file *f, const char *label, size_t label_len)
{
    size_t i;
    for (i = 0; i < f->count; i++) {
        mmstats_slot *s = &f->slots[i];
        if (s->label_len == label_len && memcmp(s->label, label, label_len) == 0)
            return s;
    }
    return NULL;
}

mmstats_slot *mmstats_slot_named(mmstats_file *f, const char *label)
{
    return mmstats_slot_named_n(f, label, strlen(label));
}

int mmstats_sync(mmstats_file *f)
{
    return msync(f->map, f->size, MS_SYNC);
}

int mmstats_close(mmstats_file *f)
{
    int rc = 0;
    if (!f)
        return 0;
    if (f->map && munmap(f->map, f->size))
        rc = -1;
    free_file(f);
    return rc;
}

int mmstats_remove(mmstats_file *f)
{
    int rc, saved = 0;
    if (!f)
        return 0;
    rc = mmstats__unlink_if_same(f->path, f->dev, f->ino);
    if (rc)
        saved = errno;
    if (mmstats_close(f) && !rc) {
        rc = -1;
        saved = errno;
    }
    if (rc)
        errno = saved;
    return rc;
}
