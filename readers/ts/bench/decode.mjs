// The one-shot read of N files (readPath: open, read, decode, close) beside a raw read of the
// same bytes (open, read, close), interleaved round by round.
//
//   node bench/decode.mjs PATHLIST ROUNDS      (after `npm ci && npm run build`)
//
// PATHLIST holds one path per line. Prints "raw NS decode NS fields N": the median over the
// rounds of each pass in nanoseconds per file, and the fields decoded per pass.
// bench/readers.py runs it for the scale table.
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { readPath } from "../dist/src/index.js";

const [list, roundsArg] = process.argv.slice(2);
const paths = list ? readFileSync(list, "utf8").split("\n").filter((l) => l) : [];
const rounds = Number.parseInt(roundsArg ?? "", 10);
if (!paths.length || !(rounds >= 1)) {
  console.error("usage: node bench/decode.mjs PATHLIST ROUNDS");
  process.exit(2);
}
const buf = Buffer.alloc(1 << 16);
const raw = [], dec = [];
let fields = 0;
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (let r = 0; r < rounds; r++) {
  const t0 = process.hrtime.bigint();
  for (const p of paths) {
    const fd = openSync(p, "r");
    readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
  }
  const t1 = process.hrtime.bigint();
  fields = 0;
  for (const p of paths) fields += readPath(p).fields.length;
  const t2 = process.hrtime.bigint();
  raw.push(Number(t1 - t0) / paths.length);
  dec.push(Number(t2 - t1) / paths.length);
}
console.log(`raw ${median(raw).toFixed(0)} decode ${median(dec).toFixed(0)} fields ${fields}`);
