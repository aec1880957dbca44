import type { PackageRecord } from "../../conda/package-record.js";
import type { CdclSolver } from "../sat/cdcl.js";
import type { CondaProblem } from "./problem.js";
import { depName } from "./candidates.js";
import { condaMetrics, type NameMetrics } from "./metrics.js";
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
 * conda's classic solver optimises level by level after finding any solution (conda-classic-solver
 * resolve.py `Resolve.solve`), each level a sum of per-record penalties (metrics.ts): the
 * requested packages' channel and version steps, the number of tracked features, featureless
 * builds where a featured one fits the active features, the requested packages' build-number and
 * noarch steps, how many installed packages to keep were changed (update_specs), the same four
 * sums over every other package, the number of packages no spec names (prune), and last the
 * timestamps. Ranks count only what conda's reduced index keeps. The greedy
 * first solution follows the same order locally; this pass makes it global. Each level asks the
 * SAT core for a better solution under an assumption (an incremental call: "is there one whose sum
 * is below this?" — a sequential-counter bound — or, per package, "one where this package is
 * better?"), keeps every improvement found, and then locks the level reached with permanent
 * clauses so later levels cannot trade it away. Per-package passes settle the ties the sums
 * leave, in request order and then in the order the search met the packages; above
 * MAX_SUM_NAMES packages, or once a level's proof runs out of its budget, they alone decide.
 * `npm run bench:objective` measures the distance from an exhaustive search under conda's levels.
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
  const firstConflicts = sat.stats.conflicts;
  /**
   * Whether every dependency of `r` is met by what is installed now (or names nothing installed):
   * the timestamp level only moves a package to a sibling build, and a sibling that needs, say,
   * another python is ruled out by the locks of the levels above anyway — asking would cost a query.
   */
  const fitsCurrent = (r: PackageRecord): boolean => {
    for (const d of r.depends) {
      let s: SolverSpec;
      try {
        s = problem.spec(d);
      } catch {
        return false;
      }
      const there = current.get(s.name);
      if (there && !s.matches(there)) return false;
    }
    return true;
  };

  const isVirtual = (n: string) => n.startsWith("__");
  // The requested names, each ranked among the candidates every requested spec of it allows
  // (conda's reduced index keeps only those for an explicitly requested name).
  const reqSpecs = (opts.requestedSpecs ?? []).filter((s) => !isVirtual(s.name));
  const reqNames = [...new Set(reqSpecs.map((s) => s.name))];
  const reqAllowed = new Map<string, number[]>();
  for (const s of reqSpecs) {
    const c = problem.candidates(s);
    const before = reqAllowed.get(s.name);
    reqAllowed.set(s.name, before ? before.filter((v) => c.includes(v)) : [...c]);
  }
  const reqAllowedSet = new Map([...reqAllowed].map(([n, vs]) => [n, new Set(vs)]));

  /**
   * Whether a candidate is in conda's reduced index, which ranks are counted in: allowed by the
   * requests of its name, and each dependency has such a candidate (to a fixpoint; names not loaded
   * yet count as having one, and a cycle is assumed to hold, as conda's pruning starts from
   * everything and only removes).
   */
  const feasibleMemo = new Map<number, boolean>();
  const feasible = (v: number): boolean => {
    const hit = feasibleMemo.get(v);
    if (hit !== undefined) return hit;
    const r = problem.recordOf(v);
    const allowed = r && reqAllowedSet.get(r.name);
    // (what the search has ruled out, say by a constraint, still counts: conda's pruning looks
    // only at dependencies)
    if (allowed && !allowed.has(v)) {
      feasibleMemo.set(v, false);
      return false;
    }
    feasibleMemo.set(v, true);
    if (!r) return true;
    for (const d of r.depends) {
      let s: SolverSpec;
      try {
        s = problem.spec(d);
      } catch {
        feasibleMemo.set(v, false);
        return false;
      }
      // (a name not loaded yet is loaded now while the environment is small enough for the
      // summed levels; in a big one it counts as having a candidate)
      if (!problem.isLoaded(s.name) && problem.loadedCount > MAX_SUM_NAMES) continue;
      let any = false;
      for (const u of problem.candidates(s))
        if (feasible(u)) {
          any = true;
          break;
        }
      if (!any) {
        feasibleMemo.set(v, false);
        return false;
      }
    }
    return true;
  };

  if (cannotImprove(problem, current, opts.favored, feasible, new Set(reqNames), fitsCurrent)) {
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
  const flushLocks = () => {
    for (const lock of pendingLocks.splice(0)) {
      const vars = lock();
      if (vars.length) sat.addClause(vars);
    }
  };

  /** Is there a solution where at least one of `vars` is installed (and all `forbid` are not)? */
  const attempt = (vars: number[], forbid: number[] = []): boolean => {
    if (queries >= maxQueries || opts.signal?.aborted) return false;
    if (vars.length === 0 && forbid.length === 0) return false;
    queries++;
    flushLocks();
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

  type Compare = (v: number, r: PackageRecord, cv: number, cur: PackageRecord) => boolean;

  /**
   * One name's per-name pass: the installed record to keep stays if it is current; otherwise the
   * name moves to a candidate `better` than its current record for as long as a solution allows,
   * and is then locked to the candidates `noWorse` than the record reached. `settled` says when no
   * candidate can be better (and spares the scan).
   */
  const climb = (name: string, better: Compare, noWorse: Compare, settled?: (cv: number) => boolean) => {
    if (keepFavored(name)) return;
    for (;;) {
      const cv = currentVar.get(name);
      const cur = current.get(name);
      if (!cv || !cur) return;
      if (settled?.(cv)) break;
      const up = varsWhere(name, (v, r) => better(v, r, cv, cur));
      if (!up.length || !attempt(up)) break;
    }
    const cv = currentVar.get(name);
    const cur = current.get(name);
    if (cv && cur) lock(name, (v, r) => noWorse(v, r, cv, cur));
  };

  const maximizeVersion = (name: string): void =>
    climb(
      name,
      (v, _r, cv) => vr(v) < vr(cv),
      (v, _r, cv) => vr(v) <= vr(cv),
      (cv) => vr(cv) === 0, // already the highest version there is
    );

  const maximizeBuild = (name: string): void =>
    climb(
      name,
      (v, r, cv, cur) =>
        vr(v) === vr(cv) &&
        r.build_number > cur.build_number &&
        r.track_features.length <= cur.track_features.length,
      (v, r, cv, cur) => vr(v) < vr(cv) || (vr(v) === vr(cv) && r.build_number >= cur.build_number),
    );

  const requested = opts.requested.filter((n) => !isVirtual(n));

  /** conda's key but the timestamp: channel, version, build number, arch or noarch. */
  const sameButTimestamp = (v: number, r: PackageRecord, w: number, o: PackageRecord): boolean =>
    vr(v) === vr(w) &&
    problem.channelRank(r) === problem.channelRank(o) &&
    r.build_number === o.build_number &&
    (r.subdir === "noarch") === (o.subdir === "noarch");

  /** conda's timestamp level for one name: the newest of the builds its key otherwise ties with. */
  const newestBuild = (name: string): void =>
    climb(
      name,
      (v, r, cv, cur) =>
        sameButTimestamp(v, r, cv, cur) &&
        (r.timestamp ?? 0) > (cur.timestamp ?? 0) &&
        fitsCurrent(r) &&
        feasible(v),
      (v, r, cv, cur) => !sameButTimestamp(v, r, cv, cur) || (r.timestamp ?? 0) >= (cur.timestamp ?? 0),
    );

  /** conda's metrics of a name's candidates (the requested names' among what their specs allow). */
  const metricsOf = (name: string): Record<keyof NameMetrics, RankedGroup> => {
    const k = reqNames.indexOf(name);
    if (k >= 0) return reqGroups[k];
    let m = otherMetrics.get(name);
    if (!m) {
      const e = problem.entry(name);
      m = metricGroups(
        name,
        e.records.map((_, i) => e.firstVar + i),
      );
      otherMetrics.set(name, m);
    }
    return m;
  };

  /** A candidate's penalties on the levels above prune (channel, version, build, arch). */
  const levelsAbove = (name: string, v: number): number[] | undefined => {
    const m = metricsOf(name);
    const i = m.version.vars.indexOf(v);
    if (i < 0) return undefined;
    return [m.channel.ranks[i], m.version.ranks[i], m.build.ranks[i], m.arch.ranks[i]];
  };

  /**
   * Whether moving `name` from candidate `v` to `w` and dropping the installed `x` could leave the
   * levels above prune no worse: what `w` loses against `v` must be paid for by `x`'s own penalties
   * (an older build without the dependency, made up for by not installing an old `x`).
   */
  const noWorseWithout = (x: string, name: string, v: number, w: number): boolean => {
    const from = levelsAbove(name, v);
    const to = levelsAbove(name, w);
    if (!from || !to) return false;
    const xv = currentVar.get(x);
    const paid = (xv && !own.has(x) && levelsAbove(x, xv)) || [0, 0, 0, 0];
    for (let l = 0; l < 4; l++) {
      const d = to[l] - from[l] - paid[l];
      if (d !== 0) return d < 0;
    }
    return true;
  };

  /**
   * conda's prune level (fewer installed packages that no spec names, its specm) as a local
   * search: for each such package that could be done without — every installed package depending
   * on it has a build without that dependency that is no worse on the levels above once this
   * package's own penalties are gone, or could go as well — ask for a solution without it that
   * brings in no other unnamed package. When some package could go at all, a small environment gets
   * the exact count bound instead (it also catches two packages swapped for one); in a big one that
   * counter grows with the square of the environment (jupyter: 97 packages, ~10,000 counter
   * variables, 134 conflicts to prove) for a level that almost never changes anything.
   */
  const prune = (proofBudget: number): void => {
    const named = new Set(problem.requirements.root.map((q) => q.spec.name));
    const dependsOn = (r: PackageRecord, x: string) => r.depends.some((d) => depName(d) === x);
    const memo = new Map<string, boolean>();
    const removable = (x: string): boolean => {
      const hit = memo.get(x);
      if (hit !== undefined) return hit;
      memo.set(x, false); // (a cycle of dependants does not make a package removable)
      let ok = !named.has(x) && !isVirtual(x);
      for (const r of current.values()) {
        if (!ok) break;
        if (r.name === x || !dependsOn(r, x)) continue;
        const e = problem.entry(r.name);
        const rv = currentVar.get(r.name)!;
        // (an alternative the search has ruled out for good, say a build with a tracked feature
        // the feature level banned, cannot help)
        const alternative = e.records.some((o, i) => {
          const u = e.firstVar + i;
          if (sat.levelOf(u) === 0 && sat.value(u) === -1) return false;
          return !dependsOn(o, x) && noWorseWithout(x, r.name, rv, u) && feasible(u);
        });
        ok = alternative || removable(r.name);
      }
      memo.set(x, ok);
      return ok;
    };
    const removals = [...current.keys()].filter(removable);
    if (!removals.length) return;
    // A small environment gets the exact level, a count bound over every unnamed name (a swap of
    // two packages for one counts too); a big one the local search below, whose queries add no
    // counter of the environment's size.
    const unnamed: RankedGroup[] = [];
    let installedUnnamed = 0;
    for (const e of problem.loadedNames()) {
      if (named.has(e.name) || e.records.length === 0) continue;
      if (current.has(e.name)) installedUnnamed++;
      const vars = e.records.map((_, i) => e.firstVar + i);
      unnamed.push({ name: e.name, vars, ranks: vars.map(() => 1) });
    }
    if (installedUnnamed <= PRUNE_SUM_MAX) {
      minimizeSum(unnamed, proofBudget);
      return;
    }
    for (const x of removals) {
      if (!current.has(x) || !removable(x)) continue;
      const forbid: number[] = [];
      for (const e of problem.loadedNames()) {
        if (named.has(e.name) || (e.name !== x && current.has(e.name))) continue;
        for (let i = 0; i < e.records.length; i++) forbid.push(e.firstVar + i);
      }
      if (attempt([], forbid)) memo.clear();
    }
  };

  /**
   * The descent every summed level makes: while `value()` is above 0, ask for a solution under
   * `boundBelow(value - 1, guard)` (an assumption, retired after the query) and keep each one
   * found; then `lock` the value reached for good. False when a query ran out of `queryBudget`
   * conflicts first: the level is not proved optimal.
   *
   * A query may load names the bound did not cover (the encoding is lazy): its model can then look
   * better than it is. So the value is taken again over what is loaded after each query; a model no
   * better than before is not an improvement, and the query is asked again with the new names in
   * the bound — and after a refuted query the solver is brought back to a model at the value
   * reached, should the last one have slipped above it.
   */
  const descend = (
    value: () => number,
    boundBelow: (bound: number, guard: number) => void,
    lock: (reached: number) => void,
    queryBudget: number,
  ): boolean => {
    let reached = value();
    let proved = reached === 0;
    const ask = (bound: number) => {
      flushLocks();
      const guard = sat.newVar();
      boundBelow(bound, guard);
      queries++;
      const r = sat.solve({ assumptions: [guard], conflictBudget: queryBudget, signal: opts.signal });
      // read the model before adding clauses: a new clause may undo the assignment
      if (r === "sat") snapshot();
      sat.addClause([-guard]);
      return r;
    };
    while (reached > 0 && queries < maxQueries && !opts.signal?.aborted) {
      const loaded = problem.loadedCount;
      const r = ask(reached - 1);
      if (r !== "sat") {
        proved = r === "unsat";
        break;
      }
      const next = value();
      if (next < reached) {
        reached = next;
        proved = reached === 0;
      } else if (problem.loadedCount === loaded) break; // (cannot happen: the bound was below)
    }
    if (value() > reached) ask(reached); // (the earlier model, or one as good, satisfies it)
    lock(reached);
    return proved;
  };

  /** A permanent "at most `bound`" through an always-true guard. */
  const forGood = (bound: (guard: number) => void) => {
    const guard = sat.newVar();
    sat.addClause([guard]);
    bound(guard);
  };

  /**
   * Minimises the sum of the chosen candidates' ranks over the groups (each query: "a solution whose
   * sum is below the current one?"), then locks the sum reached (at 0 too: the next level's query
   * would otherwise trade it away).
   * False when the level is not proved optimal (a query ran out of `queryBudget`, or the sum is
   * too big to encode).
   */
  const minimizeSum = (groupsNow: RankedGroup[] | (() => RankedGroup[]), queryBudget = budget): boolean => {
    // (a function gives the groups of what is loaded at each query: see `descend`)
    const groupsOf = typeof groupsNow === "function" ? groupsNow : () => groupsNow;
    let groups = groupsOf();
    const sumNow = (): number => {
      groups = groupsOf();
      let sum = 0;
      for (const g of groups) {
        const cv = currentVar.get(g.name);
        const i = cv ? g.vars.indexOf(cv) : -1;
        if (i >= 0) sum += g.ranks[i];
      }
      return sum;
    };
    const sum = sumNow();
    if (encodingSize(groups, sum) > MAX_SUM_ENCODING) return false;
    return descend(
      sumNow,
      (bound, guard) => atMostSum(sat, groups, bound, guard),
      (reached) => {
        // at 0, every chosen rank is 0 and stays so: plain unit clauses, no counter
        if (reached > 0) forGood((guard) => atMostSum(sat, groups, reached, guard));
        else
          for (const g of groups)
            for (let i = 0; i < g.vars.length; i++) if (g.ranks[i] > 0) sat.addClause([-g.vars[i]]);
      },
      queryBudget,
    );
  };

  /**
   * conda's update count (eq_u): fewer installed packages moved off the record to keep (removing
   * one counts too), minimised like {@link minimizeSum} over the literals "this one is not kept".
   */
  const minimizeChanges = (keep: [string, PackageRecord][], queryBudget: number): boolean => {
    const lits = keep.map(([, r]) => -problem.varOfRecord(r));
    return descend(
      () => keep.filter(([n, r]) => current.get(n) !== r).length,
      (bound, guard) => atMostTrue(sat, lits, bound, guard),
      (reached) => {
        if (reached > 0) forGood((guard) => atMostTrue(sat, lits, reached, guard));
        else for (const l of lits) sat.addClause([-l]);
      },
      queryBudget,
    );
  };

  /**
   * conda's per-record penalties (channel, version, build, arch, timestamp steps) over the given
   * candidates of a name that are in its reduced index (the others can never be installed).
   * Whether a candidate is in it costs parsing its dependencies, so only the candidates ranked
   * above the installed one are checked: those decide the installed one's penalties, while a
   * dropped record further down would only lower the penalties of records worse than it (and an
   * absent name's penalties count only once an improvement installs it).
   */
  const metricGroups = (name: string, vars: number[]): Record<keyof NameMetrics, RankedGroup> => {
    const rank = (r: PackageRecord) => problem.channelRank(r);
    const metricsOver = (vs: number[]) =>
      condaMetrics(
        vs.map((v) => problem.recordOf(v)!),
        rank,
        problem.channelPriority,
      );
    let live = vars;
    let m = metricsOver(live);
    const chosen = vars.indexOf(currentVar.get(name) ?? 0);
    if (chosen >= 0) {
      const levels = [m.channel, m.version, m.build, m.arch, m.timestamp];
      const above = (i: number) => {
        for (const l of levels) if (l[i] !== l[chosen]) return l[i] < l[chosen];
        return false;
      };
      const dropped = new Set(vars.filter((v, i) => above(i) && !feasible(v)));
      if (dropped.size) {
        live = vars.filter((v) => !dropped.has(v));
        m = metricsOver(live);
      }
    }
    return {
      channel: { name, vars: live, ranks: m.channel },
      version: { name, vars: live, ranks: m.version },
      build: { name, vars: live, ranks: m.build },
      arch: { name, vars: live, ranks: m.arch },
      timestamp: { name, vars: live, ranks: m.timestamp },
    };
  };

  const reqGroups = reqNames.map((name) => metricGroups(name, reqAllowed.get(name) ?? []));

  // 1. channels, then versions, of the requested packages: conda's eq_req_c and eq_req_v are sums
  // over the requested specs, so a better version of one may be worth a worse version of another.
  // Each sum is minimised and locked here; ties are settled in request order at the end (after
  // the other packages' sums, which conda ranks before anything that would break them).
  minimizeSum(reqGroups.map((g) => g.channel));
  minimizeSum(reqGroups.map((g) => g.version));

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
  // steps below the highest build of its channel and version), then arch builds over noarch ones
  // of the same build number (eq_req_a)
  minimizeSum(reqGroups.map((g) => g.build));
  minimizeSum(reqGroups.map((g) => g.arch));

  // Proving a level optimal can take far more search than the whole solve did (index4's build sum
  // over the other packages: 120 conflicts, where everything before had needed 8), so each query
  // of the levels below gets a budget scaled to the first solve; a level whose query runs out
  // keeps what it has, and the per-name passes at the end settle the rest.
  const proofBudget = Math.min(budget, 10 + firstConflicts);

  // conda's update count (eq_u), when installed packages are kept where possible (update_specs):
  // as few of them changed as the request allows, before anything else is maximised
  const keep = [...(opts.favored ?? [])].filter(([n, r]) => !isVirtual(n) && problem.varOfRecord(r) > 0);
  let proved = minimizeChanges(keep, proofBudget);

  // 5. everything else: conda's eq_c, eq_v, eq_b and eq_a, sums over every other package
  // (installed records to keep aside, as keepFavored keeps them), then prune, then the timestamps
  // of all (eq_t with eq_req_t). Proving a sum optimal re-solves the whole problem, which on a
  // 1,500-package environment cost more than the rest of the solve (bench/solve: 9-spec 450k
  // solve step 90 -> 143 ms); above MAX_SUM_NAMES packages the per-name passes below alone
  // decide. Names of earlier requests (history) count among the others, as in conda.
  const req = new Set(requested);
  const own = new Set(reqNames);
  const otherMetrics = new Map<string, Record<keyof NameMetrics, RankedGroup>>();
  const others = (): Record<keyof NameMetrics, RankedGroup>[] => {
    const out: Record<keyof NameMetrics, RankedGroup>[] = [];
    for (const e of problem.loadedNames()) {
      if (own.has(e.name) || isVirtual(e.name) || e.records.length < 2) continue;
      const f = opts.favored?.get(e.name);
      if (f && current.get(e.name) === f) continue;
      let m = otherMetrics.get(e.name);
      if (!m) {
        m = metricGroups(
          e.name,
          e.records.map((_, i) => e.firstVar + i),
        );
        otherMetrics.set(e.name, m);
      }
      out.push(m);
    }
    return out;
  };
  const sumsFit = current.size <= MAX_SUM_NAMES;
  const order = (): string[] => {
    const out: string[] = [];
    for (const e of problem.loadedNames()) if (current.has(e.name) && !isVirtual(e.name)) out.push(e.name);
    return out;
  };
  // Each sum is locked, at 0 too: the next level's query would otherwise trade it away. A level
  // left unproved ends the sums: a later sum's lock could keep the earlier level from the
  // improvement the per-name passes would still find (conda's test_prune_1 lost a numexpr version
  // to the build sum that way).
  proved &&= sumsFit;
  for (const level of ["channel", "version", "build", "arch"] as const)
    proved &&= minimizeSum(() => others().map((g) => g[level]), proofBudget);
  if (proved) prune(proofBudget);
  // Ties the sums leave go to request order, then to the order the search met the packages
  // (conda would report several solutions there); above MAX_SUM_NAMES these passes alone decide.
  for (const n of requested) maximizeVersion(n);
  const done = new Set<string>();
  for (let pass = 0; pass < 2; pass++) {
    for (const n of order()) {
      if (req.has(n) || done.has(n)) continue;
      done.add(n);
      maximizeVersion(n);
    }
  }
  done.clear();
  for (const n of order()) {
    if (req.has(n) || done.has(n)) continue;
    done.add(n);
    maximizeBuild(n);
  }
  // conda's last level: the newest timestamp among otherwise equal builds (a sum in conda; per
  // name here, as trading one package's timestamp for another's is all a sum could add)
  if (proved) for (const n of order()) newestBuild(n);
  opts.onQueries?.(queries);
  return [...current.values()];
}

/**
 * True when the pass below could not change anything, so the greedy solution is already conda's
 * optimum: every installed record to keep is kept, no tracked feature is active, and every chosen
 * (non-virtual) record is either the installed record to keep or has no candidate of its name in conda's reduced index that conda's
 * key ranks above it — channel (flexible), version, channel (disabled), build number, arch over
 * noarch, timestamp (a newer sibling only if it fits what is installed, as the timestamp pass
 * asks no more) — and that would not add a tracked feature. Then no level can improve. Most requests end here; in a
 * fresh process this saves running the pass's code at all.
 */
function cannotImprove(
  problem: CondaProblem,
  current: Map<string, PackageRecord>,
  favored: Map<string, PackageRecord> | undefined,
  feasible: (v: number) => boolean,
  requested: ReadonlySet<string>,
  fits: (r: PackageRecord) => boolean,
): boolean {
  const disabled = problem.channelPriority === "disabled";
  // an installed package moved off the record to keep: the update count may come down
  for (const [name, f] of favored ?? []) if (!name.startsWith("__") && current.get(name) !== f) return false;
  for (const [name, r] of current) {
    if (r.track_features.length > 0) return false;
    if (name.startsWith("__") || favored?.get(name) === r) continue;
    const v = problem.varOfRecord(r);
    if (!v) return false;
    const e = problem.entry(name);
    const key = (u: number, o: PackageRecord) => [
      problem.versionRank(u), // (channel first under flexible: folded into the rank)
      disabled ? problem.channelRank(o) : 0,
      -o.build_number,
      o.subdir === "noarch" ? 1 : 0,
      -(o.timestamp ?? 0),
    ];
    const mine = key(v, r);
    for (let i = 0; i < e.records.length; i++) {
      const u = e.firstVar + i;
      if (u === v) continue;
      const k = key(u, e.records[i]);
      // A featured build would add a tracked feature, and conda counts features before anything
      // but the requested packages' channels and versions: only there can it be better.
      const featured = e.records[i].track_features.length > 0;
      if (featured && !requested.has(name)) continue;
      for (let j = 0; j < (featured ? 2 : k.length); j++) {
        // (newer but otherwise equal: the timestamp pass only moves to a sibling that fits)
        if (k[j] < mine[j]) {
          // (feasibility last: it parses the candidate's dependencies)
          if ((j === k.length - 1 && !fits(e.records[i])) || !feasible(u)) break;
          return false;
        }
        if (k[j] > mine[j]) break;
      }
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

function maxRank(g: RankedGroup): number {
  let m = 0;
  for (const r of g.ranks) if (r > m) m = r;
  return m;
}

/** Up to this many installed packages no spec names, prune is an exact count bound. */
const PRUNE_SUM_MAX = 30;

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
  atMostTrue(sat, inputs, bound, guard);
}

/** "At most `bound` of the literals `x` are true" while `guard` is (Sinz's sequential counter). */
function atMostTrue(sat: CdclSolver, x: readonly number[], bound: number, guard: number): void {
  const n = x.length;
  if (bound <= 0) {
    for (const l of x) sat.addClause([-guard, -l]);
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
