import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { sortKeys } from "../conda/json-text.js";
import { PackageRecord } from "../conda/package-record.js";
import { PrefixStateError } from "./install-errors.js";
import { stripUrlCredentials } from "../conda/url-credentials.js";

/**
 * Path types conda writes in a conda-meta record's `paths_data` (conda.models.enums.PathType): the
 * package's own `hardlink`/`softlink`/`directory`, and files linking creates.
 */
export type PrefixPathType =
  | "hardlink"
  | "softlink"
  | "directory"
  | "pyc_file"
  | "unix_python_entry_point"
  | "windows_python_entry_point_script"
  | "windows_python_entry_point_exe"
  | "linked_package_record";

/** One file of an installed package as conda-meta records it (paths_version 1). */
export interface PrefixPathEntry {
  _path: string;
  path_type: PrefixPathType;
  sha256?: string;
  /** The hash of the file as it is in the prefix: differs from `sha256` after prefix replacement. */
  sha256_in_prefix?: string;
  size_in_bytes?: number;
  file_mode?: "text" | "binary";
  prefix_placeholder?: string;
  no_link?: boolean;
}

/** conda's LinkType numbers in `link.type`. */
export const LINK_TYPE = { hardlink: 1, softlink: 2, copy: 3, directory: 4 } as const;

/** An installed package: its repodata record plus what conda-meta/<dist>.json says about the install. */
export interface PrefixRecord {
  record: PackageRecord;
  files: string[];
  paths: PrefixPathEntry[];
  link?: { source: string; type: number };
  requestedSpec?: string;
  extractedPackageDir?: string;
  packageTarballFullPath?: string;
  /** The conda-meta file name this record was read from or will be written to. */
  fileName: string;
}

const PREFIX_ONLY_FIELDS = new Set([
  "files",
  "paths_data",
  "link",
  "requested_spec",
  "requested_specs",
  "extracted_package_dir",
  "package_tarball_full_path",
]);

export function condaMetaDir(prefix: string): string {
  return join(prefix, "conda-meta");
}

/** `<name>-<version>-<build>.json`, the name conda gives each record. */
export function recordFileName(record: PackageRecord): string {
  return `${record.distName}.json`;
}

/** The JSON conda writes for a prefix record: repodata fields + install fields, keys sorted, indent 2. */
export function prefixRecordToJson(pr: PrefixRecord): Record<string, unknown> {
  const base = pr.record.toJson();
  const out: Record<string, unknown> = {
    ...base,
    // conda always writes these, even when empty
    constrains: pr.record.constrains,
    track_features: pr.record.track_features.join(" "),
    features: pr.record.features.join(" "),
    fn: pr.record.fn,
    channel: pr.record.channel ?? "",
    // Tokens and passwords never reach the disk; the cache and channel config supply them on fetch.
    url: pr.record.url ? stripUrlCredentials(pr.record.url) : "",
    files: pr.files,
    paths_data: { paths_version: 1, paths: pr.paths },
    requested_spec: pr.requestedSpec ?? "",
  };
  if (pr.link) out.link = pr.link;
  if (pr.extractedPackageDir) out.extracted_package_dir = pr.extractedPackageDir;
  if (pr.packageTarballFullPath) out.package_tarball_full_path = pr.packageTarballFullPath;
  return sortKeys(out) as Record<string, unknown>;
}

export function serializePrefixRecord(pr: PrefixRecord): string {
  return `${JSON.stringify(prefixRecordToJson(pr), null, 2)}\n`;
}

/** Reads a conda-meta JSON object (as conda, mamba, rattler or taipan wrote it). */
export function prefixRecordFromJson(obj: unknown, fileName: string): PrefixRecord {
  const o = (obj ?? {}) as Record<string, unknown>;
  const repodata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!PREFIX_ONLY_FIELDS.has(k)) repodata[k] = v;
  const record = PackageRecord.fromJson(repodata, { fn: typeof o.fn === "string" ? o.fn : undefined });
  const pathsData = o.paths_data as { paths?: unknown } | undefined;
  const paths: PrefixPathEntry[] = Array.isArray(pathsData?.paths)
    ? (pathsData.paths as PrefixPathEntry[]).filter((p) => p && typeof p._path === "string")
    : [];
  const files = Array.isArray(o.files)
    ? o.files.filter((f): f is string => typeof f === "string")
    : paths.map((p) => p._path);
  const link = o.link as { source?: unknown; type?: unknown } | undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    record,
    files,
    paths,
    link:
      link && typeof link === "object"
        ? { source: String(link.source ?? ""), type: typeof link.type === "number" ? link.type : 1 }
        : undefined,
    requestedSpec: str(o.requested_spec),
    extractedPackageDir: str(o.extracted_package_dir) ?? str(link?.source),
    packageTarballFullPath: str(o.package_tarball_full_path),
    fileName,
  };
}

export function readPrefixRecordFile(file: string, fileName: string): PrefixRecord {
  let obj: unknown;
  try {
    obj = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new PrefixStateError(
      `conda-meta record '${file}' is not valid JSON`,
      "Remove or repair the file; `taipan doctor` lists what the prefix is missing.",
      { cause: err },
    );
  }
  return prefixRecordFromJson(obj, fileName);
}

/** Every installed package of a prefix, sorted by name; an empty list when there is no conda-meta. */
export function readPrefixRecords(prefix: string): PrefixRecord[] {
  const dir = condaMetaDir(prefix);
  if (!existsSync(dir)) return [];
  const out: PrefixRecord[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".json") || name.startsWith(".")) continue;
    out.push(readPrefixRecordFile(join(dir, name), name));
  }
  return out.sort((a, b) => (a.record.name < b.record.name ? -1 : a.record.name > b.record.name ? 1 : 0));
}

/** Writes a file so that readers see the old content or the new, never a part: temp, fsync, rename. */
export function writeFileAtomic(
  file: string,
  content: string | Buffer,
  tmpName = `${file}.taipan-tmp`,
): void {
  const fd = openSync(tmpName, "w");
  try {
    writeSync(fd, typeof content === "string" ? Buffer.from(content) : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmpName, file);
}

/** fsync a directory so a rename or unlink in it survives power loss, not only process death. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse fsync on directories; process-crash safety does not depend on it
  }
}

/** Writes conda-meta/<dist>.json atomically; written last for each package, so its presence means "complete". */
export function writePrefixRecord(prefix: string, pr: PrefixRecord): string {
  const dir = condaMetaDir(prefix);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, pr.fileName);
  writeFileAtomic(file, serializePrefixRecord(pr), join(dir, `.${pr.fileName}.taipan-tmp`));
  return file;
}
