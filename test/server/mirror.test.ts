import assert from "node:assert/strict";
import { copyFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { mirrorChannel } from "../../src/server/mirror/mirror-channel.js";
import { indexChannel } from "../../src/server/index/index-channel.js";
import { ChannelServer } from "../../src/server/serve/channel-server.js";
import { loadServerConfig } from "../../src/server/serve/server-config.js";
import { Sandbox } from "../cli/support/cli-sandbox.js";
import { makePackage, tempDir } from "./serve-support.js";

let work: string;
let server: ChannelServer;
let url: string;

before(async () => {
  work = await tempDir("mirror");
  const root = join(work, "root");
  const noarch = join(root, "src", "noarch");
  await makePackage(work, { name: "a", version: "1.0", depends: ["b"] }, noarch);
  await makePackage(work, { name: "a", version: "2.0", depends: ["b >=2"] }, noarch);
  await makePackage(work, { name: "b", version: "1.0" }, noarch);
  await makePackage(work, { name: "b", version: "2.0", depends: ["__unix"] }, noarch);
  await makePackage(work, { name: "c", version: "1.0" }, noarch);
  await makePackage(
    work,
    { name: "d", version: "1.0", noarch: undefined, subdir: "linux-64", depends: ["a"] },
    join(root, "src", "linux-64"),
  );
  await indexChannel(join(root, "src"), { bz2: false });
  // "bad": its repodata promises other bytes than the file it serves.
  await mkdir(join(root, "bad", "noarch"), { recursive: true });
  await copyFile(join(noarch, "a-2.0-0.conda"), join(root, "bad", "noarch", "a-2.0-0.conda"));
  await indexChannel(join(root, "bad"), { bz2: false });
  await copyFile(join(noarch, "a-1.0-0.conda"), join(root, "bad", "noarch", "a-2.0-0.conda"));
  server = new ChannelServer({ root, config: loadServerConfig({ root, stateDir: join(work, "state") }) });
  url = await server.listen(0, "127.0.0.1");
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

async function repodataFns(dir: string, subdir: string): Promise<string[]> {
  const j = JSON.parse(await readFile(join(dir, subdir, "repodata.json"), "utf8")) as {
    "packages.conda": object;
  };
  return Object.keys(j["packages.conda"]).sort();
}

it("copies the dependency closure of the specs, verified, and indexes the copy", async () => {
  const dest = join(work, "m1");
  const r = await mirrorChannel({ source: `${url}/src`, dest, platform: "linux-64", specs: ["a>=2"] });
  assert.deepEqual(r.packages, ["noarch/a-2.0-0.conda", "noarch/b-2.0-0.conda"]);
  assert.equal(r.copied, 2);
  assert.deepEqual(await repodataFns(dest, "noarch"), ["a-2.0-0.conda", "b-2.0-0.conda"]);
  assert.deepEqual(
    await readFile(join(dest, "noarch", "a-2.0-0.conda")),
    await readFile(join(work, "root", "src", "noarch", "a-2.0-0.conda")),
  );
  // A platform package pulls every version its unversioned dependency allows, and theirs.
  const again = await mirrorChannel({ source: `${url}/src`, dest, platform: "linux-64", specs: ["d"] });
  assert.deepEqual(again.packages, [
    "linux-64/d-1.0-0.conda",
    "noarch/a-1.0-0.conda",
    "noarch/a-2.0-0.conda",
    "noarch/b-1.0-0.conda",
    "noarch/b-2.0-0.conda",
  ]);
  assert.deepEqual([again.copied, again.present], [3, 2], "files already there are not fetched again");
  assert.deepEqual(await repodataFns(dest, "linux-64"), ["d-1.0-0.conda"]);
  assert.ok(!(await repodataFns(dest, "noarch")).includes("c-1.0-0.conda"));
});

it("refuses a download whose bytes disagree with the repodata and leaves no file", async () => {
  const dest = join(work, "m2");
  await assert.rejects(mirrorChannel({ source: `${url}/bad`, dest, platform: "linux-64" }), (e: Error) =>
    /sha256|bytes, expected/.test(e.message),
  );
  assert.deepEqual(
    (await readdir(join(dest, "noarch"))).filter((f) => !f.startsWith("repodata")),
    [],
  );
});

it("unknown top-level spec is an error naming it", async () => {
  await assert.rejects(
    mirrorChannel({ source: `${url}/src`, dest: join(work, "m3"), platform: "linux-64", specs: ["zzz"] }),
    /nothing in the source channel matches 'zzz'/,
  );
});

it("taipan mirror (CLI) copies everything without specs", async () => {
  const sandbox = await Sandbox.create("mirror-cli");
  try {
    const dest = join(work, "m4");
    const r = await sandbox.ok(["mirror", `${url}/src`, dest, "--platform", "linux-64", "--json"]);
    const result = JSON.parse(r.stdout) as { packages: string[]; copied: number };
    assert.equal(result.packages.length, 6);
    assert.equal(result.copied, 6);
    assert.deepEqual(await repodataFns(dest, "noarch"), [
      "a-1.0-0.conda",
      "a-2.0-0.conda",
      "b-1.0-0.conda",
      "b-2.0-0.conda",
      "c-1.0-0.conda",
    ]);
  } finally {
    await sandbox.cleanup();
  }
});
