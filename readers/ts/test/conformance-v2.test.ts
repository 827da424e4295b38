/** The version 2 corpus in-process: valid cases equal their JSON by value, invalid ones give code and offset. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { canonicalJson, FormatError, readBuffer, readPath, validateBuffer, validatePath } from "../src/index.js";
import { CONFORMANCE, manifest, parseJson } from "./helpers.js";
import { decodedLinesV2, jsonLinesV2 } from "./helpers-v2.js";

const cases = manifest().cases.filter((c) => c.format_version === 2);
const valid = cases.filter((c) => c.kind === "valid");
const invalid = cases.filter((c) => c.kind === "invalid");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [relative(CONFORMANCE, join(dir, e.name))]);
}

describe("version 2 corpus", () => {
  it("the manifest lists every version 2 file on disk, and there are some of each", () => {
    const onDisk = [...filesUnder(join(CONFORMANCE, "v2", "valid")), ...filesUnder(join(CONFORMANCE, "v2", "invalid"))]
      .filter((p) => p.endsWith(".mmstats")).sort();
    assert.deepEqual([...valid, ...invalid].map((c) => c.path).sort(), onDisk);
    assert.ok(valid.length >= 50, `${valid.length} valid cases`);
    assert.ok(invalid.length >= 50, `${invalid.length} invalid cases`);
  });

  describe("valid", () => {
    for (const c of valid) {
      it(c.id, () => {
        const expected = jsonLinesV2(parseJson(readFileSync(join(CONFORMANCE, c.expect as string), "utf8")));
        const path = join(CONFORMANCE, c.path);
        // From the file (copies with pread, sequences re-read) and from a buffer at rest: the same values.
        for (const decoded of [readPath(path), readBuffer(readFileSync(path))]) {
          assert.deepEqual(decodedLinesV2(decoded), expected);
          assert.deepEqual(jsonLinesV2(parseJson(canonicalJson(decoded))), expected);
        }
        assert.deepEqual(validatePath(path).problems, []);
      });
    }
  });

  describe("invalid", () => {
    for (const c of invalid) {
      it(c.id, () => {
        const { problems: every, ...want } = c.expect as { code: string; offset: number; problems?: { code: string; offset: number }[] };
        const path = join(CONFORMANCE, c.path);
        const options = { maxSize: c.options?.max_size };
        assert.throws(() => readPath(path, options), (e: unknown) => {
          assert.ok(e instanceof FormatError, `not a FormatError: ${e}`);
          assert.deepEqual({ code: e.code, offset: e.offset }, want);
          assert.ok(e.message.startsWith(`${path}: offset ${want.offset}: ${want.code}: `), e.message);
          return true;
        });
        for (const v of [validatePath(path, options), validateBuffer(readFileSync(path), options)]) {
          assert.equal(v.valid, false);
          assert.deepEqual({ code: v.problems[0]!.code, offset: v.problems[0]!.offset }, want);
          // Several problems: every one, in the walk's order (not sorted by offset).
          if (every) assert.deepEqual(v.problems.map((p) => ({ code: p.code, offset: p.offset })), every);
        }
      });
    }
  });
});
