import type { PackageRecord } from "../../conda/package-record.js";
import type { Version } from "../../conda/version.js";
import type { SolverSpec } from "./spec.js";

/** The part of the repodata gateway the solver needs: records by name, in channel-priority order. */
export interface RecordIndex {
  get(name: string): PackageRecord[];
  /** 0 for the highest-priority channel. Without it, all records count as one channel. */
  channelRank?(record: PackageRecord): number;
}

export type ChannelPriority = "strict" | "flexible" | "disabled";

/** Why a record is not a candidate, kept so explanations can say so. */
export interface Exclusion {
  record: PackageRecord;
  reason: string;
}

export function safeVersion(r: PackageRecord): Version | undefined {
  try {
    return r.parsedVersion;
  } catch {
    return undefined;
  }
}

export function compareVersions(a: PackageRecord, b: PackageRecord): number {
  const va = safeVersion(a);
  const vb = safeVersion(b);
  if (va && vb) return va.compare(vb);
  if (va) return 1;
  if (vb) return -1;
  return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}

/**
 * conda's order of preference within one name, best first: fewest `track_features` (conda and
 * libsolv de-prioritise featured builds such as mkl/nomkl variants), highest version, highest
 * build number, arch-specific before noarch; ties between otherwise equal builds go to the one whose dependencies allow the
 * highest versions (rattler's rule, which matches conda on builds that differ only in pins), then
 * the newest timestamp. With `flexible` priority the channel rank comes first.
 */
export class CandidateSorter {
  private readonly highestCache = new Map<string, { v: Version | undefined; tf: boolean } | null>();

  /** Version rank of each record of the last `sort` call (0 = highest), in the sorted order. */
  lastVersionRanks: Int32Array | undefined;
  /** The number of distinct version strings among the records of the last `sort` call. */
  lastDistinctVersions = 0;

  constructor(
    private readonly rankFn: (r: PackageRecord) => number,
    private readonly priority: ChannelPriority,
    private readonly parse: (s: string) => SolverSpec,
    private readonly recordsOf: (name: string) => PackageRecord[],
  ) {}

  /** Highest version (and whether it carries track_features) among the records a dep spec matches. */
  private highest(spec: string): { v: Version | undefined; tf: boolean } | null {
    let hit = this.highestCache.get(spec);
    if (hit !== undefined) return hit;
    hit = null;
    let s: SolverSpec | undefined;
    try {
      s = this.parse(spec);
    } catch {
      s = undefined;
    }
    if (s) {
      let best: PackageRecord | undefined;
      for (const r of this.recordsOf(s.name)) {
        if (!s.matches(r)) continue;
        if (!best || compareVersions(r, best) > 0) best = r;
      }
      if (best) hit = { v: safeVersion(best), tf: best.track_features.length > 0 };
    }
    this.highestCache.set(spec, hit);
    return hit;
  }

  /**
   * The packed sort key of each record of the last `sort` call, in the sorted order (equal keys =
   * one tie group). An array rather than a Map by record: a Map entry per candidate was a visible
   * part of loading a name.
   */
  lastKeys: Float64Array | undefined;

  /**
   * rattler's tie-break between builds that are equal in track_features, version and build
   * number: prefer the one whose dependencies allow the highest versions (shared dependency
   * names in alphabetical order), then the newest timestamp, then channel order.
   */
  tieBreak(group: PackageRecord[]): PackageRecord[] {
    if (group.length < 2) return group;
    const names = group.map((r) => new Set(r.depends.map(depName)));
    const shared = [...names[0]].filter((n) => n && names.every((s) => s.has(n))).sort();
    const keys = new Map<PackageRecord, ({ v: Version | undefined; tf: boolean } | null)[]>();
    if (shared.length)
      for (const r of group)
        keys.set(
          r,
          shared.map((name) => {
            let best: { v: Version | undefined; tf: boolean } | null = null;
            for (const d of r.depends) {
              if (depName(d) !== name) continue;
              const h = this.highest(d);
              if (h && (!best || betterHighest(h, best) < 0)) best = h;
            }
            return best;
          }),
        );
    return [...group].sort((a, b) => {
      const ka = keys.get(a);
      const kb = keys.get(b);
      if (ka && kb)
        for (let i = 0; i < ka.length; i++) {
          const ha = ka[i];
          const hb = kb[i];
          if (ha && !hb) return -1;
          if (!ha && hb) return 1;
          if (!ha || !hb) continue;
          const c = betterHighest(ha, hb);
          if (c !== 0) return c;
        }
      const t = (b.timestamp ?? 0) - (a.timestamp ?? 0);
      if (t !== 0) return t;
      return this.rankFn(a) - this.rankFn(b);
    });
  }

  /** Sorts candidates best first (see {@link tieBreak} for builds with equal keys). */
  sort(records: PackageRecord[]): PackageRecord[] {
    // Versions are compared once per distinct version string, not once per comparison; the
    // simple key (channel rank if flexible, track_features, version, build number) is packed into
    // one number per record. The sort runs on indices into typed arrays of the keys: Map lookups
    // inside the comparator were most of the cost of loading a name in a fresh process.
    const n = records.length;
    const { ranks: order, distinct } = versionRanks(records);
    this.lastDistinctVersions = distinct;
    const flexible = this.priority === "flexible";
    const packed = new Float64Array(n);
    const stamps = new Float64Array(n);
    const ranks = new Float64Array(n);
    const idx = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const r = records[i];
      const rank = this.rankFn(r);
      const ch = flexible ? Math.min(rank, 255) : 0;
      const tf = Math.min(r.track_features.length, 31);
      const vr = Math.min(order[i], 0x3ffff);
      const bn = 0x3ffff - Math.min(Math.max(r.build_number, 0), 0x3ffff);
      // conda prefers an arch-specific build over a noarch one where they are otherwise equal
      // (eq_req_a / eq_a, after build numbers; it tests the subdir); 50 bits in all, exact in a double
      const na = r.subdir === "noarch" ? 1 : 0;
      const key = (((ch * 32 + tf) * 0x40000 + vr) * 0x40000 + bn) * 2 + na;
      packed[i] = key;
      stamps[i] = r.timestamp ?? 0;
      ranks[i] = rank;
      idx[i] = i;
    }
    // Equal keys: newest first, then channel order. The dependency tie-break (below) is applied
    // lazily by the caller, only among the builds of a group that are still viable at decision
    // time: computing it eagerly means parsing the dependency specs of every build of every
    // loaded name, most of which are never considered. (Array sort is stable, so equal records
    // keep their input order, as before.)
    idx.sort((a, b) => {
      const d = packed[a] - packed[b];
      if (d !== 0) return d;
      const t = stamps[b] - stamps[a];
      if (t !== 0) return t;
      return ranks[a] - ranks[b];
    });
    const out = new Array<PackageRecord>(n);
    const keys = new Float64Array(n);
    const versionRank = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = records[idx[i]];
      keys[i] = packed[idx[i]];
      versionRank[i] = order[idx[i]];
    }
    this.lastKeys = keys;
    this.lastVersionRanks = versionRank;
    return out;
  }
}

/**
 * Version rank of each record among `records` (aligned with it), 0 for the highest, and the number
 * of distinct version strings. Equal versions spelt differently (`1.0` / `1.0.0`) share a rank.
 */
export function versionRanks(records: readonly PackageRecord[]): { ranks: Int32Array; distinct: number } {
  // One parsed version per distinct string (of its first record), compared through an index sort;
  // each record keeps the index of its string, so no per-record Map lookup is needed afterwards.
  const first = new Map<string, number>();
  const strs: string[] = [];
  const vers: (Version | undefined)[] = [];
  const of = new Int32Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    let k = first.get(r.version);
    if (k === undefined) {
      k = strs.length;
      first.set(r.version, k);
      strs.push(r.version);
      vers.push(safeVersion(r));
    }
    of[i] = k;
  }
  const cmp = (i: number, j: number): number => {
    const a = vers[i];
    const b = vers[j];
    if (a && b) return a.compare(b);
    if (a) return 1;
    if (b) return -1;
    return strs[i] < strs[j] ? -1 : strs[i] > strs[j] ? 1 : 0;
  };
  const m = strs.length;
  const distinct = new Array<number>(m);
  for (let i = 0; i < m; i++) distinct[i] = i;
  if (m > 1) distinct.sort((i, j) => cmp(j, i));
  const rankOfString = new Int32Array(m);
  let rank = 0;
  for (let i = 0; i < m; i++) {
    if (i > 0 && cmp(distinct[i - 1], distinct[i]) !== 0) rank = i;
    rankOfString[distinct[i]] = rank;
  }
  const ranks = new Int32Array(records.length);
  for (let i = 0; i < records.length; i++) ranks[i] = rankOfString[of[i]];
  return { ranks, distinct: m };
}

function betterHighest(
  a: { v: Version | undefined; tf: boolean },
  b: { v: Version | undefined; tf: boolean },
): number {
  if (a.tf !== b.tf) return a.tf ? 1 : -1;
  if (a.v && b.v) return b.v.compare(a.v);
  return 0;
}

const depNames = new Map<string, string>();

/** The package name of a dependency string, cheaply (no full parse; memoised). */
export function depName(spec: string): string {
  const hit = depNames.get(spec);
  if (hit !== undefined) return hit;
  const name = depNameUncached(spec);
  if (depNames.size > 200_000) depNames.clear();
  depNames.set(spec, name);
  return name;
}

function depNameUncached(spec: string): string {
  let s = spec.trim();
  const colons = s.lastIndexOf("::");
  if (colons >= 0) s = s.slice(colons + 2);
  const m = /^[^\s=<>!~[(,;|*]+/.exec(s);
  return m ? m[0].toLowerCase() : "";
}
