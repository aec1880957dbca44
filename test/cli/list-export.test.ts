// `taipan list --export` through the real CLI: conda's spec-file format, read back by create --file.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type CliWorld, createCliWorld } from "./cli-channel-fixture.js";

let w: CliWorld;
before(async () => {
  w = await createCliWorld("list-export");
  await w.ok(["create", "-n", "src", "hello", "libgreet=1.0", "-y", "-q"]);
});
after(async () => {
  await w?.close();
});

function dists(prefix: string): string[] {
  return readdirSync(join(prefix, "conda-meta"))
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();
}

test("list --export writes name=version=build lines that create --file turns back into the same packages", async () => {
  const out = await w.ok(["list", "-n", "src", "--export"]);
  const lines = out.trim().split("\n");
  assert.match(lines[0]!, /^# This file may be used to create an environment/);
  assert.ok(lines.includes("# platform: noarch") || lines.some((l) => /^# platform: /.test(l)));
  const specs = lines.filter((l) => !l.startsWith("#"));
  assert.deepEqual(specs, ["hello=1.0=0", "libgreet=1.0=0"]);
  const file = join(w.home, "spec.txt");
  writeFileSync(file, out);
  await w.ok(["create", "-n", "copy", "--file", file, "-y", "-q"]);
  assert.deepEqual(dists(join(w.root, "envs", "copy")), dists(join(w.root, "envs", "src")));
  assert.match(
    readFileSync(join(w.root, "envs", "copy", "conda-meta", "history"), "utf8"),
    /libgreet=1\.0=0/,
  );
});
