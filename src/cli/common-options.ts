import { type Command, Option } from "commander";
import { redactUrl } from "../conda/url-credentials.js";
import { type LoadedConfig, loadConfig } from "../env/config.js";
import { isEnvironment, resolvePrefix } from "../env/environments.js";
import { EnvironmentLocationNotFound } from "./errors.js";
import { type OutputMode, outputMode } from "./output.js";

/** Options every command understands, spelled as conda spells them. */
export interface GlobalOpts {
  json?: boolean;
  quiet?: boolean;
  verbose?: number;
  name?: string;
  prefix?: string;
  channel?: string[];
  overrideChannels?: boolean;
  platform?: string;
  /** `false` when `--no-channel-priority` was given (commander shares the attribute). */
  channelPriority?: "strict" | "flexible" | "disabled" | false;
  strictChannelPriority?: boolean;
  offline?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function increase(_: string, previous: number | undefined): number {
  return (previous ?? 0) + 1;
}

export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option("--json", "report everything as JSON (conda-compatible)")
    .option("-q, --quiet", "do not show progress")
    .option("-v, --verbose", "more output (repeat for more)", increase);
}

export function addPrefixOptions(cmd: Command): Command {
  // conda puts -n and -p in one mutually exclusive group: giving both is a usage error.
  return cmd
    .addOption(new Option("-n, --name <name>", "name of the environment").conflicts("prefix"))
    .option("-p, --prefix <path>", "full path to the environment");
}

export function addChannelOptions(cmd: Command): Command {
  return cmd
    .option("-c, --channel <channel>", "channel to search (repeatable; a name, URL or directory)", collect)
    .option("--override-channels", "do not search the configured channels, only those given with -c")
    .option("--platform <subdir>", "solve for another platform (e.g. linux-64, osx-arm64)")
    .option("--offline", "use only cached repodata and packages")
    .addOption(
      new Option("--channel-priority <mode>", "how channel order constrains candidates").choices([
        "strict",
        "flexible",
        "disabled",
      ]),
    )
    .option("--strict-channel-priority", "same as --channel-priority strict")
    .option("--no-channel-priority", "same as --channel-priority disabled");
}

export function addConfirmOptions(cmd: Command): Command {
  return cmd
    .option("-y, --yes", "do not ask for confirmation")
    .option("-d, --dry-run", "only show what would be done");
}

export interface CommandContext {
  config: LoadedConfig;
  mode: OutputMode;
}

/** Loads `.condarc` with the command line's overrides on top, as conda's context does. */
export function commandContext(opts: GlobalOpts, prefix?: string): CommandContext {
  const overrides: Record<string, unknown> = {};
  if (opts.yes) overrides.always_yes = true;
  if (opts.offline) overrides.offline = true;
  const priority =
    opts.channelPriority === false
      ? "disabled"
      : (opts.channelPriority ?? (opts.strictChannelPriority ? "strict" : undefined));
  if (priority) overrides.channel_priority = priority;
  const config = loadConfig({ prefix, overrides });
  return { config, mode: outputMode(opts) };
}

/** The target prefix of `-n`/`-p`, or the active environment. */
export function targetPrefix(opts: GlobalOpts, config: LoadedConfig, mustExist = true): string {
  const prefix = resolvePrefix({ name: opts.name, prefix: opts.prefix }, config, { mustExist });
  if (mustExist && !isEnvironment(prefix)) throw new EnvironmentLocationNotFound(prefix);
  return prefix;
}

/**
 * The channels a command searches: `-c` first, then the configured ones unless `--override-channels`.
 * `defaults` expands to default_channels, as in conda.
 */
export function effectiveChannels(opts: GlobalOpts, config: LoadedConfig): string[] {
  const given = opts.channel ?? [];
  const list = opts.overrideChannels ? given : [...given, ...config.channels];
  const out: string[] = [];
  for (const c of list) {
    if (c === "defaults") out.push(...config.default_channels);
    else out.push(c);
  }
  return [...new Set(out)];
}

/**
 * The command line as conda records it in `conda-meta/history` (`# cmd:`), with tokens and
 * passwords in channel URLs masked: history files get shared and committed.
 */
export function recordedCommandLine(): string {
  return `taipan ${process.argv
    .slice(2)
    .map((a) => redactUrl(a))
    .join(" ")}`;
}

/** Which environment and platform of a lock file given with `--file` to install. */
export function lockOptionsOf(opts: GlobalOpts & { lockEnvironment?: string }): {
  environment?: string;
  platform?: string;
} {
  return { environment: opts.lockEnvironment, platform: opts.platform };
}
