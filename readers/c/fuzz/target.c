/* target.c -- the fuzz target: hostile bytes through every entry point, with the
 * invariants that must hold for any input. libFuzzer's entry point, so clang's
 * -fsanitize=fuzzer can drive it as well as fuzz/driver.c. Any broken invariant
 * aborts, which the sanitizers report with the input. */
#include "mmstats_read.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(cond)                                                                   \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/* Every problem: a known code, an offset inside the file (or at its end), in order (version 1). */
static void check_problems(const mmr_problems *all, size_t size, int v1)
{
    size_t i;
    for (i = 0; i < all->count; i++) {
        MUST((unsigned)all->items[i].code < MMR_CODE_COUNT && all->items[i].code != MMR_FILE_TOO_LARGE);
        MUST(all->items[i].offset <= size);
        /* version 1's walk finds problems by offset; version 2's entry by entry, each entry's fields in order */
        MUST(!v1 || i == 0 || all->items[i].offset >= all->items[i - 1].offset);
        MUST(memchr(all->items[i].message, '\0', sizeof all->items[i].message) != NULL);
    }
}

static void check_decoded(const mmr_file *f, size_t size)
{
    size_t i, len;
    char *json;
    for (i = 0; i < f->count; i++) {
        const mmr_field *fd = &f->fields[i];
        MUST(fd->val_offset + (fd->buffered ? 2u : 1u) * (uint64_t)fd->size <= size);
        MUST(fd->label[fd->label_len] == '\0' && fd->label_len > 0); /* a label may hold U+0000 */
        MUST(mmr_utf8_first_invalid((const unsigned char *)fd->label, fd->label_len) == fd->label_len);
        if (fd->kind == MMR_STRING && !fd->is_null)
            MUST(mmr_utf8_first_invalid((const unsigned char *)fd->str, fd->str_len) == fd->str_len);
        if (f->format_version == 2) /* the decoded parts of an entry are well-formed */
            MUST(fd->kind_name && fd->unit_len <= 63 &&
                 mmr_utf8_first_invalid((const unsigned char *)fd->help, fd->help_len) == fd->help_len);
    }
    json = mmr_canonical_json("fuzz\xff.mmstats", f, &len);
    MUST(json != NULL);
    MUST(strlen(json) == len);
    MUST(mmr_utf8_first_invalid((const unsigned char *)json, len) == len);
    free(json);
}

/* Any 8 bytes as a double: its repr reads back to the same bits. */
static void check_float(const uint8_t *b)
{
    double v, back;
    char text[32];
    memcpy(&v, b, 8);
    mmr_float_repr(v, text);
    if (isnan(v))
        return;
    back = strtod(text, NULL);
    MUST(memcmp(&v, &back, 8) == 0 || (v == 0 && back == 0 && signbit(v) == signbit(back)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
    char *text;
    mmr_file f;
    mmr_problem first;
    mmr_problems all;
    int rc;
    if (!copy)
        return 0;
    memcpy(copy, data, size);

    rc = mmr_read_buffer(copy, size, &f, &first);
    MUST(rc == MMR_OK || rc == MMR_INVALID);
    MUST(mmr_validate_buffer(copy, size, &all) >= 0);
    check_problems(&all, size, size > 0 && data[0] == 1);
    if (rc == MMR_OK) {
        MUST(all.count == 0);
        MUST(size % 4096 == 0 && size > 0);
        check_decoded(&f, size);
        mmr_file_free(&f);
    } else {
        /* the reader reports the validator's first problem */
        MUST(all.count > 0 && all.items[0].code == first.code && all.items[0].offset == first.offset);
    }
    mmr_problems_free(&all);

    /* the text helpers on the raw bytes as a name */
    text = malloc(size + 1);
    if (text) {
        char *esc, *rep = malloc(3 * size + 1);
        memcpy(text, data, size);
        text[size] = '\0';
        esc = mmr_escape_text(text);
        MUST(esc != NULL);
        MUST(mmr_utf8_first_invalid((unsigned char *)esc, strlen(esc)) == strlen(esc));
        free(esc);
        if (rep) {
            size_t n = mmr_utf8_replace(data, size, rep);
            MUST(mmr_utf8_first_invalid((unsigned char *)rep, n) == n);
            free(rep);
        }
        free(text);
    }
    if (size >= 8)
        check_float(data + size - 8);
    free(copy);
    return 0;
}
