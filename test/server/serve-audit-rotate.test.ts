import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AuditLog,
  type AuditEntry,
  auditFile,
  GENESIS,
  rotatedAuditFile,
  verifyAuditLog,
} from "../../src/server/serve/audit-log.js";
import { tailAuditLog } from "../../src/server/serve/audit-tail.js";
import { ChannelServer } from "../../src/server/serve/channel-server.js";
import { AuditChainError } from "../../src/server/serve/errors.js";
import { loadServerConfig } from "../../src/server/serve/server-config.js";
import { createToken } from "../../src/server/serve/token-store.js";
import { auditEntry, makeRoot, tempDir } from "./serve-support.js";

let work: string;
before(async () => {
  work = await tempDir("audit-rotate");
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

const entry = auditEntry;

const lines = async (file: string) => (await readFile(file, "utf8")).trimEnd().split("\n");
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** Rotated files in chain order. */
async function rotated(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((n) => /^audit\.\d+\.log$/.test(n))
    .sort()
    .map((n) => join(dir, n));
}

describe("audit log rotation", () => {
  const MAX = 2000;
  let dir: string;

  before(async () => {
    dir = join(work, "lib");
    await mkdir(dir);
    let log = await AuditLog.open(dir, { maxBytes: MAX });
    for (let i = 0; i < 60; i++) {
      await log.append(entry(i));
      // Reopening in between: the chain and the numbering carry on from the files.
      if (i === 30) {
        await log.flush();
        log = await AuditLog.open(dir, { maxBytes: MAX });
      }
    }
    await log.flush();
  });

  it("rotates by size into numbered files, each chaining to the one before", async () => {
    const files = await rotated(dir);
    assert.ok(files.length >= 4, `several rotations (${files.length})`);
    assert.deepEqual(
      files.map((f) => basename(f)),
      files.map((_, i) => basename(rotatedAuditFile(dir, i + 1))),
      "numbered 1, 2, 3… without gaps",
    );
    let prev = GENESIS;
    let count = 0;
    for (const f of [...files, auditFile(dir)]) {
      assert.ok((await stat(f)).size <= MAX, `${basename(f)} within the size limit`);
      for (const line of await lines(f)) {
        const e = JSON.parse(line) as AuditEntry;
        assert.equal(e.prev, prev, `${basename(f)}: chained`);
        assert.equal(e.bytes, count++, "in order");
        prev = sha(line);
      }
    }
    assert.equal(count, 60);
    const v = await verifyAuditLog(dir);
    assert.equal(v.lines, 60);
    assert.equal(v.head, prev);
    assert.deepEqual(v.files, [...files, auditFile(dir)]);
  });

  it("tails across files, newest first", async () => {
    const tail = await tailAuditLog(dir, 40);
    assert.deepEqual(
      tail.map((e) => e.bytes),
      Array.from({ length: 40 }, (_, i) => 59 - i),
    );
    assert.equal((await tailAuditLog(dir, 1000)).length, 60);
  });

  it("names the rotated file and line of a tampered entry", async () => {
    const [, second] = await rotated(dir);
    const original = await readFile(second!, "utf8");
    const ls = original.trimEnd().split("\n");
    assert.ok(ls.length >= 4);
    // Change what line 2 says (bytes served), keeping it valid JSON with its old `prev`.
    ls[1] = ls[1]!.replace(/"bytes":(\d+)/, '"bytes":999999');
    await writeFile(second!, `${ls.join("\n")}\n`);
    await assert.rejects(verifyAuditLog(dir), (e: unknown) => {
      assert.ok(e instanceof AuditChainError);
      assert.equal(e.line, 3, "the line whose `prev` no longer matches");
      assert.ok(e.message.includes(second!), e.message);
      assert.match(e.message, /sha256 of line 2\b/);
      return true;
    });
    await writeFile(second!, original);
    await verifyAuditLog(dir);
  });

  it("catches a change to the last line of a rotated file at the first line of the next", async () => {
    const [first, second] = await rotated(dir);
    const original = await readFile(first!, "utf8");
    const ls = original.trimEnd().split("\n");
    ls[ls.length - 1] = ls[ls.length - 1]!.replace('"status":200', '"status":404');
    await writeFile(first!, `${ls.join("\n")}\n`);
    await assert.rejects(verifyAuditLog(dir), (e: unknown) => {
      assert.ok(e instanceof AuditChainError);
      assert.equal(e.line, 1);
      assert.ok(e.message.includes(second!), e.message);
      assert.ok(e.message.includes(`line ${ls.length} of ${basename(first!)}`), e.message);
      return true;
    });
    await writeFile(first!, original);
    await verifyAuditLog(dir);
  });

  it("reports a missing rotated file by name", async () => {
    const [, second] = await rotated(dir);
    await rename(second!, `${second}.away`);
    await assert.rejects(
      verifyAuditLog(dir),
      (e: unknown) =>
        e instanceof AuditChainError && e.message.includes(second!) && /missing/.test(e.message),
    );
    await rename(`${second}.away`, second!);
    await verifyAuditLog(dir);
  });

  it("continues the chain from the newest rotated file when audit.log is gone (crash after rotating)", async () => {
    const files = await rotated(dir);
    const current = await readFile(auditFile(dir), "utf8");
    const next = rotatedAuditFile(dir, files.length + 1);
    await rename(auditFile(dir), next);
    const v = await verifyAuditLog(dir);
    assert.equal(v.lines, 60, "no audit.log: still intact");
    const log = await AuditLog.open(dir, { maxBytes: MAX });
    await log.append(entry(60));
    await log.flush();
    const [line] = await lines(auditFile(dir));
    assert.equal((JSON.parse(line!) as AuditEntry).prev, sha(current.trimEnd().split("\n").pop()!));
    assert.equal((await verifyAuditLog(dir)).lines, 61);
  });
});

it("the server rotates by audit_max_bytes and its /api/audit tail spans the files", async () => {
  const sub = join(work, "http");
  await mkdir(sub);
  const root = await makeRoot(sub);
  await writeFile(join(sub, "server.yaml"), "audit_max_bytes: 1500\n");
  const stateDir = join(sub, "state");
  const config = loadServerConfig({ root, configFile: join(sub, "server.yaml"), stateDir });
  assert.equal(config.auditMaxBytes, 1500);
  const admin = createToken(stateDir, [{ kind: "admin" }]).token;
  const server = new ChannelServer({ root, config });
  const url = await server.listen(0, "127.0.0.1");
  try {
    for (let i = 0; i < 30; i++) {
      const r = await fetch(`${url}/pub/noarch/repodata.json?n=${i}`);
      await r.arrayBuffer();
    }
    await server.idle();
    assert.ok((await rotated(stateDir)).length >= 3, "rotated while serving");
    const r = await fetch(`${url}/api/audit?limit=25`, { headers: { Authorization: `Bearer ${admin}` } });
    const { entries } = (await r.json()) as { entries: AuditEntry[] };
    assert.equal(entries.length, 25);
    assert.ok(entries.every((e) => e.path === "/pub/noarch/repodata.json" && e.status === 200));
  } finally {
    await server.close();
  }
  const v = await verifyAuditLog(stateDir);
  assert.equal(v.lines, 31, "30 reads and the audit request");
});
