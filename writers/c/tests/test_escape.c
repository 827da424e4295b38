/* test_escape.c -- error lines are safe on a terminal: control characters, DEL, C1 controls,
 * backslashes and ill-formed UTF-8 in file names come out as \xNN and \\. */
#define _POSIX_C_SOURCE 200809L

#include "../escape.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#ifndef CLI_PATH
#define CLI_PATH "build/mmstats-c-write"
#endif

static void expect(const char *text, const char *want)
{
    char out[256];
    size_t n = mmstats_escape(text, out, sizeof out);
    CHECK_MSG(strcmp(out, want) == 0, "escape: got \"%s\", want \"%s\"", out, want);
    CHECK_MSG(n == strlen(want), "escape: length %zu, want %zu", n, strlen(want));
}

static void test_escape_controls_backslash_and_ill_formed_utf8(void)
{
    expect("plain.mmstats", "plain.mmstats");
    expect("", "");
    expect("a\x1b[2Jb", "a\\x1b[2Jb");               /* ESC: a terminal command */
    expect("new\nline\r\t", "new\\x0aline\\x0d\\x09");
    expect("del\x7f", "del\\x7f");
    expect("c1\xc2\x9b" "31m", "c1\\x9b31m");          /* U+009B, the one-character CSI */
    expect("c1\xc2\x80|\xc2\xa0", "c1\\x80|\xc2\xa0"); /* U+0080 escaped; U+00A0 is printable */
    expect("back\\slash", "back\\\\slash");
    expect("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    expect("bad\xff\xfe", "bad\\xff\\xfe");
    expect("cut\xe2\x82", "cut\\xe2\\x82");           /* a character cut short */
    expect("overlong\xc0\xaf", "overlong\\xc0\\xaf");
    expect("surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80");
}

static void test_escape_truncates_between_escapes_and_counts_all(void)
{
    char out[6];
    size_t n = mmstats_escape("ab\x1b" "cd", out, sizeof out);
    CHECK_MSG(strcmp(out, "ab") == 0, "got \"%s\"", out); /* "ab\x1b" needs 6 bytes + NUL */
    CHECK(n == strlen("ab\\x1bcd"));
    n = mmstats_escape("abcdefgh", out, sizeof out);
    CHECK(strcmp(out, "abcde") == 0 && n == 8);
    n = mmstats_escape("x", out, 0);
    CHECK(n == 1);
}

/* The command's error lines for hostile names: no raw control byte reaches stderr. */
static void test_cli_escapes_file_names_in_error_lines(void)
{
    static const char hostile[] = "evil\x1b]0;pwned\x07\n\xc2\x9b\xff\\";
    static const char shown[] = "evil\\x1b]0;pwned\\x07\\x0a\\x9b\\xff\\\\";
    char cmd[2048], err_path[512], name[512], *err;
    size_t len = 0, i;
    int status;
    unsigned char *data;
    /* a scenario that cannot be opened, and an OUT in a directory that does not exist */
    snprintf(name, sizeof name, "%s", tmp_path(hostile));
    snprintf(err_path, sizeof err_path, "%s", tmp_path("escape-stderr.txt"));
    setenv("MMSTATS_HOSTILE", name, 1);
    snprintf(cmd, sizeof cmd, "'%s' \"$MMSTATS_HOSTILE\" out.mmstats 2>'%s'", CLI_PATH, err_path);
    status = system(cmd);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit status %d", status);
    data = read_file(err_path, &len);
    CHECK_MSG(data != NULL, "no stderr file %s", err_path);
    if (!data)
        return;
    err = malloc(len + 1);
    memcpy(err, data, len);
    err[len] = '\0';
    CHECK_MSG(strstr(err, shown) && strstr(err, "cannot open"), "stderr: %s", err);
    for (i = 0; i + 1 < len; i++) /* only the line's own newline, at the end */
        CHECK_MSG(data[i] >= 0x20 && data[i] != 0x7f && data[i] != 0xff, "raw byte 0x%02x at %zu", data[i], i);
    CHECK(len > 0 && data[len - 1] == '\n');
    free(err);
    free(data);
    unsetenv("MMSTATS_HOSTILE");
}

void run_escape_tests(void)
{
    RUN(test_escape_controls_backslash_and_ill_formed_utf8);
    RUN(test_escape_truncates_between_escapes_and_counts_all);
    RUN(test_cli_escapes_file_names_in_error_lines);
}
