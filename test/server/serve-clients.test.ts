// The served channel read by taipan's own clients: the repodata gateway (304 on revalidation) and
// `taipan create` as a subprocess installing a package that was uploaded to a private channel.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { RepodataGateway } from "../../src/repodata/gateway.js";
import { ChannelServer } from "../../src/server/serve/channel-server.js";
import { loadServerConfig } from "../../src/server/serve/server-config.js";
import { createToken } from "../../src/server/serve/token-store.js";
import { Sandbox } from "../cli/support/cli-sandbox.js";
import { makePackage, makeRoot, tempDir } from "./serve-support.js";

/** Files under `dir` whose bytes contain `needle` (relative paths). */
function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && readFileSync(p).includes(needle)) out.push(p.slice(dir.length + 1));
    }
  };
  walk(dir);
  return out;
}

let work: string;
let server: ChannelServer;
let url: string;
let token: string;
const log: { method: string; path: string; status: number }[] = [];

before(async () => {
  work = await tempDir("serve-clients");
  const root = await makeRoot(work);
  const config = loadServerConfig({ root, stateDir: join(work, "state") });
  config.channels.set("priv", "private");
  token = createToken(config.stateDir, [{ kind: "write", channel: "priv" }]).token;
  server = new ChannelServer({ root, config, onRequest: (r) => log.push(r) });
  url = await server.listen(0, "127.0.0.1");
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

it("the repodata gateway reads the served channel, then revalidates with a 304", async () => {
  const cacheDir = join(work, "gw-cache");
  const load = async () => {
    const gw = new RepodataGateway({ cacheDir, refresh: true, shards: "never" });
    try {
      return await gw.load({ channels: [`${url}/pub`], subdirs: ["linux-64", "noarch"] });
    } finally {
      await gw.close();
    }
  };
  const first = await load();
  assert.deepEqual(
    first.get("pubpkg").map((r) => r.fn),
    ["pubpkg-1.0-0.conda"],
  );
  assert.equal(first.get("pubpkg")[0]!.url, `${url}/pub/noarch/pubpkg-1.0-0.conda`);
  await server.idle(); // a request is logged just after its response is sent
  log.length = 0;
  const second = await load();
  await server.idle();
  assert.deepEqual(
    second.get("pubpkg").map((r) => r.fn),
    ["pubpkg-1.0-0.conda"],
  );
  const noarch = log.filter((l) => l.path.startsWith("/pub/noarch/repodata"));
  assert.ok(noarch.length > 0);
  assert.ok(
    noarch.some((l) => l.status === 304),
    `expected a 304 among ${JSON.stringify(noarch)}`,
  );
  assert.ok(!noarch.some((l) => l.status === 200), "nothing downloaded again");
});

it("a package uploaded with PUT is installed by `taipan create` from the private channel", async () => {
  const built = await makePackage(
    work,
    { name: "served", version: "3.0", depends: ["privpkg"] },
    join(work, "out"),
  );
  const put = await fetch(`${url}/api/channels/priv/noarch/served-3.0-0.conda`, {
    method: "PUT",
    body: await readFile(built.path),
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(put.status, 201);
  const sandbox = await Sandbox.create("serve-create");
  try {
    const prefix = sandbox.path("env");
    const anon = await sandbox.run([
      "create",
      "-p",
      prefix,
      "-c",
      `${url}/priv`,
      "--override-channels",
      "served",
      "-y",
      "--json",
    ]);
    assert.notEqual(anon.code, 0, "the private channel refuses anonymous clients");
    await sandbox.ok([
      "create",
      "-p",
      prefix,
      "-c",
      `${url}/t/${token}/priv`,
      "--override-channels",
      "served",
      "-y",
      "-q",
    ]);
    assert.equal(await readFile(join(prefix, "share", "served", "hello.txt"), "utf8"), "served 3.0\n");
    assert.equal(await readFile(join(prefix, "share", "privpkg", "hello.txt"), "utf8"), "privpkg 1.0\n");
    // The token is needed to fetch, but is never written down or printed: not in conda-meta
    // records or history, not in the package cache, not in the dry-run JSON or `list --json`.
    assert.deepEqual(filesContaining(prefix, token), []);
    assert.deepEqual(filesContaining(sandbox.pkgs, token), []);
    const dry = await sandbox.ok([
      "create",
      "--dry-run",
      "--json",
      "-p",
      sandbox.path("env2"),
      "-c",
      `${url}/t/${token}/priv`,
      "--override-channels",
      "served",
    ]);
    assert.ok(!dry.stdout.includes(token) && !dry.stderr.includes(token));
    assert.match(dry.stdout, /"url": "http:\/\/127\.0\.0\.1:\d+\/priv\/noarch\/served-3\.0-0\.conda"/);
    const list = await sandbox.ok(["list", "-p", prefix, "--json"]);
    assert.ok(!list.stdout.includes(token));
  } finally {
    await sandbox.cleanup();
  }
  await server.idle();
  const downloads = log.filter((l) => l.path.endsWith("/priv/noarch/served-3.0-0.conda"));
  assert.ok(downloads.some((l) => l.status === 200 && l.path.startsWith("/t/<TOKEN>/")));
});

it("rattler (wasm, its own HTTP client through fetch) solves from the served private channel, reading CEP 16 shards", async () => {
  const rattler = await import("@conda-org/rattler");
  await server.idle();
  log.length = 0;
  const solved = await rattler.simpleSolve(
    ["served"],
    [`${url}/t/${token}/priv`],
    ["linux-64", "noarch"],
    null,
  );
  assert.deepEqual(solved.map((p) => `${p.packageName}-${p.version}-${p.build}`).sort(), [
    "privpkg-1.0-0",
    "served-3.0-0",
  ]);
  await server.idle();
  const paths = log.filter((l) => l.status === 200).map((l) => l.path);
  assert.ok(
    paths.some((p) => /^\/t\/<TOKEN>\/priv\/noarch\/shards\/[0-9a-f]{64}\.msgpack\.zst$/.test(p)),
    paths.join(" "),
  );
});
