import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ParseError } from "../../src/conda/errors.js";
import { Version, type VersionComponent } from "../../src/conda/version.js";
import { sharedData } from "../support/paths.js";

/** Python's repr of conda's `VersionOrder.version` lists, e.g. `[[0], [1, 'a', inf]]`. */
function pyRepr(components: readonly VersionComponent[]): string {
  const part = (p: VersionComponent[number]) =>
    typeof p === "string" ? `'${p}'` : p === Number.POSITIVE_INFINITY ? "inf" : String(p);
  return `[${components.map((c) => `[${c.map(part).join(", ")}]`).join(", ")}]`;
}

test("every version in parsed_versions.txt parses to the components conda produced", () => {
  const text = readFileSync(sharedData("conformance", "parsed_versions.txt"), "utf8");
  let checked = 0;
  const failures: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const input = line.slice(0, eq);
    const expected = line.slice(eq + 1);
    const got = pyRepr(Version.parse(input).components);
    if (got !== expected) failures.push(`${input}: expected ${expected}, got ${got}`);
    checked++;
  }
  assert.ok(checked > 28_000, `only ${checked} lines read`);
  assert.deepEqual(failures.slice(0, 20), []);
});

// conda tests/models/test_version.py::test_version_order, in ascending order with the parse.
const ORDERED: [string, string][] = [
  ["0.4", "[[0], [0], [4]]"],
  ["0.4.0", "[[0], [0], [4], [0]]"],
  ["0.4.1a.vc11", "[[0], [0], [4], [1, 'a'], [0, 'vc', 11]]"],
  ["0.4.1.rc", "[[0], [0], [4], [1], [0, 'rc']]"],
  ["0.4.1.vc11", "[[0], [0], [4], [1], [0, 'vc', 11]]"],
  ["0.4.1", "[[0], [0], [4], [1]]"],
  ["0.5*", "[[0], [0], [5, '*']]"],
  ["0.5a1", "[[0], [0], [5, 'a', 1]]"],
  ["0.5b3", "[[0], [0], [5, 'b', 3]]"],
  ["0.5C1", "[[0], [0], [5, 'c', 1]]"],
  ["0.5z", "[[0], [0], [5, 'z']]"],
  ["0.5za", "[[0], [0], [5, 'za']]"],
  ["0.5", "[[0], [0], [5]]"],
  ["0.5_5", "[[0], [0], [5], [5]]"],
  ["0.5-5", "[[0], [0], [5], [5]]"],
  ["0.9.6", "[[0], [0], [9], [6]]"],
  ["0.960923", "[[0], [0], [960923]]"],
  ["1.0", "[[0], [1], [0]]"],
  ["1.0.4a3", "[[0], [1], [0], [4, 'a', 3]]"],
  ["1.0.4b1", "[[0], [1], [0], [4, 'b', 1]]"],
  ["1.0.4", "[[0], [1], [0], [4]]"],
  ["1.1dev1", "[[0], [1], [1, 'DEV', 1]]"],
  ["1.1_", "[[0], [1], [1, '_']]"],
  ["1.1a1", "[[0], [1], [1, 'a', 1]]"],
  ["1.1.dev1", "[[0], [1], [1], [0, 'DEV', 1]]"],
  ["1.1.a1", "[[0], [1], [1], [0, 'a', 1]]"],
  ["1.1", "[[0], [1], [1]]"],
  ["1.1.post1", "[[0], [1], [1], [0, inf, 1]]"],
  ["1.1.1dev1", "[[0], [1], [1], [1, 'DEV', 1]]"],
  ["1.1.1rc1", "[[0], [1], [1], [1, 'rc', 1]]"],
  ["1.1.1", "[[0], [1], [1], [1]]"],
  ["1.1.1post1", "[[0], [1], [1], [1, inf, 1]]"],
  ["1.1post1", "[[0], [1], [1, inf, 1]]"],
  ["2g6", "[[0], [2, 'g', 6]]"],
  ["2.0b1pr0", "[[0], [2], [0, 'b', 1, 'pr', 0]]"],
  ["2.2be.ta29", "[[0], [2], [2, 'be'], [0, 'ta', 29]]"],
  ["2.2be5ta29", "[[0], [2], [2, 'be', 5, 'ta', 29]]"],
  ["2.2beta29", "[[0], [2], [2, 'beta', 29]]"],
  ["2.2.0.1", "[[0], [2], [2], [0], [1]]"],
  ["3.1.1.6", "[[0], [3], [1], [1], [6]]"],
  ["3.2.p.r0", "[[0], [3], [2], [0, 'p'], [0, 'r', 0]]"],
  ["3.2.pr0", "[[0], [3], [2], [0, 'pr', 0]]"],
  ["3.2.pr.1", "[[0], [3], [2], [0, 'pr'], [1]]"],
  ["5.5.kw", "[[0], [5], [5], [0, 'kw']]"],
  ["11g", "[[0], [11, 'g']]"],
  ["14.3.1", "[[0], [14], [3], [1]]"],
  ["14.3.1.post26.g9d75ca2", "[[0], [14], [3], [1], [0, inf, 26], [0, 'g', 9, 'd', 75, 'ca', 2]]"],
  ["1996.07.12", "[[0], [1996], [7], [12]]"],
  ["1!0.4.1", "[[1], [0], [4], [1]]"],
  ["1!3.1.1.6", "[[1], [3], [1], [1], [6]]"],
  ["2!0.4.1", "[[2], [0], [4], [1]]"],
];

test("conda's version order table: parse, normalised string and ascending order", () => {
  const parsed = ORDERED.map(([s, repr]) => {
    const v = Version.parse(s);
    assert.equal(pyRepr(v.components), repr, s);
    assert.equal(v.normalized, s.toLowerCase().replaceAll("-", "_"));
    return v;
  });
  for (let i = 0; i + 1 < parsed.length; i++) {
    const a = parsed[i];
    const b = parsed[i + 1];
    // conda sorts this list stably, so neighbours may be equal ('0.4' == '0.4.0', '0.5_5' == '0.5-5').
    const want = a.hashKey() === b.hashKey() ? 0 : -1;
    assert.equal(a.compare(b), want, `${a} vs ${b}`);
    assert.equal(b.compare(a), want === 0 ? 0 : 1, `${b} vs ${a}`);
  }
  const shuffled = [...parsed].reverse().sort(Version.compare);
  assert.deepEqual(
    shuffled.map((v) => v.hashKey()),
    parsed.map((v) => v.hashKey()),
  );
});

/** Assert that `list` is in ascending order, and that sorting a reversed copy restores it. */
function assertAscending(list: string[]): void {
  const vs = list.map((s) => Version.parse(s));
  for (let i = 0; i + 1 < vs.length; i++) {
    assert.equal(vs[i].compare(vs[i + 1]), -1, `${list[i]} < ${list[i + 1]}`);
    assert.equal(vs[i + 1].compare(vs[i]), 1, `${list[i + 1]} > ${list[i]}`);
  }
  assert.deepEqual(
    [...vs]
      .reverse()
      .sort(Version.compare)
      .map((v) => v.source),
    list,
  );
}

test("openssl convention: a trailing underscore sorts before letters", () => {
  assertAscending([
    "1.0.1dev",
    "1.0.1_",
    "1.0.1a",
    "1.0.1b",
    "1.0.1c",
    "1.0.1d",
    "1.0.1r",
    "1.0.1rc",
    "1.0.1rc1",
    "1.0.1rc2",
    "1.0.1s",
    "1.0.1",
    "1.0.1post.a",
    "1.0.1post.b",
    "1.0.1post.z",
    "1.0.1post.za",
    "1.0.2",
  ]);
});

test("PEP 440 ordering (conda's test_pep440)", () => {
  const base = [
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0c1.dev456",
    "1.0c1",
    "1.0c3",
    "1.0rc2",
    "1.0.dev456",
    "1.0",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.1.dev1",
    "1.2.r32+123456",
    "1.2.rev33+123456",
    "1.2+abc",
    "1.2+abc123def",
    "1.2+abc123",
    "1.2+123abc",
    "1.2+123abc456",
    "1.2+1234.abc",
    "1.2+123456",
  ];
  assertAscending([...base, ...base.map((v) => `1!${v}`)]);
  assertAscending(["0.3.0.dev", "0.3.3"]);
});

test("equality is case-insensitive, ignores surrounding space and trailing zeros", () => {
  const eq: [string, string][] = [
    ["0.4.1.rc", "  0.4.1.RC  "],
    ["  0.4.rc  ", "0.4.RC"],
    ["0.4", "0.4.0"],
    ["0.4.a1", "0.4.0a1"],
    ["1.0", "1.0.0.0"],
    ["1.0a0", "1.0a"],
    ["0!1.0", "1.0"],
    ["1.0+0", "1.0"],
    ["1.0+abc.0", "1.0+abc"],
    ["1.0-1", "1.0_1"],
    ["01.002", "1.2"],
    ["1.00000000000000000000001", "1.1"],
  ];
  for (const [a, b] of eq) {
    const va = Version.parse(a);
    const vb = Version.parse(b);
    assert.ok(va.equals(vb), `${a} == ${b}`);
    assert.equal(va.hashKey(), vb.hashKey(), `hashKey ${a} / ${b}`);
  }
  const ne: [string, string][] = [
    ["0.4", "0.4.1"],
    ["0.4.a1", "0.4.1a1"],
    ["1.0", "1.0a"],
    ["1.0", "1!1.0"],
    ["1.0+1", "1.0"],
    ["1.0", "1.0.post"],
    ["99999999999999999999", "99999999999999999998"],
  ];
  for (const [a, b] of ne) {
    const va = Version.parse(a);
    const vb = Version.parse(b);
    assert.ok(!va.equals(vb), `${a} != ${b}`);
    assert.notEqual(va.hashKey(), vb.hashKey(), `hashKey ${a} / ${b}`);
  }
});

test("numbers of any size compare exactly, as Python ints do", () => {
  assertAscending(["9007199254740993", "9007199254740994", "123456789012345678901234567890", "1!0"]);
  assertAscending(["1.999999999999999", "1.1000000000000000"]);
});

test("startsWith follows conda's VersionOrder.startswith", () => {
  const yes: [string, string][] = [
    ["0.4.1", "0"],
    ["0.4.1", "0.4"],
    ["0.4.1p1", "0.4"],
    ["0.4.1p1", "0.4.1p"],
    ["0.4.1+1.3", "0.4.1"],
    ["0.4.1+1.3", "0.4.1+1"],
    ["1.0", "1.0.0"],
    ["2013ab", "2013a"],
  ];
  const no: [string, string][] = [
    ["0.4.1p1", "0.4.1q1"],
    ["0.4", "0.4.1"],
    ["0.4.1", "0.4.1+1.3"],
    ["0.4.1+1", "0.4.1+1.3"],
    ["1.20", "1.2"],
    ["2013a", "2013b"],
  ];
  for (const [v, p] of yes) assert.ok(Version.parse(v).startsWith(Version.parse(p)), `${v} startsWith ${p}`);
  for (const [v, p] of no) assert.ok(!Version.parse(v).startsWith(Version.parse(p)), `${v} !startsWith ${p}`);
});

test("invalid versions raise a ParseError naming the input", () => {
  for (const bad of [
    "",
    "  ",
    "3.5&1",
    "5.5++",
    "5.5..mw",
    "!",
    "a!1.0",
    "a!b!1.0",
    "1.2+",
    "+1.2",
    "1.0-a_b",
    "1.",
    "1.0 2",
  ]) {
    assert.throws(
      () => Version.parse(bad),
      (e: unknown) => e instanceof ParseError && e.input === bad && e.expected === "version",
      JSON.stringify(bad),
    );
  }
  assert.equal(Version.tryParse("1..2"), undefined);
});

test("toString keeps the input; normalized is conda's str(VersionOrder)", () => {
  const v = Version.parse("1.0.0-Alpha");
  assert.equal(v.toString(), "1.0.0-Alpha");
  assert.equal(v.normalized, "1.0.0_alpha");
  assert.equal(JSON.stringify({ v }), '{"v":"1.0.0-Alpha"}');
  assert.equal(Version.parse("2!1.0").epoch, 2);
  assert.equal(Version.parse("1.0+x").hasLocal, true);
});
