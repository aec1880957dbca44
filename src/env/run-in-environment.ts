import { type StdioOptions, spawn, spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";
import { TaipanError } from "../conda/errors.js";
import { type ActivationPlan, planActivate } from "./activation.js";
import type { Env } from "./condarc-search-path.js";
import type { LoadedConfig } from "./config.js";
import { quotePosix } from "./shell-script.js";

export interface RunOptions {
  /** The environment to start from (default: this process's). */
  env?: Env;
  config: Pick<LoadedConfig, "envs_dirs" | "root_prefix" | "env_prompt" | "changeps1">;
  cwd?: string;
  /** Default "inherit": the program talks to the user's terminal, as `conda run --live-stream`. */
  stdio?: StdioOptions;
  /** Run the prefix's activate.d `.sh` scripts (through bash) and keep what they export. Default true. */
  runActivateScripts?: boolean;
}

export class CommandNotFoundError extends TaipanError {
  constructor(command: string, prefix: string) {
    super("COMMAND_NOT_FOUND", `command '${command}' not found in environment ${prefix} or on PATH`, {
      hint: `Check it is installed with 'taipan list -p ${prefix}', or give the program's full path.`,
      exceptionName: "CondaError",
    });
  }
}

function applyPlan(env: Env, plan: ActivationPlan): Env {
  const out: Env = { ...env };
  for (const k of plan.unset) delete out[k];
  for (const [k, v] of plan.export) out[k] = v;
  return out;
}

// Variables bash sets for itself; they are not effects of the scripts.
const SHELL_OWN = new Set(["_", "SHLVL", "PWD", "OLDPWD"]);

/**
 * Sources activate.d scripts in bash and returns the environment they leave, so `run` sees what an
 * activated shell would. On failure (no bash, a script that exits), the scripts' effects are skipped.
 */
function environmentAfterScripts(env: Env, scripts: string[], cwd: string | undefined): Env {
  if (scripts.length === 0 || process.platform === "win32") return env;
  const body = `{ ${scripts.map((s) => `. ${quotePosix(s)};`).join(" ")} } 1>&2; exec env -0`;
  const r = spawnSync("bash", ["--noprofile", "--norc", "-c", body], {
    env: env as NodeJS.ProcessEnv,
    cwd,
    encoding: "buffer",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status !== 0 || !r.stdout) return env;
  const after: Env = {};
  for (const entry of r.stdout.toString("utf8").split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) after[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  const out: Env = { ...env };
  for (const [k, v] of Object.entries(after))
    if (!SHELL_OWN.has(k) && !k.startsWith("BASH_FUNC_")) out[k] = v;
  for (const k of Object.keys(env)) if (!(k in after) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) delete out[k];
  return out;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds a command on the activated PATH (the child's PATH, not this process's). */
export function findOnPath(command: string, env: Env): string | undefined {
  if (command.includes("/") || isAbsolute(command)) return isExecutableFile(command) ? command : undefined;
  const exts = process.platform === "win32" ? ["", ...(env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";")] : [""];
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, command + ext);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The variables a program run in `prefix` sees: activation applied, activate.d effects included. */
export function activatedEnvironment(prefix: string, options: RunOptions): Env {
  const base = options.env ?? process.env;
  const plan = planActivate(prefix, { env: base, shell: "bash", config: options.config });
  const env = applyPlan(base, plan);
  return options.runActivateScripts === false
    ? env
    : environmentAfterScripts(env, plan.activateScripts, options.cwd);
}

/**
 * `taipan run`: runs `command args…` with the environment activated (PATH, CONDA_PREFIX, CONDA_SHLVL,
 * the prefix's variables, activate.d effects) but no interactive shell; resolves to the exit code
 * (128 + signal number when the program is killed, as shells report it).
 */
export function runInEnvironment(
  prefix: string,
  command: string,
  args: string[],
  options: RunOptions,
): Promise<number> {
  const env = activatedEnvironment(prefix, options);
  const resolved = findOnPath(command, env);
  if (!resolved) return Promise.reject(new CommandNotFoundError(command, prefix));
  return new Promise((resolveExit, reject) => {
    const child = spawn(resolved, args, {
      env: env as NodeJS.ProcessEnv,
      cwd: options.cwd,
      stdio: options.stdio ?? "inherit",
    });
    child.on("error", (err) =>
      reject(
        new TaipanError("RUN_FAILED", `cannot run ${resolved}: ${err.message}`, {
          hint: "Check the file is a program for this platform and is executable.",
          cause: err,
        }),
      ),
    );
    child.on("close", (code, signal) => {
      if (signal) resolveExit(128 + (osConstants.signals[signal] ?? 0));
      else resolveExit(code ?? 1);
    });
  });
}
