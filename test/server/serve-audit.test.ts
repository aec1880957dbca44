import assert from "node:assert/strict";
import { readFile, rm, writeFile } from "node:fs/promises";
import { after, before, it } from "node:test";
import { AuditLog, auditFile, GENESIS, verifyAuditLog } from "../../src/server/serve/audit-log.js";
import { AuditChainError } from "../../src/server/serve/errors.js";
import { auditEntry, tempDir } from "./serve-support.js";

let dir: string;
before(async () => {
  dir = await tempDir("audit");
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = auditEntry;

it("concurrent appends form one linear chain, continued across reopen of a log larger than the tail window", async () => {
  const log = await AuditLog.open(dir);
  await Promise.all(Array.from({ length: 1500 }, (_, i) => log.append(entry(i))));
  await log.flush();
  const lines = (await readFile(auditFile(dir), "utf8")).trimEnd().split("\n");
  assert.equal(lines.length, 1500);
  assert.equal((JSON.parse(lines[0]!) as { prev: string }).prev, GENESIS);
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { bytes: number }).bytes),
    Array.from({ length: 1500 }, (_, i) => i),
    "lines in append order",
  );
  assert.equal((await verifyAuditLog(dir)).lines, 1500);
  const reopened = await AuditLog.open(dir);
  await reopened.append(entry(1500));
  await reopened.flush();
  assert.equal((await verifyAuditLog(dir)).lines, 1501);
});

it("detects a deleted line, an inserted line and a truncated last line", async () => {
  const text = await readFile(auditFile(dir), "utf8");
  const lines = text.trimEnd().split("\n");
  const check = async (body: string, line: number) => {
    await writeFile(auditFile(dir), body);
    await assert.rejects(
      verifyAuditLog(dir),
      (e: unknown) => e instanceof AuditChainError && e.line === line,
    );
  };
  await check(`${[...lines.slice(0, 10), ...lines.slice(11)].join("\n")}\n`, 11);
  await check(`${[...lines.slice(0, 5), lines[3], ...lines.slice(5)].join("\n")}\n`, 6);
  await check(text.slice(0, -5), lines.length);
  await writeFile(auditFile(dir), text);
  await verifyAuditLog(dir);
});
