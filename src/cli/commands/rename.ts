import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { TaipanError } from "../../conda/errors.js";
import { isEnvironment, resolvePrefix, validateEnvName } from "../../env/environments.js";
import { checkNotActive } from "../../ops/delete-environment.js";
import {
  addConfirmOptions,
  addOutputOptions,
  addPrefixOptions,
  type CommandContext,
  commandContext,
  type GlobalOpts,
  targetPrefix,
} from "../common-options.js";
import { createClone } from "../create-clone.js";
import { UsageError } from "../errors.js";
import { printJson } from "../output.js";
import { removeEnvironment } from "../remove-environment.js";

interface RenameOpts extends GlobalOpts {
  force?: boolean;
}

/** conda's EnvironmentNameNotFound-style refusal: the destination is already an environment or directory. */
export class RenameTargetExistsError extends TaipanError {
  constructor(dest: string) {
    super("RENAME_TARGET_EXISTS", `cannot rename to ${dest}: it already exists`, {
      hint: "Pick another name, or pass --force to replace it.",
      exceptionName: "CondaEnvException",
    });
  }
}

/**
 * `taipan rename -n OLD NEW` / `-p OLD_PATH NEW_PATH`, as `conda rename` does it: the environment is
 * cloned to the new place (packages relinked from the cache, so prefixes inside files are
 * rewritten for the new path; untracked files and environment variables copied) and only then
 * is the old one removed, so a failure part-way leaves the original intact. The base and the
 * active environment cannot be renamed.
 */
export function register(program: Command): void {
  const cmd = program
    .command("rename")
    .description("Rename an environment (a clone to the new name or path, then removal of the old one)")
    .argument("<destination>", "the new name, or a path")
    .option("--force", "replace the destination if it already exists");
  addPrefixOptions(cmd);
  addConfirmOptions(cmd);
  addOutputOptions(cmd);
  cmd.action(async (destination: string, opts: RenameOpts) => {
    if (!opts.name && !opts.prefix)
      throw new UsageError(
        "rename needs the environment to rename: -n NAME or -p PATH",
        "Example: taipan rename -n old new",
      );
    const ctx = commandContext(opts);
    // the base check comes first: a base without conda-meta is still the base
    if (resolve(targetPrefix(opts, ctx.config, false)) === resolve(ctx.config.root_prefix))
      throw new UsageError(
        "the base environment cannot be renamed",
        "Create a new environment with --clone instead.",
      );
    const source = targetPrefix(opts, ctx.config);
    checkNotActive(source, ctx.config);
    const isPath = destination.includes("/") || destination.includes("\\");
    if (!isPath) validateEnvName(destination);
    const dest = isPath
      ? resolve(destination)
      : resolvePrefix({ name: destination }, ctx.config, { mustExist: false });
    if (resolve(dest) === resolve(source)) throw new UsageError(`${source} already has that name`);
    if (existsSync(dest)) {
      if (!opts.force) throw new RenameTargetExistsError(dest);
      // --force replaces an environment (or an empty directory), never an arbitrary directory
      if (!isEnvironment(dest) && readdirSync(dest).length > 0)
        throw new TaipanError("RENAME_TARGET_NOT_ENV", `${dest} exists and is not an environment`, {
          hint: "Move it out of the way yourself, or pick another destination.",
          exceptionName: "CondaEnvException",
        });
    }
    if (opts.dryRun) {
      if (ctx.mode.json) printJson({ success: true, dry_run: true, source, destination: dest });
      else process.stdout.write(`Would rename ${source} to ${dest}\n`);
      return;
    }
    // The steps report nothing of their own: the rename is one operation to the user.
    const quiet: CommandContext = {
      config: { ...ctx.config, always_yes: true },
      mode: { ...ctx.mode, json: false, quiet: true },
    };
    const inner = { ...opts, json: false, quiet: true, yes: true };
    if (isEnvironment(dest)) await removeEnvironment(dest, inner, quiet);
    await createClone(source, dest, [], inner, quiet);
    await removeEnvironment(source, inner, quiet);
    if (ctx.mode.json) printJson({ success: true, source, destination: dest });
    else if (!ctx.mode.quiet) process.stdout.write(`Renamed ${source} to ${dest}\n`);
  });
}
