import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  activationScripts,
  parseShell,
  planActivate,
  planDeactivate,
  planReactivate,
  replacePrefixInPath,
} from "../../src/env/activation.js";
import { ActivationError } from "../../src/env/errors.js";
import { readPrefixEnvVars, writePrefixEnvVars } from "../../src/env/prefix-env-vars.js";
import {
  activatedEnvironment,
  CommandNotFoundError,
  runInEnvironment,
} from "../../src/env/run-in-environment.js";
import { renderActivation, renderShellHook } from "../../src/env/shell-script.js";

let root: string;
let prefix: string;
const config = () => ({
  envs_dirs: [join(root, "envs")],
  root_prefix: root,
  env_prompt: "({default_env}) ",
  changeps1: true,
});

before(() => {
  root = mkdtempSync(join(tmpdir(), "taipan-activate-"));
  mkdirSync(join(root, "conda-meta"));
  prefix = join(root, "envs", "py");
  mkdirSync(join(prefix, "conda-meta"), { recursive: true });
  mkdirSync(join(prefix, "bin"));
  mkdirSync(join(prefix, "etc", "conda", "activate.d"), { recursive: true });
  mkdirSync(join(prefix, "etc", "conda", "env_vars.d"), { recursive: true });
  writeFileSync(
    join(prefix, "etc", "conda", "activate.d", "b.sh"),
    'export FROM_SCRIPT="seen $CONDA_PREFIX"\n',
  );
  writeFileSync(join(prefix, "etc", "conda", "activate.d", "a.sh"), "export A_FIRST=1\n");
  writeFileSync(join(prefix, "etc", "conda", "activate.d", "a.ps1"), "$Env:A_FIRST = 1\n");
  writeFileSync(
    join(prefix, "etc", "conda", "env_vars.d", "pkg.json"),
    JSON.stringify({ PKG_VAR: "p", SHARED: "pkg" }),
  );
  writePrefixEnvVars(prefix, { SHARED: "state", MY_VAR: "it's here" });
  writeFileSync(
    join(prefix, "bin", "report"),
    `#!/bin/sh\nprintf '%s\\n' "$CONDA_PREFIX" "$MY_VAR" "$FROM_SCRIPT" > "$REPORT_TO"\nexit 7\n`,
  );
  chmodSync(join(prefix, "bin", "report"), 0o755);
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("prefix variables", () => {
  it("merges env_vars.d files under conda-meta/state and keeps other state keys", () => {
    assert.deepEqual(readPrefixEnvVars(prefix), { PKG_VAR: "p", SHARED: "state", MY_VAR: "it's here" });
    const state = JSON.parse(readFileSync(join(prefix, "conda-meta", "state"), "utf8"));
    assert.deepEqual(Object.keys(state), ["env_vars"]);
  });
});

describe("activation plans", () => {
  it("activates from a plain shell: PATH first, conda variables, env vars, scripts in name order", () => {
    const plan = planActivate(prefix, {
      env: { PATH: "/usr/bin:/bin", SHARED: "user" },
      shell: "bash",
      config: config(),
    });
    assert.deepEqual(plan.export[0], ["PATH", `${join(prefix, "bin")}:/usr/bin:/bin`]);
    const exported = Object.fromEntries(plan.export);
    assert.equal(exported.CONDA_PREFIX, prefix);
    assert.equal(exported.CONDA_SHLVL, "1");
    assert.equal(exported.CONDA_DEFAULT_ENV, "py");
    assert.equal(exported.CONDA_PROMPT_MODIFIER, "(py) ");
    assert.equal(exported.SHARED, "state");
    assert.equal(exported.__CONDA_SHLVL_0_SHARED, "user");
    assert.deepEqual(
      plan.activateScripts.map((s) => s.split("/").pop()),
      ["a.sh", "b.sh"],
    );
    const text = renderActivation(plan, "bash");
    assert.match(text, /^export PATH='/);
    assert.match(text, /export MY_VAR='it'\\''s here'/);
    assert.match(text, /\. '.*a\.sh'\n\. '.*b\.sh'\n$/);
  });

  it("stacks with --stack and unstacks back to the same PATH", () => {
    const env = { PATH: "/usr/bin", CONDA_SHLVL: "1", CONDA_PREFIX: root, CONDA_DEFAULT_ENV: "base" };
    const withBase = { ...env, PATH: `${join(root, "bin")}:/usr/bin` };
    const plan = planActivate(prefix, { env: withBase, shell: "bash", config: config(), stack: true });
    const after: Record<string, string> = { ...withBase, ...Object.fromEntries(plan.export) };
    assert.equal(after.PATH, `${join(prefix, "bin")}:${join(root, "bin")}:/usr/bin`);
    assert.equal(after.CONDA_STACKED_2, "true");
    assert.equal(after.CONDA_PREFIX_1, root);
    const back = planDeactivate({ env: after, shell: "bash", config: config() });
    const restored: Record<string, string | undefined> = { ...after, ...Object.fromEntries(back.export) };
    for (const k of back.unset) delete restored[k];
    assert.equal(restored.PATH, withBase.PATH);
    assert.equal(restored.CONDA_PREFIX, root);
    assert.equal(restored.CONDA_DEFAULT_ENV, "base");
    assert.equal(restored.CONDA_SHLVL, "1");
    assert.equal(restored.CONDA_STACKED_2, undefined);
    assert.equal(restored.SHARED, undefined);
    assert.deepEqual(back.activateScripts, []);
  });

  it("deactivating nothing does nothing, and reactivate reruns scripts", () => {
    const none = planDeactivate({ env: { PATH: "/bin" }, shell: "bash", config: config() });
    assert.equal(renderActivation(none, "bash"), "");
    const re = planReactivate({
      env: { PATH: `${join(prefix, "bin")}:/bin`, CONDA_SHLVL: "1", CONDA_PREFIX: prefix },
      shell: "bash",
      config: config(),
    });
    assert.equal(re.activateScripts.length, 2);
    assert.equal(Object.fromEntries(re.export).PATH, undefined);
  });

  it("names environments outside envs dirs by their path and refuses non-environments", () => {
    const loose = join(root, "loose");
    mkdirSync(join(loose, "conda-meta"), { recursive: true });
    const plan = planActivate(loose, { env: { PATH: "/bin" }, shell: "fish", config: config() });
    assert.equal(Object.fromEntries(plan.export).CONDA_DEFAULT_ENV, loose);
    assert.match(
      renderActivation(plan, "fish"),
      new RegExp(`^set -gx PATH '${join(loose, "bin")}' '/bin'$`, "m"),
    );
    assert.throws(
      () => planActivate(join(root, "nope"), { env: {}, shell: "bash", config: config() }),
      (e: unknown) => e instanceof ActivationError && /not an environment/.test(e.message) && !!e.hint,
    );
    assert.throws(() => parseShell("tcsh"), /unknown shell 'tcsh'/);
  });

  it("uses the Windows layout and PowerShell syntax", () => {
    const path = replacePrefixInPath("C:\\Windows;C:\\old\\Scripts", undefined, "C:\\env", true);
    assert.equal(
      path,
      "C:\\env;C:\\env\\Library\\mingw-w64\\bin;C:\\env\\Library\\usr\\bin;C:\\env\\Library\\bin;C:\\env\\Scripts;C:\\env\\bin;C:\\Windows;C:\\old\\Scripts",
    );
    assert.equal(replacePrefixInPath(path, "c:/env", undefined, true), "C:\\Windows;C:\\old\\Scripts");
    const plan = planActivate(prefix, {
      env: { Path: "C:\\Windows" },
      shell: "powershell",
      config: config(),
      platform: "win32",
    });
    const text = renderActivation(plan, "powershell", ";");
    assert.match(text, /^\$Env:Path = '.*\\Library\\bin;.*C:\\Windows'$/m);
    assert.match(text, /^\$Env:MY_VAR = 'it''s here'$/m);
    assert.match(text, /^\. '.*a\.ps1'$/m);
    assert.equal(activationScripts(prefix, "activate", "powershell").length, 1);
    const hook = renderShellHook("powershell", { exe: "C:\\taipan.exe", args: [] });
    assert.match(hook, /function global:taipan/);
    assert.match(hook, /& 'C:\\taipan\.exe' @args/);
  });

  it("keeps paths out of the way of other PATH entries when replacing", () => {
    assert.equal(replacePrefixInPath("/a:/p/bin:/b", "/p", "/q"), "/a:/q/bin:/b");
    assert.equal(replacePrefixInPath("/a:/b", "/p", "/q"), "/q/bin:/a:/b");
    assert.equal(replacePrefixInPath("/p/bin", "/p", undefined), "");
  });
});

describe("runInEnvironment", () => {
  it("runs the program with the environment's variables and activate.d effects, returning its exit code", async () => {
    const reportTo = join(root, "report.txt");
    const code = await runInEnvironment(prefix, "report", [], {
      env: { PATH: "/usr/bin:/bin", REPORT_TO: reportTo },
      config: config(),
    });
    assert.equal(code, 7);
    assert.deepEqual(readFileSync(reportTo, "utf8").split("\n").slice(0, 3), [
      prefix,
      "it's here",
      `seen ${prefix}`,
    ]);
    const env = activatedEnvironment(prefix, {
      env: { PATH: "/bin" },
      config: config(),
      runActivateScripts: false,
    });
    assert.equal(env.FROM_SCRIPT, undefined);
    assert.equal(env.CONDA_SHLVL, "1");
  });

  it("reports a command that is not there", async () => {
    await assert.rejects(
      runInEnvironment(prefix, "no-such-program", [], { env: { PATH: "/bin" }, config: config() }),
      CommandNotFoundError,
    );
  });
});
