import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { validateEnvName } from "../../env/environments.js";
import { readStateEnvVars, writePrefixEnvVars } from "../../env/prefix-env-vars.js";
import { readPrefixRecords } from "../../install/conda-meta.js";
import { cloneEnvironment, cloneSourcePrefix } from "../../ops/clone-environment.js";
import { copyUntracked, untrackedFiles } from "../../ops/clone-untracked.js";
import { checkCreateTarget } from "../../ops/create-target.js";
import { createEmptyEnvironment } from "../../ops/empty-environment.js";
import {
  addChannelOptions,
  addConfirmOptions,
  addOutputOptions,
  addPrefixOptions,
  type CommandContext,
  commandContext,
  lockOptionsOf,
  recordedCommandLine,
  targetPrefix,
} from "../common-options.js";
import { createFromInput } from "../create-environment.js";
import { UsageError } from "../errors.js";
import { type ChangeOpts, runEnvironmentChange } from "../environment-change.js";
import { printJson, warn } from "../output.js";
import { applyFileChannels, readSpecInput } from "../../env/spec-input.js";

interface CreateOpts extends ChangeOpts {
  file?: string[];
  clone?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds the flags create/install/update share and returns the command. */
export function addChangeOptions(cmd: Command): Command {
  addPrefixOptions(cmd);
  addChannelOptions(cmd);
  addConfirmOptions(cmd);
  addOutputOptions(cmd);
  return cmd
    .option(
      "--file <file>",
      "read specs from a file (specs, @EXPLICIT, or environment.yml); repeatable",
      collect,
    )
    .option("--allow-scripts", "run the packages' pre/post-link scripts (off by default)")
    .option("--explain", "show, for each package, the requests that pulled it in")
    .option(
      "--no-deps",
      "solve as usual, then link only the requested packages (may leave the environment inconsistent)",
    )
    .option("--only-deps", "solve as usual, then link only the requested packages' dependencies")
    .option("--update-deps", "also update the requested packages' dependencies to their best versions")
    .option("--freeze-installed", "do not change already-installed packages unless the request needs it")
    .option("--no-update-deps", "same as --freeze-installed")
    .option(
      "--lock-environment <name>",
      "with a pixi lock file as --file: the environment to install (default: default)",
    );
}

export function register(program: Command): void {
  const cmd = program
    .command("create")
    .description("Create a new environment from a list of specs")
    .argument("[specs...]", "match specs of the packages to install")
    .option(
      "--clone <ENV>",
      "create the environment as a copy of ENV (a name or a path): same packages, no solve",
    );
  addChangeOptions(cmd);
  cmd.action(async (specs: string[], opts: CreateOpts) => {
    if (!opts.name && !opts.prefix) throw new UsageError("create needs -n NAME or -p PATH");
    // conda refuses '/', ' ', ':' and '#' in a new environment's name (a path goes with -p).
    if (opts.name) validateEnvName(opts.name);
    const ctx = commandContext(opts);
    const prefix = targetPrefix(opts, ctx.config, false);
    if (opts.clone !== undefined) return createClone(opts.clone, prefix, specs, opts, ctx);
    const input = readSpecInput(opts.file ?? [], specs, lockOptionsOf(opts));
    for (const w of input.warnings ?? []) warn(ctx.mode, w);
    applyFileChannels(opts, input);

    if (!opts.dryRun) checkCreateTarget(prefix, ctx.config.always_yes);
    await createFromInput(prefix, input, opts, ctx);
    if (!opts.dryRun && input.environment && Object.keys(input.environment.variables).length > 0)
      writePrefixEnvVars(prefix, input.environment.variables);
  });
}

/** `create --clone SRC`: SRC's exact records into the new prefix, as conda's clone does. */
async function createClone(
  source: string,
  prefix: string,
  specs: string[],
  opts: CreateOpts,
  ctx: CommandContext,
): Promise<void> {
  // conda: TooManyArgumentsError — a clone takes nothing else to install.
  if (specs.length > 0 || (opts.file ?? []).length > 0)
    throw new UsageError(
      "--clone takes no package specs or --file",
      "Clone first, then 'taipan install' the extra packages into the clone.",
    );
  const src = cloneSourcePrefix(source, ctx.config);
  if (!opts.dryRun) checkCreateTarget(prefix, ctx.config.always_yes);
  const packages = readPrefixRecords(src).length;
  const untracked = untrackedFiles(src);
  if (!ctx.mode.json && !ctx.mode.quiet)
    process.stdout.write(
      `Source:      ${src}\nDestination: ${prefix}\nPackages:    ${packages}\nFiles:       ${untracked.length}\n`,
    );
  if (packages === 0 && !opts.dryRun && !existsSync(join(prefix, "conda-meta"))) {
    // An empty source clones to an empty environment (a transaction with nothing to link writes nothing).
    createEmptyEnvironment(prefix, ctx.config, recordedCommandLine());
    if (ctx.mode.json) printJson({ success: true, prefix, actions: {} });
    else if (!ctx.mode.quiet) process.stdout.write(`Created an empty environment at ${prefix}\n`);
  } else
    await runEnvironmentChange("create", prefix, () => cloneEnvironment(src, prefix, ctx.config), opts, ctx);
  if (opts.dryRun) return;
  // As conda does, files no package owns are copied too (text files get the new prefix).
  copyUntracked(src, prefix, untracked);
  // The source's environment variables (conda env config vars) belong to the environment too.
  const vars = readStateEnvVars(src);
  if (Object.keys(vars).length > 0) writePrefixEnvVars(prefix, vars);
}
