/** The canonical float text and UTF-8 replacement against the corpus's oracle tables (CPython's answers). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { floatRepr } from "../src/floatrepr.js";
import { decodeReplacing, firstIllFormed } from "../src/utf8.js";
import { CONFORMANCE } from "./helpers.js";

function lines(name: string): string[][] {
  return readFileSync(join(CONFORMANCE, "oracles", name), "utf8").split("\n").filter((l) => l !== "").map((l) => l.split(" "));
}

function bitsToNumber(hex: string, kind: string): number {
  const view = new DataView(new ArrayBuffer(8));
  if (kind === "d" && hex.length === 16) {
    view.setBigUint64(0, BigInt(`0x${hex}`));
    return view.getFloat64(0);
  }
  if (kind === "f" && hex.length === 8) {
    view.setUint32(0, parseInt(hex, 16));
    return view.getFloat32(0);
  }
  throw new Error(`bad oracle line: ${hex} ${kind}`);
}

describe("float-repr oracle", () => {
  const rows = lines("float-repr.txt");
  it("holds binary64 and binary32 rows", () => {
    assert.ok(rows.filter((r) => r[1] === "d").length > 1000);
    assert.ok(rows.filter((r) => r[1] === "f").length > 100);
  });
  it("every row prints as CPython's repr", () => {
    const wrong = rows.filter(([hex, kind, repr]) => floatRepr(bitsToNumber(hex!, kind!)) !== repr)
      .map(([hex, kind, repr]) => `${hex} ${kind}: want ${repr}, got ${floatRepr(bitsToNumber(hex!, kind!))}`);
    assert.deepEqual(wrong, []);
  });
  it("specials", () => {
    assert.equal(floatRepr(NaN), "nan");
    assert.equal(floatRepr(-Infinity), "-inf");
    assert.equal(floatRepr(-0), "-0.0");
    assert.equal(floatRepr(1e16), "1e+16");
    assert.equal(floatRepr(1e-5), "1e-05");
  });
});

describe("utf8-replace oracle", () => {
  const rows = lines("utf8-replace.txt");
  it("holds many rows", () => assert.ok(rows.length > 2000));
  it("every row decodes with one U+FFFD per maximal subpart, as Python's 'replace'", () => {
    const wrong = rows.filter(([bytes, utf8]) =>
      Buffer.from(decodeReplacing(Buffer.from(bytes!, "hex")), "utf8").toString("hex") !== utf8);
    assert.deepEqual(wrong, []);
  });
  it("the label check calls exactly the rows that decode unchanged well-formed", () => {
    const wrong = rows.filter(([bytes, utf8]) => (firstIllFormed(Buffer.from(bytes!, "hex")) === -1) !== (bytes === utf8));
    assert.deepEqual(wrong, []);
  });
  it("the label check points at the first ill-formed byte", () => {
    // The first maximal subpart replaced is where the decoded text first differs from the input bytes.
    for (const [bytes] of rows) {
      const b = Buffer.from(bytes!, "hex");
      const at = firstIllFormed(b);
      if (at < 0) continue;
      assert.equal(firstIllFormed(b.subarray(0, at)), -1, bytes);
      assert.ok(decodeReplacing(b.subarray(at)).startsWith("\ufffd"), bytes);
    }
  });
});
