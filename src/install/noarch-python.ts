import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import type { PackageRecord } from "../conda/package-record.js";
import type { EntryPoint } from "./package-contents.js";
import { MAX_SHEBANG_LENGTH } from "./relocate.js";

const onWindows = process.platform === "win32";

/** What a prefix's python means for `noarch: python` packages. */
export interface PythonInfo {
  /** `3.11` */
  version: string;
  /** Relative to the prefix, e.g. `lib/python3.11/site-packages`. */
  sitePackages: string;
  /** Relative to the prefix, e.g. `bin/python`. */
  executable: string;
}

/**
 * The python a prefix will have after a transaction, from its record: site-packages is
 * `lib/pythonX.Y/site-packages` (`Lib/site-packages` on Windows) unless the python record names its
 * own via `python_site_packages_path` (CEP 17, e.g. free-threaded `python3.13t`).
 */
export function pythonInfoFor(python: PackageRecord): PythonInfo {
  const parts = python.version.split(".");
  const version = `${parts[0]}.${(parts[1] ?? "0").replace(/\D.*$/, "")}`;
  const sitePackages =
    python.python_site_packages_path ??
    (onWindows ? "Lib/site-packages" : `lib/python${version}/site-packages`);
  return { version, sitePackages, executable: onWindows ? "python.exe" : "bin/python" };
}

/** Where a file of a noarch python package lands (conda's get_python_noarch_target_path). */
export function noarchTargetPath(path: string, py: PythonInfo): string {
  if (path.startsWith("site-packages/")) return py.sitePackages + path.slice("site-packages".length);
  if (path.startsWith("python-scripts/"))
    return (onWindows ? "Scripts" : "bin") + path.slice("python-scripts".length);
  return path;
}

/** PEP 3147 location of a module's byte code: `__pycache__/mod.cpython-311.pyc`, or `mod.pyc` on python 2. */
export function pycPath(pyPath: string, pythonVersion: string): string {
  const [major, minor] = pythonVersion.split(".");
  if (major === "2") return `${pyPath}c`;
  const dir = posix.dirname(pyPath);
  const stem = posix.basename(pyPath, ".py");
  const file = `__pycache__/${stem}.cpython-${major}${minor}.pyc`;
  return dir === "." ? file : `${dir}/${file}`;
}

/**
 * `#!<prefix>/bin/python`, or `#!/usr/bin/env python` when the line would be longer than the kernel
 * reads or the path has a space (conda's replace_long_shebang rule for entry points).
 */
export function entryPointShebang(pythonFullPath: string): string {
  const line = `#!${pythonFullPath}`;
  if (Buffer.byteLength(line) > MAX_SHEBANG_LENGTH || pythonFullPath.includes(" ")) {
    return `#!/usr/bin/env ${posix.basename(pythonFullPath)}\n`;
  }
  return `${line}\n`;
}

/** The script conda writes for a `name = module:func` entry point. */
export function entryPointScript(ep: EntryPoint, pythonFullPath: string): string {
  const importName = ep.func.split(".")[0];
  return (
    entryPointShebang(pythonFullPath) +
    "# -*- coding: utf-8 -*-\n" +
    "import re\n" +
    "import sys\n\n" +
    `from ${ep.module} import ${importName}\n\n` +
    "if __name__ == '__main__':\n" +
    "    sys.argv[0] = re.sub(r'(-script\\.pyw?|\\.exe)?$', '', sys.argv[0])\n" +
    `    sys.exit(${ep.func}())\n`
  );
}

/** Where an entry point's script goes: `bin/<command>` (Windows needs an .exe launcher; not supported here). */
export function entryPointTarget(ep: EntryPoint): string {
  return onWindows ? `Scripts/${ep.command}-script.py` : `bin/${ep.command}`;
}

/**
 * Byte-compiles the given prefix-relative `.py` files with the prefix's own python, as conda does
 * (`python -Wi -m compileall -q -l -i <list>`, with `-j 0` from 3.5 on). Failure is not an error:
 * a module for a newer python may not compile, and the package still works from source. Returns the
 * pyc paths that exist afterwards, which are the ones recorded in conda-meta.
 */
export function compilePyc(prefix: string, py: PythonInfo, pyFiles: string[]): string[] {
  if (pyFiles.length === 0) return [];
  const python = join(prefix, py.executable);
  if (!existsSync(python)) return [];
  const dir = mkdtempSync(join(tmpdir(), "taipan-pyc-"));
  try {
    const list = join(dir, "files.txt");
    writeFileSync(list, `${pyFiles.join("\n")}\n`);
    const args = ["-Wi", "-m", "compileall", "-q", "-l", "-i", list];
    const [major, minor] = py.version.split(".").map(Number);
    if (major >= 3 && minor > 5) args.push("-j", "0");
    spawnSync(python, args, { cwd: prefix, stdio: "ignore", timeout: 600_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return pyFiles.map((f) => pycPath(f, py.version)).filter((p) => existsSync(join(prefix, p)));
}
