import type { Command } from "commander";
import { MatchSpec } from "../../conda/match-spec.js";
import type { PackageRecord } from "../../conda/package-record.js";
import { currentSubdir } from "../../conda/platform.js";
import { gatewayFor } from "../../ops/channels.js";
import { searchIndex } from "../../repodata/search.js";
import { PackagesNotFoundError } from "../../solver/errors.js";
import {
  addChannelOptions,
  addOutputOptions,
  commandContext,
  effectiveChannels,
  type GlobalOpts,
} from "../common-options.js";
import { formatBytes, info, printJson } from "../output.js";
import { channelDisplayName } from "../record-display.js";

interface SearchOpts extends GlobalOpts {
  info?: boolean;
}

/** `conda search`'s record JSON: the repodata fields plus where the record came from. */
function recordJson(r: PackageRecord): Record<string, unknown> {
  return { ...r.toJson(), fn: r.fn, url: r.url, channel: channelDisplayName(r) };
}

function infoBlock(r: PackageRecord): string {
  const title = `${r.name} ${r.version} ${r.build}`;
  const rows: [string, string | number | undefined][] = [
    ["file name", r.fn],
    ["name", r.name],
    ["version", r.version],
    ["build", r.build],
    ["build number", r.build_number],
    ["size", r.size === undefined ? undefined : formatBytes(r.size)],
    ["license", r.license],
    ["subdir", r.subdir],
    ["url", r.url],
    ["md5", r.md5],
    ["sha256", r.sha256],
    [
      "timestamp",
      r.timestamp === undefined
        ? undefined
        : new Date(r.timestamp)
            .toISOString()
            .replace("T", " ")
            .replace(/\.\d+Z$/, " UTC"),
    ],
  ];
  const lines = [title, "-".repeat(title.length)];
  for (const [k, v] of rows) if (v !== undefined && v !== "") lines.push(`${k.padEnd(12)}: ${v}`);
  const list = (k: string, xs: readonly string[]) =>
    lines.push(
      xs.length ? `${k.padEnd(12)}:\n${xs.map((x) => `  - ${x}`).join("\n")}` : `${k.padEnd(12)}: []`,
    );
  if (r.track_features.length) list("track_features", r.track_features);
  if (r.constrains.length) list("constraints", r.constrains);
  list("dependencies", r.depends);
  return `${lines.join("\n")}\n`;
}

export function register(program: Command): void {
  const cmd = program
    .command("search")
    .description("Search channels for packages matching match specs (like `conda search`)")
    .argument("[specs...]", "match specs, e.g. numpy, 'numpy>=1.20', 'numpy 1.26.* py312*', '*py*'")
    .option("-i, --info", "show details of each record: depends, size, hashes, url");
  addChannelOptions(cmd);
  addOutputOptions(cmd);
  cmd.action(async (specArgs: string[], opts: SearchOpts) => {
    const { config, mode } = commandContext(opts);
    const specs = (specArgs.length ? specArgs : ["*"]).map((s) => MatchSpec.parse(s));
    const subdir = opts.platform ?? currentSubdir();
    const channels = effectiveChannels(opts, config);
    const gateway = gatewayFor(config, { offline: opts.offline });
    try {
      info(mode, "Loading channels: ...");
      const index = await gateway.load({
        channels,
        subdirs: [...new Set([subdir, "noarch"])],
        specs: specs.filter((s) => s.name !== "*").map((s) => s.name),
      });
      const found: PackageRecord[] = [];
      const missing: string[] = [];
      for (const spec of specs) {
        const res = await searchIndex(index, spec);
        if (res.broadenedTo && res.records.length)
          info(mode, `No match found for: ${spec}. Search: ${res.broadenedTo}`);
        if (res.records.length === 0) missing.push(spec.toString());
        found.push(...res.records);
      }
      if (missing.length)
        throw new PackagesNotFoundError(
          missing,
          channels.flatMap((c) => [`${c}/${subdir}`, `${c}/noarch`]),
        );
      if (opts.json) {
        const byName: Record<string, Record<string, unknown>[]> = {};
        for (const r of found) (byName[r.name] ??= []).push(recordJson(r));
        printJson(byName);
      } else if (opts.info) {
        process.stdout.write(found.map(infoBlock).join("\n"));
      } else {
        const lines = [`# ${"Name".padEnd(18)} ${"Version".padStart(15)} ${"Build".padStart(15)}  Channel`];
        for (const r of found)
          lines.push(
            `${r.name.padEnd(20)} ${r.version.padStart(15)} ${r.build.padStart(15)}  ${channelDisplayName(r)}`.trimEnd(),
          );
        process.stdout.write(`${lines.join("\n")}\n`);
      }
    } finally {
      await gateway.close();
    }
  });
}
