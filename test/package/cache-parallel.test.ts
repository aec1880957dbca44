import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { PackageRecord } from "../../src/conda/package-record.js";
import { PackageCache } from "../../src/package/cache.js";
import { sharedData } from "../support/paths.js";
import { recordFor } from "./records-of.js";
import { type FileServer, serveFiles } from "./serve-files.js";

const run = promisify(execFile);
const WORKERS = 5;

let tmp: string;
let server: FileServer;
let records: PackageRecord[];
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "taipan-cache-par-"));
  const channel = join(tmp, "channel");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(channel);
  const noarch = sharedData("packages", "conda-test-recipes", "noarch");
  const files = (await readdir(noarch)).filter((f) => f.endsWith(".conda")).slice(0, 12);
  const extra = [
    sharedData("packages", "rattler", "real", "ca-certificates-2024.7.4-hbcca054_0.conda"),
    sharedData("packages", "mamba", "cph_test_data-0.0.1-0.tar.bz2"),
    sharedData("packages", "mamba", "_r-mutex-1.0.1-anacondar_1.tar.bz2"),
  ];
  for (const f of files) await copyFile(join(noarch, f), join(channel, f));
  for (const f of extra) await copyFile(f, join(channel, f.slice(f.lastIndexOf("/") + 1)));
  server = await serveFiles(channel);
  records = await Promise.all(
    (await readdir(channel)).map((f) => recordFor(join(channel, f), `${server.url}/${f}`)),
  );
});
after(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

it(`${WORKERS} processes populate the same cold cache at once: all succeed, each file is fetched once, the cache verifies`, async () => {
  const cacheDir = join(tmp, "pkgs");
  const recordsFile = join(tmp, "records.json");
  await writeFile(recordsFile, JSON.stringify(records.map((r) => ({ ...r.toJson(), fn: r.fn, url: r.url }))));
  const self = fileURLToPath(import.meta.url);
  const worker = self.replace(/cache-parallel\.test\.(ts|js)$/, "cache-worker.$1");
  const loader = self.endsWith(".ts") ? ["--import", "tsx"] : [];
  const outs = await Promise.all(
    Array.from({ length: WORKERS }, () => run(process.execPath, [...loader, worker, cacheDir, recordsFile])),
  );
  const expected = records.map((r) => join(cacheDir, r.distName));
  for (const o of outs) assert.deepEqual(JSON.parse(o.stdout), expected);
  // The waiting locks mean exactly one download per artifact across all processes.
  for (const r of records) assert.equal(server.hits.get(`/${r.fn}`), 1, r.fn);
  const cache = new PackageCache([cacheDir]);
  for (const r of records) assert.ok(await cache.verify(r), r.fn);
  const urls = (await readFile(join(cacheDir, "urls.txt"), "utf8")).trim().split("\n");
  assert.equal(urls.length, records.length);
  assert.deepEqual(
    (await readdir(cacheDir)).filter((f) => /partial|\.lock$|extract/.test(f)),
    [],
  );
});
