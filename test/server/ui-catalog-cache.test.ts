import assert from "node:assert/strict";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { indexChannel } from "../../src/server/index/index-channel.js";
import { makePackage, tempDir } from "./serve-support.js";
import { startUiFixture, type UiFixture } from "./ui-support.js";

let work: string;
let fx: UiFixture;

before(async () => {
  work = await tempDir("ui-catalog");
  fx = await startUiFixture(work);
});

after(async () => {
  await fx?.server.close();
  await rm(work, { recursive: true, force: true });
});

interface Listing {
  packages: { name: string; latest: string; builds: number; summary: string | null }[];
}

async function listing(channel = "pub"): Promise<Listing> {
  const r = await fetch(`${fx.url}/api/packages/${channel}`);
  assert.equal(r.status, 200);
  return (await r.json()) as Listing;
}

const names = (l: Listing) => l.packages.map((p) => p.name);
const reads = () => fx.server.catalog.repodataReads;

describe("the web UI's catalog cache", () => {
  it("parses a subdir's repodata once for any number of requests while it is unchanged", async () => {
    const start = reads();
    const first = await listing();
    assert.deepEqual(names(first), ["alpha", "beta", "gamma-tools"]);
    assert.equal(reads(), start + 1, "pub has one subdir: one parse");
    assert.deepEqual(await listing(), first);
    const builds = await fetch(`${fx.url}/api/packages/pub/alpha`);
    assert.equal(((await builds.json()) as { builds: unknown[] }).builds.length, 3);
    assert.equal((await fetch(`${fx.url}/api/packages/pub/nothing`)).status, 404);
    assert.equal(reads(), start + 1, "no re-read for later requests");
    // Each channel has its own entry.
    await fetch(`${fx.url}/api/packages/priv`, { headers: { Authorization: `Bearer ${fx.readToken}` } });
    assert.equal(reads(), start + 2);
  });

  it("shows an upload (which re-indexes) on the next request, re-reading only that subdir", async () => {
    const built = await makePackage(work, { name: "delta", version: "4.0" }, join(work, "out"));
    const put = await fetch(`${fx.url}/api/channels/pub/noarch/delta-4.0-0.conda`, {
      method: "PUT",
      body: await readFile(built.path),
      headers: { Authorization: `Bearer ${fx.writeToken}` },
    });
    assert.equal(put.status, 201);
    const before = reads();
    assert.deepEqual(names(await listing()), ["alpha", "beta", "delta", "gamma-tools"]);
    assert.equal(reads(), before + 1);
    await listing();
    assert.equal(reads(), before + 1);
  });

  it("shows a `taipan index` run done beside the server, and a new subdir", async () => {
    await makePackage(
      work,
      { name: "alpha", version: "2.0", license: "MIT" },
      join(fx.root, "pub", "noarch"),
    );
    await mkdir(join(fx.root, "pub", "linux-64"), { recursive: true });
    await indexChannel(join(fx.root, "pub"), { bz2: false });
    const l = await listing();
    const alpha = l.packages.find((p) => p.name === "alpha")!;
    assert.equal(alpha.latest, "2.0");
    assert.equal(alpha.builds, 4);
  });

  it("notices a repodata.json edited in place and a changed channeldata.json", async () => {
    const file = join(fx.root, "pub", "noarch", "repodata.json");
    const doc = JSON.parse(await readFile(file, "utf8")) as { "packages.conda": Record<string, unknown> };
    for (const fn of Object.keys(doc["packages.conda"]))
      if (fn.startsWith("beta-")) delete doc["packages.conda"][fn];
    await writeFile(file, JSON.stringify(doc)); // same inode: size and mtime tell
    assert.ok(!names(await listing()).includes("beta"));
    const cdFile = join(fx.root, "pub", "channeldata.json");
    const cd = JSON.parse(await readFile(cdFile, "utf8")) as {
      packages: Record<string, { summary?: string }>;
    };
    cd.packages["gamma-tools"]!.summary = "Tools, third edition";
    const before = reads();
    await writeFile(cdFile, JSON.stringify(cd));
    const gamma = (await listing()).packages.find((p) => p.name === "gamma-tools")!;
    assert.equal(gamma.summary, "Tools, third edition");
    assert.equal(reads(), before, "a channeldata change re-reads no repodata");
  });
});
