import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer, request as httpRequest } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, test } from "node:test";
import { compress } from "@mongodb-js/zstd";
import { TaipanError } from "../../src/conda/errors.js";
import {
  OfflineCacheMissError,
  RepodataFetchError,
  RepodataParseError,
  UnavailableChannelError,
} from "../../src/repodata/errors.js";
import { type GatewayOptions, RepodataGateway } from "../../src/repodata/gateway.js";
import { EMPTY_NOARCH, smallRepodata, TestServer } from "./http-fixture.js";

let server: TestServer;
let cacheDir: string;
const gateways: RepodataGateway[] = [];

function gateway(opts: GatewayOptions = {}): RepodataGateway {
  const gw = new RepodataGateway({ cacheDir, retryBaseMs: 5, timeoutMs: 5000, ...opts });
  gateways.push(gw);
  return gw;
}

function serveChannel(prefix = "/chan", opts: { etag?: string; cacheControl?: string } = {}) {
  server.files.set(`${prefix}/linux-64/repodata.json`, { body: smallRepodata(), ...opts });
  server.files.set(`${prefix}/noarch/repodata.json`, { body: EMPTY_NOARCH, ...opts });
}

function distNames(index: { get(n: string): { fn: string }[] }, name: string): string[] {
  return index
    .get(name)
    .map((r) => r.fn)
    .sort();
}

beforeEach(async () => {
  server = await new TestServer().start();
  cacheDir = await mkdtemp(join(tmpdir(), "taipan-gw-"));
});

afterEach(async () => {
  for (const gw of gateways.splice(0)) await gw.close();
  await server.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

describe("RepodataGateway over HTTP", () => {
  test("200 then 304: conditional request reuses the cache; missing .zst/.bz2 are remembered", async () => {
    serveChannel("/chan", { etag: '"v1"' });
    const spec = { channels: [`${server.url}/chan`], subdirs: ["linux-64", "noarch"] };
    const first = await gateway().load(spec);
    assert.deepEqual(distNames(first, "a"), ["a-0.9-h0_0.tar.bz2", "a-1.0-h0_0.conda"]);
    assert.deepEqual(distNames(first, "c"), [], "removed files are dropped");
    assert.ok(server.paths().includes("/chan/linux-64/repodata.json.zst"));
    assert.equal(first.get("a")[0].url?.startsWith(`${server.url}/chan/linux-64/`), true);
    assert.equal(first.get("a")[0].channel, `${server.url}/chan`);
    server.log.length = 0;
    const second = await gateway().load(spec);
    assert.deepEqual(distNames(second, "a"), distNames(first, "a"));
    const lx = server.log.filter((l) => l.path.startsWith("/chan/linux-64/"));
    assert.deepEqual(
      lx.map((l) => [l.path, l.status]),
      [["/chan/linux-64/repodata.json", 304]],
    );
    assert.equal(lx[0].headers["if-none-match"], '"v1"');
  });

  test("within Cache-Control max-age no request is made; refresh revalidates", async () => {
    serveChannel("/chan", { etag: '"v1"', cacheControl: "public, max-age=600" });
    const spec = { channels: [`${server.url}/chan`], subdirs: ["linux-64", "noarch"] };
    await gateway().load(spec);
    server.log.length = 0;
    await gateway().load(spec);
    assert.equal(server.log.length, 0);
    await gateway({ refresh: true }).load(spec);
    assert.ok(server.log.some((l) => l.status === 304));
  });

  test(".zst is preferred when served and decompressed", async () => {
    const zst = await compress(smallRepodata(), 3);
    server.files.set("/z/linux-64/repodata.json.zst", { body: zst });
    server.files.set("/z/linux-64/repodata.json", { body: Buffer.from("{ not json") });
    server.files.set("/z/noarch/repodata.json", { body: EMPTY_NOARCH });
    const index = await gateway().load({ channels: [`${server.url}/z`], subdirs: ["linux-64", "noarch"] });
    assert.deepEqual(distNames(index, "b"), ["b-2.0-h0_0.conda"]);
    assert.ok(!server.paths().includes("/z/linux-64/repodata.json"));
  });

  test("offline uses only the cache, and fails clearly without one", async () => {
    serveChannel();
    const spec = { channels: [`${server.url}/chan`], subdirs: ["linux-64", "noarch"] };
    await assert.rejects(gateway({ offline: true }).load(spec), OfflineCacheMissError);
    await gateway().load(spec);
    server.log.length = 0;
    const index = await gateway({ offline: true }).load(spec);
    assert.equal(server.log.length, 0);
    assert.equal(index.get("b").length, 1);
  });

  test("a corrupted cache body is detected and fetched again", async () => {
    serveChannel("/chan", { etag: '"v1"' });
    const spec = { channels: [`${server.url}/chan`], subdirs: ["linux-64", "noarch"] };
    await gateway().load(spec);
    const dir = join(cacheDir, "repodata");
    for (const f of await readdir(dir)) {
      if (f.endsWith(".body")) await writeFile(join(dir, f), '{"packages": {}}');
    }
    server.log.length = 0;
    const index = await gateway().load(spec);
    assert.equal(index.get("a").length, 2);
    const lx = server.log.find((l) => l.path === "/chan/linux-64/repodata.json");
    assert.equal(lx?.status, 200, "re-downloaded, not revalidated");
    assert.equal(lx?.headers["if-none-match"], undefined);
  });

  test("a connection dropped mid-body is retried", async () => {
    serveChannel();
    let drops = 2;
    server.hook = (req, res, path) => {
      if (path !== "/chan/linux-64/repodata.json" || drops === 0) return false;
      drops--;
      const body = smallRepodata();
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, 50));
      setTimeout(() => req.socket.destroy(), 10);
      return true;
    };
    const index = await gateway().load({ channels: [`${server.url}/chan`], subdirs: ["linux-64", "noarch"] });
    assert.equal(index.get("a").length, 2);
    assert.equal(drops, 0);
  });

  test("a server that always drops the connection gives a RepodataFetchError naming the URL", async () => {
    serveChannel();
    server.hook = (req, res, path) => {
      if (path !== "/chan/linux-64/repodata.json") return false;
      res.writeHead(200, { "content-length": 1000 });
      res.write("{");
      setTimeout(() => req.socket.destroy(), 5);
      return true;
    };
    await assert.rejects(
      gateway({ retries: 2 }).load({ channels: [`${server.url}/chan`], subdirs: ["linux-64", "noarch"] }),
      (e: unknown) =>
        e instanceof RepodataFetchError &&
        e.message.includes(`${server.url}/chan/linux-64/repodata.json`) &&
        e.message.includes("3 attempts") &&
        typeof e.hint === "string",
    );
  });

  test("5xx responses are retried with back-off", async () => {
    serveChannel();
    let failures = 2;
    server.hook = (_req, res, path) => {
      if (path !== "/chan/noarch/repodata.json" || failures === 0) return false;
      failures--;
      res.writeHead(503).end("busy");
      return true;
    };
    const index = await gateway().load({ channels: [`${server.url}/chan`], subdirs: ["linux-64", "noarch"] });
    assert.equal(index.get("b").length, 1);
    assert.equal(failures, 0);
  });

  test("404 of the platform subdir is an empty subdir; a channel with no subdir at all is an error", async () => {
    server.files.set("/n/noarch/repodata.json", { body: EMPTY_NOARCH });
    const index = await gateway().load({ channels: [`${server.url}/n`], subdirs: ["linux-64", "noarch"] });
    assert.deepEqual([...index.names()], []);
    await assert.rejects(
      gateway().load({ channels: [`${server.url}/missing`], subdirs: ["linux-64", "noarch"] }),
      (e: unknown) => e instanceof UnavailableChannelError && e.message.includes(`${server.url}/missing`),
    );
  });

  test("malformed JSON names the URL and is not kept in the cache", async () => {
    server.files.set("/bad/linux-64/repodata.json", {
      body: Buffer.from('{"packages": {"x.conda": {"name": "x"'),
    });
    server.files.set("/bad/noarch/repodata.json", { body: EMPTY_NOARCH });
    const spec = { channels: [`${server.url}/bad`], subdirs: ["linux-64", "noarch"] };
    await assert.rejects(
      gateway().load(spec),
      (e: unknown) =>
        e instanceof RepodataParseError && e.message.includes(`${server.url}/bad/linux-64/repodata.json`),
    );
    // fixed on the server: the next load downloads again rather than trusting the cache
    server.files.set("/bad/linux-64/repodata.json", { body: smallRepodata() });
    const index = await gateway().load(spec);
    assert.equal(index.get("a").length, 2);
  });

  test("a truncated .zst is reported as such, naming the URL", async () => {
    const zst = await compress(smallRepodata(), 3);
    server.files.set("/trunc/linux-64/repodata.json.zst", { body: zst.subarray(0, zst.length - 8) });
    server.files.set("/trunc/noarch/repodata.json", { body: EMPTY_NOARCH });
    await assert.rejects(
      gateway().load({ channels: [`${server.url}/trunc`], subdirs: ["linux-64", "noarch"] }),
      (e: unknown) =>
        e instanceof RepodataParseError &&
        e instanceof TaipanError &&
        /zstd/.test(e.message) &&
        e.message.includes("/trunc/linux-64/repodata.json.zst"),
    );
  });

  test("a token URL is used for requests but never shown or stored unredacted", async () => {
    const secret = "tk-9f8e7d6c5b4a";
    serveChannel(`/t/${secret}/private`);
    const url = `${server.url}/t/${secret}/private`;
    const index = await gateway().load({ channels: [url], subdirs: ["linux-64", "noarch"] });
    assert.equal(index.get("b").length, 1);
    assert.ok(!index.channels[0].includes(secret));
    assert.ok(!(index.get("b")[0].channel ?? "").includes(secret));
    for (const f of await readdir(join(cacheDir, "repodata"))) {
      assert.ok(!f.includes(secret));
      if (f.endsWith(".state.json"))
        assert.ok(!(await readFile(join(cacheDir, "repodata", f), "utf8")).includes(secret));
    }
    server.hook = (_req, res) => {
      res.writeHead(500).end(`boom ${secret}`);
      return true;
    };
    await assert.rejects(
      gateway({ retries: 1, refresh: true }).load({ channels: [url], subdirs: ["linux-64", "noarch"] }),
      (e: unknown) =>
        e instanceof RepodataFetchError &&
        !e.message.includes(secret) &&
        e.message.includes("/t/<TOKEN>/private") &&
        !JSON.stringify({ m: e.message, h: e.hint }).includes(secret),
    );
  });

  test("basic auth from the URL and a bearer token are sent as Authorization headers", async () => {
    serveChannel("/auth");
    await gateway().load({
      channels: [`http://user:p%40ss@${server.url.slice(7)}/auth`],
      subdirs: ["noarch"],
    });
    const basic = server.log.find((l) => l.path === "/auth/noarch/repodata.json")?.headers.authorization;
    assert.equal(basic, `Basic ${Buffer.from("user:p@ss").toString("base64")}`);
    server.log.length = 0;
    await gateway({ bearerToken: "xyz", cacheDir: join(cacheDir, "2") }).load({
      channels: [`${server.url}/auth`],
      subdirs: ["noarch"],
    });
    assert.equal(
      server.log.find((l) => l.path === "/auth/noarch/repodata.json")?.headers.authorization,
      "Bearer xyz",
    );
  });

  test("a 401 says credentials are needed", async () => {
    server.hook = (_req, res) => {
      res.writeHead(401).end();
      return true;
    };
    await assert.rejects(
      gateway().load({ channels: [`${server.url}/priv`], subdirs: ["noarch"] }),
      (e: unknown) => e instanceof RepodataFetchError && e.status === 401 && /token/.test(e.hint ?? ""),
    );
  });

  test("several gateways filling the same cache at once all succeed and leave it consistent", async () => {
    serveChannel("/chan", { etag: '"v1"' });
    const spec = { channels: [`${server.url}/chan`], subdirs: ["linux-64", "noarch"] };
    const results = await Promise.all([1, 2, 3, 4].map(() => gateway().load(spec)));
    for (const r of results) assert.equal(r.get("a").length, 2);
    const offline = await gateway({ offline: true }).load(spec);
    assert.equal(offline.get("a").length, 2);
    const files = await readdir(join(cacheDir, "repodata"));
    assert.ok(!files.some((f) => f.endsWith(".tmp")));
  });

  test("without .zst, .json.bz2 is used before .json", async () => {
    // {"info":{"subdir":"linux-64"},"packages":{"q-1.0-0.tar.bz2":{...}}} compressed with bzip2
    const bz2 = Buffer.from(
      "QlpoOTFBWSZTWcBCftMAAEUbgFAHdRAACr+v/1ogAHURRtTI9E0AaAGjZQan6k1NQPRGnqAMQPKbVGAAQUlk64+M+ZpgZ6oVAQjHBTszX1opvSRKxGdM1DMALhl9GEjMgf2YDGpjXUIbCcBN5KSAtlOkfd1Sw7iZpGw83Unit6e+PrtB2Vv4u5IpwoSGAhP2mA==",
      "base64",
    );
    server.files.set("/b/linux-64/repodata.json.bz2", { body: bz2 });
    server.files.set("/b/linux-64/repodata.json", { body: Buffer.from("not json") });
    server.files.set("/b/noarch/repodata.json", { body: EMPTY_NOARCH });
    const index = await gateway().load({ channels: [`${server.url}/b`], subdirs: ["linux-64", "noarch"] });
    assert.deepEqual(distNames(index, "q"), ["q-1.0-0.tar.bz2"]);
    assert.ok(!server.paths().includes("/b/linux-64/repodata.json"));
  });

  test("requests go through a configured proxy", async () => {
    serveChannel("/px");
    const seen: string[] = [];
    // A minimal forward proxy: CONNECT tunnels and absolute-form GETs.
    const proxy = createServer((req, res) => {
      seen.push(`GET ${req.url}`);
      const up = httpRequest(req.url ?? "", { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on("error", () => res.writeHead(502).end());
      req.pipe(up);
    });
    proxy.on("connect", (req, socket, head) => {
      seen.push(`CONNECT ${req.url}`);
      const [host, port] = (req.url ?? "").split(":");
      const up = connect(Number(port), host, () => {
        socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on("error", () => socket.destroy());
      socket.on("error", () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const proxyUrl = `http://127.0.0.1:${port}`;
      // `proxy`, then conda's `proxy_servers` by scheme (each with its own cache dir: no cache hits)
      for (const [k, opts] of [{ proxy: proxyUrl }, { proxyServers: { http: proxyUrl } }].entries()) {
        seen.length = 0;
        const index = await gateway({ ...opts, cacheDir: join(cacheDir, `p${k}`) }).load({
          channels: [`${server.url}/px`],
          subdirs: ["linux-64", "noarch"],
        });
        assert.equal(index.get("a").length, 2);
        assert.ok(seen.length > 0, "the proxy saw the requests");
        assert.ok(seen.every((l) => l.includes(server.url.slice(7))));
      }
      // a proxy for https only leaves http requests direct
      seen.length = 0;
      await gateway({ proxyServers: { https: proxyUrl }, cacheDir: join(cacheDir, "p3") }).load({
        channels: [`${server.url}/px`],
        subdirs: ["linux-64", "noarch"],
      });
      assert.equal(seen.length, 0);
      // HTTP_PROXY from the environment (in a separate process, to leave this one's env alone)
      seen.length = 0;
      const here = fileURLToPath(import.meta.url);
      const fromSource = here.endsWith(".ts");
      const runner = join(dirname(here), `gateway-load-runner.${fromSource ? "ts" : "js"}`);
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [...(fromSource ? ["--import", "tsx"] : []), runner, join(cacheDir, "p4"), `${server.url}/px`],
          { env: { ...process.env, HTTP_PROXY: proxyUrl, NO_PROXY: "", no_proxy: "" } },
          (err, stdout, stderr) => (err ? reject(new Error(stderr || String(err))) : resolve(stdout)),
        ),
      );
      assert.equal(JSON.parse(out).length, 3);
      assert.ok(seen.length > 0, "HTTP_PROXY was honoured");
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });

  test("a server that never answers times out and names the URL", async () => {
    serveChannel();
    server.hook = (_req, _res, path) => path === "/chan/linux-64/repodata.json.zst"; // hold the request open
    await assert.rejects(
      gateway({ timeoutMs: 200, retries: 1 }).load({
        channels: [`${server.url}/chan`],
        subdirs: ["linux-64"],
      }),
      (e: unknown) =>
        e instanceof RepodataFetchError &&
        e.message.includes("/chan/linux-64/repodata.json.zst") &&
        /2 attempts/.test(e.message),
    );
  });

  test("several processes filling the same cache at once all get the full index", async () => {
    serveChannel("/chan", { etag: '"v1"' });
    // Slow the body down so the processes really overlap.
    server.hook = (_req, res, path) => {
      if (path !== "/chan/linux-64/repodata.json") return false;
      const body = smallRepodata();
      res.writeHead(200, { "content-length": body.length, etag: '"v1"' });
      res.write(body.subarray(0, 10));
      setTimeout(() => res.end(body.subarray(10)), 100);
      return true;
    };
    const here = fileURLToPath(import.meta.url);
    const fromSource = here.endsWith(".ts");
    const runner = join(dirname(here), `gateway-load-runner.${fromSource ? "ts" : "js"}`);
    const outputs = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<string>((resolve, reject) =>
            execFile(
              process.execPath,
              [...(fromSource ? ["--import", "tsx"] : []), runner, cacheDir, `${server.url}/chan`],
              (err, out, errOut) => (err ? reject(new Error(errOut || String(err))) : resolve(out)),
            ),
          ),
      ),
    );
    for (const out of outputs)
      assert.deepEqual(JSON.parse(out), ["a-0.9-h0_0.tar.bz2", "a-1.0-h0_0.conda", "b-2.0-h0_0.conda"]);
    const files = await readdir(join(cacheDir, "repodata"));
    assert.ok(!files.some((f) => f.endsWith(".tmp")));
    server.hook = undefined;
    const offline = await gateway({ offline: true }).load({
      channels: [`${server.url}/chan`],
      subdirs: ["linux-64", "noarch"],
    });
    assert.equal(offline.get("a").length, 2);
  });
});
