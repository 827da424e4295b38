/** The decoded form of a file: what every reader returns and the canonical JSON prints. */

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

export interface Decoded {
  /** The path as given (lossily decoded when it was a Buffer that is not UTF-8). */
  readonly path: string;
  readonly formatVersion: number;
  readonly fields: readonly Field[];
}

/** A 64-bit integer as a number when that is exact, else as a bigint. */
export function exactInteger(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
