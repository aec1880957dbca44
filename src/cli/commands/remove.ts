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
import { runEnvironmentChange } from "../environment-change.js";
import { removeEnvironment } from "../remove-environment.js";

interface RemoveOpts extends GlobalOpts {
  all?: boolean;
}

export function register(program: Command): void {
  for (const name of ["remove", "uninstall"]) {
    const cmd = program
      .command(name, { hidden: name === "uninstall" })
      .description("Remove packages (and the packages that need them) from an environment")
      .argument("[specs...]", "names of the packages to remove")
      .option("--all", "remove the whole environment");
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
      await runEnvironmentChange("remove", prefix, specs, opts, ctx);
    });
  }
}
