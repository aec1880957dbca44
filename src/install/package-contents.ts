import { createHash } from "node:crypto";
import { existsSync, lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PackageRecord } from "../conda/package-record.js";
import { PackageMetadataError } from "./install-errors.js";

/** conda's default placeholder, used by `info/has_prefix` lines that name only a path. */
export const PREFIX_PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3";

export type FileMode = "text" | "binary";

/** One entry of `info/paths.json` (paths_version 1), as the package ships it. */
export interface PackagePathEntry {
  _path: string;
  path_type: "hardlink" | "softlink" | "directory";
  sha256?: string;
  size_in_bytes?: number;
  prefix_placeholder?: string;
  file_mode?: FileMode;
  no_link?: boolean;
}

export interface EntryPoint {
  command: string;
  module: string;
  func: string;
}

/** What linking needs to know about an extracted package directory. */
export interface PackageContents {
  dir: string;
  /** `info/index.json`, overlaid by `info/repodata_record.json` when the cache wrote one. */
  record: PackageRecord;
  paths: PackagePathEntry[];
  noarchType?: "python" | "generic";
  entryPoints: EntryPoint[];
}

function readJson(dir: string, rel: string): unknown {
  const file = join(dir, rel);
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new PackageMetadataError(dir, `${rel} is not valid JSON`, { cause: err });
  }
}

function readLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** Splits a `has_prefix` line on whitespace, honouring the quotes conda-build puts around paths with spaces. */
function splitQuoted(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

export function sha256File(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/**
 * Old packages (before conda-build 3 / paths.json) describe their files with `info/files`,
 * `info/has_prefix` (`placeholder mode path`, or just `path` for the default text placeholder) and
 * `info/no_link` / `info/no_softlink`; conda synthesises paths.json from them the same way.
 */
function legacyPaths(dir: string): PackagePathEntry[] {
  const info = join(dir, "info");
  const hasPrefix = new Map<string, { placeholder: string; mode: FileMode }>();
  for (const line of readLines(join(info, "has_prefix"))) {
    const parts = splitQuoted(line);
    if (parts.length === 1) hasPrefix.set(parts[0], { placeholder: PREFIX_PLACEHOLDER, mode: "text" });
    else if (parts.length === 3)
      hasPrefix.set(parts[2], { placeholder: parts[0], mode: parts[1] === "binary" ? "binary" : "text" });
    else throw new PackageMetadataError(dir, `malformed info/has_prefix line '${line}'`);
  }
  const noLink = new Set([...readLines(join(info, "no_link")), ...readLines(join(info, "no_softlink"))]);
  return readLines(join(info, "files")).map((p) => {
    const full = join(dir, p);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(full);
    } catch (err) {
      throw new PackageMetadataError(dir, `info/files lists '${p}', which is missing`, { cause: err });
    }
    const entry: PackagePathEntry = { _path: p, path_type: st.isSymbolicLink() ? "softlink" : "hardlink" };
    if (st.isFile()) {
      entry.sha256 = sha256File(full);
      entry.size_in_bytes = st.size;
    }
    const hp = hasPrefix.get(p);
    if (hp) {
      entry.prefix_placeholder = hp.placeholder;
      entry.file_mode = hp.mode;
    }
    if (noLink.has(p)) entry.no_link = true;
    return entry;
  });
}

function parsePathsJson(dir: string, raw: unknown): PackagePathEntry[] {
  const paths = (raw as { paths?: unknown })?.paths;
  if (!Array.isArray(paths)) throw new PackageMetadataError(dir, "info/paths.json has no 'paths' list");
  return paths.map((p: Record<string, unknown>) => {
    if (typeof p?._path !== "string")
      throw new PackageMetadataError(dir, "info/paths.json entry without '_path'");
    const type = p.path_type === "softlink" || p.path_type === "directory" ? p.path_type : "hardlink";
    const entry: PackagePathEntry = { _path: p._path, path_type: type };
    if (typeof p.sha256 === "string") entry.sha256 = p.sha256;
    if (typeof p.size_in_bytes === "number") entry.size_in_bytes = p.size_in_bytes;
    if (typeof p.prefix_placeholder === "string" && p.prefix_placeholder.length > 0) {
      entry.prefix_placeholder = p.prefix_placeholder;
      entry.file_mode = p.file_mode === "binary" ? "binary" : "text";
    }
    if (p.no_link === true) entry.no_link = true;
    return entry;
  });
}

/** `name = module:func` as written in link.json (and setuptools' console_scripts). */
export function parseEntryPoint(def: string): EntryPoint | undefined {
  const m = /^\s*([^\s=]+)\s*=\s*([\w.]+)\s*:\s*([\w.]+)\s*$/.exec(def);
  if (!m) return undefined;
  return { command: m[1], module: m[2], func: m[3] };
}

/** Reads everything linking needs from an extracted package directory in conda's `pkgs/` layout. */
export function readPackageContents(dir: string): PackageContents {
  const info = join(dir, "info");
  if (!existsSync(join(info, "index.json")))
    throw new PackageMetadataError(dir, "info/index.json is missing");
  const index = readJson(dir, "info/index.json") as Record<string, unknown>;
  const repodataRecord = existsSync(join(info, "repodata_record.json"))
    ? (readJson(dir, "info/repodata_record.json") as Record<string, unknown>)
    : {};
  let record: PackageRecord;
  try {
    record = PackageRecord.fromJson({ ...index, ...repodataRecord });
  } catch (err) {
    throw new PackageMetadataError(dir, "info/index.json is not a package record", { cause: err });
  }
  const paths = existsSync(join(info, "paths.json"))
    ? parsePathsJson(dir, readJson(dir, "info/paths.json"))
    : legacyPaths(dir);

  let noarchType = record.noarch;
  const entryPoints: EntryPoint[] = [];
  if (existsSync(join(info, "link.json"))) {
    const link = readJson(dir, "info/link.json") as { noarch?: { type?: string; entry_points?: unknown } };
    const t = link?.noarch?.type;
    if (t === "python" || t === "generic") noarchType = t;
    if (Array.isArray(link?.noarch?.entry_points)) {
      for (const def of link.noarch.entry_points) {
        const ep = typeof def === "string" ? parseEntryPoint(def) : undefined;
        if (!ep)
          throw new PackageMetadataError(dir, `info/link.json has a malformed entry point '${String(def)}'`);
        entryPoints.push(ep);
      }
    }
  }
  return { dir, record, paths, noarchType, entryPoints };
}
