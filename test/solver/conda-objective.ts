// An oracle of conda-classic's objective (conda-classic-solver resolve.py, `Resolve.solve`) for
// small channels whose environments can be enumerated, shared by the solver's property test
// (conda-random.test.ts) and bench/objective-gap.ts. Per package name the records of conda's
// reduced index are sorted best first by `version_key` — channel priority, version, build number,
// arch before noarch, timestamp (the channel after the version when priority is disabled) — and
// walked as `generate_version_metrics` does, giving each record five step counters (c, v, b, a, t;
// each resets the ones after it). conda then minimises sums lexicographically: c, v, b, a over the
// requested names (no track_features here, so their levels do not arise), with an installed
// environment the number of its packages changed, c, v, b, a over every other name, the number of
// installed names no spec names (its `specm` prune), and last the timestamp counters of all names. The reduced index is modelled as: strict priority keeps only
// the records of the highest-priority channel that has the name; a requested name keeps only the
// records matching every requested spec of it; then records with a dependency no kept record
// matches are dropped, to a fixpoint. conda's other reduced-index heuristics (reachability from
// the specs, narrowing to the specs a group shares, skipping broader specs) are not modelled;
// `reachable` adds the first.
import type { PackageRecord } from "../../src/conda/package-record.js";
import type { ChannelPriority } from "../../src/solver/conda/candidates.js";
import { parseSolverSpec } from "../../src/solver/conda/spec.js";
import type { Env } from "./random-channel.js";

export const LEVELS = [
  "req_c",
  "req_v",
  "req_b",
  "req_a",
  "update",
  "others_c",
  "others_v",
  "others_b",
  "others_a",
  "prune",
  "timestamp",
] as const;

export interface OracleOptions {
  priority: ChannelPriority;
  /** 0 for the highest-priority channel. */
  channelRank: (r: PackageRecord) => number;
  /** Keep only what the requested specs reach through depends and constrains (conda's walk). */
  reachable?: boolean;
  /**
   * The environment the request is solved into, its packages kept where possible (conda's
   * update_specs: a name-only spec with that record as target for each): the count of them changed
   * or removed is conda's update level (eq_u, after the requested levels), and their names are
   * named by a spec (out of the prune level).
   */
  installed?: Env;
}

/** conda's reduced index as modelled here (see the header): kept records by name. */
export function reducedIndex(
  records: PackageRecord[],
  request: readonly string[],
  o: OracleOptions,
): Map<string, PackageRecord[]> {
  const specs = request.map((s) => parseSolverSpec(s));
  let kept = records.filter((r) => {
    if (o.priority === "strict") {
      const top = Math.min(...records.filter((x) => x.name === r.name).map(o.channelRank));
      if (o.channelRank(r) !== top) return false;
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
  if (o.reachable) {
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
function compareKey(a: PackageRecord, b: PackageRecord, o: OracleOptions): number {
  const ch = o.channelRank(b) - o.channelRank(a);
  const ver = a.parsedVersion.compare(b.parsedVersion);
  const rest = [
    a.build_number - b.build_number,
    (b.subdir === "noarch" ? 1 : 0) - (a.subdir === "noarch" ? 1 : 0),
    (a.timestamp ?? 0) - (b.timestamp ?? 0),
  ];
  const head = o.priority === "disabled" ? [ver, ch] : [ch, ver];
  for (const d of [...head, ...rest]) if (d !== 0) return d;
  return a.build < b.build ? -1 : a.build > b.build ? 1 : 0;
}

/** generate_version_metrics: (c, v, b, a, t) of every record of one name's reduced index. */
function versionMetrics(group: PackageRecord[], o: OracleOptions): Map<PackageRecord, number[]> {
  const sorted = [...group].sort((x, y) => compareKey(y, x, o));
  const out = new Map<PackageRecord, number[]>();
  const sameChannel = (x: PackageRecord, y: PackageRecord) => o.channelRank(x) === o.channelRank(y);
  const sameVersion = (x: PackageRecord, y: PackageRecord) => x.parsedVersion.compare(y.parsedVersion) === 0;
  // key[0..1] and key[2]: channel then version, or version then channel when priority is disabled
  const [first, second] = o.priority === "disabled" ? [sameVersion, sameChannel] : [sameChannel, sameVersion];
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

/** The oracle for one request on one channel. */
export class CondaObjective {
  readonly reduced: Map<string, PackageRecord[]>;
  private readonly metrics = new Map<PackageRecord, number[]>();
  private readonly requested: Set<string>;

  private readonly installed: Env | undefined;

  constructor(records: PackageRecord[], request: readonly string[], o: OracleOptions) {
    this.reduced = reducedIndex(records, request, o);
    for (const group of this.reduced.values())
      for (const [r, m] of versionMetrics(group, o)) this.metrics.set(r, m);
    this.requested = new Set(request.map((s) => parseSolverSpec(s).name));
    this.installed = o.installed;
  }

  /** conda's levels (LEVELS) for one environment, or undefined if it uses a record outside the index. */
  of(env: Env): number[] | undefined {
    const out = new Array<number>(LEVELS.length).fill(0);
    for (const r of env.values()) {
      const m = this.metrics.get(r);
      if (!m) return undefined;
      const requested = this.requested.has(r.name);
      const base = requested ? 0 : 5;
      for (let i = 0; i < 4; i++) out[base + i] += m[i];
      if (!requested && !this.installed?.has(r.name)) out[9]++;
      out[10] += m[4];
    }
    for (const [name, r] of this.installed ?? [])
      if (!this.requested.has(name) && env.get(name) !== r) out[4]++;
    return out;
  }
}

/** Lexicographic comparison of two objective vectors: < 0 when `x` is better. */
export function compareObjectives(x: readonly number[], y: readonly number[]): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}
