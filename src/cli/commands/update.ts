import type { Command } from "commander";
import { commandContext, targetPrefix } from "../common-options.js";
import { UsageError } from "../errors.js";
import { type ChangeOpts, runEnvironmentChange } from "../environment-change.js";
import { readSpecInput } from "../../env/spec-input.js";
import { addChangeOptions } from "./create.js";

interface UpdateOpts extends ChangeOpts {
  file?: string[];
}

export function register(program: Command): void {
  for (const name of ["update", "upgrade"]) {
    const cmd = program
      .command(name, { hidden: name === "upgrade" })
      .description("Update packages in an environment to the newest versions the request allows")
      .argument("[specs...]", "packages to update (names or specs)")
      .option("--all", "update every package in the environment");
    addChangeOptions(cmd);
    cmd.action(async (specs: string[], opts: UpdateOpts) => {
      const ctx = commandContext(opts);
      const prefix = targetPrefix(opts, ctx.config);
      const input = readSpecInput(opts.file ?? [], specs);
      if (input.explicit)
        throw new UsageError("update does not take @EXPLICIT files", "Use `taipan install --file`.");
      if (!opts.all && input.specs.length === 0)
        throw new UsageError("update needs package names, or --all", "Example: taipan update -n myenv numpy");
      await runEnvironmentChange("update", prefix, input.specs, opts, ctx);
    });
  }
}
