/* test_cli.c -- the two commands as the conformance harness runs them. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "json_parse.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READ_CMD BUILD_DIR "/mmstats-c-read"
#define VALIDATE_CMD BUILD_DIR "/mmstats-c-validate"

typedef struct {
    int status; /* exit status; -1: killed or did not finish in time */
    char *out, *err;
    size_t out_len, err_len;
} result;

/* Run argv with stdout and stderr captured; killed after 10 s. */
static result run(char *const argv[])
{
    result r = {-1, NULL, NULL, 0, 0};
    const char *out = tmp_path("cli.out"), *err = tmp_path("cli.err");
    int waited = 0, st = 0;
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    while (pid > 0 && waited < 1000) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        nanosleep(&ts, NULL);
        waited++;
    }
    if (waited >= 1000) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    } else if (pid > 0 && WIFEXITED(st)) {
        r.status = WEXITSTATUS(st);
    }
    r.out = (char *)slurp(out, &r.out_len);
    r.err = (char *)slurp(err, &r.err_len);
    return r;
}

static void done(result *r)
{
    free(r->out);
    free(r->err);
}

static int copy_file(const char *from, const char *to)
{
    size_t n;
    unsigned char *d = slurp(from, &n);
    int rc = d ? write_bytes(to, d, n) : -1;
    free(d);
    return rc;
}

static void test_read_prints_canonical_json(void)
{
    char *argv[] = {READ_CMD, (char *)corpus_path("valid/spec/example-mixed-buffering.mmstats"), NULL};
    result r = run(argv);
    char err[100];
    size_t n;
    unsigned char *want_text = slurp(corpus_path("valid/spec/example-mixed-buffering.json"), &n);
    jv *got = r.out ? jv_parse(r.out, r.out_len, err, sizeof err) : NULL;
    jv *want = want_text ? jv_parse((char *)want_text, n, err, sizeof err) : NULL;
    CHECK(r.status == 0 && r.err_len == 0);
    CHECK_MSG(got && want && canonical_equal(want, got, err, sizeof err), "%s", err);
    jv_free(got);
    jv_free(want);
    free(want_text);
    done(&r);
}

static void test_invalid_file_lines(void)
{
    char *path = (char *)corpus_path("invalid/unknown_type/z-code.mmstats");
    char *rd[] = {READ_CMD, path, NULL}, *va[] = {VALIDATE_CMD, path, NULL}, want[700];
    result r = run(rd), v = run(va);
    snprintf(want, sizeof want, "%s: offset 25: unknown_type: ", path);
    CHECK_MSG(r.status == 1 && r.err && !strncmp(r.err, want, strlen(want)), "reader: %d %s", r.status, r.err);
    CHECK(r.out_len == 0);
    CHECK_MSG(v.status == 1 && v.err && !strncmp(v.err, want, strlen(want)), "validator: %d %s", v.status, v.err);
    done(&r);
    done(&v);
}

static void test_validator_every_problem(void)
{
    /* two bad labels, garbage after the terminator, a bad size */
    const char *path = tmp_path("problems.mmstats");
    unsigned char b[5000] = {0x01, 0x01, 0x00, 0x80, 0x01, 0x00, 0x42, 0xff, 0x07,
                             0x01, 0x00, 0xff, 0x01, 0x00, 0x42, 0xff, 0x07};
    char *va[] = {VALIDATE_CMD, (char *)path, NULL};
    result r;
    b[100] = 0x2a;
    CHECK(write_bytes(path, b, sizeof b) == 0);
    r = run(va);
    CHECK(r.status == 1);
    {
        /* line by line: the fixed parts only */
        static const char *heads[] = {"offset 3: bad_label_utf8: ", "offset 11: bad_label_utf8: ",
                                      "offset 100: trailing_garbage: ", "offset 5000: bad_file_size: "};
        char *line = r.err;
        size_t i;
        for (i = 0; i < 4; i++) {
            char head[700];
            snprintf(head, sizeof head, "%s: %s", path, heads[i]);
            CHECK_MSG(line && !strncmp(line, head, strlen(head)), "line %zu: %s", i, line ? line : "(none)");
            line = line ? strchr(line, '\n') : NULL;
            line = line ? line + 1 : NULL;
        }
        CHECK(line && *line == '\0');
    }
    done(&r);
}

static void test_not_regular_files_refused(void)
{
    const char *fifo = tmp_path("cli.fifo");
    char *rd[] = {READ_CMD, (char *)fifo, NULL}, *va[] = {VALIDATE_CMD, (char *)fifo, NULL};
    char *dir[] = {READ_CMD, (char *)CONFORMANCE_DIR, NULL};
    result r, v, d;
    CHECK(mkfifo(fifo, 0600) == 0);
    r = run(rd);
    v = run(va);
    d = run(dir);
    CHECK_MSG(r.status == 2 && r.err && strstr(r.err, fifo) && strstr(r.err, "not a regular file"), "read: %d %s",
              r.status, r.err);
    CHECK_MSG(v.status == 2 && v.err && strstr(v.err, fifo) && strstr(v.err, "not a regular file"), "validate: %d %s",
              v.status, v.err);
    CHECK(d.status == 2 && d.err && strstr(d.err, "not a regular file (a directory)"));
    done(&r);
    done(&v);
    done(&d);
    unlink(fifo);
}

static void test_max_size_option(void)
{
    char *over = (char *)corpus_path("invalid/file_too_large/over-max-size.mmstats");
    char *a[] = {READ_CMD, "--max-size", "4096", over, NULL};
    char *b[] = {VALIDATE_CMD, "--max-size=4096", over, NULL};
    char *c[] = {READ_CMD, "--max-size", "-1", over, NULL};
    char *d[] = {VALIDATE_CMD, "--max-size", "lots", over, NULL};
    char *e[] = {READ_CMD, NULL};
    char *f[] = {READ_CMD, over, NULL};
    char want[700];
    result ra = run(a), rb = run(b), rc = run(c), rd = run(d), re = run(e), rf = run(f);
    snprintf(want, sizeof want, "%s: offset 4096: file_too_large: ", over);
    CHECK(ra.status == 1 && ra.err && !strncmp(ra.err, want, strlen(want)));
    CHECK(rb.status == 1 && rb.err && !strncmp(rb.err, want, strlen(want)));
    CHECK(rc.status == 2 && rc.err && strstr(rc.err, "usage"));
    CHECK(rd.status == 2 && rd.err && strstr(rd.err, "usage"));
    CHECK(re.status == 2 && re.err && strstr(re.err, "usage"));
    CHECK(rf.status == 0); /* 8192 bytes are under the default limit */
    done(&ra);
    done(&rb);
    done(&rc);
    done(&rd);
    done(&re);
    done(&rf);
}

/* Control characters, ill-formed UTF-8 and a backslash in a file name: escaped in
 * lines, U+FFFD in the JSON, which stays valid UTF-8. */
static void test_hostile_file_names(void)
{
    const char *bad = tmp_path("bad\x01\xff\\name.mmstats"), *good = tmp_path("ok\x1b\xc3.mmstats");
    char *rd[] = {READ_CMD, (char *)bad, NULL}, *rg[] = {READ_CMD, (char *)good, NULL};
    result r, g;
    char err[100];
    jv *json;
    CHECK(copy_file(corpus_path("invalid/unknown_type/z-code.mmstats"), bad) == 0);
    CHECK(copy_file(corpus_path("valid/spec/example-strings.mmstats"), good) == 0);
    r = run(rd);
    g = run(rg);
    CHECK_MSG(r.status == 1 && r.err && strstr(r.err, "bad\\x01\\xff\\\\name.mmstats: offset 25: unknown_type: "),
              "%s", r.err);
    CHECK(g.status == 0);
    json = g.out ? jv_parse(g.out, g.out_len, err, sizeof err) : NULL;
    CHECK_MSG(json != NULL, "JSON output does not parse: %s", err);
    if (json) {
        const jv *p = jv_get(json, "path");
        CHECK(p && p->type == JV_STR && strstr(p->text, "ok\x1b\xef\xbf\xbd.mmstats"));
    }
    jv_free(json);
    done(&r);
    done(&g);
    unlink(bad);
    unlink(good);
}

static void test_several_files(void)
{
    char *v = (char *)corpus_path("valid/spec/example-strings.mmstats");
    char *bad = (char *)corpus_path("invalid/not_ready/empty-file.mmstats");
    char *a[] = {READ_CMD, v, bad, v, NULL};
    char *b[] = {READ_CMD, v, (char *)tmp_path("missing.mmstats"), bad, NULL};
    result ra = run(a), rb = run(b);
    size_t lines = 0;
    char *p;
    for (p = ra.out; p && *p; p++)
        lines += *p == '\n';
    CHECK(ra.status == 1 && lines == 2);
    CHECK(rb.status == 2 && rb.err && strstr(rb.err, "missing.mmstats") && strstr(rb.err, "not_ready"));
    done(&ra);
    done(&rb);
}

void run_cli_tests(void)
{
    RUN(test_read_prints_canonical_json);
    RUN(test_invalid_file_lines);
    RUN(test_validator_every_problem);
    RUN(test_not_regular_files_refused);
    RUN(test_max_size_option);
    RUN(test_hostile_file_names);
    RUN(test_several_files);
}
