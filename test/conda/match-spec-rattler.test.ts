// Differential test of MatchSpec.matches against rattler. @conda-org/rattler 0.3.5 has no MatchSpec
// class, so the oracle asks its solver: a record matches a spec iff simpleSolve([spec]) over a channel
// holding only that record (depends stripped) installs it (the approach of shared/peers/rattler-api-demo.mjs).
// The channel is served by a fetch() stand-in, never the network.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { MatchSpec } from "../../src/conda/match-spec.js";
import { PackageRecord } from "../../src/conda/package-record.js";

interface Solved {
  packageName: string;
}
const rattler = createRequire(import.meta.url)("@conda-org/rattler") as {
  simpleSolve(specs: string[], channels: string[], platforms: string[], locked: null): Promise<Solved[]>;
};

let served = { subdir: "", json: "" };
function respond(body: string, status: number, url: string): Response {
  const r = new Response(body, { status });
  Object.defineProperty(r, "url", { value: url });
  return r;
}
globalThis.fetch = (async (req: Request | string | URL) => {
  const url = typeof req === "string" ? req : req instanceof URL ? req.href : req.url;
  const m = /^http:\/\/oracle\.invalid\/ch\/([^/]+)\/repodata\.json$/.exec(url);
  if (m === null) return respond("not found", 404, url);
  const body =
    m[1] === served.subdir ? served.json : JSON.stringify({ info: { subdir: m[1] }, packages: {} });
  return respond(body, 200, url);
}) as typeof fetch;

async function rattlerMatches(spec: string, record: Record<string, unknown>): Promise<boolean> {
  const r = { build_number: 0, ...record, depends: [], constrains: [] } as Record<string, unknown>;
  const subdir = String(r.subdir);
  served = {
    subdir,
    json: JSON.stringify({
      info: { subdir },
      packages: { [`${r.name}-${r.version}-${r.build}.tar.bz2`]: r },
    }),
  };
  try {
    const out = await rattler.simpleSolve(
      [spec],
      ["http://oracle.invalid/ch"],
      [subdir === "noarch" ? "linux-64" : subdir, "noarch"],
      null,
    );
    return out.some((p) => p.packageName === r.name);
  } catch (e) {
    if (/cannot be installed|No candidates|no viable options/i.test(String((e as Error)?.message ?? e)))
      return false;
    throw e;
  }
}

const RECORDS: Record<string, unknown>[] = [
  {
    name: "numpy",
    version: "1.26.4",
    build: "py311h8e6699e_0",
    build_number: 0,
    subdir: "linux-64",
    license: "BSD-3-Clause",
    md5: "0123456789abcdef0123456789abcdef",
  },
  { name: "numpy", version: "1.26.0rc1", build: "py39_2", build_number: 2, subdir: "linux-64" },
  { name: "openssl", version: "1.1.1w", build: "h7f8727e_0", build_number: 0, subdir: "linux-64" },
  { name: "python", version: "3.11.9", build: "hb806964_0_cpython", build_number: 0, subdir: "linux-64" },
  { name: "tzdata", version: "2024a", build: "h0c530f3_0", build_number: 0, subdir: "noarch" },
];

// Specs with exact names only: rattler's solver panics on name globs ("only exact package names are supported").
const SPECS = [
  "numpy",
  "numpy 1.26.*",
  "numpy >=1.26,<2",
  "numpy 1.26.4 py311*",
  "numpy=1.26=py311*",
  'numpy[build_number=">=1"]',
  'numpy[version=">=1.20", build="*_0"]',
  "numpy 2.*",
  "numpy==1.26",
  "numpy 1.26",
  "numpy=1.26",
  "numpy[subdir=linux-64]",
  "numpy[license=BSD-3-Clause]",
  "numpy[md5=0123456789abcdef0123456789abcdef]",
  "numpy >=1.26.0rc1",
  "numpy <1.26",
  "numpy 1.26.0rc1",
  "numpy !=1.26.4",
  "numpy ~=1.25",
  "numpy * *_2",
  "numpy * py39*",
  "numpy[build=py39_2]",
  "numpy[build_number=2]",
  "numpy[build_number='<2']",
  "numpy >=1.26.0rc1 py39_2",
  "numpy=1.26.0rc1=py39_2",
  "openssl >=1.1.1",
  "openssl >=1.1.1a,<1.1.2",
  "openssl 1.1.1w h7f8727e_0",
  "openssl=1.1.1w=h7f8727e_0",
  "openssl ==1.1.1w",
  "python 3.11.*",
  "python >=3.11,<3.12.0a0",
  "python 3.11.* *_cpython",
  "python=3.11",
  "python 3.1.*",
  "python[build=*cpython]",
  "python ~=3.11.0",
  "python >=3.8|<3",
  "tzdata",
  "tzdata >=2023c",
  "tzdata 2024a",
];

// conda VersionOrder.startswith compares the last given component by its leading number, so a glob or
// '=' prefix matches letter-suffixed versions (1.1.1w starts with 1.1.1; 1.26.0rc1 with 1.26.0); rattler's
// glob excludes them. conda decides (see version-rattler.test.ts for the same rule on VersionSpec).
const PINNED: [string, string, boolean][] = [
  ["openssl 1.1.1*", "1.1.1w", true],
  ["openssl=1.1.1", "1.1.1w", true],
  ["numpy=1.26.0", "1.26.0rc1", true],
  ["tzdata 2024*", "2024a", true],
  ["tzdata=2024", "2024a", true],
];

test("MatchSpec.matches agrees with rattler's solver on real-looking records", async () => {
  for (const spec of SPECS) {
    const ms = MatchSpec.parse(spec);
    for (const r of RECORDS) {
      const ours = ms.matches(PackageRecord.fromJson(r));
      assert.equal(ours, await rattlerMatches(spec, r), `${spec} ~ ${r.name}-${r.version}-${r.build}`);
    }
  }
});

test("pinned: glob and '=' prefixes match letter-suffixed versions, as in conda", async () => {
  for (const [spec, version, conda] of PINNED) {
    const r = RECORDS.find((x) => x.version === version) as Record<string, unknown>;
    assert.equal(MatchSpec.parse(spec).matches(PackageRecord.fromJson(r)), conda, spec);
    assert.equal(await rattlerMatches(spec, r), !conda, `rattler ${spec}`);
  }
});
