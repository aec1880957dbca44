import { arch, release } from "node:os";
import type { Command } from "commander";
import { currentSubdir } from "../../conda/platform.js";
import { listEnvironments } from "../../env/environments.js";
import { VERSION } from "../../taipan-version.js";
import { addOutputOptions, commandContext, effectiveChannels, type GlobalOpts } from "../common-options.js";
import { printJson, table } from "../output.js";

interface InfoOpts extends GlobalOpts {
  envs?: boolean;
  all?: boolean;
  base?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("info")
    .description("Show information about taipan, its configuration and environments")
    .option("-e, --envs", "list the known environments")
    .option("-a, --all", "show everything")
    .option("--base", "print the base environment's path (what `eval` in scripts wants)");
  addOutputOptions(cmd);
  cmd.action((opts: InfoOpts) => {
    const { config } = commandContext(opts);
    if (opts.base) {
      // conda info --base: the path alone, or {"root_prefix": ...} with --json
      if (opts.json) printJson({ root_prefix: config.root_prefix });
      else process.stdout.write(`${config.root_prefix}\n`);
      return;
    }
    const envs = listEnvironments(config);
    const active = config.activePrefix;
    if (opts.envs && !opts.all) {
      if (opts.json) {
        printJson({ envs: envs.map((e) => e.prefix), envs_details: envs });
        return;
      }
      printEnvList(envs, active);
      return;
    }
    const subdir = currentSubdir();
    const channels = effectiveChannels(opts, config);
    const info = {
      active_prefix: active ?? null,
      active_prefix_name: active ? (envs.find((e) => e.prefix === active)?.name ?? active) : null,
      channels,
      conda_version: VERSION,
      taipan_version: VERSION,
      envs_dirs: config.envs_dirs,
      pkgs_dirs: config.pkgs_dirs,
      platform: subdir,
      root_prefix: config.root_prefix,
      config_files: config.sources.map((s) => s.name).filter((n) => n !== "envvars" && n !== "cmd_line"),
      channel_priority: config.channel_priority,
      offline: config.offline,
      envs: envs.map((e) => e.prefix),
      node_version: process.version,
      sys_info: `${process.platform} ${arch()} ${release()}`,
    };
    if (opts.json) {
      printJson(info);
      return;
    }
    const rows: string[][] = [
      ["active environment :", info.active_prefix_name ?? "None"],
      ["active env location :", active ?? "-"],
      ["taipan version :", VERSION],
      ["platform :", subdir],
      ["base environment :", config.root_prefix],
      ["channel URLs :", channels.join(`\n${" ".repeat(24)}`)],
      ["package cache :", config.pkgs_dirs.join(`\n${" ".repeat(24)}`)],
      ["envs directories :", config.envs_dirs.join(`\n${" ".repeat(24)}`)],
      ["config files :", info.config_files.join(`\n${" ".repeat(24)}`) || "(none)"],
      ["channel priority :", config.channel_priority],
      ["offline mode :", String(config.offline)],
      ["node version :", process.version],
    ];
    process.stdout.write(
      `\n${table(
        rows.map(([a, b]) => [a!.padStart(22), b!]),
        "",
      )}\n\n`,
    );
    if (opts.all) printEnvList(envs, active);
  });
}

export function printEnvList(envs: { name: string; prefix: string }[], active: string | undefined): void {
  const lines = ["# taipan environments:", "#"];
  const width = Math.max(10, ...envs.map((e) => e.name.length)) + 2;
  for (const e of envs) lines.push(`${e.name.padEnd(width)}${e.prefix === active ? "*" : " "}  ${e.prefix}`);
  process.stdout.write(`${lines.join("\n")}\n\n`);
}
