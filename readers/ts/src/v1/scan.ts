/** The walk of spec/v1.md "Finding problems": the record layout of an image and every problem in it. */
import { problem, type Problem } from "../errors.js";
import { firstIllFormed } from "../utf8.js";
import { BUFFER_COUNT, PAGE_SIZE, UNBUFFERED } from "./constants.js";
import { parseSignature, type ValueType } from "./types.js";

/** Where one record's parts are; fixed for the life of a file. */
export interface RecordLayout {
  readonly offset: number;
  readonly label: string;
  readonly type: string;
  readonly valueType: ValueType;
  readonly buffered: boolean;
  readonly writeBufferOffset: number;
  /** Offset of value[0] (the only value when unbuffered). */
  readonly valueOffset: number;
}

export interface Scan {
  readonly records: RecordLayout[];
  /** One past the last byte of the last record: everything a value re-read needs. */
  readonly recordsEnd: number;
  readonly problems: Problem[];
}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

/**
 * Steps 4 to 6 for an image whose version byte is 01 (the caller handled steps 1 to 3). A validator
 * wants only the problems (`layout` false): records are then not built and labels decoded only for messages.
 */
export function scanRecords(image: Uint8Array, layout = true): Scan {
  const size = image.length;
  const records: RecordLayout[] = [];
  const problems: Problem[] = [];
  let pos = 1;
  let terminator = -1;
  for (;;) {
    const left = size - pos;
    if (left === 0) break;
    if (left === 1) {
      if (image[pos] !== 0) {
        problems.push(problem("truncated_record", pos,
          `one byte 0x${hex(image[pos]!)} left, too short for a label size`));
      }
      break;
    }
    const labelSize = u16(image, pos);
    if (labelSize === 0) {
      terminator = pos;
      break;
    }
    const labelAt = pos + 2;
    if (labelAt + labelSize > size) {
      problems.push(problem("past_eof", labelAt,
        `label of ${labelSize} bytes runs past the end of the file at ${size}`));
      break;
    }
    const bad = firstIllFormed(image, labelAt, labelAt + labelSize);
    if (bad >= 0) {
      problems.push(problem("bad_label_utf8", bad,
        `label is not well-formed UTF-8: byte 0x${hex(image[bad]!)}`));
    }
    const labelBytes = image.subarray(labelAt, labelAt + labelSize);
    const label = { toString: () => utf8.decode(labelBytes) };
    const typeSizeAt = labelAt + labelSize;
    if (size - typeSizeAt < 2) {
      problems.push(problem("truncated_record", typeSizeAt, `type size of ${quote(label)} is cut by the end of the file`));
      break;
    }
    const typeSize = u16(image, typeSizeAt);
    const typeAt = typeSizeAt + 2;
    if (typeAt + typeSize > size) {
      problems.push(problem("past_eof", typeAt,
        `type signature of ${typeSize} bytes of ${quote(label)} runs past the end of the file at ${size}`));
      break;
    }
    const typeBytes = image.subarray(typeAt, typeAt + typeSize);
    const valueType = parseSignature(typeBytes);
    if (valueType === null) {
      const type = latin1.decode(typeBytes.subarray(0, 16));
      problems.push(problem("unknown_type", typeAt,
        `type signature ${quote(type)} of ${quote(label)} is not in the type table`));
      break;
    }
    const wbAt = typeAt + typeSize;
    if (wbAt >= size) {
      problems.push(problem("truncated_record", wbAt, `write buffer of ${quote(label)} is cut by the end of the file`));
      break;
    }
    const wb = image[wbAt]!;
    if (wb !== 0 && wb !== 1 && wb !== UNBUFFERED) {
      problems.push(problem("bad_write_buffer", wbAt,
        `write buffer of ${quote(label)} is 0x${hex(wb)}; allowed: 0x00, 0x01, 0xff`));
      break;
    }
    const buffered = wb !== UNBUFFERED;
    const valueAt = wbAt + 1;
    const areaSize = valueType.size * (buffered ? BUFFER_COUNT : 1);
    if (valueAt + areaSize > size) {
      problems.push(problem("past_eof", valueAt,
        `value area of ${areaSize} bytes of ${quote(label)} runs past the end of the file at ${size}`));
      break;
    }
    if (layout) {
      records.push({
        offset: pos, label: String(label), type: latin1.decode(typeBytes), valueType, buffered,
        writeBufferOffset: wbAt, valueOffset: valueAt,
      });
    }
    pos = valueAt + areaSize;
  }
  if (terminator >= 0) {
    for (let i = terminator + 2; i < size; i++) {
      if (image[i] !== 0) {
        problems.push(problem("trailing_garbage", i, `byte 0x${hex(image[i]!)} after the terminator at ${terminator}`));
        break;
      }
    }
  }
  problems.push(...fileSizeProblems(size));
  return { records, recordsEnd: terminator >= 0 ? terminator : pos, problems };
}

/** Step 6: the size must be a positive multiple of PAGE_SIZE. */
export function fileSizeProblems(size: number): Problem[] {
  return size > 0 && size % PAGE_SIZE === 0
    ? []
    : [problem("bad_file_size", size, `file size ${size} is not a positive multiple of ${PAGE_SIZE}`)];
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}

/** A label or signature inside a message, quoted, with control characters escaped. */
export function quote(text: { toString(): string }): string {
  const s = String(text);
  const shown = s.length > 64 ? `${s.slice(0, 64)}...` : s;
  return `'${shown.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${hex(c.charCodeAt(0))}`)}'`;
}
