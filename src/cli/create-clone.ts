import { existsSync } from "node:fs";
import { join } from "node:path";
import { readStateEnvVars, writePrefixEnvVars } from "../env/prefix-env-vars.js";
import { readPrefixRecords } from "../install/conda-meta.js";
import { cloneEnvironment, cloneSourcePrefix } from "../ops/clone-environment.js";
import { copyUntracked, untrackedFiles } from "../ops/clone-untracked.js";
import { checkCreateTarget } from "../ops/create-target.js";
import { createEmptyEnvironment } from "../ops/empty-environment.js";
import { type CommandContext, recordedCommandLine } from "./common-options.js";
import { UsageError } from "./errors.js";
import { type ChangeOpts, runEnvironmentChange } from "./environment-change.js";
import { printJson } from "./output.js";

/** `create --clone SRC`: SRC's exact records into the new prefix, as conda's clone does. */
export async function createClone(
  source: string,
  prefix: string,
  specs: string[],
  opts: ChangeOpts & { file?: string[] },
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
