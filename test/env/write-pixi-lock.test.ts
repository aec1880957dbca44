// The pixi.lock writer (version 6): it must reproduce files rattler_lock itself wrote (same keys,
// order and omissions), read back through taipan's own pixi reader, and handle noarch packages,
// md5-only records, credentials in URLs and empty environments the way pixi does.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { TaipanError } from "../../src/conda/errors.js";
import {
  formatPixiLock,
  parseLockFile,
  type PixiLockableRecord,
  selectLockedPackages,
} from "../../src/env/lockfile/index.js";
import { sharedData } from "../support/paths.js";

const V6 = (name: string) => sharedData("lockfiles", "rattler", "conda-lock", "v6", name);
type Obj = Record<string, unknown>;

const SHA = (c: string) => c.repeat(64);
const MD5 = (c: string) => c.repeat(32);

function rec(url: string, extra: Partial<PixiLockableRecord> = {}): PixiLockableRecord {
  const m = /\/([^/]+)\/([^/]+)-([^-]+)-([^-]+)\.(conda|tar\.bz2)$/.exec(url)!;
  return {
    name: m[2]!,
    version: m[3]!,
    build: m[4]!,
    build_number: Number(/(\d+)$/.exec(m[4]!)?.[1] ?? 0),
    subdir: m[1]!,
    url,
    sha256: SHA("a"),
    md5: MD5("b"),
    depends: [],
    ...extra,
  };
}

/**
 * The records a conda-meta would hold for the packages of a lock rattler wrote: identity from the
 * URL (what those real conda-forge builds are), the rest copied from the entry.
 */
function recordsOfRattlerLock(doc: Obj): PixiLockableRecord[] {
  return (doc.packages as Obj[]).map((e) => {
    const url = String(e.conda);
    const r = rec(url, {
      sha256: e.sha256 as string,
      md5: e.md5 as string,
      depends: (e.depends as string[]) ?? [],
      constrains: (e.constrains as string[]) ?? [],
      license: e.license as string | undefined,
      license_family: e.license_family as string | undefined,
      purls: e.purls as string[] | undefined,
      size: e.size as number | undefined,
      timestamp: e.timestamp as number | undefined,
    });
    if (e.build_number !== undefined) r.build_number = Number(e.build_number);
    if (r.subdir === "noarch") r.noarch = "generic"; // tzdata, the only one
    return r;
  });
}

describe("formatPixiLock: what rattler_lock writes", () => {
  test("reproduces rattler's own v6 lock (python from conda-forge, osx-arm64) byte for byte", () => {
    const text = readFileSync(V6("python-from-conda-only-lock.yml"), "utf8");
    const doc = parseYaml(text) as Obj;
    const records = recordsOfRattlerLock(doc);
    // rattler writes build_number only where the build string does not end in it (python's 101)
    assert.ok(records.some((r) => r.name === "python" && r.build_number === 101));
    // input order must not matter
    const shuffled = [...records].reverse();
    assert.equal(formatPixiLock(shuffled, { platform: "osx-arm64" }), text);
  });

  test("an empty environment is written as pixi writes one (packages: {} and packages: [])", () => {
    const text = readFileSync(V6("empty-lock.yml"), "utf8");
    assert.equal(
      formatPixiLock([], { platform: "linux-64", channels: ["https://prefix.dev/conda-forge"] }),
      text,
    );
    const out = formatPixiLock([], { platform: "linux-64" });
    assert.equal(
      out,
      "version: 6\nenvironments:\n  default:\n    channels: []\n    packages: {}\npackages: []\n",
    );
    const lock = parseLockFile(out, "pixi.lock");
    assert.equal(lock.environments.get("default")!.packages.size, 0);
  });

  test("top-level keys and entry keys come in rattler's order", () => {
    const out = formatPixiLock(
      [
        rec("https://c.example/ch/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2", {
          build_number: 4,
          depends: ["libgcc-ng >=7.3.0"],
          constrains: ["zlib-static 1.2.11"],
          license: "Zlib",
          license_family: "Other",
          size: 123,
          timestamp: 1_600_000_000_123,
          track_features: ["tf"],
          features: ["feat"],
        }),
      ],
      { platform: "linux-64" },
    );
    const doc = parseYaml(out) as Obj;
    assert.deepEqual(Object.keys(doc), ["version", "environments", "packages"]);
    const entry = (doc.packages as Obj[])[0]!;
    assert.deepEqual(Object.keys(entry), [
      "conda",
      "build_number",
      "sha256",
      "md5",
      "depends",
      "constrains",
      "features",
      "track_features",
      "license",
      "license_family",
      "size",
      "timestamp",
    ]);
    assert.equal(entry.build_number, 4);
    assert.equal(entry.timestamp, 1_600_000_000_123);
  });
});

describe("formatPixiLock: edge cases", () => {
  test("noarch packages are listed under the platform; noarch is written only where the build string misleads", () => {
    const base = "https://c.example/ch/noarch";
    const out = formatPixiLock(
      [
        rec(`${base}/six-1.16.0-pyhd8ed1ab_0.conda`, { noarch: "python" }),
        rec(`${base}/oldpy-1.0-0.tar.bz2`, { noarch: "python" }),
        rec(`${base}/data-1.0-py_0.conda`, { noarch: "generic" }),
        rec(`${base}/tzdata-2024b-h0_0.conda`, { noarch: "generic" }),
        rec("https://c.example/ch/linux-64/zlib-1.2.11-h7b6447c_3.conda"),
      ],
      { platform: "linux-64" },
    );
    const doc = parseYaml(out) as Obj;
    const byName = new Map((doc.packages as Obj[]).map((e) => [String(e.conda).split("/").pop()!, e]));
    assert.equal(byName.get("six-1.16.0-pyhd8ed1ab_0.conda")!.noarch, undefined);
    assert.equal(byName.get("oldpy-1.0-0.tar.bz2")!.noarch, "python");
    assert.equal(byName.get("data-1.0-py_0.conda")!.noarch, "generic");
    assert.equal(byName.get("tzdata-2024b-h0_0.conda")!.noarch, undefined);
    for (const e of byName.values()) assert.equal(e.subdir, undefined, "subdir is derived from the URL");

    const env = (doc.environments as Obj).default as Obj;
    assert.deepEqual(Object.keys(env.packages as Obj), ["linux-64"]);
    const refs = ((env.packages as Obj)["linux-64"] as Obj[]).map((r) => String(r.conda).split("/").pop());
    assert.deepEqual(refs, [
      "data-1.0-py_0.conda",
      "oldpy-1.0-0.tar.bz2",
      "six-1.16.0-pyhd8ed1ab_0.conda",
      "tzdata-2024b-h0_0.conda",
      "zlib-1.2.11-h7b6447c_3.conda",
    ]);
    assert.deepEqual(env.channels, [{ url: "https://c.example/ch/" }]);

    const sel = selectLockedPackages(parseLockFile(out, "pixi.lock"), "pixi.lock", { platform: "linux-64" });
    assert.equal(sel.explicit.packages.length, 5);
    const six = sel.explicit.packages.find((p) => p.name === "six")!;
    assert.equal(six.subdir, "noarch");
  });

  test("a record with md5 only has no sha256 key, and installs verified by md5", () => {
    const out = formatPixiLock(
      [rec("https://c.example/ch/linux-64/old-1.0-0.tar.bz2", { sha256: undefined, md5: MD5("C") })],
      { platform: "linux-64" },
    );
    assert.doesNotMatch(out, /sha256/);
    assert.match(out, new RegExp(`md5: ${MD5("c")}`), "hashes are written lower-case");
    const sel = selectLockedPackages(parseLockFile(out, "pixi.lock"), "pixi.lock", { platform: "linux-64" });
    assert.equal(sel.explicit.packages[0]!.md5, MD5("c"));
    assert.equal(sel.explicit.packages[0]!.sha256, undefined);
  });

  test("tokens and passwords in URLs never reach the file", () => {
    const out = formatPixiLock(
      [
        rec("https://alice:s3cr3t-pw@c.example/t/tk-9f8e7d6c5b/private/linux-64/x-1.0-0.conda"),
        rec("https://c.example/t/tk-9f8e7d6c5b/private/noarch/y-2.0-0.conda", { noarch: "generic" }),
      ],
      { platform: "linux-64" },
    );
    assert.doesNotMatch(out, /tk-9f8e7d6c5b|s3cr3t|alice|\/t\//);
    assert.match(out, /- conda: https:\/\/c\.example\/private\/linux-64\/x-1\.0-0\.conda$/m);
    const env = (parseYaml(out) as Obj).environments as Obj;
    assert.deepEqual((env.default as Obj).channels, [{ url: "https://c.example/private/" }]);
  });

  test("what the URL cannot tell is written: build_number, a subdir outside a platform directory, a renamed file", () => {
    const out = formatPixiLock(
      [
        rec("file:///srv/pkgs/loose-1.0-h1_3.conda", { subdir: "linux-64", build_number: 5 }),
        {
          ...rec("https://c.example/ch/linux-64/foo-1.0-0.conda"),
          name: "foo-bar",
          version: "1.0.1",
          build: "h2_0",
        },
      ],
      { platform: "linux-64", channels: ["https://c.example/ch"] },
    );
    const entries = (parseYaml(out) as Obj).packages as Obj[];
    const loose = entries.find((e) => String(e.conda).includes("loose"))!;
    assert.equal(loose.subdir, "linux-64");
    assert.equal(loose.build_number, 5);
    assert.equal(loose.name, undefined);
    const foo = entries.find((e) => String(e.conda).includes("foo"))!;
    assert.deepEqual([foo.name, foo.version, foo.build], ["foo-bar", "1.0.1", "h2_0"]);
    assert.equal(foo.build_number, undefined, "h2_0 ends in its build number 0");
    // version strings that look like numbers stay strings
    assert.match(out, /version: "?1\.0\.1"?/);
    const pkgs = parseLockFile(out, "pixi.lock").environments.get("default")!.packages.get("linux-64")!;
    assert.deepEqual(
      pkgs.map((p) => (p.kind === "conda" ? [p.name, p.version, p.build, p.subdir ?? null] : [])),
      [
        ["foo-bar", "1.0.1", "h2_0", null],
        ["loose", "1.0", "h1_3", "linux-64"],
      ],
    );
  });

  test("timestamps on a whole second are written in seconds, others in milliseconds", () => {
    const out = formatPixiLock(
      [
        rec("https://c.example/ch/noarch/a-1-0.conda", { timestamp: 1_700_000_000_000, noarch: "generic" }),
        rec("https://c.example/ch/noarch/b-1-0.conda", { timestamp: 1_700_000_000_123, noarch: "generic" }),
      ],
      { platform: "linux-64" },
    );
    const [a, b] = (parseYaml(out) as Obj).packages as Obj[];
    assert.equal(a!.timestamp, 1_700_000_000);
    assert.equal(b!.timestamp, 1_700_000_000_123);
  });

  test("a record without a URL cannot be locked", () => {
    assert.throws(
      () =>
        formatPixiLock(
          [{ ...rec("https://c.example/ch/noarch/a-1-0.conda"), url: "<unknown>/a-1-0.conda" }],
          {
            platform: "linux-64",
          },
        ),
      (e: unknown) => e instanceof TaipanError && e.code === "LOCK_NO_URL" && /\ba\b/.test(e.message),
    );
  });

  test("the environment name and channel list can be given", () => {
    const out = formatPixiLock([rec("https://c.example/ch/noarch/a-1-0.conda", { noarch: "generic" })], {
      platform: "osx-arm64",
      environment: "test",
      channels: ["https://c.example/ch/", "https://c.example/other"],
    });
    const lock = parseLockFile(out, "pixi.lock");
    assert.deepEqual([...lock.environments.keys()], ["test"]);
    assert.deepEqual(lock.environments.get("test")!.channels, [
      "https://c.example/ch/",
      "https://c.example/other/",
    ]);
    assert.deepEqual([...lock.environments.get("test")!.packages.keys()], ["osx-arm64"]);
  });
});
