import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseCondaLock } from "./conda-lock.js";
import { LockFileError } from "./errors.js";
import type { LockFile } from "./model.js";
import { parsePixiLock } from "./pixi-lock.js";

/** The newest rattler_lock file version this reader knows (pixi writes 6 and 7 today). */
export const NEWEST_LOCK_VERSION = 7;

/** Names conda-lock and pixi give their files: `conda-lock.yml`, `*.conda-lock.yml`, `*.lock.yml`, `pixi.lock`. */
export function isLockFileName(file: string): boolean {
  const b = basename(file).toLowerCase();
  return b === "pixi.lock" || b === "conda-lock.yml" || b === "conda-lock.yaml" || /\.lock\.ya?ml$/.test(b);
}

/**
 * A lock file under another name is known by its top-level keys: conda-lock's `package:` with
 * `metadata:`, or pixi's `environments:` with `version:`. An environment.yml has neither pair.
 */
export function looksLikeLockText(text: string): boolean {
  return (
    (/^package:/m.test(text) && /^metadata:/m.test(text)) ||
    (/^environments:/m.test(text) && /^version:/m.test(text))
  );
}

/** Parses conda-lock (v1-v3) or pixi (v4-v7) lock text; `file` names it in errors and anchors relative paths. */
export function parseLockFile(text: string, file = "<lock>"): LockFile {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: false });
  } catch (e) {
    throw new LockFileError(file, `not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new LockFileError(file, "the top level is not a mapping");
  const o = doc as Record<string, unknown>;
  const version = o.version === undefined ? 1 : Number(o.version);
  if (!Number.isInteger(version) || version < 1)
    throw new LockFileError(file, `'version: ${String(o.version)}' is not a lock file version`);
  if (version > NEWEST_LOCK_VERSION)
    throw new LockFileError(
      file,
      `it is version ${version}, newer than the newest taipan reads (${NEWEST_LOCK_VERSION})`,
      "Re-create the lock file with an older pixi/conda-lock, or upgrade taipan.",
    );
  const lockDir = file.startsWith("<") ? process.cwd() : dirname(resolve(file));
  if ("environments" in o) return parsePixiLock(o, file, lockDir, version);
  if ("package" in o) return parseCondaLock(o, file, lockDir, version);
  throw new LockFileError(file, "it has neither 'package:' (conda-lock) nor 'environments:' (pixi)");
}

export function readLockFile(path: string): LockFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new LockFileError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseLockFile(text, path);
}
