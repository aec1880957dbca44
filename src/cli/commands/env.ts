import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { TaipanError } from "../../conda/errors.js";
import { matchSpecName } from "../../conda/spec-name.js";
import type { LoadedConfig } from "../../env/config.js";
import { type EnvironmentFile, formatEnvironmentFile } from "../../env/environment-file.js";
import { environmentFileFromRecords } from "../../env/environment-export.js";
import {
  environmentName,
  isEnvironment,
  listEnvironments,
} from "../../env/environments.js";
import { installPipRequirements, PipNotAvailableError } from "../../env/pip-section.js";
import { readStateEnvVars, writePrefixEnvVars } from "../../env/prefix-env-vars.js";
import { readPrefixRecords } from "../../install/conda-meta.js";
import { createEmptyEnvironment } from "../../ops/empty-environment.js";
import { explicitEnvironment } from "../../ops/explicit-environment.js";
import { requestedSpecsOf } from "../../ops/requested-specs.js";
import { solveEnvironment } from "../../ops/solve-environment.js";
import {
  addChannelOptions,
  addConfirmOptions,
  addOutputOptions,
  addPrefixOptions,
  type CommandContext,
  commandContext,
  effectiveChannels,
  type GlobalOpts,
  recordedCommandLine,
  targetPrefix,
} from "../common-options.js";
import { EnvironmentLocationNotFound, UsageError } from "../errors.js";
import { type ChangeOpts, runEnvironmentChange } from "../environment-change.js";
import { info, printJson } from "../output.js";
import { removeEnvironment } from "../remove-environment.js";
import { readSpecInput, type SpecInput } from "../spec-input.js";
import { PrefixExistsError } from "./create.js";
import { printEnvList } from "./info.js";

interface ExportOpts extends GlobalOpts {
  file?: string;
  fromHistory?: boolean;
  builds?: boolean;
  ignoreChannels?: boolean;
}

interface EnvFileOpts extends ChangeOpts {
  file?: string;
  prune?: boolean;
}

/** An environment file names an installer taipan has no plugin for (conda's InvalidInstaller). */
export class UnknownInstallerError extends TaipanError {
  constructor(file: string, installers: string[]) {
    super(
      "UNKNOWN_INSTALLER",
      `${file} lists packages for ${installers.map((i) => `'${i}:'`).join(", ")}, which taipan cannot install`,
      {
        hint: "Only conda packages and a 'pip:' section are supported; remove the other sections from the file.",
        exceptionName: "InvalidInstaller",
      },
    );
  }
}

/** `Foo_Bar` → `foo-bar`, as pip and conda normalize distribution names. */
function normalizePipName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** Name and Version from a METADATA / PKG-INFO header. */
function readDistMetadata(file: string): { name: string; version: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const name = /^Name:\s*(.+)$/m.exec(head)?.[1]?.trim();
  const version = /^Version:\s*(.+)$/m.exec(head)?.[1]?.trim();
  return name && version ? { name, version } : undefined;
}

/**
 * Python distributions in the prefix's site-packages that no conda record owns: what pip installed.
 * conda's export lists them as `name==version` in a `pip:` section (its pip interoperability).
 */
export function pipInstalledPackages(prefix: string, owned: Iterable<string>): string[] {
  const ownedDirs = new Set<string>();
  for (const f of owned) {
    const m = /^(.*?\.(?:dist-info|egg-info))(?:\/|$)/.exec(f.replace(/\\/g, "/"));
    if (m) ownedDirs.add(m[1]!);
  }
  const sitePackages: string[] = [];
  const lib = join(prefix, "lib");
  if (existsSync(lib))
    for (const d of readdirSync(lib)) if (/^python\d/.test(d)) sitePackages.push(`lib/${d}/site-packages`);
  sitePackages.push("Lib/site-packages");
  const found = new Map<string, string>();
  for (const rel of sitePackages) {
    const dir = join(prefix, rel);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) {
      const meta = entry.endsWith(".dist-info")
        ? join(dir, entry, "METADATA")
        : entry.endsWith(".egg-info")
          ? existsSync(join(dir, entry, "PKG-INFO"))
            ? join(dir, entry, "PKG-INFO")
            : join(dir, entry)
          : undefined;
      if (!meta || ownedDirs.has(`${rel}/${entry}`)) continue;
      const info = readDistMetadata(meta);
      if (info) found.set(normalizePipName(info.name), info.version);
    }
  }
  return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, v]) => `${n}==${v}`);
}

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

/** The JSON `env export --json` prints: the file's keys in the file's order. */
function environmentJson(env: EnvironmentFile): Record<string, unknown> {
  const deps: unknown[] = [...env.dependencies];
  if (env.pip.length > 0) deps.push({ pip: env.pip });
  const out: Record<string, unknown> = { name: env.name, channels: env.channels, dependencies: deps };
  if (Object.keys(env.variables).length > 0) out.variables = env.variables;
  out.prefix = env.prefix;
  return out;
}

/**
 * The prefix `env create/update -f` targets: `-n`/`-p`, else the file's `name:` (or `prefix:`), as
 * conda fills `args.name` from the file when neither flag is given.
 */
function fileTargetPrefix(opts: EnvFileOpts, input: SpecInput, ctx: CommandContext, verb: string): string {
  if (opts.name || opts.prefix) return targetPrefix(opts, ctx.config, false);
  const env = input.environment;
  if (env?.name) return targetPrefix({ name: env.name }, ctx.config, false);
  if (env?.prefix) return resolve(env.prefix);
  if (verb === "update" && ctx.config.activePrefix) return ctx.config.activePrefix;
  throw new UsageError(
    `env ${verb} needs -n NAME or -p PATH: ${opts.file ?? "the file"} does not name an environment`,
    `Example: taipan env ${verb} -n myenv -f ${opts.file ?? "environment.yml"}`,
  );
}

/** `-c` first, then the file's channels, then the configured ones unless the file says `nodefaults`. */
function applyFileChannels(opts: EnvFileOpts, input: SpecInput): void {
  const fileChannels = input.environment?.channels ?? [];
  if (opts.overrideChannels) return;
  opts.channel = [...(opts.channel ?? []), ...fileChannels.filter((c) => c !== "nodefaults")];
  if (fileChannels.includes("nodefaults")) opts.overrideChannels = true;
}

function readEnvFileInput(opts: EnvFileOpts): SpecInput {
  // conda env create/update read ./environment.yml when no -f is given.
  const file = opts.file ?? "environment.yml";
  opts.file = file;
  const input = readSpecInput([file], []);
  const others = Object.keys(input.environment?.otherInstallers ?? {});
  if (others.length > 0) throw new UnknownInstallerError(file, others);
  return input;
}

/**
 * A `pip:` section needs pip in the environment. conda finds out only after installing the conda
 * packages; checking first leaves no half-made environment behind.
 */
function checkPipAvailable(prefix: string, input: SpecInput): void {
  if (!input.environment?.pip.length) return;
  if (input.specs.some((s) => matchSpecName(s) === "pip")) return;
  if (isEnvironment(prefix) && readPrefixRecords(prefix).some((p) => p.record.name === "pip")) return;
  throw new PipNotAvailableError(prefix, "pip");
}

/** After the conda packages: the file's variables (merged, as conda's set_environment_env_vars) and pip section. */
async function finishFromFile(
  prefix: string,
  input: SpecInput,
  opts: EnvFileOpts,
  ctx: CommandContext,
  replace: boolean,
) {
  const env = input.environment;
  if (!env || opts.dryRun) return;
  const current = readStateEnvVars(prefix);
  // A replaced environment (create -y) keeps none of the old variables; update merges into them.
  if (Object.keys(env.variables).length > 0 || (replace && Object.keys(current).length > 0))
    writePrefixEnvVars(prefix, { ...(replace ? {} : current), ...env.variables });
  if (env.pip.length > 0) {
    info(ctx.mode, "Installing pip dependencies");
    await installPipRequirements(prefix, env.pip, {
      workdir: dirname(resolve(opts.file ?? ".")),
      config: ctx.config,
      // With --json, pip's chatter must not corrupt the JSON on stdout.
      stdio: ctx.mode.json || ctx.mode.quiet ? ["ignore", 2, 2] : "inherit",
    });
  }
}

function registerList(env: Command): void {
  const cmd = env
    .command("list")
    .alias("ls")
    .description("List the known environments (same as `taipan info --envs`)");
  addOutputOptions(cmd);
  cmd.action((opts: GlobalOpts) => {
    const { config } = commandContext(opts);
    const envs = listEnvironments(config);
    if (opts.json) printJson({ envs: envs.map((e) => e.prefix), envs_details: envs });
    else printEnvList(envs, config.activePrefix);
  });
}

function registerExport(env: Command): void {
  const cmd = env
    .command("export")
    .description("Write an environment as an environment.yml")
    .option("-f, --file <file>", "write to this file instead of standard output")
    .option("--from-history", "only the specs that were asked for (conda-meta/history), not every package")
    .option("--no-builds", "write name=version, without the build string")
    .option("--ignore-channels", "do not list the packages' own channels")
    .option(
      "-c, --channel <channel>",
      "an extra channel to list (repeatable)",
      (v: string, p: string[] = []) => [...p, v],
    )
    .option("--override-channels", "do not list the configured channels");
  addPrefixOptions(cmd);
  addOutputOptions(cmd);
  cmd.action((opts: ExportOpts) => {
    const { config } = commandContext(opts);
    const prefix = targetPrefix(opts, config);
    const channels = [...(opts.channel ?? []), ...(opts.overrideChannels ? [] : config.channels)];
    const env = exportEnvironment(prefix, config, {
      fromHistory: opts.fromHistory,
      noBuilds: opts.builds === false,
      ignoreChannels: opts.ignoreChannels,
      channels: [...new Set(channels)],
    });
    if (opts.file) {
      writeFileSync(opts.file, formatEnvironmentFile(env));
      if (opts.json) printJson({ success: true, file: opts.file, format: "environment-yaml" });
      return;
    }
    if (opts.json) printJson(environmentJson(env));
    else process.stdout.write(formatEnvironmentFile(env));
  });
}

function addFileChangeOptions(cmd: Command): Command {
  addPrefixOptions(cmd);
  addChannelOptions(cmd);
  addConfirmOptions(cmd);
  addOutputOptions(cmd);
  return cmd
    .option("-f, --file <file>", "environment.yml or @EXPLICIT file (default: environment.yml)")
    .option("--allow-scripts", "run the packages' pre/post-link scripts (off by default)");
}

function registerCreate(env: Command): void {
  const cmd = env
    .command("create")
    .description("Create an environment from an environment.yml or @EXPLICIT file");
  addFileChangeOptions(cmd);
  cmd.action(async (opts: EnvFileOpts) => {
    const input = readEnvFileInput(opts);
    const ctx = commandContext(opts);
    const prefix = fileTargetPrefix(opts, input, ctx, "create");
    applyFileChannels(opts, input);
    checkPipAvailable(prefix, input);
    const isEnv = isEnvironment(prefix);
    if (existsSync(prefix) && readdirSync(prefix).length > 0 && !opts.dryRun) {
      if (!isEnv || !ctx.config.always_yes) throw new PrefixExistsError(prefix, isEnv);
    }
    const name = opts.name ?? (opts.prefix ? undefined : input.environment?.name);
    const changeOpts = { ...opts, name: name ?? prefix };
    if (!input.explicit && input.specs.length === 0) {
      if (opts.dryRun) {
        process.stdout.write(`Would create an empty environment at ${prefix}\n`);
        return;
      }
      // Nothing to install: conda still makes the environment (conda-meta/history only).
      if (isEnv) await runEnvironmentChange("create", prefix, [], { ...changeOpts, quiet: true }, ctx);
      createEmptyEnvironment(prefix, ctx.config, recordedCommandLine());
      if (ctx.mode.json) printJson({ success: true, prefix, actions: {} });
      else if (!ctx.mode.quiet) process.stdout.write(`Created an empty environment at ${prefix}\n`);
    } else {
      const explicit = input.explicit;
      await runEnvironmentChange(
        "create",
        prefix,
        explicit ? () => explicitEnvironment(prefix, explicit, ctx.config, "create") : input.specs,
        changeOpts,
        ctx,
      );
    }
    await finishFromFile(prefix, input, opts, ctx, true);
  });
}

function registerUpdate(env: Command): void {
  const cmd = env
    .command("update")
    .description("Update an environment to match an environment.yml or @EXPLICIT file")
    .option("--prune", "remove the packages the file does not need");
  addFileChangeOptions(cmd);
  cmd.action(async (opts: EnvFileOpts) => {
    const input = readEnvFileInput(opts);
    const ctx = commandContext(opts);
    const prefix = fileTargetPrefix(opts, input, ctx, "update");
    applyFileChannels(opts, input);
    checkPipAvailable(prefix, input);
    // conda env update makes the environment when it does not exist yet.
    const kind = isEnvironment(prefix) ? "install" : "create";
    const explicit = input.explicit;
    if (explicit) {
      await runEnvironmentChange(
        kind,
        prefix,
        () => explicitEnvironment(prefix, explicit, ctx.config, kind),
        opts,
        ctx,
      );
    } else if (input.specs.length > 0) {
      await runEnvironmentChange(
        kind,
        prefix,
        (signal) =>
          solveEnvironment({
            prefix,
            kind,
            specs: input.specs,
            // --prune: the file is the whole request; what it does not need is removed.
            fromScratch: opts.prune === true,
            channels: effectiveChannels(opts, ctx.config),
            config: ctx.config,
            subdir: opts.platform,
            offline: ctx.config.offline,
            signal,
          }),
        opts,
        ctx,
      );
    } else if (kind === "create") {
      throw new EnvironmentLocationNotFound(prefix);
    }
    await finishFromFile(prefix, input, opts, ctx, false);
  });
}

function registerRemove(env: Command): void {
  const cmd = env.command("remove").description("Remove an environment (same as `taipan remove --all`)");
  addPrefixOptions(cmd);
  addConfirmOptions(cmd);
  addOutputOptions(cmd);
  cmd.action(async (opts: GlobalOpts) => {
    if (!opts.name && !opts.prefix) throw new UsageError("env remove needs -n NAME or -p PATH");
    const ctx = commandContext(opts);
    await removeEnvironment(targetPrefix(opts, ctx.config), opts, ctx);
  });
}

function registerConfigVars(env: Command): void {
  const vars = env
    .command("config")
    .description("Configure an environment")
    .command("vars")
    .description("Variables set on activation (conda-meta/state)");
  const list = vars.command("list").description("List the environment's variables");
  addPrefixOptions(list);
  addOutputOptions(list);
  list.action((opts: GlobalOpts) => {
    const { config } = commandContext(opts);
    const prefix = targetPrefix(opts, config);
    const current = readStateEnvVars(prefix);
    if (opts.json) printJson(current);
    else for (const [k, v] of Object.entries(current)) process.stdout.write(`${k} = ${v}\n`);
  });
  const set = vars
    .command("set")
    .description("Set variables: NAME=VALUE ...")
    .argument("<vars...>", "NAME=VALUE pairs");
  addPrefixOptions(set);
  addOutputOptions(set);
  set.action((pairs: string[], opts: GlobalOpts) => {
    const { config } = commandContext(opts);
    const prefix = targetPrefix(opts, config);
    const current = readStateEnvVars(prefix);
    for (const p of pairs) {
      const eq = p.indexOf("=");
      if (eq <= 0)
        throw new UsageError(`'${p}' is not NAME=VALUE`, "Example: taipan env config vars set MY_VAR=1");
      current[p.slice(0, eq)] = p.slice(eq + 1);
    }
    writePrefixEnvVars(prefix, current);
    if (!opts.json && !opts.quiet)
      process.stdout.write("To make your changes take effect please reactivate your environment\n");
  });
  const unset = vars.command("unset").description("Unset variables").argument("<names...>", "variable names");
  addPrefixOptions(unset);
  addOutputOptions(unset);
  unset.action((names: string[], opts: GlobalOpts) => {
    const { config } = commandContext(opts);
    const prefix = targetPrefix(opts, config);
    const current = readStateEnvVars(prefix);
    for (const n of names) delete current[n];
    writePrefixEnvVars(prefix, current);
    if (!opts.json && !opts.quiet)
      process.stdout.write("To make your changes take effect please reactivate your environment\n");
  });
}

export function register(program: Command): void {
  const env = program
    .command("env")
    .description("Manage environments: list, export, create/update from a file, remove");
  registerList(env);
  registerExport(env);
  registerCreate(env);
  registerUpdate(env);
  registerRemove(env);
  registerConfigVars(env);
}
