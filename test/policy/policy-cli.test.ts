// The policy through the real command line (a subprocess in an isolated sandbox): solve-time
// enforcement in `create`, `taipan audit` and `taipan sbom`.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { looksLikeCrash, Sandbox } from "../cli/support/cli-sandbox.js";
import { sharedData } from "../support/paths.js";

let sb: Sandbox;
const CHANNEL = sharedData("channels", "conda-index2");
// Fixed virtual packages, so the host cannot change the answer.
const ENV = { CONDA_OVERRIDE_GLIBC: "2.35", CONDA_OVERRIDE_LINUX: "6.5", CONDA_OVERRIDE_CUDA: "" };

before(async () => {
  sb = await Sandbox.create("policy");
  writeFileSync(
    sb.path("no-py3.yaml"),
    "rules:\n  - id: no-py3\n    reason: Python 3 is not approved yet\n    packages: { deny: ['python >=3'] }\n",
  );
  writeFileSync(
    sb.path("osv.json"),
    JSON.stringify({
      id: "OSV-TEST-0224",
      aliases: ["CVE-2014-0224"],
      summary: "CCS injection",
      database_specific: { severity: "HIGH" },
      affected: [
        {
          package: { ecosystem: "conda", name: "openssl" },
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.0.2q" }] }],
        },
      ],
    }),
  );
  writeFileSync(sb.path("cves.yaml"), "advisories: { id: cves, files: [osv.json], severity: medium }\n");
  writeFileSync(sb.path("gpl.yaml"), "rules:\n  - id: no-gpl\n    licenses: { deny: ['GPL-*'] }\n");
  writeFileSync(
    sb.path("mit-only.yaml"),
    "rules:\n  - id: mit-only\n    licenses: { allow: [MIT, PSF-*, 'BSD-*', OpenSSL, ISC, Zlib, 'GPL-*', TCL, 'Free software*', 'LicenseRef-Public-Domain'] }\n",
  );
  writeFileSync(
    sb.path("broken.yaml"),
    "rules:\n  - id: oops\n    licenses: { deny: [GPL], unknown: perhaps }\n",
  );
  // a real environment recorded by conda (python 2.7, openssl 1.0.2p, readline GPL-3)
  cpSync(sharedData("conda-meta", "conda-env-metadata", "envpy27osx"), sb.path("env"), { recursive: true });
});
after(() => sb.cleanup());

function dryRun(extra: string[], env: Record<string, string> = {}) {
  return sb.run(
    [
      "create",
      "--dry-run",
      "--json",
      "-p",
      sb.path("new"),
      "-c",
      CHANNEL,
      "--override-channels",
      "--platform",
      "linux-64",
      ...extra,
    ],
    { env: { ...ENV, ...env } },
  );
}

function linked(stdout: string): Map<string, string> {
  const out = JSON.parse(stdout) as { actions: { LINK: { name: string; version: string }[] } };
  return new Map(out.actions.LINK.map((l) => [l.name, l.version]));
}

describe("taipan create under a policy", () => {
  it("picks the newest allowed version, and fails naming the rule when none is allowed", async () => {
    const [free, held, blocked, human] = await Promise.all([
      dryRun(["python"]),
      dryRun(["python"], { TAIPAN_POLICY: sb.path("no-py3.yaml") }),
      dryRun(["python >=3.4"], { TAIPAN_POLICY: sb.path("no-py3.yaml") }),
      sb.run(
        [
          "create",
          "--dry-run",
          "-p",
          sb.path("new"),
          "-c",
          CHANNEL,
          "--override-channels",
          "--platform",
          "linux-64",
          "python >=3.4",
        ],
        {
          env: { ...ENV, TAIPAN_POLICY: sb.path("no-py3.yaml") },
        },
      ),
    ]);
    assert.equal(free.code, 0, free.stderr);
    assert.match(linked(free.stdout).get("python") ?? "", /^3\./);
    assert.equal(held.code, 0, held.stderr);
    assert.equal(linked(held.stdout).get("python"), "2.7.13");

    assert.equal(blocked.code, 1);
    const err = JSON.parse(blocked.stdout) as Record<string, string>;
    assert.equal(err.success as unknown, false);
    assert.equal(err.exception_name, "PackagesNotFoundError");
    assert.match(
      err.message,
      /excluded \(by policy rule 'no-py3': matches denied spec python\[version='>=3'\] \(Python 3 is not approved yet\)\)/,
    );
    assert.equal(human.code, 1);
    assert.match(human.stderr, /policy rule 'no-py3'/);
    assert.ok(!looksLikeCrash(human.stderr), human.stderr);
  });

  it("reads policy_file from .condarc, and reports a broken policy file by file, rule and field", async () => {
    mkdirSync(sb.home, { recursive: true });
    writeFileSync(join(sb.home, ".condarc"), `policy_file: ${sb.path("cves.yaml")}\n`);
    try {
      const [withAdvisory, broken] = await Promise.all([
        dryRun(["openssl"]),
        dryRun(["openssl"], { TAIPAN_POLICY: sb.path("broken.yaml") }),
      ]);
      // every openssl in conda-index2 is before 1.0.2q: all excluded by the advisory
      assert.equal(withAdvisory.code, 1, withAdvisory.stdout);
      const msg = (JSON.parse(withAdvisory.stdout) as { message: string }).message;
      assert.match(msg, /policy rule 'cves': affected by OSV-TEST-0224 \(high\), fixed in 1\.0\.2q/);
      assert.equal(broken.code, 1);
      const b = JSON.parse(broken.stdout) as Record<string, string>;
      assert.equal(b.exception_name, "PolicyFileError");
      assert.match(b.message, /broken\.yaml \(rule 'oops', field 'unknown'\)/);
    } finally {
      writeFileSync(join(sb.home, ".condarc"), "");
    }
  });
});

describe("taipan install under the environment's own conda-meta/policy.yaml", () => {
  it("keeps the denied versions out of the solve", async () => {
    const env = sb.path("env3");
    await sb.ok(["create", "-y", "-p", env]);
    writeFileSync(
      join(env, "conda-meta", "policy.yaml"),
      "rules:\n  - id: ssl-101\n    reason: certified build only\n    packages: { deny: ['openssl 1.0.2*'] }\n",
    );
    const args = [
      "install",
      "--dry-run",
      "--json",
      "-p",
      env,
      "-c",
      CHANNEL,
      "--override-channels",
      "--platform",
      "linux-64",
    ];
    const [ok, denied] = await Promise.all([
      sb.run([...args, "openssl"], { env: ENV }),
      sb.run([...args, "openssl=1.0.2l"], { env: ENV }),
    ]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(linked(ok.stdout).get("openssl"), "1.0.1k");
    assert.equal(denied.code, 1, denied.stdout);
    assert.match(
      (JSON.parse(denied.stdout) as { message: string }).message,
      /openssl 1\.0\.2l is excluded \(by policy rule 'ssl-101': matches denied spec openssl=1\.0\.2 \(certified build only\)\)/,
    );
  });
});

describe("taipan audit", () => {
  it("lists violations with rule, reason and advisory, and exits 1", async () => {
    const [table, json, clean, none, own] = await Promise.all([
      sb.run([
        "audit",
        "-p",
        sb.path("env"),
        "--policy",
        sb.path("gpl.yaml"),
        "--advisories",
        sb.path("osv.json"),
      ]),
      sb.run([
        "audit",
        "-p",
        sb.path("env"),
        "--policy",
        sb.path("gpl.yaml"),
        "--advisories",
        sb.path("osv.json"),
        "--json",
      ]),
      sb.run(["audit", "-p", sb.path("env"), "--policy", sb.path("mit-only.yaml")]),
      sb.run(["audit", "-p", sb.path("env")]),
      (async () => {
        cpSync(sb.path("env"), sb.path("env2"), { recursive: true });
        writeFileSync(
          sb.path("env2", "conda-meta", "policy.yaml"),
          "packages: { id: pinned-ssl, deny: ['openssl <1.1'] }\n",
        );
        return sb.run(["audit", "-p", sb.path("env2"), "--json"]);
      })(),
    ]);
    assert.equal(table.code, 1, table.stderr);
    assert.match(table.stdout, /Audited 16 packages/);
    assert.match(table.stdout, /readline\s+7\.0\s+\S+\s+no-gpl\s+license 'GPL3': GPL-3.0-only is denied/);
    assert.match(
      table.stdout,
      /openssl\s+1\.0\.2p\s+\S+\s+advisories\s+OSV-TEST-0224\s+high\s+1\.0\.2q\s+affected by/,
    );

    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as {
      success: boolean;
      checked: number;
      violations: {
        name: string;
        violations: { rule: string; advisory?: { id: string; fixed: string } }[];
      }[];
    };
    assert.equal(report.success, false);
    assert.equal(report.checked, 16);
    assert.deepEqual(report.violations.map((v) => v.name).sort(), ["openssl", "readline"]);
    const ssl = report.violations.find((v) => v.name === "openssl")!;
    assert.deepEqual(ssl.violations[0].advisory, {
      id: "OSV-TEST-0224",
      severity: "high",
      fixed: "1.0.2q",
      summary: "CCS injection",
    });

    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /No violations found/);

    assert.equal(none.code, 1);
    assert.match(none.stderr, /no policy or advisories apply/);
    assert.ok(!looksLikeCrash(none.stderr), none.stderr);

    assert.equal(own.code, 1, own.stderr);
    const ownReport = JSON.parse(own.stdout) as {
      violations: { name: string; violations: { rule: string }[] }[];
    };
    assert.deepEqual(
      ownReport.violations.map((v) => [v.name, v.violations[0].rule]),
      [["openssl", "pinned-ssl"]],
    );
  });
});

describe("taipan sbom", () => {
  it("writes CycloneDX to stdout and SPDX to a file", async () => {
    const [cdx, spdx] = await Promise.all([
      sb.run(["sbom", "-p", sb.path("env")]),
      sb.run(["sbom", "-p", sb.path("env"), "--format", "spdx", "-o", sb.path("env.spdx.json")]),
    ]);
    assert.equal(cdx.code, 0, cdx.stderr);
    const bom = JSON.parse(cdx.stdout) as {
      specVersion: string;
      components: { purl: string }[];
      dependencies: { ref: string }[];
    };
    assert.equal(bom.specVersion, "1.5");
    assert.equal(bom.components.length, 16);
    assert.ok(
      bom.components.some((c) =>
        c.purl.startsWith("pkg:conda/openssl@1.0.2p?build=h1de35cc_0&channel=defaults&subdir=osx-64"),
      ),
    );
    assert.equal(spdx.code, 0, spdx.stderr);
    assert.equal(spdx.stdout, "");
    assert.match(spdx.stderr, /Wrote the SPDX 2\.3 SBOM of 16 packages/);
    const doc = JSON.parse(readFileSync(sb.path("env.spdx.json"), "utf8")) as {
      spdxVersion: string;
      packages: unknown[];
    };
    assert.equal(doc.spdxVersion, "SPDX-2.3");
    assert.equal(doc.packages.length, 16);
  });
});
