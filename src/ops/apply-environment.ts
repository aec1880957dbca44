import { existsSync, mkdirSync } from "node:fs";
import { matchSpecName } from "../conda/spec-name.js";
import type { LoadedConfig } from "../env/config.js";
import { registerEnvironment } from "../env/environments.js";
import {
  executeTransaction,
  planTransaction,
  type TargetPackage,
  type TransactionPlan,
  type TransactionProgress,
  type TransactionResult,
} from "../install/transaction.js";
import { type CacheProgress, PackageCache } from "../package/cache.js";
import type { SolvedEnvironment } from "./solve-environment.js";

export interface ApplyOptions {
  config: LoadedConfig;
  /** Run pre/post-link scripts (off by default; `allow_scripts: ['*']` in .condarc also allows). */
  allowScripts?: boolean;
  /** The command line recorded in conda-meta/history. */
  cmd?: string;
  onDownload?: (p: CacheProgress) => void;
  onLink?: (p: TransactionProgress) => void;
  signal?: AbortSignal;
}

/** The transaction a solved request needs, before any package is fetched. */
export function planEnvironment(
  solved: SolvedEnvironment,
  forceReinstall?: ReadonlySet<string>,
): TransactionPlan {
  const requested = new Map(solved.requestedSpecs.map((s) => [matchSpecName(s) ?? s, s]));
  const targets: TargetPackage[] = solved.records.map((record) => ({
    record,
    // Filled in once the package cache has the package (only for the ones that get linked).
    extractedDir: "",
    requestedSpec: requested.get(record.name),
  }));
  return planTransaction(solved.prefix, targets, { forceReinstall });
}

/**
 * Downloads and extracts what the plan links (parallel, verified, through the shared package
 * cache), then runs the journaled transaction and registers the environment where conda looks.
 */
export async function applyEnvironment(
  solved: SolvedEnvironment,
  plan: TransactionPlan,
  opts: ApplyOptions,
): Promise<TransactionResult> {
  const cache = new PackageCache(opts.config.pkgs_dirs);
  const dirs = await cache.ensure(
    plan.link.map((t) => t.record),
    { onProgress: opts.onDownload, signal: opts.signal },
  );
  plan.link.forEach((t, i) => {
    t.extractedDir = dirs[i]!;
  });
  if (!existsSync(solved.prefix)) mkdirSync(solved.prefix, { recursive: true });
  const allowScripts = opts.allowScripts ?? opts.config.allow_scripts.includes("*");
  const result = executeTransaction(plan, {
    allowScripts,
    cmd: opts.cmd,
    updateSpecs: solved.updateSpecs,
    removeSpecs: solved.removeSpecs,
    onProgress: opts.onLink,
  });
  registerEnvironment(solved.prefix, opts.config);
  return result;
}
