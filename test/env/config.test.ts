import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readCondarc } from "../../src/env/condarc-file.js";
import { condarcFiles, defaultSearchPath } from "../../src/env/condarc-search-path.js";
import { loadConfig, mergeSequences } from "../../src/env/config.js";
import { CondarcEditor } from "../../src/env/config-edit.js";
import { CondarcError, ConfigEditError } from "../../src/env/errors.js";

let root: string;
let home: string;
// Only the user part of the search path, so a real /etc/conda on the machine cannot leak in.
const userSearchPath = defaultSearchPath("linux").filter(
  (p) => !p.startsWith("/etc") && !p.startsWith("/var"),
);

function write(path: string, text: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function freshHome(): string {
  const h = mkdtempSync(join(root, "home-"));
  return h;
}

before(() => {
  root = mkdtempSync(join(tmpdir(), "taipan-config-"));
  home = freshHome();
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("condarc search path", () => {
  it("finds files in conda's order, with condarc.d YAML files sorted and duplicates once", () => {
    const h = freshHome();
    const condaRoot = join(root, "conda-root");
    const xdg = join(h, ".config");
    write(join(condaRoot, ".condarc"), "offline: true\n");
    write(join(xdg, "conda", "condarc.d", "b.yml"), "{}\n");
    write(join(xdg, "conda", "condarc.d", "a.yaml"), "{}\n");
    write(join(xdg, "conda", "condarc.d", "ignored.txt"), "{}\n");
    write(join(h, ".conda", ".condarc"), "{}\n");
    write(join(h, ".condarc"), "{}\n");
    const extra = write(join(root, "extra.yml"), "{}\n");
    const env = {
      HOME: h,
      CONDA_ROOT: condaRoot,
      XDG_CONFIG_HOME: xdg,
      CONDARC: extra,
      TAIPAN_ROOT_PREFIX: join(h, "tp"),
    };
    const files = condarcFiles(env, userSearchPath);
    assert.deepEqual(files, [
      join(condaRoot, ".condarc"),
      join(xdg, "conda", "condarc.d", "a.yaml"),
      join(xdg, "conda", "condarc.d", "b.yml"),
      join(h, ".conda", ".condarc"),
      join(h, ".condarc"),
      extra,
    ]);
  });
});

describe("loadConfig", () => {
  it("gives taipan's defaults under TAIPAN_ROOT_PREFIX", () => {
    const h = freshHome();
    const c = loadConfig({ env: { HOME: h, TAIPAN_ROOT_PREFIX: join(h, "tp") }, searchPath: userSearchPath });
    assert.deepEqual(c.channels, ["conda-forge"]);
    assert.equal(c.root_prefix, join(h, "tp"));
    assert.deepEqual(c.envs_dirs, [join(h, "tp", "envs"), join(h, ".conda", "envs")]);
    assert.deepEqual(c.pkgs_dirs, [join(h, "tp", "pkgs")]);
    assert.equal(c.channel_priority, "strict");
    assert.equal(c.always_yes, false);
    const d = loadConfig({ env: { HOME: h }, searchPath: userSearchPath });
    assert.equal(d.root_prefix, join(h, ".taipan"));
  });

  it("merges lists with later files first, scalars by override, maps per key", () => {
    const h = freshHome();
    write(
      join(h, ".conda", ".condarc"),
      "channels:\n  - a\n  - b\nchannel_priority: strict\nproxy_servers:\n  http: p1\n  https: p2\n",
    );
    write(join(h, ".condarc"), "channels: [c, a]\nchannel_priority: disabled\nproxy_servers:\n  http: p3\n");
    const c = loadConfig({ env: { HOME: h }, searchPath: userSearchPath });
    assert.deepEqual(c.channels, ["c", "a", "b"]);
    assert.equal(c.channel_priority, "disabled");
    assert.deepEqual(c.proxy_servers, { http: "p3", https: "p2" });
  });

  it("honours #!final, #!top and #!bottom", () => {
    const h = freshHome();
    write(
      join(h, ".conda", ".condarc"),
      "channels:\n  - sys-top   #!top\n  - sys\n  - sys-bottom #!bottom\nchannel_priority: strict  #!final\n",
    );
    write(join(h, ".condarc"), "channels:\n  - user\nchannel_priority: disabled\n");
    const c = loadConfig({ env: { HOME: h }, searchPath: userSearchPath });
    assert.deepEqual(c.channels, ["sys-top", "user", "sys", "sys-bottom"]);
    assert.equal(c.channel_priority, "strict");

    const h2 = freshHome();
    write(join(h2, ".conda", ".condarc"), "channels: #!final\n  - locked\n");
    write(join(h2, ".condarc"), "channels:\n  - user\n");
    assert.deepEqual(loadConfig({ env: { HOME: h2 }, searchPath: userSearchPath }).channels, ["locked"]);
  });

  it("mergeSequences follows conda's order for top and bottom markers", () => {
    assert.deepEqual(
      mergeSequences([
        { values: ["a", "b"], flags: [undefined, "bottom"] },
        { values: ["c", "b"], flags: ["top", undefined] },
      ]),
      ["c", "a", "b"],
    );
  });

  it("reads CONDA_* variables above files and command-line overrides above both", () => {
    const h = freshHome();
    write(
      join(h, ".condarc"),
      "channels: [file]\nalways_yes: false\noffline: false\npkgs_dirs: [/from/file]\n",
    );
    const env = {
      HOME: h,
      CONDA_CHANNELS: "env1,env2",
      CONDA_ALWAYS_YES: "yes",
      CONDA_OFFLINE: "true",
      CONDA_PKGS_DIRS: "/p1,/p2",
      CONDA_ENVS_PATH: ["/e1", "/e2"].join(delimiter),
      CONDA_CHANNEL_PRIORITY: "strict",
      CONDA_PINNED_PACKAGES: "python=3.11&numpy<2",
    };
    const c = loadConfig({ env, searchPath: userSearchPath });
    assert.deepEqual(c.channels, ["env1", "env2", "file"]);
    assert.equal(c.always_yes, true);
    assert.equal(c.offline, true);
    assert.deepEqual(c.pkgs_dirs, ["/p1", "/p2", "/from/file"]);
    assert.deepEqual(c.envs_dirs.slice(0, 2), ["/e1", "/e2"]);
    assert.equal(c.channel_priority, "strict");
    assert.deepEqual(c.pinned_packages, ["python=3.11", "numpy<2"]);
    const o = loadConfig({
      env,
      searchPath: userSearchPath,
      overrides: { channels: ["cli"], offline: false },
    });
    assert.deepEqual(o.channels, ["cli", "env1", "env2", "file"]);
    assert.equal(o.offline, false);
    assert.equal(
      loadConfig({ env: { HOME: h, CONDA_ENVS_DIRS: "/x" }, searchPath: userSearchPath }).envs_dirs[0],
      "/x",
    );
  });

  it("reads the target prefix's .condarc and expands variables in paths", () => {
    const h = freshHome();
    const prefix = join(root, "some-env");
    write(join(prefix, ".condarc"), "channels: [prefix-chan]\npkgs_dirs: [$MYCACHE/pkgs, ~/cache]\n");
    const c = loadConfig({ env: { HOME: h, MYCACHE: "/mc" }, searchPath: userSearchPath, prefix });
    assert.deepEqual(c.channels, ["prefix-chan"]);
    assert.deepEqual(c.pkgs_dirs, ["/mc/pkgs", join(h, "cache")]);
    assert.equal(c.activePrefix, undefined);
  });

  it("keeps unknown keys aside instead of failing", () => {
    const h = freshHome();
    const f = write(join(h, ".condarc"), "solver: libmamba\nchannels: [x]\n");
    const c = loadConfig({ env: { HOME: h }, searchPath: userSearchPath });
    assert.deepEqual(c.unknownKeys, [{ source: f, key: "solver" }]);
  });

  it("names the file and line of invalid YAML and of values of the wrong type", () => {
    const h = freshHome();
    const f = write(join(h, ".condarc"), "channels:\n  - ok\nssl_verify: true\nchannels2: [unclosed\n");
    assert.throws(
      () => loadConfig({ env: { HOME: h }, searchPath: userSearchPath }),
      (e: unknown) =>
        e instanceof CondarcError &&
        e.file === f &&
        e.line !== undefined &&
        e.message.includes(f) &&
        !!e.hint,
    );
    write(f, "offline: false\nchannels: conda-forge\n");
    assert.throws(
      () => loadConfig({ env: { HOME: h }, searchPath: userSearchPath }),
      (e: unknown) =>
        e instanceof CondarcError &&
        e.line === 2 &&
        /expected a list/.test(e.message) &&
        /channels: \[/.test(e.hint!),
    );
    write(f, "channel_priority: sometimes\n");
    assert.throws(
      () => loadConfig({ env: { HOME: h }, searchPath: userSearchPath }),
      /strict, flexible or disabled/,
    );
  });

  it("reports a file that cannot be read", () => {
    const dir = join(freshHome(), "a-directory");
    mkdirSync(dir);
    assert.throws(
      () => readCondarc(dir),
      (e: unknown) =>
        e instanceof CondarcError && e.file === dir && /cannot be read \(EISDIR\)/.test(e.message),
    );
  });

  it("reports an unreadable file", {
    skip:
      process.getuid?.() === 0
        ? "running as root: permissions cannot make a file unreadable (the directory-as-.condarc test covers the read error)"
        : false,
  }, () => {
    const h = freshHome();
    const f = write(join(h, ".condarc"), "channels: [x]\n");
    chmodSync(f, 0o000);
    try {
      assert.throws(
        () => loadConfig({ env: { HOME: h }, searchPath: userSearchPath }),
        (e: unknown) => e instanceof CondarcError && /EACCES/.test(e.message) && /chmod/.test(e.hint!),
      );
    } finally {
      chmodSync(f, 0o644);
    }
  });
});

describe("CondarcEditor", () => {
  it("adds, appends, sets and removes while keeping comments", () => {
    const f = write(
      join(home, "edit", ".condarc"),
      "# my settings\nchannels:\n  - bioconda  # science\nalways_yes: false # ask\n",
    );
    const ed = CondarcEditor.open(f);
    ed.add("channels", "first", "prepend");
    ed.add("channels", "last", "append");
    ed.set("always_yes", "yes");
    ed.set("proxy_servers.http", "http://proxy:8080");
    ed.set("channel_priority", "strict");
    ed.save();
    const text = readFileSync(f, "utf8");
    assert.match(text, /# my settings/);
    assert.match(text, /bioconda +# science/);
    const c = loadConfig({ env: { HOME: join(home, "edit") }, searchPath: userSearchPath });
    assert.deepEqual(c.channels, ["first", "bioconda", "last"]);
    assert.equal(c.always_yes, true);
    assert.equal(c.channel_priority, "strict");
    assert.deepEqual(c.proxy_servers, { http: "http://proxy:8080" });

    const ed2 = CondarcEditor.open(f);
    ed2.add("channels", "last", "prepend");
    assert.equal(ed2.warnings.length, 1);
    ed2.remove("channels", "bioconda");
    ed2.removeKey("proxy_servers");
    ed2.save();
    const c2 = loadConfig({ env: { HOME: join(home, "edit") }, searchPath: userSearchPath });
    assert.deepEqual(c2.channels, ["last", "first"]);
    assert.deepEqual(c2.proxy_servers, {});
  });

  it("seeds channels with the default when adding to a new file, and rejects wrong edits", () => {
    const f = join(home, "new", ".condarc");
    const ed = CondarcEditor.open(f);
    ed.add("channels", "bioconda", "prepend");
    ed.save();
    assert.deepEqual(loadConfig({ env: { HOME: join(home, "new") }, searchPath: userSearchPath }).channels, [
      "bioconda",
      "conda-forge",
    ]);
    const ed2 = CondarcEditor.open(f);
    assert.throws(() => ed2.set("channels", "x"), ConfigEditError);
    assert.throws(() => ed2.add("offline", "x", "append"), ConfigEditError);
    assert.throws(() => ed2.set("no_such_key", "x"), /unknown configuration key/);
    assert.throws(() => ed2.set("always_yes", "maybe"), /true or false/);
    assert.throws(() => ed2.remove("channels", "absent"), /not in the 'channels' list/);
    assert.throws(() => ed2.removeKey("offline"), /not set/);
  });
});
