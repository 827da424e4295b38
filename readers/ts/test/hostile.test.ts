/** Random corruptions of corpus files: only FormatError or a decoded file, and reader and validator agree. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ERROR_CODES, FormatError, readBuffer, validateBuffer } from "../src/index.js";
import { CONFORMANCE, manifest } from "./helpers.js";

/** A small deterministic PRNG (xorshift32), so a failure can be reproduced from its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

const MUTANTS_PER_FILE = 300;
const files = manifest().cases.filter((c) => c.kind === "valid");

describe("corrupted files", () => {
  for (const c of files) {
    it(c.id, () => {
      const original = readFileSync(join(CONFORMANCE, c.path));
      const next = rng(original.length * 7919 + c.id.length);
      for (let m = 0; m < MUTANTS_PER_FILE; m++) {
        const img = Buffer.from(original);
        // Corrupt a few bytes, mostly in the records at the front where the structure is.
        const span = Math.min(img.length, 256);
        for (let k = 1 + (next() % 4); k > 0; k--) img[next() % span] = next() & 0xff;
        const problems = validateBuffer(img).problems;
        try {
          readBuffer(img);
          assert.deepEqual(problems, [], `${c.id} mutant ${m}: decoded, but the validator found problems`);
        } catch (e) {
          if (!(e instanceof FormatError)) throw new Error(`${c.id} mutant ${m}: ${e}`);
          assert.ok(ERROR_CODES.includes(e.code));
          assert.deepEqual([e.code, e.offset], [problems[0]?.code, problems[0]?.offset], `${c.id} mutant ${m}`);
        }
      }
    });
  }
});
