/* mmstats_v2_internal.h -- what the v2 writer's own files share (not installed). */
#ifndef MMSTATS_V2_INTERNAL_H
#define MMSTATS_V2_INTERNAL_H

#include "mmstats_v2.h"

#include <pthread.h>
#include <sys/types.h>

/* A handle as allocated: the field, its histogram bounds and its private value after it. */
typedef struct v2_handle {
    struct v2_handle *next;
    mmstats_v2_field field;
} v2_handle;

/* The value of a thread's pthread key for one file: which slot the thread owns. */
typedef struct v2_owner {
    mmstats_v2_file *file;
    uint32_t slot;
} v2_owner;

struct mmstats_v2_file {
    uint64_t id;            /* never reused in this process */
    uint32_t tag;           /* the hot path's tag (v2_tag); MMSTATS_V2__NO_TAG: none */
    pid_t owner_pid;        /* the creating process; a forked child has another pid */
    int fd;                 /* locked (LOCK_EX) for the file's life; closed last */
    unsigned char *map;
    size_t size;
    char *path;             /* final name */
    char *tmp_path;         /* temporary name until published */
    dev_t dev;              /* identity of the file: close removes only this file */
    ino_t ino;
    int keep, quiet, published, forked, overflow_logged;

    /* layout (the header's values) */
    uint32_t meta_offset, meta_capacity, process_offset, process_capacity;
    uint32_t slots_offset, slot_size, slot_count;

    /* under lock: registration and slot hand-out */
    pthread_mutex_t lock;
    uint32_t meta_used;     /* bytes of published entries */
    uint32_t process_used;  /* bytes of the process area given to values */
    uint32_t slot_used;     /* bytes of each slot given to values */
    uint32_t field_count, overflow_count, slots_used;
    uint32_t *free_slots;   /* slots given back by exited threads (a stack) */
    uint32_t free_count;
    v2_owner *owners;       /* one per slot; owners[0] is every thread of the shared slot */
    pthread_key_t key;      /* a thread's v2_owner; its destructor gives the slot back */
    v2_handle *handles;

    struct mmstats_v2_file *next_open; /* the process's open files (for fork) */
};

/* The hot path's tag of a file (see MMSTATS_V2__KEY_SHIFT): its id while the id fits in 16
 * bits and every byte of its mapping lies below 2^48, else MMSTATS_V2__NO_TAG. */
static inline uint32_t v2_tag(uint64_t id, const unsigned char *map, size_t size)
{
    uintptr_t end = (uintptr_t)map + size;
    if (id >= MMSTATS_V2__NO_TAG || (uint64_t)end > MMSTATS_V2__ADDRESS_LIMIT || end < (uintptr_t)map)
        return MMSTATS_V2__NO_TAG;
    return (uint32_t)id;
}

/* A field's key and a thread's own_key (see MMSTATS_V2__KEY_SHIFT). */
static inline uint64_t v2_field_key(uint32_t tag, uint32_t offset)
{
    return (uint64_t)offset - ((uint64_t)tag << MMSTATS_V2__KEY_SHIFT);
}

static inline uint64_t v2_own_key(uint32_t tag, const unsigned char *base)
{
    return ((uint64_t)tag << MMSTATS_V2__KEY_SHIFT) + (uint64_t)(uintptr_t)base;
}

/* mmstats_v2_slots.c */
int v2_slots_init(mmstats_v2_file *f);  /* 0, or an errno */
void v2_slots_fini(mmstats_v2_file *f);

/* little-endian stores into the map (the host is little-endian: see mmstats_v2.h) */
static inline void v2_put_u16(unsigned char *p, uint32_t v) { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); }
static inline void v2_put_u32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void v2_put_u64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static inline size_t round_up8(size_t n) { return (n + 7) & ~(size_t)7; }
static inline uint32_t *v2_u32(unsigned char *p) { return (uint32_t *)(void *)p; }

#endif
