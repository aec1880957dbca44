import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { compress } from "@mongodb-js/zstd";
import { TaipanError } from "../../conda/errors.js";
import { sortedJsonText } from "../../conda/json-text.js";
import { currentSubdir } from "../../conda/platform.js";
import { PackageRecord } from "../../conda/package-record.js";
import { type TarMember, writeTar } from "../tar-write.js";
import { writeStoredZip } from "../zip-store.js";
import {
  DEFAULT_PREFIX_PLACEHOLDER,
  PackSourceError,
  type ScannedFile,
  scanPackageDir,
} from "./paths-scan.js";
import type { PackRecipe } from "./recipe.js";
import { writeFileAtomic } from "../../fs/write-atomic.js";

export interface PackOptions {
  /** The directory whose contents become the package (laid out as in the prefix). */
  sourceDir: string;
  recipe: PackRecipe;
  /** Where the archive(s) go. */
  outDir: string;
  /** Which archives to write; default `["conda"]`. */
  formats?: ("conda" | "tar.bz2")[];
  /** zstd level for the .conda parts (conda-build's default is 19). */
  zstdLevel?: number;
}

export interface PackResult {
  /** The first archive written (the .conda unless only .tar.bz2 was asked for). */
  path: string;
  /** Repodata record of that archive (with size, md5, sha256, fn). */
  record: PackageRecord;
  /** Every archive written with its record. */
  archives: { path: string; record: PackageRecord }[];
}

const ARCH_OF: Record<string, [string, string]> = {
  "linux-64": ["x86_64", "linux"],
  "linux-32": ["x86", "linux"],
  "linux-aarch64": ["aarch64", "linux"],
  "linux-ppc64le": ["ppc64le", "linux"],
  "linux-s390x": ["s390x", "linux"],
  "osx-64": ["x86_64", "osx"],
  "osx-arm64": ["arm64", "osx"],
  "win-64": ["x86_64", "win"],
  "win-32": ["x86", "win"],
  "win-arm64": ["arm64", "win"],
};

/** Serialises like conda-build's `json.dump(..., indent=2, sort_keys=True)` so files diff cleanly. */
function sortedJson(v: unknown): Buffer {
  return Buffer.from(`${sortedJsonText(v)}\n`);
}

/** index.json as conda-build writes it (arch/platform null for noarch). */
export function buildIndexJson(recipe: PackRecipe): Record<string, unknown> {
  const subdir = recipe.subdir ?? (recipe.noarch ? "noarch" : currentSubdir());
  const bn = recipe.build_number ?? 0;
  const build = recipe.build ?? (recipe.noarch === "python" ? `py_${bn}` : `${bn}`);
  const [arch, platform] = subdir === "noarch" ? [null, null] : (ARCH_OF[subdir] ?? [null, null]);
  const index: Record<string, unknown> = {
    arch,
    build,
    build_number: bn,
    depends: recipe.depends ?? [],
    name: recipe.name,
    platform,
    subdir,
    version: recipe.version,
  };
  if (recipe.constrains?.length) index.constrains = recipe.constrains;
  if (recipe.license) index.license = recipe.license;
  if (recipe.license_family) index.license_family = recipe.license_family;
  if (recipe.noarch) index.noarch = recipe.noarch;
  if (recipe.track_features?.length) index.track_features = recipe.track_features.join(" ");
  if (recipe.features?.length) index.features = recipe.features.join(" ");
  if (recipe.timestamp !== undefined) index.timestamp = recipe.timestamp;
  return index;
}

function infoMembers(recipe: PackRecipe, index: Record<string, unknown>, files: ScannedFile[]): TarMember[] {
  const info = new Map<string, Buffer>();
  info.set("info/index.json", sortedJson(index));
  info.set("info/paths.json", sortedJson({ paths: files.map((f) => f.entry), paths_version: 1 }));
  const listed = files.filter((f) => f.kind !== "directory").map((f) => f.path);
  info.set("info/files", Buffer.from(listed.map((p) => `${p}\n`).join("")));
  const prefixed = files.filter((f) => f.entry.prefix_placeholder);
  if (prefixed.length) {
    // has_prefix: "<placeholder> <mode> <path>", the format conda reads when paths.json is absent.
    const quote = (s: string) => (/\s/.test(s) ? `"${s}"` : s);
    const lines = prefixed.map(
      (f) => `${quote(f.entry.prefix_placeholder!)} ${f.entry.file_mode} ${quote(f.path)}\n`,
    );
    info.set("info/has_prefix", Buffer.from(lines.join("")));
  }
  const about: Record<string, unknown> = { ...recipe.about };
  if (recipe.license && about.license === undefined) about.license = recipe.license;
  if (recipe.license_family && about.license_family === undefined)
    about.license_family = recipe.license_family;
  info.set("info/about.json", sortedJson(about));
  if (recipe.noarch === "python") {
    const noarch: Record<string, unknown> = { type: "python" };
    if (recipe.entry_points?.length)
      noarch.entry_points = recipe.entry_points.map((e) => e.replace(/\s+/g, " ").trim());
    info.set("info/link.json", sortedJson({ noarch, package_metadata_version: 1 }));
  }
  if (recipe.run_exports) info.set("info/run_exports.json", sortedJson(recipe.run_exports));
  return [...info.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, data]) => ({ name, data }));
}

function pkgMembers(files: ScannedFile[]): TarMember[] {
  return files.map((f) => {
    if (f.kind === "symlink") return { name: f.path, type: "symlink" as const, linkname: f.linkname };
    if (f.kind === "directory") return { name: f.path, type: "directory" as const };
    return { name: f.path, data: f.data, mode: f.executable ? 0o755 : 0o644 };
  });
}

function bzip2(data: Buffer, what: string): Buffer {
  const r = spawnSync("bzip2", ["-9", "-c"], { input: data, maxBuffer: 2 ** 31 - 1 });
  if (r.error || r.status !== 0)
    throw new TaipanError("PACK_BZIP2", `cannot write ${what}: the bzip2 program failed or is missing`, {
      hint: "Install bzip2 (apt-get install bzip2), or pack only the .conda format.",
    });
  return r.stdout;
}

/**
 * Builds a package from a directory and a recipe: info/index.json, paths.json (hashes, sizes, detected
 * prefix placeholders), files, has_prefix, about.json, link.json (noarch python entry points),
 * run_exports.json. Entries are sorted and carry fixed mtimes and owners, so the same input gives the
 * same bytes.
 */
export async function packPackage(opts: PackOptions): Promise<PackResult> {
  const src = resolve(opts.sourceDir);
  const st = await stat(src).catch(() => undefined);
  if (!st?.isDirectory())
    throw new PackSourceError(src, "not a directory", "Give the directory holding the files of the package.");
  const recipe = opts.recipe;
  const placeholder = recipe.prefix_placeholder ?? DEFAULT_PREFIX_PLACEHOLDER;
  const files = await scanPackageDir(src, placeholder);
  const index = buildIndexJson(recipe);
  const info = infoMembers(recipe, index, files);
  const pkg = pkgMembers(files);
  const stem = `${recipe.name}-${recipe.version}-${index.build}`;
  const formats = [...new Set(opts.formats ?? ["conda"])];
  if (formats.length === 0)
    throw new TaipanError("PACK_FORMAT", "no archive format asked for", {
      hint: "Ask for conda, tar.bz2 or both.",
    });
  await mkdir(opts.outDir, { recursive: true });
  const archives: { path: string; record: PackageRecord }[] = [];
  for (const format of formats) {
    const fn = `${stem}.${format}`;
    let bytes: Buffer;
    if (format === "conda") {
      const level = opts.zstdLevel ?? 19;
      bytes = writeStoredZip([
        { name: "metadata.json", data: Buffer.from('{"conda_pkg_format_version": 2}') },
        { name: `pkg-${stem}.tar.zst`, data: await compress(await writeTar(pkg), level) },
        { name: `info-${stem}.tar.zst`, data: await compress(await writeTar(info), level) },
      ]);
    } else {
      bytes = bzip2(await writeTar([...info, ...pkg]), fn);
    }
    const path = join(resolve(opts.outDir), fn);
    await writeFileAtomic(path, bytes);
    const record = PackageRecord.fromJson(
      {
        ...index,
        md5: createHash("md5").update(bytes).digest("hex"),
        sha256: createHash("sha256").update(bytes).digest("hex"),
        size: bytes.length,
      },
      { fn },
    );
    archives.push({ path, record });
  }
  return { path: archives[0].path, record: archives[0].record, archives };
}
