import type { Command } from "commander";
import { validateEnvName } from "../../env/environments.js";
import { writePrefixEnvVars } from "../../env/prefix-env-vars.js";
import { checkCreateTarget } from "../../ops/create-target.js";
import {
  addChannelOptions,
  addConfirmOptions,
  addOutputOptions,
  addPrefixOptions,
  commandContext,
  lockOptionsOf,
  targetPrefix,
} from "../common-options.js";
import { createClone } from "../create-clone.js";
import { createFromInput } from "../create-environment.js";
import { UsageError } from "../errors.js";
import type { ChangeOpts } from "../environment-change.js";
import { warn } from "../output.js";
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
