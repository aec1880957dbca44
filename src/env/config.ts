import { join, resolve } from "node:path";
import { type ConfigSource, type RawParameter, readCondarc } from "./condarc-file.js";
import { condarcFiles, defaultSearchPath, type Env, expandValue, homeDir } from "./condarc-search-path.js";
import { canonicalKey, PARAMETERS, type ParameterSpec, parseBoolean } from "./config-parameters.js";
import { CondarcError } from "./errors.js";

export type ChannelPriority = "strict" | "flexible" | "disabled";

/** The merged configuration, keyed as in `.condarc` (snake_case, like conda's `config --show`). */
export interface CondaConfig {
  channels: string[];
  default_channels: string[];
  channel_alias: string;
  custom_channels: Record<string, string>;
  custom_multichannels: Record<string, string[]>;
  channel_priority: ChannelPriority;
  pkgs_dirs: string[];
  envs_dirs: string[];
  ssl_verify: boolean | string;
  proxy_servers: Record<string, string>;
  pinned_packages: string[];
  always_yes: boolean;
  offline: boolean;
  override_channels_enabled: boolean;
  /** taipan: packages whose link scripts may run (`*` for all); scripts are off by default. */
  allow_scripts: string[];
  root_prefix: string;
  changeps1: boolean;
  env_prompt: string;
  auto_activate_base: boolean;
  show_channel_urls: boolean;
  create_default_packages: string[];
  /** taipan: the policy file enforced at solve time ("" for none). */
  policy_file: string;
}

export interface LoadedConfig extends CondaConfig {
  /** Every source read, lowest precedence first (files, then `envvars`, then `cmd_line`). */
  sources: ConfigSource[];
  /** Keys found in files that taipan does not know (conda warns about them too). */
  unknownKeys: { source: string; key: string }[];
  /** The active environment (`$CONDA_PREFIX`) when configuration was loaded. */
  activePrefix: string | undefined;
  home: string;
}

export interface LoadConfigOptions {
  env?: Env;
  /** Search path templates (default: conda's SEARCH_PATH plus taipan's root prefix). */
  searchPath?: readonly string[];
  /** Target prefix (`-p`/`-n`): its `.condarc` is read as conda reads `$CONDA_PREFIX/.condarc`. */
  prefix?: string;
  /** Command-line values (`-c` → channels, `-y` → always_yes, `--offline`…), highest precedence. */
  overrides?: Partial<Record<keyof CondaConfig, unknown>>;
}

/** conda-forge, as micromamba and pixi default to; `defaults` still resolves as conda's. */
export const DEFAULT_CHANNELS = ["conda-forge"];
export const CONDA_DEFAULT_CHANNELS =
  process.platform === "win32"
    ? [
        "https://repo.anaconda.com/pkgs/main",
        "https://repo.anaconda.com/pkgs/r",
        "https://repo.anaconda.com/pkgs/msys2",
      ]
    : ["https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"];

/** `$TAIPAN_ROOT_PREFIX`, else `~/.taipan`. */
export function defaultRootPrefix(env: Env): string {
  return resolve(
    env.TAIPAN_ROOT_PREFIX ? expandValue(env.TAIPAN_ROOT_PREFIX, env) : join(homeDir(env), ".taipan"),
  );
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "list";
  if (typeof v === "object") return "mapping";
  return typeof v;
}

function scalarString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** Checks one raw value against its parameter's shape, returning it normalized; throws naming the source. */
function validate(key: string, spec: ParameterSpec, raw: RawParameter, source: string): unknown {
  const v = raw.value;
  const bad = (expected: string, hint?: string): never => {
    throw new CondarcError(
      source,
      raw.line,
      `'${key}' is a ${typeName(v)} (${JSON.stringify(v)}), expected ${expected}`,
      hint,
    );
  };
  switch (spec.kind) {
    case "sequence": {
      if (v === null) return [];
      if (!Array.isArray(v))
        return bad("a list", `Write it as a list, e.g. '${key}: [${scalarString(v) ?? "…"}]'.`);
      return v.map((e) => scalarString(e) ?? bad("a list of strings"));
    }
    case "map": {
      if (v === null) return {};
      if (typeof v !== "object" || Array.isArray(v)) return bad("a mapping");
      const out: Record<string, string> = {};
      for (const [k, e] of Object.entries(v as object))
        out[k] = scalarString(e) ?? bad("a mapping of strings");
      return out;
    }
    case "map-of-sequences": {
      if (v === null) return {};
      if (typeof v !== "object" || Array.isArray(v)) return bad("a mapping of lists");
      const out: Record<string, string[]> = {};
      for (const [k, e] of Object.entries(v as object)) {
        if (!Array.isArray(e)) bad("a mapping of lists");
        out[k] = (e as unknown[]).map((x) => scalarString(x) ?? bad("a mapping of lists of strings"));
      }
      return out;
    }
    case "boolean": {
      if (typeof v === "boolean") return v;
      const b = typeof v === "string" ? parseBoolean(v) : undefined;
      return b ?? bad("true or false");
    }
    case "string":
      return scalarString(v) ?? bad("a string");
    case "priority": {
      // conda's ChannelPriority accepts true (flexible) and false (disabled) too.
      if (v === true) return "flexible";
      if (v === false) return "disabled";
      const s = typeof v === "string" ? v.toLowerCase() : "";
      if (s === "strict" || s === "flexible" || s === "disabled") return s;
      const b = parseBoolean(s);
      if (b !== undefined && s !== "") return b ? "flexible" : "disabled";
      return bad("strict, flexible or disabled");
    }
    case "ssl": {
      if (typeof v === "boolean") return v;
      if (typeof v === "string") return parseBoolean(v) ?? v;
      return bad("true, false or a CA bundle path");
    }
  }
}

/** The `CONDA_*` variables conda maps onto parameters (`CONDA_<KEY>` and `CONDA_<ALIAS>`). */
export function envVarSource(env: Env): ConfigSource {
  const parameters = new Map<string, RawParameter>();
  for (const [key, spec] of Object.entries(PARAMETERS)) {
    for (const name of [key, ...(spec.aliases ?? [])]) {
      const text = env[`CONDA_${name.toUpperCase()}`];
      if (text === undefined || parameters.has(key)) continue;
      let value: unknown = text;
      if (spec.kind === "sequence") {
        value = text
          .split(spec.envDelimiter ?? ",")
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
      } else if (spec.kind === "map" || spec.kind === "map-of-sequences") {
        continue; // conda cannot take mappings from the environment either
      }
      parameters.set(key, { value, final: false, elementFlags: [], line: undefined });
    }
  }
  return { name: "envvars", parameters };
}

function overrideSource(overrides: Partial<Record<string, unknown>>): ConfigSource {
  const parameters = new Map<string, RawParameter>();
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) parameters.set(key, { value, final: false, elementFlags: [], line: undefined });
  }
  return { name: "cmd_line", parameters };
}

function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/**
 * conda's SequenceParameter merge: sources up to the first `#!final` one count; later sources
 * come first; `#!top` lines go first and `#!bottom` lines last; duplicates keep their first place.
 */
export function mergeSequences(matches: { values: string[]; flags: (string | undefined)[] }[]): string[] {
  const marked = (flag: string, list: typeof matches) =>
    list.flatMap((m) => m.values.filter((_, i) => m.flags[i] === flag));
  const top = marked("top", matches);
  const bottom = marked("bottom", [...matches].reverse());
  const all = [...matches].reverse().flatMap((m) => m.values);
  const topDeduped = unique([...top, ...all]);
  // Deduplicate from the end so that a bottom-marked element keeps the bottom position.
  const fromEnd = unique([...[...bottom].reverse(), ...[...topDeduped].reverse()]);
  return fromEnd.reverse();
}

/** Sources up to and including the first one that marks `key` final. */
function importantMatches(
  sources: ConfigSource[],
  key: string,
): { source: ConfigSource; raw: RawParameter }[] {
  const out: { source: ConfigSource; raw: RawParameter }[] = [];
  for (const source of sources) {
    const raw = source.parameters.get(key);
    if (!raw) continue;
    out.push({ source, raw });
    if (raw.final) break;
  }
  return out;
}

/** Merges sources (lowest precedence first) into the values of every known key that any of them sets. */
export function mergeSources(sources: ConfigSource[], env: Env): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(PARAMETERS)) {
    const matches = importantMatches(sources, key).map(({ source, raw }) => ({
      raw,
      value: validate(key, spec, raw, source.name),
    }));
    if (matches.length === 0) continue;
    const expand = (s: string) => (spec.expand ? expandValue(s, env) : s);
    switch (spec.kind) {
      case "sequence":
        merged[key] = mergeSequences(
          matches.map((m) => ({ values: (m.value as string[]).map(expand), flags: m.raw.elementFlags })),
        );
        break;
      case "map":
      case "map-of-sequences": {
        const out: Record<string, unknown> = {};
        for (const m of matches) {
          for (const [k, v] of Object.entries(m.value as Record<string, unknown>)) {
            out[k] = Array.isArray(v) ? v.map((x) => expand(x as string)) : expand(v as string);
          }
        }
        merged[key] = out;
        break;
      }
      default: {
        // Scalars: the first final value wins, else the last one (highest precedence).
        const chosen = matches.find((m) => m.raw.final) ?? matches[matches.length - 1]!;
        merged[key] = typeof chosen.value === "string" ? expand(chosen.value) : chosen.value;
      }
    }
  }
  return merged;
}

function normalizeSourceKeys(source: ConfigSource, unknownKeys: LoadedConfig["unknownKeys"]): ConfigSource {
  const parameters = new Map<string, RawParameter>();
  for (const [key, raw] of source.parameters) {
    const canonical = canonicalKey(key);
    if (canonical === undefined) unknownKeys.push({ source: source.name, key });
    else if (!parameters.has(canonical)) parameters.set(canonical, raw);
  }
  return { name: source.name, parameters };
}

/** Loads configuration as conda does: search-path files, then `CONDA_*` variables, then overrides. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const baseEnv = options.env ?? process.env;
  const env: Env = options.prefix ? { ...baseEnv, CONDA_PREFIX: resolve(options.prefix) } : baseEnv;
  const rootForSearch = defaultRootPrefix(env);
  const searchEnv: Env = { ...env, TAIPAN_ROOT_PREFIX: rootForSearch };
  const unknownKeys: LoadedConfig["unknownKeys"] = [];
  const sources: ConfigSource[] = condarcFiles(searchEnv, options.searchPath ?? defaultSearchPath()).map(
    (f) => normalizeSourceKeys(readCondarc(f), unknownKeys),
  );
  const fromEnv = envVarSource(env);
  if (fromEnv.parameters.size > 0) sources.push(fromEnv);
  if (options.overrides) {
    const cmd = normalizeSourceKeys(overrideSource(options.overrides), unknownKeys);
    if (cmd.parameters.size > 0) sources.push(cmd);
  }
  const merged = mergeSources(sources, env);
  const home = homeDir(env);

  // TAIPAN_ROOT_PREFIX beats a root_prefix key: it is how a user points taipan somewhere else.
  const root_prefix = env.TAIPAN_ROOT_PREFIX
    ? rootForSearch
    : typeof merged.root_prefix === "string"
      ? resolve(expandValue(merged.root_prefix, env))
      : rootForSearch;
  const paths = (list: string[]) => unique(list.map((p) => resolve(expandValue(p, env))));
  // conda appends its fixed envs dirs after the user's, and uses pkgs_dirs as given when set.
  const envs_dirs = paths([
    ...((merged.envs_dirs as string[]) ?? []),
    join(root_prefix, "envs"),
    join(home, ".conda", "envs"),
  ]);
  const userPkgs = merged.pkgs_dirs as string[] | undefined;
  const pkgs_dirs = paths(userPkgs && userPkgs.length > 0 ? userPkgs : [join(root_prefix, "pkgs")]);

  const get = <T>(key: string, fallback: T): T => (key in merged ? (merged[key] as T) : fallback);
  return {
    channels: get("channels", [...DEFAULT_CHANNELS]),
    default_channels: get("default_channels", [...CONDA_DEFAULT_CHANNELS]),
    channel_alias: get("channel_alias", "https://conda.anaconda.org"),
    custom_channels: get("custom_channels", {}),
    custom_multichannels: get("custom_multichannels", {}),
    // strict, as conda-forge recommends and micromamba and pixi default to (conda itself says flexible).
    channel_priority: get("channel_priority", "strict"),
    pkgs_dirs,
    envs_dirs,
    ssl_verify: get("ssl_verify", true),
    proxy_servers: get("proxy_servers", {}),
    pinned_packages: get("pinned_packages", []),
    always_yes: get("always_yes", false),
    offline: get("offline", false),
    override_channels_enabled: get("override_channels_enabled", true),
    allow_scripts: get("allow_scripts", []),
    root_prefix,
    changeps1: get("changeps1", true),
    env_prompt: get("env_prompt", "({default_env}) "),
    auto_activate_base: get("auto_activate_base", false),
    show_channel_urls: get("show_channel_urls", false),
    create_default_packages: get("create_default_packages", []),
    policy_file:
      typeof merged.policy_file === "string" && merged.policy_file !== ""
        ? resolve(expandValue(merged.policy_file, env))
        : "",
    sources,
    unknownKeys,
    activePrefix: baseEnv.CONDA_PREFIX ? resolve(baseEnv.CONDA_PREFIX) : undefined,
    home,
  };
}

/** The keys of `CondaConfig`, in the order `config --show` prints them. */
export const CONFIG_KEYS: readonly (keyof CondaConfig)[] = Object.keys(
  PARAMETERS,
).sort() as (keyof CondaConfig)[];

/** The plain values of a loaded config (no sources), for `config --show` and `--json`. */
export function configValues(config: LoadedConfig): CondaConfig {
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) out[key] = config[key];
  return out as unknown as CondaConfig;
}
