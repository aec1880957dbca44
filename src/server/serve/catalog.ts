import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { isValidSubdirName } from "../../conda/archive-name.js";
import { Version } from "../../conda/version.js";

/** One build of a package as the web UI lists it. */
export interface CatalogBuild {
  name: string;
  version: string;
  build: string;
  build_number: number;
  subdir: string;
  fn: string;
  size: number | null;
  sha256: string | null;
  license: string | null;
  /** When the file landed in the channel (its mtime), ISO 8601; null when the file is gone. */
  uploaded: string | null;
  /** The build time from the record (index.json `timestamp`), ISO 8601, when there is one. */
  timestamp: string | null;
  depends: string[];
}

/** One package name of a channel: newest version and what channeldata.json says about it. */
export interface CatalogPackage {
  name: string;
  latest: string;
  subdirs: string[];
  builds: number;
  license: string | null;
  summary: string | null;
}

/** The subdirs of a channel directory, sorted (the same rule `/api/channels` uses). */
export async function channelSubdirs(channelDir: string): Promise<string[]> {
  const ents = await readdir(channelDir, { withFileTypes: true }).catch(() => []);
  return ents
    .filter((s) => s.isDirectory() && isValidSubdirName(s.name))
    .map((s) => s.name)
    .sort();
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function parseVersion(v: string): Version | undefined {
  try {
    return Version.parse(v);
  } catch {
    return undefined;
  }
}

/** Conda version order, falling back to string order for versions that do not parse. */
export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (va && vb) return va.compare(vb);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A JSON object from text, or undefined when it is not one (a half-written or damaged file). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const doc = JSON.parse(text) as unknown;
    return doc !== null && typeof doc === "object" && !Array.isArray(doc)
      ? (doc as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    return parseJsonObject(await readFile(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * The builds of one parsed `<subdir>/repodata.json` (`packages` and `packages.conda`), unsorted.
 * Reads the indexed metadata, never the archives; only stats them for their upload time.
 */
export async function subdirBuilds(
  channelDir: string,
  subdir: string,
  repodata: Record<string, unknown>,
  only?: string,
): Promise<CatalogBuild[]> {
  const out: CatalogBuild[] = [];
  for (const key of ["packages", "packages.conda"]) {
    const group = repodata[key];
    if (group === null || typeof group !== "object") continue;
    for (const [fn, raw] of Object.entries(group as Record<string, Record<string, unknown>>)) {
      if (raw === null || typeof raw !== "object") continue;
      const name = String(raw.name ?? "");
      if (only !== undefined && name !== only) continue;
      const st = await stat(join(channelDir, subdir, fn)).catch(() => undefined);
      const ts = typeof raw.timestamp === "number" ? raw.timestamp : undefined;
      out.push({
        name,
        version: String(raw.version ?? ""),
        build: String(raw.build ?? ""),
        build_number: Number(raw.build_number ?? 0),
        subdir,
        fn,
        size: typeof raw.size === "number" ? raw.size : null,
        sha256: str(raw.sha256),
        license: str(raw.license),
        uploaded: st ? st.mtime.toISOString() : null,
        // index.json timestamps are milliseconds; old ones were seconds (conda treats < 1e11 so).
        timestamp: ts === undefined ? null : new Date(ts < 1e11 ? ts * 1000 : ts).toISOString(),
        depends: Array.isArray(raw.depends) ? raw.depends.map(String) : [],
      });
    }
  }
  return out;
}

/** Newest first: version, then build number, then subdir and file name for a stable order. */
export function sortBuilds(builds: CatalogBuild[]): CatalogBuild[] {
  // Parse each version once: conda version comparison is the costly part of a large channel.
  const parsed = new Map<string, Version | undefined>();
  const version = (v: string) => {
    if (!parsed.has(v)) parsed.set(v, parseVersion(v));
    return parsed.get(v);
  };
  const cmp = (a: string, b: string) => {
    const va = version(a);
    const vb = version(b);
    if (va && vb) return va.compare(vb);
    return a < b ? -1 : a > b ? 1 : 0;
  };
  return builds.sort(
    (a, b) =>
      cmp(b.version, a.version) ||
      b.build_number - a.build_number ||
      (a.subdir < b.subdir ? -1 : a.subdir > b.subdir ? 1 : 0) ||
      (a.fn < b.fn ? -1 : 1),
  );
}

/**
 * Every build in a channel's `<subdir>/repodata.json` files, optionally only those of one name,
 * newest first. Reads the files each time; the server goes through CatalogCache instead.
 */
export async function channelBuilds(channelDir: string, only?: string): Promise<CatalogBuild[]> {
  const out: CatalogBuild[] = [];
  for (const subdir of await channelSubdirs(channelDir)) {
    const repodata = await readJson(join(channelDir, subdir, "repodata.json"));
    if (repodata) out.push(...(await subdirBuilds(channelDir, subdir, repodata, only)));
  }
  return sortBuilds(out);
}

/** The per-name entries (summary, license) of a parsed channeldata.json. */
export function channelDataEntries(
  doc: Record<string, unknown> | undefined,
): Map<string, Record<string, unknown>> {
  const pkgs = doc?.packages;
  const out = new Map<string, Record<string, unknown>>();
  if (pkgs !== null && typeof pkgs === "object")
    for (const [k, v] of Object.entries(pkgs as Record<string, unknown>))
      if (v !== null && typeof v === "object") out.set(k, v as Record<string, unknown>);
  return out;
}

/** channeldata.json's per-name entries (summary, license), or an empty map when absent. */
export async function channelData(channelDir: string): Promise<Map<string, Record<string, unknown>>> {
  return channelDataEntries(await readJson(join(channelDir, "channeldata.json")));
}

/** The package names of a channel with latest version, subdirs, build count, license and summary. */
export function summarizePackages(
  builds: readonly CatalogBuild[],
  data: Map<string, Record<string, unknown>>,
): CatalogPackage[] {
  const byName = new Map<string, CatalogBuild[]>();
  for (const b of builds) {
    const list = byName.get(b.name);
    if (list) list.push(b);
    else byName.set(b.name, [b]);
  }
  const out: CatalogPackage[] = [];
  for (const name of [...byName.keys()].sort()) {
    const list = byName.get(name)!; // already newest first
    const cd = data.get(name);
    out.push({
      name,
      latest: list[0]!.version,
      subdirs: [...new Set(list.map((b) => b.subdir))].sort(),
      builds: list.length,
      license: str(cd?.license) ?? list[0]!.license,
      summary: str(cd?.summary),
    });
  }
  return out;
}
