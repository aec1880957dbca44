import type { PackageRecord } from "../../conda/package-record.js";
import type { SatResult, SatStats } from "../sat/cdcl.js";
import {
  type ExcludedMatches,
  PackagesNotFoundError,
  SolveAbortedError,
  UnsatisfiableError,
} from "../errors.js";
import type { ChannelPriority, RecordIndex } from "./candidates.js";
import { describeRecords, explainUnsat, requestsInCore } from "./explain.js";
import { improveSolution } from "./optimize.js";
import { CondaProblem } from "./problem.js";
import { parseSolverSpec, type SolverSpec } from "./spec.js";

/**
 * conda's update modifiers: `update_specs` (default: requested specs get their best versions,
 * other installed packages stay as they are unless the request needs them changed),
 * `freeze_installed` (installed records may not change; falls back to `update_specs` when that
 * is impossible, as conda does), `update_all` (every installed package may move to its best).
 */
export type UpdateModifier = "update_specs" | "freeze_installed" | "update_all";

export interface SolveRequest {
  specs: (string | SolverSpec)[];
  index: RecordIndex;
  virtualPackages?: PackageRecord[];
  installed?: PackageRecord[];
  /**
   * Specs the user asked for in earlier commands (conda-meta/history). They still have to hold,
   * as conda keeps them in its spec map; a spec of `specs` for the same name replaces them.
   */
  history?: (string | SolverSpec)[];
  /** `conda-meta/pinned` specs: a pinned name, if present, must match. */
  pinned?: (string | SolverSpec)[];
  channelPriority?: ChannelPriority;
  updateModifier?: UpdateModifier;
  signal?: AbortSignal;
  /** Maximum number of SAT conflicts (default 200 000). */
  budget?: number;
  timeoutMs?: number;
  onProgress?: (stats: SatStats) => void;
  /** Channel names for error messages. */
  channels?: string[];
  /** Parser for spec strings (default: the solver's own; pass `MatchSpec.parse` for the full grammar). */
  parseSpec?: (s: string) => SolverSpec;
  /** Run conda's global optimisation pass after the greedy solution (default true). */
  optimize?: boolean;
  /**
   * A supply-chain policy: the reason a record may not be a candidate, or undefined. Excluded
   * records are kept as exclusions, so errors and explanations can say why they were not used.
   */
  exclude?: (r: PackageRecord) => string | undefined;
}

export interface SolveStats extends SatStats {
  /** Package names loaded into the problem. */
  names: number;
  /** Candidate records of those names (SAT variables). */
  candidates: number;
  /** Incremental SAT calls made by the improvement pass. */
  improvementQueries: number;
}

export interface SolveResult {
  records: PackageRecord[];
  stats: SolveStats;
  /** The problem, for `explainChoices`. */
  problem: CondaProblem;
}

const DEFAULT_BUDGET = 200_000;

function toSpec(s: string | SolverSpec, parse: (s: string) => SolverSpec): SolverSpec {
  return typeof s === "string" ? parse(s) : s;
}

/**
 * Matches exactly the installed record (freeze_installed): its copy in the channels it came from,
 * not a same-named build of another channel (conda's freeze spec names the channel too).
 */
function exactRecordSpec(r: PackageRecord, problem: CondaProblem): SolverSpec {
  let kept: PackageRecord | undefined;
  return {
    name: r.name,
    matches: (o) => o === (kept ??= problem.installedCandidate(r)),
    toString: () => `${r.name}==${r.version}=${r.build}`,
  };
}

function nameSpec(name: string): SolverSpec {
  return { name, matches: (o) => o.name === name, toString: () => name };
}

/**
 * Solves a conda request: returns the records of an environment that satisfies every spec,
 * chosen as conda would. Throws `PackagesNotFoundError` when a requested spec matches nothing,
 * `UnsatisfiableError` with an explanation tree when no environment exists, and
 * `SolveAbortedError` when the budget runs out or `signal` aborts.
 */
/** The request's specs followed by the history specs whose names it does not mention. */
function requestSpecs(req: SolveRequest, parse: (s: string) => SolverSpec): SolverSpec[] {
  const specs = req.specs.map((s) => toSpec(s, parse));
  const names = new Set(specs.map((s) => s.name));
  for (const h of req.history ?? []) {
    // update_all relaxes earlier requests to their names (conda rebuilds its spec map from names)
    const s = req.updateModifier === "update_all" ? nameSpec(toSpec(h, parse).name) : toSpec(h, parse);
    if (!names.has(s.name)) {
      names.add(s.name);
      specs.push(s);
    }
  }
  return specs;
}

export function solve(req: SolveRequest): SolveResult {
  const parse = req.parseSpec ?? parseSolverSpec;
  const specs = requestSpecs(req, parse);
  const plan = attempts(req, parse);
  for (let i = 0; ; i++) {
    try {
      const prep = prepare(req, specs, parse, plan[i]);
      return finish(req, specs, prep, prep.problem.solve(searchOptions(req)), i === plan.length - 1);
    } catch (e) {
      if (i === plan.length - 1 || !(e instanceof UnsatisfiableError)) throw e;
    }
  }
}

/**
 * {@link solve} for interactive use: the search yields to the event loop every few milliseconds,
 * so a SIGINT handler that aborts `signal` stops it (a synchronous solve cannot see the signal
 * change), and `onProgress` can drive a spinner.
 */
export async function solveAsync(req: SolveRequest): Promise<SolveResult> {
  const parse = req.parseSpec ?? parseSolverSpec;
  const specs = requestSpecs(req, parse);
  const plan = attempts(req, parse);
  for (let i = 0; ; i++) {
    try {
      const prep = prepare(req, specs, parse, plan[i]);
      return finish(
        req,
        specs,
        prep,
        await prep.problem.sat.solveAsync(searchOptions(req)),
        i === plan.length - 1,
      );
    } catch (e) {
      if (i === plan.length - 1 || !(e instanceof UnsatisfiableError)) throw e;
    }
  }
}

interface Attempt {
  mode: UpdateModifier;
  /** Extra requirements dropped by the next attempt if they make the request unsatisfiable. */
  soft: SolverSpec[];
}

/**
 * The solves conda tries, in order: with `freeze_installed`, the frozen environment first and then
 * a flexible one (conda's "failed with initial frozen solve. Retrying with flexible solve.");
 * an installed python first keeps its minor version unless python is among the requested specs or
 * the request conflicts with that (conda's Solver._add_specs business rule: python is never moved
 * to another minor version unless asked to, even under update_all).
 */
function attempts(req: SolveRequest, parse: (s: string) => SolverSpec): Attempt[] {
  const mode = req.updateModifier ?? "update_specs";
  const installed = req.installed ?? [];
  const plan: Attempt[] = [];
  if (mode === "freeze_installed" && installed.length) plan.push({ mode, soft: [] });
  const flexible: UpdateModifier = mode === "freeze_installed" ? "update_specs" : mode;
  const python = installed.find((r) => r.name === "python");
  // (conda keeps the python minor version even under update_all: its test_update_all_1)
  const explicit = req.specs.map((x) => (typeof x === "string" ? parse(x) : x));
  if (python && !explicit.some((x) => x.name === "python")) {
    const mm = python.version.split(".").slice(0, 2).join(".");
    try {
      plan.push({ mode: flexible, soft: [parse(`python ${mm}.*`)] });
    } catch {
      // an unparsable installed version: no pin
    }
  }
  plan.push({ mode: flexible, soft: [] });
  return plan;
}

function searchOptions(req: SolveRequest) {
  return {
    conflictBudget: req.budget ?? DEFAULT_BUDGET,
    signal: req.signal,
    timeoutMs: req.timeoutMs,
    onProgress: req.onProgress,
  };
}

interface Prepared {
  problem: CondaProblem;
  favored: Map<string, PackageRecord>;
  /** What built the problem, for re-solving subsets of the request (minimalConflict). */
  parse: (s: string) => SolverSpec;
  attempt: Attempt;
}

function prepare(
  req: SolveRequest,
  specs: SolverSpec[],
  parse: (s: string) => SolverSpec,
  attempt: Attempt,
): Prepared {
  const mode = attempt.mode;
  const installed = req.installed ?? [];
  const requested = new Set(specs.map((s) => s.name));
  const favored = new Map<string, PackageRecord>();
  const extraSpecs: SolverSpec[] = [];
  const frozen: PackageRecord[] = [];
  for (const r of installed) {
    if (requested.has(r.name) || r.name.startsWith("__")) continue;
    if (mode === "freeze_installed") frozen.push(r);
    else {
      extraSpecs.push(nameSpec(r.name));
      if (mode === "update_specs") favored.set(r.name, r);
    }
  }
  const problem = new CondaProblem({
    index: req.index,
    virtualPackages: req.virtualPackages ?? [],
    channelPriority: req.channelPriority ?? "strict",
    parse,
    favored,
    extraRecords: installed,
    pins: (req.pinned ?? []).map((p) => toSpec(p, parse)),
    exclude: req.exclude,
  });
  // conda raises PackagesNotFoundError for requested specs that match no record at all
  const missing = specs.filter((s) => !problem.raw(s.name).some((r) => s.matches(r)));
  if (missing.length) throw new PackagesNotFoundError(missing.map(String), req.channels);
  if (req.exclude) {
    // Records match, but the policy rules out every one of them: say so, and why.
    const blocked: ExcludedMatches[] = [];
    for (const s of specs) {
      const matching = problem.raw(s.name).filter((r) => s.matches(r));
      if (s.name.startsWith("__") || matching.some((r) => req.exclude!(r) === undefined)) continue;
      const byReason = new Map<string, PackageRecord[]>();
      for (const r of matching) {
        const why = req.exclude(r)!;
        byReason.set(why, [...(byReason.get(why) ?? []), r]);
      }
      blocked.push({
        spec: String(s),
        groups: [...byReason].map(([reason, recs]) => ({ records: describeRecords(recs), reason })),
      });
    }
    if (blocked.length)
      throw new PackagesNotFoundError(
        blocked.map((b) => b.spec),
        req.channels,
        blocked,
      );
  }
  for (const s of specs) problem.request(s);
  for (const r of frozen) problem.request(exactRecordSpec(r, problem));
  for (const s of extraSpecs) problem.request(s);
  for (const s of attempt.soft) problem.request(s);
  return { problem, favored, parse, attempt };
}

function finish(
  req: SolveRequest,
  specs: SolverSpec[],
  prep: Prepared,
  result: SatResult,
  last: boolean,
): SolveResult {
  const { problem, favored } = prep;
  if (result === "aborted") throw new SolveAbortedError("aborted", "the solve was cancelled");
  if (result === "unknown")
    throw new SolveAbortedError(
      "budget",
      `the solve gave up after ${problem.sat.stats.conflicts} conflicts (${Math.round(problem.sat.stats.ms)} ms)`,
    );
  if (result === "unsat") {
    // An earlier attempt's failure is caught and the next attempt runs (frozen, then flexible;
    // python's minor version kept, then free): only the last one's explanation is ever shown.
    if (!last) throw new UnsatisfiableError("an earlier solve attempt is unsatisfiable", [], []);
    const m = minimalConflict(req, prep.parse, prep.attempt, problem, specs, requestsInCore(problem));
    throw explainUnsat(m.problem, m.specs);
  }
  const virtual = new Set(req.virtualPackages ?? []);
  let improvementQueries = 0;
  const chosen =
    req.optimize === false
      ? problem.solution()
      : improveSolution(problem, {
          requested: specs.map((s) => s.name),
          requestedSpecs: specs.slice(0, req.specs.length),
          signal: req.signal,
          favored,
          onQueries: (n) => {
            improvementQueries = n;
          },
        });
  if (req.signal?.aborted) throw new SolveAbortedError("aborted", "the solve was cancelled");
  problem.finalRecords = chosen;
  const records = chosen.filter((r) => !virtual.has(r));
  records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let candidates = 0;
  let names = 0;
  for (const e of problem.loadedNames()) {
    names++;
    candidates += e.records.length;
  }
  return { records, stats: { ...problem.sat.stats, names, candidates, improvementQueries }, problem };
}

/** Most requested specs a conflict is minimised over (each try is one more solve). */
const MINIMIZE_MAX_SPECS = 16;

/**
 * The proof of unsatisfiability names the requests it used, but not always a minimal set: a
 * request whose own dependency chain is broken can be reported together with an unrelated spec
 * the search happened to decide first ("b <2 and a are incompatible" when `a` alone cannot be
 * installed). So each named user spec is dropped in turn, from the last requested, and the rest
 * solved on its own (installed packages, pins and history kept as they were); a spec whose removal
 * leaves the rest unsatisfiable is not part of the conflict. The explanation is then built from
 * the problem of the minimal set, so it speaks only of the specs that conflict. The tries together
 * may spend about as many conflicts again as the failed solve did (at least 1,000): a hard
 * refutation is not repeated sixteen times; past that the set found so far is reported. The limit
 * is counted in conflicts, not time, so the same request always gets the same explanation on a
 * busy machine too; a generous clock limit stays as a safety net.
 */
function minimalConflict(
  req: SolveRequest,
  parse: (s: string) => SolverSpec,
  attempt: Attempt,
  failed: CondaProblem,
  specs: SolverSpec[],
  core: SolverSpec[],
): { problem: CondaProblem; specs: SolverSpec[] } {
  let set = specs.filter((s) => core.includes(s));
  if (set.length < 2 || set.length > MINIMIZE_MAX_SPECS) return { problem: failed, specs };
  let problem: CondaProblem | undefined;
  const spent = failed.sat.stats;
  const deadline = performance.now() + Math.max(2000, 4 * spent.ms);
  let conflictsLeft = Math.max(1000, spent.conflicts);
  for (let i = set.length - 1; i >= 0 && set.length > 1; i--) {
    const timeoutMs = deadline - performance.now();
    if (timeoutMs <= 0 || conflictsLeft <= 0) break;
    const conflictBudget = conflictsLeft;
    const rest = set.filter((_, k) => k !== i);
    let p: CondaProblem;
    try {
      p = prepare(req, rest, parse, attempt).problem;
    } catch {
      continue; // (cannot happen: a subset matches what the whole matched)
    }
    const r = p.solve({ conflictBudget, signal: req.signal, timeoutMs });
    conflictsLeft -= p.sat.stats.conflicts;
    if (r === "unsat") {
      set = rest;
      problem = p;
    } else if (r !== "sat") break; // out of budget or cancelled: report what is known
  }
  // nothing dropped: the original problem already speaks of exactly these specs
  if (!problem) return { problem: failed, specs };
  // (set keeps the request order: it is filtered from specs)
  return { problem, specs: set };
}
