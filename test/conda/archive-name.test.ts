import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  assertValidBuildString,
  assertValidPackageName,
  assertValidVersionString,
  buildStringProblem,
  InvalidPackageNameError,
  isValidArtifactExtension,
  isValidBuildString,
  isValidLabelName,
  isValidPackageName,
  isValidSubdirName,
  isValidVersionString,
  packageNameProblem,
  parseArchiveFilename,
  splitArchiveExtension,
  tryParseArchiveFilename,
  versionStringProblem,
} from "../../src/conda/archive-name.js";
import { TaipanError } from "../../src/conda/errors.js";
import { sharedData } from "../support/paths.js";

describe("parseArchiveFilename", () => {
  const ok: [string, string, string, string, string][] = [
    ["numpy-1.26.4-py311h64a7726_0.conda", "numpy", "1.26.4", "py311h64a7726_0", ".conda"],
    ["_libgcc_mutex-0.1-main.tar.bz2", "_libgcc_mutex", "0.1", "main", ".tar.bz2"],
    ["ca-certificates-2024.7.4-hbcca054_0.conda", "ca-certificates", "2024.7.4", "hbcca054_0", ".conda"],
    ["python-dateutil-2.8.2-pyhd3eb1b0_0.tar.bz2", "python-dateutil", "2.8.2", "pyhd3eb1b0_0", ".tar.bz2"],
    ["r-base-4.1.3-h0887e52_0.tar.bz2", "r-base", "4.1.3", "h0887e52_0", ".tar.bz2"],
    ["openssl-1!3.0.0-h0_0.conda", "openssl", "1!3.0.0", "h0_0", ".conda"],
    ["foo-1.0+local.1-0.conda", "foo", "1.0+local.1", "0", ".conda"],
  ];
  for (const [fn, name, version, build, ext] of ok) {
    it(fn, () => {
      const a = parseArchiveFilename(fn);
      assert.deepEqual(a, { name, version, build, ext, distName: `${name}-${version}-${build}`, fn });
    });
  }

  it("reduces paths and URLs to their last segment", () => {
    const a = parseArchiveFilename(
      "https://conda.anaconda.org/conda-forge/noarch/pip-24.0-pyhd8ed1ab_0.conda",
    );
    assert.equal(a.name, "pip");
    assert.equal(a.fn, "pip-24.0-pyhd8ed1ab_0.conda");
    assert.equal(parseArchiveFilename("C:\\pkgs\\zlib-1.2.11-0.tar.bz2").name, "zlib");
  });

  it("rejects names without .conda/.tar.bz2 or without three parts", () => {
    for (const bad of [
      "numpy-1.26.4-py311h64a7726_0.zip",
      "numpy-1.26.4-py311h64a7726_0",
      "numpy-1.26.4.conda",
      "numpy.conda",
      "-1.0-0.conda",
      "numpy--0.conda",
      "numpy-1.0-.conda",
      ".conda",
      "",
    ]) {
      assert.throws(
        () => parseArchiveFilename(bad),
        (e: unknown) => {
          assert.ok(e instanceof InvalidPackageNameError, bad);
          assert.ok(e instanceof TaipanError);
          assert.equal(e.code, "INVALID_PACKAGE_NAME");
          assert.equal(e.input, bad);
          assert.ok(e.message.includes(`'${bad}'`));
          return true;
        },
      );
      assert.equal(tryParseArchiveFilename(bad), undefined);
    }
  });

  it("validates parts against CEP 26 on request", () => {
    assert.equal(parseArchiveFilename("Foo-1.0-0.conda").name, "Foo");
    assert.throws(() => parseArchiveFilename("Foo-1.0-0.conda", { validate: true }), InvalidPackageNameError);
    assert.throws(() => parseArchiveFilename("foo-1.0-0#1.conda", { validate: true }), /build string/);
    assert.throws(() => parseArchiveFilename("foo-1.0 a-0.conda", { validate: true }), /version string/);
    assert.equal(parseArchiveFilename("foo-1.0-0.conda", { validate: true }).name, "foo");
  });

  it("splits extensions", () => {
    assert.deepEqual(splitArchiveExtension("a-1-0.tar.bz2"), ["a-1-0", ".tar.bz2"]);
    assert.deepEqual(splitArchiveExtension("a-1-0.conda"), ["a-1-0", ".conda"]);
    assert.deepEqual(splitArchiveExtension("a-1-0.json"), ["a-1-0.json", undefined]);
  });

  const MISFILED = new Set([
    "_dummy_anaconda_impl-1.0-0.tar.bz2",
    "_dummy_anaconda_impl-2.0-0.tar.bz2",
    "anaconda-custom-0.tar.bz2",
  ]);
  it("agrees with every filename key in the shared repodata", () => {
    let n = 0;
    const root = sharedData("channels");
    for (const ch of readdirSync(root))
      for (const sub of readdirSync(join(root, ch))) {
        const rd = JSON.parse(readFileSync(join(root, ch, sub, "repodata.json"), "utf8"));
        for (const key of ["packages", "packages.conda"])
          for (const [fn, rec] of Object.entries(
            (rd[key] ?? {}) as Record<string, Record<string, unknown>>,
          )) {
            const a = parseArchiveFilename(fn);
            n++;
            // conda's index.json test data holds three records deliberately filed under other names.
            if (MISFILED.has(fn)) continue;
            assert.equal(a.name, rec.name, fn);
            assert.equal(a.version, String(rec.version), fn);
            assert.equal(a.build, rec.build, fn);
          }
      }
    assert.ok(n > 19_000, `only ${n} filenames`);
  });
});

describe("CEP 26 validation", () => {
  it("package names", () => {
    for (const good of [
      "numpy",
      "_libgcc_mutex",
      "python-dateutil",
      "r-base",
      "a",
      "7zip",
      "x.y_z-1",
      "__glibc",
      "__cuda",
    ])
      assert.ok(isValidPackageName(good), good);
    const bad: [string, RegExp][] = [
      ["", /empty/],
      ["NumPy", /lowercase/],
      ["num py", /only lowercase/],
      ["a__b", /two separators/],
      ["a-.b", /two separators/],
      ["-abc", /start/],
      [".abc", /start/],
      ["__", /virtual/],
      ["___x", /virtual/],
      ["a".repeat(65), /64/],
      ["numpy=1", /only lowercase/],
    ];
    for (const [name, why] of bad) {
      assert.match(packageNameProblem(name) ?? "", why, name);
      assert.ok(!isValidPackageName(name));
    }
    assert.throws(
      () => assertValidPackageName("NumPy"),
      (e: unknown) => e instanceof InvalidPackageNameError && !!e.hint,
    );
    assert.doesNotThrow(() => assertValidPackageName("numpy"));
  });

  it("version strings", () => {
    for (const good of ["1.0", "1!2.0", "1.0+local_1", "2024a", "1.0.post1", "0"])
      assert.ok(isValidVersionString(good), good);
    for (const bad of ["", "1.0 1", "1.0-1", "R15B01", "1.*", ">=1", "1".repeat(65)]) {
      assert.ok(versionStringProblem(bad), bad);
      assert.throws(() => assertValidVersionString(bad), InvalidPackageNameError);
    }
  });

  it("build strings", () => {
    for (const good of ["0", "py311h64a7726_0", "hbcca054_0", "main", "cuda12.1+cudnn", "H_A.B"])
      assert.ok(isValidBuildString(good), good);
    for (const bad of ["", "py 3", "a-b", "a*", "x".repeat(65)]) {
      assert.ok(buildStringProblem(bad), bad);
      assert.throws(() => assertValidBuildString(bad), InvalidPackageNameError);
    }
  });

  it("subdirs, extensions and labels", () => {
    for (const s of ["noarch", "linux-64", "osx-arm64", "emscripten-wasm32", "zos-z"])
      assert.ok(isValidSubdirName(s), s);
    for (const s of ["linux", "Linux-64", "linux-64-x", "linux_64", `a-${"b".repeat(31)}`])
      assert.ok(!isValidSubdirName(s), s);
    for (const e of ["conda", "tar.bz2", "whl"]) assert.ok(isValidArtifactExtension(e), e);
    for (const e of [".conda", "tar..bz2", "conda.", "Conda", "a".repeat(17)])
      assert.ok(!isValidArtifactExtension(e), e);
    for (const l of ["main", "dev", "gcc7/rc", "cf_2024.01"]) assert.ok(isValidLabelName(l), l);
    for (const l of ["", "1dev", "a b", "_x"]) assert.ok(!isValidLabelName(l), l);
  });
});
