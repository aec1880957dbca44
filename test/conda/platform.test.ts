import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TaipanError } from "../../src/conda/errors.js";
import {
  currentSubdir,
  KNOWN_SUBDIRS,
  nativeSubdir,
  Platform,
  PlatformParseError,
  subdirFromNode,
  subdirInfo,
} from "../../src/conda/platform.js";

describe("Platform.parse", () => {
  // [subdir, os, arch, isUnix, isLinux, isOsx, isWindows]
  const table: [string, string | undefined, string | undefined, boolean, boolean, boolean, boolean][] = [
    ["noarch", undefined, undefined, false, false, false, false],
    ["linux-32", "linux", "x86", true, true, false, false],
    ["linux-64", "linux", "x86_64", true, true, false, false],
    ["linux-aarch64", "linux", "aarch64", true, true, false, false],
    ["linux-armv6l", "linux", "armv6l", true, true, false, false],
    ["linux-armv7l", "linux", "armv7l", true, true, false, false],
    ["linux-ppc64le", "linux", "ppc64le", true, true, false, false],
    ["linux-ppc64", "linux", "ppc64", true, true, false, false],
    ["linux-s390x", "linux", "s390x", true, true, false, false],
    ["linux-riscv32", "linux", "riscv32", true, true, false, false],
    ["linux-riscv64", "linux", "riscv64", true, true, false, false],
    ["osx-64", "osx", "x86_64", true, false, true, false],
    ["osx-arm64", "osx", "arm64", true, false, true, false],
    ["win-32", "win", "x86", false, false, false, true],
    ["win-64", "win", "x86_64", false, false, false, true],
    ["win-arm64", "win", "arm64", false, false, false, true],
    ["freebsd-64", "freebsd", "x86_64", true, false, false, false],
    ["emscripten-wasm32", "emscripten", "wasm32", true, false, false, false],
    ["wasi-wasm32", "wasi", "wasm32", false, false, false, false],
    ["zos-z", "zos", "z", false, false, false, false],
  ];
  for (const [subdir, os, arch, unix, linux, osx, win] of table) {
    it(subdir, () => {
      const p = Platform.parse(subdir);
      assert.equal(p.subdir, subdir);
      assert.equal(p.toString(), subdir);
      assert.equal(JSON.stringify(p), JSON.stringify(subdir));
      assert.equal(p.os, os);
      assert.equal(p.arch, arch);
      assert.equal(p.isUnix, unix);
      assert.equal(p.isLinux, linux);
      assert.equal(p.isOsx, osx);
      assert.equal(p.isWindows, win);
      assert.equal(p.isNoarch, subdir === "noarch");
    });
  }

  it("covers every known subdir and interns instances", () => {
    assert.equal(table.length, KNOWN_SUBDIRS.length);
    assert.equal(Platform.parse("linux-64"), Platform.parse("linux-64"));
    assert.equal(subdirInfo("osx-arm64"), Platform.parse("osx-arm64"));
    assert.deepEqual(
      Platform.all().map((p) => p.subdir),
      [...KNOWN_SUBDIRS],
    );
  });

  it("rejects unknown and mis-cased subdirs with a typed error", () => {
    for (const bad of ["linux", "linux-65", "Linux-64", " linux-64", "", "osx-aarch64", "win64"]) {
      assert.throws(
        () => Platform.parse(bad),
        (e: unknown) => {
          assert.ok(e instanceof PlatformParseError);
          assert.ok(e instanceof TaipanError);
          assert.equal(e.code, "INVALID_PLATFORM");
          assert.equal(e.input, bad);
          assert.match(e.message, new RegExp(`'${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}'`));
          assert.ok(e.hint && e.hint.length > 0);
          return true;
        },
      );
      assert.equal(Platform.tryParse(bad), undefined);
    }
    assert.match(
      (() => {
        try {
          Platform.parse("Linux-64");
        } catch (e) {
          return (e as TaipanError).hint ?? "";
        }
        return "";
      })(),
      /linux-64/,
    );
    assert.throws(() => Platform.parse(undefined as unknown as string), PlatformParseError);
  });
});

describe("subdir detection", () => {
  it("maps Node platform/arch pairs as conda names them", () => {
    const cases: [string, string, string | undefined, string | undefined][] = [
      ["linux", "x64", undefined, "linux-64"],
      ["linux", "ia32", undefined, "linux-32"],
      ["linux", "arm64", undefined, "linux-aarch64"],
      ["linux", "arm", "7", "linux-armv7l"],
      ["linux", "arm", "6", "linux-armv6l"],
      ["linux", "s390x", undefined, "linux-s390x"],
      ["linux", "riscv64", undefined, "linux-riscv64"],
      ["darwin", "x64", undefined, "osx-64"],
      ["darwin", "arm64", undefined, "osx-arm64"],
      ["win32", "x64", undefined, "win-64"],
      ["win32", "ia32", undefined, "win-32"],
      ["win32", "arm64", undefined, "win-arm64"],
      ["freebsd", "x64", undefined, "freebsd-64"],
      ["os390", "s390x", undefined, "zos-z"],
      ["sunos", "x64", undefined, undefined],
      ["linux", "mips", undefined, undefined],
      ["darwin", "ia32", undefined, undefined],
    ];
    for (const [plat, arch, armv, want] of cases)
      assert.equal(subdirFromNode(plat, arch, armv), want, `${plat}/${arch}`);
  });

  it("detects the host and honours CONDA_SUBDIR", () => {
    const native = nativeSubdir();
    assert.ok(KNOWN_SUBDIRS.includes(native));
    assert.equal(currentSubdir({}), native);
    assert.equal(currentSubdir({ CONDA_SUBDIR: "" }), native);
    assert.equal(currentSubdir({ CONDA_SUBDIR: "osx-arm64" }), "osx-arm64");
    assert.equal(Platform.current({ CONDA_SUBDIR: "win-64" }).subdir, "win-64");
    assert.equal(Platform.native().subdir, native);
    assert.throws(() => currentSubdir({ CONDA_SUBDIR: "linux-65" }), PlatformParseError);
  });

  it("CONDA_FORCE_32BIT turns a 64-bit x86 host into -32", () => {
    const native = nativeSubdir();
    const forced = currentSubdir({ CONDA_FORCE_32BIT: "1" });
    if (native === "linux-64" || native === "win-64") assert.equal(forced, native.replace("-64", "-32"));
    else assert.equal(forced, native);
    assert.equal(currentSubdir({ CONDA_FORCE_32BIT: "0" }), native);
  });
});
