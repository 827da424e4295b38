/* mmstats_v2_slots.c -- handing out thread slots (spec/v2.md "Slots"): a free list
 * under the file's mutex, slots_used release-stored before a new slot's first
 * store, the slot given back (values kept) when its thread exits, slot 0 shared
 * when none is left. */
#define _GNU_SOURCE

#include "mmstats_v2_internal.h"

#include <errno.h>
#include <stdlib.h>

__thread mmstats_v2_thread mmstats_v2__current __attribute__((tls_model("initial-exec")));

/* The calling thread's cache names no file: its next update takes the slow path. */
static void forget_current(void)
{
    mmstats_v2__current.file_id = 0;
    mmstats_v2__current.own_key = 0;
}

/* The pthread key destructor, and detach: runs on the thread that owned the slot. */
static void give_back(void *arg)
{
    v2_owner *o = arg;
    mmstats_v2_file *f = o->file;
    if (mmstats_v2__current.file_id == f->id) /* an update after this must take a slot anew */
        forget_current();
    if (o->slot == 0)
        return;
    pthread_mutex_lock(&f->lock);
    f->free_slots[f->free_count++] = o->slot;
    pthread_mutex_unlock(&f->lock);
}

int v2_slots_init(mmstats_v2_file *f)
{
    uint32_t i;
    int rc;
    f->free_slots = calloc(f->slot_count, sizeof *f->free_slots);
    f->owners = calloc(f->slot_count, sizeof *f->owners);
    if (!f->free_slots || !f->owners)
        return ENOMEM;
    for (i = 0; i < f->slot_count; i++) {
        f->owners[i].file = f;
        f->owners[i].slot = i;
    }
    rc = pthread_mutex_init(&f->lock, NULL);
    if (rc)
        return rc;
    rc = pthread_key_create(&f->key, give_back);
    if (rc)
        pthread_mutex_destroy(&f->lock);
    return rc;
}

void v2_slots_fini(mmstats_v2_file *f)
{
    if (mmstats_v2__current.file_id == f->id)
        forget_current();
    pthread_key_delete(f->key); /* runs no destructor: the slots die with the file */
    pthread_mutex_destroy(&f->lock);
}

/* A slot for the calling thread, under the lock: a given-back one, else a new one
 * (published by slots_used before the thread's first store), else the shared slot. */
static uint32_t take_slot(mmstats_v2_file *f)
{
    uint32_t slot = 0;
    pthread_mutex_lock(&f->lock);
    if (f->free_count)
        slot = f->free_slots[--f->free_count];
    else if (f->slots_used < f->slot_count) {
        slot = f->slots_used++;
        __atomic_store_n(v2_u32(f->map + MMSTATS_V2_SLOTS_USED_OFFSET), f->slots_used, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&f->lock);
    return slot;
}

const mmstats_v2_thread *mmstats_v2__thread_slow(mmstats_v2_file *f)
{
    v2_owner *o = pthread_getspecific(f->key);
    mmstats_v2_thread *t = &mmstats_v2__current;
    if (!o) {
        o = &f->owners[take_slot(f)];
        if (pthread_setspecific(f->key, o)) { /* cannot be given back at exit: use slot 0 */
            give_back(o);
            o = &f->owners[0];
        }
    }
    t->file_id = f->id;
    t->base = f->map + f->slots_offset + (size_t)o->slot * f->slot_size;
    t->shared = o->slot == 0;
    t->slot = o->slot;
    t->own_key = o->slot == 0 || f->tag == MMSTATS_V2__NO_TAG ? 0 : v2_own_key(f->tag, t->base);
    return t;
}

const mmstats_v2_thread *mmstats_v2__view_slow(const mmstats_v2_field *fd)
{
    if (!fd->published)
        return &fd->unpublished;
    return mmstats_v2__thread_slow(fd->file);
}

void mmstats_v2__add_int_slow(const mmstats_v2_field *fd, uint64_t n)
{
    const mmstats_v2_thread *t = mmstats_v2__thread(fd);
    uint64_t *p = mmstats_v2__word(t->base + fd->offset);
    if (t->shared)
        __atomic_fetch_add(p, n, __ATOMIC_RELAXED);
    else
        mmstats_v2__own_store(p, mmstats_v2__own_load(p) + n);
}

uint32_t mmstats_v2_thread_attach(mmstats_v2_file *f)
{
    return mmstats_v2__thread_slow(f)->slot;
}

void mmstats_v2_thread_detach(mmstats_v2_file *f)
{
    v2_owner *o = pthread_getspecific(f->key);
    if (o) {
        pthread_setspecific(f->key, NULL);
        give_back(o);
    } else if (mmstats_v2__current.file_id == f->id) {
        forget_current();
    }
}
