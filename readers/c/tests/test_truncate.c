/* test_truncate.c -- every valid corpus file cut at every byte: a clean problem at
 * or before the cut, or (at a page boundary) a valid prefix of the fields. Each
 * prefix sits at the end of its allocation, so a read past it is an ASan error. */
#include "check.h"
#include "json_parse.h"
#include "mmstats_read.h"

#include <stdlib.h>
#include <string.h>

static int is_truncation_code(mmr_code c)
{
    /* version 2: a cut at a page boundary leaves regions that run past the end */
    return c == MMR_NOT_READY || c == MMR_TRUNCATED_RECORD || c == MMR_PAST_EOF || c == MMR_BAD_FILE_SIZE ||
           c == MMR_BAD_REGION;
}

static void cut_everywhere(const char *id, const char *path, size_t *cuts)
{
    size_t n, k;
    unsigned char *whole = slurp(path, &n), *buf;
    mmr_file full;
    mmr_problem p;
    CHECK_MSG(whole != NULL, "%s: cannot read %s", id, path);
    if (!whole)
        return;
    if (mmr_read_buffer(whole, n, &full, &p) != MMR_OK) {
        CHECK_MSG(0, "%s: not valid", id);
        free(whole);
        return;
    }
    buf = malloc(n ? n : 1);
    for (k = 0; buf && k < n; k++) {
        unsigned char *d = buf + (n - k);
        mmr_file f;
        mmr_problems all;
        int rc;
        memcpy(d, whole, k);
        rc = mmr_read_buffer(d, k, &f, &p);
        mmr_validate_buffer(d, k, &all);
        (*cuts)++;
        if (rc == MMR_OK) {
            size_t i;
            CHECK_MSG(k % 4096 == 0 && k > 0, "%s: valid when cut at %zu", id, k);
            CHECK_MSG(all.count == 0, "%s cut at %zu: reader and validator disagree", id, k);
            CHECK_MSG(f.count <= full.count, "%s cut at %zu: more fields than the whole file", id, k);
            for (i = 0; i < f.count && i < full.count; i++)
                CHECK_MSG(!strcmp(f.fields[i].label, full.fields[i].label) &&
                              !strcmp(f.fields[i].type, full.fields[i].type),
                          "%s cut at %zu: field %zu differs", id, k, i);
            mmr_file_free(&f);
        } else {
            CHECK_MSG(rc == MMR_INVALID, "%s cut at %zu: status %d", id, k, rc);
            CHECK_MSG(is_truncation_code(p.code) && p.offset <= k, "%s cut at %zu: %s at %llu", id, k,
                      mmr_code_name(p.code), (unsigned long long)p.offset);
            CHECK_MSG(all.count > 0 && all.items[0].code == p.code && all.items[0].offset == p.offset,
                      "%s cut at %zu: the validator's first problem differs", id, k);
        }
        mmr_problems_free(&all);
    }
    mmr_file_free(&full);
    free(buf);
    free(whole);
}

static void test_every_valid_file_cut_at_every_byte(void)
{
    const jv *cases = jv_get(manifest(), "cases");
    size_t i, files = 0, cuts = 0;
    CHECK_MSG(cases != NULL, "conformance/manifest.json is missing");
    for (i = 0; cases && i < cases->n; i++) {
        const jv *c = &cases->items[i], *kind = jv_get(c, "kind"), *id = jv_get(c, "id");
        const jv *path = jv_get(c, "path"), *image = jv_get(jv_get(c, "expect"), "image");
        if (!kind || !id || !path)
            continue;
        if (!strcmp(kind->text, "valid")) {
            cut_everywhere(id->text, corpus_path(path->text), &cuts);
            files++;
        } else if (!strcmp(kind->text, "writer") && image && image->type == JV_STR) {
            cut_everywhere(id->text, corpus_path(image->text), &cuts);
            files++;
        }
    }
    CHECK_MSG(files >= 130, "only %zu files cut", files);
    printf("  %zu files cut at %zu places\n", files, cuts);
}

void run_truncate_tests(void) { RUN(test_every_valid_file_cut_at_every_byte); }
