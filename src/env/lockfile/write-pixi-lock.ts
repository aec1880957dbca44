import { stringify } from "yaml";
import { KNOWN_SUBDIRS } from "../../conda/platform.js";
import { stripUrlCredentials } from "../../conda/url-credentials.js";
import { archiveNameParts } from "./locations.js";
import { channelOfPackageUrl, requireLockUrls } from "./lock-urls.js";

/** What a pixi.lock package entry takes from an installed record (a PackageRecord fits). */
export interface PixiLockableRecord {
  name: string;
  version: string;
  build: string;
  build_number?: number;
  subdir?: string;
  noarch?: "python" | "generic";
  url?: string;
  md5?: string;
  sha256?: string;
  legacy_bz2_md5?: string;
  depends?: readonly string[];
  constrains?: readonly string[];
  features?: readonly string[] | string;
  track_features?: readonly string[];
  license?: string;
  license_family?: string;
  /** Package URLs of the Python distributions inside (pixi records them; `[]` when there are none). */
  purls?: readonly string[];
  size?: number;
  legacy_bz2_size?: number;
  /** Milliseconds since the epoch, as conda-meta and repodata hold it. */
  timestamp?: number;
  python_site_packages_path?: string;
}

export interface PixiLockWriteOptions {
  /** The conda subdir the environment is for: the one platform key under `packages:`. */
  platform: string;
  /** The environment name in the file; pixi's own is `default`. */
  environment?: string;
  /** Channel URLs for `environments.<env>.channels`; taken from the records' URLs when not given. */
  channels?: readonly string[];
}

/** The lock file version this writer produces: rattler_lock's `FileFormatVersion::V6`. */
export const PIXI_LOCK_WRITE_VERSION = 6;

/**
 * Writes a pixi lock file, version 6 (what pixi 0.40+ writes through rattler_lock): one
 * environment whose `channels:` are `- url:` entries and whose `packages.<platform>:` list refers
 * by `conda: <url>` to the top-level `packages:` entries (noarch packages sit in that same list,
 * pixi lists them under every platform). Each entry keeps rattler's field order and, as rattler
 * does, leaves out name/version/build/build_number/subdir/noarch wherever a reader derives the
 * same value from the URL, so pixi sees the file as one it wrote itself.
 * An empty environment is written as pixi writes one: `packages: {}` and `packages: []`.
 */
export function formatPixiLock(
  records: readonly PixiLockableRecord[],
  options: PixiLockWriteOptions,
): string {
  requireLockUrls(records);
  const located = records.map((r) => ({ record: r, url: stripUrlCredentials(r.url!) }));
  // rattler sorts the entries by package name, then location; the references by file name
  // (lower-cased), then the whole URL, which mostly orders them by name too.
  const entries = [...located].sort((a, b) => cmp(a.record.name, b.record.name) || cmp(a.url, b.url));
  const refs = [...located].sort(
    (a, b) => cmp(fileName(a.url).toLowerCase(), fileName(b.url).toLowerCase()) || cmp(a.url, b.url),
  );
  const channels = options.channels ?? [...new Set(located.map((l) => channelOfPackageUrl(l.url)))].sort();
  const env = {
    channels: channels.map((c) => ({ url: c.endsWith("/") ? c : `${c}/` })),
    packages: refs.length > 0 ? { [options.platform]: refs.map((r) => ({ conda: r.url })) } : {},
  };
  const doc = {
    version: PIXI_LOCK_WRITE_VERSION,
    environments: { [options.environment ?? "default"]: env },
    packages: entries.map((e) => packageEntry(e.record, e.url)),
  };
  return stringify(doc, { lineWidth: 0 });
}

/** One `packages:` entry, keys in rattler_lock's v6 order (identity, hashes, dependencies, the rest). */
function packageEntry(r: PixiLockableRecord, url: string): Record<string, unknown> {
  const fromUrl = archiveNameParts(url);
  const urlSubdir = subdirFromUrl(url);
  const out: Record<string, unknown> = { conda: url };
  if (r.name !== fromUrl?.name) out.name = r.name;
  if (r.version !== fromUrl?.version) out.version = r.version;
  if (r.build !== (fromUrl?.build ?? "")) out.build = r.build;
  if ((r.build_number ?? 0) !== buildNumberFromBuild(r.build)) out.build_number = r.build_number ?? 0;
  const subdir = r.subdir ?? urlSubdir;
  if (subdir !== undefined && subdir !== urlSubdir) out.subdir = subdir;
  const guessed = noarchFromBuild(urlSubdir ?? subdir, fromUrl?.build ?? r.build);
  // A readers' guess of noarch that is wrong is corrected; a record without noarch in a noarch
  // subdir keeps the guess (rattler would write an explicit null, which conda has no use for).
  if (r.noarch !== undefined && r.noarch !== guessed) out.noarch = r.noarch;
  if (r.sha256) out.sha256 = r.sha256.toLowerCase();
  if (r.md5) out.md5 = r.md5.toLowerCase();
  if (r.legacy_bz2_md5) out.legacy_bz2_md5 = r.legacy_bz2_md5.toLowerCase();
  if (r.depends?.length) out.depends = [...r.depends];
  if (r.constrains?.length) out.constrains = [...r.constrains];
  const features = typeof r.features === "string" ? r.features.trim() : (r.features ?? []).join(" ");
  if (features) out.features = features;
  if (r.track_features?.length) out.track_features = [...r.track_features];
  if (r.license) out.license = r.license;
  if (r.license_family) out.license_family = r.license_family;
  if (r.purls) out.purls = [...r.purls].sort();
  if (r.size !== undefined) out.size = r.size;
  if (r.legacy_bz2_size !== undefined) out.legacy_bz2_size = r.legacy_bz2_size;
  if (r.timestamp !== undefined) out.timestamp = lockTimestamp(r.timestamp);
  if (r.python_site_packages_path) out.python_site_packages_path = r.python_site_packages_path;
  return out;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function fileName(url: string): string {
  return url.split(/[?#]/)[0]!.split("/").pop() ?? "";
}

/** `<channel>/<subdir>/<file>` → `<channel>`: what pixi records as the channel of a package URL. */

const PLATFORMS = new Set<string>(KNOWN_SUBDIRS);

/**
 * The subdir a reader takes from `scheme://…/<subdir>/<name>-<version>-<build>.<ext>`: only for
 * http(s) and file URLs whose parent directory is a known platform (rattler's rule).
 */
function subdirFromUrl(url: string): string | undefined {
  if (!/^(https?|file):\/\//i.test(url) || !archiveNameParts(url)) return undefined;
  const parts = url.split(/[?#]/)[0]!.split("/");
  const dir = parts[parts.length - 2];
  return dir !== undefined && PLATFORMS.has(dir) ? dir : undefined;
}

/** The build number a reader assumes: the digits ending the build string (`py313h1_101` → 101), else 0. */
function buildNumberFromBuild(build: string): number {
  const m = /(\d+)$/.exec(build);
  return m ? Number(m[1]) : 0;
}

/** A reader's guess for a package in `noarch/`: python when the build string says `py`, else generic. */
function noarchFromBuild(subdir: string | undefined, build: string): "python" | "generic" | undefined {
  if (subdir !== "noarch") return undefined;
  return build.includes("py") ? "python" : "generic";
}

/** pixi writes milliseconds, or seconds when the time falls on a whole second. */
function lockTimestamp(ms: number): number {
  const t = Math.trunc(ms);
  return t % 1000 === 0 ? t / 1000 : t;
}
