// Interop: a channel written by `taipan index` (src/server/index) read back through the gateway,
// from disk and over HTTP, as full repodata (.json / .zst) and as CEP 16 shards.
import assert from "node:assert/strict";
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { after, before, describe, test } from "node:test";
import { RepodataGateway, type RepodataIndex } from "../../src/repodata/gateway.js";
import { indexChannel } from "../../src/server/index/index-channel.js";
import { sharedData } from "../support/paths.js";
import { TestServer } from "./http-fixture.js";

let tmp: string;
let channel: string;
let server: TestServer;

async function copyArchives(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const f of await readdir(from)) {
    if (!f.endsWith(".conda") && !f.endsWith(".tar.bz2")) continue;
    await copyFile(join(from, f), join(to, f));
    await chmod(join(to, f), 0o644);
  }
}

async function serveDir(dir: string, prefix: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    server.files.set(`${prefix}/${relative(dir, p).split(sep).join("/")}`, { body: await readFile(p) });
  }
}

function snapshot(index: RepodataIndex, names: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const n of names)
    out[n] = index
      .get(n)
      .map((r) => `${r.fn} ${r.sha256} ${r.size} ${r.depends.join(",")}`)
      .sort();
  return out;
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "taipan-indexed-"));
  channel = join(tmp, "chan");
  await copyArchives(sharedData("packages", "conda-format-repo", "linux-64"), join(channel, "linux-64"));
  await copyArchives(sharedData("packages", "conda-test-recipes", "noarch"), join(channel, "noarch"));
  await indexChannel(channel, { bz2: false });
  server = await new TestServer().start();
  await serveDir(channel, "/chan");
});

after(async () => {
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe("a channel written by taipan index", () => {
  test("reads the same records from disk, over HTTP (.zst) and through CEP 16 shards", async () => {
    const subdirs = ["linux-64", "noarch"];
    const local = await new RepodataGateway().load({ channels: [channel], subdirs });
    const names = [...local.names()].sort();
    assert.ok(names.includes("zlib") && names.includes("dependent"), names.join(" "));
    const want = snapshot(local, names);

    const gw = new RepodataGateway({ cacheDir: join(tmp, "cache") });
    const http = await gw.load({ channels: [`${server.url}/chan`], subdirs });
    assert.deepEqual(snapshot(http, names), want);
    assert.ok(server.paths().includes("/chan/linux-64/repodata.json.zst"));

    server.log.length = 0;
    const sharded = await gw.load({
      channels: [`${server.url}/chan`],
      subdirs,
      specs: ["dependent", "zlib"],
    });
    assert.ok(
      server.paths().some((p) => p.includes("/shards/")),
      "shards were used",
    );
    const closure = [...sharded.names()].sort();
    assert.ok(
      closure.includes("dependency"),
      `dependent's dependency is in the closure: ${closure.join(" ")}`,
    );
    assert.deepEqual(snapshot(sharded, closure), snapshot(local, closure));
    await gw.close();
  });
});
