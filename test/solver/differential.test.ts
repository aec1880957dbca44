import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PackageRecord } from "../../src/conda/package-record.js";
import { parseSolverSpec } from "../../src/solver/conda/spec.js";
import { solve } from "../../src/solver/conda/solve.js";
import { PackagesNotFoundError, UnsatisfiableError } from "../../src/solver/errors.js";
import { sharedData } from "../support/paths.js";
import { LocalIndex, linuxVirtualPackages } from "./local-index.js";
import { RattlerPeer } from "./rattler-peer.js";
import { compareSolutions } from "./solution-quality.js";

// Channel sets from the real snapshots; the two-channel set exercises strict channel priority.
const SETS = [
  ["conda-index1"],
  ["conda-index2"],
  ["conda-index4"],
  ["conda-index5"],
  ["conda-index5", "conda-index4"],
  ["anaconda-r", "anaconda-main"],
];
const PER_SET = 40;

function rng(seed: number) {
  return (k: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return (seed >>> 8) % k;
  };
}

/** Random requests: 1–3 names, half of them with a version bound taken from a real record. */
function requests(index: LocalIndex, n: number, seed: number): string[][] {
  const rnd = rng(seed);
  const names = index
    .names()
    .filter((x) => !x.startsWith("_"))
    .sort();
  const out: string[][] = [];
  while (out.length < n) {
    const specs: string[] = [];
    const k = 1 + rnd(3);
    for (let i = 0; i < k; i++) {
      const name = names[rnd(names.length)];
      if (specs.some((s) => s.split(" ")[0] === name)) continue;
      const recs = index.get(name);
      const v = recs[rnd(recs.length)].version;
      const form = rnd(6);
      specs.push(
        form === 0 ? `${name} >=${v}` : form === 1 ? `${name} <${v}` : form === 2 ? `${name} ${v}.*` : name,
      );
    }
    out.push(specs);
  }
  return out;
}

/** Every dependency and constraint of the solution holds, and each name appears once. */
function assertValid(records: PackageRecord[], virtuals: PackageRecord[], specs: string[]): void {
  const all = [...records, ...virtuals];
  const byName = new Map<string, PackageRecord>();
  for (const r of all) {
    assert.ok(!byName.has(r.name), `${r.name} installed twice`);
    byName.set(r.name, r);
  }
  const holds = (spec: string) => {
    const s = parseSolverSpec(spec);
    const r = byName.get(s.name);
    return r !== undefined && s.matches(r);
  };
  for (const s of specs) assert.ok(holds(s), `requested ${s} not satisfied`);
  for (const r of records) {
    for (const d of r.depends) assert.ok(holds(d), `${r.distName} needs ${d}`);
    for (const c of r.constrains) {
      const s = parseSolverSpec(c);
      const t = byName.get(s.name);
      assert.ok(!t || s.matches(t), `${r.distName} constrains ${c} but ${t?.distName} is installed`);
    }
  }
}

describe("differential: taipan vs @conda-org/rattler on the real snapshots", () => {
  for (const [k, set] of SETS.entries()) {
    it(`${PER_SET} generated requests on ${set.join(" > ")}`, async () => {
      const index = LocalIndex.shared(set);
      const peer = new RattlerPeer(
        set.map((c) => sharedData("channels", c)),
        ["linux-64", "noarch"],
      );
      const virtuals = linuxVirtualPackages();
      let agreeSat = 0;
      let identical = 0;
      let better = 0;
      let specDivergent = 0;
      for (const specs of requests(index, PER_SET, 1000 + k)) {
        let ours: PackageRecord[] | undefined;
        try {
          ours = solve({ specs, index, virtualPackages: virtuals }).records;
        } catch (e) {
          if (!(e instanceof UnsatisfiableError || e instanceof PackagesNotFoundError)) throw e;
        }
        const theirs = await peer.solve(specs, virtuals);
        if (ours && !theirs) {
          // Allowed only where rattler's version matching is stricter than conda's on a
          // dependency of our (valid) solution, e.g. conda's `1.0.2*` matches openssl 1.0.2l.
          assertValid(ours, virtuals, specs);
          const byName = new Map(ours.map((r) => [r.name, r]));
          const divergent = ours.some((r) =>
            r.depends.some((d) => {
              const t = byName.get(parseSolverSpec(d).name);
              return t !== undefined && !peer.versionMatches(d, t.version);
            }),
          );
          assert.ok(divergent, `rattler finds ${specs.join(" ")} unsatisfiable, taipan does not`);
          specDivergent++;
          continue;
        }
        assert.equal(ours !== undefined, theirs !== undefined, `sat/unsat differs for ${specs.join(" ")}`);
        if (!ours || !theirs) continue;
        agreeSat++;
        assertValid(ours, virtuals, specs);
        const a = ours.map((r) => r.distName).sort();
        const b = theirs.map((p) => `${p.name}-${p.version}-${p.build}`).sort();
        if (a.join() === b.join()) {
          identical++;
          continue;
        }
        const find = (p: { name: string; version: string; build: string }) =>
          index.get(p.name).find((r) => r.version === p.version && r.build === p.build)!;
        const theirRecords = theirs.map(find);
        const requested = specs.map((s) => parseSolverSpec(s).name);
        const c = compareSolutions(ours, theirRecords, requested, (n) => index.get(n), specs);
        assert.ok(
          c <= 0,
          `rattler's solution is better for ${specs.join(" ")}:\n ours   ${a.join(" ")}\n theirs ${b.join(" ")}`,
        );
        if (c < 0) better++;
      }
      assert.ok(agreeSat > 0);
      console.log(
        `# ${set.join(">")}: ${agreeSat} satisfiable, ${identical} identical, ${better} better than rattler, ${specDivergent} where rattler's version matching differs from conda's`,
      );
    });
  }
});
