// Repodata records for real archives, as a channel would list them (hashes computed here).
import { basename } from "node:path";
import { PackageRecord } from "../../src/conda/package-record.js";
import { hashFile } from "../../src/package/hash.js";
import { readPackageInfo } from "../../src/package/package-info.js";

export async function recordFor(archive: string, url: string): Promise<PackageRecord> {
  const info = await readPackageInfo(archive);
  const d = await hashFile(archive);
  return PackageRecord.fromJson(
    { ...info.index, sha256: d.sha256, md5: d.md5, size: d.size, url },
    { fn: basename(archive), channel: "test" },
  );
}
