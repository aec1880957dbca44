import type { Command } from "commander";
import { checkInstalled } from "../../ops/installed-check.js";
import {
  addConfirmOptions,
  addOutputOptions,
  addPrefixOptions,
  commandContext,
  type GlobalOpts,
  targetPrefix,
} from "../common-options.js";
import { UsageError } from "../errors.js";
import { warn } from "../output.js";
import { runEnvironmentChange } from "../environment-change.js";
import { removeEnvironment } from "../remove-environment.js";

interface RemoveOpts extends GlobalOpts {
  all?: boolean;
  force?: boolean;
  /** false with --no-deps (commander's negation) */
  deps?: boolean;
}

export function register(program: Command): void {
  for (const name of ["remove", "uninstall"]) {
    const cmd = program
      .command(name, { hidden: name === "uninstall" })
      .description("Remove packages (and the packages that need them) from an environment")
      .argument("[specs...]", "names of the packages to remove")
      .option("--all", "remove the whole environment")
      .option(
        "--force",
        "remove only the named packages, leaving what depends on them (the environment may be left inconsistent)",
      )
      .option("--no-deps", "same as --force");
    addPrefixOptions(cmd);
    addConfirmOptions(cmd);
    addOutputOptions(cmd);
    cmd.action(async (specs: string[], opts: RemoveOpts) => {
      const ctx = commandContext(opts);
      const prefix = targetPrefix(opts, ctx.config);
      if (opts.all) {
        await removeEnvironment(prefix, opts, ctx);
        return;
      }
      if (specs.length === 0)
        throw new UsageError("remove needs package names, or --all", "Example: taipan remove -n myenv numpy");
      checkInstalled(prefix, specs);
      if (opts.force === true || opts.deps === false)
        warn(ctx.mode, "--force: packages that depend on the removed ones stay and may no longer work.");
      await runEnvironmentChange("remove", prefix, specs, opts, ctx);
    });
  }
}
