/** Buffered values: the write-buffer re-check and retry rule, against a simulated writer. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProblemSignal } from "../src/errors.js";
import { readBuffer } from "../src/index.js";
import { MAX_RETRIES } from "../src/v1/index.js";
import { parseLayout, type Layout } from "../src/version.js";
import { buildImage, concat, firstRecordOffsets, u64le } from "./build.js";

// One buffered Q: value[0] = 10, value[1] = 20, write buffer 1 (readers read value[0]).
const at = firstRecordOffsets(1, 1);
function image(): Buffer {
  return buildImage([{ label: "c", type: "Q", writeBuffer: 1, area: concat(u64le(10n), u64le(20n)) }]);
}

function layoutOf(img: Uint8Array): Layout {
  const l = parseLayout(img);
  assert.ok("values" in l, "valid layout");
  return l;
}

/** A file whose writer acts (flips, stores) each time the reader re-reads the write buffer. */
function liveSource(file: Buffer, onWriteBufferReread: (file: Buffer, count: number) => void) {
  let rereads = 0;
  return {
    image: Buffer.from(file),
    reread(offset: number, length: number): Uint8Array {
      if (offset === at.writeBuffer) onWriteBufferReread(file, ++rereads);
      return Buffer.from(file.subarray(offset, offset + length));
    },
    get rereads() {
      return rereads;
    },
  };
}

describe("buffered values", () => {
  it("reads value[write_buffer ^ 1]", () => {
    assert.equal(readBuffer(image()).fields[0]!.value, 10);
    const flipped = image();
    flipped[at.writeBuffer] = 0;
    assert.equal(readBuffer(flipped).fields[0]!.value, 20);
  });

  it("a flip during the copy is retried and the new value read", () => {
    const file = image();
    const source = liveSource(file, (f, n) => {
      if (n === 1) { // the writer stored 30 into value[1] and flipped to 0 meanwhile
        u64le(30n).forEach((b, i) => (f[at.value + 8 + i] = b));
        f[at.writeBuffer] = 0;
      }
    });
    assert.equal(layoutOf(source.image).values(source).fields[0]!.value, 30);
    assert.equal(source.rereads, 2);
  });

  it("gives up after the last retry and keeps the last copy", () => {
    const file = image();
    const source = liveSource(file, (f) => {
      f[at.writeBuffer]! ^= 1; // flips on every look
    });
    const v = layoutOf(source.image).values(source).fields[0]!.value;
    assert.equal(source.rereads, MAX_RETRIES + 1);
    assert.ok(v === 10 || v === 20);
  });

  it("no re-read when nothing flipped", () => {
    const source = liveSource(image(), () => {});
    assert.equal(layoutOf(source.image).values(source).fields[0]!.value, 10);
    assert.equal(source.rereads, 1);
  });

  it("a write buffer that turns invalid is bad_write_buffer at its offset", () => {
    const source = liveSource(image(), (f) => {
      f[at.writeBuffer] = 7;
    });
    assert.throws(() => layoutOf(source.image).values(source), (e: unknown) =>
      e instanceof ProblemSignal && e.problem.code === "bad_write_buffer" && e.problem.offset === at.writeBuffer);
  });
});

describe("layout identity by content", () => {
  const two = (a: bigint, name: string, wb = 1) => buildImage([
    { label: "c", type: "Q", writeBuffer: wb, area: concat(u64le(a), u64le(a)) },
    { label: "n", type: "4s", area: Buffer.from(name) },
  ]);

  it("a copy whose values and write buffers changed still matches", () => {
    const layout = layoutOf(two(1n, "abcd"));
    assert.equal(layout.matches(two(99n, "wxyz", 0)), true);
  });

  it("a copy with another label, type or buffering does not", () => {
    const layout = layoutOf(two(1n, "abcd"));
    const relabelled = two(1n, "abcd");
    relabelled[3] = "d".charCodeAt(0);
    assert.equal(layout.matches(relabelled), false);
    const unbuffered = two(1n, "abcd");
    unbuffered[at.writeBuffer] = 0xff;
    assert.equal(layout.matches(unbuffered), false);
    const extended = two(1n, "abcd");
    extended[layout.span - 2] = 1; // the terminator became a record
    assert.equal(layout.matches(extended), false);
    assert.equal(layout.matches(two(1n, "abcd").subarray(0, layout.span - 1)), false);
  });
});
