import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MatchSpec } from "../conda/match-spec.js";
import type { PackageRecord } from "../conda/package-record.js";
import { currentSubdir } from "../conda/platform.js";
import { matchSpecName } from "../conda/spec-name.js";
import { detectVirtualPackages } from "../conda/virtual-packages.js";
import type { ChannelPriority, LoadedConfig } from "../env/config.js";
import { type PrefixRecord, readPrefixRecords } from "../install/conda-meta.js";
import { recoverPrefix } from "../install/transaction.js";
import { loadPolicy } from "../policy/load-policy.js";
import type { Policy } from "../policy/policy.js";
import type { RepodataIndex } from "../repodata/gateway.js";
import { type SolveResult, solveAsync, type UpdateModifier } from "../solver/conda/solve.js";
import type { SatStats } from "../solver/sat/cdcl.js";
import { gatewayFor } from "./channels.js";
import { mergeSpecs, requestedSpecsOf } from "./requested-specs.js";

export type ChangeKind = "create" | "install" | "update" | "remove";

export interface EnvironmentRequest {
  prefix: string;
  kind: ChangeKind;
  /** Specs from the command line (for `remove`: the names to remove). */
  specs: string[];
  /** `update --all`. */
  updateAll?: boolean;
  /**
   * `remove --force` (conda's alias of `--no-deps` for remove): only the named packages go; what
   * depends on them stays, broken until repaired.
   */
  removeOnlyNamed?: boolean;
  /**
   * `--update-deps` (conda's UPDATE_DEPS): the requested packages' dependencies may move to their
   * best versions too; `--freeze-installed` / `--no-update-deps`: installed packages stay put
   * unless that is impossible. Default: install freezes, update updates the requested specs.
   */
  updateDeps?: boolean;
  freezeInstalled?: boolean;
  /**
   * Solve from the given specs alone, ignoring what is installed and earlier requests (used to
   * restore a revision, whose exact package set is the request); the prefix's contents are then
   * replaced by the result.
   */
  fromScratch?: boolean;
  /** Channel strings in priority order (already `-c` + configured, or only `-c`). */
  channels: string[];
  config: LoadedConfig;
  /** Target subdir; default the host's (or `CONDA_SUBDIR`). */
  subdir?: string;
  channelPriority?: ChannelPriority;
  offline?: boolean;
  signal?: AbortSignal;
  /** Called about once a second while a long solve runs. */
  onSolveProgress?: (stats: SatStats) => void;
  /**
   * The supply-chain policy to enforce; default: the files named by `TAIPAN_POLICY` or the
   * `policy_file` setting, plus the prefix's `conda-meta/policy.yaml`.
   */
  policy?: Policy;
}

/** What a request resolves to, before anything is downloaded or linked. */
export interface SolvedEnvironment {
  prefix: string;
  subdir: string;
  /** The complete target environment (virtual packages left out). */
  records: PackageRecord[];
  /** What is in the prefix now. */
  installed: PrefixRecord[];
  /** The specs recorded as requested after this change (history's `update specs`). */
  requestedSpecs: string[];
  /** The specs this command adds to the request (for `# update specs`) or removes. */
  updateSpecs: string[];
  removeSpecs: string[];
  solve: SolveResult | undefined;
  index: RepodataIndex | undefined;
}

/** `conda-meta/pinned`: one spec per line, `#` comments (conda's per-environment pins). */
export function pinnedSpecsOf(prefix: string): string[] {
  const file = join(prefix, "conda-meta", "pinned");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, "").trim())
    .filter((l) => l.length > 0);
}

/** Every name that (transitively) depends on one of `names` among `records`. */
function dependentsOf(records: readonly PackageRecord[], names: Set<string>): Set<string> {
  const out = new Set(names);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of records) {
      if (out.has(r.name)) continue;
      if (r.depends.some((d) => out.has(matchSpecName(d) ?? ""))) {
        out.add(r.name);
        grew = true;
      }
    }
  }
  return out;
}

/** The names `roots` need, directly or through other records among `records` (roots excluded). */
function dependencyNames(records: readonly PackageRecord[], roots: readonly string[]): Set<string> {
  const byName = new Map(records.map((r) => [r.name, r]));
  const seen = new Set<string>(roots);
  const queue = [...roots];
  while (queue.length > 0) {
    const r = byName.get(queue.pop()!);
    for (const d of r?.depends ?? []) {
      const n = matchSpecName(d) ?? d;
      if (!seen.has(n)) {
        seen.add(n);
        queue.push(n);
      }
    }
  }
  for (const n of roots) seen.delete(n);
  return seen;
}

/**
 * Turns a create/install/update/remove request into the target set of records: loads the channels'
 * repodata for `[subdir, noarch]`, detects virtual packages, and solves with the prefix's
 * installed packages and history-recorded requests, as conda does. Throws the solver's typed
 * errors (`PackagesNotFoundError`, `UnsatisfiableError`) unchanged.
 */
export async function solveEnvironment(req: EnvironmentRequest): Promise<SolvedEnvironment> {
  const subdir = req.subdir ?? currentSubdir();
  // A crash in an earlier command must not be read as the installed state.
  if (req.kind !== "create") recoverPrefix(req.prefix);
  const installed = req.kind === "create" ? [] : readPrefixRecords(req.prefix);
  const scratch = req.kind === "create" || req.fromScratch === true;
  const installedRecords = scratch ? [] : installed.map((p) => p.record);
  const previous = scratch ? new Map<string, string>() : requestedSpecsOf(req.prefix);

  let requested: Map<string, string>;
  let removeSpecs: string[] = [];
  let updateSpecs: string[] = req.specs;
  if (req.kind === "remove") {
    const names = new Set(req.specs.map((s) => matchSpecName(s) ?? s));
    const gone = req.removeOnlyNamed ? names : dependentsOf(installedRecords, names);
    const kept = installedRecords.filter((r) => !gone.has(r.name));
    requested = new Map([...previous].filter(([n]) => !gone.has(n)));
    removeSpecs = req.specs;
    updateSpecs = [];
    // conda removes the packages and everything that needs them, and leaves the rest as it is.
    return {
      prefix: req.prefix,
      subdir,
      records: kept,
      installed,
      requestedSpecs: [...requested.values()],
      updateSpecs,
      removeSpecs,
      solve: undefined,
      index: undefined,
    };
  }
  requested = mergeSpecs(previous, req.specs);
  // `update --all` asks for the newest of everything installed (names only, as conda does).
  if (req.updateAll)
    for (const r of installedRecords) if (!requested.has(r.name)) requested.set(r.name, r.name);

  let specs = scratch ? req.specs : [...requested.values()];
  if (req.updateAll && !scratch) {
    // conda's UPDATE_ALL drops the constraints of earlier requests so everything can float; only
    // this command's specs and the pins (given to the solver separately) still bind.
    const given = new Set(req.specs.map((s) => matchSpecName(s) ?? s));
    specs = [...requested].map(([name, spec]) => (given.has(name) ? spec : name));
  }
  // Read before any download, so a broken policy file fails fast.
  const policy = req.policy ?? loadPolicy({ policyFile: req.config.policy_file, prefix: req.prefix });
  const gateway = gatewayFor(req.config, { offline: req.offline });
  let index: RepodataIndex;
  try {
    index = await gateway.load({
      channels: req.channels,
      subdirs: [subdir, "noarch"],
      specs: [...specs, ...installedRecords.map((r) => r.name)],
    });
  } finally {
    await gateway.close();
  }
  const updateModifier: UpdateModifier = req.updateAll
    ? "update_all"
    : req.updateDeps
      ? "update_specs"
      : req.kind === "install" || req.freezeInstalled
        ? "freeze_installed"
        : "update_specs";
  // The async solve yields to the event loop now and then, so Ctrl-C (an aborted signal) stops it.
  const solveWith = (specs: string[]) =>
    solveAsync({
      specs,
      index,
      virtualPackages: detectVirtualPackages(subdir),
      installed: installedRecords,
      pinned: [...req.config.pinned_packages, ...pinnedSpecsOf(req.prefix)],
      channelPriority: req.channelPriority ?? req.config.channel_priority,
      updateModifier,
      signal: req.signal,
      onProgress: req.onSolveProgress,
      channels: [...index.channels],
      // conda's whole MatchSpec grammar for requests and repodata depends/constrains.
      parseSpec: (s) => MatchSpec.parse(s),
      // Policy is a solver input: blocked candidates carry their reason into errors.
      exclude: policy.isEmpty ? undefined : policy.exclude,
    });
  let result = await solveWith(specs);
  // conda's UPDATE_DEPS solves twice: the second time the first solution's dependencies of the
  // requested packages are requested too (by name, so they take their best versions), without
  // being recorded as requested in history.
  if (req.updateDeps && !req.updateAll) {
    const deps = dependencyNames(
      result.records,
      req.specs.map((s) => matchSpecName(s) ?? s),
    );
    const extra = [...deps].filter((n) => !requested.has(n) && !n.startsWith("__"));
    if (extra.length > 0) result = await solveWith([...specs, ...extra]);
  }
  return {
    prefix: req.prefix,
    subdir,
    records: result.records.filter((r) => !r.name.startsWith("__")),
    installed,
    requestedSpecs: [...requested.values()],
    updateSpecs,
    removeSpecs,
    solve: result,
    index,
  };
}
