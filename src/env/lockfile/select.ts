import { currentSubdir } from "../../conda/platform.js";
import { type ExplicitEntry, type ExplicitFile, parseExplicitLine } from "../explicit-file.js";
import { LockSelectionError, LockUnsupportedPackagesError } from "./errors.js";
import type { LockedCondaPackage, LockedPackage, LockFile } from "./model.js";

export interface LockSelectOptions {
  /** The environment to install; `default` when not given. */
  environment?: string;
  /** The platform (subdir or pixi v7 platform name); the current subdir when not given. */
  platform?: string;
  /** "error": refuse pypi entries; "warn" (default): install the conda part and report them. */
  pypi?: "warn" | "error";
  /** conda-lock categories to add to the non-optional ones (conda-lock install's `--dev`/`-e`). */
  categories?: readonly string[];
}

export interface LockSelection {
  environment: string;
  /** The platform key in the file. */
  platform: string;
  /** The conda subdir the platform stands for. */
  subdir: string;
  packages: LockedPackage[];
  /** The conda packages as an @EXPLICIT file: installed exactly, hashes verified. */
  explicit: ExplicitFile;
  warnings: string[];
}

/** Picks one environment and platform of a lock file and turns it into an explicit package list. */
export function selectLockedPackages(
  lock: LockFile,
  file: string,
  options: LockSelectOptions = {},
): LockSelection {
  const envName = options.environment ?? "default";
  const env = lock.environments.get(envName);
  if (!env) throw new LockSelectionError(file, "environment", envName, [...lock.environments.keys()]);
  const wanted = options.platform ?? currentSubdir();
  const keys = [...env.packages.keys()];
  const platform = keys.find((k) => k === wanted) ?? keys.find((k) => lock.platformSubdirs.get(k) === wanted);
  if (platform === undefined) throw new LockSelectionError(file, "platform", wanted, keys);
  const subdir = lock.platformSubdirs.get(platform) ?? platform;
  const extra = new Set(options.categories ?? []);
  const packages = (env.packages.get(platform) ?? []).filter(
    (p) => p.kind !== "conda" || !p.optional || extra.has(p.category ?? "main"),
  );

  const source = packages.filter((p) => p.kind === "source");
  if (source.length > 0)
    throw new LockUnsupportedPackagesError(
      file,
      "source",
      source.map((p) => p.name ?? p.location),
    );
  const pypi = packages.filter((p) => p.kind === "pypi");
  const warnings: string[] = [];
  if (pypi.length > 0) {
    const names = pypi.map((p) => (p.name ? `${p.name}${p.version ? `==${p.version}` : ""}` : p.location));
    if (options.pypi === "error") throw new LockUnsupportedPackagesError(file, "pypi", names);
    warnings.push(
      `${file}: ${pypi.length} pypi package(s) are not installable by taipan yet and were skipped: ${names.join(", ")}`,
    );
  }
  const conda = packages.filter((p): p is LockedCondaPackage => p.kind === "conda");
  return {
    environment: envName,
    platform,
    subdir,
    packages,
    explicit: { platform: subdir, packages: conda.map((p) => explicitEntry(p, file)) },
    warnings,
  };
}

function explicitEntry(p: LockedCondaPackage, file: string): ExplicitEntry {
  const entry = parseExplicitLine(p.url, file);
  if (p.subdir && !entry.subdir) entry.subdir = p.subdir;
  if (p.md5) entry.md5 = p.md5.toLowerCase();
  if (p.sha256) entry.sha256 = p.sha256.toLowerCase();
  return entry;
}
