import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { writeFileAtomic, writeFileAtomicSync } from "../../src/fs/write-atomic.js";

const dir = mkdtempSync(join(tmpdir(), "taipan-write-atomic-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("replaces a file's content and leaves no temporary behind", async () => {
  const f = join(dir, "a.json");
  writeFileSync(f, "old");
  await writeFileAtomic(f, "new");
  assert.equal(readFileSync(f, "utf8"), "new");
  writeFileAtomicSync(f, Buffer.from("newer"));
  assert.equal(readFileSync(f, "utf8"), "newer");
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("applies the requested mode (secrets stay private)", {
  skip: process.platform === "win32",
}, async () => {
  const f = join(dir, "tokens.json");
  await writeFileAtomic(f, "{}", { mode: 0o600 });
  assert.equal(statSync(f).mode & 0o777, 0o600);
  writeFileAtomicSync(join(dir, "t2.json"), "{}", { mode: 0o600 });
  assert.equal(statSync(join(dir, "t2.json")).mode & 0o777, 0o600);
});

test("a failed write throws and leaves the old file and no temporary", async () => {
  const sub = mkdtempSync(join(dir, "fail-"));
  const f = join(sub, "keep.txt");
  writeFileSync(f, "kept");
  // the target is a directory: the rename fails after the temporary was written
  mkdirSync(join(sub, "adir"));
  await assert.rejects(writeFileAtomic(join(sub, "adir"), "x"));
  assert.throws(() => writeFileAtomicSync(join(sub, "missing", "x.txt"), "x"));
  assert.equal(readFileSync(f, "utf8"), "kept");
  assert.deepEqual(
    readdirSync(sub).filter((n) => n.endsWith(".tmp")),
    [],
  );
});

test("concurrent writers to one file: the result is one writer's whole content", async () => {
  const f = join(dir, "race.txt");
  const bodies = Array.from(
    { length: 24 },
    (_, i) => `${String(i).padStart(2, "0")}:${"x".repeat(50_000 + i)}`,
  );
  await Promise.all(bodies.map((b) => writeFileAtomic(f, b)));
  assert.ok(bodies.includes(readFileSync(f, "utf8")));
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith("race.txt.")),
    [],
  );
});
