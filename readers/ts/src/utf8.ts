/** UTF-8 as the spec uses it: labels must be well-formed, strings decode with U+FFFD per maximal subpart. */

/**
 * Length of the well-formed sequence starting at `i`, or 0 when the bytes there are ill-formed
 * (Unicode Standard, Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF, no truncation).
 */
function sequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) n = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 3;
    if (b0 === 0xe0) lo = 0xa0;
    else if (b0 === 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 4;
    if (b0 === 0xf0) lo = 0x90;
    else if (b0 === 0xf4) hi = 0x8f;
  } else return 0;
  if (i + n > end) return 0;
  const b1 = bytes[i + 1]!;
  if (b1 < lo || b1 > hi) return 0;
  for (let k = 2; k < n; k++) {
    const b = bytes[i + k]!;
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return n;
}

/** Offset of the first ill-formed byte in bytes[start, end), or -1 when all of it is well-formed. */
export function firstIllFormed(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let i = start;
  while (i < end) {
    const n = sequenceLength(bytes, i, end);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

// ignoreBOM: a leading EF BB BF is text like any other (as Python's "utf-8" codec keeps it).
const lossy = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Decodes with one U+FFFD per maximal subpart (WHATWG Encoding = Unicode's recommended practice). */
export function decodeReplacing(bytes: Uint8Array): string {
  return lossy.decode(bytes);
}
