import type { LockedPackage, LockEnvironment, LockFile } from "./model.js";
import { LockFileError } from "./errors.js";
import { archiveNameParts, archiveUrl, isArchiveLocation } from "./locations.js";

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

/** One `packages:` entry with the key an environment uses to refer to it. */
interface Entry {
  key: string;
  raw: Obj;
  pkg: LockedPackage;
}

/**
 * pixi's lock (rattler_lock versions 4-7): `environments:` name each environment's channels and,
 * per platform, references into the top-level `packages:` list. Versions 4-5 mark an entry with
 * `kind: conda|pypi` and reference it by its url/path; versions 6-7 key entries by `conda:`,
 * `pypi:` or `conda_source:` and a reference may add name/build/subdir to tell apart entries at
 * the same location. Version 7 also lists `platforms:` whose names may differ from their subdir.
 */
export function parsePixiLock(doc: Obj, file: string, lockDir: string, version: number): LockFile {
  const entries: Entry[] = [];
  const rawPackages = doc.packages ?? [];
  if (!Array.isArray(rawPackages)) throw new LockFileError(file, "'packages:' is not a list");
  rawPackages.forEach((raw, i) => {
    if (typeof raw !== "object" || raw === null)
      throw new LockFileError(file, `package entry ${i + 1} is not a mapping`);
    entries.push(readEntry(raw as Obj, lockDir, file, i + 1));
  });
  const byKey = new Map<string, Entry[]>();
  for (const e of entries) {
    const list = byKey.get(e.key);
    if (list) list.push(e);
    else byKey.set(e.key, [e]);
  }

  const platformSubdirs = new Map<string, string>();
  const platforms: string[] = [];
  if (Array.isArray(doc.platforms)) {
    for (const p of doc.platforms as Obj[]) {
      const name = str(p?.name);
      if (!name) continue;
      platforms.push(name);
      const subdir = str(p.subdir);
      if (subdir && subdir !== name) platformSubdirs.set(name, subdir);
    }
  }

  const environments = new Map<string, LockEnvironment>();
  const envs = (doc.environments ?? {}) as Obj;
  if (typeof envs !== "object") throw new LockFileError(file, "'environments:' is not a mapping");
  for (const [name, rawEnv] of Object.entries(envs)) {
    const env = (rawEnv ?? {}) as Obj;
    const channels = Array.isArray(env.channels)
      ? env.channels.map((c) => (typeof c === "object" && c ? String((c as Obj).url) : String(c)))
      : [];
    const packages = new Map<string, LockedPackage[]>();
    for (const [platform, refs] of Object.entries((env.packages ?? {}) as Obj)) {
      if (!platforms.includes(platform)) platforms.push(platform);
      packages.set(
        platform,
        ((refs ?? []) as Obj[]).map((ref) => resolveRef(ref, byKey, file, name, platform)),
      );
    }
    environments.set(name, { name, channels, packages });
  }
  return { format: "pixi", version, platforms, platformSubdirs, environments };
}

function readEntry(e: Obj, lockDir: string, file: string, n: number): Entry {
  let kind: string;
  let location: string | undefined;
  if (e.kind !== undefined) {
    kind = String(e.kind);
    location = str(e.url) ?? str(e.path);
  } else if (e.conda !== undefined) {
    kind = "conda";
    location = str(e.conda);
  } else if (e.pypi !== undefined) {
    kind = "pypi";
    location = str(e.pypi);
  } else if (e.conda_source !== undefined) {
    kind = "conda_source";
    location = str(e.conda_source);
  } else throw new LockFileError(file, `package entry ${n} is neither conda nor pypi`);
  if (!location) throw new LockFileError(file, `package entry ${n} has no url or path`);
  const key = `${kind === "conda_source" ? "conda_source" : kind}|${location}`;
  if (kind === "pypi")
    return {
      key,
      raw: e,
      pkg: { kind: "pypi", name: str(e.name), version: str(e.version), location, sha256: str(e.sha256) },
    };
  if (kind === "conda_source" || !isArchiveLocation(location)) {
    const name = str(e.name) ?? /^([^[\s@]+)/.exec(location)?.[1];
    return { key, raw: e, pkg: { kind: "source", name, location } };
  }
  if (kind !== "conda") throw new LockFileError(file, `package entry ${n} has unknown kind '${kind}'`);
  const parts = archiveNameParts(location);
  return {
    key,
    raw: e,
    pkg: {
      kind: "conda",
      url: archiveUrl(location, lockDir),
      name: str(e.name) ?? parts?.name,
      version: str(e.version) ?? parts?.version,
      build: str(e.build) ?? parts?.build,
      subdir: str(e.subdir),
      md5: str(e.md5),
      sha256: str(e.sha256),
      depends: Array.isArray(e.depends) ? e.depends.map(String) : [],
    },
  };
}

function resolveRef(
  ref: Obj,
  byKey: Map<string, Entry[]>,
  file: string,
  env: string,
  platform: string,
): LockedPackage {
  let key: string | undefined;
  if (ref.conda !== undefined) key = `conda|${ref.conda}`;
  else if (ref.pypi !== undefined) key = `pypi|${ref.pypi}`;
  else if (ref.conda_source !== undefined) key = `conda_source|${ref.conda_source}`;
  const candidates = (key && byKey.get(key)) || [];
  // A v6 reference names what tells apart several entries sharing one location.
  const match = candidates.find((c) =>
    (["name", "version", "build", "subdir"] as const).every(
      (f) => ref[f] === undefined || String(ref[f]) === String(c.raw[f] ?? (c.pkg as unknown as Obj)[f]),
    ),
  );
  if (!match)
    throw new LockFileError(
      file,
      `environment '${env}' (${platform}) refers to ${JSON.stringify(ref)}, which is not in 'packages:'`,
    );
  return match.pkg;
}
