import type { Command } from "commander";
import { historyRevisions, readHistory } from "../../install/history.js";
import { explicitEnvironment } from "../../ops/explicit-environment.js";
import { requestedSpecsFrom, requestedSpecsOf } from "../../ops/requested-specs.js";
import { solveEnvironment } from "../../ops/solve-environment.js";
import { commandContext, effectiveChannels, targetPrefix } from "../common-options.js";
import { CondaValueError, UsageError } from "../errors.js";
import { type ChangeOpts, runEnvironmentChange } from "../environment-change.js";
import { applyFileChannels, readSpecInput } from "../../env/spec-input.js";
import { addChangeOptions } from "./create.js";

interface InstallOpts extends ChangeOpts {
  file?: string[];
  revision?: string;
}

/** `channel::name-version-build` from history → an exact spec conda would accept. */
function distToSpec(dist: string): string {
  const sep = dist.lastIndexOf("::");
  const channel = sep >= 0 ? dist.slice(0, sep) : "";
  const d = sep >= 0 ? dist.slice(sep + 2) : dist;
  const m = /^(.+)-([^-]+)-([^-]+)$/.exec(d);
  if (!m)
    throw new CondaValueError(
      `cannot read the history entry '${dist}'`,
      "conda-meta/history is damaged; restore another revision or recreate the environment.",
    );
  // conda's `name=VER=BUILD` is an exact version and build; the solver's own spec reader takes it
  // (it does not read the `name==VER=BUILD` spelling).
  const spec = `${m[1]}=${m[2]}=${m[3]}`;
  return channel && channel !== "<unknown>" ? `${channel}::${spec}` : spec;
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
      const n = Number(opts.revision);
      const revs = historyRevisions(readHistory(prefix));
      const rev = revs[n];
      if (!Number.isInteger(n) || !rev)
        throw new CondaValueError(
          `no revision ${opts.revision} in ${prefix}`,
          `Revisions 0 to ${revs.length - 1} exist; see \`taipan list --revisions\`.`,
        );
      const exact = [...rev.packages].map(distToSpec);
      const extraChannels = [...rev.packages]
        .map((d) => (d.includes("::") ? d.slice(0, d.lastIndexOf("::")) : ""))
        .filter((c) => c && c !== "<unknown>");
      // The exact packages of revision N are what is solved for; what history records as requested
      // is the user's requests as of revision N (not those exact pins, and not requests made
      // after N), so later installs and `update --all` behave as they did at revision N.
      const requestedThen = requestedSpecsFrom(revs.slice(0, n + 1).map((r) => r.entry));
      const requestedNow = requestedSpecsOf(prefix);
      await runEnvironmentChange(
        "install",
        prefix,
        async (signal) => ({
          ...(await solveEnvironment({
            prefix,
            kind: "install",
            specs: exact,
            fromScratch: true,
            channels: [...new Set([...effectiveChannels(opts, ctx.config), ...extraChannels])],
            config: ctx.config,
            subdir: opts.platform,
            offline: ctx.config.offline,
            signal,
          })),
          requestedSpecs: [...requestedThen.values()],
          updateSpecs: [...requestedThen.values()],
          removeSpecs: [...requestedNow.keys()].filter((name) => !requestedThen.has(name)),
        }),
        opts,
        ctx,
      );
      return;
    }
    const input = readSpecInput(opts.file ?? [], specs);
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
