import { resolve } from "node:path";
import type { LoadedConfig } from "../env/config.js";
import { listEnvironments } from "../env/environments.js";
import { readPrefixRecords } from "../install/conda-meta.js";
import { readJournal } from "../install/journal.js";
import {
  type CleanFindings,
  findIndexCaches,
  findTarballs,
  findUnusedPackages,
  writablePkgsDirs,
} from "../package/cache-clean.js";

// `clean` joins the environments (which extracted packages their conda-meta links from) with the
// package cache; the cache-only part is in package/cache-clean.ts.

/**
 * The extracted package dirs that every known environment's conda-meta names as its source
 * (`extracted_package_dir`, or `link.source` in older records), or that a pending transaction's
 * journal links from: packages installed by copying have no extra hard links, yet removing them
 * would break `doctor` and reinstalls from the record.
 */
export function packageDirsInUse(config: LoadedConfig): { dirs: Set<string>; warnings: string[] } {
  const dirs = new Set<string>();
  const warnings: string[] = [];
  for (const env of listEnvironments(config)) {
    try {
      for (const pr of readPrefixRecords(env.prefix))
        if (pr.extractedPackageDir) dirs.add(resolve(pr.extractedPackageDir));
      // A transaction running (or interrupted, for `doctor` to finish) links from these.
      for (const step of readJournal(env.prefix)?.steps ?? [])
        if (step.kind === "link") dirs.add(resolve(step.extractedDir));
    } catch (e) {
      warnings.push(`cannot read the packages of ${env.prefix}: ${(e as Error).message}`);
    }
  }
  return { dirs, warnings };
}

/** What `clean` may remove, per kind asked for (conda's `clean --json` shapes). */
export interface Cleanable {
  /** The writable pkgs dirs looked in. */
  pkgsDirs: string[];
  tarballs?: CleanFindings;
  index_cache?: { files: string[]; total_size: number };
  packages?: CleanFindings;
}

/**
 * Finds what `clean --tarballs / --index-cache / --packages` would remove in the configured
 * writable pkgs dirs. Unused packages are those no known environment uses; the warnings of
 * environments that could not be read are added to the packages' warnings.
 */
export async function findCleanable(
  config: LoadedConfig,
  what: { tarballs?: boolean; packages?: boolean; indexCache?: boolean },
): Promise<Cleanable> {
  const pkgsDirs = await writablePkgsDirs(config.pkgs_dirs);
  const out: Cleanable = { pkgsDirs };
  if (what.tarballs) out.tarballs = await findTarballs(pkgsDirs);
  if (what.indexCache) out.index_cache = await findIndexCaches(pkgsDirs);
  if (what.packages) {
    const inUse = packageDirsInUse(config);
    out.packages = await findUnusedPackages(pkgsDirs, inUse.dirs);
    out.packages.warnings.push(...inUse.warnings);
  }
  return out;
}
