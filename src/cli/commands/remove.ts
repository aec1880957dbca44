import { rmSync } from "node:fs";
import type { Command } from "commander";
import { matchSpecName } from "../../conda/spec-name.js";
import { unregisterEnvironment } from "../../env/environments.js";
import { readPrefixRecords } from "../../install/conda-meta.js";
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
import { printJson } from "../output.js";
import { PackagesNotInstalledError } from "../remove-errors.js";

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
        if (prefix === ctx.config.root_prefix)
          throw new UsageError("cannot remove the base environment", "Remove individual packages instead.");
        if (opts.dryRun) {
          if (opts.json) printJson({ success: true, dry_run: true, prefix, actions: { REMOVE_ENV: prefix } });
          else process.stdout.write(`Would remove the environment at ${prefix}\n`);
          return;
        }
        // Unlink every package through a transaction first (journaled), then drop what is left.
        // (an empty environment has nothing to unlink: no plan, no "already installed" message)
        const names = readPrefixRecords(prefix).map((p) => p.record.name);
        if (names.length > 0)
          await runEnvironmentChange(
            "remove",
            prefix,
            names,
            { ...opts, yes: true },
            // One JSON document for the whole removal: the unlink step itself reports nothing.
            opts.json ? { ...ctx, mode: { ...ctx.mode, json: false, quiet: true } } : ctx,
          );
        rmSync(prefix, { recursive: true, force: true });
        unregisterEnvironment(prefix, ctx.config);
        if (opts.json) printJson({ success: true, prefix, actions: { REMOVE_ENV: prefix } });
        else if (!opts.quiet) process.stdout.write(`Removed the environment at ${prefix}\n`);
        return;
      }
      if (specs.length === 0)
        throw new UsageError("remove needs package names, or --all", "Example: taipan remove -n myenv numpy");
      const installed = new Set(readPrefixRecords(prefix).map((p) => p.record.name));
      const missing = specs.filter((s) => !installed.has(matchSpecName(s) ?? s));
      if (missing.length) throw new PackagesNotInstalledError(prefix, missing);
      await runEnvironmentChange("remove", prefix, specs, opts, ctx);
    });
  }
}
