import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { PackageRecord } from "../../src/conda/package-record.js";
import { readAdvisoryFile } from "../../src/policy/advisories.js";
import { cvss3BaseScore } from "../../src/policy/cvss.js";
import { parseDuration } from "../../src/policy/duration.js";
import { enforcePolicy } from "../../src/policy/enforce.js";
import { PolicyFileError, PolicyViolationError } from "../../src/policy/errors.js";
import { policyFiles } from "../../src/policy/load-policy.js";
import { Policy } from "../../src/policy/policy.js";
import { parsePolicyText } from "../../src/policy/policy-file.js";
import { LocalIndex } from "../solver/local-index.js";

const dir = mkdtempSync(join(tmpdir(), "taipan-policy-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function policyOf(yaml: string, opts: { now?: number } = {}): Policy {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return Policy.load([file], opts);
}

const index2 = LocalIndex.shared(["conda-index2"]);

/** An OSV file for openssl before 1.0.1h (CVE-2014-0224, CCS injection). */
function writeOsv(): string {
  const file = join(dir, "osv.json");
  writeFileSync(
    file,
    JSON.stringify([
      {
        id: "OSV-TEST-0224",
        aliases: ["CVE-2014-0224"],
        summary: "CCS injection",
        severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N" }],
        affected: [
          {
            package: { ecosystem: "conda", name: "openssl" },
            ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.0.1h" }] }],
          },
        ],
      },
      {
        id: "OSV-TEST-LOW",
        database_specific: { severity: "LOW" },
        affected: [{ package: { ecosystem: "PyPI", name: "openssl" }, versions: ["1.0.2l"] }],
      },
      {
        id: "OSV-TEST-ZLIB",
        affected: [
          {
            package: { purl: "pkg:conda/zlib" },
            ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "1.2.7" }, { last_affected: "1.2.8" }] }],
          },
        ],
      },
    ]),
  );
  return file;
}

describe("policy files", () => {
  it("reads the rule-list and top-level forms alike", () => {
    const a = parsePolicyText(
      "rules:\n  - id: x\n    reason: why\n    packages: { deny: [python >=3] }\n",
      "/p.yaml",
    );
    const b = parsePolicyText("packages: { id: x, reason: why, deny: [python >=3] }\n", "/p.yaml");
    assert.deepEqual(a, b);
    assert.deepEqual(a[0], {
      kind: "packages",
      id: "x",
      reason: "why",
      source: "/p.yaml",
      allow: undefined,
      deny: ["python >=3"],
    });
    const flat = parsePolicyText("channels:\n  allow: [conda-forge]\nmin_release_age: 7d\n", "/p.yaml");
    assert.deepEqual(
      flat.map((r) => r.id),
      ["channels", "min_release_age"],
    );
  });

  const bad: [string, string, string | undefined, string | undefined][] = [
    ["rules:\n  - id: a\n    licenses: { deny: GPL, unknown: maybe }\n", "unknown", "a", "unknown"],
    ["rules:\n  - reason: x\n    packages: { deny: [a] }\n", "id", "rules[0]", "id"],
    [
      "rules:\n  - id: a\n    packages: { deny: [a] }\n    channels: { deny: [b] }\n",
      "exactly one",
      "a",
      undefined,
    ],
    [
      "rules:\n  - id: a\n    packages: { deny: [a] }\n  - id: a\n    packages: { deny: [b] }\n",
      "two rules",
      "a",
      "id",
    ],
    ["min_release_age: soon\n", "duration", "min_release_age", "age"],
    ["packages: { deny: [1, 2] }\n", "list of non-empty strings", "packages", "deny"],
    ["packages: { forbid: [a] }\n", "unknown key", "packages", "forbid"],
    ["colors: [red]\n", "unknown key", undefined, "colors"],
    ["rules: [\n", "not valid YAML", undefined, undefined],
  ];
  for (const [yaml, msg, rule, field] of bad) {
    it(`rejects ${JSON.stringify(yaml.slice(0, 40))} naming file, rule and field`, () => {
      const err = (() => {
        try {
          parsePolicyText(yaml, "/etc/taipan/policy.yaml");
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof PolicyFileError, String(err));
      assert.match(err.message, new RegExp(msg));
      assert.match(err.message, /\/etc\/taipan\/policy\.yaml/);
      assert.equal(err.rule, rule);
      assert.equal(err.field, field);
      assert.equal(err.code, "POLICY_INVALID");
      assert.ok(err.hint);
    });
  }

  it("names an unparsable match spec in a rule", () => {
    assert.throws(
      () => policyOf("rules:\n  - id: bad-spec\n    packages: { deny: ['numpy >=<1'] }\n"),
      (e: unknown) => e instanceof PolicyFileError && e.rule === "bad-spec" && e.field === "deny",
    );
  });

  it("finds TAIPAN_POLICY over policy_file, plus the prefix's conda-meta/policy.yaml", () => {
    const prefix = join(dir, "env");
    const own = join(prefix, "conda-meta", "policy.yaml");
    assert.deepEqual(policyFiles({ policyFile: "/a.yaml", prefix, env: {} }), ["/a.yaml"]);
    assert.deepEqual(policyFiles({ policyFile: "/a.yaml", env: { TAIPAN_POLICY: "/b.yaml" } }), ["/b.yaml"]);
    mkdirSync(join(prefix, "conda-meta"), { recursive: true });
    writeFileSync(own, "packages: { deny: [a] }\n");
    assert.deepEqual(policyFiles({ prefix, env: {} }), [own]);
  });

  it("durations", () => {
    assert.equal(parseDuration("7d"), 7 * 86_400_000);
    assert.equal(parseDuration("1d12h"), 36 * 3_600_000);
    assert.equal(parseDuration("2w"), 14 * 86_400_000);
    assert.equal(parseDuration(3), 3 * 86_400_000);
    assert.equal(parseDuration("7 days"), undefined);
  });
});

describe("Policy.evaluate on real records", () => {
  it("denies packages by match spec, with the rule id and reason", () => {
    const p = policyOf(
      "rules:\n  - id: no-py3\n    reason: not approved\n    packages: { deny: ['python >=3'] }\n",
    );
    const pythons = index2.get("python");
    const denied = pythons.filter((r) => !p.evaluate(r).allowed);
    assert.ok(denied.length > 0 && denied.length < pythons.length);
    for (const r of pythons)
      assert.equal(p.evaluate(r).allowed, r.version.startsWith("2") || r.version.startsWith("1"), r.version);
    const v = p.evaluate(denied[0]).violations[0];
    assert.equal(v.ruleId, "no-py3");
    assert.match(v.reason, /python\[version='>=3'\].*\(not approved\)/);
    // the verdict is cached per record object
    assert.equal(p.evaluate(denied[0]), p.evaluate(denied[0]));
  });

  it("packages.allow is an allow-list", () => {
    const p = policyOf("packages: { allow: ['python 2.7.*', 'openssl', 'zlib', 'conda-index2::sqlite'] }\n");
    assert.ok(p.evaluate(index2.get("openssl")[0]).allowed);
    assert.ok(index2.get("sqlite").every((r) => p.evaluate(r).allowed));
    assert.ok(!p.evaluate(index2.get("numpy")[0]).allowed);
    assert.ok(index2.get("python").some((r) => !p.evaluate(r).allowed));
  });

  it("licenses: deny globs, OR alternatives, AND conjunctions, unknown, WITH exceptions", () => {
    const p = policyOf("licenses: { id: no-gpl, deny: ['GPL-*', 'AGPL-*'], unknown: deny }\n");
    const rec = (license?: string) =>
      PackageRecord.fromJson({ name: "x", version: "1", build: "0", build_number: 0, depends: [], license });
    assert.ok(p.evaluate(rec("MIT")).allowed);
    assert.ok(!p.evaluate(rec("GPL-3")).allowed);
    assert.ok(!p.evaluate(rec("GPL (>= 2)")).allowed);
    assert.ok(p.evaluate(rec("LGPL-2.1")).allowed, "LGPL is not GPL-*");
    assert.ok(p.evaluate(rec("GPL-2 | MIT + file LICENSE")).allowed, "MIT can be chosen instead");
    assert.ok(!p.evaluate(rec("MIT and GPLv2")).allowed, "both apply");
    assert.ok(!p.evaluate(rec(undefined)).allowed, "unknown: deny");
    assert.match(p.evaluate(rec(undefined)).violations[0].reason, /unknown/);
    assert.match(p.evaluate(rec("GPL-3")).violations[0].reason, /GPL-3.0-only is denied \(GPL-\*\)/);
    const withException = policyOf(
      "licenses: { deny: ['GPL-*'], allow: ['GPL-3.0-or-later WITH GCC-exception-3.1', MIT, 'BSD-*'] }\n",
    );
    assert.ok(withException.evaluate(rec("GPL-3.0-or-later WITH GCC-exception-3.1")).allowed);
    assert.ok(!withException.evaluate(rec("GPL-3.0-or-later")).allowed);
    assert.ok(withException.evaluate(rec("BSD")).allowed);
    assert.ok(!withException.evaluate(rec("Apache 2.0")).allowed, "not in the allow list");
    // real data: numpy in index2 is BSD, readline GPL
    assert.ok(index2.get("readline").every((r) => !p.evaluate(r).allowed));
    assert.ok(index2.get("numpy").every((r) => p.evaluate(r).allowed));
  });

  it("channels: allow by canonical name, deny by URL glob", () => {
    const allow = policyOf("channels: { allow: [conda-forge] }\n");
    const r = index2.get("zlib")[0];
    assert.ok(!allow.evaluate(r).allowed);
    assert.match(allow.evaluate(r).violations[0].reason, /not an allowed channel/);
    const named = policyOf("channels: { allow: [conda-index2] }\n");
    assert.ok(named.evaluate(r).allowed);
    const rec = PackageRecord.fromJson(
      { name: "zlib", version: "1.2.11", build: "0", build_number: 0, depends: [] },
      {
        fn: "zlib-1.2.11-0.conda",
        channel: "https://repo.example.com/internal",
        subdir: "linux-64",
        baseUrl: "https://repo.example.com/internal/linux-64",
      },
    );
    const deny = policyOf("channels: { deny: ['https://repo.example.com/*'] }\n");
    assert.ok(!deny.evaluate(rec).allowed);
    assert.ok(deny.evaluate(r).allowed);
  });

  it("advisories: OSV ranges over conda versions, severity threshold, fixed version", () => {
    const osv = writeOsv();
    const p = policyOf(`advisories: { id: cves, files: [${JSON.stringify(osv)}] }\n`);
    const verdict = (name: string, version: string) => {
      const r = index2.get(name).find((x) => x.version === version);
      assert.ok(r, `${name} ${version} in conda-index2`);
      return p.evaluate(r);
    };
    assert.ok(!verdict("openssl", "1.0.1c").allowed);
    assert.ok(!verdict("openssl", "1.0.1g").allowed);
    assert.ok(verdict("openssl", "1.0.1h").allowed);
    assert.ok(verdict("openssl", "1.0.1k").allowed);
    const v = verdict("openssl", "1.0.1g").violations[0];
    assert.deepEqual(
      { ...v.advisory },
      { id: "OSV-TEST-0224", severity: "high", score: 7.4, fixed: "1.0.1h", summary: "CCS injection" },
    );
    assert.ok(!verdict("openssl", "1.0.2l").allowed, "by package name in another ecosystem");
    assert.ok(!verdict("zlib", "1.2.8").allowed, "last_affected is inclusive");
    const high = policyOf(`advisories: { files: [${JSON.stringify(osv)}], severity: high }\n`);
    const low = index2.get("openssl").find((x) => x.version === "1.0.2l")!;
    assert.ok(high.evaluate(low).allowed, "a LOW advisory is under the threshold");
    assert.equal(readAdvisoryFile(osv).length, 3);
  });

  it("min_release_age: newer records are excluded, missing timestamps per setting", () => {
    const idx = LocalIndex.shared(["conda-index4"]);
    const stamped = idx.get("numpy").filter((r) => r.timestamp !== undefined);
    assert.ok(stamped.length > 5);
    const newest = Math.max(...stamped.map((r) => r.timestamp!));
    const now = newest + 86_400_000;
    const p = policyOf("min_release_age: { id: quarantine, age: 30d }\n", { now });
    const young = stamped.filter((r) => r.timestamp! > now - 30 * 86_400_000);
    assert.ok(young.length > 0 && young.length < stamped.length);
    for (const r of stamped) assert.equal(p.evaluate(r).allowed, !young.includes(r));
    assert.match(p.evaluate(young[0]).violations[0].reason, /less than 30d ago/);
    const noStamp = PackageRecord.fromJson({
      name: "x",
      version: "1",
      build: "0",
      build_number: 0,
      depends: [],
    });
    assert.ok(p.evaluate(noStamp).allowed);
    const strict = policyOf("min_release_age: { age: 30d, missing_timestamp: deny, exempt: [y] }\n", { now });
    assert.ok(!strict.evaluate(noStamp).allowed);
  });

  it("virtual packages are never judged", () => {
    const p = policyOf("packages: { allow: [python] }\n");
    const v = PackageRecord.fromJson({
      name: "__glibc",
      version: "2.35",
      build: "0",
      build_number: 0,
      depends: [],
    });
    assert.ok(p.evaluate(v).allowed);
  });
});

describe("CVSS v3 base scores", () => {
  it("matches FIRST's calculator on known vectors", () => {
    assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
    assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10);
    assert.equal(cvss3BaseScore("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N"), 7.4);
    assert.equal(cvss3BaseScore("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"), 5.5);
    assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
    assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0);
    assert.equal(cvss3BaseScore("AV:N/AC:L/Au:N/C:P/I:P/A:P"), undefined);
  });
});

describe("enforcePolicy (installs that bypass the solver)", () => {
  it("throws PolicyViolationError naming each package, rule and reason", () => {
    const p = policyOf(
      "rules:\n  - id: no-gpl\n    reason: legal said no\n    licenses: { deny: ['GPL-*'] }\n",
    );
    const readline = index2.get("readline")[0];
    const zlib = index2.get("zlib")[0];
    assert.doesNotThrow(() => enforcePolicy([zlib], p));
    assert.throws(
      () => enforcePolicy([zlib, readline], p),
      (e: unknown) => {
        assert.ok(e instanceof PolicyViolationError);
        assert.equal(e.violations.length, 1);
        assert.equal(e.violations[0].package, `readline-${readline.version}-${readline.build}`);
        assert.match(
          e.message,
          /readline-.*: license 'GPL3': GPL-3.0-only is denied \(GPL-\*\) \(legal said no\) \[rule no-gpl\]/,
        );
        assert.equal(e.exceptionName, "PolicyViolationError");
        return true;
      },
    );
  });
});

describe("advisory file errors", () => {
  it("name the advisory file and the rule that points at it", () => {
    const file = join(dir, "broken-osv.json");
    writeFileSync(file, "{ not json");
    assert.throws(
      () => policyOf(`rules:\n  - id: cves\n    advisories: { files: [${JSON.stringify(file)}] }\n`),
      (e: unknown) => {
        assert.ok(e instanceof PolicyFileError);
        assert.equal(e.rule, "cves");
        assert.equal(e.file, file);
        assert.match(
          e.message,
          /broken-osv\.json \(rule 'cves', field 'files'\): advisory file cannot be read as JSON/,
        );
        return true;
      },
    );
    assert.throws(
      () => policyOf(`advisories: [${JSON.stringify(join(dir, "missing.json"))}]\n`),
      (e: unknown) => e instanceof PolicyFileError && /ENOENT/.test(e.message) && e.rule === "advisories",
    );
  });
});

describe("advisory ranges over OpenSSL-style letter releases", () => {
  it("reads 1.0.2 → 1.0.2a … 1.0.2k upstream's way (conda would put 1.0.2k before 1.0.2)", () => {
    const file = join(dir, "osv-102.json");
    writeFileSync(
      file,
      JSON.stringify({
        id: "OSV-TEST-102",
        affected: [
          {
            package: { ecosystem: "conda", name: "openssl" },
            ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "1.0.2" }, { fixed: "1.0.2k" }] }],
          },
        ],
      }),
    );
    const p = policyOf(`advisories: [${JSON.stringify(file)}]\n`);
    const affected = [
      ...new Set(
        index2
          .get("openssl")
          .filter((r) => !p.evaluate(r).allowed)
          .map((r) => r.version),
      ),
    ];
    assert.deepEqual(affected.sort(), ["1.0.2d", "1.0.2e", "1.0.2f", "1.0.2g", "1.0.2h", "1.0.2i", "1.0.2j"]);
  });
});
