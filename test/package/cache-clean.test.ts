// The package-cache half of `clean`, called as a library: what it finds and what it removes.
import assert from "node:assert/strict";
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  countFindings,
  findIndexCaches,
  findTarballs,
  findUnusedPackages,
  removeFindings,
  removeIndexCaches,
  removePackage,
  removeTarball,
} from "../../src/package/cache-clean.js";

let root: string;
let pkgs: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "cache-clean-"));
  pkgs = join(root, "pkgs");
  mkdirSync(pkgs);
  writeFileSync(join(pkgs, "a-1.0-0.conda"), "12345");
  writeFileSync(join(pkgs, "b-2.0-0.tar.bz2"), "123");
  writeFileSync(join(pkgs, "c-1.0-0.conda.partial-99-ab"), "1");
  writeFileSync(join(pkgs, "urls.txt"), "x\n");
  for (const name of ["a-1.0-0", "b-2.0-0", "linked-1.0-0", "recorded-1.0-0"]) {
    mkdirSync(join(pkgs, name, "info"), { recursive: true });
    writeFileSync(join(pkgs, name, "info", "index.json"), "{}");
    writeFileSync(join(pkgs, name, "data.txt"), "abcdef");
  }
  mkdirSync(join(pkgs, "no-info-dir"));
  mkdirSync(join(pkgs, ".a-1.0-0.extracting"));
  // An environment hard-linked this one's file: in use even though no record names it.
  mkdirSync(join(root, "env"));
  linkSync(join(pkgs, "linked-1.0-0", "data.txt"), join(root, "env", "data.txt"));
  mkdirSync(join(pkgs, "cache"));
  writeFileSync(join(pkgs, "cache", "abc.json"), "1234567890");
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("package cache clean", () => {
  test("finds archives and partial downloads with their sizes", async () => {
    const f = await findTarballs([pkgs]);
    assert.deepEqual(f.pkg_sizes, {
      [pkgs]: { "a-1.0-0.conda": 5, "b-2.0-0.tar.bz2": 3, "c-1.0-0.conda.partial-99-ab": 1 },
    });
    assert.equal(f.total_size, 9);
    assert.equal(countFindings(f), 3);
  });

  test("unused packages leave out hard-linked, in-use, info-less and in-flight dirs", async () => {
    const f = await findUnusedPackages([pkgs], new Set([join(pkgs, "recorded-1.0-0")]));
    assert.deepEqual(Object.keys(f.pkg_sizes[pkgs] ?? {}).sort(), ["a-1.0-0", "b-2.0-0"]);
    assert.equal(f.total_size, 2 * (2 + 6));
  });

  test("removes what it found, under the cache locks", async () => {
    const tarballs = await findTarballs([pkgs]);
    const r = await removeFindings(tarballs, removeTarball);
    assert.deepEqual(r, { freed: 9, skipped: [] });
    const packages = await findUnusedPackages([pkgs], new Set([join(pkgs, "recorded-1.0-0")]));
    const p = await removeFindings(packages, removePackage);
    assert.equal(p.skipped.length, 0);
    assert.ok(existsSync(join(pkgs, "linked-1.0-0")), "a hard-linked package stays");
    assert.ok(existsSync(join(pkgs, "recorded-1.0-0")), "a package an environment records stays");
    const caches = await findIndexCaches([pkgs]);
    assert.deepEqual(caches, { files: [join(pkgs, "cache")], total_size: 10 });
    assert.equal(await removeIndexCaches(caches), 10);
    assert.deepEqual(
      readdirSync(pkgs)
        .filter((n) => !n.startsWith("."))
        .sort(),
      ["linked-1.0-0", "no-info-dir", "recorded-1.0-0", "urls.txt"],
    );
  });
});
