// Wrong input through the real CLI: each case must give a short error with a hint on stderr (and
// with --json a conda error object on stdout), conda's exit status (1 for errors, 2 for usage), no
// stack trace, and leave every environment exactly as it was (files, conda-meta, history).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { currentSubdir } from "../../src/conda/platform.js";
import { DirServer } from "../support/dir-server.js";
import {
  copySharedPackages,
  EXAMPLE_RECIPES,
  packRecipe,
  snapshotTree,
  writeLibgccStub,
} from "./support/channel.js";
import { looksLikeCrash, type RunResult, Sandbox } from "./support/cli-sandbox.js";

interface Expect {
  code: number;
  /** conda's exception class name in the --json error object. */
  exception?: string | RegExp;
  message?: RegExp;
}

/** A one-paragraph error: `error: ...` then `hint: ...`, short, no stack trace, nothing on stdout. */
function assertCleanError(r: RunResult, e: Expect): void {
  const where = `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.equal(r.code, e.code, where);
  assert.ok(!looksLikeCrash(r.stderr), `no stack trace or "bug" report\n${where}`);
  if (e.code === 2) {
    // usage errors come from the argument parser: the message and where to find the usage
    assert.match(r.stderr, /^error: .+\n.*--help/m, where);
  } else {
    assert.match(r.stderr, /^error: .+/m, where);
    assert.match(r.stderr, /^hint: .+/m, where);
    const errorLines = r.stderr.slice(r.stderr.indexOf("error: ")).trimEnd().split("\n");
    assert.ok(errorLines.length <= 16, `short error (${errorLines.length} lines)\n${where}`);
  }
  if (e.message) assert.match(r.stderr, e.message, where);
}

/** With --json: a conda error object on stdout (success false, exception_name), same exit status. */
function assertJsonError(r: RunResult, e: Expect): Record<string, unknown> {
  const where = `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.equal(r.code, e.code, where);
  const obj = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(obj.success, false, where);
  assert.equal(typeof obj.exception_name, "string", where);
  if (typeof e.exception === "string") assert.equal(obj.exception_name, e.exception, where);
  else if (e.exception) assert.match(String(obj.exception_name), e.exception, where);
  assert.equal(typeof obj.message, "string");
  assert.ok(!looksLikeCrash(r.stderr), where);
  return obj;
}

describe("wrong input through the CLI", () => {
  let sb: Sandbox;
  let server: DirServer;
  let url: string;
  let main: string;
  let env: string;
  let before0: Record<string, string>;
  const chan = (c = main) => ["-c", c, "--override-channels"];

  before(async () => {
    sb = await Sandbox.create("e2e-err");
    const ch = sb.path("srv", "main");
    for (const name of readdirSync(EXAMPLE_RECIPES).sort())
      await packRecipe(sb, join(EXAMPLE_RECIPES, name), join(ch, "noarch"));
    // conda's own test packages for an unsatisfiable request: `dependent` needs dependency <2,
    // `run_constrained` constrains dependency >=2.
    copySharedPackages(
      join(ch, "noarch"),
      ...["dependent-1.0-0", "dependency-1.0-0", "dependency-2.0-0", "run_constrained-1.0-0"].map((p) => [
        "conda-test-recipes",
        "noarch",
        `${p}.conda`,
      ]),
    );
    await packRecipe(sb, writeLibgccStub(sb.path("recipes", "libgcc-ng")), join(ch, "linux-64"));
    copySharedPackages(join(ch, "linux-64"), [
      "conda-format-repo",
      "linux-64",
      "zlib-1.2.11-h7b6447c_3.tar.bz2",
    ]);
    await sb.ok(["index", ch, "-q"]);

    // a channel whose repodata gives libgreet a wrong sha256 (plain repodata.json only, so the
    // client cannot take the correct record from shards or a compressed copy)
    const bad = sb.path("srv", "badsha");
    mkdirSync(join(bad, "noarch"), { recursive: true });
    await packRecipe(sb, join(EXAMPLE_RECIPES, "libgreet-1.0"), join(bad, "noarch"));
    await sb.ok(["index", bad, "-q", "--no-shards", "--no-bz2"]);
    for (const sub of ["noarch", "linux-64"]) {
      rmSync(join(bad, sub, "repodata.json.zst"), { force: true });
      const file = join(bad, sub, "repodata.json");
      if (!existsSync(file)) continue;
      const rd = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, { sha256: string }>>;
      for (const key of ["packages", "packages.conda"])
        for (const rec of Object.values(rd[key] ?? {})) rec.sha256 = "0".repeat(64);
      writeFileSync(file, JSON.stringify(rd));
    }

    // a conda-format-repo zlib .conda: its lib/libz.so* entries are symlinks with an empty target
    const zc = sb.path("srv", "zconda");
    copySharedPackages(join(zc, "linux-64"), [
      "conda-format-repo",
      "linux-64",
      "zlib-1.2.11-h7b6447c_3.conda",
    ]);
    await packRecipe(sb, writeLibgccStub(sb.path("recipes", "libgcc-ng")), join(zc, "linux-64"));
    await sb.ok(["index", zc, "-q"]);

    server = await new DirServer(sb.path("srv")).start();
    url = server.url;
    main = `${url}/main`;
    env = sb.path("envs", "e");
    await sb.ok(["create", "-y", "-q", "-p", env, ...chan(), "hello"]);
    before0 = snapshotTree(env);
  });

  after(async () => {
    await server?.stop();
    await sb?.cleanup();
  });

  const unchanged = (msg: string) =>
    assert.deepEqual(snapshotTree(env), before0, `${msg}: the environment changed`);

  test("unknown environment name (-n) and path (-p)", async () => {
    for (const args of [
      ["install", "-n", "nosuchenv", ...chan(), "hello"],
      ["list", "-n", "nosuchenv"],
      ["run", "-n", "nosuchenv", "hello"],
    ]) {
      assertCleanError(await sb.run(args), { code: 1, message: /nosuchenv/ });
    }
    assertJsonError(await sb.run(["install", "-n", "nosuchenv", "hello", "--json"]), {
      code: 1,
      exception: "EnvironmentNameNotFound",
    });
    const missing = sb.path("envs", "missing");
    assertCleanError(await sb.run(["remove", "-y", "-p", missing, "hello"]), {
      code: 1,
      message: new RegExp(missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
    });
    assertJsonError(await sb.run(["list", "-p", missing, "--json"]), {
      code: 1,
      exception: "EnvironmentLocationNotFound",
    });
    assert.ok(!existsSync(missing), "no environment is created by a failed command");
  });

  test("bad match spec", async () => {
    const r = await sb.run(["install", "-y", "-p", env, ...chan(), "numpy>>1"]);
    assertCleanError(r, { code: 1, message: />>1/ });
    assertJsonError(await sb.run(["install", "-y", "-p", env, ...chan(), "numpy>>1", "--json"]), {
      code: 1,
      exception: /^Invalid(MatchSpec|VersionSpec)$/,
    });
    unchanged("bad spec");
  });

  test("bad regular expression for list", async () => {
    assertCleanError(await sb.run(["list", "-p", env, "["]), {
      code: 1,
      message: /invalid regular expression '\['/,
    });
  });

  test("unknown flag is a usage error (exit 2)", async () => {
    assertCleanError(await sb.run(["install", "--no-such-flag", "-p", env, "hello"]), {
      code: 2,
      message: /--no-such-flag/,
    });
    assertJsonError(await sb.run(["install", "--no-such-flag", "-p", env, "hello", "--json"]), {
      code: 2,
      exception: "ArgumentError",
    });
    assertCleanError(await sb.run(["no-such-command"]), { code: 2 });
    // -n and -p together: conda's mutually exclusive group
    assertCleanError(await sb.run(["install", "-n", "x", "-p", env, ...chan(), "libgreet=1.0"]), {
      code: 2,
      message: /cannot be used with/,
    });
    unchanged("unknown flag");
  });

  test("invalid .condarc: the file and line are named, nothing runs", async () => {
    const condarc = join(sb.home, ".condarc");
    try {
      for (const text of [
        "channels: [a, b\n  - : x\n",
        "channel_priority: sideways\n",
        "- just\n- a list\n",
      ]) {
        writeFileSync(condarc, text);
        assertCleanError(await sb.run(["install", "-y", "-p", env, ...chan(), "libgreet=1.0"]), {
          code: 1,
          message: new RegExp(`${condarc.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
        });
        assertJsonError(await sb.run(["list", "-p", env, "--json"]), { code: 1 });
      }
    } finally {
      rmSync(condarc, { force: true });
    }
    unchanged("invalid .condarc");
  });

  test("unreadable .condarc", async (t) => {
    if (process.getuid?.() === 0)
      return t.skip("running as root: file permissions cannot make .condarc unreadable");
    const condarc = join(sb.home, ".condarc");
    writeFileSync(condarc, "channels: [x]\n");
    chmodSync(condarc, 0);
    try {
      assertCleanError(await sb.run(["list", "-p", env]), { code: 1, message: /\.condarc/ });
    } finally {
      rmSync(condarc, { force: true });
    }
  });

  test("missing channel: a directory that does not exist, and an HTTP 404", async () => {
    const cases = [sb.path("no-such-channel"), `${url}/no-such-channel`];
    for (const c of cases) {
      assertCleanError(await sb.run(["install", "-y", "-p", env, ...chan(c), "libgreet=1.0"]), {
        code: 1,
        message: /no-such-channel/,
      });
      assertJsonError(await sb.run(["install", "-y", "-p", env, ...chan(c), "libgreet=1.0", "--json"]), {
        code: 1,
        exception: "UnavailableInvalidChannel",
      });
    }
    const fresh = sb.path("envs", "never");
    assertCleanError(await sb.run(["create", "-y", "-p", fresh, ...chan(cases[1]), "hello"]), { code: 1 });
    assert.ok(!existsSync(fresh), "a failed create leaves no prefix behind");
    const registry = join(sb.home, ".conda", "environments.txt");
    assert.ok(!existsSync(registry) || !readFileSync(registry, "utf8").includes(fresh));
    unchanged("missing channel");
  });

  test("unsatisfiable request (UnsatisfiableError) names the conflict", async () => {
    const r = await sb.run(["install", "-y", "-p", env, ...chan(), "dependent", "run_constrained"]);
    assertCleanError(r, { code: 1, message: /dependency/ });
    const obj = assertJsonError(
      await sb.run(["install", "-y", "-p", env, ...chan(), "dependent", "run_constrained", "--json"]),
      { code: 1, exception: "UnsatisfiableError" },
    );
    assert.match(String(obj.message), /dependent/);
    unchanged("unsatisfiable");
  });

  test("package that no channel has (PackagesNotFoundError)", async () => {
    assertCleanError(await sb.run(["install", "-y", "-p", env, ...chan(), "no-such-package"]), {
      code: 1,
      message: /no-such-package/,
    });
    assertJsonError(await sb.run(["install", "-y", "-p", env, ...chan(), "no-such-package", "--json"]), {
      code: 1,
      exception: "PackagesNotFoundError",
    });
    unchanged("packages not found");
  });

  test("sha256 in repodata does not match the package: refused, prefix and cache unchanged", async () => {
    const pkgs = sb.path("pkgs-badsha");
    const r = await sb.run(["install", "-y", "-p", env, ...chan(`${url}/badsha`), "libgreet=1.0"], {
      env: { CONDA_PKGS_DIRS: pkgs },
    });
    assertCleanError(r, { code: 1, message: /sha256|checksum/i });
    assert.match(r.stderr, /libgreet-1\.0-0/);
    unchanged("checksum mismatch");
    const left = existsSync(pkgs) ? readdirSync(pkgs).filter((f) => f.startsWith("libgreet")) : [];
    assert.deepEqual(left, [], "the bad download is not kept in the package cache");
  });

  test("a real archive with unusable entries (conda-format-repo zlib .conda) is refused by name", async (t) => {
    if (currentSubdir() !== "linux-64")
      return t.skip(`zlib 1.2.11 here is a linux-64 build; host is ${currentSubdir()}`);
    const r = await sb.run(["install", "-y", "-p", env, ...chan(`${url}/zconda`), "zlib"], {
      env: { CONDA_PKGS_DIRS: sb.path("pkgs-zconda") },
    });
    assertCleanError(r, { code: 1, message: /zlib-1\.2\.11-h7b6447c_3\.conda.*lib\/libz\.so/ });
    unchanged("broken archive");
  });

  test("a reader that closes the pipe early (| head) does not crash the command or cut a change short", async () => {
    const prefix = sb.path("envs", "piped");
    const r = await sb.run(["create", "-y", "-p", prefix, ...chan(), "hello"], { closeStdout: true });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!looksLikeCrash(r.stderr) && !/EPIPE/.test(r.stderr), r.stderr);
    const d = await sb.run(["doctor", "-p", prefix]);
    assert.equal(d.code, 0, d.stdout);
    assert.ok(existsSync(join(prefix, "conda-meta", "hello-1.0-0.json")));
  });

  test("full disk: a clear error and the environment in its old state", async (t) => {
    if (currentSubdir() !== "linux-64")
      return t.skip(`the filler package is a linux-64 build; host is ${currentSubdir()}`);
    const mnt = sb.path("small-disk");
    mkdirSync(mnt);
    // zlib unpacks to ~400 KB, which cannot fit in 300 KB after the small environment
    const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=300k", "tmpfs", mnt], { encoding: "utf8" });
    if (mount.status !== 0) {
      return t.skip(
        `cannot mount a small tmpfs (${(mount.stderr || mount.error?.message || "").trim()}); no other way to fill a disk without privileges here`,
      );
    }
    try {
      const prefix = join(mnt, "env");
      await sb.ok(["create", "-y", "-q", "-p", prefix, ...chan(), "hello"]);
      const old = snapshotTree(prefix);
      const r = await sb.run(["install", "-y", "-p", prefix, ...chan(), "zlib"]);
      assertCleanError(r, { code: 1, message: /no space left/i });
      const j = await sb.run(["install", "-y", "-p", prefix, ...chan(), "zlib", "--json"]);
      assertJsonError(j, { code: 1, exception: "NoSpaceLeftError" });
      // the next command on the prefix must find it in its old state (or put it back)
      // executeTransaction rolls back on any I/O error, so the prefix is exactly as before.
      await t.test("doctor afterwards finds the old environment, with nothing half-installed", async () => {
        const d = await sb.run(["doctor", "-p", prefix]);
        assert.equal(d.code, 0, `doctor: ${d.stdout}${d.stderr}`);
        assert.deepEqual(snapshotTree(prefix), old);
      });
    } finally {
      spawnSync("umount", [mnt]);
    }
  });
});
