/** Every valid corpus file cut at every byte: a clean FormatError or a valid prefix, never another throw. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ERROR_CODES, FormatError, readBuffer, validateBuffer } from "../src/index.js";
import { CONFORMANCE, manifest } from "./helpers.js";

const valid = manifest().cases.filter((c) => c.kind === "valid");

describe("truncated at every byte", () => {
  for (const c of valid) {
    it(c.id, () => {
      const whole = readFileSync(join(CONFORMANCE, c.path));
      for (let n = 0; n <= whole.length; n++) {
        const prefix = whole.subarray(0, n);
        const problems = validateBuffer(prefix).problems;
        let decoded = false;
        try {
          readBuffer(prefix);
          decoded = true;
        } catch (e) {
          if (!(e instanceof FormatError)) throw new Error(`${c.id} cut at ${n}: ${e}`);
          assert.ok(ERROR_CODES.includes(e.code));
          assert.ok(e.offset >= 0 && e.offset <= n, `${c.id} cut at ${n}: offset ${e.offset}`);
          assert.deepEqual([problems[0]?.code, problems[0]?.offset], [e.code, e.offset], `${c.id} cut at ${n}`);
        }
        if (decoded) {
          assert.deepEqual(problems, [], `${c.id} cut at ${n}`);
          assert.ok(n > 0 && n % 4096 === 0, `${c.id} cut at ${n} decoded`);
        }
      }
    });
  }
});
