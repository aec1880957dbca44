import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { PackageRecord } from "../../src/conda/package-record.js";
import {
  formatCondaLock,
  isLockFileName,
  LockFileError,
  LockSelectionError,
  LockUnsupportedPackagesError,
  looksLikeLockText,
  parseLockFile,
  readLockFile,
  selectLockedPackages,
} from "../../src/env/lockfile/index.js";
import { readSpecInput } from "../../src/env/spec-input.js";
import { sharedData } from "../support/paths.js";

const ROOT = sharedData("lockfiles", "rattler", "conda-lock");
const lock = (...p: string[]) => join(ROOT, ...p);

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
}

describe("lock files: reading every file in the shared data", () => {
  test("each parses with its declared version and format, or is refused as too new", () => {
    const files = walk(ROOT);
    assert.ok(files.length >= 40, `found ${files.length} lock files`);
    for (const f of files) {
      if (f.endsWith("forward-compatible-lock.yml")) {
        assert.throws(
          () => readLockFile(f),
          (e: unknown) => e instanceof LockFileError && /version 1000/.test(e.message),
        );
        continue;
      }
      const l = readLockFile(f);
      const dirVersion = Number(/\/v(\d)\//.exec(f)![1]);
      // v0/ holds conda-lock files that declare `version: 1` at the end of the file.
      assert.equal(l.version, dirVersion === 0 ? 1 : dirVersion, f);
      assert.equal(l.format, l.version <= 3 ? "conda-lock" : "pixi", f);
      assert.ok(l.environments.size >= 1, f);
      for (const env of l.environments.values())
        for (const [platform, pkgs] of env.packages) {
          assert.ok(l.platforms.includes(platform), `${f}: ${platform}`);
          for (const p of pkgs) {
            if (p.kind !== "conda") continue;
            assert.match(p.url, /^(https?|file):\/\//, f);
            assert.ok(p.name && p.version && p.build, `${f}: ${p.url}`);
            assert.ok(p.sha256 || p.md5 || l.version === 6 || l.version === 7, `${f}: ${p.url} has no hash`);
          }
        }
    }
  });

  test("every environment and platform without source builds becomes an explicit list with hashes", () => {
    let selections = 0;
    for (const f of walk(ROOT)) {
      if (f.endsWith("forward-compatible-lock.yml")) continue;
      const l = readLockFile(f);
      for (const env of l.environments.values())
        for (const [platform, pkgs] of env.packages) {
          if (pkgs.some((p) => p.kind === "source")) continue;
          const s = selectLockedPackages(l, f, { environment: env.name, platform });
          const conda = pkgs.filter((p) => p.kind === "conda");
          assert.equal(s.explicit.packages.length, conda.length, `${f} ${env.name} ${platform}`);
          assert.equal(s.warnings.length, pkgs.length > conda.length ? 1 : 0);
          for (const e of s.explicit.packages)
            assert.ok(e.sha256 || e.md5 || l.version >= 6, `${f}: ${e.url}`);
          selections++;
        }
    }
    assert.ok(selections >= 60, `${selections} selections`);
  });

  test("conda-lock v1 and pixi v4 of the same solve hold the same conda packages", () => {
    const a = selectLockedPackages(readLockFile(lock("v0", "python-conda-lock.yml")), "a", {
      platform: "linux-64",
    });
    const b = selectLockedPackages(readLockFile(lock("v4", "python-lock.yml")), "b", {
      platform: "linux-64",
    });
    assert.equal(a.explicit.packages.length, 22);
    const urls = (s: typeof a) => s.explicit.packages.map((p) => `${p.url}#${p.md5}#${p.sha256}`).sort();
    assert.deepEqual(urls(a), urls(b));
    const mutex = a.explicit.packages.find((p) => p.name === "_openmp_mutex")!;
    assert.equal(mutex.build, "2_gnu");
    assert.equal(mutex.md5, "73aaf86a425cc6e73fcf236a5a46396d");
    assert.match(mutex.sha256 ?? "", /^[0-9a-f]{64}$/);
  });

  test("conda-lock dependencies (a name → constraint map) become match specs", () => {
    const l = readLockFile(lock("v0", "pypi-matplotlib-conda-lock.yml"));
    const pkgs = l.environments.get("default")!.packages.get("linux-64")!;
    const omp = pkgs.find((p) => p.kind === "conda" && p.name === "_openmp_mutex");
    assert.ok(omp?.kind === "conda");
    assert.deepEqual(omp.depends, ["_libgcc_mutex 0.1 conda_forge", "libgomp >=7.5.0"]);
  });

  test("pixi v6/v7 references pick the entry by name/build/subdir, and v7 platform names map to subdirs", () => {
    const v6 = readLockFile(lock("v6", "conda-path-lock.yml"));
    assert.deepEqual([...v6.environments.keys()], ["default", "second"]);
    const win = v6.environments.get("default")!.packages.get("win-64")!;
    assert.deepEqual(
      win.map((p) => p.name),
      ["minimal-project", "a-python-project", "b-python-project"],
    );
    const v7 = readLockFile(lock("v7", "conda-path-lock.yml"));
    assert.equal(v7.platformSubdirs.get("linux-64-foobar"), "linux-64");
    assert.throws(
      () => selectLockedPackages(v7, "v7", { platform: "linux-64" }),
      (e: unknown) => e instanceof LockUnsupportedPackagesError && e.code === "LOCK_SOURCE_UNSUPPORTED",
    );
  });
});

describe("lock files: choosing an environment and platform", () => {
  test("a missing platform or environment is a typed error listing the available ones", () => {
    const l = readLockFile(lock("v4", "python-lock.yml"));
    assert.throws(
      () => selectLockedPackages(l, "python-lock.yml", { platform: "linux-s390x" }),
      (e: unknown) =>
        e instanceof LockSelectionError &&
        e.code === "LOCK_NO_PLATFORM" &&
        /linux-s390x/.test(e.message) &&
        /linux-64, linux-aarch64, linux-ppc64le, osx-64, osx-arm64, win-64/.test(e.message),
    );
    const opts = readLockFile(lock("v6", "options-lock.yml"));
    assert.throws(
      () => selectLockedPackages(opts, "options-lock.yml", { platform: "linux-64" }),
      (e: unknown) =>
        e instanceof LockSelectionError &&
        e.code === "LOCK_NO_ENVIRONMENT" &&
        /with-strategy/.test(e.message),
    );
  });

  test("pypi entries are a warning, or a typed error when the caller refuses them", () => {
    const l = readLockFile(lock("v4", "pypi-matplotlib-lock.yml"));
    const s = selectLockedPackages(l, "m.lock", { platform: "osx-64" });
    assert.equal(s.explicit.packages.length, 17);
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0]!, /12 pypi package\(s\) are not installable by taipan yet.*matplotlib==/);
    assert.throws(
      () => selectLockedPackages(l, "m.lock", { platform: "osx-64", pypi: "error" }),
      (e: unknown) =>
        e instanceof LockUnsupportedPackagesError && /not installable by taipan yet/.test(e.message),
    );
  });

  test("optional conda-lock categories are left out unless asked for", () => {
    const text = formatCondaLock(
      [
        rec("a", "1", "0", "https://x.org/ch/noarch/a-1-0.conda"),
        rec("b", "2", "0", "https://x.org/ch/noarch/b-2-0.conda"),
      ],
      { platform: "linux-64" },
    ).replace(/(name: b\n(?:.*\n)*?\s+category: )main\n(\s+optional: )false/, "$1dev\n$2true");
    const l = parseLockFile(text, "x.yml");
    assert.deepEqual(
      selectLockedPackages(l, "x", { platform: "linux-64" }).explicit.packages.map((p) => p.name),
      ["a"],
    );
    assert.deepEqual(
      selectLockedPackages(l, "x", { platform: "linux-64", categories: ["dev"] }).explicit.packages.map(
        (p) => p.name,
      ),
      ["a", "b"],
    );
  });
});

function rec(
  name: string,
  version: string,
  build: string,
  url: string,
  depends: string[] = [],
): PackageRecord {
  const r = new PackageRecord({ name, version, build, subdir: "noarch", fn: url.split("/").pop()! });
  r.url = url;
  r.md5 = "0123456789abcdef0123456789abcdef".slice(0, 31) + name.length;
  r.sha256 = `${"ab".repeat(31)}${name.length.toString(16).padStart(2, "0")}`;
  r.depends = depends;
  return r;
}

describe("lock files: writing conda-lock v1", () => {
  test("records → conda-lock v1 → parsed back are the same records", () => {
    const records = [
      rec("hello", "1.0", "0", "http://127.0.0.1:1/main/noarch/hello-1.0-0.conda", [
        "libgreet >=1.0",
        "python",
      ]),
      rec("libgreet", "1.1", "h0_1", "http://127.0.0.1:1/main/linux-64/libgreet-1.1-h0_1.tar.bz2", [
        "_libgcc_mutex 0.1 conda_forge",
      ]),
    ];
    const text = formatCondaLock(records, { platform: "linux-64" });
    assert.match(text, /^version: 1$/m);
    assert.match(text, /manager: conda/);
    assert.match(text, /category: main/);
    assert.ok(looksLikeLockText(text));
    const l = parseLockFile(text, "conda-lock.yml");
    assert.equal(l.format, "conda-lock");
    assert.deepEqual(l.platforms, ["linux-64"]);
    assert.deepEqual(l.environments.get("default")!.channels, ["http://127.0.0.1:1/main"]);
    const back = l.environments.get("default")!.packages.get("linux-64")!;
    assert.deepEqual(
      back.map((p) =>
        p.kind === "conda" ? [p.name, p.version, p.build, p.url, p.md5, p.sha256, p.depends] : p.kind,
      ),
      records.map((r) => [r.name, r.version, r.build, r.url, r.md5, r.sha256, r.depends]),
    );
  });

  test("a record without a URL cannot be locked", () => {
    const r = rec("a", "1", "0", "x");
    r.url = undefined as unknown as string;
    assert.throws(() => formatCondaLock([r], { platform: "linux-64" }), /without a URL: a/);
  });
});

describe("lock files: --file recognition", () => {
  test("names and content mark lock files; an environment.yml is not one", () => {
    assert.ok(isLockFileName("/x/conda-lock.yml"));
    assert.ok(isLockFileName("project.lock.yml"));
    assert.ok(isLockFileName("pixi.lock"));
    assert.ok(!isLockFileName("environment.yml"));
    assert.ok(!looksLikeLockText("name: x\nchannels: [a]\ndependencies: [python]\n"));
  });

  test("readSpecInput turns a pixi.lock into the explicit list for the chosen platform", () => {
    const dir = mkdtempSync(join(tmpdir(), "taipan-lock-"));
    try {
      const input = readSpecInput([lock("v4", "pypi-matplotlib-lock.yml")], [], { platform: "win-64" });
      assert.equal(input.specs.length, 0);
      assert.equal(input.explicit?.packages.length, 17);
      assert.equal(input.explicit?.platform, "win-64");
      assert.equal(input.lock?.environment, "default");
      assert.equal(input.warnings?.length, 1);
      // A relative archive path in a pixi.lock resolves against the lock file's directory.
      const f = join(dir, "pixi.lock");
      writeFileSync(
        f,
        "version: 6\nenvironments:\n  default:\n    channels: []\n    packages:\n      noarch:\n        - conda: ./pkgs/a-1-0.conda\npackages:\n  - conda: ./pkgs/a-1-0.conda\n    sha256: " +
          "ab".repeat(32) +
          "\n",
      );
      const local = readSpecInput([f], [], { platform: "noarch" });
      assert.equal(local.explicit?.packages[0]?.url, `file://${join(dir, "pkgs", "a-1-0.conda")}`);
      assert.equal(local.explicit?.packages[0]?.sha256, "ab".repeat(32));
      assert.throws(() => readSpecInput([f], ["python"], { platform: "noarch" }), /cannot be combined/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
