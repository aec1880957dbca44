// End to end: `taipan lock export --format pixi` writes a pixi.lock (version 6) of an environment
// created from a channel served on 127.0.0.1 (reached through an anaconda.org-style token URL);
// taipan's own pixi reader reads it back, and `create --file pixi.lock` builds a second environment
// with the same records, hash for hash.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { currentSubdir } from "../../src/conda/platform.js";
import { parseLockFile } from "../../src/env/lockfile/parse.js";
import { DirServer } from "../support/dir-server.js";
import { copySharedPackages, EXAMPLE_RECIPES, packRecipe, writeLibgccStub } from "./support/channel.js";
import { looksLikeCrash, Sandbox } from "./support/cli-sandbox.js";

const TOKEN = "tk-4c0ffee5ecret";
/** The real linux-64 zlib build (with a stand-in libgcc-ng) joins the noarch examples on linux-64. */
const WITH_ZLIB = currentSubdir() === "linux-64";

/** The parts of a pixi.lock v6 document these tests look at. */
interface PixiDoc {
  version: number;
  environments: Record<
    string,
    { channels: { url: string }[]; packages: Record<string, { conda: string }[]> }
  >;
  packages: Record<string, unknown>[];
}

type Meta = { name: string; version: string; build: string; sha256: string; md5: string; url: string };

function condaMeta(prefix: string): Meta[] {
  return readdirSync(join(prefix, "conda-meta"))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const o = JSON.parse(readFileSync(join(prefix, "conda-meta", f), "utf8")) as Meta;
      return { name: o.name, version: o.version, build: o.build, sha256: o.sha256, md5: o.md5, url: o.url };
    });
}

describe("lock export --format pixi → create --file pixi.lock", () => {
  let sb: Sandbox;
  let server: DirServer;
  let plain: string;
  let envA: string;
  let lockPath: string;
  let text: string;

  before(async () => {
    sb = await Sandbox.create("pixi-lock");
    const ch = sb.path("srv", "main");
    for (const name of readdirSync(EXAMPLE_RECIPES).sort())
      await packRecipe(sb, join(EXAMPLE_RECIPES, name), join(ch, "noarch"));
    if (WITH_ZLIB) {
      await packRecipe(sb, writeLibgccStub(sb.path("recipes", "libgcc-ng")), join(ch, "linux-64"));
      copySharedPackages(join(ch, "linux-64"), [
        "conda-format-repo",
        "linux-64",
        "zlib-1.2.11-h7b6447c_3.tar.bz2",
      ]);
    }
    await sb.ok(["index", ch, "-q"]);
    // the same channel behind /t/<token>/, as anaconda.org serves private channels
    mkdirSync(sb.path("srv", "t", TOKEN), { recursive: true });
    symlinkSync(ch, sb.path("srv", "t", TOKEN, "main"));
    server = await new DirServer(sb.path("srv")).start();
    plain = `${server.url}/main`;
    envA = sb.path("envs", "a");
    const specs = WITH_ZLIB ? ["hello", "zlib"] : ["hello"];
    await sb.ok([
      "create",
      "-y",
      "-q",
      "-p",
      envA,
      "-c",
      `${server.url}/t/${TOKEN}/main`,
      "--override-channels",
      ...specs,
    ]);
    lockPath = sb.path("work", "pixi.lock");
    mkdirSync(sb.path("work"));
    await sb.ok(["lock", "export", "--format", "pixi", "-p", envA, "-o", lockPath]);
    text = readFileSync(lockPath, "utf8");
  });

  after(async () => {
    await server?.stop();
    await sb?.cleanup();
  });

  test("the file is pixi.lock version 6: one environment, its channel, a conda: reference per package", () => {
    assert.match(text, /^version: 6\nenvironments:\n {2}default:\n {4}channels:\n {6}- url: /);
    assert.ok(!text.includes(TOKEN), "the token is not in the lock file");
    const doc = parseYaml(text) as PixiDoc;
    assert.deepEqual(Object.keys(doc), ["version", "environments", "packages"]);
    const env = doc.environments.default!;
    assert.deepEqual(env.channels, [{ url: `${plain}/` }]);
    assert.deepEqual(Object.keys(env.packages), [currentSubdir()]);
    const refs = env.packages[currentSubdir()]!;
    const meta = condaMeta(envA);
    assert.equal(refs.length, meta.length);
    assert.deepEqual(
      refs.map((r) => r.conda).sort(),
      meta.map((m) => m.url).sort(),
      "each package is referenced by the URL conda-meta holds",
    );
    assert.ok(
      refs.some((r) => r.conda === `${plain}/noarch/hello-1.0-0.conda`),
      "noarch hello is listed under the platform",
    );
    for (const e of doc.packages) {
      assert.match(String(e.sha256), /^[0-9a-f]{64}$/);
      assert.match(String(e.md5), /^[0-9a-f]{32}$/);
      // name/version/build/subdir are in the URL, so pixi leaves them out and so does taipan
      for (const k of ["name", "version", "build", "subdir", "noarch"])
        assert.equal(e[k], undefined, `${String(e.conda)} ${k}`);
    }
    const hello = doc.packages.find((e) => String(e.conda).endsWith("/hello-1.0-0.conda"))!;
    assert.deepEqual(hello.depends, ["libgreet >=1.0"]);
    assert.equal(hello.license, "BSD-3-Clause");
    if (WITH_ZLIB) {
      const zlib = doc.packages.find((e) => String(e.conda).endsWith("/zlib-1.2.11-h7b6447c_3.tar.bz2"))!;
      assert.equal(zlib.build_number, undefined, "h7b6447c_3 carries build number 3");
      assert.deepEqual(zlib.depends, ["libgcc-ng >=7.3.0"]);
    }
  });

  test("taipan's pixi reader gives back every record with its hashes", () => {
    const lock = parseLockFile(text, lockPath);
    assert.equal(lock.format, "pixi");
    assert.equal(lock.version, 6);
    const pkgs = lock.environments.get("default")!.packages.get(currentSubdir())!;
    const read = pkgs
      .map((p) => {
        assert.equal(p.kind, "conda");
        return p.kind === "conda"
          ? { name: p.name, version: p.version, build: p.build, sha256: p.sha256, md5: p.md5, url: p.url }
          : undefined;
      })
      .sort((a, b) => (a!.name! < b!.name! ? -1 : 1));
    assert.deepEqual(read, condaMeta(envA));
  });

  test("create --file pixi.lock builds the same environment, and exporting it again gives the same file", async () => {
    const envB = sb.path("envs", "b");
    await sb.ok(["create", "-y", "-q", "-p", envB, "--file", lockPath]);
    assert.deepEqual(condaMeta(envB), condaMeta(envA));
    assert.match(readFileSync(join(envB, "share", "libgreet", "greeting.txt"), "utf8"), /\S/);
    const again = await sb.ok(["lock", "export", "--format", "pixi", "-p", envB]);
    // Records installed from an explicit list (which a lock becomes) come from the archive's
    // index.json: no `size`, and a `timestamp` that `taipan index` leaves out of repodata. Only
    // those lines may differ.
    const stable = (t: string) => t.replace(/^ {4}(size|timestamp): \d+\n/gm, "");
    assert.equal(stable(again.stdout), stable(text));
    assert.match(text, /^ {4}size: \d+$/m, "the first environment's records carry their size");
  });

  test("conda-lock stays the default format; an unknown format names the ones there are", async () => {
    const r = await sb.ok(["lock", "export", "-p", envA]);
    assert.match(r.stdout, /^version: 1$/m);
    const bad = await sb.run(["lock", "export", "--format", "poetry", "-p", envA]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /poetry.*conda-lock.*pixi/);
    assert.ok(!looksLikeCrash(bad.stderr), bad.stderr);
  });

  test("an empty environment is written as pixi writes one", async () => {
    const empty = sb.path("envs", "empty");
    await sb.ok(["create", "-y", "-q", "-p", empty]);
    const r = await sb.ok(["lock", "export", "--format", "pixi", "-p", empty]);
    assert.equal(
      r.stdout,
      "version: 6\nenvironments:\n  default:\n    channels: []\n    packages: {}\npackages: []\n",
    );
  });
});
