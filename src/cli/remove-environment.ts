import { resolve } from "node:path";
import { readPrefixRecords } from "../install/conda-meta.js";
import { checkNotActive, deleteEnvironmentDir } from "../ops/delete-environment.js";
import type { CommandContext, GlobalOpts } from "./common-options.js";
import { UsageError } from "./errors.js";
import { runEnvironmentChange } from "./environment-change.js";
import { printJson } from "./output.js";

/**
 * `remove --all` and `env remove`: a journaled unlink of every package, then the directory and its
 * environments.txt entry. Like conda, neither the base environment nor the active one can go.
 */
export async function removeEnvironment(
  prefix: string,
  opts: GlobalOpts,
  ctx: CommandContext,
): Promise<void> {
  if (resolve(prefix) === resolve(ctx.config.root_prefix))
    throw new UsageError(
      "cannot remove the base environment",
      "Remove individual packages with `taipan remove` instead.",
    );
  checkNotActive(prefix, ctx.config);
  if (opts.dryRun) {
    if (opts.json) printJson({ success: true, dry_run: true, prefix, actions: { REMOVE_ENV: prefix } });
    else process.stdout.write(`Would remove the environment at ${prefix}\n`);
    return;
  }
  // An empty environment has nothing to unlink: no plan, no "already installed" message.
  const names = readPrefixRecords(prefix).map((p) => p.record.name);
  // With --json the unlink runs silently, so stdout carries the one REMOVE_ENV document conda prints.
  const inner: CommandContext = opts.json
    ? { config: { ...ctx.config, always_yes: true }, mode: { ...ctx.mode, json: false, quiet: true } }
    : ctx;
  if (names.length > 0) await runEnvironmentChange("remove", prefix, names, { ...opts, json: false }, inner);
  deleteEnvironmentDir(prefix, ctx.config);
  if (opts.json) printJson({ success: true, prefix, actions: { REMOVE_ENV: prefix } });
  else if (!opts.quiet) process.stdout.write(`Removed the environment at ${prefix}\n`);
}
