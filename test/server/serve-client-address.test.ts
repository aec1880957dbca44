import assert from "node:assert/strict";
import { readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AuditEntry, auditFile } from "../../src/server/serve/audit-log.js";
import { ChannelServer } from "../../src/server/serve/channel-server.js";
import { ClientAddress, parseProxyEntry } from "../../src/server/serve/client-address.js";
import { ServerConfigError } from "../../src/server/serve/errors.js";
import { loadServerConfig } from "../../src/server/serve/server-config.js";
import { makeRoot, tempDir } from "./serve-support.js";

/** A request object as far as ClientAddress reads it. */
function fake(remote: string, xff?: string | string[]) {
  return {
    socket: { remoteAddress: remote },
    headers: xff === undefined ? {} : { "x-forwarded-for": xff },
  } as never;
}

describe("ClientAddress", () => {
  it("parses addresses and CIDR blocks, refusing anything else", () => {
    assert.deepEqual(parseProxyEntry("10.0.0.0/8"), { address: "10.0.0.0", prefix: 8, family: "ipv4" });
    assert.deepEqual(parseProxyEntry("::1"), { address: "::1", prefix: 128, family: "ipv6" });
    assert.deepEqual(parseProxyEntry("::ffff:192.0.2.1"), {
      address: "192.0.2.1",
      prefix: 32,
      family: "ipv4",
    });
    for (const bad of ["", "10.0.0.0/33", "example.org", "10.0.0.1/8/2", "1.2.3", "::1/129", "10.0.0.0/x"])
      assert.equal(parseProxyEntry(bad), undefined, bad);
  });

  it("ignores X-Forwarded-For unless the peer is a trusted proxy", () => {
    const none = new ClientAddress([]);
    assert.equal(none.of(fake("127.0.0.1", "203.0.113.9")), "127.0.0.1");
    const proxied = new ClientAddress(["127.0.0.1"]);
    assert.equal(proxied.of(fake("198.51.100.3", "203.0.113.9")), "198.51.100.3", "not from the proxy");
    assert.equal(proxied.of(fake("127.0.0.1", "203.0.113.9")), "203.0.113.9");
    assert.equal(proxied.of(fake("::ffff:127.0.0.1", "203.0.113.9")), "203.0.113.9", "mapped IPv4");
    assert.equal(proxied.of(fake("127.0.0.1")), "127.0.0.1", "no header: the proxy itself");
  });

  it("walks the chain from the right through trusted hops and never believes the client's own entries", () => {
    const c = new ClientAddress(["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"]);
    // client 198.51.100.1 -> 10.1.2.3 (trusted) -> 127.0.0.1 (trusted, our peer)
    assert.equal(c.of(fake("127.0.0.1", "198.51.100.1, 10.1.2.3")), "198.51.100.1");
    // a client that writes its own header: the right-most untrusted hop is the client
    assert.equal(c.of(fake("127.0.0.1", "1.1.1.1, 198.51.100.1, 10.1.2.3")), "198.51.100.1");
    // several header lines count as one list
    assert.equal(c.of(fake("127.0.0.1", ["198.51.100.1", "10.9.9.9"])), "198.51.100.1");
    assert.equal(c.of(fake("127.0.0.1", "2001:db8::5, 2001:db8::1")), "2001:db8::5");
    // a malformed hop stops the walk at the last address seen
    assert.equal(c.of(fake("127.0.0.1", "198.51.100.1, garbage, 10.1.2.3")), "10.1.2.3");
  });
});

describe("trusted proxies over HTTP", () => {
  let work: string;
  let server: ChannelServer;
  let url: string;
  let stateDir: string;

  before(async () => {
    work = await tempDir("serve-proxy");
    const root = await makeRoot(work);
    await writeFile(
      join(work, "server.yaml"),
      "channels:\n  priv: private\nmax_auth_failures: 2\nauth_failure_window: 60\ntrusted_proxies: [127.0.0.1]\n",
    );
    stateDir = join(work, "state");
    const config = loadServerConfig({ root, configFile: join(work, "server.yaml"), stateDir });
    assert.deepEqual(config.trustedProxies, ["127.0.0.1"]);
    server = new ChannelServer({ root, config });
    url = await server.listen(0, "127.0.0.1");
  });

  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  function get(path: string, forwardedFor: string, token: string) {
    return new Promise<number>((ok, fail) => {
      const u = new URL(url);
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path,
          localAddress: "127.0.0.1",
          headers: { Authorization: `Bearer ${token}`, "X-Forwarded-For": forwardedFor },
        },
        (res) => {
          res.resume();
          res.on("end", () => ok(res.statusCode ?? 0));
        },
      );
      req.on("error", fail);
      req.end();
    });
  }

  it("throttles and logs each forwarded client on its own", async () => {
    const path = "/priv/noarch/repodata.json";
    for (let i = 0; i < 2; i++)
      assert.equal(await get(path, "203.0.113.1", `tpn-wrong-${i}-00000000000`), 401);
    assert.equal(await get(path, "203.0.113.1", "tpn-wrong-x-00000000000"), 429);
    // another client behind the same proxy still gets its own budget
    assert.equal(await get(path, "203.0.113.2", "tpn-wrong-y-00000000000"), 401);
    await server.idle();
    const lines = (await readFile(auditFile(stateDir), "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as AuditEntry);
    const clients = new Set(lines.map((e) => e.client));
    assert.ok(clients.has("203.0.113.1") && clients.has("203.0.113.2"), [...clients].join(" "));
    assert.ok(!clients.has("127.0.0.1"), "the proxy itself is not logged as the client");
  });

  it("refuses a trusted_proxies entry that is not an address or block", async () => {
    await writeFile(join(work, "bad.yaml"), "trusted_proxies: [proxy.example.org]\n");
    assert.throws(
      () => loadServerConfig({ root: work, configFile: join(work, "bad.yaml") }),
      (e: unknown) => e instanceof ServerConfigError && /trusted_proxies/.test(e.message),
    );
  });
});
