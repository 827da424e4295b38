/** Builds version 1 file images for tests, straight from the spec's record table. */

export interface RecordSpec {
  label: string | Uint8Array;
  type: string;
  /** 0xff unbuffered, 0 or 1 buffered (default 0xff). */
  writeBuffer?: number;
  /** The whole value area: one value, or both values of a buffered record. */
  area: Uint8Array;
}

const PAGE = 4096;

function u16(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff, n >> 8);
}

/** Version byte, records, then zeros to a multiple of 4096 (or exactly `size` bytes when given). */
export function buildImage(records: RecordSpec[], opts: { version?: number; size?: number } = {}): Buffer {
  const parts: Uint8Array[] = [Uint8Array.of(opts.version ?? 1)];
  for (const r of records) {
    const label = typeof r.label === "string" ? Buffer.from(r.label, "utf8") : r.label;
    const type = Buffer.from(r.type, "latin1");
    parts.push(u16(label.length), label, u16(type.length), type, Uint8Array.of(r.writeBuffer ?? 0xff), r.area);
  }
  const body = Buffer.concat(parts);
  const size = opts.size ?? Math.max(PAGE, Math.ceil(body.length / PAGE) * PAGE);
  const out = Buffer.alloc(size);
  body.copy(out, 0, 0, Math.min(body.length, size));
  return out;
}

export function u64le(v: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return b;
}

export function f64le(v: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** Offsets of the parts of the first record of a buildImage file. */
export function firstRecordOffsets(labelBytes: number, typeBytes: number): { writeBuffer: number; value: number } {
  const writeBuffer = 1 + 2 + labelBytes + 2 + typeBytes;
  return { writeBuffer, value: writeBuffer + 1 };
}
