// How far taipan's choice is from conda's own objective, measured on random small channels where
// every environment can be enumerated; it asserts nothing. The oracle models conda-classic's
// `Resolve.solve` (resolve.py): the records of each name in conda's reduced index are sorted best
// first by `version_key` — [-channel priority, version, build number, arch before noarch,
// timestamp, build string], the channel moved after the version when priority is disabled — and
// walked as `generate_version_metrics` does, giving each record counters (c, v, b, a, t), each
// reset when an earlier one moves (so with priority disabled "c" counts versions and "v" channels,
// as in conda). conda minimises sums lexicographically: c, v, b, a over the requested names (the
// track_feature levels between v and b do not arise here), c, v, b, a over every other name, the
// number of installed names no spec names (conda's specm prune), and last the t counters of all
// names (conda runs that level only while the solution is not unique: same optimum). The reduced
// index is modelled as: strict priority keeps only the records of the highest-priority channel
// that has the name; a requested name keeps only the records matching every requested spec of that
// name; records with a dependency no kept record matches are then dropped, to a fixpoint.
// --reachable also keeps only the records the requested specs reach through depends and
// constrains (conda's walk follows both). Not modelled: the rest of conda's reduced-index
// heuristics (narrowing a name to the specs every kept dependant shares, skipping specs broader
// than one already seen, not re-walking records another walk added) and `combined_depends`
// letting a constraint replace a dependency of the same name; validity is depends and constrains
// all holding. Environments are enumerated over the reduced index; a strict-priority solution with
// a lower channel's record of a name counts as "outside the index". Without the new flags the
// channel is the old one (one channel, build "0", no noarch, no timestamps).
//   node --import tsx bench/objective-gap.ts [--runs 3000] [--seed 7] [--channels 1|2]
//     [--priority strict|flexible|disabled] [--noarch] [--timestamps] [--builds N]
//     [--names N] [--min-records N] [--max-records N] [--reachable] [--records] [--examples N]
// --builds N draws build numbers 0..N-1 (default 1, or 2 when --channels 2 / --noarch /
// --timestamps / --builds is given; those modes also default to 4 names and 6-20 records, so the
// same name and version in both channels and subdirs is common). --records adds each example's
// channel contents; --examples N prints N examples per level (default 2).
import fc from "fast-check";
import { PackageRecord } from "../src/conda/package-record.js";
import type { ChannelPriority } from "../src/solver/conda/candidates.js";
import { solve } from "../src/solver/conda/solve.js";
import { parseSolverSpec } from "../src/solver/conda/spec.js";
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
const { problemArb } = randomChannelArbs({
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

const LEVELS = [
  "req_c",
  "req_v",
  "req_b",
  "req_a",
  "others_c",
  "others_v",
  "others_b",
  "others_a",
  "prune",
  "timestamp",
] as const;

/** conda's reduced index as modelled here (see the header): kept records by name. */
function reducedIndex(records: PackageRecord[], request: string[]): Map<string, PackageRecord[]> {
  const specs = request.map((s) => parseSolverSpec(s));
  let kept = records.filter((r) => {
    if (priority === "strict") {
      const top = Math.min(...records.filter((x) => x.name === r.name).map(channelRank));
      if (channelRank(r) !== top) return false;
    }
    return specs.every((s) => s.name !== r.name || s.matches(r));
  });
  for (;;) {
    const next = kept.filter((r) =>
      r.depends.every((d) => {
        const s = parseSolverSpec(d);
        return kept.some((x) => x.name === s.name && s.matches(x));
      }),
    );
    if (next.length === kept.length) break;
    kept = next;
  }
  if (reachable) {
    // conda's reduced_index2: what the requested specs reach through depends *and* constrains
    // (conda follows every spec of combined_depends, the optional ones too)
    const seen = new Set(kept.filter((r) => specs.some((s) => s.name === r.name && s.matches(r))));
    for (const r of seen)
      for (const d of [...r.depends, ...r.constrains]) {
        const s = parseSolverSpec(d);
        for (const x of kept) if (x.name === s.name && s.matches(x)) seen.add(x);
      }
    kept = kept.filter((r) => seen.has(r));
  }
  const byName = new Map<string, PackageRecord[]>();
  for (const r of kept) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  return byName;
}

/** conda's version_key, compared: > 0 when `a` is better (sorts first). */
function compareKey(a: PackageRecord, b: PackageRecord): number {
  const ch = channelRank(b) - channelRank(a);
  const ver = a.parsedVersion.compare(b.parsedVersion);
  const rest = [
    a.build_number - b.build_number,
    (b.subdir === "noarch" ? 1 : 0) - (a.subdir === "noarch" ? 1 : 0),
    (a.timestamp ?? 0) - (b.timestamp ?? 0),
  ];
  const head = priority === "disabled" ? [ver, ch] : [ch, ver];
  for (const d of [...head, ...rest]) if (d !== 0) return d;
  return a.build < b.build ? -1 : a.build > b.build ? 1 : 0;
}

/** generate_version_metrics: (c, v, b, a, t) of every record of one name's reduced index. */
function versionMetrics(group: PackageRecord[]): Map<PackageRecord, number[]> {
  const sorted = [...group].sort((x, y) => compareKey(y, x));
  const out = new Map<PackageRecord, number[]>();
  const sameChannel = (x: PackageRecord, y: PackageRecord) => channelRank(x) === channelRank(y);
  const sameVersion = (x: PackageRecord, y: PackageRecord) => x.parsedVersion.compare(y.parsedVersion) === 0;
  // key[0..1] and key[2]: channel then version, or version then channel when priority is disabled
  const [first, second] = priority === "disabled" ? [sameVersion, sameChannel] : [sameChannel, sameVersion];
  let prev: PackageRecord | undefined;
  let [c, v, b, a, t] = [0, 0, 0, 0, 0];
  for (const r of sorted) {
    if (prev) {
      if (!first(prev, r)) [c, v, b, a, t] = [c + 1, 0, 0, 0, 0];
      else if (!second(prev, r)) [v, b, a, t] = [v + 1, 0, 0, 0];
      else if (prev.build_number !== r.build_number) [b, a, t] = [b + 1, 0, 0];
      else if ((prev.subdir === "noarch") !== (r.subdir === "noarch")) [a, t] = [a + 1, 0];
      else if ((prev.timestamp ?? 0) !== (r.timestamp ?? 0)) t++;
    }
    out.set(r, [c, v, b, a, t]);
    prev = r;
  }
  return out;
}

/** conda's levels (LEVELS) for one environment, or undefined if it uses a record outside the index. */
function objective(env: Env, metrics: Map<PackageRecord, number[]>, requested: Set<string>) {
  const o = new Array<number>(LEVELS.length).fill(0);
  for (const r of env.values()) {
    const m = metrics.get(r);
    if (!m) return undefined;
    const base = requested.has(r.name) ? 0 : 4;
    for (let i = 0; i < 4; i++) o[base + i] += m[i];
    if (!requested.has(r.name)) o[8]++;
    o[9] += m[4];
  }
  return o;
}

const compare = (x: number[], y: number[]) => {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};

let solved = 0;
let ties = 0;
const odd = { outsideIndex: 0, invalid: 0, taipanUnsat: 0, noEnv: 0 };
const oddExamples: unknown[] = [];
const gaps: { level: string; request: string[]; taipan: string[]; conda: string[]; obj: string }[] = [];
fc.assert(
  fc.property(problemArb, ({ records, request }) => {
    const recs = records.map(toRecord);
    const index = extended
      ? {
          get: (n: string) =>
            recs.filter((r) => r.name === n).sort((x, y) => channelRank(x) - channelRank(y)),
          channelRank,
        }
      : { get: (n: string) => recs.filter((r) => r.name === n) };
    const reduced = reducedIndex(recs, request);
    const metrics = new Map<PackageRecord, number[]>();
    for (const group of reduced.values()) for (const [r, m] of versionMetrics(group)) metrics.set(r, m);
    const requested = new Set(request.map((s) => parseSolverSpec(s).name));
    const envs = validEnvs(NAMES, [...reduced.values()].flat(), request);
    let got: PackageRecord[];
    try {
      got = solve({ specs: request, index, channelPriority: priority }).records;
    } catch {
      if (envs.length) {
        odd.taipanUnsat++;
        oddExamples.push({ taipanUnsat: request, records: recs.map(label) });
      }
      return; // unsatisfiable: nothing to compare
    }
    solved++;
    const env = new Map(got.map((r) => [r.name, r]));
    const mine = objective(env, metrics, requested);
    if (!envs.length || !mine || !valid(env, request)) {
      if (!valid(env, request)) odd.invalid++;
      else if (!mine) odd.outsideIndex++;
      else odd.noEnv++;
      oddExamples.push({ request, taipan: got.map(label), records: recs.map(label) });
      return;
    }
    let bestObj: number[] | undefined;
    let best: Env[] = [];
    for (const e of envs) {
      const o = objective(e, metrics, requested)!;
      const c = bestObj ? compare(o, bestObj) : -1;
      if (c < 0) {
        bestObj = o;
        best = [e];
      } else if (c === 0) best.push(e);
    }
    if (best.length > 1) ties++;
    if (compare(mine, bestObj!) > 0)
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
const mode = `channels ${channelCount}, priority ${priority}, builds ${builds}, noarch ${noarch}, timestamps ${timestamps}${reachable ? ", reachable index" : ""}`;
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
