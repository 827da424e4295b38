/* test_scenario.c -- writer-scenario JSON: values converted per type, bad
 * scenarios refused with file + offset, and the mmstats-c-write command. */
#define _POSIX_C_SOURCE 200809L

#include "check.h"
#include "../scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLI_PATH
#define CLI_PATH "build/mmstats-c-write"
#endif

static uint64_t le(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    while (n--)
        v = (v << 8) | p[n];
    return v;
}

static const char good[] =
    "{\"id\": \"c-unit\", \"description\": \"every kind\",\n"
    " \"fields\": [\n"
    "  {\"label\": \"n\", \"type\": \"Q\", \"buffered\": true},\n"
    "  {\"label\": \"i8\", \"type\": \"b\", \"buffered\": false},\n"
    "  {\"label\": \"i16\", \"type\": \"h\", \"buffered\": true},\n"
    "  {\"label\": \"d\", \"type\": \"d\", \"buffered\": false},\n"
    "  {\"label\": \"f\", \"type\": \"f\", \"buffered\": false},\n"
    "  {\"label\": \"s\", \"type\": \"4s\", \"buffered\": false},\n"
    "  {\"label\": \"ok\", \"type\": \"?\", \"buffered\": false},\n"
    "  {\"label\": \"caf\\u00e9\", \"type\": \"B\", \"buffered\": false, \"note\": \"ignored\"}\n"
    " ],\n"
    " \"updates\": [\n"
    "  {\"field\": \"n\", \"value\": 18446744073709551615},\n"
    "  {\"field\": \"n\", \"value\": 18446744073709551617},\n"
    "  {\"field\": \"i8\", \"value\": 200},\n"
    "  {\"field\": \"i16\", \"value\": -32769},\n"
    "  {\"field\": \"d\", \"value\": 3},\n"
    "  {\"field\": \"d\", \"value\": \"-Infinity\"},\n"
    "  {\"field\": \"f\", \"value\": 0.1},\n"
    "  {\"field\": \"s\", \"value\": \"abcdef\"},\n"
    "  {\"field\": \"s\", \"value\": \"caf\\u00e9\"},\n"
    "  {\"field\": \"ok\", \"value\": true},\n"
    "  {\"field\": \"caf\\u00e9\", \"value\": -1}\n"
    " ],\n"
    " \"expect\": {\"format_version\": 1, \"fields\": []}}\n";

/* The bytes after applying `good`, checked value by value. */
static void check_good_map(const unsigned char *m)
{
    /* n: record at 1, label "n": write_buffer at 1+2+1+2+1 = 7, values at 8 and 16 */
    CHECK(m[7] == 0 && le(m + 8, 8) == UINT64_MAX && le(m + 16, 8) == 1); /* 2^64+1 wraps to 1 */
    /* i8 at 24: 2+2+2+1 -> wb 31 (0xff), value 32 */
    CHECK(m[31] == 0xff && m[32] == 0xc8);
    /* i16 at 33: wb 33+2+3+2+1 = 41, values 42, 44 */
    CHECK(m[41] == 1 && le(m + 42, 2) == 0x7fff && le(m + 44, 2) == 0);
    /* d at 46: wb 52, value 53 */
    CHECK(m[52] == 0xff && le(m + 53, 8) == UINT64_C(0xfff0000000000000));
    /* f at 61: wb 67, value 68 */
    CHECK(m[67] == 0xff && le(m + 68, 4) == 0x3dcccccd);
    /* s at 72: wb 72+2+1+2+2 = 79, value 80: "abcd" then "caf" + NUL (é does not fit) */
    CHECK(m[79] == 0xff && memcmp(m + 80, "caf\0", 4) == 0);
    /* ok at 84: wb 84+2+2+2+1 = 91, value 92 */
    CHECK(m[91] == 0xff && m[92] == 1);
    /* "café" (5 bytes) at 93: wb 93+2+5+2+1 = 103, value 104 */
    CHECK(m[95] == 'c' && m[103] == 0xff && m[104] == 0xff);
    CHECK(m[105] == 0 && m[106] == 0); /* the zero fill */
}

static void test_scenario_values_follow_field_types(void)
{
    scenario sc;
    char msg[768];
    mmstats_error err;
    mmstats_file *f;
    if (scenario_parse("good.json", good, sizeof good - 1, &sc, msg, sizeof msg)) {
        check_fail(__FILE__, __LINE__, "%s", msg);
        return;
    }
    CHECK(sc.field_count == 8 && sc.update_count == 11);
    f = mmstats_create(tmp_path("scenario-good.mmstats"), sc.fields, sc.field_count, MMSTATS_DEFAULT_MODE, &err);
    CHECK_MSG(f != NULL, "%s", err.message);
    if (f) {
        scenario_apply(&sc, f);
        check_good_map(mmstats_map(f));
        mmstats_remove(f);
    }
    scenario_free(&sc);
}

/* text must be refused with "bad.json: offset N" and the fragment in the message. */
static void refused(const char *text, long offset, const char *fragment)
{
    scenario sc;
    char msg[768], at[48];
    if (scenario_parse("bad.json", text, strlen(text), &sc, msg, sizeof msg) == 0) {
        check_fail(__FILE__, __LINE__, "accepted: %s", text);
        scenario_free(&sc);
        return;
    }
    snprintf(at, sizeof at, "bad.json: offset %ld ", offset);
    CHECK_MSG(offset < 0 || strncmp(msg, at, strlen(at)) == 0, "want \"%s\" at the start of: %s", at, msg);
    CHECK_MSG(strstr(msg, fragment) != NULL, "want \"%s\" in: %s", fragment, msg);
}

#define F(label, type, buffered) "{\"label\": \"" label "\", \"type\": \"" type "\", \"buffered\": " buffered "}"
#define ONE(type, value) "{\"fields\": [" F("x", type, "true") "], \"updates\": [{\"field\": \"x\", \"value\": " value "}]}"

static void test_scenario_errors_name_file_offset_and_problem(void)
{
    refused("[]", 0, "must be a JSON object");
    refused("{}", 0, "has no \"fields\"");
    refused("{\"fields\": {}}", 11, "\"fields\" of the scenario must be an array");
    refused("{\"fields\": [1]}", 12, "fields[0] must be an object");
    refused("{\"fields\": [{\"label\": 1, \"type\": \"Q\", \"buffered\": true}]}", 22, "\"label\" of fields[0] must be a string");
    refused("{\"fields\": [{\"label\": \"x\", \"type\": \"Q\"}]}", 12, "fields[0] has no \"buffered\"");
    refused("{\"fields\": [" F("x", "Q", "\"yes\"") "]}", 52, "must be true or false");
    refused("{\"fields\": [" F("x", "Z", "true") "]}", 35, "\"Z\" is not in the type table");
    refused("{\"fields\": [" F("x", "Q\\u0000", "true") "]}", 35, "not in the type table");
    refused("{\"fields\": [" F("", "Q", "true") "]}", 22, "label is empty");
    refused("{\"fields\": [], \"updates\": {}}", 26, "\"updates\" must be an array");
    refused("{\"fields\": [], \"updates\": [{\"field\": \"nope\", \"value\": 1}]}", 37, "no field is labelled \"nope\"");
    refused(ONE("Q", "\"5\""), -1, "needs an integer, not a string");
    refused(ONE("Q", "1.5"), -1, "not a number with a fraction or exponent");
    refused(ONE("Q", "1e3"), -1, "fraction or exponent");
    refused(ONE("i", "true"), -1, "needs an integer, not true");
    refused(ONE("d", "\"nan\""), -1, "not that string");
    refused(ONE("d", "null"), -1, "not null");
    refused(ONE("d", "1" "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                     "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                     "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                     "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"),
            -1, "too large to convert to a float");
    refused(ONE("8s", "5"), -1, "needs a string, not a number");
    refused(ONE("?", "\"true\""), -1, "needs true or false");
    refused("{\"fields\": [1,]}", 14, "invalid JSON: trailing comma");
    refused("{\"fields\": [],\n \"updates\": [{\"field\": \"x\" \"value\": 1}]}", 42, "line 2, column 28");
}

/* Every byte of a good scenario replaced by a few others: accepted or refused
 * with a message naming the file, never a crash (make asan checks memory). */
static void test_scenario_single_byte_mutations_never_crash(void)
{
    static const char repl[] = {'"', '1', '-', 'x', ']', '}', ' ', '\0'};
    char buf[sizeof good], msg[768];
    size_t i, k;
    for (i = 0; i < sizeof good - 1; i++) {
        for (k = 0; k < sizeof repl; k++) {
            scenario sc;
            memcpy(buf, good, sizeof good);
            buf[i] = repl[k];
            if (scenario_parse("m.json", buf, sizeof good - 1, &sc, msg, sizeof msg) == 0)
                scenario_free(&sc);
            else
                CHECK_MSG(strncmp(msg, "m.json: offset ", 15) == 0, "byte %zu: %s", i, msg);
        }
    }
}

static void test_scenario_load_reports_missing_file(void)
{
    scenario sc;
    char msg[768];
    const char *path = tmp_path("no-such-scenario.json");
    CHECK(scenario_load(path, &sc, msg, sizeof msg) == -1);
    CHECK_MSG(strstr(msg, path) && strstr(msg, "cannot open"), "%s", msg);
}

/* Run the command; returns its exit status, stderr in err_text. */
static int run_cli(const char *args, char *err_text, size_t size)
{
    char cmd[2048];
    const char *err_path = tmp_path("cli-stderr.txt");
    unsigned char *data;
    size_t len = 0;
    int status;
    snprintf(cmd, sizeof cmd, "'%s' %s 2>'%s'", CLI_PATH, args, err_path);
    status = system(cmd);
    err_text[0] = '\0';
    data = read_file(err_path, &len);
    if (data) {
        if (len >= size)
            len = size - 1;
        memcpy(err_text, data, len);
        err_text[len] = '\0';
        free(data);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_bytes(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fwrite(text, 1, len, fp);
        fclose(fp);
    }
}

static void test_cli_writes_scenario_and_refuses_bad_input(void)
{
    char args[1200], err[2048];
    const char *json = tmp_path("cli-good.json");
    const char *out = tmp_path("cli-good.mmstats");
    const char *bad = tmp_path("cli-bad.json");
    const char *bad_out = tmp_path("cli-bad.mmstats");
    unsigned char *data;
    size_t len = 0;
    struct stat st;
    if (access(CLI_PATH, X_OK) != 0) {
        check_fail(__FILE__, __LINE__, "%s is not built", CLI_PATH);
        return;
    }
    write_bytes(json, good, sizeof good - 1);
    unlink(out);
    snprintf(args, sizeof args, "'%s' '%s'", json, out);
    CHECK_MSG(run_cli(args, err, sizeof err) == 0, "exit non-zero: %s", err);
    data = read_file(out, &len);
    CHECK(data && len == 4096 && data[0] == 1);
    if (data && len == 4096)
        check_good_map(data);
    free(data);

    /* OUT exists: refused, untouched */
    CHECK(run_cli(args, err, sizeof err) == 1);
    CHECK_MSG(strstr(err, out) && strstr(err, "exist"), "stderr: %s", err);
    data = read_file(out, &len);
    CHECK(data && len == 4096);
    free(data);

    /* a bad scenario leaves no OUT behind */
    write_bytes(bad, ONE("Q", "1.5"), strlen(ONE("Q", "1.5")));
    snprintf(args, sizeof args, "'%s' '%s'", bad, bad_out);
    CHECK(run_cli(args, err, sizeof err) == 1);
    CHECK_MSG(strstr(err, bad) && strstr(err, "offset") && strstr(err, "needs an integer"), "stderr: %s", err);
    CHECK(stat(bad_out, &st) != 0);

    /* usage */
    CHECK(run_cli("", err, sizeof err) == 2 && strstr(err, "usage:"));
    snprintf(args, sizeof args, "'%s'", json);
    CHECK(run_cli(args, err, sizeof err) == 2);
    unlink(out);
}

/* A scenario whose file every reader would refuse as file_too_large: exit 1, no OUT. */
static void test_cli_refuses_a_file_readers_would_refuse(void)
{
    static const char huge[] = "{\"fields\": [{\"label\": \"big\", \"type\": \"300000000s\", \"buffered\": false}],"
                               " \"updates\": []}";
    char args[1200], err[2048];
    const char *json = tmp_path("cli-huge.json");
    const char *out = tmp_path("cli-huge.mmstats");
    struct stat st;
    write_bytes(json, huge, sizeof huge - 1);
    unlink(out);
    snprintf(args, sizeof args, "'%s' '%s'", json, out);
    CHECK(run_cli(args, err, sizeof err) == 1);
    CHECK_MSG(strstr(err, out) && strstr(err, "268435456") && strstr(err, "file_too_large"), "stderr: %s", err);
    CHECK(stat(out, &st) != 0);
}

void run_scenario_tests(void)
{
    RUN(test_scenario_values_follow_field_types);
    RUN(test_scenario_errors_name_file_offset_and_problem);
    RUN(test_scenario_single_byte_mutations_never_crash);
    RUN(test_scenario_load_reports_missing_file);
    RUN(test_cli_writes_scenario_and_refuses_bad_input);
    RUN(test_cli_refuses_a_file_readers_would_refuse);
}
