import assert from "node:assert/strict";
import { readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { type AuditEntry, auditFile } from "../../src/server/serve/audit-log.js";
import { AuthThrottle, clientKey } from "../../src/server/serve/auth-throttle.js";
import { ChannelServer } from "../../src/server/serve/channel-server.js";
import { ServerConfigError } from "../../src/server/serve/errors.js";
import { loadServerConfig } from "../../src/server/serve/server-config.js";
import { createToken } from "../../src/server/serve/token-store.js";
import { makeRoot, tempDir } from "./serve-support.js";

describe("AuthThrottle", () => {
  it("blocks a client after maxFailures in a window, until the window ends; others are unaffected", () => {
    let now = 1_000_000;
    const t = new AuthThrottle({ maxFailures: 3, windowMs: 60_000, now: () => now });
    assert.deepEqual(t.fail("10.0.0.1"), { audit: true, suppressedBefore: 0 });
    now += 1000;
    assert.equal(t.blockedFor("10.0.0.1"), 0);
    assert.deepEqual(t.fail("10.0.0.1"), { audit: false, suppressedBefore: 0 });
    assert.equal(t.blockedFor("10.0.0.1"), 0);
    t.fail("10.0.0.1");
    assert.equal(
      t.blockedFor("10.0.0.1"),
      59_000,
      "until the end of the window that began with the first failure",
    );
    assert.equal(t.blockedFor("10.0.0.2"), 0);
    t.fail("10.0.0.1"); // a 429 counted, not logged
    now += 59_000;
    assert.equal(t.blockedFor("10.0.0.1"), 0);
    // The next window's first failure is logged and says how many were not.
    assert.deepEqual(t.fail("10.0.0.1"), { audit: true, suppressedBefore: 3 });
  });

  it("keeps at most maxClients windows, dropping ended ones first and then the oldest", () => {
    let now = 0;
    const t = new AuthThrottle({ maxFailures: 1, windowMs: 1000, maxClients: 3, now: () => now });
    for (let i = 0; i < 1000; i++) {
      t.fail(`192.0.2.${i % 256}-${i}`);
      assert.ok(t.size <= 3);
    }
    // The newest three are still blocked, the first long forgotten.
    assert.ok(t.blockedFor("192.0.2.231-999") > 0);
    assert.equal(t.blockedFor("192.0.2.0-0"), 0);
    now += 5000;
    t.fail("198.51.100.7");
    assert.equal(t.size, 1, "ended windows went first");
  });

  it("does nothing with maxFailures 0", () => {
    const t = new AuthThrottle({ maxFailures: 0, windowMs: 1000 });
    for (let i = 0; i < 50; i++) assert.deepEqual(t.fail("10.0.0.1"), { audit: true, suppressedBefore: 0 });
    assert.equal(t.blockedFor("10.0.0.1"), 0);
    assert.equal(t.size, 0);
  });

  it("keys IPv4-mapped addresses as IPv4 and IPv6 addresses by their /64", () => {
    assert.equal(clientKey("::ffff:127.0.0.1"), "127.0.0.1");
    assert.equal(clientKey("203.0.113.9"), "203.0.113.9");
    assert.equal(clientKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert.equal(clientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"), "2001:db8:1:2::/64");
    assert.equal(clientKey("2001:db8::1"), "2001:db8:0:0::/64");
    assert.equal(clientKey("::1"), "0:0:0:0::/64");
    assert.notEqual(clientKey("2001:db8:1:3::1"), clientKey("2001:db8:1:2::1"));
  });
});

describe("token guessing over HTTP", () => {
  let work: string;
  let server: ChannelServer;
  let url: string;
  let stateDir: string;
  let readToken: string;

  before(async () => {
    work = await tempDir("serve-throttle");
    const root = await makeRoot(work);
    await writeFile(
      join(work, "server.yaml"),
      "channels:\n  priv: private\nmax_auth_failures: 3\nauth_failure_window: 2\n",
    );
    stateDir = join(work, "state");
    const config = loadServerConfig({ root, configFile: join(work, "server.yaml"), stateDir });
    assert.equal(config.maxAuthFailures, 3);
    assert.equal(config.authFailureWindow, 2);
    readToken = createToken(stateDir, [{ kind: "read", channel: "priv" }]).token;
    server = new ChannelServer({ root, config });
    url = await server.listen(0, "127.0.0.1");
  });

  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** A request from a chosen loopback address (all of 127/8 reaches a server on 127.0.0.1). */
  function get(path: string, from: string, token?: string) {
    return new Promise<{ status: number; retryAfter: string | undefined }>((ok, fail) => {
      const u = new URL(url);
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path,
          localAddress: from,
          headers: token ? { Authorization: `Bearer ${token}` } : {},
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            ok({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string | undefined }),
          );
        },
      );
      req.on("error", fail);
      req.end();
    });
  }

  async function auditLines(): Promise<AuditEntry[]> {
    await server.idle();
    const text = await readFile(auditFile(stateDir), "utf8");
    return text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as AuditEntry);
  }

  it("answers 429 with Retry-After after the limit, without checking even a valid token", async () => {
    const repodata = "/priv/noarch/repodata.json";
    for (let i = 0; i < 3; i++)
      assert.equal((await get(repodata, "127.0.0.1", `tpn-wrong-guess-${i}-0000000000`)).status, 401);
    const blocked = await get(repodata, "127.0.0.1", "tpn-wrong-guess-x-0000000000");
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.retryAfter) >= 1, `Retry-After: ${blocked.retryAfter}`);
    // A right guess now is not told apart from a wrong one.
    assert.equal((await get(repodata, "127.0.0.1", readToken)).status, 429);
    assert.equal((await get(`/t/${readToken}${repodata}`, "127.0.0.1")).status, 429);
    // Anonymous reads of public files need no token check and go on.
    assert.equal((await get("/pub/noarch/repodata.json", "127.0.0.1")).status, 200);
    // Another address: its valid token works and its failures are its own.
    assert.equal((await get(repodata, "127.0.0.2", readToken)).status, 200);
    assert.equal((await get(repodata, "127.0.0.2", "tpn-wrong-guess-y-0000000000")).status, 401);

    const fromHere = (await auditLines()).filter(
      (e) => e.client === "127.0.0.1" && (e.status === 401 || e.status === 429),
    );
    assert.equal(fromHere.length, 1, "one audit line for the whole window of failures");
    assert.equal(fromHere[0]!.status, 401);
    assert.equal(fromHere[0]!.suppressed, undefined);

    // When the window is over the client may try again; its first failure then reports the rest.
    await sleep(Number(blocked.retryAfter) * 1000 + 100);
    assert.equal((await get(repodata, "127.0.0.1", readToken)).status, 200);
    assert.equal((await get(repodata, "127.0.0.1", "tpn-wrong-guess-z-0000000000")).status, 401);
    const later = (await auditLines()).filter((e) => e.client === "127.0.0.1" && e.status === 401);
    assert.equal(later.length, 2);
    assert.equal(later[1]!.suppressed, 5, "2 more 401s and 3 refused with 429 in the first window");
  });

  it("rejects a negative limit in server.yaml", async () => {
    await writeFile(join(work, "bad.yaml"), "max_auth_failures: -1\n");
    assert.throws(
      () => loadServerConfig({ root: work, configFile: join(work, "bad.yaml") }),
      (e: unknown) => e instanceof ServerConfigError && /max_auth_failures/.test(e.message),
    );
  });
});
