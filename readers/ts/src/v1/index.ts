/** Format version 1: everything version-specific, behind the interface the dispatcher uses. */
import { problem, ProblemSignal, type Problem } from "../errors.js";
import type { ContentsV1, Field } from "../model.js";
import type { ByteSource } from "../source.js";
import type { FormatModule, Layout } from "../version.js";
import { BUFFER_COUNT, FORMAT_VERSION } from "./constants.js";
import { decodeValue } from "./decode.js";
import { canonicalJsonV1 } from "../json.js";
import { quote, scanRecords, type RecordLayout } from "./scan.js";

/** Re-reads of a buffered value whose write buffer flipped during the copy ("Reading a buffered value"). */
export const MAX_RETRIES = 3;

class V1Layout implements Layout {
  readonly formatVersion = FORMAT_VERSION;
  readonly span: number;
  readonly records: readonly RecordLayout[];
  /** The bytes of [0, span) that never change while the layout holds, as [start, end) ranges. */
  private readonly fixedRanges: [number, number][];
  private readonly original: Uint8Array;

  constructor(image: Uint8Array, records: readonly RecordLayout[], recordsEnd: number) {
    this.records = records;
    // The terminator too, when there is one: a rewrite that adds a record changes it.
    this.span = Math.min(recordsEnd + 2, image.length);
    this.original = image.slice(0, this.span);
    this.fixedRanges = [];
    let start = 0;
    for (const r of records) {
      const changing = r.buffered ? r.writeBufferOffset : r.valueOffset;
      this.fixedRanges.push([start, changing]);
      start = r.valueOffset + r.valueType.size * (r.buffered ? BUFFER_COUNT : 1);
    }
    this.fixedRanges.push([start, this.span]);
  }

  matches(image: Uint8Array): boolean {
    if (image.length < this.span) return false;
    // A buffered record stays buffered: its write buffer may flip, but not become 0xff (or invalid).
    return this.records.every((r) => !r.buffered || image[r.writeBufferOffset]! <= 1) &&
      this.fixedRanges.every(([a, b]) => Buffer.compare(image.subarray(a, b), this.original.subarray(a, b)) === 0);
  }

  values(source: ByteSource): ContentsV1 {
    return { formatVersion: FORMAT_VERSION, fields: this.values1(source) };
  }

  private values1(source: ByteSource): Field[] {
    return this.records.map((r) => ({
      label: r.label,
      type: r.type,
      buffered: r.buffered,
      kind: r.valueType.kind,
      value: r.buffered ? readBuffered(r, source) : decodeValue(r.valueType, source.image, r.valueOffset),
    }));
  }
}

function checkWriteBuffer(r: RecordLayout, wb: number | undefined): number {
  if (wb === 0 || wb === 1) return wb;
  const shown = wb === undefined ? "missing (the file shrank)" : `0x${wb.toString(16).padStart(2, "0")}`;
  const code = wb === undefined ? "past_eof" : "bad_write_buffer";
  throw new ProblemSignal(problem(code, r.writeBufferOffset, `write buffer of ${quote(r.label)} is ${shown} on re-read; allowed: 0x00, 0x01`));
}

/** Copies value[wb ^ 1]; with a live file, re-checks wb and retries while it flipped. */
function readBuffered(r: RecordLayout, source: ByteSource): Field["value"] {
  const size = r.valueType.size;
  let w1 = checkWriteBuffer(r, source.image[r.writeBufferOffset]);
  let bytes = source.image;
  let at = r.valueOffset + (w1 ^ 1) * size;
  if (source.reread) {
    for (let attempt = 0; ; attempt++) {
      const w2 = checkWriteBuffer(r, source.reread(r.writeBufferOffset, 1)[0]);
      if (w2 === w1 || attempt === MAX_RETRIES) break;
      w1 = w2;
      bytes = source.reread(r.valueOffset + (w1 ^ 1) * size, size);
      if (bytes.length < size) throw new ProblemSignal(problem("past_eof", r.valueOffset, `value of ${quote(r.label)} is cut on re-read (the file shrank)`));
      at = 0;
    }
  }
  return decodeValue(r.valueType, bytes, at);
}

export const v1: FormatModule = {
  version: FORMAT_VERSION,
  canonicalJson: (path, contents) => canonicalJsonV1(path, contents as ContentsV1),
  problems(image: Uint8Array): Problem[] {
    return scanRecords(image, false).problems;
  },
  layout(image: Uint8Array): Layout | Problem[] {
    const scan = scanRecords(image);
    return scan.problems.length > 0 ? scan.problems : new V1Layout(image, scan.records, scan.recordsEnd);
  },
};
