/** Comparing version 2 files with their canonical JSON by value ("Canonical decoded form", last paragraph). */
import type { Decoded, FieldV2 } from "../src/index.js";
import { JsonNumber, type Json } from "./helpers.js";

const HEADER_INTS = ["minor", "pid", "start_ticks", "created_unix_ns", "heartbeat_unix_ns", "heartbeat_interval_ms",
  "overflow_count"] as const;

function floatKey(x: number): string {
  if (Number.isNaN(x)) return "f:NaN";
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x, true);
  return `f:${view.getBigUint64(0, true).toString(16)}`;
}

const FLOAT_WORDS: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** A JSON integer as a key; anything else is marked bad. */
function jsonInt(v: Json | undefined): string {
  return v instanceof JsonNumber && /^-?[0-9]+$/.test(v.text) ? `i:${BigInt(v.text)}` : `bad-int:${JSON.stringify(v)}`;
}

function jsonFloat(v: Json | undefined): string {
  if (typeof v === "string" && v in FLOAT_WORDS) return floatKey(FLOAT_WORDS[v]!);
  return v instanceof JsonNumber ? floatKey(Number(v.text)) : `bad-float:${JSON.stringify(v)}`;
}

function jsonValue(type: string, kind: string, v: Json | undefined): string {
  if (v === null) return "null";
  if (kind === "histogram") {
    const h = v as { count: Json; sum: Json; buckets: { le: Json; count: Json }[] };
    return `h:${jsonInt(h.count)}:${jsonFloat(h.sum)}:` + h.buckets.map((b) => `${jsonFloat(b.le)}/${jsonInt(b.count)}`).join(",");
  }
  if (type === "u64" || type === "i64") return jsonInt(v);
  if (type === "f64") return jsonFloat(v);
  return typeof v === "string" ? `s:${v}` : `bad-string:${JSON.stringify(v)}`;
}

function attributesKey(a: Iterable<[string, string]>): string {
  return JSON.stringify([...a].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** Comparable lines of a canonical version 2 document. */
export function jsonLinesV2(doc: Json): string[] {
  const d = doc as { [k: string]: Json };
  const out = [`format_version ${jsonInt(d.format_version)}`, `state ${JSON.stringify(d.state)}`];
  for (const k of HEADER_INTS) out.push(`${k} ${jsonInt(d[k])}`);
  for (const [i, f] of (d.fields as { [k: string]: Json }[]).entries()) {
    const attrs = f.attributes as { [k: string]: Json };
    out.push(`fields[${i}] ${JSON.stringify([f.label, f.kind, f.type, f.unit, f.help])} ` +
      `${attributesKey(Object.entries(attrs) as [string, string][])} ${jsonValue(f.type as string, f.kind as string, f.value)}`);
  }
  return out;
}

function int(v: number | bigint): string {
  return typeof v === "number" && !Number.isSafeInteger(v) ? `bad-int:${v}` : `i:${BigInt(v)}`;
}

function fieldValue(f: FieldV2): string {
  const v = f.value;
  if (v === null) return "null";
  if (typeof v === "object") {
    return `h:${int(v.count)}:${floatKey(v.sum)}:` + v.buckets.map((b) => `${floatKey(b.le)}/${int(b.count)}`).join(",");
  }
  if (f.type === "utf8") return typeof v === "string" ? `s:${v}` : `bad-string:${String(v)}`;
  if (f.type === "f64") return typeof v === "number" ? floatKey(v) : `bad-float:${String(v)}`;
  return typeof v === "string" ? `bad-int:${v}` : int(v);
}

/** The same lines for a decoded file. */
export function decodedLinesV2(d: Decoded): string[] {
  if (d.formatVersion !== 2) return [`format_version ${d.formatVersion}`];
  const out = [`format_version i:2`, `state ${JSON.stringify(d.state)}`];
  const header: Record<(typeof HEADER_INTS)[number], number | bigint> = {
    minor: d.minor, pid: d.pid, start_ticks: d.startTicks, created_unix_ns: d.createdUnixNs,
    heartbeat_unix_ns: d.heartbeatUnixNs, heartbeat_interval_ms: d.heartbeatIntervalMs, overflow_count: d.overflowCount,
  };
  for (const k of HEADER_INTS) out.push(`${k} ${int(header[k])}`);
  for (const [i, f] of d.fields.entries()) {
    out.push(`fields[${i}] ${JSON.stringify([f.label, f.kind, f.type, f.unit, f.help])} ` +
      `${attributesKey(f.attributes)} ${fieldValue(f)}`);
  }
  return out;
}
