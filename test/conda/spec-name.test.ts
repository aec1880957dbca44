import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { MatchSpec } from "../../src/conda/match-spec.js";
import { matchSpecName } from "../../src/conda/spec-name.js";
import { sharedData } from "../support/paths.js";

/** Every depends and constrains string of every repodata.json under shared/data/channels/<channel>/<subdir>/. */
function realSpecs(): Set<string> {
  const root = sharedData("channels");
  const specs = new Set<string>();
  for (const channel of readdirSync(root)) {
    for (const subdir of readdirSync(join(root, channel))) {
      let doc: Record<string, Record<string, { depends?: string[]; constrains?: string[] }> | undefined>;
      try {
        doc = JSON.parse(readFileSync(join(root, channel, subdir, "repodata.json"), "utf8"));
      } catch {
        continue; // not a subdir with repodata
      }
      for (const key of ["packages", "packages.conda"]) {
        for (const r of Object.values(doc[key] ?? {})) {
          for (const s of r.depends ?? []) specs.add(s);
          for (const s of r.constrains ?? []) specs.add(s);
        }
      }
    }
  }
  return specs;
}

describe("matchSpecName", () => {
  it("agrees with MatchSpec.parse(s).name on every real depends/constrains string", () => {
    const specs = realSpecs();
    assert.ok(specs.size > 1000, `expected many real specs, found ${specs.size}`);
    const wrong: string[] = [];
    for (const s of specs) {
      let expected: string | undefined;
      try {
        expected = MatchSpec.parse(s).name;
      } catch {
        expected = undefined;
      }
      if (matchSpecName(s) !== expected) wrong.push(`${s} → ${matchSpecName(s)} (MatchSpec: ${expected})`);
    }
    assert.deepEqual(wrong, []);
  });

  it("never disagrees with MatchSpec on a spec MatchSpec accepts (random spec-like strings)", () => {
    const pieces = [
      ..."abAB09_-.*^$ =<>!~[]():#@,|'/",
      "numpy",
      " if ",
      ".conda",
      ".tar.bz2",
      "::",
      "conda-forge",
      "1.2",
    ];
    const specLike = fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((a) => a.join(""));
    fc.assert(
      fc.property(specLike, (s) => {
        let full: string | undefined;
        try {
          full = MatchSpec.parse(s).name;
        } catch {
          return true; // rejected by the full parser: the plain-form shortcut may still name it
        }
        return matchSpecName(s) === full;
      }),
      { numRuns: 20000 },
    );
  });

  it("reads the name out of the forms the hand-written splits got wrong", () => {
    const cases: [string, string | undefined][] = [
      ["python >=3.8", "python"],
      ["python>=3.8,<4", "python"],
      ["numpy 1.21.*", "numpy"],
      ["libgcc-ng >=9.3.0 h5101ec6_17", "libgcc-ng"],
      ["conda-forge::numpy", "numpy"],
      ["conda-forge/linux-64::zlib==1.2.13", "zlib"],
      ["NumPy>=1", "numpy"],
      ["numpy[version='>=1.20']", "numpy"],
      ["numpy[build_number=3]>=1.2", "numpy"],
      ["python (target=x86_64)", "python"],
      ["numpy  # a comment", "numpy"],
      ["https://h.example/chan/linux-64/zlib-1.2.13-h5eee18b_0.conda", "zlib"],
      ["py*", "*"],
      ["*[track_features=mkl]", "*"],
      ["mkl@", "*"],
      ["", undefined],
      ["numpy[", undefined],
    ];
    for (const [spec, name] of cases) {
      assert.equal(matchSpecName(spec), name, spec);
      let full: string | undefined;
      try {
        full = MatchSpec.parse(spec).name;
      } catch {
        full = undefined;
      }
      assert.equal(matchSpecName(spec), full, `${spec} (vs MatchSpec)`);
    }
  });
});
