// Extracted packages for the install tests. Until src/package/ extracts archives itself, Debian's
// conda-package-handling (`cph`) produces the conda `pkgs/` layout from the real archives.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { lstatSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { sharedData } from "../support/paths.js";

export function packagePath(...parts: string[]): string {
  return sharedData("packages", ...parts);
}

export function distOf(archive: string): string {
  return basename(archive).replace(/\.tar\.bz2$|\.conda$/, "");
}

/** Extracts `archive` into `<pkgsDir>/<dist>` with cph (once per pkgsDir). */
export function extractWithCph(archive: string, pkgsDir: string): string {
  const dest = join(pkgsDir, distOf(archive));
  if (existsSync(join(dest, "info", "index.json"))) return dest;
  mkdirSync(pkgsDir, { recursive: true });
  execFileSync("/usr/bin/cph", ["extract", archive, "--dest", dest], { stdio: "ignore" });
  return dest;
}

export function tempDir(label: string, base = tmpdir()): string {
  return mkdtempSync(join(base, `taipan-${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function sha256Of(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Every file and symlink under `dir` (relative, sorted), skipping `skip` top-level names. */
export function listTree(dir: string, skip: string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const rel = relative(dir, full);
      if (skip.includes(rel)) continue;
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full);
      else out.push(rel);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** Every directory under `dir` that is empty. */
export function emptyDirs(dir: string, skip: string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    const names = readdirSync(d);
    if (names.length === 0 && d !== dir) out.push(relative(dir, d));
    for (const name of names) {
      const full = join(d, name);
      if (skip.includes(relative(dir, full))) continue;
      if (lstatSync(full).isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

/**
 * Gives a prefix a python: a conda-meta record for `python-<version>` and `bin/python` pointing at
 * the machine's python3 (pyenv shims resolve through PYENV_VERSION, so follow to the real binary).
 */
export function realPython(): string | undefined {
  try {
    return execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

export function pythonVersionOf(exe: string): string {
  return execFileSync(exe, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], {
    encoding: "utf8",
  }).trim();
}

export function fakePythonPackage(
  pkgsDir: string,
  version: string,
  exe: string,
  sitePackagesPath?: string,
): string {
  const dir = join(pkgsDir, `python-${version}-0`);
  mkdirSync(join(dir, "info"), { recursive: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  const index: Record<string, unknown> = {
    name: "python",
    version,
    build: "0",
    build_number: 0,
    depends: [],
    subdir: "linux-64",
  };
  if (sitePackagesPath) index.python_site_packages_path = sitePackagesPath;
  writeFileSync(join(dir, "info", "index.json"), JSON.stringify(index));
  if (!existsSync(join(dir, "bin", "python"))) symlinkSync(exe, join(dir, "bin", "python"));
  writeFileSync(
    join(dir, "info", "paths.json"),
    JSON.stringify({ paths_version: 1, paths: [{ _path: "bin/python", path_type: "softlink" }] }),
  );
  return dir;
}
