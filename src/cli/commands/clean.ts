import { randomBytes } from "node:crypto";
import { constants, type Dirent } from "node:fs";
import { access, lstat, readdir, rename, rm, stat } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import type { LoadedConfig } from "../../env/config.js";
import { listEnvironments } from "../../env/environments.js";
import { readPrefixRecords } from "../../install/conda-meta.js";
import { readJournal } from "../../install/journal.js";
import { LockTimeoutError, withArtifactLock } from "../../package/artifact-lock.js";
import { splitArchiveExtension } from "../../conda/archive-name.js";
import { addOutputOptions, commandContext, type GlobalOpts } from "../common-options.js";
import { UsageError } from "../errors.js";
import { UserDeclinedError } from "../environment-change.js";
import { formatBytes, type OutputMode, printJson, warn } from "../output.js";

interface CleanOpts extends GlobalOpts {
  all?: boolean;
  tarballs?: boolean;
  packages?: boolean;
  indexCache?: boolean;
}

/** What one kind of cache entry adds up to, in the shape conda's `clean --json` reports it. */
export interface CleanFindings {
  /** pkgs dir → entry name → bytes. */
  pkg_sizes: Record<string, Record<string, number>>;
  total_size: number;
  warnings: string[];
}

/** Archives, and the partial downloads of a process that died (`<fn>.partial-<pid>-<rand>`). */
const TARBALL = /\.(conda|tar\.bz2)(\.partial-[^/]+)?$/;

/** How long clean waits for an artifact another process is fetching or extracting before skipping it. */
const LOCK_WAIT_MS = 3000;

/** The pkgs dirs clean may change: those that exist and we can write (conda's writable caches). */
export async function writablePkgsDirs(dirs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs) {
    try {
      if ((await stat(d)).isDirectory()) {
        await access(d, constants.W_OK);
        out.push(d);
      }
    } catch {
      // Missing or read-only: nothing to clean there.
    }
  }
  return out;
}

function emptyFindings(): CleanFindings {
  return { pkg_sizes: {}, total_size: 0, warnings: [] };
}

function add(f: CleanFindings, dir: string, name: string, size: number): void {
  f.pkg_sizes[dir] ??= {};
  f.pkg_sizes[dir][name] = size;
  f.total_size += size;
}

/** The archives in each writable pkgs dir with their sizes (`clean --tarballs`). */
export async function findTarballs(pkgsDirs: readonly string[]): Promise<CleanFindings> {
  const out = emptyFindings();
  for (const dir of pkgsDirs) {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (!e.isFile() || !TARBALL.test(e.name)) continue;
      try {
        add(out, dir, e.name, (await lstat(join(dir, e.name))).size);
      } catch (err) {
        out.warnings.push(`${join(dir, e.name)}: ${(err as Error).message}`);
      }
    }
  }
  return out;
}

/**
 * Size of a tree, or undefined when some file in it has more than one hard link: an environment
 * linked it, so the package is in use (conda's clean test, which also counts no directory sizes).
 */
async function unlinkedTreeSize(path: string): Promise<number | undefined> {
  let total = 0;
  for (const e of await readdir(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) {
      const sub = await unlinkedTreeSize(p);
      if (sub === undefined) return undefined;
      total += sub;
    } else {
      const st = await lstat(p);
      if (st.isFile() && st.nlink > 1) return undefined;
      total += st.size;
    }
  }
  return total;
}

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

/**
 * Extracted packages no environment uses (`clean --packages`): directories with `info/` whose
 * files all have a single link and that no known environment records as its source.
 */
export async function findUnusedPackages(
  pkgsDirs: readonly string[],
  inUse: Set<string>,
): Promise<CleanFindings> {
  const out = emptyFindings();
  for (const dir of pkgsDirs) {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      // Dot-names are the cache's in-flight temporaries (extractions, replaced dirs): never packages.
      if (!e.isDirectory() || e.name.startsWith(".") || e.name === "cache") continue;
      const path = join(dir, e.name);
      try {
        if (!(await stat(join(path, "info"))).isDirectory()) continue;
      } catch {
        continue;
      }
      if (inUse.has(resolve(path))) continue;
      try {
        const size = await unlinkedTreeSize(path);
        if (size !== undefined) add(out, dir, e.name, size);
      } catch (err) {
        out.warnings.push(`${path}: ${(err as Error).message}`);
      }
    }
  }
  return out;
}

async function treeSize(path: string): Promise<number> {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) total += await treeSize(p);
    else total += (await lstat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** `<pkgs>/cache` (repodata and shards) of each writable pkgs dir that has one (`clean --index-cache`). */
export async function findIndexCaches(
  pkgsDirs: readonly string[],
): Promise<{ files: string[]; total_size: number }> {
  const files: string[] = [];
  let total = 0;
  for (const dir of pkgsDirs) {
    const cache = join(dir, "cache");
    try {
      if (!(await stat(cache)).isDirectory()) continue;
    } catch {
      continue;
    }
    files.push(cache);
    total += await treeSize(cache);
  }
  return { files, total_size: total };
}

/** Moves a path aside under a dot-name (atomic, so no reader sees half of it), then deletes it. */
async function removeAside(path: string): Promise<void> {
  const trash = join(
    dirname(path),
    `.${basename(path)}.clean-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  await rename(path, trash);
  await rm(trash, { recursive: true, force: true });
}

/** Runs `fn` under the artifact locks the package cache takes for these archive names (nested, fixed order). */
async function underLocks<T>(paths: readonly string[], fn: () => Promise<T>): Promise<T> {
  if (paths.length === 0) return fn();
  return withArtifactLock(paths[0]!, () => underLocks(paths.slice(1), fn), LOCK_WAIT_MS);
}

/**
 * Deletes one archive under its lock, so a download or extraction in progress is never cut off.
 * Returns false when another process kept the lock.
 */
export async function removeTarball(pkgsDir: string, fn: string): Promise<boolean> {
  const archive = join(pkgsDir, fn.replace(/\.partial-[^/]+$/, ""));
  try {
    await underLocks([archive], () => rm(join(pkgsDir, fn), { force: true }));
    return true;
  } catch (e) {
    if (e instanceof LockTimeoutError) return false;
    throw e;
  }
}

/**
 * Deletes one extracted package under the locks of both archive names that extract to it, after
 * checking again (under the lock) that no environment linked it meanwhile. Returns false when it
 * was skipped.
 */
export async function removePackage(pkgsDir: string, name: string): Promise<boolean> {
  const [stem] = splitArchiveExtension(name);
  const path = join(pkgsDir, name);
  try {
    return await underLocks([join(pkgsDir, `${stem}.conda`), join(pkgsDir, `${stem}.tar.bz2`)], async () => {
      const size = await unlinkedTreeSize(path).catch(() => undefined);
      if (size === undefined) return false;
      await removeAside(path);
      return true;
    });
  } catch (e) {
    if (e instanceof LockTimeoutError) return false;
    throw e;
  }
}

async function confirm(mode: OutputMode, yes: boolean): Promise<void> {
  if (yes || mode.json || !process.stdin.isTTY) return;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question("Proceed ([y]/n)? ")).trim().toLowerCase();
    if (answer !== "" && answer !== "y" && answer !== "yes") throw new UserDeclinedError();
  } finally {
    rl.close();
  }
}

function count(f: CleanFindings): number {
  return Object.values(f.pkg_sizes).reduce((n, m) => n + Object.keys(m).length, 0);
}

/** conda's listing: a one-line summary, or with -v every entry and its size. */
function describe(f: CleanFindings, kind: string, verbose: boolean): string {
  const n = count(f);
  if (n === 0) return `There are no unused ${kind} to remove.`;
  if (!verbose) return `Will remove ${n} (${formatBytes(f.total_size)}) ${kind}.`;
  const lines = [`Will remove the following ${kind}:`, ""];
  for (const [dir, entries] of Object.entries(f.pkg_sizes)) {
    lines.push(`  ${dir}`, `  ${"-".repeat(dir.length)}`);
    for (const [name, size] of Object.entries(entries))
      lines.push(`  - ${name.padEnd(40)} ${formatBytes(size).padStart(10)}`);
    lines.push("");
  }
  lines.push("-".repeat(17), `Total: ${formatBytes(f.total_size).padStart(10)}`);
  return lines.join("\n");
}

function jsonFindings(f: CleanFindings): Record<string, unknown> {
  const pkgsDirs = Object.fromEntries(Object.entries(f.pkg_sizes).map(([d, m]) => [d, Object.keys(m)]));
  const first = Object.keys(pkgsDirs).sort()[0];
  return { ...f, pkgs_dirs: pkgsDirs, files: first ? pkgsDirs[first] : [] };
}

/** Removes the listed entries; returns the bytes freed and the names skipped because they are busy or in use. */
async function removeAll(
  f: CleanFindings,
  remove: (dir: string, name: string) => Promise<boolean>,
): Promise<{ freed: number; skipped: string[] }> {
  let freed = 0;
  const skipped: string[] = [];
  for (const [dir, entries] of Object.entries(f.pkg_sizes)) {
    for (const [name, size] of Object.entries(entries)) {
      if (await remove(dir, name)) freed += size;
      else skipped.push(join(dir, name));
    }
  }
  return { freed, skipped };
}

export function register(program: Command): void {
  const cmd = program
    .command("clean")
    .description("Remove unused packages and caches from the package cache (pkgs dirs)")
    .option("-a, --all", "remove tarballs, unused packages and the index cache")
    .option("-t, --tarballs", "remove the downloaded package archives")
    .option("-p, --packages", "remove extracted packages that no environment uses")
    .option("-i, --index-cache", "remove the cached repodata (pkgs/cache)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("-d, --dry-run", "only show what would be removed");
  addOutputOptions(cmd);
  cmd.action(async (opts: CleanOpts) => {
    const wantTarballs = opts.all || opts.tarballs;
    const wantPackages = opts.all || opts.packages;
    const wantIndex = opts.all || opts.indexCache;
    if (!wantTarballs && !wantPackages && !wantIndex)
      throw new UsageError(
        "clean needs at least one of --all, --tarballs, --packages, --index-cache",
        "Example: taipan clean --all --dry-run",
      );
    const { config, mode } = commandContext(opts);
    const verbose = mode.verbose > 0;
    const dirs = await writablePkgsDirs(config.pkgs_dirs);
    const tarballs = wantTarballs ? await findTarballs(dirs) : undefined;
    const index = wantIndex ? await findIndexCaches(dirs) : undefined;
    let packages: CleanFindings | undefined;
    if (wantPackages) {
      const inUse = packageDirsInUse(config);
      packages = await findUnusedPackages(dirs, inUse.dirs);
      packages.warnings.push(...inUse.warnings);
    }
    const human = !mode.json && !mode.quiet;
    const say = (s: string) => {
      if (human) process.stdout.write(`${s}\n`);
    };
    if (tarballs) say(describe(tarballs, "tarball(s)", verbose));
    if (index) {
      say(
        index.files.length === 0
          ? "There is no index cache to remove."
          : verbose
            ? `Will remove the following index cache(s):\n${index.files.map((f) => `  - ${f}`).join("\n")}`
            : `Will remove ${index.files.length} (${formatBytes(index.total_size)}) index cache(s).`,
      );
    }
    if (packages) say(describe(packages, "package(s)", verbose));
    for (const w of [...(tarballs?.warnings ?? []), ...(packages?.warnings ?? [])]) warn(mode, w);

    const nothing =
      (tarballs ? count(tarballs) : 0) +
        (packages ? count(packages) : 0) +
        (index ? index.files.length : 0) ===
      0;
    const result: Record<string, unknown> = { success: true };
    if (tarballs) result.tarballs = jsonFindings(tarballs);
    if (index) result.index_cache = index;
    if (packages) result.packages = jsonFindings(packages);
    if (opts.dryRun || nothing) {
      if (mode.json) printJson({ ...result, dry_run: opts.dryRun === true, freed: 0 });
      return;
    }
    await confirm(mode, config.always_yes || opts.yes === true);

    let freed = 0;
    const skipped: string[] = [];
    if (tarballs) {
      const r = await removeAll(tarballs, removeTarball);
      freed += r.freed;
      skipped.push(...r.skipped);
    }
    if (index) {
      // Moved aside first: a reader never sees a half-deleted cache, only a missing one (a refetch).
      for (const f of index.files) await removeAside(f);
      freed += index.total_size;
    }
    if (packages) {
      const r = await removeAll(packages, removePackage);
      freed += r.freed;
      skipped.push(...r.skipped);
    }
    for (const s of skipped) warn(mode, `kept ${s}: another process is using it`);
    if (mode.json) printJson({ ...result, dry_run: false, freed, skipped });
    else if (!mode.quiet) process.stdout.write(`Freed ${formatBytes(freed)}.\n`);
  });
}
