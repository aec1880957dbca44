import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { readPrefixRecords } from "../install/conda-meta.js";

/**
 * Top-level entries of a prefix that are never an environment's own files (conda's walk_prefix
 * skips the same kind: other environments, the package cache, the bookkeeping directory).
 */
const SKIPPED_TOP = new Set([
  "conda-meta",
  "pkgs",
  "envs",
  "conda-bld",
  ".conda_lock",
  ".nonadmin",
  ".taipan",
]);

/**
 * The files in `prefix` no installed package owns (added by hand, by pip without a record, …),
 * as paths relative to the prefix, sorted. conda's clone copies these too.
 */
export function untrackedFiles(prefix: string): string[] {
  const owned = new Set<string>();
  for (const p of readPrefixRecords(prefix)) for (const f of p.files) owned.add(f.split("/").join(sep));
  const out: string[] = [];
  const walk = (dir: string, top: boolean) => {
    for (const name of readdirSync(dir)) {
      if (top && SKIPPED_TOP.has(name)) continue;
      const full = join(dir, name);
      const rel = relative(prefix, full);
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full, false);
      else if (!owned.has(rel) && !name.endsWith("~") && name !== ".DS_Store") {
        // Byte code of an owned module is regenerated, not part of the environment.
        if (/\.py[co]$/.test(name) && rel.includes(`__pycache__${sep}`)) continue;
        out.push(rel);
      }
    }
  };
  walk(prefix, true);
  return out.sort();
}

/**
 * Copies `files` (relative) from `source` to `dest`, rewriting the source prefix to the destination's
 * in text files (as conda's clone does with update_prefix); binary files and symlinks are copied
 * as they are. Existing files in `dest` (linked by the clone's packages) are left alone.
 */
export function copyUntracked(source: string, dest: string, files: readonly string[]): number {
  let copied = 0;
  for (const rel of files) {
    const from = join(source, rel);
    const to = join(dest, rel);
    const st = lstatSync(to, { throwIfNoEntry: false });
    if (st) continue;
    mkdirSync(dirname(to), { recursive: true });
    const src = lstatSync(from);
    if (src.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else {
      const data = readFileSync(from);
      const text = data.includes(0) ? undefined : data.toString("utf8");
      if (text?.includes(source)) writeFileSync(to, text.split(source).join(dest), { mode: src.mode });
      else copyFileSync(from, to);
    }
    copied++;
  }
  return copied;
}
