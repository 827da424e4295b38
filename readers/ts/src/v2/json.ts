/** The canonical JSON text of a decoded version 2 file ("Canonical decoded form"). */
import { floatJson } from "../floatrepr.js";
import { jsonString } from "../json.js";
import type { ContentsV2, FieldV2, HistogramValue } from "./model.js";

function int(v: number | bigint): string {
  return typeof v === "bigint" ? v.toString() : String(v);
}

function histogramJson(h: HistogramValue): string {
  const buckets = h.buckets.map((b) => `{"le": ${floatJson(b.le)}, "count": ${int(b.count)}}`);
  return `{"count": ${int(h.count)}, "sum": ${floatJson(h.sum)}, "buckets": [${buckets.join(", ")}]}`;
}

function valueJson(f: FieldV2): string {
  const v = f.value;
  if (v === null) return "null";
  if (typeof v === "object") return histogramJson(v);
  if (typeof v === "string") return jsonString(v);
  return f.type === "f64" ? floatJson(v as number) : int(v);
}

function fieldJson(f: FieldV2): string {
  const attributes = [...f.attributes].map(([k, v]) => `${jsonString(k)}: ${jsonString(v)}`);
  return `{"label": ${jsonString(f.label)}, "kind": "${f.kind}", "type": "${f.type}", ` +
    `"unit": ${jsonString(f.unit)}, "help": ${jsonString(f.help)}, "attributes": {${attributes.join(", ")}}, ` +
    `"value": ${valueJson(f)}}`;
}

/** One document on one line; `path` as given. */
export function canonicalJsonV2(path: string, d: ContentsV2): string {
  return `{"path": ${jsonString(path)}, "format_version": 2, "minor": ${d.minor}, "state": "${d.state}", ` +
    `"pid": ${int(d.pid)}, "start_ticks": ${int(d.startTicks)}, "created_unix_ns": ${int(d.createdUnixNs)}, ` +
    `"heartbeat_unix_ns": ${int(d.heartbeatUnixNs)}, "heartbeat_interval_ms": ${d.heartbeatIntervalMs}, ` +
    `"overflow_count": ${d.overflowCount}, "fields": [${d.fields.map(fieldJson).join(", ")}]}`;
}
