import { randomBytes } from "node:crypto";
import { constants, type Dirent } from "node:fs";
import { access, lstat, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { splitArchiveExtension } from "../conda/archive-name.js";
import { LockTimeoutError, withArtifactLock } from "./artifact-lock.js";

// `clean`: what in the package cache (pkgs dirs) can go, and removing it under the cache's own
// locks so a download or extraction running in another process is never cut off.

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
export async function removeAside(path: string): Promise<void> {
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

/** How many entries the findings list. */
export function countFindings(f: CleanFindings): number {
  return Object.values(f.pkg_sizes).reduce((n, m) => n + Object.keys(m).length, 0);
}

/**
 * Removes the listed entries with `remove` (`removeTarball` or `removePackage`); returns the bytes
 * freed and the paths skipped because another process is using them.
 */
export async function removeFindings(
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

/**
 * Removes the index caches `findIndexCaches` found, each moved aside first: a reader never sees a
 * half-deleted cache, only a missing one (a refetch). Returns the bytes freed.
 */
export async function removeIndexCaches(found: { files: string[]; total_size: number }): Promise<number> {
  for (const f of found.files) await removeAside(f);
  return found.total_size;
}
