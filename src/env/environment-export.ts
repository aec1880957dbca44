import type { EnvironmentFile } from "./environment-file.js";

/** What an export needs of an installed record (a PackageRecord fits). */
export interface ExportRecord {
  name: string;
  version: string;
  build: string;
  channel?: string;
}

/**
 * The short name conda writes for a record's channel: `conda-forge` for
 * `https://conda.anaconda.org/conda-forge[/subdir]`, else the URL without its subdir.
 */
export function exportChannelName(channel: string, channelAlias = "https://conda.anaconda.org"): string {
  let c = channel.replace(/\/+$/, "");
  c = c.replace(/\/(noarch|[a-z0-9]+-[a-z0-9_]+)$/, "");
  const alias = channelAlias.replace(/\/+$/, "");
  if (c.startsWith(`${alias}/`)) return c.slice(alias.length + 1);
  if (c.startsWith("https://repo.anaconda.com/pkgs/")) return "defaults";
  return c;
}

export interface ExportOptions {
  name?: string;
  prefix?: string;
  /** The configured channels: conda lists them after the records' own channels. */
  channels?: readonly string[];
  variables?: Record<string, string>;
  /** `--no-builds`: `name=version` instead of `name=version=build`. */
  noBuilds?: boolean;
  /** `--from-history`: the specs the user asked for, instead of every record. */
  historySpecs?: readonly string[];
  channelAlias?: string;
}

/**
 * Builds what `conda env export` writes: one `name=version=build` per record sorted by name, the
 * records' channels (first seen first) ahead of the configured ones, the environment's variables.
 */
export function environmentFileFromRecords(
  records: readonly ExportRecord[],
  options: ExportOptions = {},
): EnvironmentFile {
  const sorted = [...records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const channels: string[] = [];
  for (const r of sorted) {
    if (!r.channel || r.channel.startsWith("<unknown>")) continue;
    const c = exportChannelName(r.channel, options.channelAlias);
    if (!channels.includes(c)) channels.push(c);
  }
  for (const c of options.channels ?? []) if (!channels.includes(c)) channels.push(c);
  const dependencies = options.historySpecs
    ? [...options.historySpecs]
    : sorted.map((r) => (options.noBuilds ? `${r.name}=${r.version}` : `${r.name}=${r.version}=${r.build}`));
  const env: EnvironmentFile = {
    channels,
    dependencies,
    pip: [],
    otherInstallers: {},
    variables: { ...(options.variables ?? {}) },
    extra: {},
  };
  if (options.name !== undefined) env.name = options.name;
  if (options.prefix !== undefined) env.prefix = options.prefix;
  return env;
}

/** The JSON `env export --json` prints: the file's keys in the file's order. */
export function environmentFileJson(env: EnvironmentFile): Record<string, unknown> {
  const deps: unknown[] = [...env.dependencies];
  if (env.pip.length > 0) deps.push({ pip: env.pip });
  const out: Record<string, unknown> = { name: env.name, channels: env.channels, dependencies: deps };
  if (Object.keys(env.variables).length > 0) out.variables = env.variables;
  out.prefix = env.prefix;
  return out;
}
