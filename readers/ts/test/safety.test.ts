/** Only regular files are read: FIFOs (without hanging), links, directories and devices are refused. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { FormatError, readBuffer, readPath, ReadError, StatsReader, validatePath } from "../src/index.js";
import { buildImage } from "./build.js";

const dir = mkdtempSync(join(tmpdir(), "mmstats-ts-safety-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const good = join(dir, "good.mmstats");
writeFileSync(good, buildImage([{ label: "x", type: "B", area: Uint8Array.of(7) }]));

function refused(path: string, why: RegExp) {
  for (const attempt of [() => readPath(path), () => validatePath(path), () => new StatsReader(path).read()]) {
    assert.throws(attempt, (e: unknown) => {
      assert.ok(e instanceof ReadError, `not a ReadError: ${e}`);
      assert.match(e.message, why);
      assert.ok(e.message.startsWith(`${path}: `), e.message);
      return true;
    });
  }
}

describe("reading safety", () => {
  it("a FIFO is refused at once, without blocking on open or read", { timeout: 5000 }, () => {
    const fifo = join(dir, "fifo.mmstats");
    execFileSync("mkfifo", [fifo]);
    refused(fifo, /not a regular file \(a FIFO\)/);
  });

  it("a symbolic link is not followed, even to a good file", () => {
    const link = join(dir, "link.mmstats");
    symlinkSync(good, link);
    refused(link, /not a regular file/);
    assert.equal(readPath(good).fields[0]!.value, 7);
  });

  it("a directory and a character device are refused", () => {
    const sub = join(dir, "sub.mmstats");
    mkdirSync(sub);
    refused(sub, /not a regular file \(a directory\)/);
    refused("/dev/zero", /not a regular file \(a character device\)/);
  });

  it("a missing file is a ReadError naming the path", () => {
    refused(join(dir, "missing.mmstats"), /no such file/);
  });

  it("a file over the size limit is file_too_large at the limit, without decoding", () => {
    assert.throws(() => readPath(good, { maxSize: 4095 }), (e: unknown) =>
      e instanceof FormatError && e.code === "file_too_large" && e.offset === 4095);
    assert.deepEqual(validatePath(good, { maxSize: 100 }).problems.map((p) => [p.code, p.offset]), [["file_too_large", 100]]);
    assert.equal(readPath(good, { maxSize: 4096 }).fields.length, 1);
  });

  it("a negative or fractional limit is rejected", () => {
    assert.throws(() => readPath(good, { maxSize: -1 }), RangeError);
    assert.throws(() => readBuffer(new Uint8Array(4096), { maxSize: 1.5 }), RangeError);
  });

  it("hostile declared sizes never read past the buffer", () => {
    // A string type as long as the table allows, in a one-page file: past_eof, not an allocation.
    const img = buildImage([{ label: "s", type: "999999999s", area: new Uint8Array(0) }]);
    assert.throws(() => readBuffer(img), (e: unknown) => e instanceof FormatError && e.code === "past_eof");
    // Label size 65535 over a file of one page.
    const big = Buffer.alloc(4096);
    big[0] = 1; big[1] = 0xff; big[2] = 0xff;
    assert.throws(() => readBuffer(big), (e: unknown) => e instanceof FormatError && e.code === "past_eof" && e.offset === 3);
  });
});
