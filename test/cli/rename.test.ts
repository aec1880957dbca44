// `taipan rename` through the real CLI: clone to the new name or path, then removal of the old
// one; refusals for the base environment, an existing destination and a non-environment directory.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliWorld, createCliWorld } from "./cli-channel-fixture.js";

let w: CliWorld;
before(async () => {
  w = await createCliWorld("rename");
});
after(async () => {
  await w?.close();
});

function names(prefix: string): string[] {
  return readdirSync(join(prefix, "conda-meta"))
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(prefix, "conda-meta", f), "utf8")).name as string)
    .sort();
}

describe("rename", () => {
  test("by name: the new environment has the packages, a working program and the new prefix; the old one is gone", async () => {
    await w.ok(["create", "-n", "old", "hello", "-y", "-q"]);
    const old = join(w.root, "envs", "old");
    const fresh = join(w.root, "envs", "fresh");
    const before = names(old);
    const out = await w.ok(["rename", "-n", "old", "fresh"]);
    assert.match(out, new RegExp(`Renamed ${old} to ${fresh}`));
    assert.equal(existsSync(old), false);
    assert.deepEqual(names(fresh), before);
    const run = await w.ok(["run", "-n", "fresh", "hello"]);
    assert.match(run, new RegExp(`installed in ${fresh}`), "prefixes inside files point at the new place");
    const list = await w.ok(["env", "list", "--json"]);
    const envs = JSON.parse(list).envs as string[];
    assert.ok(envs.includes(fresh) && !envs.includes(old), envs.join(" "));
  });

  test("to a path, with --json and --dry-run", async () => {
    await w.ok(["create", "-n", "p1", "hello", "-y", "-q"]);
    const dest = join(w.home, "moved", "p1");
    const dry = JSON.parse(await w.ok(["rename", "-n", "p1", dest, "--dry-run", "--json"]));
    assert.deepEqual(dry, {
      success: true,
      dry_run: true,
      source: join(w.root, "envs", "p1"),
      destination: dest,
    });
    assert.equal(existsSync(dest), false);
    const done = JSON.parse(await w.ok(["rename", "-n", "p1", dest, "--json"]));
    assert.deepEqual(done, { success: true, source: join(w.root, "envs", "p1"), destination: dest });
    assert.deepEqual(names(dest), ["hello", "libgreet"]);
  });

  test("refuses an existing destination unless --force, and never deletes a directory that is not an environment", async () => {
    await w.ok(["create", "-n", "a", "hello", "-y", "-q"]);
    await w.ok(["create", "-n", "b", "dependency", "-y", "-q"]);
    const r = await w.taipan(["rename", "-n", "a", "b", "--json"]);
    assert.equal(r.code, 1);
    assert.match(JSON.parse(r.stdout).message, /already exists/);
    assert.deepEqual(names(join(w.root, "envs", "a")), ["hello", "libgreet"]);
    await w.ok(["rename", "-n", "a", "b", "--force"]);
    assert.deepEqual(names(join(w.root, "envs", "b")), ["hello", "libgreet"]);
    const plain = join(w.home, "plain");
    mkdirSync(plain);
    writeFileSync(join(plain, "keep.txt"), "mine");
    const p = await w.taipan(["rename", "-n", "b", plain, "--force"]);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /not an environment/);
    assert.equal(readFileSync(join(plain, "keep.txt"), "utf8"), "mine");
    assert.ok(existsSync(join(w.root, "envs", "b", "conda-meta")), "the source is untouched");
  });

  test("refuses the base environment and a bad name", async () => {
    const base = await w.taipan(["rename", "-p", w.root, "other"]);
    assert.equal(base.code, 2, base.stderr);
    assert.match(base.stderr, /base environment cannot be renamed/);
    await w.ok(["create", "-n", "c", "dependency", "-y", "-q"]);
    const bad = await w.taipan(["rename", "-n", "c", "bad name"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid environment name/);
  });
});
