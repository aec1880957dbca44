// `taipan clean` over a real package cache filled by real installs from a channel on 127.0.0.1.
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { withArtifactLock } from "../../src/package/artifact-lock.js";
import { type CliWorld, createCliWorld } from "./cli-channel-fixture.js";

let w: CliWorld;
before(async () => {
  w = await createCliWorld("clean");
});
after(async () => {
  await w?.close();
});

const ok = (args: string[]) => w.ok(args);

const cacheEntries = () =>
  readdirSync(w.pkgs)
    .filter((n) => !n.startsWith(".") && n !== "urls.txt")
    .sort();

describe("taipan clean", () => {
  test("without a target it is a usage error", async () => {
    const r = await w.taipan(["clean"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--all, --tarballs, --packages, --index-cache/);
  });

  test("removes tarballs, the index cache and unused packages; keeps what environments use", async () => {
    // keep: greet-activate → hello, libgreet 1.1 (hello's and libgreet's files are copied for prefix
    // replacement, so only conda-meta shows they are in use); gone: libgreet 1.0 and dependency,
    // whose environment was removed.
    await ok(["create", "-n", "keep", "-y", "-q", "greet-activate"]);
    await ok(["create", "-n", "gone", "-y", "-q", "libgreet=1.0", "dependency"]);
    await ok(["env", "remove", "-n", "gone", "-q"]);
    // A download a killed process left behind.
    writeFileSync(join(w.pkgs, "dependent-1.0-0.conda.partial-999-abcd"), "half");
    assert.ok(existsSync(join(w.pkgs, "cache")), "the HTTP channel filled the index cache");

    const dry = JSON.parse(await ok(["clean", "--all", "--dry-run", "--json"]));
    assert.equal(dry.success, true);
    assert.deepEqual(Object.keys(dry.tarballs.pkg_sizes), [w.pkgs]);
    assert.deepEqual(Object.keys(dry.tarballs.pkg_sizes[w.pkgs]).sort(), [
      "dependency-1.0-0.conda",
      "dependent-1.0-0.conda.partial-999-abcd",
      "greet-activate-1.0-0.conda",
      "hello-1.0-0.conda",
      "libgreet-1.0-0.conda",
      "libgreet-1.1-0.conda",
    ]);
    assert.deepEqual(Object.keys(dry.packages.pkg_sizes[w.pkgs]).sort(), [
      "dependency-1.0-0",
      "libgreet-1.0-0",
    ]);
    assert.ok(dry.packages.total_size > 0);
    assert.deepEqual(dry.index_cache.files, [join(w.pkgs, "cache")]);
    const before = cacheEntries();
    assert.ok(before.includes("libgreet-1.0-0"), "a dry run removes nothing");

    const human = await ok(["clean", "--all", "--dry-run"]);
    assert.match(human, /^Will remove 6 \(.+\) tarball\(s\)\.$/m);
    assert.match(human, /^Will remove 2 \(.+\) package\(s\)\.$/m);
    assert.deepEqual(cacheEntries(), before);

    const done = JSON.parse(await ok(["clean", "--all", "-y", "--json"]));
    assert.equal(done.freed, dry.tarballs.total_size + dry.packages.total_size + dry.index_cache.total_size);
    assert.deepEqual(cacheEntries(), ["greet-activate-1.0-0", "hello-1.0-0", "libgreet-1.1-0"]);

    // The environment still works, and a new one from the same cache needs no package download.
    assert.match(await ok(["run", "-n", "keep", "hello"]), /libgreet 1\.1/);
    w.server.requests.length = 0;
    await ok(["create", "-n", "again", "-y", "-q", "greet-activate"]);
    assert.deepEqual(
      w.server.requests.filter((p) => p.endsWith(".conda")),
      [],
      "every package came from the extracted cache",
    );
    assert.match(await ok(["run", "-n", "again", "hello"]), /hello 1\.0/);

    const nothing = await ok(["clean", "--packages", "--tarballs"]);
    assert.match(nothing, /There are no unused tarball\(s\) to remove\./);
    assert.match(nothing, /There are no unused package\(s\) to remove\./);
  });

  test("a package another process holds the lock of is kept", async () => {
    await ok(["create", "-n", "tmp", "-y", "-q", "dependency"]);
    await ok(["env", "remove", "-n", "tmp", "-q"]);
    assert.ok(cacheEntries().includes("dependency-1.0-0"));
    const r = await withArtifactLock(join(w.pkgs, "dependency-1.0-0.conda"), () =>
      w.taipan(["clean", "--packages", "-y"]),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /kept .*dependency-1\.0-0: another process is using it/);
    assert.ok(cacheEntries().includes("dependency-1.0-0"));
    // Once the lock is free, the next clean removes it.
    await ok(["clean", "--packages", "-y", "-q"]);
    assert.ok(!cacheEntries().includes("dependency-1.0-0"));
  });

  test("a package a pending transaction links from is kept", async () => {
    await ok(["create", "-n", "tmp2", "-y", "-q", "dependency"]);
    await ok(["env", "remove", "-n", "tmp2", "-q"]);
    await ok(["create", "-n", "pending", "-y", "-q"]);
    const journal = join(w.root, "envs", "pending", "conda-meta", ".taipan-transaction.json");
    const step = {
      kind: "link",
      fileName: "dependency-1.0-0.json",
      extractedDir: join(w.pkgs, "dependency-1.0-0"),
    };
    writeFileSync(
      journal,
      `${JSON.stringify({ version: 1, steps: [{ ...step, record: {}, targets: [] }] })}\n`,
    );
    const dry = JSON.parse(await ok(["clean", "--packages", "--dry-run", "--json"]));
    assert.deepEqual(dry.packages.pkg_sizes, {});
    rmSync(journal);
    const now = JSON.parse(await ok(["clean", "--packages", "--dry-run", "--json"]));
    assert.deepEqual(Object.keys(now.packages.pkg_sizes[w.pkgs]), ["dependency-1.0-0"]);
  });
});
