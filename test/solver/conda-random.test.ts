import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { PackageRecord } from "../../src/conda/package-record.js";
import { solve } from "../../src/solver/conda/solve.js";
import { parseSolverSpec } from "../../src/solver/conda/spec.js";
import { PackagesNotFoundError, UnsatisfiableError } from "../../src/solver/errors.js";
import { CondaObjective, compareObjectives } from "./conda-objective.js";
import { randomChannelArbs, valid, validEnvs as validEnvsOf } from "./random-channel.js";

// Small random channels (4 names × up to 3 versions, random depends / constrains with version
// bounds) solved by taipan and checked against exhaustive enumeration of every environment.
const NAMES = ["a", "b", "c", "d"];
const { specArb, problemArb } = randomChannelArbs({ names: NAMES, maxRecords: 9 });
const validEnvs = (records: PackageRecord[], request: string[]) => validEnvsOf(NAMES, records, request);

function bruteForce(records: PackageRecord[], request: string[]): boolean {
  return validEnvs(records, request).length > 0;
}

/**
 * conda's first objective (eq_req_v): the sum over the requested specs of the chosen version's
 * rank among the versions that spec allows (0 = its highest). Distinct specs of one name each count.
 */
function requestedRankSum(
  env: Map<string, PackageRecord>,
  request: string[],
  records: PackageRecord[],
): number {
  let sum = 0;
  for (const text of new Set(request)) {
    const s = parseSolverSpec(text);
    const chosen = env.get(s.name);
    if (!chosen) continue;
    const allowed = new Set(
      records.filter((r) => r.name === s.name && s.matches(r)).map((r) => Number(r.version)),
    );
    sum += [...allowed].filter((v) => v > Number(chosen.version)).length;
  }
  return sum;
}

describe("conda encoding on random small channels", () => {
  it("agrees with exhaustive enumeration and returns valid environments", () => {
    fc.assert(
      fc.property(problemArb, ({ records, request }) => {
        const recs = records.map((r) =>
          PackageRecord.fromJson({ ...r, build: "0" }, { channel: "c", subdir: "linux-64" }),
        );
        const index = { get: (n: string) => recs.filter((r) => r.name === n) };
        let got: PackageRecord[] | undefined;
        try {
          got = solve({ specs: request, index, virtualPackages: [] }).records;
        } catch (e) {
          if (e instanceof PackagesNotFoundError) {
            // a requested spec that matches no record makes every environment invalid too
            assert.equal(bruteForce(recs, request), false);
            return;
          }
          if (!(e instanceof UnsatisfiableError)) throw e;
        }
        const expected = bruteForce(recs, request);
        assert.equal(got !== undefined, expected, `request ${request.join(", ")}`);
        if (got) {
          const env = new Map(got.map((r) => [r.name, r]));
          assert.equal(env.size, got.length, "one record per name");
          assert.ok(valid(env, request), `invalid environment ${got.map((r) => r.distName).join(" ")}`);
          // no valid environment has better versions of the requested packages, as conda sums them
          const mine = requestedRankSum(env, request, recs);
          for (const other of validEnvs(recs, request))
            assert.ok(
              requestedRankSum(other, request, recs) >= mine,
              `better: ${[...other.values()].map((r) => r.distName).join(" ")}`,
            );
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe("conda's summed objective on random small channels", () => {
  // conda/resolve.py minimises sums level by level over the records of its reduced index (see
  // conda-objective.ts): the requested packages' version and build steps, the other packages'
  // version and build steps, then how many unrequested packages are installed, then timestamps.
  // Compared here against every environment, on channels whose versions come in several build
  // numbers with a few timestamps.
  const { problemArb: buildProblemArb } = randomChannelArbs({
    names: NAMES,
    maxRecords: 10,
    buildNumbers: [0, 1, 2],
    timestamps: [1_700_000_000, 1_700_000_100],
  });

  it("no valid environment is better by conda's levels, level by level", () => {
    let compared = 0;
    fc.assert(
      fc.property(buildProblemArb, ({ records, request }) => {
        const recs = records.map((r) =>
          PackageRecord.fromJson({ ...r, build: `b${r.build_number}` }, { channel: "c", subdir: "linux-64" }),
        );
        let got: PackageRecord[];
        try {
          got = solve({
            specs: request,
            index: { get: (n: string) => recs.filter((r) => r.name === n) },
          }).records;
        } catch {
          return;
        }
        compared++;
        const objective = new CondaObjective(recs, request, { priority: "strict", channelRank: () => 0 });
        const mine = objective.of(new Map(got.map((r) => [r.name, r])));
        assert.ok(
          mine,
          `taipan's solution uses a record conda's reduced index drops: ${got.map((r) => r.distName)}`,
        );
        for (const other of validEnvs([...objective.reduced.values()].flat(), request)) {
          const o = objective.of(other)!;
          assert.ok(
            compareObjectives(o, mine) >= 0,
            `better for ${request.join(", ")}: ${[...other.values()].map((r) => r.distName).join(" ")} (${o}) than ${got.map((r) => r.distName).join(" ")} (${mine})`,
          );
        }
      }),
      { numRuns: 1500, seed: 20261126 },
    );
    assert.ok(compared > 300, `enough solvable cases (${compared})`);
  });
});

describe("conda's levels with two channels, noarch builds and each channel priority", () => {
  // the same oracle with channel steps (flexible), channel-within-version steps (disabled) and
  // arch-over-noarch steps in play
  const CHANNELS = ["c0", "c1"];
  const { problemArb: mixedArb } = randomChannelArbs({
    names: NAMES,
    maxRecords: 12,
    buildNumbers: [0, 1],
    channels: CHANNELS,
    subdirs: ["linux-64", "noarch"],
  });
  const rank = (r: PackageRecord) => CHANNELS.indexOf(r.channel ?? "");

  for (const priority of ["strict", "flexible", "disabled"] as const)
    it(`no valid environment is better by conda's levels (${priority} priority)`, () => {
      let compared = 0;
      fc.assert(
        fc.property(mixedArb, ({ records, request }) => {
          const recs = records.map((r) => {
            const subdir = r.subdir ?? "linux-64";
            return PackageRecord.fromJson(
              { ...r, build: `${subdir === "noarch" ? "pyh" : "h"}_${r.build_number}`, subdir },
              { channel: r.channel ?? "c0", subdir },
            );
          });
          const index = {
            get: (n: string) => recs.filter((r) => r.name === n).sort((a, b) => rank(a) - rank(b)),
            channelRank: rank,
          };
          let got: PackageRecord[];
          try {
            got = solve({ specs: request, index, channelPriority: priority }).records;
          } catch {
            return;
          }
          compared++;
          const objective = new CondaObjective(recs, request, { priority, channelRank: rank });
          const mine = objective.of(new Map(got.map((r) => [r.name, r])));
          assert.ok(mine, `outside conda's reduced index: ${got.map((r) => `${r.channel}::${r.distName}`)}`);
          for (const other of validEnvs([...objective.reduced.values()].flat(), request)) {
            const o = objective.of(other)!;
            assert.ok(
              compareObjectives(o, mine) >= 0,
              `better for ${request.join(", ")}: ${[...other.values()].map((r) => `${r.channel}::${r.distName}`).join(" ")} (${o}) than ${got.map((r) => `${r.channel}::${r.distName}`).join(" ")} (${mine})`,
            );
          }
        }),
        { numRuns: 600, seed: 20261127 },
      );
      assert.ok(compared > 150, `enough solvable cases (${compared})`);
    });
});

describe("conda's levels for a request into an installed environment (update_specs)", () => {
  // the environment taipan made for a first request, then a second request with its packages
  // kept where possible: conda's update count comes right after the requested levels; two
  // channels carry builds of the same name-version-build
  const CHANNELS = ["c0", "c1"];
  const { problemArb: twoChannelArb, specArb: anySpec } = randomChannelArbs({
    names: NAMES,
    maxRecords: 12,
    buildNumbers: [0, 1],
    channels: CHANNELS,
  });
  const rank = (r: PackageRecord) => CHANNELS.indexOf(r.channel ?? "");

  it("no valid environment is better by conda's levels, the update count among them", () => {
    let compared = 0;
    fc.assert(
      fc.property(
        twoChannelArb,
        fc.array(anySpec, { minLength: 1, maxLength: 2 }),
        ({ records, request }, first) => {
          const recs = records.map((r) =>
            PackageRecord.fromJson(
              { ...r, build: `h_${r.build_number}` },
              { channel: r.channel ?? "c0", subdir: "linux-64" },
            ),
          );
          const index = {
            get: (n: string) => recs.filter((r) => r.name === n).sort((a, b) => rank(a) - rank(b)),
            channelRank: rank,
          };
          let installed: PackageRecord[];
          let got: PackageRecord[];
          try {
            installed = solve({ specs: first, index, channelPriority: "flexible" }).records;
            got = solve({
              specs: request,
              index,
              channelPriority: "flexible",
              installed,
              updateModifier: "update_specs",
            }).records;
          } catch {
            return;
          }
          compared++;
          const objective = new CondaObjective(recs, request, {
            priority: "flexible",
            channelRank: rank,
            installed: new Map(installed.map((r) => [r.name, r])),
          });
          const mine = objective.of(new Map(got.map((r) => [r.name, r])));
          assert.ok(mine, `outside conda's reduced index: ${got.map((r) => `${r.channel}::${r.distName}`)}`);
          const named = new Set(request.map((q) => parseSolverSpec(q).name));
          const required = [...request, ...installed.filter((r) => !named.has(r.name)).map((r) => r.name)];
          for (const other of validEnvs([...objective.reduced.values()].flat(), required)) {
            const o = objective.of(other)!;
            assert.ok(
              compareObjectives(o, mine) >= 0,
              `better for ${request.join(", ")} into ${installed.map((r) => `${r.channel}::${r.distName}`).join(" ")}: ${[...other.values()].map((r) => `${r.channel}::${r.distName}`).join(" ")} (${o}) than ${got.map((r) => `${r.channel}::${r.distName}`).join(" ")} (${mine})`,
            );
          }
        },
      ),
      { numRuns: 2000, seed: 20261128 },
    );
    assert.ok(compared > 200, `enough solvable cases (${compared})`);
  });
});

describe("unsatisfiable requests on random small channels", () => {
  it("name a conflicting set of requested specs that is minimal", () => {
    const requestArb = fc.array(specArb, { minLength: 2, maxLength: 4 });
    let checked = 0;
    fc.assert(
      fc.property(problemArb, requestArb, ({ records }, request) => {
        const recs = records.map((r) =>
          PackageRecord.fromJson({ ...r, build: "0" }, { channel: "c", subdir: "linux-64" }),
        );
        const index = { get: (n: string) => recs.filter((r) => r.name === n) };
        let err: unknown;
        try {
          solve({ specs: request, index, virtualPackages: [] });
          return;
        } catch (e) {
          err = e;
        }
        if (!(err instanceof UnsatisfiableError)) return;
        const text = (s: string) => parseSolverSpec(s).toString();
        const named = [...new Set(err.specs)];
        const chosen = request.filter((s) => named.includes(text(s)));
        assert.equal(new Set(chosen.map(text)).size, named.length, `${named} all come from ${request}`);
        assert.equal(bruteForce(recs, chosen), false, `the named specs ${named} conflict on their own`);
        if (chosen.length > 1)
          for (const drop of chosen)
            assert.ok(
              bruteForce(
                recs,
                chosen.filter((s) => s !== drop),
              ),
              `minimal: without ${drop} the rest of ${named} is satisfiable (request ${request.join(", ")})`,
            );
        checked++;
      }),
      { numRuns: 1500 },
    );
    assert.ok(checked > 50, `enough unsatisfiable cases (${checked})`);
  });
});
