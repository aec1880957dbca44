import type { LoadedConfig } from "../env/config.js";
import type { EnvironmentFile } from "../env/environment-file.js";
import { environmentFileFromRecords } from "../env/environment-export.js";
import { environmentName } from "../env/environments.js";
import { pipInstalledPackages } from "../env/pip-installed.js";
import { readStateEnvVars } from "../env/prefix-env-vars.js";
import { readPrefixRecords } from "../install/conda-meta.js";
import { requestedSpecsOf } from "./requested-specs.js";

/** What `env export` writes for a prefix (conda's `Environment.from_prefix`). */
export function exportEnvironment(
  prefix: string,
  config: LoadedConfig,
  opts: { fromHistory?: boolean; noBuilds?: boolean; ignoreChannels?: boolean; channels?: string[] } = {},
): EnvironmentFile {
  // conda names the export by env_name(): base, the envs-dir name, or else the full path.
  const name = environmentName(prefix, config) || prefix;
  const channels = opts.channels ?? config.channels;
  const variables = readStateEnvVars(prefix);
  if (opts.fromHistory) {
    // The requests alone: the records' channels are not added (conda lists only the configured ones).
    return environmentFileFromRecords([], {
      name,
      prefix,
      channels,
      variables,
      historySpecs: [...requestedSpecsOf(prefix).values()],
      channelAlias: config.channel_alias,
    });
  }
  const prefixRecords = readPrefixRecords(prefix);
  const records = prefixRecords.map((p) => p.record);
  const exported = opts.ignoreChannels
    ? records.map((r) => ({ name: r.name, version: r.version, build: r.build }))
    : records;
  const env = environmentFileFromRecords(exported, {
    name,
    prefix,
    channels,
    variables,
    noBuilds: opts.noBuilds,
    channelAlias: config.channel_alias,
  });
  env.pip = pipInstalledPackages(
    prefix,
    prefixRecords.flatMap((p) => p.files),
  );
  return env;
}
