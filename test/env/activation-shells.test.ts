import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { entryArgv } from "./fixtures/entry.js";

// Activation in real bash, zsh and fish processes: eval the hook, activate, stack, deactivate.
let root: string;
let exe: string;
let demo: string;
let other: string;
const BASE_PATH = "/usr/local/bin:/usr/bin:/bin";

function makeEnv(prefix: string, label: string, withScripts: boolean): void {
  mkdirSync(join(prefix, "conda-meta"), { recursive: true });
  mkdirSync(join(prefix, "bin"), { recursive: true });
  writeFileSync(join(prefix, "bin", "hello"), `#!/bin/sh\necho "hello from ${label}"\n`);
  chmodSync(join(prefix, "bin", "hello"), 0o755);
  if (!withScripts) return;
  writeFileSync(
    join(prefix, "conda-meta", "state"),
    JSON.stringify({ env_vars: { DEMO_VAR: "from-state" } }),
  );
  const act = join(prefix, "etc", "conda", "activate.d");
  const deact = join(prefix, "etc", "conda", "deactivate.d");
  mkdirSync(act, { recursive: true });
  mkdirSync(deact, { recursive: true });
  writeFileSync(join(act, "x.sh"), "export DEMO_ACTIVATED=sh\n");
  writeFileSync(join(act, "x.fish"), "set -gx DEMO_ACTIVATED fish\n");
  writeFileSync(join(deact, "x.sh"), "unset DEMO_ACTIVATED\nexport DEMO_DEACTIVATED=sh\n");
  writeFileSync(join(deact, "x.fish"), "set -e DEMO_ACTIVATED\nset -gx DEMO_DEACTIVATED fish\n");
}

before(() => {
  root = mkdtempSync(join(tmpdir(), "taipan-activation-"));
  const base = join(root, "root");
  mkdirSync(join(base, "conda-meta"), { recursive: true });
  demo = join(base, "envs", "demo");
  other = join(base, "envs", "other");
  makeEnv(demo, "demo", true);
  makeEnv(other, "other", false);
  mkdirSync(join(root, "home"));
  exe = join(root, "taipan");
  writeFileSync(
    exe,
    `#!/bin/sh\nexec ${entryArgv()
      .map((a) => `'${a}'`)
      .join(" ")} "$@"\n`,
  );
  chmodSync(exe, 0o755);
});
after(() => rmSync(root, { recursive: true, force: true }));

function runShell(shell: string, args: string[], script: string): Map<string, string> {
  const r = spawnSync(shell, [...args, script], {
    cwd: tmpdir(),
    encoding: "utf8",
    env: {
      PATH: BASE_PATH,
      HOME: join(root, "home"),
      TAIPAN_ROOT_PREFIX: join(root, "root"),
      TAIPAN_EXE: exe,
      DEMO_VAR: "original",
      NO_COLOR: "1",
    },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `${shell} failed:\n${r.stdout}\n${r.stderr}`);
  const out = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

const POSIX_SCRIPT = (shell: string) => `
eval "$("$TAIPAN_EXE" shell hook --shell ${shell})"
ORIG_PATH="$PATH"
taipan activate demo || exit 9
echo "which1=$(command -v hello)"
echo "hello1=$(hello)"
echo "act1=\${DEMO_ACTIVATED:-}"
echo "var1=\${DEMO_VAR:-}"
echo "shlvl1=$CONDA_SHLVL"
echo "prefix1=$CONDA_PREFIX"
echo "name1=$CONDA_DEFAULT_ENV"
echo "modifier1=$CONDA_PROMPT_MODIFIER"
taipan activate other || exit 9
echo "which2=$(command -v hello)"
echo "shlvl2=$CONDA_SHLVL"
echo "p1_2=\${CONDA_PREFIX_1:-}"
echo "deact2=\${DEMO_DEACTIVATED:-}"
echo "var2=\${DEMO_VAR:-}"
taipan deactivate || exit 9
echo "which3=$(command -v hello)"
echo "prefix3=$CONDA_PREFIX"
echo "act3=\${DEMO_ACTIVATED:-}"
taipan deactivate || exit 9
echo "shlvl4=$CONDA_SHLVL"
echo "prefix4=\${CONDA_PREFIX-unset}"
echo "var4=\${DEMO_VAR-unset}"
echo "which4=$(command -v hello || echo none)"
[ "$PATH" = "$ORIG_PATH" ] && echo "path4=restored"
taipan activate no-such-env 2>/dev/null
echo "missing=$?"
`;

const FISH_SCRIPT = `
$TAIPAN_EXE shell hook --shell fish | source
set -l ORIG_PATH "$PATH"
taipan activate demo; or exit 9
echo "which1="(command -v hello)
echo "hello1="(hello)
echo "act1=$DEMO_ACTIVATED"
echo "var1=$DEMO_VAR"
echo "shlvl1=$CONDA_SHLVL"
echo "prefix1=$CONDA_PREFIX"
echo "name1=$CONDA_DEFAULT_ENV"
echo "modifier1=$CONDA_PROMPT_MODIFIER"
taipan activate other; or exit 9
echo "which2="(command -v hello)
echo "shlvl2=$CONDA_SHLVL"
echo "p1_2=$CONDA_PREFIX_1"
echo "deact2=$DEMO_DEACTIVATED"
echo "var2=$DEMO_VAR"
taipan deactivate; or exit 9
echo "which3="(command -v hello)
echo "prefix3=$CONDA_PREFIX"
echo "act3=$DEMO_ACTIVATED"
taipan deactivate; or exit 9
echo "shlvl4=$CONDA_SHLVL"
set -q CONDA_PREFIX; and echo "prefix4=$CONDA_PREFIX"; or echo "prefix4=unset"
echo "var4=$DEMO_VAR"
command -q hello; and echo "which4="(command -v hello); or echo "which4=none"
test "$PATH" = "$ORIG_PATH"; and echo "path4=restored"
taipan activate no-such-env 2>/dev/null
echo "missing=$status"
`;

function check(out: Map<string, string>, scriptFlavour: "sh" | "fish"): void {
  assert.equal(out.get("which1"), join(demo, "bin", "hello"));
  assert.equal(out.get("hello1"), "hello from demo");
  assert.equal(out.get("act1"), scriptFlavour);
  assert.equal(out.get("var1"), "from-state");
  assert.equal(out.get("shlvl1"), "1");
  assert.equal(out.get("prefix1"), demo);
  assert.equal(out.get("name1"), "demo");
  assert.equal(out.get("modifier1"), "(demo) ");
  // Activating another environment replaces demo on PATH and runs demo's deactivate.d.
  assert.equal(out.get("which2"), join(other, "bin", "hello"));
  assert.equal(out.get("shlvl2"), "2");
  assert.equal(out.get("p1_2"), demo);
  assert.equal(out.get("deact2"), scriptFlavour);
  assert.equal(out.get("var2"), "original");
  // Back to demo: its activate.d runs again.
  assert.equal(out.get("which3"), join(demo, "bin", "hello"));
  assert.equal(out.get("prefix3"), demo);
  assert.equal(out.get("act3"), scriptFlavour);
  // Fully deactivated: PATH and the user's own DEMO_VAR are back.
  assert.equal(out.get("shlvl4"), "0");
  assert.equal(out.get("prefix4"), "unset");
  assert.equal(out.get("var4"), "original");
  assert.equal(out.get("which4"), "none");
  assert.equal(out.get("path4"), "restored");
  assert.equal(out.get("missing"), "1");
}

describe("activation in real shells", () => {
  it("bash", () => check(runShell("bash", ["--noprofile", "--norc", "-c"], POSIX_SCRIPT("bash")), "sh"));
  it("zsh", { skip: !existsSync("/usr/bin/zsh") && "zsh not installed" }, () =>
    check(runShell("zsh", ["-f", "-c"], POSIX_SCRIPT("zsh")), "sh"),
  );
  it("fish", { skip: !existsSync("/usr/bin/fish") && "fish not installed" }, () =>
    check(runShell("fish", ["--no-config", "-c"], FISH_SCRIPT), "fish"),
  );
});
