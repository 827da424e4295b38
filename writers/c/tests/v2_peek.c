/* v2_peek.c -- see v2_peek.h. */
#include "v2_peek.h"

#include <string.h>

uint32_t peek_u32(const unsigned char *map, size_t at)
{
    return __atomic_load_n((const uint32_t *)(const void *)(map + at), __ATOMIC_ACQUIRE);
}

uint64_t peek_u64(const unsigned char *map, size_t at)
{
    return __atomic_load_n((const uint64_t *)(const void *)(map + at), __ATOMIC_ACQUIRE);
}

static uint16_t u16_at(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

int peek_find(const unsigned char *map, const char *name, peek_entry *e)
{
    uint32_t count = peek_u32(map, PEEK_FIELD_COUNT), i;
    size_t at = peek_u32(map, PEEK_META_OFFSET), len = strlen(name);
    for (i = 0; i < count; i++) {
        const unsigned char *p = map + at;
        uint32_t size = peek_u32(map, at);
        if (u16_at(p + 16) == len && memcmp(p + 32, name, len) == 0) {
            e->at = at;
            e->kind = p[4];
            e->value_type = p[5];
            e->value_offset = peek_u32(map, at + 8);
            e->value_size = peek_u32(map, at + 12);
            e->extra_size = peek_u32(map, at + 24);
            return 0;
        }
        at += size;
    }
    return -1;
}

static size_t slot_value_at(const unsigned char *map, const peek_entry *e, uint32_t k)
{
    return peek_u32(map, PEEK_SLOTS_OFFSET) + (size_t)k * peek_u32(map, PEEK_SLOT_SIZE) + e->value_offset;
}

uint64_t peek_slot_sum(const unsigned char *map, const peek_entry *e)
{
    uint32_t used = peek_u32(map, PEEK_SLOTS_USED), k;
    uint64_t sum = 0;
    for (k = 0; k < used; k++)
        sum += peek_u64(map, slot_value_at(map, e, k));
    return sum;
}

uint64_t peek_slot_word(const unsigned char *map, const peek_entry *e, uint32_t k, uint32_t word)
{
    return peek_u64(map, slot_value_at(map, e, k) + 8 * (size_t)word);
}

uint64_t peek_process_word(const unsigned char *map, const peek_entry *e, uint32_t word)
{
    return peek_u64(map, peek_u32(map, PEEK_PROCESS_OFFSET) + e->value_offset + 8 * (size_t)word);
}
