/** StatsReader: layout parsed once per file identity, values re-read, replaced and rewritten files noticed. */
import assert from "node:assert/strict";
import { mkdtempSync, openSync, renameSync, rmSync, truncateSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { FormatError, StatsReader } from "../src/index.js";
import { buildImage, concat, firstRecordOffsets, u64le } from "./build.js";

const dir = mkdtempSync(join(tmpdir(), "mmstats-ts-poll-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const at = firstRecordOffsets(8, 1);
function counter(current: bigint, label = "requests"): Buffer {
  // write_buffer 0: readers read value[1]
  return buildImage([{ label, type: "Q", writeBuffer: 0, area: concat(u64le(0n), u64le(current)) }]);
}

/** One update as the writer protocol does it: store into value[wb], then flip wb. */
function update(path: string, wb: number, v: bigint): number {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, u64le(v), 0, 8, at.value + wb * 8);
    writeSync(fd, Uint8Array.of(wb ^ 1), 0, 1, at.writeBuffer);
  } finally {
    closeSync(fd);
  }
  return wb ^ 1;
}

describe("StatsReader", () => {
  it("parses the layout once while the file stays the same", () => {
    const path = join(dir, "same.mmstats");
    writeFileSync(path, counter(5n));
    const r = new StatsReader(path);
    for (let i = 0; i < 20; i++) assert.equal(r.read().fields[0]!.value, 5);
    assert.equal(r.layoutParses, 1);
  });

  it("picks up changed values", () => {
    const path = join(dir, "changing.mmstats");
    writeFileSync(path, counter(0n));
    const r = new StatsReader(path);
    let wb = 0;
    for (const v of [1n, 2n, 2n ** 60n, 7n]) {
      wb = update(path, wb, v);
      const value = r.read().fields[0]!.value;
      assert.equal(BigInt(value as number | bigint), v);
    }
  });

  it("notices a replaced file (new inode) with another layout", () => {
    const path = join(dir, "replaced.mmstats");
    writeFileSync(path, counter(1n, "old"));
    const r = new StatsReader(path);
    assert.equal(r.read().fields[0]!.label, "old");
    writeFileSync(join(dir, "new.tmp"), counter(2n, "new"));
    renameSync(join(dir, "new.tmp"), path);
    const d = r.read();
    assert.deepEqual([d.fields[0]!.label, d.fields[0]!.value], ["new", 2]);
    assert.equal(r.layoutParses, 2);
  });

  it("notices a file rewritten in place with another layout of the same size", () => {
    const path = join(dir, "rewritten.mmstats");
    writeFileSync(path, counter(1n, "aaaaaaaa"));
    const r = new StatsReader(path);
    assert.equal(r.read().fields[0]!.label, "aaaaaaaa");
    const fd = openSync(path, "r+");
    writeSync(fd, counter(3n, "bbbbbbbb"), 0, 4096, 0);
    closeSync(fd);
    const d = r.read();
    assert.deepEqual([d.fields[0]!.label, d.fields[0]!.value], ["bbbbbbbb", 3]);
  });

  it("a write buffer that turns invalid is bad_write_buffer at its offset", () => {
    const path = join(dir, "bad-wb.mmstats");
    writeFileSync(path, counter(3n));
    const r = new StatsReader(path);
    assert.equal(r.read().fields[0]!.value, 3);
    const fd = openSync(path, "r+");
    writeSync(fd, Uint8Array.of(7), 0, 1, at.writeBuffer);
    closeSync(fd);
    assert.throws(() => r.read(), (e: unknown) =>
      e instanceof FormatError && e.code === "bad_write_buffer" && e.offset === at.writeBuffer);
  });

  it("reports not_ready while a file is created, then reads it", () => {
    const path = join(dir, "creating.mmstats");
    const img = counter(4n);
    img[0] = 0;
    writeFileSync(path, img);
    const r = new StatsReader(path);
    assert.throws(() => r.read(), (e: unknown) => e instanceof FormatError && e.code === "not_ready");
    const fd = openSync(path, "r+");
    writeSync(fd, Uint8Array.of(1), 0, 1, 0);
    closeSync(fd);
    assert.equal(r.read().fields[0]!.value, 4);
  });

  it("reports a shrunk file as a problem, not stale values", () => {
    const path = join(dir, "shrunk.mmstats");
    writeFileSync(path, counter(9n));
    const r = new StatsReader(path);
    assert.equal(r.read().fields[0]!.value, 9);
    truncateSync(path, at.value + 4);
    assert.throws(() => r.read(), (e: unknown) => e instanceof FormatError && e.code === "past_eof" && e.offset === at.value);
  });

  it("a file that grows past the limit is file_too_large", () => {
    const path = join(dir, "grows.mmstats");
    writeFileSync(path, counter(1n));
    const r = new StatsReader(path, { maxSize: 4096 });
    assert.equal(r.read().fields[0]!.value, 1);
    truncateSync(path, 8192);
    assert.throws(() => r.read(), (e: unknown) => e instanceof FormatError && e.code === "file_too_large" && e.offset === 4096);
  });
});
