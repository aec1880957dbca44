// Child process of cache-parallel.test.ts: populates a shared package cache and prints the extracted dirs.
import { readFileSync } from "node:fs";
import { PackageRecord } from "../../src/conda/package-record.js";
import { PackageCache } from "../../src/package/cache.js";

const [cacheDir, recordsFile] = process.argv.slice(2);
const raw = JSON.parse(readFileSync(recordsFile, "utf8")) as Record<string, unknown>[];
const records = raw.map((o) => PackageRecord.fromJson(o, { fn: String(o.fn) }));
const dirs = await new PackageCache([cacheDir]).ensure(records, { concurrency: 4 });
process.stdout.write(JSON.stringify(dirs));
