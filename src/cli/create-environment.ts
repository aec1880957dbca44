import type { SpecInput } from "../env/spec-input.js";
import { isEnvironment } from "../env/environments.js";
import { createEmptyEnvironment } from "../ops/empty-environment.js";
import { explicitEnvironment } from "../ops/explicit-environment.js";
import { type CommandContext, recordedCommandLine } from "./common-options.js";
import { type ChangeOpts, runEnvironmentChange } from "./environment-change.js";
import { printJson } from "./output.js";

/**
 * `create` and `env create` once the target is checked: an environment from match specs, from an
 * @EXPLICIT / lock-file list (no solve), or — with nothing to install — an empty one, as conda
 * makes it (just `conda-meta/history`). Replacing an existing environment (-y) unlinks its
 * packages through the journaled transaction, so a crash never leaves it half-deleted.
 */
export async function createFromInput(
  prefix: string,
  input: SpecInput,
  opts: ChangeOpts,
  ctx: CommandContext,
): Promise<void> {
  const explicit = input.explicit;
  if (explicit) {
    await runEnvironmentChange(
      "create",
      prefix,
      () => explicitEnvironment(prefix, explicit, ctx.config, "create"),
      opts,
      ctx,
    );
    return;
  }
  if (input.specs.length > 0) {
    await runEnvironmentChange("create", prefix, input.specs, opts, ctx);
    return;
  }
  if (opts.dryRun) {
    if (ctx.mode.json) printJson({ success: true, dry_run: true, prefix, actions: {} });
    else process.stdout.write(`Would create an empty environment at ${prefix}\n`);
    return;
  }
  if (isEnvironment(prefix)) {
    const silent = { ...ctx, mode: { ...ctx.mode, json: false, quiet: true } };
    await runEnvironmentChange("create", prefix, [], opts, silent);
  }
  createEmptyEnvironment(prefix, ctx.config, recordedCommandLine());
  if (ctx.mode.json) printJson({ success: true, prefix, actions: {} });
  else if (!ctx.mode.quiet) process.stdout.write(`Created an empty environment at ${prefix}\n`);
}
