/* test_corpus.c -- the conformance corpus through the library: every valid case
 * decodes to its .json (compared by value, by the spec's rules, with the tests' own
 * JSON parser), every invalid case gives its code and offset, the 0.8 files and
 * the writer scenarios' expected images read to their expected forms. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "json_parse.h"
#include "mmstats_read.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const jv *manifest(void)
{
    static jv *m;
    static int tried;
    if (!tried) {
        size_t n;
        char err[120];
        unsigned char *text = slurp(corpus_path("manifest.json"), &n);
        tried = 1;
        m = text ? jv_parse((char *)text, n, err, sizeof err) : NULL;
        free(text);
    }
    return m;
}

static jv *load_json(const char *path, char *err, size_t errsz)
{
    size_t n;
    unsigned char *text = slurp(path, &n);
    jv *v;
    if (!text) {
        snprintf(err, errsz, "cannot read %s", path);
        return NULL;
    }
    v = jv_parse((char *)text, n, err, errsz);
    free(text);
    return v;
}

/* Read path with the library and compare with the canonical object want. */
static int reads_as(const char *path, const jv *want, char *why, size_t whysz)
{
    mmr_file f;
    mmr_problem p;
    mmr_ioerr io;
    mmr_problems all;
    char *json;
    size_t len;
    jv *got;
    int rc = mmr_read_path(path, MMR_DEFAULT_MAX_SIZE, &f, &p, &io), ok;
    if (rc != MMR_OK) {
        snprintf(why, whysz, "read failed: %s", rc == MMR_INVALID ? mmr_code_name(p.code) : io.message);
        return 0;
    }
    json = mmr_canonical_json(path, &f, &len);
    mmr_file_free(&f);
    got = json ? jv_parse(json, len, why, whysz) : NULL;
    free(json);
    if (!got)
        return 0;
    ok = canonical_equal(want, got, why, whysz);
    jv_free(got);
    rc = mmr_validate_path(path, MMR_DEFAULT_MAX_SIZE, &all, &io);
    if (ok && rc != MMR_OK) {
        snprintf(why, whysz, "validator found %s", all.count ? mmr_code_name(all.items[0].code) : io.message);
        ok = 0;
    }
    mmr_problems_free(&all);
    return ok;
}

static const char *str_of(const jv *v) { return v && v->type == JV_STR ? v->text : NULL; }

static void test_manifest_valid_cases(void)
{
    const jv *m = manifest(), *cases = jv_get(m, "cases"), *counts = jv_get(jv_get(m, "counts"), "valid");
    size_t i, seen = 0, golden = 0;
    CHECK_MSG(cases && counts, "conformance/manifest.json is missing or has no cases");
    if (!cases || !counts)
        return;
    for (i = 0; i < cases->n; i++) {
        const jv *c = &cases->items[i];
        const char *id = str_of(jv_get(c, "id")), *path = str_of(jv_get(c, "path"));
        const char *expect = str_of(jv_get(c, "expect"));
        char why[400];
        jv *want;
        if (!str_of(jv_get(c, "kind")) || strcmp(str_of(jv_get(c, "kind")), "valid"))
            continue;
        seen++;
        golden += id && !strncmp(id, "golden/", 7);
        if (!id || !path || !expect) {
            CHECK_MSG(0, "case %zu: no id, path or expect", i);
            continue;
        }
        want = load_json(corpus_path(expect), why, sizeof why);
        CHECK_MSG(want != NULL, "%s: %s", id, why);
        if (want)
            CHECK_MSG(reads_as(corpus_path(path), want, why, sizeof why), "%s: %s", id, why);
        jv_free(want);
    }
    CHECK_MSG(seen == (size_t)atoi(counts->text), "%zu valid cases, the manifest counts %s", seen, counts->text);
    CHECK_MSG(golden == 40, "%zu golden cases in the manifest, want 40", golden);
}

static void test_manifest_invalid_cases(void)
{
    const jv *m = manifest(), *cases = jv_get(m, "cases"), *counts = jv_get(jv_get(m, "counts"), "invalid");
    size_t i, seen = 0;
    CHECK_MSG(cases && counts, "conformance/manifest.json is missing or has no cases");
    if (!cases || !counts)
        return;
    for (i = 0; i < cases->n; i++) {
        const jv *c = &cases->items[i], *expect = jv_get(c, "expect");
        const char *id = str_of(jv_get(c, "id")), *path = str_of(jv_get(c, "path"));
        const char *code = str_of(jv_get(expect, "code"));
        const jv *off = jv_get(expect, "offset"), *max = jv_get(jv_get(c, "options"), "max_size");
        const jv *every = jv_get(expect, "problems"), *fv = jv_get(c, "format_version");
        int version = fv && fv->type == JV_NUM ? atoi(fv->text) : 1;
        uint64_t max_size = max && max->type == JV_NUM ? strtoull(max->text, NULL, 10) : MMR_DEFAULT_MAX_SIZE;
        unsigned long long want_off;
        mmr_file f;
        mmr_problem p;
        mmr_problems all;
        mmr_ioerr io;
        int rc;
        size_t k;
        if (!str_of(jv_get(c, "kind")) || strcmp(str_of(jv_get(c, "kind")), "invalid"))
            continue;
        seen++;
        if (!id || !path || !code || !off || off->type != JV_NUM) {
            CHECK_MSG(0, "case %zu: incomplete", i);
            continue;
        }
        want_off = strtoull(off->text, NULL, 10);
        rc = mmr_read_path(corpus_path(path), max_size, &f, &p, &io);
        CHECK_MSG(rc == MMR_INVALID, "%s: read gave %d (%s)", id, rc, rc == MMR_IOERR ? io.message : "");
        if (rc == MMR_OK)
            mmr_file_free(&f);
        if (rc == MMR_INVALID)
            CHECK_MSG(!strcmp(mmr_code_name(p.code), code) && p.offset == want_off, "%s: want %s at %llu, got %s at %llu",
                      id, code, want_off, mmr_code_name(p.code), (unsigned long long)p.offset);
        rc = mmr_validate_path(corpus_path(path), max_size, &all, &io);
        CHECK_MSG(rc == MMR_INVALID && all.count > 0, "%s: validate gave %d", id, rc);
        if (all.count)
            CHECK_MSG(!strcmp(mmr_code_name(all.items[0].code), code) && all.items[0].offset == want_off,
                      "%s: validator's first: %s at %llu", id, mmr_code_name(all.items[0].code),
                      (unsigned long long)all.items[0].offset);
        if (version == 1) /* version 2 keeps its walk's order, which may step back */
            for (k = 1; k < all.count; k++)
                CHECK_MSG(all.items[k].offset >= all.items[k - 1].offset, "%s: offsets decrease", id);
        if (every) {
            CHECK_MSG(all.count == every->n, "%s: want %zu problems, got %zu", id, every->n, all.count);
            for (k = 0; k < every->n && k < all.count; k++)
                CHECK_MSG(!strcmp(mmr_code_name(all.items[k].code), str_of(jv_get(&every->items[k], "code"))) &&
                              all.items[k].offset == strtoull(jv_get(&every->items[k], "offset")->text, NULL, 10),
                          "%s: problem %zu is %s at %llu, not the one the manifest lists", id, k,
                          mmr_code_name(all.items[k].code), (unsigned long long)all.items[k].offset);
        }
        mmr_problems_free(&all);
    }
    CHECK_MSG(seen == (size_t)atoi(counts->text), "%zu invalid cases, the manifest counts %s", seen, counts->text);
}

/* The writer scenarios' expected images read to the scenarios' expected forms. */
static void test_writer_scenario_images(void)
{
    const jv *cases = jv_get(manifest(), "cases");
    size_t i, images = 0;
    CHECK_MSG(cases != NULL, "conformance/manifest.json is missing");
    for (i = 0; cases && i < cases->n; i++) {
        const jv *c = &cases->items[i], *expect = jv_get(c, "expect");
        const char *id = str_of(jv_get(c, "id")), *image = str_of(jv_get(expect, "image"));
        const char *scenario = str_of(jv_get(expect, "json"));
        char why[400];
        jv *s;
        if (!str_of(jv_get(c, "kind")) || strcmp(str_of(jv_get(c, "kind")), "writer") || !image || !scenario)
            continue;
        images++;
        s = load_json(corpus_path(scenario), why, sizeof why);
        CHECK_MSG(s && jv_get(s, "expect"), "%s: %s", id, why);
        if (s && jv_get(s, "expect"))
            CHECK_MSG(reads_as(corpus_path(image), jv_get(s, "expect"), why, sizeof why), "%s: %s", id, why);
        jv_free(s);
    }
    CHECK_MSG(images >= 10, "only %zu writer images", images);
}

/* Every file in conformance/golden/mmstats-0.8 (and cpython2.7/), listed from the
 * directory rather than the manifest, reads to the .json beside it. */
static void golden_dir(const char *rel, size_t *count)
{
    DIR *d = opendir(corpus_path(rel));
    struct dirent *e;
    CHECK_MSG(d != NULL, "%s is missing", rel);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[600], json[600], why[200];
        size_t len = strlen(e->d_name);
        jv *want;
        if (len < 9 || strcmp(e->d_name + len - 8, ".mmstats"))
            continue;
        snprintf(path, sizeof path, "%s/%s", corpus_path(rel), e->d_name);
        snprintf(json, sizeof json, "%.*s.json", (int)(strlen(path) - 8), path);
        want = load_json(json, why, sizeof why);
        CHECK_MSG(want != NULL, "%s: %s", e->d_name, why);
        if (want)
            CHECK_MSG(reads_as(path, want, why, sizeof why), "%s/%s: %s", rel, e->d_name, why);
        jv_free(want);
        (*count)++;
    }
    closedir(d);
}

static void test_golden_08_files(void)
{
    size_t count = 0;
    golden_dir("golden/mmstats-0.8", &count);
    golden_dir("golden/mmstats-0.8/cpython2.7", &count);
    CHECK_MSG(count == 40, "%zu golden files, want 40", count);
}

void run_corpus_tests(void)
{
    RUN(test_manifest_valid_cases);
    RUN(test_manifest_invalid_cases);
    RUN(test_writer_scenario_images);
    RUN(test_golden_08_files);
}
