import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { hashToken } from "../../src/server/serve/token-store.js";
import { tempDir } from "./serve-support.js";
import { startUiFixture, type UiFixture, XSS_SUMMARY } from "./ui-support.js";

let work: string;
let fx: UiFixture;

before(async () => {
  work = await tempDir("ui-api");
  fx = await startUiFixture(work);
});

after(async () => {
  await fx?.server.close();
  await rm(work, { recursive: true, force: true });
});

function get(path: string, token?: string, init: RequestInit = {}) {
  return fetch(`${fx.url}${path}`, {
    ...init,
    redirect: "manual",
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

/** No clear token and no token hash may appear in any response. */
function assertNoSecrets(text: string): void {
  for (const t of [fx.readToken, fx.writeToken, fx.adminToken]) {
    assert.ok(!text.includes(t), "a token leaked");
    assert.ok(!text.includes(hashToken(t)), "a token hash leaked");
  }
}

describe("the web UI files", () => {
  it("redirects / to /ui/ and serves the page, module and stylesheet with a strict CSP", async () => {
    const root = await get("/");
    assert.equal(root.status, 302);
    assert.equal(root.headers.get("location"), "/ui/");
    const page = await get("/ui/");
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/ui\/app.js">/);
    assert.match(html, /<label for="token-input">/);
    const js = await get("/ui/app.js");
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.match(await js.text(), /sessionStorage/);
    assert.equal((await get("/ui/style.css")).headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal((await get("/ui/nothing.js")).status, 404);
    assert.equal((await get("/ui/", undefined, { method: "POST" })).status, 405);
  });

  it("keeps conda's /t/<token>/ root a 404 rather than a redirect", async () => {
    assert.equal((await get(`/t/${fx.readToken}/`)).status, 404);
  });
});

describe("GET /api/packages/<channel>", () => {
  it("lists a public channel's packages: latest by conda order, subdirs, build count, license, summary", async () => {
    const r = await get("/api/packages/pub");
    assert.equal(r.status, 200);
    const body = (await r.json()) as {
      access: string;
      packages: {
        name: string;
        latest: string;
        builds: number;
        subdirs: string[];
        license: string | null;
        summary: string | null;
      }[];
    };
    assert.equal(body.access, "public");
    assert.deepEqual(
      body.packages.map((p) => p.name),
      ["alpha", "beta", "gamma-tools"],
    );
    const alpha = body.packages[0]!;
    assert.equal(alpha.latest, "1.10", "1.10 is newer than 1.9 in conda order");
    assert.equal(alpha.builds, 3);
    assert.deepEqual(alpha.subdirs, ["noarch"]);
    assert.equal(alpha.license, "MIT");
    assert.equal(alpha.summary, "The first letter");
    assert.equal(body.packages[1]!.summary, XSS_SUMMARY, "data is returned as it is; the UI escapes it");
  });

  it("answers 401 anonymously and 403 for a token without read on a private channel", async () => {
    const anon = await get("/api/packages/priv");
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get("www-authenticate") ?? "", /^Bearer/);
    const other = await get("/api/packages/priv", fx.writeToken);
    assert.equal(other.status, 403);
    assertNoSecrets(await other.text());
    const ok = await get("/api/packages/priv", fx.readToken);
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { packages: { name: string }[] };
    assert.deepEqual(
      body.packages.map((p) => p.name),
      ["secretpkg"],
    );
    assert.equal((await get("/api/packages/priv", fx.adminToken)).status, 200);
  });

  it("does not tell whether a private package exists without a token, and 404s unknown names", async () => {
    assert.equal((await get("/api/packages/priv/no-such-package")).status, 401);
    assert.equal((await get("/api/packages/priv/no-such-package", fx.readToken)).status, 404);
    assert.equal((await get("/api/packages/pub/no-such-package")).status, 404);
    assert.equal((await get("/api/packages/no-such-channel")).status, 404);
    assert.equal((await get("/api/packages/ui")).status, 404, "reserved names are no channels");
  });

  it("rejects an unknown token with 401 and writes with 405", async () => {
    assert.equal((await get("/api/packages/pub", "tpn-not-a-real-token-000000")).status, 401);
    assert.equal((await get("/api/packages/pub", fx.adminToken, { method: "POST" })).status, 405);
  });
});

describe("GET /api/packages/<channel>/<name>", () => {
  it("lists builds newest first with size, sha256, subdir and upload time", async () => {
    const r = await get("/api/packages/pub/alpha");
    assert.equal(r.status, 200);
    const body = (await r.json()) as {
      name: string;
      latest: string;
      builds: {
        version: string;
        build: string;
        subdir: string;
        fn: string;
        size: number;
        sha256: string;
        uploaded: string;
      }[];
    };
    assert.equal(body.latest, "1.10");
    assert.deepEqual(
      body.builds.map((b) => b.version),
      ["1.10", "1.9", "1.0"],
    );
    for (const b of body.builds) {
      assert.equal(b.subdir, "noarch");
      assert.match(b.sha256, /^[0-9a-f]{64}$/);
      assert.ok(b.size > 0);
      assert.ok(!Number.isNaN(Date.parse(b.uploaded)));
      assert.match(b.fn, /^alpha-/);
    }
  });

  it("needs read on a private channel", async () => {
    assert.equal((await get("/api/packages/priv/secretpkg")).status, 401);
    assert.equal((await get("/api/packages/priv/secretpkg", fx.writeToken)).status, 403);
    const ok = await get("/api/packages/priv/secretpkg", fx.readToken);
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { summary: string }).summary, "Only for token holders");
  });
});

describe("GET /api/whoami", () => {
  it("tells the token id and scopes, never the token or its hash", async () => {
    assert.deepEqual(await (await get("/api/whoami")).json(), { token_id: null, scopes: [], admin: false });
    const r = await get("/api/whoami", fx.readToken);
    const text = await r.text();
    assertNoSecrets(text);
    const body = JSON.parse(text) as { token_id: string; scopes: string[]; admin: boolean };
    assert.match(body.token_id, /^[0-9a-f]{12}$/);
    assert.deepEqual(body.scopes, ["read:priv"]);
    assert.equal(body.admin, false);
    assert.equal(
      ((await (await get("/api/whoami", fx.adminToken)).json()) as { admin: boolean }).admin,
      true,
    );
    assert.equal((await get("/api/whoami", "tpn-not-a-real-token-000000")).status, 401);
  });
});

describe("GET /api/audit", () => {
  it("is for admin tokens only", async () => {
    assert.equal((await get("/api/audit")).status, 401);
    assert.equal((await get("/api/audit", fx.readToken)).status, 403);
    assert.equal((await get("/api/audit", fx.writeToken)).status, 403);
  });

  it("returns the newest entries first, every API call audited, tokens redacted", async () => {
    await get(`/t/${fx.readToken}/priv/noarch/repodata.json`);
    await get("/api/packages/priv");
    await get("/api/whoami", fx.readToken);
    await fx.server.idle(); // a response can reach the client just before its audit line is queued
    const r = await get("/api/audit?limit=3", fx.adminToken);
    assert.equal(r.status, 200);
    const text = await r.text();
    assertNoSecrets(text);
    const { entries } = JSON.parse(text) as {
      entries: { path: string; status: number; token_id: string | null; method: string }[];
    };
    assert.equal(entries.length, 3);
    assert.deepEqual(
      entries.map((e) => [e.path, e.status]),
      [
        ["/api/whoami", 200],
        ["/api/packages/priv", 401],
        ["/t/<TOKEN>/priv/noarch/repodata.json", 200],
      ],
    );
    assert.ok(entries[0]!.token_id, "the token's id is recorded");
    // The audit call itself is logged too, with the admin token's id.
    await fx.server.idle();
    const again = (await (await get("/api/audit?limit=1", fx.adminToken)).json()) as {
      entries: { path: string; status: number }[];
    };
    assert.deepEqual(
      again.entries.map((e) => [e.path, e.status]),
      [["/api/audit", 200]],
    );
  });
});
