import type { Command } from "commander";
import { explicitEnvironment } from "../../ops/explicit-environment.js";
import { revisionTarget, solveRevision } from "../../ops/revision-environment.js";
import { commandContext, effectiveChannels, lockOptionsOf, targetPrefix } from "../common-options.js";
import { UsageError } from "../errors.js";
import { type ChangeOpts, runEnvironmentChange } from "../environment-change.js";
import { applyFileChannels, readSpecInput } from "../../env/spec-input.js";
import { addChangeOptions } from "./create.js";
import { warn } from "../output.js";

interface InstallOpts extends ChangeOpts {
  file?: string[];
  revision?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("install")
    .description("Install packages into an existing environment")
    .argument("[specs...]", "match specs of the packages to install")
    .option(
      "--revision <n>",
      "restore the environment to revision N of its history (see `taipan list --revisions`)",
    )
    .option(
      "--force-reinstall",
      "link the packages again even if the same build is installed (repairs damaged files)",
    );
  addChangeOptions(cmd);
  cmd.action(async (specs: string[], opts: InstallOpts) => {
    const ctx = commandContext(opts);
    const prefix = targetPrefix(opts, ctx.config);
    if (opts.revision !== undefined) {
      const target = revisionTarget(prefix, opts.revision);
      await runEnvironmentChange(
        "install",
        prefix,
        (signal) =>
          solveRevision(target, {
            channels: effectiveChannels(opts, ctx.config),
            config: ctx.config,
            subdir: opts.platform,
            offline: ctx.config.offline,
            signal,
          }),
        opts,
        ctx,
      );
      return;
    }
    const input = readSpecInput(opts.file ?? [], specs, lockOptionsOf(opts));
    for (const w of input.warnings ?? []) warn(ctx.mode, w);
    applyFileChannels(opts, input);
    const explicit = input.explicit;
    if (!explicit && input.specs.length === 0)
      throw new UsageError(
        "too few arguments: install needs package specs, --file or --revision",
        "Example: taipan install -n myenv numpy=1.26",
      );
    await runEnvironmentChange(
      "install",
      prefix,
      explicit ? () => explicitEnvironment(prefix, explicit, ctx.config, "install") : input.specs,
      opts,
      ctx,
    );
  });
}
