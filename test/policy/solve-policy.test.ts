// Policy as a solver input: excluded candidates are never chosen, and errors say which rule
// excluded what (DESIGN: "numpy 1.19 was excluded by policy rule X").
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { MatchSpec } from "../../src/conda/match-spec.js";
import type { PackageRecord } from "../../src/conda/package-record.js";
import { Policy } from "../../src/policy/policy.js";
import { solve } from "../../src/solver/conda/solve.js";
import { PackagesNotFoundError, UnsatisfiableError } from "../../src/solver/errors.js";
import { LocalIndex } from "../solver/local-index.js";

const dir = mkdtempSync(join(tmpdir(), "taipan-solve-policy-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function policyOf(yaml: string): Policy {
  const file = join(dir, `p${n++}.yaml`);
  writeFileSync(file, yaml);
  return Policy.load([file]);
}

const index2 = LocalIndex.shared(["conda-index2"]);
const parseSpec = (s: string) => MatchSpec.parse(s);

function pick(records: PackageRecord[], name: string): PackageRecord {
  const r = records.find((x) => x.name === name);
  assert.ok(r, `${name} in the solution`);
  return r;
}

describe("solve with a policy", () => {
  it("denying python >=3 picks the newest python 2", () => {
    const free = solve({ specs: ["python"], index: index2, parseSpec });
    assert.match(pick(free.records, "python").version, /^3\./);
    const policy = policyOf("packages: { id: no-py3, deny: ['python >=3'] }\n");
    const res = solve({ specs: ["python"], index: index2, parseSpec, exclude: policy.exclude });
    assert.equal(pick(res.records, "python").version, "2.7.13");
    for (const r of res.records) assert.ok(policy.evaluate(r).allowed, r.distName);
  });

  it("denying the newest build of a package picks an older allowed one", () => {
    const free = pick(solve({ specs: ["openssl"], index: index2, parseSpec }).records, "openssl");
    const policy = policyOf(`packages: { deny: ['openssl ${free.version} ${free.build}'] }\n`);
    const got = pick(
      solve({ specs: ["openssl"], index: index2, parseSpec, exclude: policy.exclude }).records,
      "openssl",
    );
    assert.notEqual(got.distName, free.distName);
    assert.ok(got.version === free.version ? got.build_number < free.build_number : true);
  });

  it("a request whose every match is excluded fails naming the rule and reason", () => {
    const policy = policyOf(
      "rules:\n  - id: no-py3\n    reason: Python 3 is not approved\n    packages: { deny: ['python >=3'] }\n",
    );
    assert.throws(
      () =>
        solve({
          specs: ["python >=3.4"],
          index: index2,
          parseSpec,
          exclude: policy.exclude,
          channels: ["conda-index2"],
        }),
      (e: unknown) => {
        assert.ok(e instanceof PackagesNotFoundError);
        assert.deepEqual(e.packages, ["python[version='>=3.4']"]);
        assert.equal(e.excluded.length, 1);
        assert.match(e.message, /every one of them is excluded by policy/);
        assert.match(
          e.message,
          /python 3\.4\.\d.* is excluded \(by policy rule 'no-py3': .*Python 3 is not approved/,
        );
        assert.match(e.hint ?? "", /policy/);
        return true;
      },
    );
  });

  it("an excluded dependency shows up in the conflict explanation", () => {
    const policy = policyOf("packages: { id: no-openssl, reason: use the system TLS, deny: [openssl] }\n");
    assert.throws(
      () => solve({ specs: ["python 3.3.*"], index: index2, parseSpec, exclude: policy.exclude }),
      (e: unknown) => {
        assert.ok(e instanceof UnsatisfiableError, String(e));
        assert.match(
          e.message,
          /openssl .* is excluded \(by policy rule 'no-openssl': matches denied spec openssl \(use the system TLS\)\)/,
        );
        return true;
      },
    );
  });

  it("with strict channel priority, a denied channel falls through to the next one", () => {
    const two = LocalIndex.shared(["conda-index2", "conda-index4"]);
    const base = pick(solve({ specs: ["zlib"], index: two, parseSpec }).records, "zlib");
    assert.equal(base.channel, "conda-index2");
    const policy = policyOf("channels: { deny: [conda-index2] }\n");
    const res = solve({ specs: ["zlib"], index: two, parseSpec, exclude: policy.exclude });
    assert.ok(
      res.records.every((r) => r.channel === "conda-index4"),
      res.records.map((r) => r.channel).join(),
    );
  });

  it("a license rule keeps GPL packages out of the whole environment", () => {
    const policy = policyOf("licenses: { id: no-gpl, deny: ['GPL-*'] }\n");
    // python 2.7 in index2 pulls readline (GPL-3) — every python build needs it, so the solve fails
    // and the explanation names the license.
    assert.throws(
      () => solve({ specs: ["python 2.7.*"], index: index2, parseSpec, exclude: policy.exclude }),
      (e: unknown) =>
        e instanceof UnsatisfiableError &&
        /readline .* is excluded \(by policy rule 'no-gpl': license 'GPL/.test(e.message),
    );
    const ok = solve({ specs: ["zlib"], index: index2, parseSpec, exclude: policy.exclude });
    assert.equal(ok.records.length, 1);
  });
});
