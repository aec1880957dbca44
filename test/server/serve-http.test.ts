import assert from "node:assert/strict";
import { readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ChannelServer } from "../../src/server/serve/channel-server.js";
import { ServerListenError } from "../../src/server/serve/errors.js";
import { createToken, hashToken, revokeToken } from "../../src/server/serve/token-store.js";
import { loadServerConfig } from "../../src/server/serve/server-config.js";
import { makeRoot, rawRequest, tempDir } from "./serve-support.js";

let work: string;
let root: string;
let server: ChannelServer;
let url: string;
let readToken: string;
let writeToken: string;
const YAML_TOKEN = "tpn-listed-in-server-yaml-0001";

before(async () => {
  work = await tempDir("serve-http");
  root = await makeRoot(work);
  await writeFile(
    join(work, "server.yaml"),
    [
      "channels:",
      "  priv: private",
      "  pub: {access: public}",
      "tokens:",
      `  - {id: from-yaml, sha256: ${hashToken(YAML_TOKEN)}, scopes: ["read:priv"]}`,
      "",
    ].join("\n"),
  );
  await writeFile(join(work, "secret.txt"), "outside the root\n");
  await symlink(join(work, "secret.txt"), join(root, "pub", "noarch", "escape.json"));
  await symlink(
    join(root, "priv", "noarch", "repodata.json"),
    join(root, "pub", "noarch", "into-private.json"),
  );
  await symlink(join(root, "pub", "noarch", "repodata.json"), join(root, "pub", "noarch", "alias.json"));
  const config = loadServerConfig({
    root,
    configFile: join(work, "server.yaml"),
    stateDir: join(work, "state"),
  });
  readToken = createToken(config.stateDir, [{ kind: "read", channel: "priv" }]).token;
  writeToken = createToken(config.stateDir, [{ kind: "write", channel: "pub" }]).token;
  server = new ChannelServer({ root, config });
  url = await server.listen(0, "127.0.0.1");
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});
const raw = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  rawRequest(url, path, headers, method);

describe("GET/HEAD of channel files", () => {
  it("serves repodata with a strong ETag, short max-age and JSON type; 304 on If-None-Match", async () => {
    const r = await fetch(`${url}/pub/noarch/repodata.json`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "application/json");
    assert.match(r.headers.get("cache-control") ?? "", /^public, max-age=\d+$/);
    const etag = r.headers.get("etag")!;
    assert.match(etag, /^"[^"]+"$/, "strong validator");
    const body = (await r.json()) as {
      packages: Record<string, unknown>;
      "packages.conda": Record<string, unknown>;
    };
    assert.deepEqual(Object.keys(body["packages.conda"]), ["pubpkg-1.0-0.conda"]);
    const again = await fetch(`${url}/pub/noarch/repodata.json`, { headers: { "If-None-Match": etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get("etag"), etag);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
    const other = await fetch(`${url}/pub/noarch/repodata.json`, { headers: { "If-None-Match": '"nope"' } });
    assert.equal(other.status, 200);
  });

  it("honours If-Modified-Since when there is no If-None-Match", async () => {
    const r = await fetch(`${url}/pub/noarch/repodata.json`);
    const lm = r.headers.get("last-modified")!;
    await r.arrayBuffer();
    assert.equal(
      (await fetch(`${url}/pub/noarch/repodata.json`, { headers: { "If-Modified-Since": lm } })).status,
      304,
    );
    const old = new Date(Date.parse(lm) - 3600_000).toUTCString();
    const r2 = await fetch(`${url}/pub/noarch/repodata.json`, { headers: { "If-Modified-Since": old } });
    assert.equal(r2.status, 200);
    await r2.arrayBuffer();
  });

  it("serves packages as immutable and answers Range with 206 and bad ranges with 416", async () => {
    const path = `${url}/pub/noarch/pubpkg-1.0-0.conda`;
    const full = Buffer.from(await (await fetch(path)).arrayBuffer());
    const size = (await stat(join(root, "pub", "noarch", "pubpkg-1.0-0.conda"))).size;
    assert.equal(full.length, size);
    const head = await fetch(path, { method: "HEAD" });
    assert.equal(head.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(head.headers.get("accept-ranges"), "bytes");
    assert.equal(Number(head.headers.get("content-length")), size);
    const part = await fetch(path, { headers: { Range: "bytes=10-19" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 10-19/${size}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), full.subarray(10, 20));
    // The zip reader's first move: the last bytes (end of central directory).
    const tail = await fetch(path, { headers: { Range: "bytes=-22" } });
    assert.equal(tail.status, 206);
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), full.subarray(size - 22));
    const open = await fetch(path, { headers: { Range: `bytes=${size - 5}-` } });
    assert.deepEqual(Buffer.from(await open.arrayBuffer()), full.subarray(size - 5));
    const beyond = await fetch(path, { headers: { Range: `bytes=${size}-${size + 10}` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get("content-range"), `bytes */${size}`);
    // If-Range with another validator: the whole (changed) file instead of a piece.
    const stale = await fetch(path, { headers: { Range: "bytes=0-3", "If-Range": '"old"' } });
    assert.equal(stale.status, 200);
    assert.equal((await stale.arrayBuffer()).byteLength, size);
  });

  it("404 for missing files, directories and unknown channels; no directory listing", async () => {
    for (const p of [
      "/pub/noarch/nothing.json",
      "/pub/noarch",
      "/pub/noarch/",
      `/t/${readToken}/`, // `/` itself redirects to the web UI (ui-api.test.ts)
      "/nochannel/noarch/repodata.json",
    ]) {
      const r = await raw(p);
      assert.equal(r.status, 404, p);
      assert.equal(JSON.parse(r.body.toString()).error, "NOT_FOUND", p);
    }
  });

  it("refuses traversal: .., encoded %2e%2e and %2f, hidden state, and symlinks out of ROOT", async () => {
    for (const p of [
      "/pub/../priv/noarch/repodata.json",
      "/pub/%2e%2e/priv/noarch/repodata.json",
      "/pub/%2E%2E/%2E%2E/secret.txt",
      "/pub/noarch/..%2f..%2f..%2fsecret.txt",
      "/pub/noarch/%2e%2e%5c%2e%2e%5csecret.txt",
      "/.taipan-server/tokens.json",
      "/pub/noarch/.cache/taipan-index.json",
      "/pub/noarch/%00repodata.json",
    ]) {
      const r = await raw(p);
      assert.equal(r.status, 400, p);
      assert.doesNotMatch(r.body.toString(), /outside the root|sha256/, p);
    }
    const link = await raw("/pub/noarch/escape.json");
    assert.equal(link.status, 404);
    assert.doesNotMatch(link.body.toString(), /outside the root/);
    const cross = await raw("/pub/noarch/into-private.json");
    assert.equal(cross.status, 404, "a link from a public channel into a private one");
    assert.doesNotMatch(cross.body.toString(), /privpkg/);
    assert.equal((await raw("/pub/noarch/alias.json")).status, 200, "links inside the channel are fine");
  });

  it("lists only visible channels at /api/channels", async () => {
    const anon = (await (await fetch(`${url}/api/channels`)).json()) as { channels: { name: string }[] };
    assert.deepEqual(
      anon.channels.map((c) => c.name),
      ["pub"],
    );
    const withToken = (await (
      await fetch(`${url}/api/channels`, { headers: { Authorization: `Bearer ${readToken}` } })
    ).json()) as { channels: { name: string; access: string; subdirs: string[] }[] };
    assert.deepEqual(withToken.channels, [
      { name: "priv", access: "private", subdirs: ["noarch"] },
      { name: "pub", access: "public", subdirs: ["noarch"] },
    ]);
  });

  it("refuses other methods on files with 405", async () => {
    const r = await raw("/pub/noarch/repodata.json", {}, "POST");
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, "GET, HEAD");
  });
});

describe("tokens", () => {
  it("a private channel needs a token: 401 without, 200 with /t/<token>/ or Bearer, 403 with the wrong scope", async () => {
    const path = "/priv/noarch/repodata.json";
    const anon = await fetch(url + path);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.equal((await fetch(`${url}/t/${readToken}${path}`)).status, 200);
    const bearer = await fetch(url + path, { headers: { Authorization: `Bearer ${readToken}` } });
    assert.equal(bearer.status, 200);
    assert.equal(bearer.headers.get("cache-control")?.startsWith("private,"), true);
    assert.equal(
      (await fetch(`${url}/t/${writeToken}${path}`)).status,
      403,
      "write on pub is not read on priv",
    );
    assert.equal(
      (await fetch(`${url}/t/tpn-0000000000000000000000000000${path}`)).status,
      401,
      "unknown token",
    );
    // A bad token is refused even where no token is needed: a client should learn its credential is wrong.
    assert.equal(
      (await fetch(`${url}/t/tpn-0000000000000000000000000000/pub/noarch/repodata.json`)).status,
      401,
    );
    assert.equal((await fetch(`${url}/t/${readToken}/pub/noarch/repodata.json`)).status, 200);
  });

  it("accepts tokens listed (hashed) in server.yaml; a revoked token stops working without a restart", async () => {
    assert.equal((await fetch(`${url}/t/${YAML_TOKEN}/priv/noarch/repodata.json`)).status, 200);
    const extra = createToken(join(work, "state"), [{ kind: "read", channel: "priv" }]);
    assert.equal((await fetch(`${url}/t/${extra.token}/priv/noarch/repodata.json`)).status, 200);
    assert.ok(revokeToken(join(work, "state"), extra.id));
    assert.equal((await fetch(`${url}/t/${extra.token}/priv/noarch/repodata.json`)).status, 401);
  });

  it("a private channel's missing files are 401 for anonymous callers, not 404", async () => {
    assert.equal((await fetch(`${url}/priv/noarch/nothing.conda`)).status, 401);
    assert.equal((await fetch(`${url}/t/${readToken}/priv/noarch/nothing.conda`)).status, 404);
  });

  it("tokens are stored hashed and never written to the audit log", async () => {
    await fetch(`${url}/t/${readToken}/priv/noarch/repodata.json`);
    // Refused before parsing, and with `t` percent-encoded: still redacted.
    assert.equal((await raw(`/t/${readToken}/pub/%2e%2e/x`)).status, 400);
    assert.equal((await raw(`/%74/${readToken}/pub/%2e%2e/x`)).status, 400);
    const stored = await readFile(join(work, "state", "tokens.json"), "utf8");
    assert.doesNotMatch(stored, new RegExp(readToken));
    await server.close();
    const log = await readFile(join(work, "state", "audit.log"), "utf8");
    assert.doesNotMatch(log, new RegExp(readToken));
    assert.doesNotMatch(log, new RegExp(writeToken));
    assert.match(log, /"path":"\/t\/<TOKEN>\/priv\/noarch\/repodata.json"/);
    assert.doesNotMatch(log, /tpn-listed/);
    url = await server.listen(0, "127.0.0.1");
  });
});

it("a taken port is a ServerListenError naming host and port, and frees the state lock", async () => {
  const port = Number(new URL(url).port);
  const stateDir = join(work, "state-second");
  const second = () => new ChannelServer({ root, config: loadServerConfig({ root, stateDir }) });
  await assert.rejects(second().listen(port, "127.0.0.1"), (e: unknown) => {
    assert.ok(e instanceof ServerListenError);
    assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}: the port is already in use`));
    return true;
  });
  const third = second();
  await third.listen(0, "127.0.0.1");
  await third.close();
});
