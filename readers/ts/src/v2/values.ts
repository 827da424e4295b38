/** Values of version 2 entries: slots added up, multi-word values behind their sequence ("Reader protocol"). */
import { problem, ProblemSignal } from "../errors.js";
import { exactInteger } from "../model.js";
import type { ByteSource } from "../source.js";
import { decodeReplacing } from "../utf8.js";
import { HISTOGRAM_HEADER_SIZE, HISTOGRAM_SUM_AT, NUMBER_SIZE, SEQ_RETRIES, STRING_HEADER_SIZE, STRING_LENGTH_AT } from "./constants.js";
import type { HistogramValue, ValueV2 } from "./model.js";
import type { Entry } from "./walk.js";

const MASK64 = (1n << 64n) - 1n;
/** A synchronous reader cannot sched_yield: it sleeps this long every 10 attempts instead. */
const YIELD_MS = 1;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function reread(source: ByteSource, at: number, length: number): Uint8Array {
  const bytes = source.reread!(at, length);
  if (bytes.length < length) {
    throw new ProblemSignal(problem("bad_file_size", at, `the file shrank while it was read: ${length} bytes at ${at} are gone`));
  }
  return bytes;
}

/**
 * One consistent copy of the multi-word value at `at` (its `size` bytes, sequence first), or null.
 * A copy at rest (no re-read) is consistent when its sequence is even. A file copied with pread takes the
 * sequence from the first copy, the payload from a second and the sequence again from a third; a value that
 * fails is read again on its own the same way, up to SEQ_RETRIES times (none when the file is closed).
 */
function consistentCopy(source: ByteSource, at: number, size: number, closed: boolean): Uint8Array | null {
  let s1 = view(source.image).getBigUint64(at, true);
  if (!source.reread) return s1 % 2n === 0n ? source.image.subarray(at, at + size) : null;
  for (let attempt = 1; ; attempt++) {
    const payload = reread(source, at, size);
    const s2 = view(reread(source, at, NUMBER_SIZE)).getBigUint64(0, true);
    if (s1 % 2n === 0n && s1 === s2) return payload;
    if (closed || attempt === SEQ_RETRIES) return null;
    if (attempt % 10 === 0) Atomics.wait(sleeper, 0, 0, YIELD_MS);
    s1 = view(reread(source, at, NUMBER_SIZE)).getBigUint64(0, true);
  }
}

function readNumber(d: DataView, at: number, type: Entry["type"]): bigint | number {
  switch (type) {
    case "u64": return d.getBigUint64(at, true);
    case "i64": return d.getBigInt64(at, true);
    default: return d.getFloat64(at, true);
  }
}

/** A number: the one copy, or the copies of slots 0 to slotsUsed - 1 added as "Adding up slots" says. */
function numberValue(entry: Entry, image: Uint8Array, slotsUsed: number): number | bigint {
  const d = view(image);
  const copies = entry.stride === 0 ? 1 : slotsUsed;
  if (entry.type === "f64") {
    let total = d.getFloat64(entry.at, true); // slot 0 first: a lone -0.0 keeps its sign
    for (let k = 1; k < copies; k++) total += d.getFloat64(entry.at + k * entry.stride, true);
    return total;
  }
  let total = 0n;
  for (let k = 0; k < copies; k++) total += readNumber(d, entry.at + k * entry.stride, entry.type) as bigint;
  return exactInteger(entry.type === "i64" ? BigInt.asIntN(64, total) : total & MASK64);
}

function stringValue(entry: Entry, source: ByteSource, closed: boolean): string | null {
  const copy = consistentCopy(source, entry.at, entry.size, closed);
  if (!copy) return null;
  const length = view(copy).getUint32(STRING_LENGTH_AT, true);
  // A consistent copy whose length exceeds the capacity cannot come from a writer: no value, never past it.
  if (length > entry.size - STRING_HEADER_SIZE) return null;
  return decodeReplacing(copy.subarray(STRING_HEADER_SIZE, STRING_HEADER_SIZE + length));
}

function histogramValue(entry: Entry, source: ByteSource, slotsUsed: number, closed: boolean): HistogramValue | null {
  const n = entry.bounds.length + 1;
  const counts: bigint[] = new Array<bigint>(n).fill(0n);
  let sum = 0;
  for (let k = 0; k < slotsUsed; k++) {
    const copy = consistentCopy(source, entry.at + k * entry.stride, entry.size, closed);
    if (!copy) return null; // one copy without a value: the histogram has none
    const d = view(copy);
    const s = d.getFloat64(HISTOGRAM_SUM_AT, true);
    sum = k === 0 ? s : sum + s;
    for (let i = 0; i < n; i++) counts[i] = (counts[i]! + d.getBigUint64(HISTOGRAM_HEADER_SIZE + NUMBER_SIZE * i, true)) & MASK64;
  }
  let running = 0n;
  const buckets = counts.map((c, i) => {
    running = (running + c) & MASK64;
    return { le: i < entry.bounds.length ? entry.bounds[i]! : Infinity, count: exactInteger(running) };
  });
  return { count: exactInteger(running), sum, buckets };
}

/** The value of one entry from `source`. */
export function entryValue(entry: Entry, source: ByteSource, slotsUsed: number, closed: boolean): ValueV2 {
  if (entry.kind.name === "histogram") return histogramValue(entry, source, slotsUsed, closed);
  if (entry.type === "utf8") return stringValue(entry, source, closed);
  return numberValue(entry, source.image, slotsUsed);
}
