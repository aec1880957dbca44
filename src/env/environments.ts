import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Env } from "./condarc-search-path.js";
import { homeDir } from "./condarc-search-path.js";
import type { LoadedConfig } from "./config.js";
import { EnvironmentNotFoundError, InvalidEnvironmentError } from "./errors.js";

/** conda's name for the root prefix; `root` is its older spelling. */
export const ROOT_ENV_NAME = "base";

export interface PrefixSelection {
  name?: string;
  prefix?: string;
}

type ConfigForEnvs = Pick<LoadedConfig, "envs_dirs" | "root_prefix" | "home" | "activePrefix">;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** conda refuses these characters in environment names (conda/base/context.py validate_prefix_name). */
/** conda reads an environment argument as a path when it has a separator or is `.` / `..`. */
export function isEnvPathArgument(value: string): boolean {
  return value.includes("/") || value.includes("\\") || value === "." || value === "..";
}

export function validateEnvName(name: string): void {
  if (name.length === 0 || /[/\\ :#]/.test(name) || name === "." || name === "..") {
    throw new InvalidEnvironmentError(
      `invalid environment name '${name}': names may not be empty or contain '/', '\\', ' ', ':' or '#'`,
      "Pick a plain name such as 'myenv', or give a path with -p.",
    );
  }
}

/** A prefix is an environment when it has `conda-meta/` (conda's `is_conda_environment`). */
export function isEnvironment(prefix: string): boolean {
  return isDirectory(join(prefix, "conda-meta"));
}

/**
 * Turns `-n NAME` / `-p PATH` into an absolute prefix. `base`/`root` is the root prefix; a name is
 * looked up in each `envs_dirs` entry in order. With `mustExist: false` an unknown name maps to the
 * first envs dir (where `create -n` puts it). Neither flag means the active environment, else base.
 */
export function resolvePrefix(
  selection: PrefixSelection,
  config: ConfigForEnvs,
  options: { mustExist?: boolean } = {},
): string {
  const mustExist = options.mustExist ?? true;
  if (selection.prefix) return resolve(selection.prefix);
  const name = selection.name;
  if (name === undefined || name === "") return config.activePrefix ?? config.root_prefix;
  if (name === ROOT_ENV_NAME || name === "root") return config.root_prefix;
  // conda treats a name containing a path separator as a path.
  if (name.includes("/")) return resolve(name);
  validateEnvName(name);
  for (const dir of config.envs_dirs) {
    const candidate = join(dir, name);
    if (isDirectory(candidate)) return candidate;
  }
  if (!mustExist) return join(config.envs_dirs[0] ?? join(config.root_prefix, "envs"), name);
  const known = listEnvironments(config)
    .map((e) => e.name)
    .filter((n) => n !== "")
    .sort();
  throw new EnvironmentNotFoundError(name, known);
}

/** `~/.conda/environments.txt`, the registry conda, mamba and taipan share. */
export function environmentsTxtPath(env: Env | { home: string }): string {
  const home = "home" in env && typeof env.home === "string" ? env.home : homeDir(env as Env);
  return join(home, ".conda", "environments.txt");
}

function readRegistry(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** Adds a prefix to environments.txt unless it is already listed (conda's `register_env`). */
export function registerEnvironment(prefix: string, config: Pick<LoadedConfig, "home">): void {
  const file = environmentsTxtPath(config);
  const abs = resolve(prefix);
  if (readRegistry(file).includes(abs)) return;
  mkdirSync(dirname(file), { recursive: true });
  let lead = "";
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8");
    if (text.length > 0 && !text.endsWith("\n")) lead = "\n";
  }
  appendFileSync(file, `${lead}${abs}\n`);
}

/**
 * Removes a prefix from environments.txt. Like conda's `unregister_env`, a prefix whose
 * conda-meta still holds package records stays registered (it was not really removed).
 */
export function unregisterEnvironment(prefix: string, config: Pick<LoadedConfig, "home">): void {
  const abs = resolve(prefix);
  const meta = join(abs, "conda-meta");
  if (isDirectory(meta) && readdirSync(meta).some((f) => f.endsWith(".json"))) return;
  const file = environmentsTxtPath(config);
  const lines = readRegistry(file);
  const kept = lines.filter((l) => resolve(l) !== abs);
  if (kept.length !== lines.length) writeFileSync(file, kept.map((l) => `${l}\n`).join(""));
}

export interface EnvironmentEntry {
  /** `base`, the directory name under an envs dir, or "" for an environment elsewhere (as conda shows it). */
  name: string;
  prefix: string;
}

/** The display name conda gives a prefix. */
export function environmentName(
  prefix: string,
  config: Pick<LoadedConfig, "envs_dirs" | "root_prefix">,
): string {
  const abs = resolve(prefix);
  if (abs === resolve(config.root_prefix)) return ROOT_ENV_NAME;
  return config.envs_dirs.some((d) => resolve(d) === dirname(abs)) ? basename(abs) : "";
}

/**
 * Every known environment: the root prefix, directories with conda-meta under each envs dir, and
 * registered prefixes that still exist (conda's `list_all_known_prefixes`), sorted by prefix.
 */
export function listEnvironments(config: ConfigForEnvs): EnvironmentEntry[] {
  const prefixes = new Set<string>();
  if (isEnvironment(config.root_prefix)) prefixes.add(resolve(config.root_prefix));
  for (const dir of config.envs_dirs) {
    if (!isDirectory(dir)) continue;
    for (const entry of readdirSync(dir).sort()) {
      const p = join(dir, entry);
      if (isEnvironment(p)) prefixes.add(resolve(p));
    }
  }
  for (const p of readRegistry(environmentsTxtPath(config))) {
    if (isEnvironment(p)) prefixes.add(resolve(p));
  }
  return [...prefixes].sort().map((prefix) => ({ prefix, name: environmentName(prefix, config) }));
}
