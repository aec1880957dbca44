import { existsSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * conda's `SEARCH_PATH` (conda/base/constants.py), in its order: later entries take precedence.
 * Entries ending in `/` are `condarc.d` directories whose `*.yml`/`*.yaml` files load in name order.
 * Entries whose `$VAR` is unset are skipped, as conda does. taipan adds its own root prefix beside
 * `$CONDA_ROOT`, as micromamba adds `$MAMBA_ROOT_PREFIX`.
 */
export const UNIX_SEARCH_PATH: readonly string[] = [
  "/etc/conda/.condarc",
  "/etc/conda/condarc",
  "/etc/conda/condarc.d/",
  "/var/lib/conda/.condarc",
  "/var/lib/conda/condarc",
  "/var/lib/conda/condarc.d/",
];
export const WINDOWS_SEARCH_PATH: readonly string[] = [
  "C:/ProgramData/conda/.condarc",
  "C:/ProgramData/conda/condarc",
  "C:/ProgramData/conda/condarc.d/",
];
export const USER_SEARCH_PATH: readonly string[] = [
  "$CONDA_ROOT/.condarc",
  "$CONDA_ROOT/condarc",
  "$CONDA_ROOT/condarc.d/",
  "$TAIPAN_ROOT_PREFIX/.condarc",
  "$TAIPAN_ROOT_PREFIX/condarc",
  "$TAIPAN_ROOT_PREFIX/condarc.d/",
  "$XDG_CONFIG_HOME/conda/.condarc",
  "$XDG_CONFIG_HOME/conda/condarc",
  "$XDG_CONFIG_HOME/conda/condarc.d/",
  "~/.config/conda/.condarc",
  "~/.config/conda/condarc",
  "~/.config/conda/condarc.d/",
  "~/.conda/.condarc",
  "~/.conda/condarc",
  "~/.conda/condarc.d/",
  "~/.condarc",
  "$CONDA_PREFIX/.condarc",
  "$CONDA_PREFIX/condarc",
  "$CONDA_PREFIX/condarc.d/",
  "$CONDARC",
];

export function defaultSearchPath(platform: NodeJS.Platform = process.platform): string[] {
  return [...(platform === "win32" ? WINDOWS_SEARCH_PATH : UNIX_SEARCH_PATH), ...USER_SEARCH_PATH];
}

export type Env = Record<string, string | undefined>;

/** The home directory taipan uses: `$HOME` (so tests can point it at a temp dir), else the OS's. */
export function homeDir(env: Env): string {
  return env.HOME || env.USERPROFILE || homedir();
}

/** Expands a leading `~` and `$VAR`/`${VAR}`; returns undefined when a variable is unset or empty. */
export function expandSearchEntry(entry: string, env: Env): string | undefined {
  let missing = false;
  let out = entry.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => {
    const v = env[(a ?? b) as string];
    if (!v) missing = true;
    return v ?? "";
  });
  if (missing) return undefined;
  if (out === "~" || out.startsWith("~/")) out = homeDir(env) + out.slice(1);
  return out;
}

/** Like os.path.expandvars + expanduser: unset variables stay as written. */
export function expandValue(value: string, env: Env): string {
  let out = value.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a: string | undefined, b: string | undefined) => {
    const v = env[(a ?? b) as string];
    return v === undefined ? m : v;
  });
  if (out === "~" || out.startsWith("~/")) out = homeDir(env) + out.slice(1);
  return out;
}

/** The condarc files that exist on the search path, deduplicated, lowest precedence first. */
export function condarcFiles(env: Env, searchPath: readonly string[] = defaultSearchPath()): string[] {
  const seen = new Set<string>();
  const files: string[] = [];
  const add = (file: string): void => {
    const abs = resolve(file);
    if (seen.has(abs)) return;
    seen.add(abs);
    files.push(abs);
  };
  for (const entry of searchPath) {
    const path = expandSearchEntry(entry, env);
    if (path === undefined || !existsSync(path)) continue;
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      // An unstattable entry is reported when it is read.
    }
    if (isDir) {
      // conda loads only YAML-looking files from condarc.d, sorted by name.
      for (const name of readdirSync(path).sort()) {
        if (/\.ya?ml$/.test(name)) add(join(path, name));
      }
    } else if (!entry.endsWith("/")) {
      add(path);
    }
  }
  return files;
}
