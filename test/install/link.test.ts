import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PackageRecord } from "../../src/conda/package-record.js";
import { readPrefixRecords, writePrefixRecord } from "../../src/install/conda-meta.js";
import { LinkError, PaddingError } from "../../src/install/install-errors.js";
import { linkPackage, unlinkPackage } from "../../src/install/link.js";
import { pycPath, pythonInfoFor } from "../../src/install/noarch-python.js";
import { readPackageContents } from "../../src/install/package-contents.js";
import {
  emptyDirs,
  extractWithCph,
  fakePythonPackage,
  listTree,
  packagePath,
  pythonVersionOf,
  realPython,
  removeDir,
  sha256Of,
  tempDir,
} from "./fixtures.js";

const ZLIB = packagePath("conda-format-repo", "linux-64", "zlib-1.2.11-h7b6447c_3.tar.bz2");
const SAMPLE = packagePath("conda-test-recipes", "noarch", "sample_noarch_python-1.0-py_0.conda");
const PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3";

let root: string;
let pkgs: string;
before(() => {
  root = tempDir("link");
  pkgs = join(root, "pkgs");
});
after(() => removeDir(root));

describe("linking zlib (paths.json, placeholders, symlinks)", () => {
  it("hard-links plain files, copies and relocates the placeholder file, recreates symlinks", () => {
    const dir = extractWithCph(ZLIB, pkgs);
    const prefix = join(root, "env-zlib");
    const { prefixRecord, clobbers } = linkPackage(prefix, dir);
    assert.deepEqual(clobbers, []);
    const contents = readPackageContents(dir);
    // file list agrees with cph's extraction of the same archive
    assert.deepEqual(listTree(prefix), listTree(dir, ["info"]));
    assert.deepEqual(
      prefixRecord.files,
      contents.paths.map((p) => p._path),
    );

    const so = "lib/libz.so.1.2.11";
    assert.equal(statSync(join(prefix, so)).ino, statSync(join(dir, so)).ino, "plain files are hard links");
    assert.equal(statSync(join(prefix, so)).mode, statSync(join(dir, so)).mode);
    // this old Anaconda build stores its softlink entries as empty regular files: copied, as conda does
    assert.equal(lstatSync(join(dir, "lib/libz.so")).isSymbolicLink(), false);
    assert.equal(lstatSync(join(prefix, "lib/libz.so")).isFile(), true);
    assert.notEqual(statSync(join(prefix, "lib/libz.so")).ino, statSync(join(dir, "lib/libz.so")).ino);

    const pc = "lib/pkgconfig/zlib.pc";
    assert.notEqual(
      statSync(join(prefix, pc)).ino,
      statSync(join(dir, pc)).ino,
      "placeholder files are copies",
    );
    const text = readFileSync(join(prefix, pc), "utf8");
    assert.ok(text.includes(`prefix=${prefix}`));
    assert.ok(!text.includes(PLACEHOLDER));
    assert.ok(
      readFileSync(join(dir, pc), "utf8").includes(PLACEHOLDER),
      "the cache copy keeps its placeholder",
    );
    assert.equal(statSync(join(prefix, pc)).mode, statSync(join(dir, pc)).mode);

    const pcEntry = prefixRecord.paths.find((p) => p._path === pc);
    assert.equal(pcEntry?.prefix_placeholder, PLACEHOLDER);
    assert.equal(pcEntry?.file_mode, "text");
    assert.equal(pcEntry?.sha256_in_prefix, sha256Of(join(prefix, pc)));
    assert.notEqual(pcEntry?.sha256_in_prefix, pcEntry?.sha256);
    for (const p of prefixRecord.paths.filter((e) => e.path_type === "hardlink")) {
      assert.equal(p.sha256_in_prefix, sha256Of(join(prefix, p._path)), p._path);
    }
    assert.equal(prefixRecord.paths.find((p) => p._path === "lib/libz.so")?.path_type, "softlink");
  });

  it("falls back to info/files + has_prefix when paths.json is missing", () => {
    const dir = extractWithCph(ZLIB, pkgs);
    const legacy = join(root, "legacy", "zlib-1.2.11-h7b6447c_3");
    cpSync(dir, legacy, { recursive: true, verbatimSymlinks: true });
    rmSync(join(legacy, "info", "paths.json"));
    const a = readPackageContents(dir).paths;
    const b = readPackageContents(legacy).paths;
    assert.deepEqual(
      b.map((p) => [p._path, p.prefix_placeholder, p.file_mode]),
      a.map((p) => [p._path, p.prefix_placeholder, p.file_mode]),
    );
    // without paths.json the type comes from the extracted file: these "softlinks" are plain files here
    assert.ok(b.every((p) => p.path_type === "hardlink"));
    for (const p of a.filter((x) => x.path_type === "hardlink")) {
      assert.equal(b.find((x) => x._path === p._path)?.sha256, p.sha256, p._path);
    }
    writeFileSync(join(legacy, "info", "no_link"), "include/zlib.h\n");
    const prefix = join(root, "env-legacy");
    const { prefixRecord } = linkPackage(prefix, legacy);
    assert.ok(readFileSync(join(prefix, "lib/pkgconfig/zlib.pc"), "utf8").includes(prefix));
    assert.notEqual(
      statSync(join(prefix, "include/zlib.h")).ino,
      statSync(join(legacy, "include/zlib.h")).ino,
    );
    assert.equal(
      statSync(join(prefix, "include/zconf.h")).ino,
      statSync(join(legacy, "include/zconf.h")).ino,
    );
    assert.equal(prefixRecord.paths.find((p) => p._path === "include/zlib.h")?.no_link, true);
  });

  it("copies when the package cache is on another filesystem (EXDEV)", (t) => {
    if (!existsSync("/dev/shm") || statSync("/dev/shm").dev === statSync(root).dev) {
      t.skip("no second filesystem");
      return;
    }
    const shm = tempDir("link-shm", "/dev/shm");
    try {
      const dir = extractWithCph(ZLIB, shm);
      const prefix = join(root, "env-xdev");
      linkPackage(prefix, dir);
      const so = "lib/libz.so.1.2.11";
      assert.notEqual(statSync(join(prefix, so)).dev, statSync(join(dir, so)).dev);
      assert.equal(sha256Of(join(prefix, so)), sha256Of(join(dir, so)));
      assert.equal(statSync(join(prefix, so)).mode, statSync(join(dir, so)).mode);
    } finally {
      removeDir(shm);
    }
  });

  it("refuses a binary placeholder longer prefix, naming the file", () => {
    const dir = extractWithCph(ZLIB, pkgs);
    const bin = join(root, "binpkg", "bin-1.0-0");
    cpSync(dir, bin, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(bin, "lib", "libz.a"), Buffer.from(`x${PLACEHOLDER}/lib\0rest`));
    const paths = JSON.parse(readFileSync(join(bin, "info", "paths.json"), "utf8"));
    const e = paths.paths.find((p: { _path: string }) => p._path === "lib/libz.a");
    e.prefix_placeholder = PLACEHOLDER;
    e.file_mode = "binary";
    delete e.sha256;
    delete e.size_in_bytes;
    writeFileSync(join(bin, "info", "paths.json"), JSON.stringify(paths));
    assert.throws(() => linkPackage(join(root, `env-${"long".repeat(10)}`), bin), PaddingError);
    const short = join(root, "e");
    const { prefixRecord } = linkPackage(short, bin);
    const data = readFileSync(join(short, "lib", "libz.a"));
    assert.equal(data.length, 1 + PLACEHOLDER.length + 4 + 1 + 4);
    assert.ok(data.toString("latin1").startsWith(`x${short}/lib\0`));
    assert.equal(prefixRecord.paths.find((p) => p._path === "lib/libz.a")?.file_mode, "binary");
  });
});

describe("unlinking", () => {
  it("removes the files, empty directories and the conda-meta record", () => {
    const dir = extractWithCph(ZLIB, pkgs);
    const prefix = join(root, "env-unlink");
    const { prefixRecord } = linkPackage(prefix, dir);
    writePrefixRecord(prefix, prefixRecord);
    writeFileSync(join(prefix, "lib", "mine.txt"), "user file");
    const [pr] = readPrefixRecords(prefix);
    unlinkPackage(prefix, pr);
    assert.deepEqual(listTree(prefix), ["lib/mine.txt"]);
    assert.deepEqual(emptyDirs(prefix, ["conda-meta"]), []);
    assert.ok(existsSync(join(prefix, "conda-meta")));
  });
});

describe("noarch: python", () => {
  const exe = realPython();

  it("moves site-packages, writes entry points and compiles .pyc", (t) => {
    if (!exe) {
      t.skip("no python3 on this machine");
      return;
    }
    const version = pythonVersionOf(exe);
    const pyDir = fakePythonPackage(pkgs, version, exe);
    const prefix = join(root, "env-noarch");
    const py = linkPackage(prefix, pyDir);
    writePrefixRecord(prefix, py.prefixRecord);
    const python = pythonInfoFor(py.prefixRecord.record);

    const sample = extractWithCph(SAMPLE, pkgs);
    const withEp = join(root, "ep", "sample_ep-1.0-py_0");
    cpSync(sample, withEp, { recursive: true });
    writeFileSync(
      join(withEp, "site-packages", "sample.py"),
      "def main():\n    print('hello from sample')\n",
    );
    const paths = JSON.parse(readFileSync(join(withEp, "info", "paths.json"), "utf8"));
    delete paths.paths[0].sha256;
    delete paths.paths[0].size_in_bytes;
    writeFileSync(join(withEp, "info", "paths.json"), JSON.stringify(paths));
    writeFileSync(
      join(withEp, "info", "link.json"),
      JSON.stringify({ noarch: { type: "python", entry_points: ["sample-hello = sample:main"] } }),
    );
    const { prefixRecord } = linkPackage(prefix, withEp, { python });
    const mm = version.split(".").slice(0, 2).join(".");
    const sp = `lib/python${mm}/site-packages`;
    assert.ok(existsSync(join(prefix, sp, "sample.py")));
    const pyc = pycPath(`${sp}/sample.py`, mm);
    assert.match(pyc, /__pycache__\/sample\.cpython-\d+\.pyc$/);
    assert.ok(existsSync(join(prefix, pyc)), "pyc compiled");
    assert.deepEqual(
      prefixRecord.paths.map((p) => [p._path, p.path_type]),
      [
        [`${sp}/sample.py`, "hardlink"],
        ["bin/sample-hello", "unix_python_entry_point"],
        [pyc, "pyc_file"],
      ],
    );
    const script = readFileSync(join(prefix, "bin", "sample-hello"), "utf8");
    assert.ok(script.startsWith(`#!${prefix}/bin/python\n`));
    assert.ok(script.includes("from sample import main"));
    assert.equal(statSync(join(prefix, "bin", "sample-hello")).mode & 0o111, 0o111);
    // the entry point runs with the prefix's python
    // (bin/python is a symlink to the machine's python, whose sys.prefix is elsewhere: point it at site-packages)
    const out = execFileSync(join(prefix, "bin", "sample-hello"), {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: join(prefix, sp) },
    });
    assert.equal(out.trim(), "hello from sample");

    writePrefixRecord(prefix, prefixRecord);
    unlinkPackage(prefix, prefixRecord);
    assert.ok(!existsSync(join(prefix, sp, "__pycache__")), "pyc and empty __pycache__ removed");
    assert.ok(!existsSync(join(prefix, "bin", "sample-hello")));
    assert.ok(existsSync(join(prefix, "bin", "python")));
  });

  it("maps python-scripts/ to bin/", () => {
    const sample = extractWithCph(SAMPLE, pkgs);
    const dir = join(root, "scripts", "with_scripts-1.0-py_0");
    cpSync(sample, dir, { recursive: true });
    mkdirSync(join(dir, "python-scripts"));
    writeFileSync(join(dir, "python-scripts", "tool"), "#!/usr/bin/env python\n", { mode: 0o755 });
    writeFileSync(
      join(dir, "info", "paths.json"),
      JSON.stringify({
        paths_version: 1,
        paths: [
          { _path: "python-scripts/tool", path_type: "hardlink" },
          { _path: "site-packages/sample.py", path_type: "hardlink" },
        ],
      }),
    );
    const python = pythonInfoFor(PackageRecord.fromJson({ name: "python", version: "3.12.1", build: "0" }));
    const prefix = join(root, "env-scripts");
    const { prefixRecord } = linkPackage(prefix, dir, { python });
    assert.deepEqual(prefixRecord.files, ["bin/tool", "lib/python3.12/site-packages/sample.py"]);
    assert.equal(statSync(join(prefix, "bin", "tool")).mode & 0o111, 0o111);
  });

  it("uses python_site_packages_path of the python record (CEP 17)", () => {
    const rec = PackageRecord.fromJson({
      name: "python",
      version: "3.13.0",
      build: "h_cp313t",
      python_site_packages_path: "lib/python3.13t/site-packages",
    });
    const python = pythonInfoFor(rec);
    const sample = extractWithCph(SAMPLE, pkgs);
    const prefix = join(root, "env-cep17");
    const { prefixRecord } = linkPackage(prefix, sample, { python });
    assert.deepEqual(prefixRecord.files, ["lib/python3.13t/site-packages/sample.py"]);
    assert.ok(existsSync(join(prefix, "lib/python3.13t/site-packages/sample.py")));
  });

  it("needs a python in the prefix", () => {
    const sample = extractWithCph(SAMPLE, pkgs);
    assert.throws(() => linkPackage(join(root, "env-nopy"), sample), /has no python/);
  });
});

describe("clobbering", () => {
  it("refuses to replace a non-empty directory with a file", () => {
    const withDir = extractWithCph(
      packagePath("rattler", "clobber", "clobber-with-dir-0.1.0-h4616a5c_0.conda"),
      pkgs,
    );
    const withoutDir = extractWithCph(
      packagePath("rattler", "clobber", "clobber-without-dir-0.1.0-h4616a5c_0.conda"),
      pkgs,
    );
    const prefix = join(root, "env-dir-conflict");
    linkPackage(prefix, withDir);
    assert.throws(
      () => linkPackage(prefix, withoutDir),
      (e: unknown) => e instanceof LinkError && /'.*\/dir'/.test(e.message),
    );
    assert.ok(existsSync(join(prefix, "dir", "clobber.txt")), "the other package's file survives");
  });

  it("reports files another package owns; the later package wins", () => {
    const a = extractWithCph(packagePath("rattler", "clobber", "clobber-1-0.1.0-h4616a5c_0.tar.bz2"), pkgs);
    const b = extractWithCph(packagePath("rattler", "clobber", "clobber-2-0.1.0-h4616a5c_0.tar.bz2"), pkgs);
    const prefix = join(root, "env-clobber");
    const owners = new Map<string, string>();
    const ra = linkPackage(prefix, a, { owners });
    assert.deepEqual(ra.clobbers, []);
    for (const f of ra.prefixRecord.files) owners.set(f, ra.prefixRecord.record.distName);
    const rb = linkPackage(prefix, b, { owners });
    assert.deepEqual(rb.clobbers.map((c) => [c.path, c.previousOwner, c.newOwner]).sort(), [
      ["another-clobber.txt", "clobber-1-0.1.0-h4616a5c_0", "clobber-2-0.1.0-h4616a5c_0"],
      ["clobber.txt", "clobber-1-0.1.0-h4616a5c_0", "clobber-2-0.1.0-h4616a5c_0"],
    ]);
    assert.equal(
      readFileSync(join(prefix, "clobber.txt"), "utf8"),
      readFileSync(join(b, "clobber.txt"), "utf8"),
    );
  });
});
