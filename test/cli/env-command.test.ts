// `taipan env list|export|create|update|remove|config vars` end to end: the real CLI as a
// subprocess over a real channel served from 127.0.0.1.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { sharedData } from "../support/paths.js";
import { type CliWorld, createCliWorld } from "./cli-channel-fixture.js";

let w: CliWorld;
before(async () => {
  w = await createCliWorld("env");
});
after(async () => {
  await w?.close();
});

const ok = (args: string[]) => w.ok(args);

const names = (explicit: string) =>
  explicit
    .split("\n")
    .filter((l) => l.includes("://"))
    .map((l) => l.replace(/^.*\//, "").replace(/#.*$/, ""))
    .sort();

describe("taipan env", () => {
  test("create -f environment.yml → export → create from the export elsewhere: identical list --explicit", async () => {
    const file = join(w.home, "environment.yml");
    writeFileSync(
      file,
      `name: first\nchannels:\n  - ${w.url}\n  - nodefaults\ndependencies:\n  - greet-activate\n  - dependent\nvariables:\n  GREETING_STYLE: loud\n`,
    );
    // No -n/-p: the name comes from the file, the environment lands in the root's envs dir.
    await ok(["env", "create", "-f", file, "-y", "-q"]);
    const prefix = join(w.root, "envs", "first");
    assert.ok(existsSync(join(prefix, "conda-meta", "history")));

    const listed = JSON.parse(await ok(["env", "list", "--json"]));
    assert.ok(listed.envs.includes(prefix));
    assert.match(await ok(["env", "list"]), /^first\s+\S*\s*\/.*envs\/first$/m);
    assert.deepEqual(JSON.parse(await ok(["env", "config", "vars", "list", "-n", "first", "--json"])), {
      GREETING_STYLE: "loud",
    });

    const exported = parse(await ok(["env", "export", "-n", "first"]));
    assert.equal(exported.name, "first");
    assert.equal(exported.prefix, prefix);
    assert.equal(exported.channels[0], w.url);
    assert.deepEqual(exported.dependencies, [
      "dependency=1.0=0",
      "dependent=1.0=0",
      "greet-activate=1.0=0",
      "hello=1.0=0",
      "libgreet=1.1=0",
    ]);
    assert.deepEqual(exported.variables, { GREETING_STYLE: "loud" });

    const exportFile = join(w.home, "exported.yml");
    const written = JSON.parse(await ok(["env", "export", "-n", "first", "--file", exportFile, "--json"]));
    assert.equal(written.success, true);
    assert.deepEqual(parse(readFileSync(exportFile, "utf8")), exported);

    const other = join(w.home, "elsewhere");
    await ok(["env", "create", "-f", exportFile, "-p", other, "-y", "-q"]);
    const a = await ok(["list", "--explicit", "--sha256", "-n", "first"]);
    const b = await ok(["list", "--explicit", "--sha256", "-p", other]);
    assert.equal(b, a);
    assert.equal(names(a).length, 5);
    // The variables travel with the export.
    assert.equal((await ok(["env", "config", "vars", "list", "-p", other])).trim(), "GREETING_STYLE = loud");
    // The recreated environment works: its program runs.
    assert.match(await ok(["run", "-p", other, "hello"]), /libgreet 1\.1/);
  });

  test("export --from-history, --no-builds and --json", async () => {
    const hist = JSON.parse(await ok(["env", "export", "-n", "first", "--from-history", "--json"]));
    assert.deepEqual(hist.dependencies, ["greet-activate", "dependent"]);
    // conda lists only the configured channels for a history export.
    assert.deepEqual(hist.channels, [w.url]);
    // What pip put in site-packages (no conda record owns it) is exported as a pip: section.
    const site = join(w.root, "envs", "first", "lib", "python3.99", "site-packages");
    mkdirSync(join(site, "Requests_Toolbelt-1.0.0.dist-info"), { recursive: true });
    writeFileSync(
      join(site, "Requests_Toolbelt-1.0.0.dist-info", "METADATA"),
      "Metadata-Version: 2.1\nName: Requests_Toolbelt\nVersion: 1.0.0\n\nName: not-this\n",
    );
    const withPip = parse(await ok(["env", "export", "-n", "first"]));
    assert.deepEqual(withPip.dependencies.at(-1), { pip: ["requests-toolbelt==1.0.0"] });
    assert.equal(withPip.dependencies.length, 6);
    rmSync(join(w.root, "envs", "first", "lib", "python3.99"), { recursive: true });
    const noBuilds = parse(await ok(["env", "export", "-n", "first", "--no-builds"]));
    assert.ok(noBuilds.dependencies.includes("libgreet=1.1"));
    assert.ok(noBuilds.dependencies.every((d: string) => d.split("=").length === 2));
  });

  test("export reads an environment conda made", async () => {
    const prefix = sharedData("conda-meta", "conda-env-metadata", "envpy37osx_whl");
    const env = parse(await ok(["env", "export", "-p", prefix]));
    // Not under an envs dir: conda names the export by its path.
    assert.equal(env.name, prefix);
    assert.equal(env.channels[0], "defaults");
    assert.ok(env.dependencies.includes("python=3.7.0=hc167b69_0"));
    assert.equal(env.dependencies.length, 17);
    const hist = JSON.parse(await ok(["env", "export", "-p", prefix, "--from-history", "--json"]));
    assert.deepEqual(hist.dependencies, ["python=3.7"]);
  });

  test("create -y replaces an environment, variables included", async () => {
    const file = join(w.home, "replace.yml");
    writeFileSync(file, "name: replaced\ndependencies:\n  - greet-activate\nvariables:\n  OLD: x\n");
    await ok(["env", "create", "-f", file, "-q"]);
    writeFileSync(file, "name: replaced\ndependencies:\n  - libgreet=1.0\n");
    await ok(["env", "create", "-f", file, "-q", "-y"]);
    assert.deepEqual(names(await ok(["list", "--explicit", "-n", "replaced"])), ["libgreet-1.0-0.conda"]);
    assert.deepEqual(JSON.parse(await ok(["env", "config", "vars", "list", "-n", "replaced", "--json"])), {});
    await ok(["env", "remove", "-n", "replaced", "-q"]);
  });

  test("create -f an @EXPLICIT file (list --explicit output) gives the same environment", async () => {
    const explicit = await ok(["list", "--explicit", "--sha256", "-n", "first"]);
    const file = join(w.home, "explicit.txt");
    writeFileSync(file, explicit);
    const r = JSON.parse(await ok(["env", "create", "-f", file, "-n", "from-explicit", "--json"]));
    assert.equal(r.success, true);
    assert.equal(await ok(["list", "--explicit", "--sha256", "-n", "from-explicit"]), explicit);
  });

  test("update -f adds what the file asks; --prune removes what it does not need", async () => {
    const file = join(w.home, "update.yml");
    writeFileSync(file, `dependencies:\n  - small-executable\nvariables:\n  EXTRA: "1"\n`);
    await ok(["env", "update", "-n", "from-explicit", "-f", file, "-q"]);
    let now = names(await ok(["list", "--explicit", "-n", "from-explicit"]));
    assert.ok(now.includes("small-executable-1.0-0.conda"));
    assert.ok(now.includes("greet-activate-1.0-0.conda"), "without --prune nothing is removed");

    writeFileSync(file, `dependencies:\n  - hello\n`);
    await ok(["env", "update", "-n", "from-explicit", "-f", file, "--prune", "-y", "-q"]);
    now = names(await ok(["list", "--explicit", "-n", "from-explicit"]));
    assert.deepEqual(now, ["hello-1.0-0.conda", "libgreet-1.1-0.conda"]);
    // update merges the file's variables into the ones already set.
    assert.deepEqual(
      JSON.parse(await ok(["env", "config", "vars", "list", "-n", "from-explicit", "--json"])),
      {
        EXTRA: "1",
      },
    );
  });

  test("config vars set / unset", async () => {
    await ok(["env", "config", "vars", "set", "-n", "first", "A=1", "B=two=2"]);
    await ok(["env", "config", "vars", "unset", "-n", "first", "GREETING_STYLE"]);
    assert.deepEqual(JSON.parse(await ok(["env", "config", "vars", "list", "-n", "first", "--json"])), {
      A: "1",
      B: "two=2",
    });
    const bad = await w.taipan(["env", "config", "vars", "set", "-n", "first", "NOEQUALS"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /NAME=VALUE/);
  });

  test("a pip: section without pip in the environment fails before anything is installed", async () => {
    const file = join(w.home, "pip.yml");
    writeFileSync(file, `name: with-pip\ndependencies:\n  - hello\n  - pip:\n    - requests\n`);
    const r = await w.taipan(["env", "create", "-f", file, "-y"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no pip/);
    assert.match(r.stderr, /hint: .*'pip'/);
    assert.equal(existsSync(join(w.root, "envs", "with-pip")), false);
  });

  test("an existing environment is not replaced without -y; a file without a name needs -n/-p", async () => {
    const file = join(w.home, "exported.yml");
    const again = await w.taipan(["env", "create", "-f", file, "-n", "first"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    const nameless = join(w.home, "nameless.yml");
    writeFileSync(nameless, "dependencies:\n  - hello\n");
    const r = await w.taipan(["env", "create", "-f", nameless]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs -n NAME or -p PATH/);
  });

  test("remove -n deletes the environment and unregisters it", async () => {
    const out = JSON.parse(await ok(["env", "remove", "-n", "from-explicit", "--json"]));
    assert.equal(out.success, true);
    assert.equal(out.actions.REMOVE_ENV, join(w.root, "envs", "from-explicit"));
    assert.equal(existsSync(join(w.root, "envs", "from-explicit")), false);
    const listed = JSON.parse(await ok(["env", "list", "--json"]));
    assert.ok(!listed.envs.includes(join(w.root, "envs", "from-explicit")));

    const missing = await w.taipan(["env", "remove", "-n", "from-explicit"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/);
    assert.match(missing.stderr, /hint:/);
    const noTarget = await w.taipan(["env", "remove"]);
    assert.equal(noTarget.code, 2);
  });
});
