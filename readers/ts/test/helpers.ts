/** Test helpers: the repository's corpus, an exact JSON parser, and comparison by the spec's rules. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Decoded, Field } from "../src/index.js";

/** The repository root (tests run from readers/ts/dist/test). */
export const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
export const CONFORMANCE = join(REPO, "conformance");
export const BIN = join(REPO, "readers", "ts", "bin");

export interface ManifestCase {
  id: string;
  path: string;
  kind: "valid" | "invalid" | "writer";
  expect: string | { code: string; offset: number } | { json: string; image: string };
  level: string;
  options?: { max_size?: number };
  format_version?: number;
}

export interface Manifest {
  counts: { valid: number; invalid: number; writer: number };
  cases: ManifestCase[];
}

export function manifest(): Manifest {
  return JSON.parse(readFileSync(join(CONFORMANCE, "manifest.json"), "utf8")) as Manifest;
}

/** A JSON number kept as its text, so 64-bit integers and float spellings survive parsing. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type Json = null | boolean | string | JsonNumber | Json[] | { [k: string]: Json };

/** A small strict JSON parser (RFC 8259) that keeps numbers as text. */
export function parseJson(text: string): Json {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`JSON: ${what} at ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const value = (): Json => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: { [k: string]: Json } = {};
      ws();
      if (text[i] === "}") { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const k = str();
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        obj[k] = value();
        ws();
        const d = text[i++];
        if (d === "}") return obj;
        if (d !== ",") fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: Json[] = [];
      ws();
      if (text[i] === "]") { i++; return arr; }
      for (;;) {
        arr.push(value());
        ws();
        const d = text[i++];
        if (d === "]") return arr;
        if (d !== ",") fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [lit, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(lit, i)) { i += lit.length; return v; }
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail("unexpected text");
    i += m[0].length;
    return new JsonNumber(m[0]);
  };
  const str = (): string => {
    i++;
    let out = "";
    for (;;) {
      const c = text[i++];
      if (c === undefined) fail("unterminated string");
      if (c === '"') return out;
      if (c! < " ") fail("control character in string");
      if (c !== "\\") { out += c; continue; }
      const e = text[i++];
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) {
        out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
        i += 4;
      } else fail("bad escape");
    }
  };
  const v = value();
  ws();
  if (i !== text.length) fail("trailing text");
  return v;
}

const FLOAT_WORDS: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

function floatKey(x: number): string {
  if (Number.isNaN(x)) return "f:NaN";
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x, true);
  return `f:${view.getBigUint64(0, true).toString(16)}`;
}

/** A comparable key for a JSON value of a field of `type` ("Comparing canonical forms"). */
export function jsonValueKey(type: string, v: Json): string {
  if (/^[bBhHiIqQ]$/.test(type)) {
    if (!(v instanceof JsonNumber) || !/^-?[0-9]+$/.test(v.text)) return `bad-int:${String(v)}`;
    return `i:${BigInt(v.text)}`;
  }
  if (type === "f" || type === "d") {
    if (typeof v === "string" && v in FLOAT_WORDS) return floatKey(FLOAT_WORDS[v]!);
    if (!(v instanceof JsonNumber)) return `bad-float:${JSON.stringify(v)}`;
    return floatKey(Number(v.text));
  }
  if (type === "?") return typeof v === "boolean" ? `b:${v}` : `bad-bool:${JSON.stringify(v)}`;
  return typeof v === "string" ? `s:${v}` : `bad-string:${JSON.stringify(v)}`;
}

/** The same key for a decoded field. */
export function fieldValueKey(f: Field): string {
  switch (f.kind) {
    case "int":
      return typeof f.value === "number" && !Number.isSafeInteger(f.value)
        ? `bad-int:${f.value}` : `i:${BigInt(f.value as number | bigint)}`;
    case "float": return floatKey(f.value as number);
    case "bool": return `b:${f.value}`;
    case "string": return `s:${f.value}`;
  }
}

/** Differences between an expected canonical object and a decoded file ([] when equal). */
export function diffDecoded(expected: Json, got: Decoded): string[] {
  const exp = expected as { format_version: JsonNumber; fields: { [k: string]: Json }[] };
  const out: string[] = [];
  if (got.formatVersion !== 1) return [`format_version ${got.formatVersion}`];
  if (exp.format_version.text !== String(got.formatVersion)) out.push(`format_version ${got.formatVersion}`);
  if (exp.fields.length !== got.fields.length) {
    return [...out, `want ${exp.fields.length} fields, got ${got.fields.length}`];
  }
  exp.fields.forEach((e, i) => {
    const g = got.fields[i]!;
    if (e.label !== g.label) out.push(`fields[${i}].label: want ${JSON.stringify(e.label)}, got ${JSON.stringify(g.label)}`);
    if (e.type !== g.type) out.push(`fields[${i}].type: want ${e.type}, got ${g.type}`);
    if (e.buffered !== g.buffered) out.push(`fields[${i}].buffered: want ${e.buffered}, got ${g.buffered}`);
    const want = jsonValueKey(e.type as string, e.value!);
    const have = fieldValueKey(g);
    if (want !== have) out.push(`fields[${i}].value: want ${want}, got ${have}`);
  });
  return out;
}

/** Differences between two canonical JSON documents compared by value (path ignored). */
export function diffCanonical(expected: Json, got: Json): string[] {
  const exp = expected as { format_version: JsonNumber; fields: { [k: string]: Json }[] };
  const g = got as { format_version: JsonNumber; fields: { [k: string]: Json }[]; path: Json };
  const out: string[] = [];
  if (typeof g.path !== "string") out.push("path is not a string");
  if (!(g.format_version instanceof JsonNumber) || g.format_version.text !== exp.format_version.text) out.push("format_version");
  if (!Array.isArray(g.fields) || g.fields.length !== exp.fields.length) return [...out, "number of fields"];
  exp.fields.forEach((e, i) => {
    const f = g.fields[i]!;
    if (Object.keys(f).sort().join() !== "buffered,label,type,value") out.push(`fields[${i}] members ${Object.keys(f)}`);
    for (const k of ["label", "type", "buffered"]) if (e[k] !== f[k]) out.push(`fields[${i}].${k}`);
    const want = jsonValueKey(e.type as string, e.value!);
    const have = jsonValueKey(e.type as string, f.value!);
    if (want !== have) out.push(`fields[${i}].value: want ${want}, got ${have}`);
  });
  return out;
}
