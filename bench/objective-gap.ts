// How far taipan's choice is from conda's own objective, measured on random small channels where
// every environment can be enumerated; it asserts nothing (the seeded property tests in
// test/solver/conda-random.test.ts do). The oracle — conda-classic's levels over its reduced index,
// and what of conda it leaves out — is test/solver/conda-objective.ts. Environments are enumerated
// over the reduced index; a strict-priority solution with a lower channel's record of a name counts
// as "outside the index". Without the mode flags the channel is one channel, build "0", no noarch,
// no timestamps.
//   node --import tsx bench/objective-gap.ts [--runs 3000] [--seed 7] [--channels 1|2]
//     [--priority strict|flexible|disabled] [--noarch] [--timestamps] [--builds N]
//     [--names N] [--min-records N] [--max-records N] [--reachable] [--installed] [--records]
//     [--examples N]
// --builds N draws build numbers 0..N-1 (default 1, or 2 when --channels 2 / --noarch /
// --timestamps / --builds is given; those modes also default to 4 names and 6-20 records, so the
// same name and version in both channels and subdirs is common). --records adds each example's
// channel contents; --examples N prints N examples per level (default 2).
import fc from "fast-check";
import { PackageRecord } from "../src/conda/package-record.js";
import type { ChannelPriority } from "../src/solver/conda/candidates.js";
import { solve } from "../src/solver/conda/solve.js";
import { parseSolverSpec } from "../src/solver/conda/spec.js";
import { CondaObjective, compareObjectives, LEVELS } from "../test/solver/conda-objective.js";
import {
  type Env,
  type RandomRecord,
  randomChannelArbs,
  valid,
  validEnvs,
} from "../test/solver/random-channel.js";

const argv = process.argv.slice(2);
const opt = (k: string, d: number) => {
  const i = argv.indexOf(k);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const optStr = (k: string, d: string) => {
  const i = argv.indexOf(k);
  return i >= 0 ? String(argv[i + 1]) : d;
};
const priority = optStr("--priority", "strict") as ChannelPriority;
if (!["strict", "flexible", "disabled"].includes(priority)) throw new Error(`bad --priority ${priority}`);
const channelCount = opt("--channels", 1);
const noarch = argv.includes("--noarch");
const timestamps = argv.includes("--timestamps");
const reachable = argv.includes("--reachable");
const extended = channelCount > 1 || noarch || timestamps || argv.includes("--builds");
const builds = opt("--builds", extended ? 2 : 1);
const NAMES = ["a", "b", "c", "d", "e", "f"].slice(0, opt("--names", extended ? 4 : 5));
const CHANNELS = ["c0", "c1"].slice(0, channelCount);
const withInstalled = argv.includes("--installed");
const { problemArb, specArb } = randomChannelArbs({
  names: NAMES,
  maxRecords: opt("--max-records", extended ? 20 : 12),
  ...(extended ? { minRecords: opt("--min-records", 6), size: "max" as const } : {}),
  ...(builds > 1 ? { buildNumbers: Array.from({ length: builds }, (_, i) => i) } : {}),
  ...(channelCount > 1 ? { channels: CHANNELS } : {}),
  ...(noarch ? { subdirs: ["linux-64", "noarch"] } : {}),
  // seconds; three distinct values
  ...(timestamps ? { timestamps: [1_700_000_000, 1_700_000_100, 1_700_000_200] } : {}),
});

function toRecord(r: RandomRecord): PackageRecord {
  if (!extended) return PackageRecord.fromJson({ ...r, build: "0" }, { channel: "c", subdir: "linux-64" });
  const subdir = r.subdir ?? "linux-64";
  // distinct build strings per subdir keep fn / distName unique within a channel
  const build = `${subdir === "noarch" ? "pyh0" : "h0"}_${r.build_number}`;
  return PackageRecord.fromJson(
    { ...r, build, subdir, ...(subdir === "noarch" ? { noarch: "generic" } : {}) },
    { channel: r.channel ?? CHANNELS[0], subdir },
  );
}
const channelRank = (r: PackageRecord) => Math.max(0, CHANNELS.indexOf(r.channel ?? ""));
const label = (r: PackageRecord) => (extended ? `${r.channel}::${r.subdir}/${r.distName}` : r.distName);

const oracleOptions = { priority, channelRank, reachable };

// (the first request is drawn only with --installed: the other modes keep their random stream)
const cases = withInstalled
  ? fc.tuple(problemArb, fc.array(specArb, { minLength: 1, maxLength: 2 }))
  : problemArb.map((p) => [p, [] as string[]] as const);

let solved = 0;
let ties = 0;
const odd = { outsideIndex: 0, invalid: 0, taipanUnsat: 0, noEnv: 0 };
const oddExamples: unknown[] = [];
const gaps: { level: string; request: string[]; taipan: string[]; conda: string[]; obj: string }[] = [];
fc.assert(
  fc.property(cases, ([{ records, request }, first]) => {
    const recs = records.map(toRecord);
    const index = extended
      ? {
          get: (n: string) =>
            recs.filter((r) => r.name === n).sort((x, y) => channelRank(x) - channelRank(y)),
          channelRank,
        }
      : { get: (n: string) => recs.filter((r) => r.name === n) };
    // --installed: the request goes into the environment taipan made for `first`, its packages
    // kept where possible (update_specs); they stay installed, at some version
    let installed: PackageRecord[] = [];
    if (withInstalled) {
      try {
        installed = solve({ specs: first, index, channelPriority: priority }).records;
      } catch {
        return; // no environment to start from
      }
    }
    const objective = new CondaObjective(recs, request, {
      ...oracleOptions,
      ...(withInstalled ? { installed: new Map(installed.map((r) => [r.name, r])) } : {}),
    });
    const requestedNames = new Set(request.map((q) => parseSolverSpec(q).name));
    const required = [...request, ...installed.filter((r) => !requestedNames.has(r.name)).map((r) => r.name)];
    const envs = validEnvs(NAMES, [...objective.reduced.values()].flat(), required);
    let got: PackageRecord[];
    try {
      got = solve({
        specs: request,
        index,
        channelPriority: priority,
        ...(withInstalled ? { installed, updateModifier: "update_specs" as const } : {}),
      }).records;
    } catch {
      if (envs.length) {
        odd.taipanUnsat++;
        oddExamples.push({ taipanUnsat: request, records: recs.map(label) });
      }
      return; // unsatisfiable: nothing to compare
    }
    solved++;
    const env = new Map(got.map((r) => [r.name, r]));
    const mine = objective.of(env);
    if (!envs.length || !mine || !valid(env, required)) {
      if (!valid(env, required)) odd.invalid++;
      else if (!mine) odd.outsideIndex++;
      else odd.noEnv++;
      oddExamples.push({ request, taipan: got.map(label), records: recs.map(label) });
      return;
    }
    let bestObj: number[] | undefined;
    let best: Env[] = [];
    for (const e of envs) {
      const o = objective.of(e)!;
      const c = bestObj ? compareObjectives(o, bestObj) : -1;
      if (c < 0) {
        bestObj = o;
        best = [e];
      } else if (c === 0) best.push(e);
    }
    if (best.length > 1) ties++;
    if (compareObjectives(mine, bestObj!) > 0)
      gaps.push({
        level: LEVELS[mine.findIndex((v, i) => v !== bestObj![i])],
        request,
        taipan: got.map(label).sort(),
        conda: [...best[0].values()].map(label).sort(),
        obj: `taipan ${mine.join(",")} vs ${bestObj!.join(",")}`,
        ...(argv.includes("--records")
          ? {
              records: records.map(
                (r) => `${label(toRecord(r))} dep=${r.depends.join("&")} con=${r.constrains.join("&")}`,
              ),
            }
          : {}),
      });
  }),
  { numRuns: opt("--runs", 3000), seed: opt("--seed", 7) },
);
const mode = `channels ${channelCount}, priority ${priority}, builds ${builds}, noarch ${noarch}, timestamps ${timestamps}${reachable ? ", reachable index" : ""}${withInstalled ? ", into an installed environment" : ""}`;
console.log(
  `[${mode}] ${solved} solvable random requests; taipan worse than conda's objective on ${gaps.length} ` +
    `(${((100 * gaps.length) / Math.max(1, solved)).toFixed(1)}%); optimum not unique on ${ties}`,
);
console.log(
  `  first worse level: ${LEVELS.map((l) => `${l} ${gaps.filter((g) => g.level === l).length}`).join(", ")}`,
);
console.log(
  `  taipan unsat but an environment exists ${odd.taipanUnsat}; taipan solution invalid ${odd.invalid}, ` +
    `outside the reduced index ${odd.outsideIndex}, solved where no environment exists ${odd.noEnv}`,
);
for (const l of LEVELS)
  for (const g of gaps.filter((x) => x.level === l).slice(0, opt("--examples", 2)))
    console.log(JSON.stringify(g));
for (const x of oddExamples.slice(0, 3)) console.log(JSON.stringify(x));
