import type { LockedPackage, LockFile } from "./model.js";
import { LockFileError } from "./errors.js";
import { archiveNameParts, archiveUrl, isArchiveLocation } from "./locations.js";

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

/**
 * conda-lock's unified format (version 1; files written before the key existed are version 1 too)
 * and the rattler versions 2-3 that kept its `package:` list: one flat list, each entry naming
 * its platform, manager (conda or pip), category and hashes. `dependencies` is a map of
 * name → constraint in conda-lock and a list of match specs in rattler's versions.
 */
export function parseCondaLock(doc: Obj, file: string, lockDir: string, version: number): LockFile {
  const metadata = (doc.metadata ?? {}) as Obj;
  const declared = Array.isArray(metadata.platforms) ? metadata.platforms.map(String) : [];
  const channels = Array.isArray(metadata.channels)
    ? metadata.channels.map((c) => (typeof c === "object" && c ? String((c as Obj).url) : String(c)))
    : [];
  if (!Array.isArray(doc.package)) throw new LockFileError(file, "'package:' is not a list of packages");
  const packages = new Map<string, LockedPackage[]>();
  for (const p of declared) packages.set(p, []);
  doc.package.forEach((raw, i) => {
    if (typeof raw !== "object" || raw === null)
      throw new LockFileError(file, `package entry ${i + 1} is not a mapping`);
    const e = raw as Obj;
    const platform = str(e.platform);
    const url = str(e.url);
    if (!platform || !url) throw new LockFileError(file, `package entry ${i + 1} has no platform or url`);
    const hash = (e.hash ?? {}) as Obj;
    let pkg: LockedPackage;
    if ((e.manager ?? "conda") === "pip") {
      pkg = {
        kind: "pypi",
        name: str(e.name),
        version: str(e.version),
        location: url,
        sha256: str(hash.sha256),
      };
    } else if (!isArchiveLocation(url)) {
      pkg = { kind: "source", name: str(e.name), location: url };
    } else {
      // conda-lock v1 entries carry no build string: it is in the archive name.
      const parts = archiveNameParts(url);
      pkg = {
        kind: "conda",
        url: archiveUrl(url, lockDir),
        name: str(e.name) ?? parts?.name,
        version: str(e.version) ?? parts?.version,
        build: str(e.build) ?? parts?.build,
        subdir: str(e.subdir),
        md5: str(hash.md5),
        sha256: str(hash.sha256),
        depends: dependencyList(e.dependencies),
        category: str(e.category) ?? "main",
        optional: e.optional === true,
      };
    }
    let list = packages.get(platform);
    if (!list) packages.set(platform, (list = []));
    list.push(pkg);
  });
  return {
    format: "conda-lock",
    version,
    platforms: [...packages.keys()],
    platformSubdirs: new Map(),
    environments: new Map([["default", { name: "default", channels, packages }]]),
  };
}

/** `{python: ">=3.8"}` (conda-lock) or `["python >=3.8"]` (rattler) → match spec strings. */
function dependencyList(deps: unknown): string[] {
  if (Array.isArray(deps)) return deps.map(String);
  if (deps && typeof deps === "object")
    return Object.entries(deps as Obj).map(([name, spec]) => {
      const s = str(spec)?.trim();
      return !s || s === "*" ? name : `${name} ${s}`;
    });
  return [];
}
