import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TaipanError } from "../conda/errors.js";
import { writeFileAtomicSync } from "../fs/write-atomic.js";

/** `conda-meta/state`: where `conda env config vars set` (and `variables:` in environment.yml) live. */
export function prefixStatePath(prefix: string): string {
  return join(prefix, "conda-meta", "state");
}

/** Packages may ship variables in `etc/conda/env_vars.d/*.json` (conda's PACKAGE_ENV_VARS_DIR). */
export function packageEnvVarsDir(prefix: string): string {
  return join(prefix, "etc", "conda", "env_vars.d");
}

function readJsonObject(file: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new TaipanError("PREFIX_STATE_INVALID", `cannot read ${file}: ${(cause as Error).message}`, {
      hint: "The file should hold a JSON object; fix it or remove it and set the variables again with 'taipan env config vars set'.",
      cause,
    });
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new TaipanError("PREFIX_STATE_INVALID", `${file} does not hold a JSON object`, {
      hint: "Remove the file and set the variables again with 'taipan env config vars set'.",
    });
  }
  return data as Record<string, unknown>;
}

function stringValues(obj: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === "string" ? v : String(v);
  }
  return out;
}

/**
 * The variables activation sets for a prefix, as conda's `get_environment_env_vars` merges them:
 * package files (in name order) first, then the prefix's own `conda-meta/state` `env_vars`.
 */
export function readPrefixEnvVars(prefix: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const dir = packageEnvVarsDir(prefix);
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith(".json")) Object.assign(vars, stringValues(readJsonObject(join(dir, name))));
    }
  }
  const state = prefixStatePath(prefix);
  if (existsSync(state)) Object.assign(vars, stringValues(readJsonObject(state).env_vars));
  return vars;
}

/**
 * `conda-meta/state`'s own `env_vars` (conda's `PrefixData.get_environment_env_vars`: the variables
 * set with `env config vars set` or an environment file, not those packages ship in env_vars.d).
 */
export function readStateEnvVars(prefix: string): Record<string, string> {
  const state = prefixStatePath(prefix);
  return existsSync(state) ? stringValues(readJsonObject(state).env_vars) : {};
}

/** Replaces the prefix's `env_vars` in `conda-meta/state`, keeping any other keys of the file. */
export function writePrefixEnvVars(prefix: string, vars: Record<string, string>): void {
  const file = prefixStatePath(prefix);
  const state = existsSync(file) ? readJsonObject(file) : {};
  state.env_vars = { ...vars };
  mkdirSync(join(prefix, "conda-meta"), { recursive: true });
  writeFileAtomicSync(file, `${JSON.stringify(state, null, 2)}\n`);
}
