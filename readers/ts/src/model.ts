/** The decoded form of a file: what every reader returns and the canonical JSON prints. */
import type { ContentsV2 } from "./v2/model.js";

export type { ContentsV2, FieldV2, HistogramValue, ValueV2 } from "./v2/model.js";

/** How a value is represented: integers are exact (bigint beyond 2^53), floats are binary64. */
export type ValueKind = "int" | "float" | "bool" | "string";

/** An integer is a number when it is a safe integer, and a bigint otherwise. */
export type Value = number | bigint | boolean | string;

export interface Field {
  readonly label: string;
  /** The type signature exactly as stored (`Q`, `255s`). */
  readonly type: string;
  readonly buffered: boolean;
  readonly kind: ValueKind;
  readonly value: Value;
}

/** What a version 1 file holds: its records. */
export interface ContentsV1 {
  readonly formatVersion: 1;
  readonly fields: readonly Field[];
}

/** What a file holds, by format version. */
export type Contents = ContentsV1 | ContentsV2;

/** A decoded file: its contents and the path as given (lossily decoded when it was a Buffer that is not UTF-8). */
export type Decoded = Contents & { readonly path: string };

/** A 64-bit integer as a number when that is exact, else as a bigint. */
export function exactInteger(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
