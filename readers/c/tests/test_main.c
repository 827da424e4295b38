/* test_main.c -- runs every test group; the last line is "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int passed, failed, current_failed;
static const char *current;
static char tmp_dir[256];

void check_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    current_failed++;
    if (current_failed > 20)
        return; /* one broken loop must not bury the rest */
    printf("  FAIL %s (%s:%d): ", current ? current : "?", file, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

void check_run(const char *name, void (*fn)(void))
{
    current = name;
    current_failed = 0;
    fn();
    if (current_failed) {
        failed++;
        printf("not ok %s (%d failed checks)\n", name, current_failed);
    } else {
        passed++;
        printf("ok %s\n", name);
    }
    fflush(stdout);
    current = NULL;
}

const char *tmp_path(const char *name)
{
    static char buf[8][600];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", tmp_dir, name);
    return p;
}

const char *corpus_path(const char *rel)
{
    static char buf[8][1024];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", CONFORMANCE_DIR, rel);
    return p;
}

unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *data = NULL;
    size_t cap = 0, n = 0;
    if (!fp)
        return NULL;
    for (;;) {
        size_t r;
        if (n + 4096 + 1 > cap) {
            unsigned char *p;
            cap = cap ? 2 * cap : 8192;
            p = realloc(data, cap);
            if (!p) {
                free(data);
                fclose(fp);
                return NULL;
            }
            data = p;
        }
        r = fread(data + n, 1, 4096, fp);
        n += r;
        if (r < 4096)
            break;
    }
    fclose(fp);
    data[n] = '\0';
    *len = n;
    return data;
}

int write_bytes(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    int ok;
    if (!fp)
        return -1;
    ok = fwrite(data, 1, n, fp) == n;
    return (fclose(fp) == 0 && ok) ? 0 : -1;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/mmstats-c-read-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 2;
    }
    run_json_parse_tests();
    run_oracle_tests();
    run_error_tests();
    run_corpus_tests();
    run_truncate_tests();
    run_poll_tests();
    run_cli_tests();
    run_api_tests();
    run_v2_tests();
    run_mapped_tests();
    remove_tree(tmp_dir);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
