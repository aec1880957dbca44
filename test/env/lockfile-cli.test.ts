// End to end: an environment created from a channel served on 127.0.0.1 is written as a
// conda-lock file (`taipan lock export`), and a second environment created from that file with
// `create --file` / `env create -f` is the same, package for package and hash for hash.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { currentSubdir } from "../../src/conda/platform.js";
import { parseLockFile } from "../../src/env/lockfile/parse.js";
import { EXAMPLE_RECIPES, packRecipe } from "../cli/support/channel.js";
import { Sandbox } from "../cli/support/cli-sandbox.js";
import { DirServer } from "../support/dir-server.js";

describe("lock export → create --file from the lock", () => {
  let sb: Sandbox;
  let server: DirServer;
  let channel: string;
  let lockPath: string;

  /** `list --explicit --sha256` without the comment header. */
  const explicitList = async (prefix: string) =>
    (await sb.ok(["list", "-p", prefix, "--explicit", "--sha256"])).stdout
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));

  before(async () => {
    sb = await Sandbox.create("lockfile");
    const ch = sb.path("srv", "main");
    for (const name of readdirSync(EXAMPLE_RECIPES).sort())
      await packRecipe(sb, join(EXAMPLE_RECIPES, name), join(ch, "noarch"));
    await sb.ok(["index", ch, "-q"]);
    server = await new DirServer(sb.path("srv")).start();
    channel = `${server.url}/main`;
    await sb.ok([
      "create",
      "-y",
      "-q",
      "-p",
      sb.path("envs", "a"),
      "-c",
      channel,
      "--override-channels",
      "hello",
    ]);
    lockPath = sb.path("conda-lock.yml");
    await sb.ok(["lock", "export", "-p", sb.path("envs", "a"), "-o", lockPath]);
  });

  after(async () => {
    await server?.stop();
    await sb?.cleanup();
  });

  test("the exported file is conda-lock v1 with url, md5+sha256 and dependencies", () => {
    const text = readFileSync(lockPath, "utf8");
    assert.match(text, /^version: 1$/m);
    const lock = parseLockFile(text, lockPath);
    const pkgs = lock.environments.get("default")!.packages.get(currentSubdir())!;
    const hello = pkgs.find((p) => p.kind === "conda" && p.name === "hello");
    assert.ok(hello?.kind === "conda");
    assert.ok(hello.url.startsWith(`${channel}/noarch/hello-1.0-`), hello.url);
    assert.match(hello.md5 ?? "", /^[0-9a-f]{32}$/);
    assert.match(hello.sha256 ?? "", /^[0-9a-f]{64}$/);
    assert.deepEqual(hello.depends, ["libgreet >=1.0"]);
    assert.ok(pkgs.some((p) => p.kind === "conda" && p.name === "libgreet"));
  });

  test("create --file conda-lock.yml and env create -f give the same environment", async () => {
    const a = await explicitList(sb.path("envs", "a"));
    assert.ok(a.length >= 2);
    await sb.ok(["create", "-y", "-q", "-p", sb.path("envs", "b"), "--file", lockPath]);
    assert.deepEqual(await explicitList(sb.path("envs", "b")), a);
    await sb.ok(["env", "create", "-q", "-p", sb.path("envs", "c"), "-f", lockPath]);
    assert.deepEqual(await explicitList(sb.path("envs", "c")), a);
    assert.match(readFileSync(join(sb.path("envs", "b"), "share", "libgreet", "greeting.txt"), "utf8"), /\S/);
  });

  test("a pixi.lock (v6) installs its conda packages and skips its pypi ones", async () => {
    const lock = parseLockFile(readFileSync(lockPath, "utf8"), lockPath);
    const conda = lock.environments.get("default")!.packages.get(currentSubdir())!;
    const wheel = "https://files.example.org/six-1.16.0-py2.py3-none-any.whl";
    const lines = [
      "version: 6",
      "environments:",
      "  default:",
      "    channels:",
      `      - url: ${channel}/`,
      "    packages:",
      `      ${currentSubdir()}:`,
      ...conda.map((p) => `        - conda: ${p.kind === "conda" ? p.url : ""}`),
      `        - pypi: ${wheel}`,
      "packages:",
      ...conda.flatMap((p) =>
        p.kind === "conda" ? [`  - conda: ${p.url}`, `    sha256: ${p.sha256}`, `    md5: ${p.md5}`] : [],
      ),
      `  - pypi: ${wheel}`,
      "    name: six",
      "    version: 1.16.0",
    ];
    const pixi = sb.path("pixi.lock");
    writeFileSync(pixi, `${lines.join("\n")}\n`);
    await sb.ok(["create", "-y", "-q", "-p", sb.path("envs", "pixi"), "--file", pixi]);
    assert.deepEqual(await explicitList(sb.path("envs", "pixi")), await explicitList(sb.path("envs", "a")));
  });

  test("a lock file whose hash does not match the package is refused", async () => {
    const text = readFileSync(lockPath, "utf8");
    const m = /name: hello\n[\s\S]*?sha256: ([0-9a-f]{64})/.exec(text)!;
    const bad = sb.path("bad.lock.yml");
    writeFileSync(bad, text.replace(m[1]!, "0".repeat(64)));
    const r = await sb.run(["create", "-y", "-q", "-p", sb.path("envs", "bad"), "--file", bad]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /hello/);
    assert.match(r.stderr, /sha256|hash|checksum/i);
  });

  test("a platform the lock does not have is an error listing the ones it has", async () => {
    const other = currentSubdir() === "osx-arm64" ? "win-64" : "osx-arm64";
    const r = await sb.run(["create", "-y", "-q", "-p", sb.path("envs", "d"), "--file", lockPath], {
      env: { CONDA_SUBDIR: other },
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`no platform '${other}'.*${currentSubdir()}`));
  });
});
