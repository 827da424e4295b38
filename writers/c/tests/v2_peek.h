/* v2_peek.h -- the tests' own small reader of v2 bytes, written from spec/v2.md's
 * tables (literal offsets, not the writer's macros), so that a wrong constant in the
 * writer cannot hide itself. Loads are 8-byte atomic loads, as a reader's. */
#ifndef MMSTATS_TEST_V2_PEEK_H
#define MMSTATS_TEST_V2_PEEK_H

#include <stddef.h>
#include <stdint.h>

uint32_t peek_u32(const unsigned char *map, size_t at); /* acquire */
uint64_t peek_u64(const unsigned char *map, size_t at); /* acquire */

/* header words (spec/v2.md, "Header") */
#define PEEK_STATE 12
#define PEEK_PID 16
#define PEEK_START_TICKS 24
#define PEEK_CREATED 32
#define PEEK_HEARTBEAT 40
#define PEEK_META_OFFSET 56
#define PEEK_PROCESS_OFFSET 64
#define PEEK_SLOTS_OFFSET 72
#define PEEK_SLOT_SIZE 76
#define PEEK_SLOT_COUNT 80
#define PEEK_SLOTS_USED 84
#define PEEK_FIELD_COUNT 88
#define PEEK_OVERFLOW_COUNT 92

/* One published entry. */
typedef struct peek_entry {
    size_t at;             /* offset of the entry */
    unsigned kind, value_type;
    uint32_t value_offset, value_size, extra_size;
} peek_entry;

/* The published entry named name (the first one), 0 if found, -1 if not. */
int peek_find(const unsigned char *map, const char *name, peek_entry *e);

/* A slotted u64/i64 value: the sum of its copies in slots 0 to slots_used - 1. */
uint64_t peek_slot_sum(const unsigned char *map, const peek_entry *e);
/* Word `word` (0: seq, 1: sum, 2...: buckets) of a histogram copy in slot k. */
uint64_t peek_slot_word(const unsigned char *map, const peek_entry *e, uint32_t k, uint32_t word);
/* A process-area word (numbers: the value; strings: 0 seq, 1 length). */
uint64_t peek_process_word(const unsigned char *map, const peek_entry *e, uint32_t word);

#endif
