import type { PackageRecord } from "../../conda/package-record.js";
import { CdclSolver, type SatResult, type SatSolveOptions } from "../sat/cdcl.js";
import { CandidateSorter, type ChannelPriority, type Exclusion, type RecordIndex } from "./candidates.js";
import type { SolverSpec } from "./spec.js";

/** Where a clause came from, so an UNSAT core reads as requests, dependencies and constraints. */
export type Origin =
  | { kind: "request"; spec: SolverSpec }
  | { kind: "requires"; parent: PackageRecord; spec: SolverSpec }
  | { kind: "constrains"; parent: PackageRecord; spec: SolverSpec; target: PackageRecord }
  | { kind: "one-per-name"; name: string };

/** All candidates of one package name, best first, with variables firstVar … firstVar+n-1. */
export interface NameEntry {
  name: string;
  records: PackageRecord[];
  firstVar: number;
  excluded: Exclusion[];
}

interface Requirement {
  parent: number; // variable (ROOT for requested specs)
  spec: SolverSpec;
  vars: Int32Array;
  origin: number;
  /** A variable that satisfied it last time; checked first (cheap skip of satisfied requirements). */
  satVar: number;
}

export interface ProblemOptions {
  index: RecordIndex;
  virtualPackages: PackageRecord[];
  channelPriority: ChannelPriority;
  parse: (s: string) => SolverSpec;
  /** Records preferred over the normal order for their name (installed records to keep). */
  favored?: Map<string, PackageRecord>;
  /** Extra candidates (installed records missing from the channels). */
  extraRecords?: PackageRecord[];
  /** Specs that restrict a name if present (pins); non-matching records are excluded. */
  pins?: SolverSpec[];
  /** Why a record may not be a candidate (a supply-chain policy), or undefined when it may. */
  exclude?: (r: PackageRecord) => string | undefined;
}

const ROOT = 1;

/**
 * The conda encoding on top of the SAT core, built lazily: a name gets variables (one per
 * candidate, with an at-most-one constraint) when a request, dependency or constraint first
 * mentions it, and a record's `depends`/`constrains` clauses are added when it first becomes true.
 * Decisions follow resolvo's heuristic: requested specs first, then the active dependency with the
 * fewest remaining candidates, each time choosing its best remaining candidate.
 */
export class CondaProblem {
  readonly sat: CdclSolver;
  readonly origins: Origin[] = [];
  private readonly names = new Map<string, NameEntry>();
  // Per-variable tables, indexed by SAT variable. Kept dense on purpose: the improvement pass
  // creates variables of its own between names, and a plain array written far past its end (or
  // only at the variables that become true) turns into a slow dictionary in V8.
  private varTie = new Int32Array(64);
  private varRecord: (PackageRecord | undefined)[] = [];
  private expanded = new Uint8Array(64);
  private varVersionRank = new Float64Array(64);
  private readonly specVars = new Map<string, Int32Array>();
  private readonly specCache = new Map<string, SolverSpec>();
  private readonly rootReqs: Requirement[] = [];
  private readonly depReqs: Requirement[] = [];
  private readonly sorter: CandidateSorter;
  private readonly rawCache = new Map<string, PackageRecord[]>();
  private readonly virtualByName = new Map<string, PackageRecord[]>();
  private readonly rankOf: (r: PackageRecord) => number;
  private readonly extraSet: Set<PackageRecord>;
  private readonly extraByName = new Map<string, PackageRecord[]>();
  /** The records finally chosen (after optimisation), for `explainChoices`. */
  finalRecords: PackageRecord[] | undefined;

  constructor(private readonly opts: ProblemOptions) {
    this.sat = new CdclSolver({
      onTrue: (v) => this.onTrue(v),
      decide: () => this.decide(),
    });
    const root = this.sat.newVar();
    this.sat.addClause([root]);
    for (const v of opts.virtualPackages) {
      const list = this.virtualByName.get(v.name) ?? [];
      list.push(v);
      this.virtualByName.set(v.name, list);
    }
    this.extraSet = new Set(opts.extraRecords ?? []);
    for (const r of this.extraSet) {
      const list = this.extraByName.get(r.name) ?? [];
      list.push(r);
      this.extraByName.set(r.name, list);
    }
    const idx = opts.index;
    this.rankOf = idx.channelRank ? (r) => idx.channelRank!(r) : () => 0;
    this.sorter = new CandidateSorter(
      this.rankOf,
      opts.channelPriority,
      (s) => this.spec(s),
      (n) => this.raw(n),
    );
  }

  spec(text: string): SolverSpec {
    let s = this.specCache.get(text);
    if (!s) {
      s = this.opts.parse(text);
      this.specCache.set(text, s);
    }
    return s;
  }

  /** Records of a name from the index (or the virtual packages), before priority filtering. */
  raw(name: string): PackageRecord[] {
    let list = this.rawCache.get(name);
    if (list) return list;
    if (name.startsWith("__")) list = this.virtualByName.get(name) ?? [];
    else {
      list = this.opts.index.get(name);
      const extra = this.extraByName.get(name) ?? [];
      if (extra.length) {
        const twinOf = channelTwins(list);
        // An installed record that the channels still have is represented by the channel's record;
        // the record to keep (update_specs) must then be that one, or keeping it has no effect.
        const favored = this.opts.favored?.get(name);
        const same = favored ? twinOf(favored) : undefined;
        if (same && same !== favored) this.opts.favored!.set(name, same);
        // Likewise the channel's copy of an installed record stays a candidate under strict priority.
        const missing: PackageRecord[] = [];
        for (const r of extra) {
          const twin = twinOf(r);
          this.keptAs.set(r, twin ?? r);
          if (twin) this.extraSet.add(twin);
          else missing.push(r);
        }
        list = [...list, ...missing];
      }
    }
    this.rawCache.set(name, list);
    return list;
  }

  /** The candidate standing for each installed record (the channel's twin, or the record itself). */
  private readonly keptAs = new Map<PackageRecord, PackageRecord>();

  /**
   * The candidate that keeping an installed record means: the same file in the channels when they
   * still have it (see `channelTwins`), else the installed record itself.
   */
  installedCandidate(r: PackageRecord): PackageRecord {
    this.raw(r.name);
    return this.keptAs.get(r) ?? r;
  }

  /** Loads a name: filters by policy, channel priority and pins, sorts, creates variables. */
  entry(name: string): NameEntry {
    let e = this.names.get(name);
    if (e) return e;
    const all = this.raw(name);
    const excluded: Exclusion[] = [];
    let records = all;
    const exclude = this.opts.exclude;
    if (exclude && !name.startsWith("__")) {
      // Policy first: a record the policy forbids counts as absent, so strict priority can fall
      // through to a channel whose builds are allowed.
      records = all.filter((r) => {
        const why = exclude(r);
        if (why === undefined) return true;
        excluded.push({ record: r, reason: why });
        return false;
      });
    }
    if (this.opts.channelPriority === "strict" && !name.startsWith("__") && records.length > 0) {
      // conda's strict priority: a name comes only from the highest-priority channel that has it
      // (installed records stay candidates so an environment can be kept as it is).
      const rank = new Float64Array(records.length);
      let best = Number.POSITIVE_INFINITY;
      let worst = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < records.length; i++) {
        const k = this.rankOf(records[i]);
        rank[i] = k;
        if (k < best) best = k;
        if (k > worst) worst = k;
      }
      // (all from one channel, the usual case: nothing to filter)
      if (worst !== best) {
        const favored = this.opts.favored?.get(name);
        records = records.filter((r, i) => {
          if (rank[i] === best || r === favored || this.extraSet.has(r)) return true;
          excluded.push({
            record: r,
            reason: "a higher-priority channel has this package (strict channel priority)",
          });
          return false;
        });
      }
    }
    for (const pin of this.opts.pins ?? []) {
      if (pin.name !== name) continue;
      records = records.filter((r) => {
        if (pin.matches(r)) return true;
        excluded.push({ record: r, reason: `pinned to ${pin}` });
        return false;
      });
    }
    records = this.sorter.sort(records);
    // With flexible priority conda ranks the channel before the version (conda's channel metric
    // comes first), so "better" for the improvement pass means a better channel, then version.
    const flexible = this.opts.channelPriority === "flexible";
    const span = this.sorter.lastDistinctVersions + 1;
    const favored = this.opts.favored?.get(name);
    let keys = this.sorter.lastKeys!;
    let ranks = this.sorter.lastVersionRanks!;
    if (favored) {
      const i = records.indexOf(favored);
      if (i > 0) {
        // the installed record to keep goes first; its key and rank move with it
        records = [favored, ...records.slice(0, i), ...records.slice(i + 1)];
        keys = moveToFront(keys, i);
        ranks = moveToFront(ranks, i);
      }
    }
    const firstVar = records.length ? this.sat.newVars(records.length) : 0;
    e = { name, records, firstVar, excluded };
    this.names.set(name, e);
    const n = records.length;
    if (n) this.reserveVars(firstVar + n);
    const varTie = this.varTie;
    const varVersionRank = this.varVersionRank;
    const varRecord = this.varRecord;
    const members = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const v = firstVar + i;
      // tie group: consecutive records with the same sort key (an installed record to keep
      // stands alone, so the tie-break never passes it over)
      const same = i > 0 && records[i] !== favored && records[i - 1] !== favored && keys[i] === keys[i - 1];
      varTie[v] = same ? varTie[v - 1] : v;
      varRecord[v] = records[i];
      varVersionRank[v] = flexible ? this.rankOf(records[i]) * span + ranks[i] : ranks[i];
      this.sat.watchTrue(v);
      members[i] = v;
    }
    if (n > 1) {
      const o = this.origins.push({ kind: "one-per-name", name }) - 1;
      this.sat.addAtMostOne(members, o);
    }
    return e;
  }

  /** Grows the per-variable tables to hold variables below `end` (the record array without holes). */
  private reserveVars(end: number): void {
    if (end > this.varTie.length) {
      let cap = this.varTie.length;
      while (cap < end) cap *= 2;
      const tie = new Int32Array(cap);
      tie.set(this.varTie);
      this.varTie = tie;
      const exp = new Uint8Array(cap);
      exp.set(this.expanded);
      this.expanded = exp;
      const rank = new Float64Array(cap);
      rank.set(this.varVersionRank);
      this.varVersionRank = rank;
    }
    const rec = this.varRecord;
    while (rec.length < end) rec.push(undefined);
  }

  /** The channel priority mode the problem was built with. */
  get channelPriority(): ChannelPriority {
    return this.opts.channelPriority;
  }

  /** 0 for a record of the highest-priority channel. */
  channelRank(r: PackageRecord): number {
    return this.rankOf(r);
  }

  /** How many names have been loaded so far (grows as the search reaches new names). */
  get loadedCount(): number {
    return this.names.size;
  }

  /** Whether `name` has been loaded (has variables) yet. */
  isLoaded(name: string): boolean {
    return this.names.has(name);
  }

  loadedNames(): Iterable<NameEntry> {
    return this.names.values();
  }

  /**
   * Rank of the variable's version within its name: 0 for the highest version (with flexible
   * channel priority, the channel rank comes first).
   */
  versionRank(v: number): number {
    return this.varVersionRank[v];
  }

  recordOf(v: number): PackageRecord | undefined {
    return this.varRecord[v];
  }

  /** Variables of the candidates matching a spec, best first (cached per spec text). */
  candidates(spec: SolverSpec): Int32Array {
    const key = spec.toString();
    let vars = this.specVars.get(key);
    if (vars) return vars;
    const e = this.entry(spec.name);
    const out: number[] = [];
    for (let i = 0; i < e.records.length; i++) if (spec.matches(e.records[i])) out.push(e.firstVar + i);
    vars = Int32Array.from(out);
    this.specVars.set(key, vars);
    return vars;
  }

  private addRequirement(parent: number, spec: SolverSpec, list: Requirement[]): void {
    const vars = this.candidates(spec);
    const parentRec = this.varRecord[parent];
    const origin =
      this.origins.push(
        parent === ROOT || !parentRec
          ? { kind: "request", spec }
          : { kind: "requires", parent: parentRec, spec },
      ) - 1;
    const req: Requirement = { parent, spec, vars, origin, satVar: 0 };
    list.push(req);
    (list === this.rootReqs ? this.openRoot : this.openDeps).push(req);
    const clause = new Array<number>(vars.length + 1);
    clause[0] = -parent;
    for (let i = 0; i < vars.length; i++) clause[i + 1] = vars[i];
    this.sat.addClause(clause, origin);
  }

  /** A requested spec (the root requires one of its candidates). */
  request(spec: SolverSpec): void {
    this.addRequirement(ROOT, spec, this.rootReqs);
  }

  private onTrue(v: number): void {
    const r = this.varRecord[v];
    if (!r) return;
    this.expanded[v] = 1;
    for (const d of r.depends) {
      let s: SolverSpec;
      try {
        s = this.spec(d);
      } catch {
        // A dependency conda cannot parse makes the record uninstallable, as in conda.
        this.sat.addClause([-v]);
        continue;
      }
      this.addRequirement(v, s, this.depReqs);
    }
    for (const c of r.constrains) {
      let s: SolverSpec;
      try {
        s = this.spec(c);
      } catch {
        continue;
      }
      if (this.raw(s.name).length === 0) continue;
      const e = this.entry(s.name);
      for (let i = 0; i < e.records.length; i++) {
        const target = e.records[i];
        if (s.matches(target)) continue;
        const o = this.origins.push({ kind: "constrains", parent: r, spec: s, target }) - 1;
        this.sat.addClause([-v, -(e.firstVar + i)], o);
      }
    }
  }

  /**
   * resolvo's choice: among requirements whose parent is installed and that no installed candidate
   * satisfies yet, take a requested one if any, else the one with the fewest undecided candidates;
   * install its best undecided candidate.
   */
  private decide(): number {
    // Requirements found satisfied are dropped from the open lists until something is undone.
    if (this.sat.backtracks !== this.seenBacktracks) {
      this.seenBacktracks = this.sat.backtracks;
      this.openRoot = [...this.rootReqs];
      this.openDeps = [...this.depReqs];
    }
    const pick = this.pickFrom(this.openRoot);
    if (pick !== 0) return pick;
    return this.pickFrom(this.openDeps);
  }

  private openRoot: Requirement[] = [];
  private openDeps: Requirement[] = [];
  private seenBacktracks = -1;

  private pickFrom(reqs: Requirement[]): number {
    let best: Requirement | undefined;
    let bestCount = Number.POSITIVE_INFINITY;
    let a = this.sat.assignment;
    let w = 0;
    let k = 0;
    for (; k < reqs.length; k++) {
      const req = reqs[k];
      if (req.satVar !== 0 && a[req.satVar << 1] === 1) continue; // satisfied: drop it
      const pv = a[req.parent << 1];
      // a false parent becomes true again only after a backtrack, which restores the list
      if (pv === -1) continue;
      reqs[w++] = req;
      if (pv !== 1) continue;
      let count = 0;
      let satisfied = false;
      const vars = req.vars;
      for (let i = 0; i < vars.length; i++) {
        const val = a[vars[i] << 1];
        if (val === 1) {
          satisfied = true;
          req.satVar = vars[i];
          break;
        }
        if (val === 0 && ++count >= bestCount) break;
      }
      if (satisfied) {
        w--;
        continue;
      }
      if (count === 0 || count >= bestCount) continue;
      best = req;
      bestCount = count;
      if (count === 1) {
        k++;
        break;
      }
    }
    while (k < reqs.length) reqs[w++] = reqs[k++];
    reqs.length = w;
    if (!best) return 0;
    // One step of look-ahead before installing a candidate: skip one whose dependency has no
    // candidate left, or whose constraint the installed record of that name breaks. Deciding it
    // would only produce a conflict whose learnt clause jumps far back and discards unrelated
    // decisions (the dependency's clauses are not known before the candidate is tried).
    let first = 0;
    const vars = best.vars;
    for (let k = 0; k < vars.length; k++) {
      const v = vars[k];
      a = this.sat.assignment;
      if (a[v << 1] !== 0) continue;
      if (first === 0) first = v;
      if (!this.viable(v)) continue;
      // other viable builds of the same tie group: rattler's dependency tie-break decides
      const tie = this.varTie[v];
      const group = [v];
      for (let j = k + 1; j < vars.length && this.varTie[vars[j]] === tie; j++) {
        const w = vars[j];
        if (this.sat.assignment[w << 1] === 0 && this.viable(w)) group.push(w);
      }
      if (group.length === 1) return v;
      const bestRec = this.sorter.tieBreak(group.map((x) => this.varRecord[x]!))[0];
      return this.varOfRecord(bestRec);
    }
    return first;
  }

  private viable(v: number): boolean {
    const r = this.varRecord[v];
    if (!r || this.expanded[v]) return true;
    for (const d of r.depends) {
      let s: SolverSpec;
      try {
        s = this.spec(d);
      } catch {
        return false;
      }
      const vars = this.candidates(s);
      const a = this.sat.assignment;
      let open = false;
      for (let i = 0; i < vars.length; i++)
        if (a[vars[i] << 1] !== -1) {
          open = true;
          break;
        }
      if (!open) return false;
    }
    for (const c of r.constrains) {
      let s: SolverSpec;
      try {
        s = this.spec(c);
      } catch {
        continue;
      }
      const e = this.names.get(s.name);
      if (!e) continue;
      const a = this.sat.assignment;
      for (let i = 0; i < e.records.length; i++)
        if (a[(e.firstVar + i) << 1] === 1 && !s.matches(e.records[i])) return false;
    }
    return true;
  }

  solve(opts: SatSolveOptions): SatResult {
    return this.sat.solve(opts);
  }

  /** The installed records of the current model (after `sat`). */
  solution(): PackageRecord[] {
    const out: PackageRecord[] = [];
    for (const e of this.names.values()) {
      for (let i = 0; i < e.records.length; i++)
        if (this.sat.value(e.firstVar + i) === 1) out.push(e.records[i]);
    }
    return out;
  }

  /**
   * The variable of a loaded candidate record, 0 if it is none. Looked up in its name's list
   * (a few calls per solve) instead of a Map entry per candidate kept for every loaded name.
   */
  varOfRecord(r: PackageRecord): number {
    const e = this.names.get(r.name);
    const i = e ? e.records.lastIndexOf(r) : -1;
    if (e && i >= 0) return e.firstVar + i;
    // a record listed under another name (a custom index): the last loaded entry holding it
    const all = [...this.names.values()];
    for (let k = all.length - 1; k >= 0; k--) {
      const j = all[k].records.lastIndexOf(r);
      if (j >= 0) return all[k].firstVar + j;
    }
    return 0;
  }

  get rootVar(): number {
    return ROOT;
  }

  get requirements(): { root: readonly Requirement[]; deps: readonly Requirement[] } {
    return { root: this.rootReqs, deps: this.depReqs };
  }
}

/** A copy of `a` with element `i` moved to the front (the rest in order). */
function moveToFront<T extends Float64Array | Int32Array>(a: T, i: number): T {
  const out = a.slice() as T;
  out[0] = a[i];
  out.set(a.subarray(0, i), 1);
  return out;
}

/**
 * Finds the channel's record of an installed one: the same file of the same channel (by URL, or
 * channel, subdir and file name), else the one record of that name-version-build when only one
 * channel has it. A name-version-build alone is not enough: two channels often carry builds of the
 * same name (conda-forge and a mirror of it), and keeping the other channel's is a change.
 */
function channelTwins(list: readonly PackageRecord[]): (r: PackageRecord) => PackageRecord | undefined {
  const key = (r: PackageRecord) => r.url ?? `${r.channel ?? ""}/${r.subdir}/${r.fn}`;
  const byKey = new Map(list.map((r) => [key(r), r]));
  const byDist = new Map<string, PackageRecord | null>();
  for (const r of list) byDist.set(r.distName, byDist.has(r.distName) ? null : r);
  return (r) => byKey.get(key(r)) ?? byDist.get(r.distName) ?? undefined;
}
