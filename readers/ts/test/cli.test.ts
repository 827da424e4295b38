/** The commands as the conformance protocol runs them: output, exit statuses, error lines, odd file names. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildImage } from "./build.js";
import { BIN, CONFORMANCE, parseJson, type Json } from "./helpers.js";

const READ = join(BIN, "mmstats-ts-read");
const VALIDATE = join(BIN, "mmstats-ts-validate");
const dir = mkdtempSync(join(tmpdir(), "mmstats-ts-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, ...args: string[]) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10000 });
  assert.equal(r.error, undefined);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs through sh so that a file name can hold bytes that are not UTF-8 (printf escapes). */
function runSh(script: string) {
  const r = spawnSync("sh", ["-c", script], { timeout: 10000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const valid = join(CONFORMANCE, "valid/spec/example-mixed-buffering.mmstats");
const invalid = join(CONFORMANCE, "invalid/unknown_type/z-code.mmstats");

describe("mmstats-ts-read", () => {
  it("prints the canonical JSON and exits 0", () => {
    const r = run(READ, valid);
    assert.equal(r.status, 0);
    const doc = parseJson(r.stdout) as { path: string; fields: { label: Json }[] };
    assert.equal(doc.path, valid);
    assert.deepEqual(doc.fields.map((f) => f.label), ["requests", "up", "load", "temp"]);
  });

  it("one document per line per file; the worst status wins", () => {
    const r = run(READ, valid, invalid, valid);
    assert.equal(r.status, 1);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    lines.forEach((l) => parseJson(l));
    assert.match(r.stderr, /z-code\.mmstats: offset 25: unknown_type: /);
  });

  it("an invalid file: exit 1 and the first problem's line", () => {
    const r = run(READ, invalid);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    assert.ok(r.stderr.startsWith(`${invalid}: offset 25: unknown_type: `), r.stderr);
  });

  it("--max-size: the limit, a usage error when negative or not a number", () => {
    const over = join(CONFORMANCE, "invalid/file_too_large/over-max-size.mmstats");
    const r = run(READ, "--max-size", "4096", over);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /: offset 4096: file_too_large: /);
    assert.equal(run(READ, "--max-size=8192", over).status, 0);
    for (const bad of ["-1", "x", ""]) assert.equal(run(READ, "--max-size", bad, valid).status, 2);
    assert.equal(run(READ).status, 2);
    assert.equal(run(READ, "--bogus", valid).status, 2);
    const help = run(VALIDATE, "--help");
    assert.deepEqual([help.status, help.stdout.startsWith("usage: mmstats-ts-validate [--max-size BYTES] FILE...")], [0, true]);
  });

  it("a FIFO: exit 2 at once, 'not a regular file'", () => {
    const fifo = join(dir, "cli.fifo");
    spawnSync("mkfifo", [fifo]);
    const r = run(READ, fifo);
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`${fifo.replace(/[.]/g, "\\.")}: cannot read: not a regular file`));
  });

  it("control characters in a file name are escaped in error lines", () => {
    const name = join(dir, "bad\nname\x1b.mmstats");
    writeFileSync(name, Buffer.from([3])); // a version byte no reader knows
    const r = run(VALIDATE, name);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.split("\n").length, 3, r.stderr); // two problems, no forged line
    assert.ok(r.stderr.includes("bad\\x0aname\\x1b.mmstats: offset 0: bad_version: "), r.stderr);
  });

  it("a file name that is not UTF-8 is opened, and written with U+FFFD in valid JSON", () => {
    const sub = join(dir, "raw");
    const made = runSh(`mkdir -p '${sub}' && cp '${valid}' "$(printf '${sub}/caf\\351.mmstats')"`);
    assert.equal(made.status, 0, made.stderr.toString());
    const r = runSh(`exec '${READ}' "$(printf '${sub}/caf\\351.mmstats')"`);
    assert.equal(r.status, 0, r.stderr.toString());
    const text = new TextDecoder("utf-8", { fatal: true }).decode(r.stdout); // throws if not UTF-8
    assert.equal((parseJson(text) as { path: string }).path, `${sub}/caf\ufffd.mmstats`);
    const bad = runSh(`exec '${VALIDATE}' "$(printf '${sub}/caf\\351\\001.mmstats')"`);
    assert.equal(bad.status, 2);
    assert.ok(bad.stderr.toString().includes(`${sub}/caf\\xe9\\x01.mmstats: cannot read: no such file`), bad.stderr.toString());
  });
});

describe("mmstats-ts-validate", () => {
  it("a valid file: exit 0, nothing on stderr", () => {
    const r = run(VALIDATE, valid);
    assert.deepEqual([r.status, r.stderr], [0, ""]);
  });

  it("every problem, one line each, by offset", () => {
    const path = join(dir, "two-problems.mmstats");
    // A bad label (not structural), then trailing garbage, in a file of a wrong size.
    const img = buildImage([{ label: Uint8Array.of(0xc3, 0x28), type: "B", area: Uint8Array.of(1) }], { size: 100 });
    img[50] = 9;
    writeFileSync(path, img);
    const r = run(VALIDATE, path);
    assert.equal(r.status, 1);
    const got = r.stderr.trimEnd().split("\n").map((l) => /^(.*): offset (\d+): ([a-z0-9_]+): /.exec(l)!.slice(1));
    assert.deepEqual(got, [[path, "3", "bad_label_utf8"], [path, "50", "trailing_garbage"], [path, "100", "bad_file_size"]]);
  });

  it("a missing file: exit 2", () => {
    assert.equal(run(VALIDATE, join(dir, "nope.mmstats")).status, 2);
  });
});
