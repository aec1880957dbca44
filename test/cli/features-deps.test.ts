// --no-deps / --only-deps (conda's DepsModifier, applied after the solve) and --update-deps /
// --freeze-installed / --no-update-deps (conda's update modifiers), through the real CLI against
// a local channel: hello 1.0 depends on libgreet >=1.0; libgreet 1.0 and 1.1 exist.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliWorld, createCliWorld } from "./cli-channel-fixture.js";

let w: CliWorld;
before(async () => {
  w = await createCliWorld("feat-deps");
});
after(async () => {
  await w?.close();
});

async function ok(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await w.taipan(args);
  assert.equal(r.code, 0, `taipan ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** name → version of what conda-meta says is installed. */
function installed(env: string): Map<string, string> {
  const dir = join(w.root, "envs", env, "conda-meta");
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const r = JSON.parse(readFileSync(join(dir, f), "utf8"));
    out.set(r.name, r.version);
  }
  return out;
}

const history = (env: string) => readFileSync(join(w.root, "envs", env, "conda-meta", "history"), "utf8");

describe("deps modifiers", () => {
  test("--no-deps links only the requested package and warns that the environment may be inconsistent", async () => {
    const r = await ok(["create", "-n", "nodeps", "hello", "--no-deps", "-y"]);
    assert.deepEqual([...installed("nodeps").keys()], ["hello"]);
    assert.match(r.stderr, /may be inconsistent/);
    assert.match(r.stderr, /libgreet/);
    assert.match(history("nodeps"), /# update specs: \['hello'\]/);
    // A later install without --no-deps repairs the environment.
    await ok(["install", "-n", "nodeps", "libgreet", "-y"]);
    assert.deepEqual([...installed("nodeps").keys()].sort(), ["hello", "libgreet"]);
  });

  test("--no-deps on install keeps what is installed and adds only the request", async () => {
    await ok(["create", "-n", "nodeps2", "dependency", "-y"]);
    const r = await ok(["install", "-n", "nodeps2", "hello", "--no-deps", "-y"]);
    assert.deepEqual([...installed("nodeps2").keys()].sort(), ["dependency", "hello"]);
    assert.match(r.stderr, /may be inconsistent/);
  });

  test("--only-deps installs the dependencies without the package and does not record it as requested", async () => {
    await ok(["create", "-n", "onlydeps", "hello", "--only-deps", "-y"]);
    const got = installed("onlydeps");
    assert.deepEqual([...got.keys()], ["libgreet"]);
    assert.equal(got.get("libgreet"), "1.1");
    assert.doesNotMatch(history("onlydeps"), /update specs: .*hello/);
    // hello is not pulled in by a later, unrelated install.
    await ok(["install", "-n", "onlydeps", "dependency", "-y"]);
    assert.equal(installed("onlydeps").has("hello"), false);
  });

  test("--only-deps keeps a requested package another requested one needs (conda's youngest-node rule)", async () => {
    await ok(["create", "-n", "onlydeps2", "hello", "libgreet", "--only-deps", "-y"]);
    assert.deepEqual([...installed("onlydeps2").keys()], ["libgreet"]);
  });

  test("--no-deps with --only-deps is a usage error", async () => {
    const r = await w.taipan(["create", "-n", "both", "hello", "--no-deps", "--only-deps", "-y"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot be combined/);
    assert.equal(existsSync(join(w.root, "envs", "both")), false);
  });
});

describe("update modifiers", () => {
  test("update --no-update-deps / --freeze-installed keep dependencies; --update-deps moves them", async () => {
    await ok(["create", "-n", "upd", "hello", "libgreet=1.0", "-y"]);
    assert.equal(installed("upd").get("libgreet"), "1.0");
    // Pretend libgreet came in only as hello's dependency (as if 1.1 was released later).
    const h = join(w.root, "envs", "upd", "conda-meta", "history");
    writeFileSync(h, readFileSync(h, "utf8").replace(/# update specs: .*/, "# update specs: ['hello']"));

    const frozen = await ok(["update", "-n", "upd", "hello", "--no-update-deps", "-y"]);
    assert.match(frozen.stdout, /All requested packages already installed/);
    assert.equal(installed("upd").get("libgreet"), "1.0");
    await ok(["update", "-n", "upd", "hello", "--freeze-installed", "-y"]);
    assert.equal(installed("upd").get("libgreet"), "1.0");

    await ok(["update", "-n", "upd", "hello", "--update-deps", "-y"]);
    assert.equal(installed("upd").get("libgreet"), "1.1");
    // The dependency is not recorded as requested.
    const specs = history("upd")
      .split("\n")
      .filter((l) => l.startsWith("# update specs"));
    assert.doesNotMatch(specs[specs.length - 1] ?? "", /libgreet/);
  });

  test("install (which freezes installed packages) moves dependencies only with --update-deps", async () => {
    await ok(["create", "-n", "upd2", "hello", "libgreet=1.0", "-y"]);
    const h = join(w.root, "envs", "upd2", "conda-meta", "history");
    writeFileSync(h, readFileSync(h, "utf8").replace(/# update specs: .*/, "# update specs: ['hello']"));
    await ok(["install", "-n", "upd2", "hello", "-y"]);
    assert.equal(installed("upd2").get("libgreet"), "1.0");
    await ok(["install", "-n", "upd2", "hello", "--update-deps", "-y"]);
    assert.equal(installed("upd2").get("libgreet"), "1.1");
  });
});
