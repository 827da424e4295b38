/** The version 1 corpus in-process: valid cases decode to their JSON, invalid ones give code and offset. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { canonicalJson, FormatError, readPath, validatePath } from "../src/index.js";
import { CONFORMANCE, diffCanonical, diffDecoded, manifest, parseJson } from "./helpers.js";

const m = manifest();
const valid = m.cases.filter((c) => c.kind === "valid");
const invalid = m.cases.filter((c) => c.kind === "invalid");
const isV1 = (c: { format_version?: number }) => (c.format_version ?? 1) === 1;

describe("conformance corpus", () => {
  it("has every case the manifest counts, including the golden 0.8 files", () => {
    assert.equal(valid.length, m.counts.valid);
    assert.equal(invalid.length, m.counts.invalid);
    assert.ok(valid.filter((c) => c.id.startsWith("golden/mmstats-0.8/")).length >= 10);
    assert.ok(valid.some((c) => c.id.startsWith("golden/mmstats-0.8/cpython2.7/")));
  });

  describe("valid", () => {
    for (const c of valid.filter(isV1)) {
      it(c.id, () => {
        const expected = parseJson(readFileSync(join(CONFORMANCE, c.expect as string), "utf8"));
        const decoded = readPath(join(CONFORMANCE, c.path));
        assert.deepEqual(diffDecoded(expected, decoded), []);
        // The emitted text, parsed independently, compares equal too.
        assert.deepEqual(diffCanonical(expected, parseJson(canonicalJson(decoded))), []);
        const v = validatePath(join(CONFORMANCE, c.path));
        assert.deepEqual(v.problems, []);
        assert.equal(v.valid, true);
      });
    }
  });

  describe("invalid", () => {
    for (const c of invalid.filter(isV1)) {
      it(c.id, () => {
        const want = c.expect as { code: string; offset: number };
        const path = join(CONFORMANCE, c.path);
        const options = { maxSize: c.options?.max_size };
        assert.throws(() => readPath(path, options), (e: unknown) => {
          assert.ok(e instanceof FormatError, `not a FormatError: ${e}`);
          assert.deepEqual({ code: e.code, offset: e.offset }, want);
          assert.ok(e.message.startsWith(`${path}: offset ${want.offset}: ${want.code}: `), e.message);
          return true;
        });
        const v = validatePath(path, options);
        assert.equal(v.valid, false);
        assert.deepEqual({ code: v.problems[0]!.code, offset: v.problems[0]!.offset }, want);
        for (let i = 1; i < v.problems.length; i++) assert.ok(v.problems[i]!.offset >= v.problems[i - 1]!.offset);
      });
    }
  });
});
