/** The version 1 type table ("Type signatures"): a closed set of signatures and their sizes. */

export type IntegerCode = "b" | "B" | "h" | "H" | "i" | "I" | "q" | "Q";

export type ValueType =
  | { readonly kind: "int"; readonly code: IntegerCode; readonly size: 1 | 2 | 4 | 8; readonly signed: boolean }
  | { readonly kind: "float"; readonly code: "f" | "d"; readonly size: 4 | 8 }
  | { readonly kind: "bool"; readonly code: "?"; readonly size: 1 }
  | { readonly kind: "string"; readonly code: "s"; readonly size: number };

const FIXED: ReadonlyMap<string, ValueType> = new Map<string, ValueType>([
  ["b", { kind: "int", code: "b", size: 1, signed: true }],
  ["B", { kind: "int", code: "B", size: 1, signed: false }],
  ["h", { kind: "int", code: "h", size: 2, signed: true }],
  ["H", { kind: "int", code: "H", size: 2, signed: false }],
  ["i", { kind: "int", code: "i", size: 4, signed: true }],
  ["I", { kind: "int", code: "I", size: 4, signed: false }],
  ["q", { kind: "int", code: "q", size: 8, signed: true }],
  ["Q", { kind: "int", code: "Q", size: 8, signed: false }],
  ["f", { kind: "float", code: "f", size: 4 }],
  ["d", { kind: "float", code: "d", size: 8 }],
  ["?", { kind: "bool", code: "?", size: 1 }],
]);

/** Longest signature in the table (`999999999s`); longer ones are unknown without looking. */
export const MAX_SIGNATURE_BYTES = 10;

const S = 0x73; // "s"
const ZERO = 0x30;

/**
 * The type of a signature given as its raw bytes, or null when it is not in the table. `<N>s` has 1 to 9
 * decimal digits, no sign and no leading zero (except `0s` itself).
 */
export function parseSignature(bytes: Uint8Array): ValueType | null {
  const n = bytes.length;
  if (n === 1) return FIXED.get(String.fromCharCode(bytes[0]!)) ?? null;
  if (n < 2 || n > MAX_SIGNATURE_BYTES || bytes[n - 1] !== S) return null;
  if (bytes[0] === ZERO && n > 2) return null;
  let size = 0;
  for (let i = 0; i < n - 1; i++) {
    const d = bytes[i]! - ZERO;
    if (d < 0 || d > 9) return null;
    size = size * 10 + d;
  }
  return { kind: "string", code: "s", size };
}
