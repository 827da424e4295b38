/* test_main.c -- runs every test group; the last line is "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L

#include "check.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed, current_failed;
static const char *current;
static char tmp_dir[256];

void check_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    current_failed++;
    fprintf(stdout, "  FAIL %s (%s:%d): ", current ? current : "?", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

int check_bytes(const char *file, int line, const unsigned char *got, const unsigned char *want, size_t n,
                const char *what)
{
    size_t i;
    if (!got || !want) {
        check_fail(file, line, "%s: no bytes to compare", what);
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            check_fail(file, line, "%s: first difference at offset %zu (0x%zx): got 0x%02x, want 0x%02x", what, i,
                       i, got[i], want[i]);
            return 0;
        }
    }
    return 1;
}

void check_run(const char *name, void (*fn)(void))
{
    current = name;
    current_failed = 0;
    fn();
    if (current_failed) {
        failed++;
        printf("not ok %s\n", name);
    } else {
        passed++;
        printf("ok %s\n", name);
    }
    current = NULL;
}

const char *tmp_path(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", tmp_dir, name);
    return p;
}

unsigned char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *data;
    long n;
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) {
        fclose(fp);
        return NULL;
    }
    data = malloc((size_t)n + 1);
    if (data && fread(data, 1, (size_t)n, fp) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(fp);
    *len = (size_t)n;
    return data;
}

static void remove_tmp_dir(void)
{
    DIR *d = opendir(tmp_dir);
    struct dirent *e;
    char path[800];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", tmp_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(tmp_dir);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/mmstats-c-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        perror(tmp_dir);
        return 2;
    }
    run_image_tests();
    run_create_tests();
    run_interop_tests();
    run_json_tests();
    run_scenario_tests();
    run_utf8_tests();
    run_escape_tests();
    run_v2_corpus_tests();
    run_v2_slot_tests();
    run_v2_life_tests();
    run_v2_value_tests();
    remove_tmp_dir();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
