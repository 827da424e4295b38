/** One stored value (little-endian bytes) to its decoded form ("Canonical values"). */
import { exactInteger, type Value } from "../model.js";
import { decodeReplacing } from "../utf8.js";
import type { ValueType } from "./types.js";

/** Decodes the `t.size` bytes at `at` (the caller has checked they are inside `b`). */
export function decodeValue(t: ValueType, b: Uint8Array, at: number): Value {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (t.kind) {
    case "int":
      switch (t.code) {
        case "b": return view.getInt8(at);
        case "B": return view.getUint8(at);
        case "h": return view.getInt16(at, true);
        case "H": return view.getUint16(at, true);
        case "i": return view.getInt32(at, true);
        case "I": return view.getUint32(at, true);
        case "q": return exactInteger(view.getBigInt64(at, true));
        case "Q": return exactInteger(view.getBigUint64(at, true));
      }
      break;
    case "float":
      return t.code === "f" ? view.getFloat32(at, true) : view.getFloat64(at, true);
    case "bool":
      return b[at] !== 0;
    case "string": {
      const area = b.subarray(at, at + t.size);
      const nul = area.indexOf(0);
      return decodeReplacing(nul >= 0 ? area.subarray(0, nul) : area);
    }
  }
  throw new Error(`unreachable: type ${JSON.stringify(t)}`);
}
