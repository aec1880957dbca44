import { delimiter } from "node:path";

/**
 * The `.condarc` keys taipan understands, with the shape conda's `Context` declares for each
 * (conda/base/context.py): sequences merge across files, maps merge per key, scalars override.
 * `aliases` are the other spellings conda accepts (also as `CONDA_<ALIAS>` variables), and
 * `envDelimiter` splits a sequence given in an environment variable (conda uses `,` except
 * `envs_dirs`, which is a path list, and `pinned_packages`, split on `&`).
 */
export type ParameterKind =
  | "sequence"
  | "map"
  | "map-of-sequences"
  | "boolean"
  | "string"
  | "priority"
  | "ssl";

export interface ParameterSpec {
  kind: ParameterKind;
  aliases?: string[];
  envDelimiter?: string;
  /** conda runs os.path.expandvars on these (and taipan expands `~` in paths). */
  expand?: boolean;
}

export const PARAMETERS: Readonly<Record<string, ParameterSpec>> = {
  channels: { kind: "sequence", aliases: ["channel"], envDelimiter: ",", expand: true },
  default_channels: { kind: "sequence", envDelimiter: ",", expand: true },
  channel_alias: { kind: "string", expand: true },
  custom_channels: { kind: "map", expand: true },
  custom_multichannels: { kind: "map-of-sequences", expand: true },
  channel_priority: { kind: "priority" },
  pkgs_dirs: { kind: "sequence", envDelimiter: ",", expand: true },
  envs_dirs: { kind: "sequence", aliases: ["envs_path"], envDelimiter: delimiter, expand: true },
  ssl_verify: { kind: "ssl", aliases: ["verify_ssl"] },
  proxy_servers: { kind: "map", expand: true },
  pinned_packages: { kind: "sequence", envDelimiter: "&" },
  always_yes: { kind: "boolean", aliases: ["yes"] },
  offline: { kind: "boolean" },
  override_channels_enabled: { kind: "boolean" },
  allow_scripts: { kind: "sequence", envDelimiter: "," },
  root_prefix: { kind: "string", expand: true },
  changeps1: { kind: "boolean" },
  env_prompt: { kind: "string" },
  auto_activate_base: { kind: "boolean" },
  show_channel_urls: { kind: "boolean" },
  create_default_packages: { kind: "sequence", envDelimiter: "," },
  /** taipan: a supply-chain policy file (src/policy) enforced when solving. */
  policy_file: { kind: "string", expand: true },
};

/** Canonical key for a key or alias, or undefined when taipan does not know it. */
export function canonicalKey(key: string): string | undefined {
  if (key in PARAMETERS) return key;
  for (const [name, spec] of Object.entries(PARAMETERS)) if (spec.aliases?.includes(key)) return name;
  return undefined;
}

/** conda's typify for booleans written as text (environment variables, `config --set`). */
export function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (["true", "yes", "y", "on", "1"].includes(t)) return true;
  if (["false", "no", "n", "off", "0", ""].includes(t)) return false;
  return undefined;
}
