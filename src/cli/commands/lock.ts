import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { PackageRecord } from "../../conda/package-record.js";
import { currentSubdir } from "../../conda/platform.js";
import { channelOfPackageUrl } from "../../env/lockfile/lock-urls.js";
import { formatCondaLock } from "../../env/lockfile/write-conda-lock.js";
import { formatPixiLock, type PixiLockableRecord } from "../../env/lockfile/write-pixi-lock.js";
import { readPrefixRecords } from "../../install/conda-meta.js";
import {
  addChannelOptions,
  addOutputOptions,
  addPrefixOptions,
  commandContext,
  effectiveChannels,
  type GlobalOpts,
  targetPrefix,
} from "../common-options.js";
import { Channel, type ChannelConfig } from "../../conda/channel.js";
import { stripUrlCredentials } from "../../conda/url-credentials.js";
import { channelConfigOf } from "../../ops/channels.js";
import { UsageError } from "../errors.js";
import { info, printJson } from "../output.js";

interface LockExportOpts extends GlobalOpts {
  format?: string;
  output?: string;
}

const FORMATS = ["conda-lock", "pixi"] as const;

/**
 * `taipan lock export`: writes an environment as a conda-lock v1 file (url, md5+sha256 and
 * dependencies per package; the default) or, with `--format pixi`, as a pixi.lock (version 6)
 * that pixi takes over as its own. `taipan create --file` reads both.
 */
export function register(program: Command): void {
  const lock = program.command("lock").description("Write and read lock files (conda-lock, pixi.lock)");
  const cmd = lock
    .command("export")
    .description("Write an environment's packages as a conda-lock file or a pixi.lock")
    .option("--format <format>", "lock file format: conda-lock or pixi (pixi.lock, version 6)", "conda-lock")
    .option("-o, --output <file>", "write to this file instead of standard output");
  addPrefixOptions(cmd);
  // with --format pixi: the channel order written (pixi reads it as priority); default .condarc's
  addChannelOptions(cmd);
  addOutputOptions(cmd);
  cmd.action((opts: LockExportOpts) => {
    if (!FORMATS.includes(opts.format as (typeof FORMATS)[number]))
      throw new UsageError(`unknown lock format '${opts.format}'; taipan writes ${FORMATS.join(" or ")}`);
    const ctx = commandContext(opts);
    const prefix = targetPrefix(opts, ctx.config);
    const records = readPrefixRecords(prefix).map((pr) => pr.record);
    const platform = records.find((r) => r.subdir && r.subdir !== "noarch")?.subdir ?? currentSubdir();
    const text =
      opts.format === "pixi"
        ? formatPixiLock(records.map(withPurls), {
            platform,
            channels: channelsByPriority(
              records,
              effectiveChannels(opts, ctx.config),
              channelConfigOf(ctx.config),
            ),
          })
        : formatCondaLock(records, { platform });
    if (opts.output) {
      writeFileSync(opts.output, text);
      if (ctx.mode.json)
        printJson({
          success: true,
          prefix,
          output: opts.output,
          format: opts.format,
          packages: records.length,
        });
      else info(ctx.mode, `Wrote ${records.length} packages of ${prefix} to ${opts.output}`);
    } else process.stdout.write(text);
  });
}

/** pixi keeps the `purls` it recorded in conda-meta; other records have none to pass on. */
function withPurls(r: PackageRecord): PixiLockableRecord {
  const purls = r.extra.purls;
  return Array.isArray(purls) ? { ...r, purls: purls.map(String) } : r;
}

/**
 * The channels the records came from, in the order of the configured (or `-c`) channels: pixi
 * reads a lock file's channel list as its priority order. Channels no configuration names follow,
 * alphabetically; credentials are never part of the result.
 */
export function channelsByPriority(
  records: readonly PackageRecord[],
  configured: readonly string[],
  channelConfig: ChannelConfig,
): string[] {
  const used = new Set<string>();
  for (const r of records) {
    if (!r.url) continue;
    used.add(`${channelOfPackageUrl(stripUrlCredentials(r.url))}/`);
  }
  const ordered: string[] = [];
  for (const c of configured) {
    let bases: string[];
    try {
      bases = Channel.parse(c, channelConfig).baseUrls;
    } catch {
      continue; // not a channel this machine can resolve: it cannot match a record either
    }
    for (const b of bases) {
      const base = `${stripUrlCredentials(b).replace(/\/+$/, "")}/`;
      if (used.has(base) && !ordered.includes(base)) ordered.push(base);
    }
  }
  return [...ordered, ...[...used].filter((u) => !ordered.includes(u)).sort()];
}
