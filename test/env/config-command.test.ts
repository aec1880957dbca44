import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT } from "../support/paths.js";
import { entryArgv } from "./fixtures/entry.js";

let home: string;

function taipan(args: string[], extraEnv: Record<string, string> = {}) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    NO_COLOR: "1",
    ...extraEnv,
  };
  const [node, ...pre] = entryArgv();
  return spawnSync(node!, [...pre, ...args], {
    cwd: REPO_ROOT,
    env,
    encoding: "utf8",
  });
}

before(() => {
  home = mkdtempSync(join(tmpdir(), "taipan-config-cli-"));
});
after(() => rmSync(home, { recursive: true, force: true }));

describe("taipan config", () => {
  it("edits ~/.condarc, shows merged values and gets them back as commands", () => {
    writeFileSync(join(home, ".condarc"), "# keep me\nchannels:\n  - bioconda\n");
    let r = taipan([
      "config",
      "--add",
      "channels",
      "first",
      "--append",
      "channels",
      "last",
      "--set",
      "always_yes",
      "true",
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(readFileSync(join(home, ".condarc"), "utf8"), /^# keep me/);
    r = taipan(["config", "--show", "channels", "always_yes", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { channels: ["first", "bioconda", "last"], always_yes: true });
    r = taipan(["config", "--get", "channels"]);
    assert.equal(
      r.stdout,
      "--add channels 'last'   # lowest priority\n--add channels 'bioconda'\n--add channels 'first'   # highest priority\n",
    );
    r = taipan(["config", "--show", "channel_priority"], { CONDA_CHANNEL_PRIORITY: "strict" });
    assert.equal(r.stdout, "channel_priority: strict\n");
  });

  it("fails with a hint on a broken .condarc and on a wrong edit", () => {
    const file = join(home, "broken.yml");
    writeFileSync(file, "channels: [a\n");
    let r = taipan(["config", "--show"], { CONDARC: file });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`invalid configuration file ${file}:\\d+`));
    assert.match(r.stderr, /hint: /);
    r = taipan(["config", "--set", "channels", "x", "--file", join(home, "other.yml")]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot be --set/);
    r = taipan(["config", "--set", "channels"]);
    assert.equal(r.status, 2);
  });
});
