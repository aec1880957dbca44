import { MatchSpec } from "../conda/match-spec.js";
import type { PackageRecord } from "../conda/package-record.js";
import { matchSpecName } from "../conda/spec-name.js";
import type { SolvedEnvironment } from "./solve-environment.js";

/**
 * conda's DepsModifier: `no_deps` (`--no-deps`) and `only_deps` (`--only-deps`). conda applies
 * both after a normal solve, by pruning the solution; so does this.
 */
export type DepsModifier = "no_deps" | "only_deps";

export interface PrunedEnvironment {
  solved: SolvedEnvironment;
  /** What the user should hear about (the inconsistency `--no-deps` may cause). */
  warnings: string[];
}

function matchesAny(specs: readonly MatchSpec[], r: PackageRecord): boolean {
  return specs.some((s) => s.matches(r));
}

/** The names some other record in `records` depends on. */
function dependedOn(records: readonly PackageRecord[]): Set<string> {
  const out = new Set<string>();
  for (const r of records) for (const d of r.depends) out.add(matchSpecName(d) ?? d);
  return out;
}

/**
 * `--no-deps`: the environment is what is installed now, with only the requested packages taken
 * from the solution (replacing installed ones of the same name). Dependencies the solution would
 * have added or changed are not linked, so the result may not satisfy every `depends`.
 */
function noDeps(solved: SolvedEnvironment, requests: readonly MatchSpec[]): PrunedEnvironment {
  const chosen = solved.records.filter((r) => matchesAny(requests, r));
  const names = new Set(chosen.map((r) => r.name));
  const kept = solved.installed.map((p) => p.record).filter((r) => !names.has(r.name));
  const records = [...kept, ...chosen];
  const present = new Set(records.map((r) => r.name));
  const missing = new Set<string>();
  for (const r of chosen)
    for (const d of r.depends) {
      const n = matchSpecName(d) ?? d;
      if (!n.startsWith("__") && !present.has(n)) missing.add(n);
    }
  const changed = solved.records.some(
    (r) => !matchesAny(requests, r) && !kept.some((k) => k.distName === r.distName),
  );
  const warnings =
    missing.size > 0 || changed
      ? [
          `--no-deps: only the requested packages are linked; the environment may be inconsistent${
            missing.size > 0 ? ` (missing dependencies: ${[...missing].sort().join(", ")})` : ""
          }. Run 'taipan install' without --no-deps to repair it.`,
        ]
      : [];
  return { solved: { ...solved, records }, warnings };
}

/**
 * `--only-deps`: the solution without the requested packages themselves. As conda does, only the
 * requested packages nothing else in the solution needs are left out (in `--only-deps python
 * flask`, python stays because flask needs it), and an already installed requested package is
 * kept (only-deps installs dependencies; it does not uninstall). The left-out specs are not
 * recorded as requested, so a later solve does not pull them in.
 */
function onlyDeps(solved: SolvedEnvironment, requests: readonly MatchSpec[]): PrunedEnvironment {
  const installed = new Set(solved.installed.map((p) => p.record.distName));
  const needed = dependedOn(solved.records);
  const dropped = new Set(
    solved.records
      .filter((r) => matchesAny(requests, r) && !needed.has(r.name) && !installed.has(r.distName))
      .map((r) => r.name),
  );
  const keep = (s: string) => !dropped.has(matchSpecName(s) ?? s);
  return {
    solved: {
      ...solved,
      records: solved.records.filter((r) => !dropped.has(r.name)),
      requestedSpecs: solved.requestedSpecs.filter(keep),
      updateSpecs: solved.updateSpecs.filter(keep),
    },
    warnings: [],
  };
}

/** Applies `--no-deps` / `--only-deps` to a solved create/install/update. */
export function applyDepsModifier(
  solved: SolvedEnvironment,
  modifier: DepsModifier | undefined,
): PrunedEnvironment {
  if (!modifier || solved.updateSpecs.length === 0) return { solved, warnings: [] };
  const requests = solved.updateSpecs.map((s) => MatchSpec.parse(s));
  return modifier === "no_deps" ? noDeps(solved, requests) : onlyDeps(solved, requests);
}
