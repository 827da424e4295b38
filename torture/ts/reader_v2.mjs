// torture-ts-reader-v2 MODE PATH SECONDS -- reads a torture-writer-v2 file continuously with readers/ts and
// checks every value as torture/check_v2.py does. MODE: statsreader (StatsReader: layout parsed once per
// file) or read (read: the whole file each time). Prints one JSON object like torture/py_reader_v2.py.
// Plain JavaScript on readers/ts's build (dist/): no compile step of its own.
import { read, StatsReader, FormatError } from "../../readers/ts/dist/src/index.js";

const K = (1n << 32n) + 1n;
const M32 = 0xffffffffn;
const MAX_WRAPS = 1024n;
const MAX_UPDOWN = 64n;
const KINDS = ["counter", "updown_counter", "gauge", "string", "histogram"];

export function fitsString(s) {
  if (s === "") return true;
  const digits = s.split("/", 1)[0];
  if (!/^[0-9]{1,20}$/.test(digits) || BigInt(digits) >> 64n) return false; // a u64 in decimal
  return s === `${digits}/`.repeat(Number(1n + (BigInt(digits) % 7n)));
}

function fitsF64(x) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x, true);
  const b = view.getBigUint64(0, true);
  if (b === 0n) return true;
  return b >> 52n === 0x3ffn && ((b >> 32n) & 0xfffffn) === (b & 0xfffffn) && ((b >> 20n) & 0xfffn) === 0n;
}

class Checker {
  last = new Map();
  checked = Object.fromEntries(KINDS.map((k) => [k, 0]));
  values = 0;
  torn = 0;
  nulls = 0;
  tornFields = {};
  example = null;

  monotone(label, n) {
    const ok = n >= (this.last.get(label) ?? 0n);
    this.last.set(label, n);
    return ok;
  }

  fits(f) {
    const v = f.value;
    if (f.kind === "counter" && f.type === "u64") {
      const u = BigInt(v);
      const wraps = ((u >> 32n) - (u & M32)) & M32;
      return wraps < MAX_WRAPS && this.monotone(f.label, (wraps << 32n) | (u & M32));
    }
    if (f.kind === "updown_counter" && f.type === "i64") {
      const i = BigInt(v);
      const m = i / K;
      return i % K === 0n && m <= MAX_UPDOWN && m >= -MAX_UPDOWN;
    }
    if (f.kind === "gauge" && f.type === "u64") {
      const u = BigInt(v);
      return u >> 32n === (u & M32);
    }
    if (f.kind === "gauge" && f.type === "f64") return fitsF64(v);
    if (f.kind === "string") return fitsString(v);
    if (f.kind === "histogram") {
      const cum = v.buckets.map((b) => BigInt(b.count));
      const b = cum.map((c, i) => c - (i > 0 ? cum[i - 1] : 0n)); // per bucket
      if (b.length !== 4 || b[3] !== 0n || v.sum !== 0.5 * Number(b[0]) + 2 * Number(b[1]) + 3 * Number(b[2])) {
        return false;
      }
      return this.monotone(f.label, BigInt(v.count));
    }
    return false;
  }

  check(f) {
    if (!KINDS.includes(f.kind)) return;
    if (f.value === null) {
      this.nulls++;
      return;
    }
    this.checked[f.kind]++;
    this.values++;
    if (!this.fits(f)) {
      this.torn++;
      this.tornFields[f.label] = (this.tornFields[f.label] ?? 0) + 1;
      this.example ??= `${f.label}: ${JSON.stringify(f.value, (_k, x) => (typeof x === "bigint" ? x.toString() : x))}`;
    }
  }
}

const [mode, path, secondsText] = process.argv.slice(2);
if (!["statsreader", "read"].includes(mode) || path === undefined || secondsText === undefined) {
  process.stderr.write("usage: torture-ts-reader-v2 statsreader|read PATH SECONDS\n");
  process.exit(2);
}
const seconds = Number(secondsText);
const reader = new StatsReader(path);
const one = mode === "statsreader" ? () => reader.read() : () => read(path);
const c = new Checker();
const errors = {};
let reads = 0;
const end = performance.now() + seconds * 1000;
while (performance.now() < end) {
  let file;
  try {
    file = one();
  } catch (e) {
    const key = e instanceof FormatError ? e.code : "io";
    errors[key] = (errors[key] ?? 0) + 1;
    continue;
  }
  reads++;
  for (const f of file.fields) c.check(f);
}
console.log(JSON.stringify({ reader: `ts-${mode}`, reads, values: c.values, checked: c.checked, torn: c.torn,
  nulls: c.nulls, errors, example: c.example, torn_fields: c.tornFields, seconds }));
