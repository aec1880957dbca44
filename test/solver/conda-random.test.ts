import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { PackageRecord } from "../../src/conda/package-record.js";
import { solve } from "../../src/solver/conda/solve.js";
import { parseSolverSpec } from "../../src/solver/conda/spec.js";
import { PackagesNotFoundError, UnsatisfiableError } from "../../src/solver/errors.js";
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
  // conda/resolve.py minimises sums level by level: the requested packages' version ranks, their
  // build ranks, then the other packages' version ranks and build ranks. Compared here against
  // every environment, on channels whose versions come in several build numbers.
  const { problemArb: buildProblemArb } = randomChannelArbs({
    names: NAMES,
    maxRecords: 10,
    buildNumbers: [0, 1, 2],
  });
  const distinct = (xs: number[]) => new Set(xs).size;
  const objective = (env: Map<string, PackageRecord>, records: PackageRecord[], request: string[]) => {
    const specs = request.map((t) => parseSolverSpec(t));
    const out = [0, 0, 0, 0];
    for (const r of env.values()) {
      const own = specs.filter((s) => s.name === r.name);
      const pool = records.filter((x) => x.name === r.name && own.every((s) => s.matches(x)));
      const v = distinct(
        pool.filter((x) => Number(x.version) > Number(r.version)).map((x) => Number(x.version)),
      );
      const b = distinct(
        pool
          .filter((x) => x.version === r.version && x.build_number > r.build_number)
          .map((x) => x.build_number),
      );
      const level = own.length ? 0 : 2;
      out[level] += v;
      out[level + 1] += b;
    }
    return out;
  };
  const worse = (o: number[], mine: number[]) => {
    for (let i = 0; i < o.length; i++) if (o[i] !== mine[i]) return o[i] > mine[i];
    return true;
  };

  it("no valid environment is better by the summed version and build ranks, level by level", () => {
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
        const mine = objective(new Map(got.map((r) => [r.name, r])), recs, request);
        for (const other of validEnvs(recs, request)) {
          const o = objective(other, recs, request);
          assert.ok(
            worse(o, mine),
            `better for ${request.join(", ")}: ${[...other.values()].map((r) => r.distName).join(" ")} (${o}) than ${got.map((r) => r.distName).join(" ")} (${mine})`,
          );
        }
      }),
      { numRuns: 1500, seed: 20261126 },
    );
    assert.ok(compared > 300, `enough solvable cases (${compared})`);
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
