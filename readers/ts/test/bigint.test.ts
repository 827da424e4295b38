/** 64-bit integers stay exact: numbers up to 2^53 - 1, bigints beyond, exact digits in the JSON. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalJson, readBuffer } from "../src/index.js";
import { buildImage, u64le } from "./build.js";
import { parseJson, type Json, JsonNumber } from "./helpers.js";

function decodeOne(type: "q" | "Q", v: bigint) {
  const decoded = readBuffer(buildImage([{ label: "n", type, area: u64le(v) }]));
  const json = parseJson(canonicalJson(decoded)) as { fields: { value: Json }[] };
  return { value: decoded.fields[0]!.value, text: (json.fields[0]!.value as JsonNumber).text };
}

const CASES: [type: "q" | "Q", value: bigint, representation: "number" | "bigint"][] = [
  ["Q", 0n, "number"],
  ["Q", 2n ** 53n - 1n, "number"],
  ["Q", 2n ** 53n, "bigint"],
  ["Q", 2n ** 53n + 1n, "bigint"],
  ["Q", 2n ** 63n, "bigint"],
  ["Q", 2n ** 64n - 1n, "bigint"],
  ["q", -(2n ** 53n) + 1n, "number"],
  ["q", -(2n ** 53n) - 1n, "bigint"],
  ["q", -(2n ** 63n), "bigint"],
  ["q", 2n ** 63n - 1n, "bigint"],
  ["q", -1n, "number"],
];

describe("64-bit integers", () => {
  for (const [type, v, rep] of CASES) {
    it(`${type} ${v}`, () => {
      const { value, text } = decodeOne(type, v);
      assert.equal(typeof value, rep);
      assert.equal(BigInt(value as number | bigint), v);
      assert.equal(text, v.toString());
    });
  }
  it("a negative q stored as two's complement", () => {
    assert.equal(decodeOne("q", BigInt.asUintN(64, -5n)).value, -5);
  });
});
