import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { RepodataGateway } from "../../src/repodata/gateway.js";
import { SparseRepodata } from "../../src/repodata/sparse-index.js";
import { sharedData } from "../support/paths.js";
import { TestServer } from "./http-fixture.js";

const work = mkdtempSync(join(tmpdir(), "taipan-index-cache-"));
after(() => rmSync(work, { recursive: true, force: true }));

const INDEX4 = sharedData("channels", "conda-index4");

/** Every record of every name, as comparable text. */
async function snapshot(gw: RepodataGateway, channel: string): Promise<Map<string, string>> {
  const index = await gw.load({ channels: [channel], subdirs: ["linux-64", "noarch"] });
  const out = new Map<string, string>();
  for (const name of [...index.names()].sort())
    out.set(name, JSON.stringify(index.get(name).map((r) => ({ ...r.toJson(), fn: r.fn, url: r.url }))));
  return out;
}

function indexFiles(cacheDir: string): string[] {
  try {
    return readdirSync(join(cacheDir, "repodata-index")).map((f) => join(cacheDir, "repodata-index", f));
  } catch {
    return [];
  }
}

describe("saved per-name indexes of repodata", () => {
  test("a second load of the same channel reads the saved index and yields the same records", async () => {
    const cacheDir = mkdtempSync(join(work, "a-"));
    const reference = await snapshot(new RepodataGateway(), INDEX4);
    const first = await snapshot(new RepodataGateway({ cacheDir, indexCacheAbove: 0 }), INDEX4);
    const files = indexFiles(cacheDir);
    assert.equal(files.length, 2, "one index per subdir (linux-64, noarch)");
    const written = files.map((f) => statSync(f).mtimeMs);
    const second = await snapshot(new RepodataGateway({ cacheDir, indexCacheAbove: 0 }), INDEX4);
    assert.deepEqual(
      files.map((f) => statSync(f).mtimeMs),
      written,
      "reused, not rewritten",
    );
    assert.deepEqual(first, reference);
    assert.deepEqual(second, reference);
  });

  test("small repodata is not indexed on disk by default, and nothing without a cache directory", async () => {
    const cacheDir = mkdtempSync(join(work, "b-"));
    await snapshot(new RepodataGateway({ cacheDir }), INDEX4); // 2.6 MB < the 4 MiB default
    assert.deepEqual(indexFiles(cacheDir), []);
  });

  test("changed repodata is scanned again and its index replaced", async () => {
    const cacheDir = mkdtempSync(join(work, "c-"));
    const channel = mkdtempSync(join(work, "chan-"));
    cpSync(INDEX4, channel, { recursive: true });
    const file = join(channel, "linux-64", "repodata.json");
    const gw = () => new RepodataGateway({ cacheDir, indexCacheAbove: 0 });
    await snapshot(gw(), channel);
    const idx = indexFiles(cacheDir).find((f) => statSync(f).size > 100_000)!;
    const before = readFileSync(idx);
    // same length, one version changed: only the identity (mtime) tells the files apart
    const text = readFileSync(file, "utf8");
    const edited = text.replace('"version": "0.12.0"', '"version": "0.12.9"');
    assert.notEqual(edited, text);
    assert.equal(edited.length, text.length);
    writeFileSync(file, edited);
    const after = await snapshot(gw(), channel);
    assert.ok(!readFileSync(idx).equals(before), "index rewritten for the new bytes");
    assert.ok([...after.values()].some((v) => v.includes('"version":"0.12.9"')));
    assert.deepEqual(after, await snapshot(new RepodataGateway(), channel));
  });

  test("a damaged or foreign index file is ignored: same records, index rewritten", async () => {
    const cacheDir = mkdtempSync(join(work, "d-"));
    const gw = () => new RepodataGateway({ cacheDir, indexCacheAbove: 0 });
    const reference = await snapshot(gw(), INDEX4);
    const idx = indexFiles(cacheDir).find((f) => statSync(f).size > 100_000)!;
    const good = readFileSync(idx);
    for (const bad of [
      good.subarray(0, good.length >> 1),
      Buffer.alloc(good.length, 7),
      Buffer.from("TPSIDX01"),
    ]) {
      writeFileSync(idx, bad);
      assert.deepEqual(await snapshot(gw(), INDEX4), reference);
      assert.ok(readFileSync(idx).equals(good), "rewritten");
    }
  });

  test("an index whose offsets do not land on records of these bytes is refused", () => {
    const buf = readFileSync(join(INDEX4, "linux-64", "repodata.json"));
    const opts = { source: "x", subdir: "linux-64" };
    const saved = SparseRepodata.parse(buf, opts).indexBytes("same-identity");
    // the same JSON with one leading space more and one space of the closing indentation less:
    // the same size, the same claimed identity, every record offset one byte off
    const at = buf.lastIndexOf(0x20);
    assert.ok(at > buf.length - 16, "indentation before the final braces");
    const shifted = Buffer.concat([Buffer.from(" "), buf.subarray(0, at), buf.subarray(at + 1)]);
    assert.equal(shifted.length, buf.length);
    assert.doesNotThrow(() => JSON.parse(shifted.toString("utf8")));
    const reparsed = SparseRepodata.parse(shifted, opts, { bytes: saved, identity: "same-identity" });
    assert.equal(reparsed.reusedIndex, false);
    const reused = SparseRepodata.parse(buf, opts, { bytes: saved, identity: "same-identity" });
    assert.equal(reused.reusedIndex, true);
    assert.equal(SparseRepodata.parse(buf, opts, { bytes: saved, identity: "other" }).reusedIndex, false);
  });

  test("over HTTP the index is keyed by the cached body's sha256 and reused across loads", async () => {
    const server = await new TestServer().start();
    try {
      for (const sd of ["linux-64", "noarch"]) {
        const p = join(INDEX4, sd, "repodata.json");
        try {
          server.files.set(`/ch/${sd}/repodata.json`, { body: readFileSync(p), cacheControl: "max-age=600" });
        } catch {
          // no such subdir in this snapshot
        }
      }
      const cacheDir = mkdtempSync(join(work, "e-"));
      const gw = () => new RepodataGateway({ cacheDir, indexCacheAbove: 0 });
      const url = `${server.url}/ch`;
      const first = await snapshot(gw(), url);
      const files = indexFiles(cacheDir);
      assert.ok(files.length >= 1);
      const stamps = files.map((f) => statSync(f).mtimeMs);
      const second = await snapshot(gw(), url);
      assert.deepEqual(second, first);
      assert.deepEqual(
        files.map((f) => statSync(f).mtimeMs),
        stamps,
        "reused",
      );
    } finally {
      await server.stop();
    }
  });
});
