import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { CorruptArchiveError } from "../../src/package/errors.js";
import { extractPackage } from "../../src/package/extract.js";
import { hashFile } from "../../src/package/hash.js";
import { readPackageInfo } from "../../src/package/package-info.js";
import { sharedData } from "../support/paths.js";
import { describeTree } from "./tree.js";

const run = promisify(execFile);

async function archivesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (d.isFile() && (d.name.endsWith(".conda") || d.name.endsWith(".tar.bz2")))
      out.push(join(d.parentPath ?? d.path, d.name));
  }
  return out.sort();
}

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "taipan-extract-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("extractPackage on real packages agrees with Debian's cph", () => {
  it("gives the same files, hashes, exec bits and symlinks for every archive cph can extract", async () => {
    const archives = await archivesUnder(sharedData("packages"));
    assert.ok(archives.length > 50, `expected the shared packages, found ${archives.length}`);
    let compared = 0;
    const cphFailed: string[] = [];
    for (const [i, a] of archives.entries()) {
      const ours = join(tmp, `ours-${i}`);
      const theirs = join(tmp, `cph-${i}`);
      let cphOk = true;
      try {
        await run("cph", ["extract", a, "--dest", theirs]);
        await readdir(theirs);
      } catch {
        cphOk = false;
      }
      if (!cphOk) {
        cphFailed.push(basename(a));
        continue;
      }
      await extractPackage(a, ours);
      assert.deepEqual(await describeTree(ours), await describeTree(theirs), basename(a));
      compared++;
    }
    assert.ok(compared >= 50, `compared ${compared}`);
    // cph itself cannot read these: the unix zlib .conda files have symlinks with empty targets,
    // ca-certificates was zipped with a directory prefix and info-only has no pkg part (both of which
    // taipan accepts, like rattler).
    assert.deepEqual(cphFailed.sort(), [
      "ca-certificates-2024.7.4-hbcca054_0.conda",
      "info-only-1.0.0-0.conda",
      "zlib-1.2.11-h1de35cc_3.conda",
      "zlib-1.2.11-h7b6447c_3.conda",
    ]);
  });

  it("extracts the zipped-with-a-prefix ca-certificates .conda", async () => {
    const r = await extractPackage(
      sharedData("packages", "rattler", "real", "ca-certificates-2024.7.4-hbcca054_0.conda"),
      join(tmp, "ca"),
    );
    assert.ok(r.files.includes("ssl/cacert.pem"));
    assert.ok(r.files.includes("info/index.json"));
  });

  it("reports the zlib .conda's empty symlink target as corruption naming the entry", async () => {
    const dest = join(tmp, "zlib-conda");
    await assert.rejects(
      extractPackage(
        sharedData("packages", "conda-format-repo", "linux-64", "zlib-1.2.11-h7b6447c_3.conda"),
        dest,
      ),
      (e: unknown) =>
        e instanceof CorruptArchiveError && e.entry === "lib/libz.so.1" && /zlib-1\.2\.11/.test(e.message),
    );
    await assert.rejects(readdir(dest), { code: "ENOENT" });
  });

  it("matches the hashes in the channel's repodata.json for both formats", async () => {
    let checked = 0;
    for (const subdir of ["linux-64", "osx-64", "win-64", "win-32"]) {
      const dir = sharedData("packages", "conda-format-repo", subdir);
      const repodata = JSON.parse(await readFile(join(dir, "repodata.json"), "utf8"));
      for (const [fn, rec] of Object.entries<{ sha256?: string; md5: string; size: number }>({
        ...repodata.packages,
        ...repodata["packages.conda"],
      })) {
        if (!(await readdir(dir)).includes(fn)) continue; // the repodata lists more builds than were copied
        checked++;
        const d = await hashFile(join(dir, fn));
        assert.equal(d.md5, rec.md5, fn);
        assert.equal(d.size, rec.size, fn);
        if (rec.sha256) assert.equal(d.sha256, rec.sha256, fn);
      }
    }
    assert.equal(checked, 8);
  });
});

describe("readPackageInfo", () => {
  it("reads only info/ of a .conda and gives the same metadata as the .tar.bz2 of the same build", async () => {
    const dir = sharedData("packages", "conda-format-repo", "linux-64");
    const a = await readPackageInfo(join(dir, "zlib-1.2.11-h7b6447c_3.conda"));
    const b = await readPackageInfo(join(dir, "zlib-1.2.11-h7b6447c_3.tar.bz2"));
    assert.equal(a.index.name, "zlib");
    assert.equal(a.index.version, "1.2.11");
    assert.deepEqual(a.index, b.index);
    assert.deepEqual(a.paths, b.paths);
    assert.deepEqual(a.files, b.files);
    assert.ok(a.hasPrefix && a.hasPrefix.length > 0);
    assert.ok([...a.raw.keys()].every((k) => k.startsWith("info/")));
  });

  it("gives link.json of a noarch python package", async () => {
    const i = await readPackageInfo(
      sharedData("packages", "conda-test-recipes", "noarch", "sample_noarch_python-1.0-py_0.conda"),
    );
    assert.equal(i.index.noarch, "python");
    assert.ok(i.linkJson);
    assert.deepEqual(i.files, ["site-packages/sample.py"]);
  });
});
