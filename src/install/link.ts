import {
  chmodSync,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmdirSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join, posix } from "node:path";
import type { PackageRecord } from "../conda/package-record.js";
import { LINK_TYPE, type PrefixPathEntry, type PrefixRecord, recordFileName } from "./conda-meta.js";
import { faultPoint } from "./fault-injection.js";
import { LinkError, PaddingError } from "./install-errors.js";
import {
  compilePyc,
  entryPointScript,
  entryPointTarget,
  noarchTargetPath,
  type PythonInfo,
} from "./noarch-python.js";
import { type PackageContents, readPackageContents } from "./package-contents.js";
import { relocateContent } from "./relocate.js";

export type LinkMode = "hardlink" | "copy";

/** A path another package (or no package) already had, overwritten by a later package, as conda's default `path_conflict: clobber` does. */
export interface Clobber {
  path: string;
  /** The dist name of the package that owned the path, or undefined for a file no package listed. */
  previousOwner?: string;
  newOwner: string;
}

export interface LinkOptions {
  /** `hardlink` (default; falls back to copy per file) or `copy` (conda's always_copy). */
  linkMode?: LinkMode;
  /** The prefix's python after this transaction; required for `noarch: python` packages. */
  python?: PythonInfo;
  /** Overrides the record read from the package (e.g. the solver's record with channel and url). */
  record?: PackageRecord;
  requestedSpec?: string;
  packageTarballFullPath?: string;
  /** Path → dist name of the package owning it, for clobber detection; updated by the caller. */
  owners?: Map<string, string>;
  /** Already-read contents, to avoid reading info/ twice. */
  contents?: PackageContents;
}

export interface LinkResult {
  prefixRecord: PrefixRecord;
  clobbers: Clobber[];
  /** The package's pre-link/post-link/pre-unlink scripts, relative to the prefix. */
  scripts: string[];
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

/**
 * Removes whatever is at `path`: a file or symlink, or an empty directory a file must replace (a
 * package turning a directory into a file, as clobber-directory-upgrade does). A non-empty
 * directory holds other files, possibly of other packages, so that is a conflict, not a clobber.
 */
function removeExisting(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    const code = errCode(err);
    if (code === "ENOENT") return;
    if (code !== "EISDIR" && code !== "EPERM") throw err;
    try {
      rmdirSync(path);
    } catch (err2) {
      if (errCode(err2) === "ENOTEMPTY" || errCode(err2) === "EEXIST") {
        throw new LinkError(`cannot link '${path}': a non-empty directory is in the way`, {
          hint: "Another package or the user keeps files there; remove that package first, or the directory.",
          cause: err2,
        });
      }
      throw err2;
    }
  }
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

class DirMaker {
  private readonly made = new Set<string>();
  ensure(dir: string): void {
    if (this.made.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.made.add(dir);
  }
}

/** The prefix-relative paths a package will occupy once linked: used for rollback plans and clobber checks. */
export function plannedTargetPaths(contents: PackageContents, python?: PythonInfo): string[] {
  const out: string[] = [];
  const noarchPython = contents.noarchType === "python";
  for (const p of contents.paths)
    out.push(noarchPython && python ? noarchTargetPath(p._path, python) : p._path);
  if (noarchPython && python) {
    for (const ep of contents.entryPoints) out.push(entryPointTarget(ep));
  }
  return out;
}

const SCRIPT_RE = /^(?:bin|Scripts)\/\.[^/]+-(?:pre-link|post-link|pre-unlink)\.(?:sh|bat)$/;

/**
 * Links one extracted package into `prefix` and returns the conda-meta record describing what was
 * done (without writing it: the transaction writes it last, after post-link scripts). Safe to run
 * again after a crash: every target is replaced, not appended to.
 */
export function linkPackage(prefix: string, extractedDir: string, options: LinkOptions = {}): LinkResult {
  const contents = options.contents ?? readPackageContents(extractedDir);
  const record = options.record ?? contents.record;
  const dist = record.distName;
  const noarchPython = contents.noarchType === "python";
  const python = options.python;
  if (noarchPython && !python) {
    throw new LinkError(`cannot link noarch python package '${dist}': the prefix has no python`, {
      hint: "Install python into the same environment (the solver adds it as a dependency).",
    });
  }
  const mode = options.linkMode ?? "hardlink";
  let hardlinkWorks = mode === "hardlink";
  const dirs = new DirMaker();
  const paths: PrefixPathEntry[] = [];
  const clobbers: Clobber[] = [];
  const scripts: string[] = [];
  const owners = options.owners;

  const noteExisting = (target: string) => {
    const previousOwner = owners?.get(target);
    if (previousOwner !== dist) clobbers.push({ path: target, previousOwner, newOwner: dist });
  };
  const checkOwner = (target: string) => {
    const prev = owners?.get(target);
    if (prev !== undefined && prev !== dist)
      clobbers.push({ path: target, previousOwner: prev, newOwner: dist });
  };

  for (const entry of contents.paths) {
    const target = noarchPython && python ? noarchTargetPath(entry._path, python) : entry._path;
    const src = join(extractedDir, entry._path);
    const dst = join(prefix, target);
    if (SCRIPT_RE.test(target)) scripts.push(target);
    faultPoint();
    if (entry.path_type === "directory") {
      dirs.ensure(dst);
      paths.push({ _path: target, path_type: "directory" });
      continue;
    }
    dirs.ensure(dirname(dst));

    if (entry.path_type === "softlink") {
      // conda recreates the package's symlink with the same (normally relative) target; when the
      // archive stored a plain file under a softlink entry (some old builds do), it copies the file
      checkOwner(target);
      if (lstatSync(src).isSymbolicLink()) {
        const to = readlinkSync(src);
        try {
          symlinkSync(to, dst);
        } catch (err) {
          if (errCode(err) !== "EEXIST") throw err;
          removeExisting(dst);
          symlinkSync(to, dst);
        }
      } else {
        removeExisting(dst);
        copyFileSync(src, dst);
      }
      const out: PrefixPathEntry = { _path: target, path_type: "softlink" };
      if (entry.sha256) out.sha256 = entry.sha256;
      if (entry.size_in_bytes !== undefined) out.size_in_bytes = entry.size_in_bytes;
      paths.push(out);
      continue;
    }

    if (entry.prefix_placeholder) {
      // files with a placeholder are always copies: the cache's copy must keep the placeholder
      const original = readFileSync(src);
      let data: Buffer;
      try {
        data = relocateContent(original, entry.prefix_placeholder, entry.file_mode ?? "text", prefix, target);
      } catch (err) {
        if (err instanceof PaddingError) throw err;
        throw new LinkError(`cannot relocate '${target}' of '${dist}'`, { cause: err });
      }
      checkOwner(target);
      removeExisting(dst);
      writeFileSync(dst, data, { mode: statSync(src).mode & 0o7777 });
      chmodSync(dst, statSync(src).mode & 0o7777); // the umask must not narrow the package's modes
      paths.push({
        _path: target,
        path_type: "hardlink",
        sha256: entry.sha256 ?? sha256(original),
        sha256_in_prefix: data === original ? (entry.sha256 ?? sha256(original)) : sha256(data),
        size_in_bytes: entry.size_in_bytes ?? original.length,
        file_mode: entry.file_mode ?? "text",
        prefix_placeholder: entry.prefix_placeholder,
      });
      continue;
    }

    let linked = false;
    if (hardlinkWorks && !entry.no_link) {
      try {
        linkSync(src, dst);
        linked = true;
      } catch (err) {
        const code = errCode(err);
        if (code === "EEXIST") {
          noteExisting(target);
          removeExisting(dst);
          try {
            linkSync(src, dst);
            linked = true;
          } catch (err2) {
            if (!isCrossDevice(errCode(err2))) throw err2;
            hardlinkWorks = false;
          }
        } else if (isCrossDevice(code)) {
          // another filesystem, or one without hard links: copy this package from here on
          hardlinkWorks = false;
        } else {
          throw err;
        }
      }
      if (linked) checkOwnerAfterLink(owners, target, dist, clobbers);
    }
    if (!linked) {
      checkOwner(target);
      removeExisting(dst);
      copyFileSync(src, dst); // keeps the mode bits (libuv copies them)
    }
    const hash = entry.sha256 ?? sha256(readFileSync(src));
    const out: PrefixPathEntry = {
      _path: target,
      path_type: "hardlink",
      sha256: hash,
      sha256_in_prefix: hash,
    };
    out.size_in_bytes = entry.size_in_bytes ?? lstatSync(src).size;
    if (entry.no_link) out.no_link = true;
    paths.push(out);
  }

  if (noarchPython && python) {
    linkNoarchExtras(prefix, contents, python, dist, paths, owners, clobbers, dirs);
  }

  const prefixRecord: PrefixRecord = {
    record,
    files: paths.map((p) => p._path),
    paths,
    link: { source: extractedDir, type: mode === "copy" ? LINK_TYPE.copy : LINK_TYPE.hardlink },
    requestedSpec: options.requestedSpec,
    extractedPackageDir: extractedDir,
    packageTarballFullPath: options.packageTarballFullPath,
    fileName: recordFileName(record),
  };
  return { prefixRecord, clobbers: dedupeClobbers(clobbers), scripts };
}

// a clean link() only hides a clobber when the path was owned by someone else and already removed
function checkOwnerAfterLink(
  owners: Map<string, string> | undefined,
  target: string,
  dist: string,
  clobbers: Clobber[],
): void {
  const prev = owners?.get(target);
  if (prev !== undefined && prev !== dist)
    clobbers.push({ path: target, previousOwner: prev, newOwner: dist });
}

function dedupeClobbers(list: Clobber[]): Clobber[] {
  const seen = new Set<string>();
  return list.filter((c) => {
    if (seen.has(c.path)) return false;
    seen.add(c.path);
    return true;
  });
}

function isCrossDevice(code: string | undefined): boolean {
  // EXDEV: across filesystems; EPERM/ENOTSUP/EMLINK: filesystems or limits that refuse hard links
  return code === "EXDEV" || code === "EPERM" || code === "ENOTSUP" || code === "EMLINK" || code === "EACCES";
}

function linkNoarchExtras(
  prefix: string,
  contents: PackageContents,
  python: PythonInfo,
  dist: string,
  paths: PrefixPathEntry[],
  owners: Map<string, string> | undefined,
  clobbers: Clobber[],
  dirs: DirMaker,
): void {
  const pythonFull = join(prefix, python.executable);
  for (const ep of contents.entryPoints) {
    const target = entryPointTarget(ep);
    const dst = join(prefix, target);
    faultPoint();
    dirs.ensure(dirname(dst));
    const prev = owners?.get(target);
    if (prev !== undefined && prev !== dist)
      clobbers.push({ path: target, previousOwner: prev, newOwner: dist });
    removeExisting(dst);
    const script = Buffer.from(entryPointScript(ep, pythonFull));
    writeFileSync(dst, script, { mode: 0o755 });
    chmodSync(dst, 0o755);
    paths.push({
      _path: target,
      path_type:
        process.platform === "win32" ? "windows_python_entry_point_script" : "unix_python_entry_point",
      sha256: sha256(script),
      sha256_in_prefix: sha256(script),
      size_in_bytes: script.length,
    });
  }
  const pyFiles = paths
    .filter(
      (p) =>
        p.path_type === "hardlink" &&
        p._path.startsWith(`${python.sitePackages}/`) &&
        p._path.endsWith(".py"),
    )
    .map((p) => p._path);
  if (pyFiles.length > 0) {
    faultPoint();
    for (const pyc of compilePyc(prefix, python, pyFiles)) paths.push({ _path: pyc, path_type: "pyc_file" });
  }
}

/** Byte code python may have written beside a module at run time; unlinking the module removes it too. */
function runtimePycs(prefix: string, pyPath: string): string[] {
  const dir = posix.dirname(pyPath);
  const stem = posix.basename(pyPath, ".py");
  const cacheDir = join(prefix, dir, "__pycache__");
  const out = [join(prefix, `${pyPath}c`)];
  let names: string[] = [];
  try {
    names = readdirCached(cacheDir);
  } catch {
    return out;
  }
  for (const n of names) if (n.startsWith(`${stem}.`) && n.endsWith(".pyc")) out.push(join(cacheDir, n));
  return out;
}

const readdirCache = new Map<string, string[]>();
function readdirCached(dir: string): string[] {
  let v = readdirCache.get(dir);
  if (!v) {
    v = readdirSync(dir);
    readdirCache.set(dir, v);
  }
  return v;
}

export interface UnlinkOptions {
  /** Paths still owned by another installed package: left in place (their owner clobbered them). */
  keep?: Set<string>;
}

/**
 * Removes an installed package's files (and byte code python made for its modules, and directories
 * left empty) and finally its conda-meta record. Safe to run again: missing files are skipped.
 */
export function unlinkPackage(prefix: string, pr: PrefixRecord, options: UnlinkOptions = {}): void {
  const keep = options.keep;
  const entries: { path: string; type: string }[] =
    pr.paths.length > 0
      ? pr.paths.map((p) => ({ path: p._path, type: p.path_type }))
      : pr.files.map((f) => ({ path: f, type: "hardlink" }));
  const parents = new Set<string>();
  readdirCache.clear();
  for (const { path, type } of entries) {
    if (keep?.has(path)) continue;
    const full = join(prefix, path);
    faultPoint();
    if (type === "directory") {
      parents.add(full);
      continue;
    }
    removeExisting(full);
    parents.add(dirname(full));
    if (path.endsWith(".py")) {
      for (const pyc of runtimePycs(prefix, path)) {
        try {
          unlinkSync(pyc);
        } catch {
          // not there: nothing to do
        }
      }
      parents.add(join(dirname(full), "__pycache__"));
    }
  }
  readdirCache.clear();
  removeEmptyDirs(prefix, parents);
  faultPoint();
  try {
    unlinkSync(join(prefix, "conda-meta", pr.fileName));
  } catch (err) {
    if (errCode(err) !== "ENOENT") throw err;
  }
}

/** rmdir each directory and then its parents while they are empty, never the prefix or conda-meta. */
export function removeEmptyDirs(prefix: string, dirs: Iterable<string>): void {
  const stop = new Set([prefix.replace(/\/+$/, ""), join(prefix, "conda-meta")]);
  const sorted = [...dirs].sort((a, b) => b.length - a.length);
  const gone = new Set<string>();
  for (let dir of sorted) {
    while (!stop.has(dir) && dir.startsWith(prefix) && !gone.has(dir)) {
      try {
        rmdirSync(dir);
      } catch (err) {
        const code = errCode(err);
        if (code !== "ENOENT") break; // ENOTEMPTY, ENOTDIR: stop climbing
      }
      gone.add(dir);
      dir = dirname(dir);
    }
  }
}
