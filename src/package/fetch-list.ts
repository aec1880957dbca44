import type { PackageRecord } from "../conda/package-record.js";
import { PackageCache } from "./cache.js";

/** The records not in the package cache yet: what a transaction would download (conda's FETCH list). */
export async function recordsToFetch(
  records: readonly PackageRecord[],
  pkgsDirs: readonly string[],
): Promise<PackageRecord[]> {
  const found = await new PackageCache([...pkgsDirs]).lookupAll(records);
  return records.filter((_, i) => found[i] === undefined);
}
