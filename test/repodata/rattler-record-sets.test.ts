// The real snapshots in ../shared/data/channels give the same record sets through taipan's reader
// as through @conda-org/rattler's. rattler's wasm build exports no repodata reader, so its solver
// is the probe: with depends stripped, an exact `name ==version build` request is solvable exactly
// when rattler's reader kept that record. A deterministic sample of every snapshot's distinct
// name-version-build keys (from `packages`, `packages.conda` and `removed`) must agree both ways.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RepodataGateway } from "../../src/repodata/gateway.js";
import { RattlerPeer } from "../solver/rattler-peer.js";
import { sharedData } from "../support/paths.js";

const PER_CHANNEL = 120;

function archiveStem(fn: string): string {
  return fn.replace(/\.(conda|tar\.bz2)$/, "");
}

/** A small deterministic PRNG (mulberry32), so the sample is the same on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("record sets agree with rattler's reader", () => {
  const root = sharedData("channels");
  for (const channel of readdirSync(root).sort()) {
    const dir = join(root, channel);
    const subdirs = readdirSync(dir).filter((s) => statSync(join(dir, s)).isDirectory());
    const platform = subdirs.find((s) => s !== "noarch") ?? "linux-64";
    it(channel, async () => {
      // Every key the files mention, including removed ones and tar.bz2/conda twins.
      const keys = new Map<string, { name: string; version: string; build: string }>();
      const removed: { name: string; version: string; build: string }[] = [];
      for (const sd of subdirs) {
        const json = JSON.parse(readFileSync(join(dir, sd, "repodata.json"), "utf8")) as Record<
          string,
          unknown
        >;
        for (const group of ["packages", "packages.conda"]) {
          for (const rec of Object.values((json[group] ?? {}) as Record<string, Record<string, unknown>>)) {
            if (typeof rec.name !== "string" || rec.version == null || typeof rec.build !== "string")
              continue;
            const k = `${rec.name}-${rec.version}-${rec.build}`;
            keys.set(k, { name: rec.name, version: String(rec.version), build: rec.build });
          }
        }
        for (const fn of (json.removed ?? []) as string[]) {
          const m = /^(.+)-([^-]+)-([^-]+)$/.exec(archiveStem(fn));
          if (m) {
            const k = { name: m[1]!, version: m[2]!, build: m[3]! };
            keys.set(m[0], k);
            removed.push(k);
          }
        }
      }
      const gw = new RepodataGateway({});
      const index = await gw.load({ channels: [dir], subdirs: [platform, "noarch"] });
      await gw.close();
      const next = rng(channel.length * 7919);
      const all = [...keys.values()].sort((a, b) =>
        a.name + a.version + a.build < b.name + b.version + b.build ? -1 : 1,
      );
      // The sample, plus every removed entry (each must be absent from both readers).
      const sample = [
        ...Array.from(
          { length: Math.min(PER_CHANNEL, all.length) },
          () => all[Math.floor(next() * all.length)]!,
        ),
        ...removed,
      ];
      const peer = new RattlerPeer([dir], [platform, "noarch"], { stripDepends: true });
      const disagreements: string[] = [];
      for (const k of sample) {
        const ours = index.get(k.name).some((r) => r.version === k.version && r.build === k.build);
        const theirs = await peer.solve([`${k.name} ==${k.version} ${k.build}`], [], platform);
        const found =
          theirs?.some((p) => p.name === k.name && p.version === k.version && p.build === k.build) ?? false;
        if (ours !== found)
          disagreements.push(`${k.name}-${k.version}-${k.build}: taipan ${ours}, rattler ${found}`);
      }
      assert.deepEqual(disagreements, []);
    });
  }
});
