// How far taipan's choice is from conda's own objective, measured on random small channels where
// every environment can be enumerated. conda (conda/resolve.py `Resolve.solve`) minimises *sums*
// level by level: version ranks of the requested packages, then (features and requested builds
// aside, constant here) version ranks of every other package, then the number of packages no spec
// names. taipan's improvement pass (src/solver/conda/optimize.ts) minimises those sums too (with a
// per-package pass settling ties); this prints how often its choice still differs from an
// exhaustive search under conda's order, and shows a few of the cases; it asserts nothing.
//   node --import tsx bench/objective-gap.ts [--runs 3000] [--seed 7]
import fc from "fast-check";
import { PackageRecord } from "../src/conda/package-record.js";
import { solve } from "../src/solver/conda/solve.js";
import { parseSolverSpec } from "../src/solver/conda/spec.js";
import { type Env, randomChannelArbs, validEnvs } from "../test/solver/random-channel.js";

const argv = process.argv.slice(2);
const opt = (k: string, d: number) => {
  const i = argv.indexOf(k);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const NAMES = ["a", "b", "c", "d", "e"];
const { problemArb } = randomChannelArbs({ names: NAMES, maxRecords: 12 });
const environments = (records: PackageRecord[], request: string[]) => validEnvs(NAMES, records, request);

/**
 * conda's levels: [requested version-rank sum, other version-rank sum, packages no spec names].
 * A requested package's rank counts among the versions its spec allows (conda ranks within its
 * reduced index, which drops the requested names' other records); any other package's among all.
 */
function objective(env: Env, records: PackageRecord[], request: string[]): number[] {
  const specs = request.map((s) => parseSolverSpec(s));
  const requested = new Set(specs.map((s) => s.name));
  const mentioned = new Set([...requested]);
  for (const r of env.values()) for (const d of r.depends) mentioned.add(parseSolverSpec(d).name);
  const rank = (r: PackageRecord, allowed: (x: PackageRecord) => boolean) =>
    [...new Set(records.filter((x) => x.name === r.name && allowed(x)).map((x) => Number(x.version)))]
      .sort((a, b) => b - a)
      .indexOf(Number(r.version));
  let req = 0;
  let other = 0;
  let unnamed = 0;
  for (const r of env.values()) {
    const own = specs.filter((s) => s.name === r.name);
    if (own.length) req += rank(r, (x) => own.every((s) => s.matches(x)));
    else other += rank(r, () => true);
    if (!mentioned.has(r.name)) unnamed++;
  }
  return [req, other, unnamed];
}

const compare = (x: number[], y: number[]) => {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};

let solved = 0;
const gaps: { level: number; request: string[]; taipan: string[]; conda: string[] }[] = [];
fc.assert(
  fc.property(problemArb, ({ records, request }) => {
    const recs = records.map((r) =>
      PackageRecord.fromJson({ ...r, build: "0" }, { channel: "c", subdir: "linux-64" }),
    );
    let got: PackageRecord[];
    try {
      got = solve({ specs: request, index: { get: (n) => recs.filter((r) => r.name === n) } }).records;
    } catch {
      return; // unsatisfiable: nothing to compare
    }
    solved++;
    const mine = objective(new Map(got.map((r) => [r.name, r])), recs, request);
    let best: Env | undefined;
    let bestObj = mine;
    for (const e of environments(recs, request)) {
      const o = objective(e, recs, request);
      if (compare(o, bestObj) < 0) {
        best = e;
        bestObj = o;
      }
    }
    if (best)
      gaps.push({
        level: mine.findIndex((v, i) => v !== bestObj[i]),
        request,
        taipan: got.map((r) => r.distName),
        conda: [...best.values()].map((r) => r.distName).sort(),
      });
  }),
  { numRuns: opt("--runs", 3000), seed: opt("--seed", 7) },
);
const byLevel = [0, 1, 2].map((l) => gaps.filter((g) => g.level === l).length);
console.log(
  `${solved} solvable random requests; taipan differs from conda's sum objective on ${gaps.length} ` +
    `(${((100 * gaps.length) / Math.max(1, solved)).toFixed(1)}%): requested versions ${byLevel[0]}, ` +
    `other versions ${byLevel[1]}, unneeded packages ${byLevel[2]}`,
);
for (const g of gaps.slice(0, 5)) console.log(JSON.stringify(g));
