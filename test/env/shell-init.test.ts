// `taipan shell init` / `shell deinit`: the managed block in each shell's rc file (unit), and end to
// end with a temporary HOME and a real interactive bash that sources ~/.bashrc and activates.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { INIT_END, INIT_START, rcFileFor, renderInitBlock, withInitBlock } from "../../src/env/shell-init.js";
import { Sandbox } from "../cli/support/cli-sandbox.js";

const inv = { exe: "/opt/taipan's/bin/taipan", args: [] };

describe("rc files and the managed block", () => {
  test("each shell's rc file", () => {
    const env = { HOME: "/h" };
    assert.equal(rcFileFor("bash", env, "linux"), "/h/.bashrc");
    assert.equal(rcFileFor("zsh", env, "linux"), "/h/.zshrc");
    assert.equal(rcFileFor("zsh", { ...env, ZDOTDIR: "/z" }, "linux"), "/z/.zshrc");
    assert.equal(rcFileFor("fish", env, "linux"), "/h/.config/fish/config.fish");
    assert.equal(rcFileFor("fish", { ...env, XDG_CONFIG_HOME: "/x" }, "linux"), "/x/fish/config.fish");
    assert.equal(
      rcFileFor("powershell", env, "linux"),
      "/h/.config/powershell/Microsoft.PowerShell_profile.ps1",
    );
  });

  test("the block evaluates the hook of this taipan by absolute path, quoted per shell", () => {
    const bash = renderInitBlock("bash", inv, "/r");
    assert.ok(bash.startsWith(`${INIT_START}\n`) && bash.endsWith(`${INIT_END}\n`));
    assert.match(bash, /export TAIPAN_ROOT_PREFIX='\/r'/);
    assert.ok(bash.includes(`eval "$('/opt/taipan'\\''s/bin/taipan' shell hook --shell bash)"`));
    assert.ok(
      renderInitBlock("fish", inv).includes("'/opt/taipan\\'s/bin/taipan' shell hook --shell fish | source"),
    );
    assert.ok(
      renderInitBlock("powershell", inv).includes(
        "(& '/opt/taipan''s/bin/taipan' shell hook --shell powershell) | Out-String | Invoke-Expression",
      ),
    );
    assert.doesNotMatch(renderInitBlock("zsh", inv), /TAIPAN_ROOT_PREFIX/);
  });

  test("init appends once, re-init replaces, deinit restores the original text", () => {
    const original = "alias ll='ls -l'\nexport EDITOR=vi\n";
    const b1 = renderInitBlock("bash", inv);
    const once = withInitBlock(original, b1);
    assert.equal(once, `${original}\n${b1}`);
    assert.equal(withInitBlock(once, b1), once);
    const b2 = renderInitBlock("bash", inv, "/other");
    const twice = withInitBlock(once, b2);
    assert.equal(twice.split(INIT_START).length, 2);
    assert.ok(twice.includes("/other"));
    assert.equal(withInitBlock(twice, undefined), original);
    // Lines after the block survive both replacement and removal.
    const middle = `${once}echo after\n`;
    assert.ok(withInitBlock(middle, b2).endsWith(`${INIT_END}\necho after\n`));
    assert.equal(withInitBlock(middle, undefined), `${original}echo after\n`);
    assert.equal(withInitBlock("", b1), b1);
    assert.equal(withInitBlock(b1, undefined), "");
  });
});

describe("taipan shell init (CLI)", () => {
  let sb: Sandbox;
  before(async () => {
    sb = await Sandbox.create("shell-init");
  });
  after(async () => {
    await sb?.cleanup();
  });

  test("--dry-run writes nothing", async () => {
    const r = await sb.ok(["shell", "init", "--shell", "bash", "--dry-run"]);
    assert.match(r.stdout, /taipan initialize/);
    assert.equal(existsSync(join(sb.home, ".bashrc")), false);
  });

  test("init, re-init and deinit of fish and zsh files", async () => {
    await sb.ok(["shell", "init", "--shell", "fish"]);
    const fish = join(sb.home, ".config", "fish", "config.fish");
    assert.match(readFileSync(fish, "utf8"), /shell hook --shell fish \| source/);
    await sb.ok(["shell", "init", "--shell", "zsh", "--root-prefix", sb.rootPrefix]);
    await sb.ok(["shell", "init", "--shell", "zsh", "--root-prefix", sb.rootPrefix]);
    const zsh = readFileSync(join(sb.home, ".zshrc"), "utf8");
    assert.equal(zsh.split(INIT_START).length, 2);
    await sb.ok(["shell", "deinit", "--shell", "zsh"]);
    assert.equal(readFileSync(join(sb.home, ".zshrc"), "utf8"), "");
    const again = await sb.ok(["shell", "deinit", "--shell", "zsh"]);
    assert.match(again.stdout, /No change/);
  });

  test("a real interactive bash reading ~/.bashrc can 'taipan activate' an environment", async (t) => {
    if (spawnSync("bash", ["--version"]).status !== 0) return t.skip("no bash");
    mkdirSync(sb.home, { recursive: true });
    writeFileSync(join(sb.home, ".bashrc"), "export BEFORE_TAIPAN=1\n");
    await sb.ok(["create", "-n", "demo", "-y"]);
    await sb.ok(["shell", "init", "--shell", "bash", "--root-prefix", sb.rootPrefix]);
    const rc = readFileSync(join(sb.home, ".bashrc"), "utf8");
    assert.ok(rc.startsWith("export BEFORE_TAIPAN=1\n"));
    // The shell gets no TAIPAN_ROOT_PREFIX of its own: the block must provide it.
    const env = { ...sb.env };
    delete env.TAIPAN_ROOT_PREFIX;
    const r = spawnSync(
      "bash",
      ["-ic", 'taipan activate demo && echo "PREFIX=$CONDA_PREFIX NAME=$CONDA_DEFAULT_ENV B=$BEFORE_TAIPAN"'],
      { env, cwd: sb.home, encoding: "utf8", timeout: 30_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`PREFIX=${join(sb.rootPrefix, "envs", "demo")} NAME=demo B=1`));

    await sb.ok(["shell", "deinit", "--shell", "bash"]);
    assert.equal(readFileSync(join(sb.home, ".bashrc"), "utf8"), "export BEFORE_TAIPAN=1\n");
    const gone = spawnSync("bash", ["-ic", "type taipan >/dev/null 2>&1 && echo HAS || echo NONE"], {
      env: { ...env, PATH: "/usr/bin:/bin" },
      cwd: sb.home,
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.match(gone.stdout, /NONE/);
  });
});
