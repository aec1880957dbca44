import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { MatchSpec } from "../../src/conda/match-spec.js";

// MatchSpec.parse has a fast path for `name` and `name VERSION`. A trailing comment ('#...') is
// stripped by conda but sends the string through the general parser, so both can be compared.
function outcome(s: string): unknown {
  try {
    const m = MatchSpec.parse(s);
    return { fields: { ...m.fields }, str: m.toString(), channel: m.channelSource };
  } catch (e) {
    return { error: (e as Error).name };
  }
}

const nameChars = fc.constantFrom(..."abcXYZ019_.-".split(""));
const versionChars = fc.constantFrom(..."0123456789abz_.*+!<>=~,|".split(""));
const name = fc.array(nameChars, { minLength: 1, maxLength: 8 }).map((a) => a.join(""));
const version = fc.oneof(
  fc.array(versionChars, { minLength: 1, maxLength: 12 }).map((a) => a.join("")),
  fc.constantFrom(
    ">=1.2,<2",
    "1.2.*",
    "!=1.0",
    "~=1.4",
    ">=1!2.0",
    "1.0|1.2",
    "=1.2",
    "==1.2",
    "1.2=py_0",
    "<=3",
    ">1.0.conda",
  ),
);

test("property: plain 'name' and 'name VERSION' specs parse as the general parser parses them", () => {
  fc.assert(
    fc.property(name, fc.option(version, { nil: undefined }), (n, v) => {
      const s = v === undefined ? n : `${n} ${v}`;
      assert.deepEqual(outcome(s), outcome(`${s}#general`), s);
    }),
    { numRuns: 3000 },
  );
});

test("specs the fast path must leave to the general parser", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["numpy =1.2", { name: "numpy", version: "1.2*" }],
    ["numpy ==1.2", { name: "numpy", version: "1.2" }],
    ["numpy 1.2=py_0", { name: "numpy", version: "1.2", build: "py_0" }],
    ["numpy >=1.2", { name: "numpy", version: ">=1.2" }],
    ["numpy", { name: "numpy" }],
  ];
  for (const [s, fields] of cases) assert.deepEqual({ ...MatchSpec.parse(s).fields }, fields, s);
  // a package file name, not a package name
  const file = MatchSpec.parse("numpy-1.2-0.conda");
  assert.equal(file.fields.fn, "numpy-1.2-0.conda");
  assert.deepEqual(outcome("numpy-1.2-0.conda"), outcome("numpy-1.2-0.conda#general"));
});
