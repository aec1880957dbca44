import type { PackageRecord } from "../conda/package-record.js";
import { PackageCache } from "./cache.js";

/** The records not in the package cache yet: what a transaction would download (conda's FETCH list). */
export async function recordsToFetch(
  records: readonly PackageRecord[],
  pkgsDirs: readonly string[],
): Promise<PackageRecord[]> {
  const cache = new PackageCache([...pkgsDirs]);
  const out: PackageRecord[] = [];
  for (const r of records) if ((await cache.lookup(r)) === undefined) out.push(r);
  return out;
}
