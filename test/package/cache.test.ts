import assert from "node:assert/strict";
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  truncate,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { PackageRecord } from "../../src/conda/package-record.js";
import { type CacheProgress, PackageCache } from "../../src/package/cache.js";
import { ChecksumMismatchError, DownloadError } from "../../src/package/errors.js";
import { pkgsDirsFrom } from "../../src/package/pkgs-dirs.js";
import { sharedData } from "../support/paths.js";
import { recordFor } from "./records-of.js";
import { type FileServer, serveFiles } from "./serve-files.js";

const NOARCH = sharedData("packages", "conda-test-recipes", "noarch");
const FILES = [
  "small-executable-1.0-0.conda",
  "sample_noarch_python-1.0-py_0.conda",
  "dependency-1.0-0.conda",
];

let tmp: string;
let channel: string;
let server: FileServer;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "taipan-cache-"));
  channel = join(tmp, "channel");
  await mkdir(channel);
  for (const f of FILES) await copyFile(join(NOARCH, f), join(channel, f));
  await copyFile(
    sharedData("packages", "mamba", "cph_test_data-0.0.1-0.tar.bz2"),
    join(channel, "cph_test_data-0.0.1-0.tar.bz2"),
  );
  server = await serveFiles(channel);
});
after(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

let n = 0;
const freshCache = () => join(tmp, `pkgs-${n++}`);
const httpRecord = (f: string) => recordFor(join(channel, f), `${server.url}/${f}`);

describe("PackageCache.ensure", () => {
  it("downloads over http, verifies, extracts into conda's pkgs/ layout, and then serves from cache", async () => {
    const dir = freshCache();
    const cache = new PackageCache([dir]);
    const records = await Promise.all([...FILES, "cph_test_data-0.0.1-0.tar.bz2"].map(httpRecord));
    const seen: CacheProgress[] = [];
    const dirs = await cache.ensure(records, { onProgress: (p) => seen.push(p), concurrency: 3 });
    for (const [i, r] of records.entries()) {
      assert.equal(dirs[i], join(dir, r.distName));
      const marker = JSON.parse(await readFile(join(dirs[i], "info", "repodata_record.json"), "utf8"));
      assert.equal(marker.sha256, r.sha256);
      assert.equal(marker.url, r.url);
      assert.equal(marker.fn, r.fn);
      assert.equal(marker.name, r.name);
      assert.ok((await readdir(dir)).includes(r.fn), "archive kept");
    }
    const urls = (await readFile(join(dir, "urls.txt"), "utf8")).trim().split("\n").sort();
    assert.deepEqual(urls, records.map((r) => r.url).sort());
    assert.ok(seen.some((p) => p.phase === "download" && p.bytes === p.total));
    assert.equal(seen.filter((p) => p.phase === "done").length, records.length);
    // No temporary files or locks remain.
    assert.deepEqual(
      (await readdir(dir)).filter((f) => /partial|lock|extract/.test(f)),
      [],
    );
    const before = server.hits.get(`/${FILES[0]}`);
    const again: CacheProgress[] = [];
    await cache.ensure(records, { onProgress: (p) => again.push(p) });
    assert.ok(again.every((p) => p.phase === "cached"));
    assert.equal(server.hits.get(`/${FILES[0]}`), before);
    for (const r of records) assert.ok(await cache.verify(r));
  });

  it("fetches from file:// URLs and plain paths", async () => {
    const cache = new PackageCache([freshCache()]);
    const a = await recordFor(join(channel, FILES[0]), pathToFileURL(join(channel, FILES[0])).href);
    const b = await recordFor(join(channel, FILES[1]), join(channel, FILES[1]));
    const [da, db] = await cache.ensure([a, b]);
    assert.ok((await readdir(join(da, "info"))).includes("index.json"));
    assert.ok((await readdir(join(db, "site-packages"))).includes("sample.py"));
  });

  it("detects and replaces half-written and tampered entries", async () => {
    const dir = freshCache();
    const cache = new PackageCache([dir]);
    const r = await httpRecord(FILES[0]);
    const [x] = await cache.ensure([r]);
    const hits = () => server.hits.get(`/${FILES[0]}`) ?? 0;
    const h0 = hits();
    // 1. Extracted dir without its marker (a crash of a non-atomic tool): re-extracted from the cached archive.
    await rm(join(x, "info", "repodata_record.json"));
    await cache.ensure([r]);
    assert.ok(await cache.verify(r));
    assert.equal(hits(), h0, "the archive was still good, no download");
    // 2. A file truncated inside the extracted dir: the quick check sees the size.
    const paths = JSON.parse(await readFile(join(x, "info", "paths.json"), "utf8")).paths;
    const victim = join(x, paths.find((p: { path_type: string }) => p.path_type === "hardlink")._path);
    await truncate(victim, 0);
    assert.equal(await cache.verify(r), false);
    await cache.ensure([r]);
    assert.ok(await cache.verify(r));
    // 3. Same-size tampering is caught by full validation.
    const orig = await readFile(victim);
    const evil = Buffer.from(orig);
    evil[0] ^= 0x20;
    await writeFile(victim, evil);
    assert.equal(await cache.verify(r), false);
    await cache.ensure([r], { validate: "full" });
    assert.deepEqual(await readFile(victim), orig);
    // 4. Tampered archive and no extracted dir: the archive hash no longer matches, so it is fetched again.
    await rm(x, { recursive: true });
    await writeFile(join(dir, r.fn), "garbage");
    await cache.ensure([r]);
    assert.equal(hits(), h0 + 1);
    assert.ok(await cache.verify(r));
  });

  it("refuses bytes that do not match the record, leaving nothing behind", async () => {
    const dir = freshCache();
    const cache = new PackageCache([dir]);
    const r = await httpRecord(FILES[1]);
    server.faults.set(`/${FILES[1]}`, ["garble", "garble", "garble"]);
    await assert.rejects(cache.ensure([r]), (e: unknown) => {
      assert.ok(e instanceof ChecksumMismatchError, String(e));
      assert.ok(e.message.includes(r.url!));
      return true;
    });
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f !== "urls.txt"),
      [],
    );
    server.faults.delete(`/${FILES[1]}`);
  });

  it("retries 5xx and dropped connections, reports 404 as DownloadError", async () => {
    const cache = new PackageCache([freshCache()]);
    const r = await httpRecord(FILES[2]);
    server.faults.set(`/${FILES[2]}`, ["500", "drop"]);
    const [d] = await cache.ensure([r]);
    assert.ok(d);
    const missing = PackageRecord.fromJson(
      { name: "nope", version: "1", build: "0", sha256: "0".repeat(64), url: `${server.url}/nope-1-0.conda` },
      { fn: "nope-1-0.conda" },
    );
    await assert.rejects(
      cache.ensure([missing]),
      (e: unknown) =>
        e instanceof DownloadError && e.status === 404 && e.message.includes("nope-1-0.conda") && !!e.hint,
    );
  });

  it("sends URL credentials as a Basic header and never writes them to urls.txt", async () => {
    const dir = freshCache();
    const url = `${server.url.replace("http://", "http://me:s%40cret@")}/${FILES[2]}`;
    const r = await recordFor(join(channel, FILES[2]), url);
    await new PackageCache([dir]).ensure([r]);
    assert.equal(server.auth.get(`/${FILES[2]}`), `Basic ${Buffer.from("me:s@cret").toString("base64")}`);
    const urls = await readFile(join(dir, "urls.txt"), "utf8");
    assert.equal(urls, `${server.url}/${FILES[2]}\n`);
    const marker = await readFile(join(dir, r.distName, "info", "repodata_record.json"), "utf8");
    assert.ok(!marker.includes("cret"), marker);
  });

  it("takes over a stale lock left by a dead process", async () => {
    const dir = freshCache();
    await mkdir(dir, { recursive: true });
    const r = await httpRecord(FILES[0]);
    const lock = join(dir, `${r.fn}.lock`);
    await mkdir(lock);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const [d] = await new PackageCache([dir]).ensure([r]);
    assert.ok(d);
  });

  it("uses the first writable pkgs dir and finds entries in any of them", async () => {
    const blocker = join(tmp, "a-file");
    await writeFile(blocker, "");
    const second = freshCache();
    const cache = new PackageCache([join(blocker, "pkgs"), second]);
    assert.equal(await cache.writableDir(), second);
    const r = await httpRecord(FILES[0]);
    const [d] = await cache.ensure([r]);
    assert.equal(d, join(second, r.distName));
    // A read-only-first layout still finds it.
    assert.equal(await new PackageCache([freshCache(), second]).lookup(r), d);
  });

  it("lookupAll answers as lookup does for each record, listing each directory once", async () => {
    const first = freshCache();
    const second = freshCache();
    const [a, b, c] = await Promise.all(FILES.map((f) => httpRecord(f)));
    const [da] = await new PackageCache([first]).ensure([a]);
    const [db] = await new PackageCache([second]).ensure([b]);
    // an entry whose marker names another artifact does not count
    await mkdir(join(second, c.distName, "info"), { recursive: true });
    await writeFile(
      join(second, c.distName, "info", "repodata_record.json"),
      JSON.stringify({ fn: "other" }),
    );
    const cache = new PackageCache([first, join(tmp, "missing-dir"), second]);
    const all = await cache.lookupAll([a, b, c, a]);
    assert.deepEqual(all, [da, db, undefined, da]);
    for (const [i, r] of [a, b, c].entries()) assert.equal(await cache.lookup(r), all[i]);
  });

  it("reads CONDA_PKGS_DIRS before pkgs_dirs", () => {
    assert.deepEqual(pkgsDirsFrom(["/c/pkgs"], { CONDA_PKGS_DIRS: "/a/pkgs, /b/pkgs" }), [
      "/a/pkgs",
      "/b/pkgs",
    ]);
    assert.deepEqual(pkgsDirsFrom(["/c/pkgs"], {}), ["/c/pkgs"]);
    assert.equal(pkgsDirsFrom(undefined, {}).length, 1);
  });
});
