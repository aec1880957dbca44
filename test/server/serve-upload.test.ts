import assert from "node:assert/strict";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AuditChainError } from "../../src/server/serve/errors.js";
import { verifyAuditLog } from "../../src/server/serve/audit-log.js";
import { ChannelServer } from "../../src/server/serve/channel-server.js";
import { loadServerConfig } from "../../src/server/serve/server-config.js";
import { createToken } from "../../src/server/serve/token-store.js";
import { makeConda } from "../package/craft-archive.js";
import { makePackage, makeRoot, tempDir } from "./serve-support.js";

let work: string;
let root: string;
let stateDir: string;
let server: ChannelServer;
let url: string;
let writer: string;
let reader: string;
let admin: string;

before(async () => {
  work = await tempDir("serve-upload");
  root = await makeRoot(work);
  const config = loadServerConfig({ root, stateDir: join(work, "state") });
  stateDir = config.stateDir;
  writer = createToken(stateDir, [{ kind: "write", channel: "pub" }]).token;
  reader = createToken(stateDir, [{ kind: "read", channel: "*" }]).token;
  admin = createToken(stateDir, [{ kind: "admin" }]).token;
  server = new ChannelServer({ root, config });
  url = await server.listen(0, "127.0.0.1");
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

function put(path: string, body: Buffer, token: string | null = writer) {
  return fetch(`${url}/api/channels/${path}`, {
    method: "PUT",
    body,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

async function repodataNames(channel: string, subdir = "noarch"): Promise<string[]> {
  const r = await fetch(`${url}/${channel}/${subdir}/repodata.json`);
  const j = (await r.json()) as { packages: object; "packages.conda": object };
  return [...Object.keys(j.packages), ...Object.keys(j["packages.conda"])].sort();
}

/** The channel's files with their sizes and mtimes, to show a refused upload changed nothing. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    const st = await stat(p);
    out.push(`${p.slice(dir.length)} ${st.size} ${st.mtimeMs}`);
  }
  return out.sort();
}

describe("uploads", () => {
  it("PUT of a packed package places it, re-indexes, and the new repodata serves it", async () => {
    const built = await makePackage(
      work,
      { name: "uploaded", version: "2.1", depends: ["pubpkg"] },
      join(work, "out"),
    );
    const before304 = await fetch(`${url}/pub/noarch/repodata.json`);
    const etag = before304.headers.get("etag")!;
    await before304.arrayBuffer();
    const r = await put("pub/noarch/uploaded-2.1-0.conda", await readFile(built.path));
    assert.equal(r.status, 201);
    const body = (await r.json()) as Record<string, unknown>;
    assert.equal(body.sha256, built.record.sha256);
    assert.equal(body.name, "uploaded");
    assert.deepEqual(await repodataNames("pub"), ["pubpkg-1.0-0.conda", "uploaded-2.1-0.conda"]);
    const changed = await fetch(`${url}/pub/noarch/repodata.json`, { headers: { "If-None-Match": etag } });
    assert.equal(changed.status, 200, "the old ETag no longer matches");
    const rec = (
      (await changed.json()) as { "packages.conda": Record<string, { sha256: string; depends: string[] }> }
    )["packages.conda"]["uploaded-2.1-0.conda"]!;
    assert.equal(rec.sha256, built.record.sha256);
    assert.deepEqual(rec.depends, ["pubpkg"]);
    const dl = await fetch(`${url}/pub/noarch/uploaded-2.1-0.conda`);
    assert.deepEqual(Buffer.from(await dl.arrayBuffer()), await readFile(built.path));
    // The same bytes again is an idempotent success; other bytes under the same name a conflict.
    assert.equal((await put("pub/noarch/uploaded-2.1-0.conda", await readFile(built.path))).status, 200);
    const other = await makePackage(
      work,
      { name: "uploaded", version: "2.1", license: "MIT" },
      join(work, "out2"),
    );
    const conflict = await put("pub/noarch/uploaded-2.1-0.conda", await readFile(other.path));
    assert.equal(conflict.status, 409);
  });

  it("uploads a .tar.bz2 too", async () => {
    const built = await makePackage(work, { name: "oldfmt", version: "1.0" }, join(work, "out3"), [
      "tar.bz2",
    ]);
    const r = await put("pub/noarch/oldfmt-1.0-0.tar.bz2", await readFile(built.path));
    assert.equal(r.status, 201, await r.clone().text());
    assert.ok((await repodataNames("pub")).includes("oldfmt-1.0-0.tar.bz2"));
  });

  it("refuses bad uploads with 400 naming the problem, and leaves the channel unchanged", async () => {
    const good = await makePackage(work, { name: "named", version: "1.0" }, join(work, "out4"));
    const goodBytes = await readFile(good.path);
    const corrupt = Buffer.from(goodBytes);
    corrupt.fill(0x41, 40, Math.min(corrupt.length - 30, 400));
    const linux = await makePackage(
      work,
      { name: "plat", version: "1.0", noarch: undefined, subdir: "linux-64" },
      join(work, "out5"),
    );
    // Metadata that matches, payloads that would write outside the prefix.
    const evilIndex = {
      name: "info/index.json",
      data: Buffer.from(
        JSON.stringify({
          name: "evil",
          version: "1.0",
          build: "0",
          build_number: 0,
          depends: [],
          subdir: "noarch",
        }),
      ),
    };
    const traversal = join(work, "evil-traversal.conda");
    await makeConda(traversal, [{ name: "../../outside.txt", data: Buffer.from("x") }], [evilIndex]);
    const linkOut = join(work, "evil-link.conda");
    await makeConda(linkOut, [{ name: "lib/passwd", type: "symlink", linkname: "/etc/passwd" }], [evilIndex]);
    const before = await snapshot(join(root, "pub"));
    const cases: [string, Buffer, RegExp][] = [
      ["pub/noarch/named-1.0-0.conda", corrupt, /not a readable conda package/],
      ["pub/noarch/named-1.0-0.conda", Buffer.from("hello"), /not a readable conda package/],
      ["pub/noarch/other-1.0-0.conda", goodBytes, /says name 'named', the file name says 'other'/],
      ["pub/noarch/named-1.1-0.conda", goodBytes, /says version '1.0'/],
      ["pub/noarch/named-1.0-1.conda", goodBytes, /says build '0'/],
      [
        "pub/noarch/plat-1.0-0.conda",
        await readFile(linux.path),
        /says subdir 'linux-64', it was uploaded to 'noarch'/,
      ],
      ["pub/noarch/notapackage.zip", goodBytes, /does not end in .conda or .tar.bz2/],
      ["pub/Linux_64/named-1.0-0.conda", goodBytes, /not a platform subdir/],
      ["pub/noarch/named-1.0-0.conda", Buffer.alloc(0), /empty/],
      ["pub/noarch/evil-1.0-0.conda", await readFile(traversal), /does not extract safely/],
      ["pub/noarch/evil-1.0-0.conda", await readFile(linkOut), /does not extract safely/],
    ];
    for (const [path, body, message] of cases) {
      const r = await put(path, body);
      assert.equal(r.status, 400, path);
      const j = (await r.json()) as { error: string; message: string };
      assert.match(j.message, message, path);
    }
    assert.deepEqual(await snapshot(join(root, "pub")), before, "no file in the channel changed");
    assert.deepEqual(await readdir(join(stateDir, "uploads")), [], "scratch files removed");
  });

  it("needs write scope: 401 anonymous, 403 read-only or other channel", async () => {
    const built = await makePackage(work, { name: "scoped", version: "1.0" }, join(work, "out6"));
    const bytes = await readFile(built.path);
    assert.equal((await put("pub/noarch/scoped-1.0-0.conda", bytes, null)).status, 401);
    assert.equal((await put("pub/noarch/scoped-1.0-0.conda", bytes, reader)).status, 403);
    assert.equal((await put("priv/noarch/scoped-1.0-0.conda", bytes, writer)).status, 403);
    const viaUrl = await fetch(`${url}/t/${writer}/api/channels/pub/noarch/scoped-1.0-0.conda`, {
      method: "PUT",
      body: bytes,
    });
    assert.equal(viaUrl.status, 201);
  });

  it("with Expect: 100-continue a refused upload is answered before its body is sent", async () => {
    const built = await makePackage(work, { name: "expect", version: "1.0" }, join(work, "out-expect"));
    const bytes = await readFile(built.path);
    const send = (token: string | null) =>
      new Promise<{ status: number; sentBody: boolean }>((ok, fail) => {
        const u = new URL(url);
        let sentBody = false;
        const req = request({
          host: u.hostname,
          port: u.port,
          method: "PUT",
          path: "/api/channels/pub/noarch/expect-1.0-0.conda",
          headers: {
            Expect: "100-continue",
            "Content-Length": bytes.length,
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
          },
        });
        req.on("continue", () => {
          sentBody = true;
          req.end(bytes);
        });
        req.on("response", (res) => {
          res.resume();
          res.on("end", () => ok({ status: res.statusCode ?? 0, sentBody }));
        });
        req.on("error", fail);
        req.flushHeaders();
      });
    assert.deepEqual(await send(reader), { status: 403, sentBody: false });
    assert.deepEqual(await send(writer), { status: 201, sentBody: true });
  });

  it("serialises concurrent uploads to one subdir: every package ends up in repodata", async () => {
    const names = Array.from({ length: 6 }, (_, i) => `conc${i}`);
    const built = await Promise.all(
      names.map((n, i) => makePackage(work, { name: n, version: "1.0" }, join(work, `outc${i}`))),
    );
    const results = await Promise.all(
      built.map(
        async (b, i) => (await put(`pub/noarch/${names[i]}-1.0-0.conda`, await readFile(b.path))).status,
      ),
    );
    assert.deepEqual(
      results,
      names.map(() => 201),
    );
    const listed = await repodataNames("pub");
    for (const n of names) assert.ok(listed.includes(`${n}-1.0-0.conda`), n);
  });

  it("DELETE needs admin and re-indexes", async () => {
    const path = "pub/noarch/conc0-1.0-0.conda";
    const del = (token: string) =>
      fetch(`${url}/api/channels/${path}`, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${token}` },
      });
    assert.equal((await del(writer)).status, 403);
    const ok = await del(admin);
    assert.equal(ok.status, 200);
    assert.match(((await ok.json()) as { sha256: string }).sha256, /^[0-9a-f]{64}$/);
    assert.ok(!(await repodataNames("pub")).includes("conc0-1.0-0.conda"));
    assert.equal((await del(admin)).status, 404);
  });

  it("refuses an upload above max_upload_bytes with 413", async () => {
    // One server per state dir: a second on the same one is refused; this one gets its own.
    await assert.rejects(
      new ChannelServer({ root, config: loadServerConfig({ root, stateDir }) }).listen(0),
      /another taipan serve/,
    );
    const smallState = join(work, "state-small");
    const small = new ChannelServer({
      root,
      config: { ...loadServerConfig({ root, stateDir: smallState }), maxUploadBytes: 100 },
    });
    const smallUrl = await small.listen(0, "127.0.0.1");
    try {
      const r = await fetch(`${smallUrl}/api/channels/pub/noarch/big-1.0-0.conda`, {
        method: "PUT",
        body: Buffer.alloc(5000, 1),
        headers: {
          Authorization: `Bearer ${createToken(smallState, [{ kind: "write", channel: "pub" }]).token}`,
        },
      });
      assert.equal(r.status, 413);
    } finally {
      await small.close();
    }
  });
});

describe("audit log", () => {
  it("records each request with token id and package sha256; the chain verifies and detects an edit", async () => {
    await server.close();
    const log = (await readFile(join(stateDir, "audit.log"), "utf8")).trimEnd().split("\n");
    const entries = log.map((l) => JSON.parse(l) as Record<string, unknown>);
    const upload = entries.find((e) => e.method === "PUT" && e.status === 201);
    assert.ok(upload);
    assert.match(String(upload.sha256), /^[0-9a-f]{64}$/);
    assert.match(String(upload.token_id), /^[0-9a-f]{12}$/);
    assert.equal(upload.client, "127.0.0.1");
    assert.ok(Number(upload.bytes) > 0);
    for (const e of entries)
      for (const t of [writer, reader, admin]) assert.ok(!JSON.stringify(e).includes(t));
    const ok = await verifyAuditLog(stateDir);
    assert.equal(ok.lines, log.length);

    // Edit one line (a 403 becomes a 200): the chain breaks at the line after it.
    const i = entries.findIndex((e) => e.status === 403);
    const edited = [...log];
    edited[i] = edited[i]!.replace('"status":403', '"status":200');
    await writeFile(join(stateDir, "audit.log"), `${edited.join("\n")}\n`);
    await assert.rejects(
      verifyAuditLog(stateDir),
      (e: unknown) => e instanceof AuditChainError && e.line === i + 2,
    );
    // Dropping the last line is caught by audit.head.
    await writeFile(join(stateDir, "audit.log"), `${log.slice(0, -1).join("\n")}\n`);
    await assert.rejects(verifyAuditLog(stateDir), AuditChainError);
    await writeFile(join(stateDir, "audit.log"), `${log.join("\n")}\n`);
    await verifyAuditLog(stateDir);
    // Lines keep chaining after a restart.
    url = await server.listen(0, "127.0.0.1");
    await (await fetch(`${url}/pub/noarch/repodata.json`)).arrayBuffer();
    await server.close();
    assert.equal((await verifyAuditLog(stateDir)).lines, log.length + 1);
    url = await server.listen(0, "127.0.0.1");
  });
});
