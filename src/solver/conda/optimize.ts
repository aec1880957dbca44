import type { PackageRecord } from "../../conda/package-record.js";
import type { CdclSolver } from "../sat/cdcl.js";
import type { CondaProblem } from "./problem.js";
import type { SolverSpec } from "./spec.js";

export interface ImproveOptions {
  /** Names of the requested specs, in request order. */
  requested: string[];
  /**
   * The requested specs themselves: conda minimises the *sum* of their version ranks (each rank
   * counted among the versions its spec allows) before anything else.
   */
  requestedSpecs?: SolverSpec[];
  /** Conflict budget of each improvement query. */
  conflictBudget?: number;
  /** Upper bound on improvement queries (each is one incremental SAT call). */
  maxQueries?: number;
  signal?: AbortSignal;
  /** Told how many improvement queries ran (for stats). */
  onQueries?: (n: number) => void;
  /** Installed records to keep: conda gives a spec's `target` record no version penalty. */
  favored?: Map<string, PackageRecord>;
}

/**
 * conda's solver optimises level by level after finding any solution (conda/resolve.py
 * `Resolve.solve`): the sum of the requested packages' version ranks, then the number of tracked
 * features, then featureless builds where a featured one fits the active features, then the sum of
 * the requested packages' build ranks, then the sums of every other package's version and build
 * ranks. The greedy first solution follows the same order locally; this pass makes it global. Each
 * level asks the SAT core for a better solution under an assumption (an incremental call: "is
 * there one whose sum is below this?" — a sequential-counter bound — or, per package, "one where
 * this package is better?"), keeps every improvement found, and then locks the level reached with
 * permanent clauses so later levels cannot trade it away. Per-package passes settle the ties the
 * sums leave, in request order and then in the order the search met the packages.
 */
export function improveSolution(problem: CondaProblem, opts: ImproveOptions): PackageRecord[] {
  const sat = problem.sat;
  let current = new Map<string, PackageRecord>();
  let refreshVars: (() => void) | undefined;
  const snapshot = () => {
    current = new Map(problem.solution().map((r) => [r.name, r]));
    refreshVars?.();
  };
  snapshot();
  if (cannotImprove(problem, current, opts.favored)) {
    opts.onQueries?.(0);
    return [...current.values()];
  }
  let queries = 0;
  // Each query re-solves the whole problem, so bound them; real requests need a handful.
  const maxQueries = opts.maxQueries ?? 500;
  const budget = opts.conflictBudget ?? 2000;

  // Locks are only needed by later queries: keep them pending (as thunks, so the variables are
  // not even collected when no query follows) and add them just before a query.
  const pendingLocks: (() => number[])[] = [];

  /** Is there a solution where at least one of `vars` is installed (and all `forbid` are not)? */
  const attempt = (vars: number[], forbid: number[] = []): boolean => {
    if (queries >= maxQueries || opts.signal?.aborted) return false;
    if (vars.length === 0 && forbid.length === 0) return false;
    queries++;
    for (const lock of pendingLocks.splice(0)) {
      const vars = lock();
      if (vars.length) sat.addClause(vars);
    }
    const s = sat.newVar();
    if (vars.length) sat.addClause([-s, ...vars]);
    for (const f of forbid) sat.addClause([-s, -f]);
    const r = sat.solve({ assumptions: [s], conflictBudget: budget, signal: opts.signal });
    if (r === "sat") {
      snapshot();
      sat.addClause([s]);
      return true;
    }
    sat.addClause([-s]);
    return false;
  };

  const currentVar = new Map<string, number>();
  refreshVars = () => {
    currentVar.clear();
    for (const [n, r] of current) currentVar.set(n, problem.varOfRecord(r));
  };
  refreshVars();

  /** Candidate variables of `name` for which `pred(var)` holds, skipping those false for good. */
  const varsWhere = (name: string, pred: (v: number, r: PackageRecord) => boolean): number[] => {
    const e = problem.entry(name);
    const out: number[] = [];
    for (let i = 0; i < e.records.length; i++) {
      const v = e.firstVar + i;
      if (sat.levelOf(v) === 0 && sat.value(v) === -1) continue;
      if (pred(v, e.records[i])) out.push(v);
    }
    return out;
  };

  const lock = (name: string, pred: (v: number, r: PackageRecord) => boolean): void => {
    pendingLocks.push(() => varsWhere(name, pred));
  };

  const vr = (v: number) => problem.versionRank(v);

  /** The installed record is what conda optimises towards for that name: keep it if possible. */
  const keepFavored = (name: string): boolean => {
    const f = opts.favored?.get(name);
    if (!f || current.get(name) !== f) return false;
    const v = problem.varOfRecord(f);
    if (v) pendingLocks.push(() => [v]);
    return true;
  };

  const maximizeVersion = (name: string): void => {
    if (keepFavored(name)) return;
    for (;;) {
      const cv = currentVar.get(name);
      if (!cv) return;
      const cur = vr(cv);
      if (cur === 0) break; // already the highest version there is
      const better = varsWhere(name, (v) => vr(v) < cur);
      if (!better.length || !attempt(better)) break;
    }
    const cv = currentVar.get(name);
    if (cv) lock(name, (v) => vr(v) <= vr(cv));
  };

  const maximizeBuild = (name: string): void => {
    if (keepFavored(name)) return;
    for (;;) {
      const cv = currentVar.get(name);
      const cur = current.get(name);
      if (!cv || !cur) return;
      const better = varsWhere(
        name,
        (v, r) =>
          vr(v) === vr(cv) &&
          r.build_number > cur.build_number &&
          r.track_features.length <= cur.track_features.length,
      );
      if (!better.length || !attempt(better)) break;
    }
    const cv = currentVar.get(name);
    const cur = current.get(name);
    if (cv && cur)
      lock(name, (v, r) => vr(v) < vr(cv) || (vr(v) === vr(cv) && r.build_number >= cur.build_number));
  };

  const isVirtual = (n: string) => n.startsWith("__");
  const requested = opts.requested.filter((n) => !isVirtual(n));

  /**
   * Minimises the sum of the chosen candidates' ranks over `groups` (each query: "a solution whose
   * sum is below the current one?"), then locks the sum reached. `lockZero: false` skips the lock
   * when the sum is already 0 and per-name locks that follow keep every name at rank 0 anyway.
   */
  const minimizeSum = (groups: RankedGroup[], lockZero: boolean): void => {
    const sumNow = (): number => {
      let sum = 0;
      for (const g of groups) {
        const cv = currentVar.get(g.name);
        const i = cv ? g.vars.indexOf(cv) : -1;
        if (i >= 0) sum += g.ranks[i];
      }
      return sum;
    };
    let sum = sumNow();
    if ((sum === 0 && !lockZero) || encodingSize(groups, sum) > MAX_SUM_ENCODING) return;
    while (sum > 0 && queries < maxQueries && !opts.signal?.aborted) {
      for (const lock of pendingLocks.splice(0)) {
        const vars = lock();
        if (vars.length) sat.addClause(vars);
      }
      const guard = sat.newVar();
      atMostSum(sat, groups, sum - 1, guard);
      queries++;
      const r = sat.solve({ assumptions: [guard], conflictBudget: budget, signal: opts.signal });
      // read the model before adding clauses: a new clause may undo the assignment
      if (r === "sat") snapshot();
      sat.addClause([-guard]);
      if (r !== "sat") break;
      const next = sumNow();
      if (next >= sum) break; // (cannot happen: the bound was sum - 1)
      sum = next;
    }
    const lockGuard = sat.newVar();
    sat.addClause([lockGuard]);
    atMostSum(sat, groups, sum, lockGuard);
  };

  /** Each candidate's build rank: 0 for the highest build number of its version, 1 for the next. */
  const buildGroup = (name: string, vars: number[]): RankedGroup => {
    const byVersion = new Map<number, number[]>();
    for (const v of vars) {
      const bn = problem.recordOf(v)?.build_number ?? 0;
      const list = byVersion.get(vr(v)) ?? [];
      list.push(bn);
      byVersion.set(vr(v), list);
    }
    const ranks = vars.map((v) => {
      const bn = problem.recordOf(v)?.build_number ?? 0;
      const higher = new Set(byVersion.get(vr(v))!.filter((b) => b > bn));
      return higher.size;
    });
    return { name, vars, ranks };
  };

  // 1. versions of the requested packages: conda's eq_req_v is a sum over the requested specs, so
  // a better version of one may be worth a worse version of another. The sum is minimised and
  // locked here; ties are settled in request order at the end (after the other packages' sum,
  // which conda ranks before anything that would break them).
  const reqSpecs = (opts.requestedSpecs ?? []).filter((s) => !isVirtual(s.name));
  const summed = reqSpecs.length > 1;
  if (summed) {
    minimizeSum(
      reqSpecs.map((s) => {
        const vars = [...problem.candidates(s)];
        return { name: s.name, vars, ranks: denseRanks(vars.map(vr)) };
      }),
      true,
    );
  }
  // with a single requested spec its sum is its own rank: the per-name pass is exact
  if (!summed) for (const n of requested) maximizeVersion(n);

  // 2. fewer tracked features: try to do without each active one
  const active = () => new Set([...current.values()].flatMap((r) => r.track_features));
  for (const f of [...active()].sort()) {
    const forbid: number[] = [];
    for (const e of problem.loadedNames())
      for (let i = 0; i < e.records.length; i++)
        if (e.records[i].track_features.includes(f)) forbid.push(e.firstVar + i);
    if (!attempt([], forbid)) {
      // keep it: lock nothing, the feature simply stays active
    }
  }

  // 3. featured builds where the feature is active (conda's generate_feature_metric)
  const tracked = active();
  if (tracked.size) {
    for (const [name, rec] of [...current]) {
      for (const f of tracked) {
        if (rec.features.includes(f)) continue;
        const featured = varsWhere(name, (_v, r) => r.features.includes(f));
        if (featured.length && attempt(featured)) lock(name, (_v, r) => r.features.includes(f));
      }
    }
  }

  // Lock the feature level: later queries may not bring in a tracked feature the solution does
  // without (a sum query's model is otherwise free to swap in, say, a nomkl build of equal rank).
  {
    const allowed = active();
    const banned: number[] = [];
    for (const e of problem.loadedNames())
      for (let i = 0; i < e.records.length; i++)
        if (e.records[i].track_features.some((f) => !allowed.has(f))) banned.push(e.firstVar + i);
    for (const v of banned) sat.addClause([-v]);
  }

  // 4. build numbers of the requested packages (conda's eq_req_b: a sum of each chosen build's
  // rank among the builds of its version); per name when there is a single request
  if (summed)
    minimizeSum(
      reqSpecs.map((s) => buildGroup(s.name, [...problem.candidates(s)])),
      true,
    );
  else for (const n of requested) maximizeBuild(n);

  // 5. versions, then builds, of everything else (in the order the search met them)
  const order = (): string[] => {
    const out: string[] = [];
    for (const e of problem.loadedNames()) if (current.has(e.name) && !isVirtual(e.name)) out.push(e.name);
    return out;
  };
  const req = new Set(requested);
  // conda's eq_v: the sum of the version ranks of every other package (installed records to keep
  // aside, as keepFavored keeps them), minimised before the per-name pass settles ties. Proving a
  // sum optimal re-solves the whole problem, which on a 1,500-package environment cost more than
  // the rest of the solve (bench/solve: 9-spec 450k solve step 90 -> 143 ms); above
  // MAX_SUM_NAMES packages the per-name pass alone decides, as before.
  // Names of earlier requests (history) count among the others, as in conda; with a single
  // request they were already maximised in step 1 and keep their locks. Installed records to keep
  // stay out (keepFavored keeps them).
  const own = summed ? new Set(reqSpecs.map((s) => s.name)) : req;
  const others = (): { name: string; vars: number[] }[] => {
    const out: { name: string; vars: number[] }[] = [];
    for (const e of problem.loadedNames()) {
      if (own.has(e.name) || isVirtual(e.name) || e.records.length < 2) continue;
      const f = opts.favored?.get(e.name);
      if (f && current.get(e.name) === f) continue;
      out.push({ name: e.name, vars: e.records.map((_, i) => e.firstVar + i) });
    }
    return out;
  };
  const sumsFit = current.size <= MAX_SUM_NAMES;
  if (sumsFit)
    minimizeSum(
      others().map((o) => ({ ...o, ranks: denseRanks(o.vars.map(vr)) })),
      false,
    );
  // Ties the sums leave among the requested packages go to request order, after everything conda
  // ranks (it would report several solutions there).
  if (summed) for (const n of requested) maximizeVersion(n);
  const done = new Set<string>();
  for (let pass = 0; pass < 2; pass++) {
    for (const n of order()) {
      if (req.has(n) || done.has(n)) continue;
      done.add(n);
      maximizeVersion(n);
    }
  }
  done.clear();
  // conda's eq_b: then the sum of the other packages' build ranks (same limit as the versions)
  if (sumsFit)
    minimizeSum(
      others().map((o) => buildGroup(o.name, o.vars)),
      false,
    );
  for (const n of order()) {
    if (req.has(n) || done.has(n)) continue;
    done.add(n);
    maximizeBuild(n);
  }
  opts.onQueries?.(queries);
  return [...current.values()];
}

/**
 * True when the pass below would make no query at all, so the greedy solution is already conda's
 * optimum: no tracked feature is active, and every chosen (non-virtual) record is either the
 * installed record to keep or has its name's highest version rank with no build of that rank
 * having a higher build number and no more features. (Then every objective is at its best level
 * for every name and each step only records locks.) Most requests end here, in a fresh process
 * this saves running the pass's code at all.
 */
function cannotImprove(
  problem: CondaProblem,
  current: Map<string, PackageRecord>,
  favored: Map<string, PackageRecord> | undefined,
): boolean {
  for (const [name, r] of current) {
    if (r.track_features.length > 0) return false;
    if (name.startsWith("__") || favored?.get(name) === r) continue;
    const v = problem.varOfRecord(r);
    if (!v || problem.versionRank(v) !== 0) return false;
    const e = problem.entry(name);
    for (let i = 0; i < e.records.length; i++) {
      const o = e.records[i];
      if (
        problem.versionRank(e.firstVar + i) === 0 &&
        o.build_number > r.build_number &&
        o.track_features.length <= r.track_features.length
      )
        return false;
    }
  }
  return true;
}

/** Candidate variables of one name (or one requested spec) with their dense version ranks. */
interface RankedGroup {
  name: string;
  vars: number[];
  ranks: number[];
}

/** 0 for the best (lowest) value, 1 for the next distinct one, …: conda counts version steps. */
function denseRanks(values: number[]): number[] {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  const at = new Map(distinct.map((v, i) => [v, i]));
  return values.map((v) => at.get(v)!);
}

function maxRank(g: RankedGroup): number {
  let m = 0;
  for (const r of g.ranks) if (r > m) m = r;
  return m;
}

/** Environments up to this many packages get conda's summed "other packages" objective. */
const MAX_SUM_NAMES = 500;

/** Above this many counter variables (inputs x bound) a sum is left to the per-name pass. */
const MAX_SUM_ENCODING = 200_000;

/** Counter variables {@link atMostSum} would create for a bound just under `sum`. */
function encodingSize(groups: RankedGroup[], sum: number): number {
  let inputs = 0;
  for (const g of groups) inputs += Math.min(maxRank(g), sum);
  return inputs * sum;
}

/**
 * Adds "the chosen candidates' ranks sum to at most `bound`" over `groups` (one candidate per group
 * is installed), active while `guard` is true. Each group's rank is unary: an indicator per level
 * 1..min(its highest rank, bound + 1), implied by every candidate at or above that level; the
 * indicators are then bounded with Sinz's sequential counter. Requests are few and bounds small,
 * so this stays a few hundred clauses.
 */
function atMostSum(sat: CdclSolver, groups: RankedGroup[], bound: number, guard: number): void {
  const inputs: number[] = [];
  for (const g of groups) {
    const top = Math.min(maxRank(g), bound + 1);
    for (let t = 1; t <= top; t++) {
      const u = sat.newVar();
      for (let i = 0; i < g.vars.length; i++) if (g.ranks[i] >= t) sat.addClause([-g.vars[i], u]);
      inputs.push(u);
    }
  }
  const n = inputs.length;
  if (bound <= 0) {
    for (const x of inputs) sat.addClause([-guard, -x]);
    return;
  }
  if (n <= bound) return;
  // s[i][j]: at least j+1 of inputs[0..i] are true
  const s: number[][] = [];
  for (let i = 0; i < n - 1; i++) {
    const row: number[] = [];
    for (let j = 0; j < bound; j++) row.push(sat.newVar());
    s.push(row);
  }
  const x = inputs;
  sat.addClause([-guard, -x[0], s[0][0]]);
  for (let j = 1; j < bound; j++) sat.addClause([-guard, -s[0][j]]);
  for (let i = 1; i < n - 1; i++) {
    sat.addClause([-guard, -x[i], s[i][0]]);
    sat.addClause([-guard, -s[i - 1][0], s[i][0]]);
    for (let j = 1; j < bound; j++) {
      sat.addClause([-guard, -x[i], -s[i - 1][j - 1], s[i][j]]);
      sat.addClause([-guard, -s[i - 1][j], s[i][j]]);
    }
    sat.addClause([-guard, -x[i], -s[i - 1][bound - 1]]);
  }
  sat.addClause([-guard, -x[n - 1], -s[n - 2][bound - 1]]);
}
