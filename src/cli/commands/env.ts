import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { formatEnvironmentFile } from "../../env/environment-file.js";
import { environmentFileJson } from "../../env/environment-export.js";
import { checkPipAvailable, finishEnvironmentFromFile } from "../../env/environment-file-extras.js";
import { isEnvironment, listEnvironments } from "../../env/environments.js";
import { readStateEnvVars, writePrefixEnvVars } from "../../env/prefix-env-vars.js";
import { applyFileChannels, readEnvironmentSpecFile, type SpecInput } from "../../env/spec-input.js";
import { checkCreateTarget } from "../../ops/create-target.js";
import { explicitEnvironment } from "../../ops/explicit-environment.js";
import { exportEnvironment } from "../../ops/export-environment.js";
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
  lockOptionsOf,
  targetPrefix,
} from "../common-options.js";
import { createFromInput } from "../create-environment.js";
import { EnvironmentLocationNotFound, UsageError } from "../errors.js";
import { type ChangeOpts, runEnvironmentChange } from "../environment-change.js";
import { info, printJson } from "../output.js";
import { removeEnvironment } from "../remove-environment.js";
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

function readEnvFileInput(opts: EnvFileOpts): SpecInput {
  // conda env create/update read ./environment.yml when no -f is given.
  const file = opts.file ?? "environment.yml";
  opts.file = file;
  return readEnvironmentSpecFile(file, lockOptionsOf(opts));
}

/** After the conda packages: the file's variables and pip section (not on a dry run). */
async function finishFromFile(
  prefix: string,
  input: SpecInput,
  opts: EnvFileOpts,
  ctx: CommandContext,
  replace: boolean,
): Promise<void> {
  const env = input.environment;
  if (!env || opts.dryRun) return;
  if (env.pip.length > 0) info(ctx.mode, "Installing pip dependencies");
  await finishEnvironmentFromFile(prefix, env, {
    replace,
    workdir: dirname(resolve(opts.file ?? ".")),
    config: ctx.config,
    // With --json, pip's chatter must not corrupt the JSON on stdout.
    stdio: ctx.mode.json || ctx.mode.quiet ? ["ignore", 2, 2] : "inherit",
  });
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
    if (opts.json) printJson(environmentFileJson(env));
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
    if (!opts.dryRun) checkCreateTarget(prefix, ctx.config.always_yes);
    const name = opts.name ?? (opts.prefix ? undefined : input.environment?.name);
    const changeOpts = { ...opts, name: name ?? prefix };
    await createFromInput(prefix, input, changeOpts, ctx);
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
