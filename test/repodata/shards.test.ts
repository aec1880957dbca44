import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { compress } from "@mongodb-js/zstd";
import { pack } from "msgpackr";
import { RepodataParseError } from "../../src/repodata/errors.js";
import { RepodataGateway } from "../../src/repodata/gateway.js";
import { EMPTY_NOARCH, TestServer } from "./http-fixture.js";

let server: TestServer;
let cacheDir: string;
const gateways: RepodataGateway[] = [];

function gw(opts: ConstructorParameters<typeof RepodataGateway>[0] = {}): RepodataGateway {
  const g = new RepodataGateway({ cacheDir, retryBaseMs: 5, ...opts });
  gateways.push(g);
  return g;
}

function shardRecord(name: string, version: string, depends: string[]) {
  return {
    name,
    version,
    build: "h0_0",
    build_number: 0,
    depends,
    // CEP 16: hashes are stored as bytes
    md5: Buffer.from("11".repeat(16), "hex"),
    sha256: Buffer.from("ab".repeat(32), "hex"),
    size: 10,
    subdir: "linux-64",
  };
}

/** Publishes a sharded linux-64 subdir under /sh: a → b → c, and d (unrelated). */
async function publishShards(opts: { corruptShardOf?: string } = {}): Promise<Map<string, string>> {
  const shards: Record<string, { packages: object; "packages.conda": object; removed?: string[] }> = {
    a: {
      packages: { "a-1.0-h0_0.tar.bz2": shardRecord("a", "1.0", ["b >=1"]) },
      "packages.conda": { "a-1.0-h0_0.conda": shardRecord("a", "1.0", ["b >=1"]) },
    },
    b: {
      packages: {},
      "packages.conda": { "b-1.0-h0_0.conda": shardRecord("b", "1.0", ["c", "__glibc >=2.17"]) },
    },
    c: {
      packages: {
        "c-1.0-h0_0.tar.bz2": shardRecord("c", "1.0", []),
        "c-0.1-h0_0.tar.bz2": shardRecord("c", "0.1", []),
      },
      "packages.conda": {},
      removed: ["c-0.1-h0_0.tar.bz2"],
    },
    d: { packages: {}, "packages.conda": { "d-1.0-h0_0.conda": shardRecord("d", "1.0", []) } },
  };
  const hashes = new Map<string, string>();
  const index: Record<string, Buffer> = {};
  for (const [name, shard] of Object.entries(shards)) {
    const body = await compress(pack(shard), 3);
    const hash = createHash("sha256").update(body).digest("hex");
    hashes.set(name, hash);
    index[name] = Buffer.from(hash, "hex");
    const served = name === opts.corruptShardOf ? Buffer.concat([body, Buffer.from([0])]) : body;
    server.files.set(`/sh/linux-64/shards/${hash}.msgpack.zst`, { body: served });
  }
  const doc = {
    version: 1,
    info: { base_url: "../pkgs/", shards_base_url: "./shards/", subdir: "linux-64" },
    shards: index,
  };
  server.files.set("/sh/linux-64/repodata_shards.msgpack.zst", { body: await compress(pack(doc), 3) });
  server.files.set("/sh/noarch/repodata.json", { body: EMPTY_NOARCH });
  return hashes;
}

beforeEach(async () => {
  server = await new TestServer().start();
  cacheDir = await mkdtemp(join(tmpdir(), "taipan-shards-"));
});

afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close();
  await server.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

describe("CEP 16 sharded repodata", () => {
  test("only the shards reachable from the specs through depends are fetched", async () => {
    const hashes = await publishShards();
    const index = await gw().load({
      channels: [`${server.url}/sh`],
      subdirs: ["linux-64", "noarch"],
      specs: ["a >=1"],
    });
    const fetched = server.paths().filter((p) => p.includes("/shards/"));
    assert.deepEqual(
      fetched.sort(),
      ["a", "b", "c"].map((n) => `/sh/linux-64/shards/${hashes.get(n)}.msgpack.zst`).sort(),
    );
    assert.ok(!server.paths().includes("/sh/linux-64/repodata.json"), "full repodata is not downloaded");
    const a = index.get("a");
    assert.equal(a.length, 1, ".conda and .tar.bz2 of the same build count once");
    assert.equal(a[0].fn, "a-1.0-h0_0.conda");
    assert.equal(a[0].sha256, "ab".repeat(32));
    assert.equal(a[0].md5, "11".repeat(16));
    assert.equal(a[0].url, `${server.url}/sh/pkgs/a-1.0-h0_0.conda`, "base_url is relative to the index");
    assert.equal(a[0].channel, `${server.url}/sh`);
    assert.deepEqual(
      index.get("c").map((r) => r.version),
      ["1.0"],
      "removed is honoured",
    );
    assert.deepEqual(index.get("d"), []);
    assert.deepEqual([...index.names()].sort(), ["a", "b", "c"]);
    await index.ensure(["d"]);
    assert.equal(index.get("d").length, 1);
  });

  test("cached shards are reused without a request (content-addressed); offline works", async () => {
    await publishShards();
    const spec = { channels: [`${server.url}/sh`], subdirs: ["linux-64", "noarch"], specs: ["a"] };
    await gw().load(spec);
    server.log.length = 0;
    const again = await gw().load(spec);
    assert.equal(again.get("c").length, 1);
    assert.ok(!server.paths().some((p) => p.includes("/shards/")));
    server.log.length = 0;
    const offline = await gw({ offline: true }).load(spec);
    assert.equal(offline.get("b").length, 1);
    assert.equal(server.log.length, 0);
  });

  test("a cached shard that does not match its hash is fetched again", async () => {
    const hashes = await publishShards();
    const spec = { channels: [`${server.url}/sh`], subdirs: ["linux-64", "noarch"], specs: ["a"] };
    await gw().load(spec);
    const dir = join(cacheDir, "shards");
    assert.equal((await readdir(dir)).length, 3);
    await writeFile(join(dir, `${hashes.get("b")}.msgpack.zst`), "garbage");
    server.log.length = 0;
    const index = await gw().load(spec);
    assert.equal(index.get("b").length, 1);
    assert.deepEqual(
      server.paths().filter((p) => p.includes("/shards/")),
      [`/sh/linux-64/shards/${hashes.get("b")}.msgpack.zst`],
    );
  });

  test("a shard whose content does not match the index is an error naming it", async () => {
    await publishShards({ corruptShardOf: "b" });
    await assert.rejects(
      gw().load({ channels: [`${server.url}/sh`], subdirs: ["linux-64", "noarch"], specs: ["a"] }),
      (e: unknown) => e instanceof RepodataParseError && /shard content hash/.test(e.message),
    );
  });

  test("without a shard index (or without specs) the full repodata is used", async () => {
    await publishShards();
    server.files.set("/sh/linux-64/repodata.json", {
      body: Buffer.from(
        JSON.stringify({ packages: { "z-1-0.tar.bz2": { name: "z", version: "1", build: "0" } } }),
      ),
    });
    const index = await gw({ shards: "never" }).load({
      channels: [`${server.url}/sh`],
      subdirs: ["linux-64", "noarch"],
      specs: ["a"],
    });
    assert.deepEqual([...index.names()], ["z"]);
    const plain = await gw().load({ channels: [`${server.url}/sh`], subdirs: ["linux-64", "noarch"] });
    assert.deepEqual([...plain.names()], ["z"]);
  });

  test("offline with only the full repodata cached falls back to it", async () => {
    await publishShards();
    server.files.set("/sh/linux-64/repodata.json", {
      body: Buffer.from(
        JSON.stringify({ packages: { "z-1-0.tar.bz2": { name: "z", version: "1", build: "0" } } }),
      ),
    });
    await gw().load({ channels: [`${server.url}/sh`], subdirs: ["linux-64", "noarch"] });
    const offline = await gw({ offline: true }).load({
      channels: [`${server.url}/sh`],
      subdirs: ["linux-64", "noarch"],
      specs: ["z"],
    });
    assert.equal(offline.get("z").length, 1);
  });
});
