import { stat } from "node:fs/promises";
import { hashFile } from "../../package/hash.js";
import { readPackageInfo } from "../../package/package-info.js";

/** What the indexer keeps per package file (also the unit of the incremental cache). */
export interface IndexedPackage {
  /** Stat of the file when it was read; a different size or mtime means read again. */
  size: number;
  mtimeMs: number;
  /** The repodata record: index.json without build-machine fields, plus md5, sha256, size. */
  record: Record<string, unknown>;
  /** info/run_exports.json (CEP 12), when the package has one. */
  runExports?: Record<string, unknown>;
  /** Fields of about.json that channeldata.json carries. */
  about?: Record<string, unknown>;
  /** Facts channeldata.json reports: prefix files, activation and link scripts. */
  flags: PackageFlags;
}

export interface PackageFlags {
  binary_prefix: boolean;
  text_prefix: boolean;
  "activate.d": boolean;
  "deactivate.d": boolean;
  pre_link: boolean;
  post_link: boolean;
  pre_unlink: boolean;
}

/**
 * index.json keys conda-index leaves out of repodata: they describe the build machine, and `arch`/
 * `platform` follow from `subdir`.
 */
const DROPPED_FIELDS = new Set([
  "arch",
  "has_prefix",
  "mtime",
  "platform",
  "ucs",
  "requires_features",
  "binstar",
  "target-triplet",
  "machine",
  "operatingsystem",
]);

const ABOUT_FIELDS = [
  "description",
  "dev_url",
  "doc_url",
  "home",
  "license",
  "source_url",
  "summary",
  "icon_url",
  "keywords",
  "tags",
];

function flagsOf(files: string[], paths: Record<string, unknown> | undefined): PackageFlags {
  const rows = (Array.isArray(paths?.paths) ? paths.paths : []) as {
    _path?: string;
    file_mode?: string;
    prefix_placeholder?: string;
  }[];
  const all = files.length ? files : rows.map((r) => r._path ?? "");
  const script = (kind: string) =>
    all.some((f) => new RegExp(`^(bin|Scripts)/\\.[^/]+-${kind}\\.(sh|bat)$`).test(f));
  return {
    binary_prefix: rows.some((r) => r.prefix_placeholder && r.file_mode === "binary"),
    text_prefix: rows.some((r) => r.prefix_placeholder && r.file_mode !== "binary"),
    "activate.d": all.some((f) => f.startsWith("etc/conda/activate.d/")),
    "deactivate.d": all.some((f) => f.startsWith("etc/conda/deactivate.d/")),
    pre_link: script("pre-link"),
    post_link: script("post-link"),
    pre_unlink: script("pre-unlink"),
  };
}

/** Reads one package file's metadata for the index. */
export async function readIndexedPackage(path: string): Promise<IndexedPackage> {
  const st = await stat(path);
  const [info, digest] = await Promise.all([readPackageInfo(path), hashFile(path)]);
  const record: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info.index)) if (!DROPPED_FIELDS.has(k)) record[k] = v;
  record.md5 = digest.md5;
  record.sha256 = digest.sha256;
  record.size = digest.size;
  const about: Record<string, unknown> = {};
  for (const k of ABOUT_FIELDS) if (info.about?.[k] !== undefined) about[k] = info.about[k];
  const out: IndexedPackage = {
    size: st.size,
    mtimeMs: st.mtimeMs,
    record,
    flags: flagsOf(info.files ?? [], info.paths),
  };
  if (info.runExports && Object.keys(info.runExports).length) out.runExports = info.runExports;
  if (Object.keys(about).length) out.about = about;
  return out;
}
