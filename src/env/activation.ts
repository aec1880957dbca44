import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Env } from "./condarc-search-path.js";
import type { LoadedConfig } from "./config.js";
import { environmentName } from "./environments.js";
import { ActivationError } from "./errors.js";
import { readPrefixEnvVars } from "./prefix-env-vars.js";

export type ShellName = "bash" | "zsh" | "posix" | "fish" | "powershell";
export const SHELLS: readonly ShellName[] = ["bash", "zsh", "posix", "fish", "powershell"];

/** The extension of activate.d / deactivate.d scripts each shell sources (as conda's activators pick). */
export const SCRIPT_EXTENSION: Readonly<Record<ShellName, string>> = {
  bash: ".sh",
  zsh: ".sh",
  posix: ".sh",
  fish: ".fish",
  powershell: ".ps1",
};

export function parseShell(name: string): ShellName {
  if ((SHELLS as readonly string[]).includes(name)) return name as ShellName;
  if (name === "sh" || name === "dash") return "posix";
  if (name === "pwsh") return "powershell";
  throw new ActivationError(`unknown shell '${name}'`, `Use one of: ${SHELLS.join(", ")}.`);
}

/** What the shell must do, in order: source deactivate scripts, change variables, source activate scripts. */
export interface ActivationPlan {
  deactivateScripts: string[];
  /** Variables to remove. */
  unset: string[];
  /** Variables to export, in order. PATH comes first. */
  export: [string, string][];
  activateScripts: string[];
}

export interface ActivationOptions {
  /** The shell's current environment (the internal command sees the shell's exported variables). */
  env: Env;
  shell: ShellName;
  config: Pick<LoadedConfig, "envs_dirs" | "root_prefix" | "env_prompt" | "changeps1">;
  /** conda's `--stack`: keep the previous environment's PATH entries. */
  stack?: boolean;
  /** The layout of prefixes and the PATH separator (Windows: `;` and `Library\bin` etc.). */
  platform?: NodeJS.Platform;
}

function isWindows(o: ActivationOptions): boolean {
  return (o.platform ?? process.platform) === "win32";
}

/** The PATH entries a prefix contributes, in conda's order for each layout. */
export function prefixPathEntries(prefix: string, windows = process.platform === "win32"): string[] {
  if (!windows) return [join(prefix, "bin")];
  const sep = (...p: string[]) => p.join("\\");
  return [
    prefix,
    sep(prefix, "Library", "mingw-w64", "bin"),
    sep(prefix, "Library", "usr", "bin"),
    sep(prefix, "Library", "bin"),
    sep(prefix, "Scripts"),
    sep(prefix, "bin"),
  ];
}

/** `etc/conda/<kind>.d/*<ext>` in name order. */
export function activationScripts(
  prefix: string,
  kind: "activate" | "deactivate",
  shell: ShellName,
): string[] {
  const dir = join(prefix, "etc", "conda", `${kind}.d`);
  if (!existsSync(dir)) return [];
  const ext = SCRIPT_EXTENSION[shell];
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => join(dir, f))
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
}

/** Tracks changes to a copy of the environment so the plan is the net difference. */
class EnvEdit {
  readonly before: Env;
  readonly after: Env;

  constructor(env: Env) {
    this.before = env;
    this.after = { ...env };
  }

  set(k: string, v: string): void {
    this.after[k] = v;
  }

  unset(k: string): void {
    delete this.after[k];
  }

  get(k: string): string | undefined {
    return this.after[k];
  }

  plan(deactivateScripts: string[], activateScripts: string[]): ActivationPlan {
    const unset: string[] = [];
    const exported: [string, string][] = [];
    const keys = new Set([...Object.keys(this.before), ...Object.keys(this.after)]);
    for (const k of keys) {
      const a = this.after[k];
      if (a === undefined) {
        if (this.before[k] !== undefined) unset.push(k);
      } else if (a !== this.before[k]) {
        exported.push([k, a]);
      }
    }
    exported.sort((x, y) => (x[0] === "PATH" ? -1 : y[0] === "PATH" ? 1 : 0));
    return { deactivateScripts, unset, export: exported, activateScripts };
  }
}

function pathKey(env: Env, windows: boolean): string {
  if (!windows) return "PATH";
  return Object.keys(env).find((k) => k.toUpperCase() === "PATH") ?? "PATH";
}

/**
 * Replaces the entries of `oldPrefix` in PATH by those of `newPrefix`, where the old ones were
 * (conda's `_replace_prefix_in_path`); without old entries the new ones go first.
 */
export function replacePrefixInPath(
  path: string,
  oldPrefix: string | undefined,
  newPrefix: string | undefined,
  windows = process.platform === "win32",
): string {
  const delim = windows ? ";" : ":";
  const norm = (p: string) => (windows ? p.replace(/\//g, "\\").toLowerCase() : p).replace(/[\\/]+$/, "");
  const entries = path === "" ? [] : path.split(delim);
  let at = -1;
  let kept = entries;
  if (oldPrefix) {
    const drop = new Set(prefixPathEntries(oldPrefix, windows).map(norm));
    kept = [];
    entries.forEach((e) => {
      if (drop.has(norm(e))) {
        if (at < 0) at = kept.length;
      } else kept.push(e);
    });
  }
  if (newPrefix) kept.splice(Math.max(at, 0), 0, ...prefixPathEntries(newPrefix, windows));
  return kept.join(delim);
}

function shlvl(env: Env): number {
  const n = Number.parseInt(env.CONDA_SHLVL ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** CONDA_DEFAULT_ENV: `base`, the name in an envs dir, else the full prefix (as conda shows it). */
export function defaultEnvName(prefix: string, config: ActivationOptions["config"]): string {
  return environmentName(prefix, config) || prefix;
}

function promptModifier(prefix: string, o: ActivationOptions): string {
  if (!o.config.changeps1) return "";
  return o.config.env_prompt
    .replace(/\{default_env\}/g, defaultEnvName(prefix, o.config))
    .replace(/\{name\}/g, basename(prefix))
    .replace(/\{prefix\}/g, prefix);
}

// conda keeps a variable's value from before activation in __CONDA_SHLVL_<level>_<NAME>, so
// deactivation can put it back instead of deleting a value the user had set.
const backupName = (level: number, name: string) => `__CONDA_SHLVL_${level}_${name}`;

function applyVars(edit: EnvEdit, vars: Record<string, string>, level: number): void {
  for (const [k, v] of Object.entries(vars)) {
    const current = edit.get(k);
    if (current !== undefined) edit.set(backupName(level, k), current);
    edit.set(k, v);
  }
}

function restoreVars(edit: EnvEdit, vars: Record<string, string>, level: number): void {
  for (const k of Object.keys(vars)) {
    const saved = edit.get(backupName(level, k));
    if (saved !== undefined) {
      edit.set(k, saved);
      edit.unset(backupName(level, k));
    } else edit.unset(k);
  }
}

/** Reads the variables a prefix sets; an unreadable state file must not block deactivation. */
function varsOf(prefix: string | undefined, tolerant: boolean): Record<string, string> {
  if (!prefix) return {};
  try {
    return readPrefixEnvVars(prefix);
  } catch (e) {
    if (tolerant) return {};
    throw e;
  }
}

/** Checks that a prefix is an environment (has conda-meta), as `conda activate` does. */
export function assertActivatable(prefix: string): string {
  const abs = resolve(prefix);
  if (!existsSync(join(abs, "conda-meta"))) {
    throw new ActivationError(
      `cannot activate ${abs}: it is not an environment (no conda-meta directory)`,
      "Check the name with 'taipan env list', or create it with 'taipan create -p PATH'.",
    );
  }
  return abs;
}

/** The plan for `activate PREFIX` from the state described by `options.env` (conda's activate stack). */
export function planActivate(prefix: string, o: ActivationOptions): ActivationPlan {
  const target = assertActivatable(prefix);
  const windows = isWindows(o);
  const edit = new EnvEdit(o.env);
  const pk = pathKey(o.env, windows);
  const oldLevel = shlvl(o.env);
  const oldPrefix = oldLevel > 0 ? o.env.CONDA_PREFIX : undefined;
  if (oldPrefix && resolve(oldPrefix) === target) return planReactivate(o);
  const newLevel = oldLevel + 1;
  let deactivateScripts: string[] = [];
  const path = o.env[pk] ?? "";
  if (oldLevel === 0 || !oldPrefix) {
    edit.set(pk, replacePrefixInPath(path, undefined, target, windows));
  } else if (o.stack) {
    edit.set(pk, replacePrefixInPath(path, undefined, target, windows));
    edit.set(`CONDA_STACKED_${newLevel}`, "true");
    edit.set(`CONDA_PREFIX_${oldLevel}`, oldPrefix);
  } else {
    edit.set(pk, replacePrefixInPath(path, oldPrefix, target, windows));
    edit.set(`CONDA_PREFIX_${oldLevel}`, oldPrefix);
    deactivateScripts = activationScripts(oldPrefix, "deactivate", o.shell);
    restoreVars(edit, varsOf(oldPrefix, true), oldLevel - 1);
  }
  edit.set("CONDA_PREFIX", target);
  edit.set("CONDA_SHLVL", String(newLevel));
  edit.set("CONDA_DEFAULT_ENV", defaultEnvName(target, o.config));
  edit.set("CONDA_PROMPT_MODIFIER", promptModifier(target, o));
  applyVars(edit, varsOf(target, false), oldLevel);
  return edit.plan(deactivateScripts, activationScripts(target, "activate", o.shell));
}

/** The plan for `deactivate`: back to the previous environment, or none (conda's build_deactivate). */
export function planDeactivate(o: ActivationOptions): ActivationPlan {
  const oldLevel = shlvl(o.env);
  const oldPrefix = o.env.CONDA_PREFIX;
  const edit = new EnvEdit(o.env);
  if (oldLevel === 0 || !oldPrefix) return edit.plan([], []);
  const windows = isWindows(o);
  const pk = pathKey(o.env, windows);
  const newLevel = oldLevel - 1;
  const path = o.env[pk] ?? "";
  restoreVars(edit, varsOf(oldPrefix, true), newLevel);
  const deactivateScripts = activationScripts(oldPrefix, "deactivate", o.shell);
  if (newLevel === 0) {
    edit.set(pk, replacePrefixInPath(path, oldPrefix, undefined, windows));
    for (const k of ["CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_PROMPT_MODIFIER"]) edit.unset(k);
    edit.set("CONDA_SHLVL", "0");
    return edit.plan(deactivateScripts, []);
  }
  const previous = o.env[`CONDA_PREFIX_${newLevel}`] ?? "";
  const stacked = o.env[`CONDA_STACKED_${oldLevel}`] === "true";
  edit.unset(`CONDA_PREFIX_${newLevel}`);
  edit.unset(`CONDA_STACKED_${oldLevel}`);
  if (stacked) {
    edit.set(pk, replacePrefixInPath(path, oldPrefix, undefined, windows));
  } else {
    edit.set(pk, replacePrefixInPath(path, oldPrefix, previous || undefined, windows));
    // The previous environment comes back: its variables are applied again.
    if (previous) applyVars(edit, varsOf(previous, true), newLevel - 1);
  }
  if (previous) {
    edit.set("CONDA_PREFIX", previous);
    edit.set("CONDA_DEFAULT_ENV", defaultEnvName(previous, o.config));
    edit.set("CONDA_PROMPT_MODIFIER", promptModifier(previous, o));
  } else {
    for (const k of ["CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_PROMPT_MODIFIER"]) edit.unset(k);
  }
  edit.set("CONDA_SHLVL", String(newLevel));
  const activateScripts = previous && !stacked ? activationScripts(previous, "activate", o.shell) : [];
  return edit.plan(deactivateScripts, activateScripts);
}

/** The plan for `reactivate` (after install/remove): rerun the scripts, refresh PATH and variables. */
export function planReactivate(o: ActivationOptions): ActivationPlan {
  const level = shlvl(o.env);
  const prefix = o.env.CONDA_PREFIX;
  const edit = new EnvEdit(o.env);
  if (level === 0 || !prefix) return edit.plan([], []);
  const windows = isWindows(o);
  const pk = pathKey(o.env, windows);
  edit.set(pk, replacePrefixInPath(o.env[pk] ?? "", prefix, prefix, windows));
  for (const [k, v] of Object.entries(varsOf(prefix, true))) edit.set(k, v);
  return edit.plan(
    activationScripts(prefix, "deactivate", o.shell),
    activationScripts(prefix, "activate", o.shell),
  );
}
