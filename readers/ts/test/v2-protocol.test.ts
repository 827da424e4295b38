/** Version 2 reader protocol: sequence retries on copies, the retry bound, and entries appended at run time. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readBuffer, StatsReader } from "../src/index.js";
import { SEQ_RETRIES } from "../src/v2/constants.js";
import { parseLayout, type Layout } from "../src/version.js";
import { CONFORMANCE } from "./helpers.js";
import { decodedLinesV2 } from "./helpers-v2.js";

function corpus(name: string): Buffer {
  return readFileSync(join(CONFORMANCE, "v2", "valid", name));
}

function layoutOf(img: Uint8Array): Layout {
  const l = parseLayout(img);
  assert.ok("values" in l, "valid layout");
  return l;
}

/** The string value of seqlock/string-odd: process_offset + value_offset of its one entry. */
function stringAt(img: Buffer): number {
  const e = img.readUInt32LE(56); // meta_offset: the first entry
  return img.readUInt32LE(64) + img.readUInt32LE(e + 8);
}

/** A file that a simulated writer changes on each re-read of the sequence word at `seqAt`. */
function liveSource(file: Buffer, seqAt: number, onSeqReread: (file: Buffer, count: number) => void) {
  let rereads = 0;
  return {
    image: Buffer.from(file),
    reread(offset: number, length: number): Uint8Array {
      if (offset === seqAt && length === 8) onSeqReread(file, ++rereads);
      return Buffer.from(file.subarray(offset, offset + length));
    },
    get rereads() {
      return rereads;
    },
  };
}

describe("version 2 sequence lock on copies", () => {
  const odd = corpus("seqlock/string-odd.mmstats");
  const at = stringAt(odd);

  it("a file at rest: an odd sequence is no value at once", () => {
    assert.equal(odd.readBigUInt64LE(at) % 2n, 1n);
    assert.equal(readBuffer(odd).fields[0]!.value, null);
  });

  it("an odd sequence that turns even is read again, alone, and gives the new text", () => {
    const file = Buffer.from(odd);
    const source = liveSource(file, at, (f, n) => {
      if (n === 1) { // the writer finishes: "done", sequence even
        f.writeUInt32LE(4, at + 8);
        f.write("done", at + 16, "utf8");
        f.writeBigUInt64LE(f.readBigUInt64LE(at) + 1n, at);
      }
    });
    const v = layoutOf(source.image).values(source);
    assert.equal(v.fields[0]!.value, "done");
    assert.equal(source.rereads, 3); // s2 of the first try; s1 and s2 of the second
  });

  it("a sequence that stays odd gives null after the retry bound", () => {
    const source = liveSource(Buffer.from(odd), at, () => {});
    assert.equal(layoutOf(source.image).values(source).fields[0]!.value, null);
    assert.equal(source.rereads, 2 * SEQ_RETRIES - 1);
  });

  it("a closed file's odd sequence is not retried", () => {
    const file = Buffer.from(odd);
    file.writeUInt32LE(2, 12); // state closed
    const source = liveSource(file, at, () => {});
    assert.equal(layoutOf(source.image).values(source).fields[0]!.value, null);
    assert.equal(source.rereads, 1);
  });

  it("a sequence that changes between the copies is retried", () => {
    const file = Buffer.from(odd);
    file.writeBigUInt64LE(2n, at); // even: consistent at rest
    const source = liveSource(file, at, (f, n) => {
      if (n === 1) f.writeBigUInt64LE(4n, at); // an update finished between copy A and copy C
    });
    assert.equal(layoutOf(Buffer.from(file)).values(source).fields[0]!.value !== null, true);
    assert.equal(source.rereads, 3);
  });
});

describe("version 2 entries appended at run time", () => {
  it("a grown field_count is walked from the cursor: the old layout still matches and gives the new field", () => {
    const before = corpus("runtime/unpublished-entry.mmstats");
    const layout = layoutOf(before);
    assert.equal(layout.values({ image: before }).fields.length, 1);
    const grown = Buffer.from(before);
    grown.writeUInt32LE(2, 88); // the writer publishes the entry it had written
    assert.ok(layout.matches(grown));
    const fields = layout.values({ image: grown });
    assert.equal(fields.fields.length, 2);
    assert.deepEqual(decodedLinesV2({ path: "", ...fields }), decodedLinesV2(readBuffer(grown)));
  });

  it("a changed published entry or a shrunk field_count does not match", () => {
    const img = corpus("runtime/added-in-order.mmstats");
    const layout = layoutOf(img);
    const renamed = Buffer.from(img);
    const e = img.readUInt32LE(56);
    renamed[e + img.readUInt16LE(52)] ^= 1; // first byte of the first name
    assert.equal(layout.matches(renamed), false);
    const shrunk = Buffer.from(img);
    shrunk.writeUInt32LE(img.readUInt32LE(88) - 1, 88);
    assert.equal(layout.matches(shrunk), false);
    const heartbeat = Buffer.from(img);
    heartbeat.writeBigUInt64LE(123n, 40); // a changing header word
    assert.ok(layout.matches(heartbeat));
  });
});

describe("StatsReader on a version 2 file", () => {
  const dir = mkdtempSync(join(tmpdir(), "mmstats-ts-v2poll-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("parses once while the file stays the same and reads the values each time", () => {
    const path = join(dir, "basic.mmstats");
    const img = corpus("spec/basic.mmstats");
    writeFileSync(path, img);
    const r = new StatsReader(path);
    for (let i = 0; i < 5; i++) assert.deepEqual(decodedLinesV2(r.read()), decodedLinesV2(readBuffer(img)));
    assert.equal(r.layoutParses, 1);
  });
});
