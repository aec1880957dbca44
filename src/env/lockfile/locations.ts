import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ARCHIVE = /\.(conda|tar\.bz2)$/i;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A conda archive location can be installed; a directory (a pixi source build) cannot. */
export function isArchiveLocation(location: string): boolean {
  return ARCHIVE.test(location.split(/[?#]/)[0] ?? "");
}

/**
 * pixi writes local archives relative to the lock file's directory; conda installs from URLs,
 * so a relative or absolute path becomes a file:// URL.
 */
export function archiveUrl(location: string, lockDir: string): string {
  if (SCHEME.test(location)) return location;
  const path = isAbsolute(location) ? location : resolve(lockDir, location);
  return pathToFileURL(path).href;
}

/** name, version, build from `name-version-build.conda` at the end of a URL or path. */
export function archiveNameParts(
  location: string,
): { name: string; version: string; build: string } | undefined {
  const fn = location.split(/[?#]/)[0]!.split(/[/\\]/).pop() ?? "";
  const m = /^(.+)-([^-]+)-([^-]+)\.(conda|tar\.bz2)$/i.exec(fn);
  return m ? { name: m[1]!, version: m[2]!, build: m[3]! } : undefined;
}
