import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { IndexedPackage } from "./package-entry.js";
import { writeFileAtomic } from "../../fs/write-atomic.js";

/*
 * Incremental indexing: per subdir, `.cache/taipan-index.json` keeps what was read from each package
 * file together with its size and mtime (conda-index keeps the same in `.cache/cache.db`). A file
 * whose stat is unchanged is not opened again.
 */
const CACHE_VERSION = 1;

export function cachePath(subdirPath: string): string {
  return join(subdirPath, ".cache", "taipan-index.json");
}

export async function loadIndexCache(subdirPath: string): Promise<Map<string, IndexedPackage>> {
  try {
    const doc = JSON.parse(await readFile(cachePath(subdirPath), "utf8"));
    if (doc?.version !== CACHE_VERSION || typeof doc.entries !== "object") return new Map();
    return new Map(Object.entries(doc.entries as Record<string, IndexedPackage>));
  } catch {
    return new Map(); // missing or garbled cache: re-read everything
  }
}

export async function saveIndexCache(
  subdirPath: string,
  entries: Map<string, IndexedPackage>,
): Promise<void> {
  const file = cachePath(subdirPath);
  await mkdir(join(subdirPath, ".cache"), { recursive: true });
  await writeFileAtomic(
    file,
    JSON.stringify({ version: CACHE_VERSION, entries: Object.fromEntries(entries) }),
  );
}
