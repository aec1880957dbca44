import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { sharedData } from "../support/paths.js";

const CH = sharedData("channels", "conda-index4");
let home: string;
const saved = { ...process.env };

before(async () => {
  // Keep the user's .condarc and pkgs dirs out of the test.
  home = await mkdtemp(join(tmpdir(), "taipan-search-"));
  process.env.HOME = home;
  process.env.CONDARC = join(home, "condarc");
  process.env.CONDA_PKGS_DIRS = join(home, "pkgs");
});

after(async () => {
  process.env = saved;
  await rm(home, { recursive: true, force: true });
});

// Tests run from test/*.ts under tsx and from dist/test/*.js after the build: spawn the runner
// beside this file, with tsx only when running from source.
const HERE = fileURLToPath(import.meta.url);
const FROM_SOURCE = HERE.endsWith(".ts");
const RUNNER = join(dirname(HERE), `search-cli-runner.${FROM_SOURCE ? "ts" : "js"}`);

async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const argv = [
    ...(FROM_SOURCE ? ["--import", "tsx"] : []),
    RUNNER,
    "search",
    ...args,
    "-c",
    CH,
    "--override-channels",
    "--platform",
    "linux-64",
  ];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { env: process.env }, (error, out, err) => {
      resolve({ out, err, code: error ? ((error as { code?: number }).code ?? 1) : 0 });
    });
  });
}

describe("taipan search", () => {
  test("lists matching records sorted by version, like conda search", async () => {
    const { out } = await run("numpy>=1.14");
    const lines = out.trim().split("\n");
    assert.match(lines[0], /^# Name +Version +Build +Channel$/);
    const rows = lines.slice(1).map((l) => l.split(/\s+/));
    assert.ok(rows.length > 3);
    assert.ok(rows.every((r) => r[0] === "numpy" && r[3].startsWith("file://")));
    const versions = rows.map((r) => r[1]);
    assert.ok(versions.every((v) => !/^1\.1[0-3]\./.test(v)));
    assert.equal(versions[0].startsWith("1.14"), true);
  });

  test("an exact name with no match is retried as *name*", async () => {
    const { out, err } = await run("nump");
    assert.match(err, /No match found for: nump\. Search: \*nump\*/);
    assert.match(out, /^numpy /m);
  });

  test("--info shows depends, size, sha256 and url; --json groups records by name", async () => {
    const { out } = await run("zlib 1.2.11", "--info");
    assert.match(out, /^zlib 1\.2\.11 \S+\n-+\n/);
    assert.match(out, /^url {9}: file:\/\/.*\/linux-64\/zlib-1\.2\.11-\S+\.tar\.bz2$/m);
    assert.match(out, /^dependencies:\n {2}- libgcc-ng/m);
    assert.match(out, /^size {8}: /m);
    const json = JSON.parse((await run("zlib=1.2.11", "--json")).out) as Record<
      string,
      { name: string; fn: string }[]
    >;
    assert.deepEqual(Object.keys(json), ["zlib"]);
    assert.ok(
      json.zlib.length >= 1 && json.zlib.every((r) => r.name === "zlib" && r.fn.startsWith("zlib-1.2.11-")),
    );
  });

  test("nothing found is PackagesNotFoundError naming the spec and channels, exit 1, no stack", async () => {
    const { err, code } = await run("definitely-not-a-package");
    assert.equal(code, 1);
    assert.match(err, /not available from current channels/);
    assert.match(err, /definitely-not-a-package/);
    assert.match(err, /linux-64/);
    assert.doesNotMatch(err, /\n\s+at /);
  });
});
