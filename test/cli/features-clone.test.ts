// `taipan create --clone SRC` through the real CLI against a local channel: exact records, no
// solve, archives through the package cache with hash checks, refusal of records without a URL.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliWorld, createCliWorld } from "./cli-channel-fixture.js";

let w: CliWorld;
let src: string;
before(async () => {
  w = await createCliWorld("feat-clone");
  src = join(w.root, "envs", "src");
  await ok(["create", "-n", "src", "hello", "libgreet=1.0", "-y", "-q"]);
  await ok(["env", "config", "vars", "set", "GREETING_STYLE=loud", "-n", "src"]);
});
after(async () => {
  await w?.close();
});

async function ok(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await w.taipan(args);
  assert.equal(r.code, 0, `taipan ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The identity of each installed record: dist name, url and hashes. */
function records(prefix: string): string[] {
  const dir = join(prefix, "conda-meta");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => {
      const r = JSON.parse(readFileSync(join(dir, f), "utf8"));
      return `${r.name}-${r.version}-${r.build} ${r.url} ${r.sha256} ${r.md5}`;
    })
    .sort();
}

describe("create --clone", () => {
  test("by name: the clone has exactly the source's records, requests and variables; Source/Destination printed", async () => {
    const r = await ok(["create", "-n", "copy", "--clone", "src", "-y"]);
    const dest = join(w.root, "envs", "copy");
    assert.match(r.stdout, new RegExp(`Source: +${src}\\nDestination: +${dest}`));
    assert.deepEqual(records(dest), records(src));
    assert.equal(records(dest).length, 2);
    assert.ok(records(dest).some((l) => l.startsWith("libgreet-1.0-0 ")));
    assert.match(readFileSync(join(dest, "share", "libgreet", "greeting.txt"), "utf8"), /1\.0/);
    // The source's requests carry over: a later install keeps libgreet at 1.0 as in the source.
    assert.match(readFileSync(join(dest, "conda-meta", "history"), "utf8"), /update specs: .*libgreet=1\.0/);
    const vars = await ok(["env", "config", "vars", "list", "-n", "copy"]);
    assert.match(vars.stdout, /GREETING_STYLE\s*=\s*loud/);
  });

  test("by path: the package cache serves the archives, nothing is downloaded", async () => {
    const dest = join(w.home, "elsewhere", "copy2");
    const before = w.server.requests.length;
    await ok(["create", "-p", dest, "--clone", src, "-y", "-q"]);
    assert.deepEqual(records(dest), records(src));
    // No solve (no repodata) and no archive fetched: the channel saw no request at all.
    assert.deepEqual(w.server.requests.slice(before), []);
  });

  test("files no package owns are copied, with the source prefix rewritten in text files", async () => {
    mkdirSync(join(src, "etc", "local"), { recursive: true });
    writeFileSync(join(src, "etc", "local", "settings.sh"), `export DATA=${src}/share/data\n`);
    writeFileSync(join(src, "etc", "local", "blob.bin"), Buffer.from([0, 1, 2, 0]));
    const r = await ok(["create", "-n", "copyfiles", "--clone", "src", "-y"]);
    assert.match(r.stdout, /Packages: +2\nFiles: +2\n/);
    const dest = join(w.root, "envs", "copyfiles");
    assert.equal(
      readFileSync(join(dest, "etc", "local", "settings.sh"), "utf8"),
      `export DATA=${dest}/share/data\n`,
    );
    assert.deepEqual([...readFileSync(join(dest, "etc", "local", "blob.bin"))], [0, 1, 2, 0]);
    // Still exactly the source's packages; the extra files stay unowned.
    assert.deepEqual(records(dest), records(src));
    rmSync(join(src, "etc", "local"), { recursive: true });
  });

  test("a cached archive is re-fetched and checked against the record's hash", async () => {
    // A source whose record claims another sha256: the fetch must fail the hash check.
    await ok(["create", "-n", "tampered", "hello", "-y", "-q"]);
    const meta = join(w.root, "envs", "tampered", "conda-meta");
    const f = readdirSync(meta).find((n) => n.startsWith("hello-"))!;
    const rec = JSON.parse(readFileSync(join(meta, f), "utf8"));
    rec.sha256 = "0".repeat(64);
    delete rec.md5;
    writeFileSync(join(meta, f), JSON.stringify(rec));
    rmSync(w.pkgs, { recursive: true, force: true });
    const r = await w.taipan(["create", "-n", "copy3", "--clone", "tampered", "-y"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /sha256 mismatch/);
    assert.equal(readdirSync(join(w.root, "envs")).includes("copy3"), false);
  });

  test("records without a URL are refused with a hint", async () => {
    await ok(["create", "-n", "nourl", "libgreet", "-y", "-q"]);
    const meta = join(w.root, "envs", "nourl", "conda-meta");
    const f = readdirSync(meta).find((n) => n.startsWith("libgreet-"))!;
    const rec = JSON.parse(readFileSync(join(meta, f), "utf8"));
    delete rec.url;
    writeFileSync(join(meta, f), JSON.stringify(rec));
    const r = await w.taipan(["create", "-n", "copy4", "--clone", "nourl", "-y"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no URL/);
    assert.match(r.stderr, /libgreet-1\.1-0/);
    assert.match(r.stderr, /taipan install|export/);
  });

  test("an empty source clones to an empty environment", async () => {
    await ok(["create", "-n", "empty", "-y", "-q"]);
    await ok(["create", "-n", "emptycopy", "--clone", "empty", "-y", "-q"]);
    assert.deepEqual(records(join(w.root, "envs", "emptycopy")), []);
  });

  test("usage errors: specs with --clone, a missing source", async () => {
    const withSpecs = await w.taipan(["create", "-n", "copy5", "--clone", "src", "hello", "-y"]);
    assert.notEqual(withSpecs.code, 0);
    assert.match(withSpecs.stderr, /--clone takes no package specs/);
    const missing = await w.taipan(["create", "-n", "copy6", "--clone", "nosuchenv", "-y"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /nosuchenv/);
    const notEnv = await w.taipan(["create", "-n", "copy7", "--clone", w.home, "-y"]);
    assert.notEqual(notEnv.code, 0);
    assert.match(notEnv.stderr, /not a conda environment/);
  });
});
