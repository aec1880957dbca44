import assert from "node:assert/strict";
import { test } from "node:test";
import { ParseError } from "../../src/conda/errors.js";
import { Version } from "../../src/conda/version.js";
import { BuildNumberSpec, VersionSpec } from "../../src/conda/version-spec.js";

// [version, spec, expected] — from conda tests/models/test_version.py (test_ver_eval, test_not_eq_star,
// test_compound_versions, test_compatible_release_versions) plus the examples.
const MATCH: [string, string, boolean][] = [
  ["1.7.0", "==1.7", true],
  ["1.7.0", "<=1.7", true],
  ["1.7.0", "<1.7", false],
  ["1.7.0", ">=1.7", true],
  ["1.7.0", ">1.7", false],
  ["1.6.7", ">=1.7", false],
  ["2013a", ">2013b", false],
  ["2013k", ">2013b", true],
  ["3.0.0", ">2013b", false],
  ["1.0.0", ">1.0.0a", true],
  ["1.0.0", ">1.0.0*", true],
  ["1.0", "1.0*", true],
  ["1.0.0", "1.0*", true],
  ["1.0", "1.0.0*", true],
  ["1.0.1", "1.0.0*", false],
  ["2013a", "2013a*", true],
  ["2013a", "2013b*", false],
  ["2013ab", "2013a*", true],
  ["1.3.4", "1.2.4*", false],
  ["1.2.3+4.5.6", "1.2.3*", true],
  ["1.2.3+4.5.6", "1.2.3+4*", true],
  ["1.2.3+4.5.6", "1.2.3+5*", false],
  ["1.2.3+4.5.6", "1.2.4+5*", false],
  // test_not_eq_star
  ["3.3.1", "=3.3", true],
  ["3.3", "=3.3", true],
  ["3.4", "=3.3", false],
  ["3.3.1", "3.3.*", true],
  ["3.3", "3.3.*", true],
  ["3.4", "3.3.*", false],
  ["3.3.1", "=3.3.*", true],
  ["3.3", "=3.3.*", true],
  ["3.4", "=3.3.*", false],
  ["3.3.1", "!=3.3.*", false],
  ["3.4", "!=3.3.*", true],
  ["3.4.1", "!=3.3.*", true],
  ["3.3.1", "!=3.3", true],
  ["3.3.0.0", "!=3.3", false],
  ["3.3.0.0", "!=3.3.*", false],
  // test_compound_versions
  ["2.6.8", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", false],
  ["2.7.2", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", true],
  ["3.3", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", false],
  ["3.3.4", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", false],
  ["3.4", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", true],
  ["3.4a", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", true],
  // test_compatible_release_versions
  ["1.11.0", "~=1.10", true],
  ["1.11.0", "~=1.10.0", false],
  ["3.4.0", "~=3.3.2", false],
  ["3.3.1", "~=3.3.2", false],
  ["3.3.2.0", "~=3.3.2", true],
  ["3.3.3", "~=3.3.2", true],
  ["2.2.0", "~=3.3.2|==2.2", true],
  ["3.3.3", "~=3.3.2|==2.2", true],
  ["2.2.1", "~=3.3.2|==2.2", false],
  // the issue: a bare version is exact, and '|' does not turn it into a range
  ["1.5", "1.0|>=2", false],
  ["2.1", "1.0|>=2", true],
  ["1.0.0", "1.0|>=2", true],
  ["1.0.5", "1.0", false],
  ["1.10", ">=1.9,<2", true],
  ["3.11.9", "3.11.*", true],
  ["3.11.0", "3.1.*", false],
  ["1.4.9", "~=1.4.2", true],
  // globs inside a version are regexes over the raw string
  ["1.7.1", "1.*.1", true],
  ["1.17.1", "1.*.1", true],
  ["1.7.2", "1.*.1", false],
  ["1.7.1", "*.7.*", true],
  // regexes see the version as written, case and all
  ["1.7.1A", "^1\\.7\\.1a$", false],
  ["1.7.1a", "^1\\.7\\.1a$", true],
  // '(' ')' group
  ["1.7", "(1.6|1.7),<1.8", true],
  ["1.8", "(1.6|1.7),<1.8", false],
];

test("conda's match vectors", () => {
  for (const [version, spec, want] of MATCH) {
    assert.equal(VersionSpec.parse(spec).matches(version), want, `${spec} ~ ${version}`);
    assert.equal(
      VersionSpec.parse(spec).matches(Version.parse(version)),
      want,
      `${spec} ~ Version(${version})`,
    );
  }
});

// test_match: every spec against version 1.7.1, and each prints as written.
const AGAINST_171: [string, boolean][] = [
  ["1.7.*", true],
  ["1.7.1", true],
  ["1.7.0", false],
  ["1.7", false],
  ["1.5.*", false],
  [">=1.5", true],
  ["!=1.5", true],
  ["!=1.7.1", false],
  ["==1.7.1", true],
  ["==1.7", false],
  ["==1.7.2", false],
  ["==1.7.1.0", true],
  ["1.7.*|1.8.*", true],
  [">1.7,<1.8", true],
  [">1.7.1,<1.8", false],
  ["^1.7.1$", true],
  ["^1\\.7\\.1$", true],
  ["^1\\.7\\.[0-9]+$", true],
  ["^1\\.8.*$", false],
  ["^1\\.[5-8]\\.1$", true],
  ["^[^1].*$", false],
  ["^[0-9+]+\\.[0-9+]+\\.[0-9]+$", true],
  ["^$", false],
  ["^.*$", true],
  ["1.7.*|^0.*$", true],
  ["1.6.*|^0.*$", false],
  ["1.6.*|^0.*$|1.7.1", true],
  ["^0.*$|1.7.1", true],
  ["1.6.*|^.*\\.7\\.1$|0.7.1", true],
  ["*", true],
  ["1.*.1", true],
  ["1.5.*|>1.7,<1.8", true],
  ["1.5.*|>1.7,<1.7.1", false],
];

test("conda's test_match table against 1.7.1, with canonical strings", () => {
  for (const [spec, want] of AGAINST_171) {
    const s = VersionSpec.parse(spec);
    assert.equal(s.toString(), spec, spec);
    assert.equal(s.matches("1.7.1"), want, spec);
  }
});

test("a valid version matches itself as a spec (test_local_identifier)", () => {
  for (const v of ["1.7.0", "1.7.0.post123", "1.7.0.post123.gabcdef9", "1.7.0.post123+gabcdef9"]) {
    assert.ok(VersionSpec.parse(v).matches(v), v);
  }
});

test("canonical strings and exactness as conda prints them", () => {
  const cases: [string, string, boolean][] = [
    ["1.7.1", "1.7.1", true],
    ["1.7.1*", "1.7.1.*", false],
    ["1.7.1.*", "1.7.1.*", false],
    ["==1.7.1", "==1.7.1", true],
    ["1.7.1*,1.8.1*", "1.7.1.*,1.8.1.*", false],
    ["1.7.1.*,1.8.1.*", "1.7.1.*,1.8.1.*", false],
    ["1.7.1*,1.8.1.*", "1.7.1.*,1.8.1.*", false],
    // conda joins operands as printed: the grouping of nested or-groups is not kept.
    ["( (1.5|((1.6|1.7), 1.8), 1.9 |2.0))|2.1", "1.5|1.6|1.7,1.8,1.9|2.0|2.1", false],
    [">=2.7, !=3.0.*", ">=2.7,!=3.0.*", false],
    ["  1.2  ", "1.2", true],
    [">=1.0.*", ">=1.0.*", false],
    ["1.0@abc", "1.0@abc", true],
  ];
  for (const [input, printed, exact] of cases) {
    const s = VersionSpec.parse(input);
    assert.equal(s.toString(), printed, input);
    assert.equal(s.isExact, exact, `isExact ${input}`);
  }
  assert.ok(VersionSpec.parse("1.7.1*").equals(VersionSpec.parse("1.7.1.*")));
  assert.ok(!VersionSpec.parse("1.7.1").equals(VersionSpec.parse("1.7.1*")));
  assert.equal(VersionSpec.parse("1.7.1").exactValue, "1.7.1");
  assert.ok(VersionSpec.parse("*").matchesAll);
});

test("the parsed tree is exposed for the solver", () => {
  const s = VersionSpec.parse(">=1.2,<2|3.*");
  assert.equal(s.tree.kind, "or");
  if (s.tree.kind !== "or") return;
  assert.equal(s.tree.children[0].kind, "and");
  const leaf = s.tree.children[1];
  assert.equal(leaf.kind, "operator");
  if (leaf.kind === "operator") {
    assert.equal(leaf.op, "=");
    assert.equal(leaf.version.toString(), "3");
  }
});

test("quirks kept from conda's treeify", () => {
  // Operands with no operator between them: only the first survives, as in conda.
  assert.equal(VersionSpec.parse("^a$b$").toString(), "^a$");
  assert.equal(VersionSpec.parse("1.0 (2.0)").toString(), "1.0");
  // '.*' after <, <=, >, == is ignored (conda warns).
  assert.ok(VersionSpec.parse("<2.0.*").matches("1.9"));
  assert.ok(!VersionSpec.parse("<2.0.*").matches("2.0"));
  // '=1.2*' keeps the '*' as a string component: it matches only versions continuing with '*'.
  assert.ok(!VersionSpec.parse("=1.2*").matches("1.2"));
});

test("regexes written for Python: named groups; a global flag after '^' is an error (Python 3.11 re)", () => {
  assert.throws(() => VersionSpec.parse("^(?i)1\\.0A$"), ParseError);
  assert.ok(VersionSpec.parse("^(?P<major>1)\\.(?P=major)$").matches("1.1"));
  assert.ok(!VersionSpec.parse("^(?P<major>1)\\.(?P=major)$").matches("1.2"));
});

test("merge and union", () => {
  assert.equal(VersionSpec.parse(">=1.0").merge(VersionSpec.parse("<2")).toString(), "<2,>=1.0");
  assert.equal(VersionSpec.parse("1.0").union(VersionSpec.parse("2.0")).toString(), "1.0|2.0");
});

test("invalid specs raise ParseError naming the input", () => {
  const bad = [
    "><2.4.5",
    "!!2.4.5",
    "!",
    "(1.5",
    "1.5)",
    "1.5||1.6",
    "^1.5",
    "~",
    "^",
    "1.2+",
    "+1.2",
    "+1.2+",
    "++",
    "c +, 0/|0 *",
    "a[version=)|(",
    "a=)(=b",
    "==",
    "=",
    ">=",
    "<=",
    "~=3.3.2.*",
    "===3.3.2",
    "",
    "1.0 2.0",
    ">= 1.0",
    "~=1",
    "^(unclosed$",
  ];
  for (const s of bad) {
    assert.throws(
      () => VersionSpec.parse(s),
      (e: unknown) =>
        e instanceof ParseError && typeof e.input === "string" && e.message.includes("version spec"),
      JSON.stringify(s),
    );
  }
});

test("build number specs (conda's BuildNumberMatch)", () => {
  const cases: [string, number, boolean][] = [
    ["3", 3, true],
    ["3", 4, false],
    ["03", 3, true],
    ["*", 7, true],
    [">=2", 2, true],
    [">=2", 10, true],
    [">2", 2, false],
    ["<3", 2, true],
    ["!=0", 0, false],
    ["!=0", 1, true],
    ["=1", 1, true],
    ["=1", 10, false],
    ["^1[0-9]$", 12, true],
    ["^1[0-9]$", 2, false],
    ["abc", 0, false],
  ];
  for (const [spec, n, want] of cases)
    assert.equal(BuildNumberSpec.parse(spec).matches(n), want, `${spec} ~ ${n}`);
  assert.equal(BuildNumberSpec.parse("03").toString(), "3");
  assert.equal(BuildNumberSpec.parse("03").exactValue, 3);
  assert.equal(BuildNumberSpec.parse(">=2").exactValue, undefined);
  for (const s of [">=", "><1", "^1"]) assert.throws(() => BuildNumberSpec.parse(s), ParseError, s);
});
