import { TaipanError } from "./errors.js";
import { Version } from "./version.js";

/** Thrown when a repodata / index.json / conda-meta record is not a usable package record. */
export class InvalidRecordError extends TaipanError {
  constructor(what: string, reason: string, hint?: string) {
    super("INVALID_RECORD", `invalid package record ${what}: ${reason}`, {
      hint:
        hint ?? "The channel's repodata or the package's info/index.json is malformed; re-index the channel.",
    });
  }
}

/** Where a record came from, for fields repodata leaves implicit (CEP 15 base_url, subdir, channel). */
export interface RecordContext {
  /** The archive filename (the key in `packages` / `packages.conda`). */
  fn?: string;
  /** Canonical channel name or URL the record belongs to. */
  channel?: string;
  /** The subdir of the repodata file, used when the record has no `subdir`. */
  subdir?: string;
  /** Base URL under which `fn` is found (the subdir URL, or `info.base_url` per CEP 15). */
  baseUrl?: string;
}

type Json = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function strList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return [];
}

/** `track_features` and `features` are space- or comma-separated strings in repodata, lists elsewhere. */
function featureList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string" && x.length > 0);
  if (typeof v === "string")
    return v
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  return [];
}

/**
 * Timestamps in repodata are seconds in old channels and milliseconds in new ones (conda treats any
 * value above 253402300799, the year 9999 in seconds, as milliseconds). Stored here in milliseconds.
 */
export function normalizeTimestamp(v: unknown): number | undefined {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) return undefined;
  return v > 253402300799 ? Math.trunc(v) : Math.trunc(v * 1000);
}

// Every record of one repodata file shares its base URL: strip its trailing slashes once.
let lastBase = "";
let lastTrimmed = "";
function trimSlashes(base: string): string {
  if (base !== lastBase) {
    let end = base.length;
    while (end > 0 && base.charCodeAt(end - 1) === 47) end--;
    lastTrimmed = base.slice(0, end);
    lastBase = base;
  }
  return lastTrimmed;
}

/**
 * One package build as described by repodata (CEP 36), `info/index.json`, or a `conda-meta` record.
 * Field names follow conda's JSON spelling so records round-trip without a mapping table.
 */
export class PackageRecord {
  name: string;
  version: string;
  build: string;
  build_number: number;
  depends: string[];
  constrains: string[];
  subdir: string;
  fn: string;
  noarch?: "python" | "generic";
  md5?: string;
  sha256?: string;
  size?: number;
  /** Milliseconds since the epoch. */
  timestamp?: number;
  license?: string;
  license_family?: string;
  track_features: string[];
  features: string[];
  url?: string;
  channel?: string;
  arch?: string;
  platform?: string;
  python_site_packages_path?: string;
  run_exports?: Record<string, unknown>;
  legacy_bz2_md5?: string;
  legacy_bz2_size?: number;
  /** Any field not modelled above, kept so records round-trip losslessly. */
  extra: Json;

  constructor(init: {
    name: string;
    version: string;
    build: string;
    build_number?: number;
    depends?: string[];
    constrains?: string[];
    subdir?: string;
    fn?: string;
  }) {
    this.name = init.name;
    this.version = init.version;
    this.build = init.build;
    this.build_number = init.build_number ?? 0;
    this.depends = init.depends ?? [];
    this.constrains = init.constrains ?? [];
    this.subdir = init.subdir ?? "noarch";
    this.fn = init.fn ?? `${init.name}-${init.version}-${init.build}.conda`;
    this.track_features = [];
    this.features = [];
    this.extra = {};
  }

  // Parsed once per record for the solver; re-parsed only if `version` is reassigned.
  #parsedVersion: Version | undefined;

  /** `version` parsed as a conda `Version` (cached; throws `ParseError` for an invalid version). */
  get parsedVersion(): Version {
    const v = this.#parsedVersion;
    if (v !== undefined && v.source === this.version) return v;
    const parsed = Version.parse(this.version);
    this.#parsedVersion = parsed;
    return parsed;
  }

  /** `name-version-build`, conda's "dist name". */
  get distName(): string {
    return `${this.name}-${this.version}-${this.build}`;
  }

  /**
   * Reads a record from repodata / index.json / conda-meta JSON. Tolerates the nulls real channels
   * carry (`"depends": null`), as libsolv and conda do.
   */
  static fromJson(obj: unknown, ctx: RecordContext = {}): PackageRecord {
    const what = ctx.fn ?? "(unnamed)";
    if (obj === null || typeof obj !== "object" || Array.isArray(obj))
      throw new InvalidRecordError(what, "expected a JSON object");
    const o = obj as Json;
    const name = str(o.name);
    const version = o.version === undefined || o.version === null ? undefined : String(o.version);
    const build = str(o.build) ?? str(o.build_string);
    if (!name) throw new InvalidRecordError(what, "missing 'name'");
    if (version === undefined) throw new InvalidRecordError(what, "missing 'version'");
    if (build === undefined) throw new InvalidRecordError(what, "missing 'build'");
    const bn = o.build_number;
    const rec = new PackageRecord({
      name,
      version,
      build,
      build_number: typeof bn === "number" && Number.isFinite(bn) ? bn : 0,
      depends: strList(o.depends),
      constrains: strList(o.constrains),
      subdir: str(o.subdir) ?? ctx.subdir ?? "noarch",
      fn: ctx.fn ?? str(o.fn) ?? `${name}-${version}-${build}.conda`,
    });
    const noarch = o.noarch;
    if (noarch === "python" || noarch === "generic") rec.noarch = noarch;
    else if (noarch === true) rec.noarch = "generic"; // very old index.json spelling
    rec.md5 = str(o.md5);
    rec.sha256 = str(o.sha256);
    if (typeof o.size === "number") rec.size = o.size;
    rec.timestamp = normalizeTimestamp(o.timestamp);
    rec.license = str(o.license);
    rec.license_family = str(o.license_family);
    rec.track_features = featureList(o.track_features);
    rec.features = featureList(o.features);
    rec.arch = str(o.arch);
    rec.platform = str(o.platform);
    rec.python_site_packages_path = str(o.python_site_packages_path);
    if (o.run_exports && typeof o.run_exports === "object")
      rec.run_exports = o.run_exports as Record<string, unknown>;
    rec.legacy_bz2_md5 = str(o.legacy_bz2_md5);
    if (typeof o.legacy_bz2_size === "number") rec.legacy_bz2_size = o.legacy_bz2_size;
    rec.channel = ctx.channel ?? str(o.channel);
    rec.url = str(o.url) ?? (ctx.baseUrl ? `${trimSlashes(ctx.baseUrl)}/${rec.fn}` : undefined);
    // for…in rather than Object.entries: no array of pairs per record (repodata records are read
    // by the thousand when a solve loads a name)
    for (const k in o) {
      if (!KNOWN_FIELDS.has(k) && Object.hasOwn(o, k)) rec.extra[k] = o[k];
    }
    return rec;
  }

  /** The record as repodata / `repodata_record.json` spells it (timestamps in milliseconds). */
  toJson(): Json {
    const out: Json = {
      ...this.extra,
      name: this.name,
      version: this.version,
      build: this.build,
      build_number: this.build_number,
      depends: this.depends,
      subdir: this.subdir,
    };
    if (this.constrains.length) out.constrains = this.constrains;
    if (this.noarch) out.noarch = this.noarch;
    if (this.md5) out.md5 = this.md5;
    if (this.sha256) out.sha256 = this.sha256;
    if (this.size !== undefined) out.size = this.size;
    if (this.timestamp !== undefined) out.timestamp = this.timestamp;
    if (this.license) out.license = this.license;
    if (this.license_family) out.license_family = this.license_family;
    if (this.track_features.length) out.track_features = this.track_features.join(" ");
    if (this.features.length) out.features = this.features.join(" ");
    if (this.arch) out.arch = this.arch;
    if (this.platform) out.platform = this.platform;
    if (this.python_site_packages_path) out.python_site_packages_path = this.python_site_packages_path;
    if (this.run_exports) out.run_exports = this.run_exports;
    if (this.legacy_bz2_md5) out.legacy_bz2_md5 = this.legacy_bz2_md5;
    if (this.legacy_bz2_size !== undefined) out.legacy_bz2_size = this.legacy_bz2_size;
    return out;
  }
}

const KNOWN_FIELDS = new Set([
  "name",
  "version",
  "build",
  "build_string",
  "build_number",
  "depends",
  "constrains",
  "subdir",
  "fn",
  "noarch",
  "md5",
  "sha256",
  "size",
  "timestamp",
  "license",
  "license_family",
  "track_features",
  "features",
  "arch",
  "platform",
  "python_site_packages_path",
  "run_exports",
  "legacy_bz2_md5",
  "legacy_bz2_size",
  "channel",
  "url",
]);
