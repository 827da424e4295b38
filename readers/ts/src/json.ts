/** The canonical JSON text of a decoded file, written by hand so 64-bit integers and floats stay exact. */
import { floatJson } from "./floatrepr.js";
import type { ContentsV1, Field } from "./model.js";

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
};

/** A JSON string: quotes, backslashes, control characters and lone surrogates escaped, the rest as is. */
export function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) {
      out += ch + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += `\\u${c.toString(16)}`;
    else out += ch;
  }
  return out + '"';
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** A field's value as canonical JSON: exact integers, float text as the spec says, booleans, strings. */
export function valueJson(field: Field): string {
  const v = field.value;
  switch (field.kind) {
    case "int":
      return typeof v === "bigint" ? v.toString() : String(v);
    case "float":
      return floatJson(v as number);
    case "bool":
      return v ? "true" : "false";
    case "string":
      return jsonString(v as string);
  }
}

/** One canonical JSON document of a version 1 file on one line. */
export function canonicalJsonV1(path: string, decoded: ContentsV1): string {
  const fields = decoded.fields.map(
    (f) => `{"label": ${jsonString(f.label)}, "type": ${jsonString(f.type)}, ` +
      `"buffered": ${f.buffered}, "value": ${valueJson(f)}}`,
  );
  return `{"path": ${jsonString(path)}, "format_version": ${decoded.formatVersion}, ` +
    `"fields": [${fields.join(", ")}]}`;
}
