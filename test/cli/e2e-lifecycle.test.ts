// End to end: the real taipan CLI as a subprocess against a conda channel served over HTTP from
// 127.0.0.1, built from the example recipes (`taipan pack` + `taipan index`) and real archives from
// ../shared/data. One environment goes through create → run → install → update → remove →
// export → recreate → rollback, checking the files, relocation, conda-meta and history at each step.
import assert from "node:assert/strict";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { currentSubdir } from "../../src/conda/platform.js";
import { DirServer } from "../support/dir-server.js";
import { sharedData } from "../support/paths.js";
import {
  copySharedPackages,
  EXAMPLE_RECIPES,
  packRecipe,
  sha256File,
  snapshotTree,
  writeLibgccStub,
  writeLibgreet12,
} from "./support/channel.js";
import { looksLikeCrash, Sandbox } from "./support/cli-sandbox.js";

const PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3";
// zlib 1.2.11 is a linux-64 build: its shared library is only installable (and its test meaningful) there.
const linux64 = currentSubdir() === "linux-64";

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

function condaMetaNames(prefix: string): string[] {
  return readdirSync(join(prefix, "conda-meta"))
    .filter((f) => f.endsWith(".json"))
    .sort();
}

describe("taipan end to end over HTTP", () => {
  let sb: Sandbox;
  let server: DirServer;
  let channel: string;
  let envA: string;
  let envB: string;
  const cli = (...args: string[]) => sb.ok(args);
  const chan = () => ["-c", channel, "--override-channels"];

  before(async () => {
    sb = await Sandbox.create("e2e-life");
    const ch = sb.path("srv", "main");
    for (const name of readdirSync(EXAMPLE_RECIPES).sort())
      await packRecipe(sb, join(EXAMPLE_RECIPES, name), join(ch, "noarch"));
    copySharedPackages(join(ch, "noarch"), ["conda-test-recipes", "noarch", "small-executable-1.0-0.conda"]);
    await packRecipe(sb, writeLibgccStub(sb.path("recipes", "libgcc-ng")), join(ch, "linux-64"));
    copySharedPackages(join(ch, "linux-64"), [
      "conda-format-repo",
      "linux-64",
      "zlib-1.2.11-h7b6447c_3.tar.bz2",
    ]);
    await sb.ok(["index", ch, "-q"]);
    server = await new DirServer(sb.path("srv")).start();
    channel = `${server.url}/main`;
    envA = sb.path("envs", "a");
    envB = sb.path("envs", "b");
  });

  after(async () => {
    await server?.stop();
    await sb?.cleanup();
  });

  test("create -y installs the package and its dependency, relocated, with conda-meta and history", async () => {
    const r = await cli("create", "-y", "-p", envA, ...chan(), "hello");
    assert.match(r.stdout, /The following NEW packages will be INSTALLED:/);
    assert.match(r.stdout, /hello\s+\S+::hello-1\.0-0/);
    assert.match(r.stdout, /libgreet\s+\S+::libgreet-1\.1-0/, "the newest libgreet is chosen");
    assert.ok(
      server.requests.some((p) => p.startsWith("/main/noarch/")),
      "repodata and packages came over HTTP",
    );

    const hello = readFileSync(join(envA, "bin", "hello"), "utf8");
    assert.ok(hello.includes(`PREFIX="${envA}"`), "the placeholder in bin/hello is replaced by the prefix");
    assert.ok(!hello.includes(PLACEHOLDER));
    assert.ok((statSync(join(envA, "bin", "hello")).mode & 0o111) !== 0, "bin/hello stays executable");
    const greeting = readFileSync(join(envA, "share", "libgreet", "greeting.txt"), "utf8");
    assert.ok(greeting.includes(envA) && !greeting.includes(PLACEHOLDER));

    assert.deepEqual(condaMetaNames(envA), ["hello-1.0-0.json", "libgreet-1.1-0.json"]);
    const rec = readJson(join(envA, "conda-meta", "hello-1.0-0.json"));
    assert.equal(rec.name, "hello");
    assert.equal(rec.version, "1.0");
    assert.equal(rec.build, "0");
    assert.equal(rec.requested_spec, "hello");
    assert.equal(rec.url, `${channel}/noarch/hello-1.0-0.conda`);
    assert.equal(rec.sha256, sha256File(sb.path("srv", "main", "noarch", "hello-1.0-0.conda")));
    assert.deepEqual(rec.files, ["bin/hello"]);
    const paths = (rec.paths_data as { paths: Record<string, unknown>[] }).paths;
    assert.equal(paths[0]!._path, "bin/hello");
    assert.equal(paths[0]!.prefix_placeholder, PLACEHOLDER);
    assert.equal(
      paths[0]!.sha256_in_prefix,
      sha256File(join(envA, "bin", "hello")),
      "conda-meta records the relocated hash",
    );
    assert.notEqual(paths[0]!.sha256_in_prefix, paths[0]!.sha256);

    const history = readFileSync(join(envA, "conda-meta", "history"), "utf8");
    assert.match(history, /^==> \d{4}-\d\d-\d\d \d\d:\d\d:\d\d <==$/m);
    assert.match(history, /^# cmd: taipan create -y -p /m);
    assert.match(history, /^\+\S+::hello-1\.0-0$/m);
    assert.match(history, /^\+\S+::libgreet-1\.1-0$/m);
    assert.match(history, /^# update specs: \['hello'\]$/m);

    const registry = readFileSync(join(sb.home, ".conda", "environments.txt"), "utf8");
    assert.ok(registry.split("\n").includes(envA), "the environment is registered where conda looks");
  });

  test("run executes the environment's program with its prefix, and passes its exit status on", async () => {
    const r = await cli("run", "-p", envA, "hello");
    assert.equal(r.stdout, `Hello from libgreet 1.1, installed in ${envA}\nhello 1.0 says hi\n`);
    const fail = await sb.run(["run", "-p", envA, "sh", "-c", "exit 3"]);
    assert.equal(fail.code, 3);
  });

  test("install adds a real package from the shared data (conda-test-recipes small-executable)", async () => {
    await cli("install", "-y", "-q", "-p", envA, ...chan(), "small-executable");
    assert.ok(condaMetaNames(envA).includes("small-executable-1.0-0.json"));
    assert.equal((await cli("run", "-p", envA, "small", "there")).stdout, "Hello! there\n");
    const hist = readFileSync(join(envA, "conda-meta", "history"), "utf8");
    assert.match(hist, /^# update specs: \['small-executable'\]$/m);
  });

  test("install of the real Anaconda zlib .tar.bz2 relocates its pkg-config file and keeps the library bytes", async (t) => {
    if (!linux64)
      return t.skip(`zlib 1.2.11 in the shared data is a linux-64 build; this host is ${currentSubdir()}`);
    await cli("install", "-y", "-q", "-p", envA, ...chan(), "zlib");
    const pc = readFileSync(join(envA, "lib", "pkgconfig", "zlib.pc"), "utf8");
    assert.match(pc, new RegExp(`^prefix=${envA.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    assert.ok(!pc.includes(PLACEHOLDER));
    // the hash conda's paths.json gives for the shared library (no placeholder in it: linked as is)
    assert.equal(
      sha256File(join(envA, "lib", "libz.so.1.2.11")),
      "79aa69435cd17d98c25fbe1ac03aa6681b6edee04a5fb04c141ab1effcaa3c3f",
    );
    const rec = readJson(join(envA, "conda-meta", "zlib-1.2.11-h7b6447c_3.json"));
    assert.equal(rec.fn, "zlib-1.2.11-h7b6447c_3.tar.bz2");
    assert.ok((rec.files as string[]).includes("include/zlib.h"));
    assert.ok(condaMetaNames(envA).includes("libgcc-ng-7.3.0-0.json"), "its dependency came along");
    const doctor = await cli("doctor", "-p", envA);
    assert.match(doctor.stdout, /No problems found\./);
  });

  test("update picks a newer libgreet published to the channel after re-indexing", async () => {
    await packRecipe(
      sb,
      writeLibgreet12(sb.path("recipes", "libgreet-1.2")),
      sb.path("srv", "main", "noarch"),
    );
    await cli("index", sb.path("srv", "main"), "-q");
    const r = await cli("update", "-y", "-p", envA, ...chan(), "libgreet");
    assert.match(r.stdout, /The following packages will be UPDATED:/);
    assert.match(r.stdout, /libgreet\s+1\.1-0 --> 1\.2-0/);
    const names = condaMetaNames(envA);
    assert.ok(names.includes("libgreet-1.2-0.json") && !names.includes("libgreet-1.1-0.json"));
    assert.equal(
      (await cli("run", "-p", envA, "hello")).stdout.split("\n")[0],
      `Hello from libgreet 1.2, installed in ${envA}`,
    );
    const hist = readFileSync(join(envA, "conda-meta", "history"), "utf8");
    assert.match(hist, /^-\S+::libgreet-1\.1-0\n\+\S+::libgreet-1\.2-0$/m);
  });

  test("remove unlinks the package's files and record and leaves the others alone", async () => {
    const greetingBefore = sha256File(join(envA, "share", "libgreet", "greeting.txt"));
    await cli("remove", "-y", "-q", "-p", envA, "small-executable");
    assert.ok(!existsSync(join(envA, "bin", "small")));
    assert.ok(!existsSync(join(envA, "etc", "conda", "activate.d", "small_executable.sh")));
    assert.ok(!condaMetaNames(envA).includes("small-executable-1.0-0.json"));
    assert.ok(existsSync(join(envA, "bin", "hello")));
    assert.equal(sha256File(join(envA, "share", "libgreet", "greeting.txt")), greetingBefore);
    assert.match(
      readFileSync(join(envA, "conda-meta", "history"), "utf8"),
      /^# remove specs: \['small-executable'\]$/m,
    );
  });

  test("list --explicit --sha256 exports an environment that create --file recreates identically", async () => {
    const exported = (await cli("list", "-p", envA, "--explicit", "--sha256")).stdout;
    assert.match(exported, /^@EXPLICIT$/m);
    const urls = exported.split("\n").filter((l) => l.startsWith("http"));
    assert.ok(urls.length >= 2 && urls.every((l) => /#[0-9a-f]{64}$/.test(l)), exported);
    const file = sb.path("export.txt");
    writeFileSync(file, exported);
    await cli("create", "-y", "-q", "-p", envB, "--file", file);
    const a = (await cli("list", "-p", envA, "--explicit")).stdout;
    const b = (await cli("list", "-p", envB, "--explicit")).stdout;
    assert.equal(b, a);
    assert.equal((await cli("list", "-p", envB, "--explicit", "--sha256")).stdout, exported);
    assert.deepEqual(condaMetaNames(envB), condaMetaNames(envA));
    assert.equal(
      (await cli("run", "-p", envB, "hello")).stdout.split("\n")[0],
      `Hello from libgreet 1.2, installed in ${envB}`,
    );
  });

  test("install --revision 0 rolls the environment back to what create made", async () => {
    const revs = JSON.parse((await cli("list", "-p", envA, "--revisions", "--json")).stdout) as {
      rev: number;
    }[];
    assert.ok(revs.length >= 4, `revisions: ${revs.length}`);
    assert.deepEqual(
      revs.map((r) => r.rev),
      revs.map((_, i) => i),
    );
    await cli("install", "-y", "-q", "-p", envA, "--override-channels", "--revision", "0");
    assert.deepEqual(condaMetaNames(envA), ["hello-1.0-0.json", "libgreet-1.1-0.json"]);
    assert.ok(!existsSync(join(envA, "lib", "libz.so.1.2.11")), "zlib, installed after revision 0, is gone");
    assert.equal(
      (await cli("run", "-p", envA, "hello")).stdout.split("\n")[0],
      `Hello from libgreet 1.1, installed in ${envA}`,
    );
    const after = JSON.parse((await cli("list", "-p", envA, "--revisions", "--json")).stdout) as unknown[];
    assert.equal(after.length, revs.length + 1, "the rollback is itself a new revision");
    // the requests recorded are those of revision 0, so later commands do not bring zlib back
    const last = readFileSync(join(envA, "conda-meta", "history"), "utf8")
      .split("==>")
      .pop()!;
    assert.match(last, /^# update specs: \['hello'\]$/m);
    if (linux64) assert.match(last, /^# remove specs: \[.*'zlib'.*\]$/m);
  });

  test("--dry-run --json prints conda's plan object and changes nothing", async () => {
    const before = snapshotTree(envA);
    const r = await cli("install", "-p", envA, ...chan(), "--dry-run", "--json", "libgreet=1.0");
    const out = JSON.parse(r.stdout) as {
      success: boolean;
      dry_run: boolean;
      actions: { LINK: Record<string, unknown>[]; UNLINK: Record<string, unknown>[]; PREFIX: string };
    };
    assert.equal(out.success, true);
    assert.equal(out.dry_run, true);
    assert.equal(out.actions.PREFIX, envA);
    assert.deepEqual(
      out.actions.LINK.map((l) => `${l.name}-${l.version}-${l.build_string}`),
      ["libgreet-1.0-0"],
    );
    const link = out.actions.LINK[0]!;
    assert.equal(link.name, "libgreet");
    assert.equal(link.version, "1.0");
    assert.equal(link.build_string, "0");
    assert.equal(link.channel, channel);
    assert.equal(link.url, `${channel}/noarch/libgreet-1.0-0.conda`);
    assert.equal(link.sha256, sha256File(sb.path("srv", "main", "noarch", "libgreet-1.0-0.conda")));
    assert.deepEqual(
      out.actions.UNLINK.map((u) => `${u.name}-${u.version}-${u.build_string}`),
      ["libgreet-1.1-0"],
    );
    assert.deepEqual(snapshotTree(envA), before);
  });

  test("update --all lets earlier requests float, as conda does (libgreet=1.0 requested → 1.2)", async () => {
    await cli("install", "-y", "-q", "-p", envA, ...chan(), "libgreet=1.0");
    assert.ok(condaMetaNames(envA).includes("libgreet-1.0-0.json"));
    const r = await cli("update", "-y", "-p", envA, ...chan(), "--all");
    assert.match(r.stdout, /libgreet\s+1\.0-0 --> 1\.2-0/);
    assert.deepEqual(condaMetaNames(envA), ["hello-1.0-0.json", "libgreet-1.2-0.json"]);
  });

  test("doctor passes a clean environment and names tampered and missing files", async () => {
    assert.match((await cli("doctor", "-p", envB)).stdout, /No problems found\./);
    writeFileSync(join(envB, "share", "libgreet", "greeting.txt"), "tampered\n");
    rmSync(join(envB, "bin", "hello"));
    const r = await sb.run(["doctor", "-p", envB]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /modified\s+libgreet-1\.2-0: share\/libgreet\/greeting\.txt/);
    assert.match(r.stdout, /missing\s+hello-1\.0-0: bin\/hello/);
    const j = await sb.run(["doctor", "-p", envB, "--json"]);
    assert.equal(j.code, 1);
    const report = JSON.parse(j.stdout) as { success: boolean; problems: { kind: string; path: string }[] };
    assert.equal(report.success, false);
    assert.deepEqual(report.problems.map((p) => `${p.kind} ${p.path}`).sort(), [
      "missing bin/hello",
      "modified share/libgreet/greeting.txt",
    ]);
    assert.ok(!looksLikeCrash(r.stderr));
  });

  test("remove --all deletes the environment and its registration; an empty one says nothing odd", async () => {
    const r = await cli("remove", "-y", "-p", envB, "--all");
    assert.match(
      r.stdout,
      new RegExp(`Removed the environment at ${envB.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
    );
    assert.ok(!existsSync(envB));
    const registry = readFileSync(join(sb.home, ".conda", "environments.txt"), "utf8").split("\n");
    assert.ok(!registry.includes(envB) && registry.includes(envA));
    const empty = sb.path("envs", "empty");
    await cli("create", "-y", "-p", empty);
    assert.deepEqual(readdirSync(join(empty, "conda-meta")), ["history"]);
    const e = await cli("remove", "-y", "-p", empty, "--all");
    assert.doesNotMatch(e.stdout, /already installed/);
    assert.ok(!existsSync(empty));
  });

  test("create --file environment.yml uses the file's channels (nodefaults: not the configured ones) and variables", async () => {
    const yml = sb.path("environment.yml");
    writeFileSync(
      yml,
      `name: fromfile\nchannels:\n  - ${channel}\n  - nodefaults\ndependencies:\n  - hello\n  - libgreet=1.1\nvariables:\n  GREET_STYLE: loud\n`,
    );
    const prefix = sb.path("envs", "fromfile");
    // no -c and no --override-channels: the configured default (conda-forge, unreachable here) must not be asked
    await cli("create", "-y", "-q", "-p", prefix, "--file", yml);
    assert.deepEqual(condaMetaNames(prefix), ["hello-1.0-0.json", "libgreet-1.1-0.json"]);
    assert.equal((await cli("run", "-p", prefix, "hello")).stdout.split("\n")[1], "hello 1.0 says hi (loud)");
  });

  test("two installs into one environment at once both land (the second solves after the first)", async () => {
    const prefix = sb.path("envs", "together");
    await cli("create", "-y", "-q", "-p", prefix, ...chan(), "hello");
    const [a, b] = await Promise.all([
      sb.run(["install", "-y", "-q", "-p", prefix, ...chan(), "small-executable"]),
      sb.run(["install", "-y", "-q", "-p", prefix, ...chan(), "greet-activate"]),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const names = condaMetaNames(prefix);
    assert.ok(
      names.includes("small-executable-1.0-0.json") && names.includes("greet-activate-1.0-0.json"),
      `${names}`,
    );
    assert.match((await cli("doctor", "-p", prefix)).stdout, /No problems found\./);
  });

  test("after a SIGKILL in the middle of an install, doctor finishes the transaction", async () => {
    const prefix = sb.path("envs", "killed");
    await cli("create", "-y", "-q", "-p", prefix, ...chan(), "hello");
    // the install passes 16 fault points; pause at the 8th (mid-link) and kill it there
    const r = await sb.run(
      ["install", "-y", "-q", "-p", prefix, ...chan(), "small-executable", "greet-activate"],
      {
        env: { TAIPAN_FAULT_PAUSE_AT: "8" },
        killWhen: /TAIPAN_FAULT_PAUSED 8/,
      },
    );
    assert.equal(r.signal, "SIGKILL", `the install was killed mid-way: ${r.stderr}`);
    assert.ok(
      existsSync(join(prefix, "conda-meta", ".taipan-transaction.json")),
      "the journal survives the kill",
    );
    const d = await cli("doctor", "-p", prefix);
    assert.match(d.stdout, /An interrupted transaction was found and rolled (forward|back)\./);
    assert.match(d.stdout, /No problems found\./);
    assert.ok(!existsSync(join(prefix, "conda-meta", ".taipan-transaction.json")));
    const names = condaMetaNames(prefix);
    const added = ["greet-activate-1.0-0.json", "small-executable-1.0-0.json"].filter((n) =>
      names.includes(n),
    );
    assert.ok(added.length === 0 || added.length === 2, `all or nothing: ${names}`);
    assert.match(
      (await cli("doctor", "-p", prefix)).stdout,
      /^Checked \d+ packages[^\n]*\nNo problems found\.$/m,
    );
  });

  test("list reads environments conda made (../shared/data conda-meta directories)", async () => {
    const root = sharedData("conda-meta", "conda-env-metadata");
    for (const name of readdirSync(root).sort()) {
      const prefix = sb.path("conda-made", name);
      mkdirSync(prefix, { recursive: true });
      cpSync(join(root, name, "conda-meta"), join(prefix, "conda-meta"), { recursive: true });
      const records = readdirSync(join(prefix, "conda-meta"))
        .filter((f) => f.endsWith(".json"))
        .map((f) => readJson(join(prefix, "conda-meta", f)));
      const text = (await cli("list", "-p", prefix)).stdout;
      assert.match(text, new RegExp(`^# packages in environment at ${prefix}:`, "m"));
      for (const rec of records)
        assert.match(
          text,
          new RegExp(`^${rec.name}\\s+${String(rec.version).replace(/\./g, "\\.")}\\s+${rec.build}\\b`, "m"),
          `${name}: ${rec.name}`,
        );
      const json = JSON.parse((await cli("list", "-p", prefix, "--json")).stdout) as Record<
        string,
        unknown
      >[];
      assert.deepEqual(
        json.map((e) => `${e.name}-${e.version}-${e.build_string}`).sort(),
        records.map((r) => `${r.name}-${r.version}-${r.build}`).sort(),
        name,
      );
      for (const e of json) assert.equal(typeof e.channel, "string");
      if (existsSync(join(prefix, "conda-meta", "history"))) {
        const revs = JSON.parse(
          (await cli("list", "-p", prefix, "--revisions", "--json")).stdout,
        ) as unknown[];
        assert.ok(revs.length >= 1, `${name}: conda's history has revisions`);
      }
    }
  });
});
