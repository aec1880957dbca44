// `taipan remove --force` (and its alias --no-deps) through the real CLI: only the named package
// goes, unlike a plain remove that takes what depends on it along.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type CliWorld, createCliWorld } from "./cli-channel-fixture.js";

let w: CliWorld;
before(async () => {
  w = await createCliWorld("remove-force");
});
after(async () => {
  await w?.close();
});

function names(env: string): string[] {
  return readdirSync(join(w.root, "envs", env, "conda-meta"))
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/-[^-]+-[^-]+\.json$/, ""))
    .sort();
}

test("a plain remove takes the dependents along; --force and --no-deps remove only the named package", async () => {
  for (const env of ["plain", "forced", "nodeps"]) await w.ok(["create", "-n", env, "hello", "-y", "-q"]);
  assert.deepEqual(names("plain"), ["hello", "libgreet"]);
  await w.ok(["remove", "-n", "plain", "libgreet", "-y", "-q"]);
  assert.deepEqual(names("plain"), []);
  const r = await w.taipan(["remove", "-n", "forced", "libgreet", "--force", "-y"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /--force: packages that depend on the removed ones stay/);
  assert.deepEqual(names("forced"), ["hello"]);
  await w.ok(["remove", "-n", "nodeps", "libgreet", "--no-deps", "-y", "-q"]);
  assert.deepEqual(names("nodeps"), ["hello"]);
});
