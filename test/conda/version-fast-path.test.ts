import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Version } from "../../src/conda/version.js";

// Version.parse has a fast path for plain dotted numbers. A leading blank is trimmed by conda but
// sends the string through the general parser, so the two paths can be compared directly.
const numeric = fc
  .array(fc.stringMatching(/^[0-9]{1,18}$/), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join("."));

test("property: plain dotted numbers parse as the general parser parses them", () => {
  fc.assert(
    fc.property(numeric, (s) => {
      const fast = Version.parse(s);
      const general = Version.parse(` ${s}`);
      assert.deepEqual(fast.components, general.components);
      assert.deepEqual(fast.local, general.local);
      assert.equal(fast.normalized, general.normalized);
      assert.equal(fast.compare(general), 0);
      assert.equal(fast.hashKey(), general.hashKey());
    }),
    { numRuns: 2000 },
  );
});

test("property: the fast path orders like the general parser", () => {
  fc.assert(
    fc.property(numeric, numeric, (a, b) => {
      assert.equal(
        Version.parse(a).compare(Version.parse(b)),
        Version.parse(` ${a}`).compare(Version.parse(` ${b}`)),
      );
    }),
    { numRuns: 2000 },
  );
});

test("malformed plain numerics still fail like the general parser", () => {
  for (const s of ["1..2", ".1", "1.", "."]) assert.throws(() => Version.parse(s), { name: "ParseError" }, s);
  // 16+ significant digits are compared exactly (bigint), leading zeros do not count
  assert.equal(Version.parse("12345678901234567").compare(Version.parse("12345678901234568")), -1);
  assert.equal(Version.parse("000000000000000000001.0").compare(Version.parse("1")), 0);
});
