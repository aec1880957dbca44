import { createInterface } from "node:readline/promises";
import pc from "picocolors";
import { MatchSpec } from "../conda/match-spec.js";
import { recordsToFetch } from "../package/fetch-list.js";
import { applyEnvironment, planEnvironment } from "../ops/apply-environment.js";
import { applyDepsModifier } from "../ops/deps-modifier.js";
import { withPrefixLock } from "../ops/prefix-lock.js";
import { type ChangeKind, type SolvedEnvironment, solveEnvironment } from "../ops/solve-environment.js";
import { explainChoices } from "../solver/conda/explain.js";
import {
  type CommandContext,
  effectiveChannels,
  type GlobalOpts,
  recordedCommandLine,
} from "./common-options.js";
import { TaipanError } from "../conda/errors.js";
import { type OutputMode, info, printJson, warn } from "./output.js";
import { planJson, renderPlan } from "./plan-view.js";
import { createProgress } from "./progress.js";
import { UsageError } from "./errors.js";

export interface ChangeOpts extends GlobalOpts {
  allowScripts?: boolean;
  explain?: boolean;
  all?: boolean;
  forceReinstall?: boolean;
  /** `remove --force` / `remove --no-deps`: remove only the named packages, not what needs them. */
  force?: boolean;
  /** conda's DepsModifier flags: link only the requested packages / only their dependencies. */
  deps?: boolean;
  onlyDeps?: boolean;
  /** conda's update modifiers: `--update-deps`, `--freeze-installed` (alias `--no-update-deps`). */
  updateDeps?: boolean;
  freezeInstalled?: boolean;
}

/** The user said no at the confirmation prompt (conda's CondaSystemExit, exit status 1). */
export class UserDeclinedError extends TaipanError {
  constructor() {
    super("DECLINED", "operation cancelled; nothing was changed", {
      hint: "Pass -y to proceed without the question.",
      exceptionName: "CondaSystemExit",
    });
  }
}

/** Ctrl-C stopped the downloads before anything in the environment changed. */
export class InterruptedError extends TaipanError {
  constructor() {
    super("INTERRUPTED", "interrupted by Ctrl-C before the environment was changed; nothing was modified", {
      hint: "Run the command again; packages already downloaded stay in the cache.",
      exceptionName: "KeyboardInterrupt",
    });
  }
}

/** Asks "Proceed ([y]/n)?" on a terminal; scripts without a TTY proceed, as pixi and mamba's non-interactive mode do. */
async function confirm(mode: OutputMode, yes: boolean): Promise<void> {
  if (yes || mode.json || !process.stdin.isTTY) return;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    // Ctrl-C at the prompt arrives as readline's SIGINT (the terminal is in raw mode): a "no".
    const answer = (
      await new Promise<string>((resolve, reject) => {
        rl.once("SIGINT", () => reject(new UserDeclinedError()));
        rl.question("\nProceed ([y]/n)? ").then(resolve, reject);
      })
    )
      .trim()
      .toLowerCase();
    if (answer !== "" && answer !== "y" && answer !== "yes") throw new UserDeclinedError();
  } finally {
    rl.close();
  }
}

function renderExplain(solved: SolvedEnvironment): string {
  if (!solved.solve) return "";
  const lines = ["", "Why each package is in the environment:", ""];
  for (const c of explainChoices(solved.solve.problem)) {
    if (c.record.name.startsWith("__")) continue;
    const chain = c.chain.map((s) =>
      s.by ? `${s.by.distName} requires '${s.spec}'` : `you asked for '${s.spec}'`,
    );
    lines.push(`  ${c.record.distName}`);
    for (const step of chain) lines.push(`      <- ${step}`);
  }
  return lines.join("\n");
}

/**
 * The common path of create / install / update / remove: solve, show the plan, ask, fetch,
 * link, and report — as text or as conda's JSON.
 */
export async function runEnvironmentChange(
  kind: ChangeKind,
  prefix: string,
  target: ((signal: AbortSignal) => Promise<SolvedEnvironment>) | string[],
  opts: ChangeOpts,
  ctx: CommandContext,
): Promise<void> {
  if (opts.deps === false && opts.onlyDeps)
    throw new UsageError("--no-deps and --only-deps cannot be combined", "Pick one of the two.");
  // Two commands on one environment run one after the other (solve included), so the second does
  // not undo the first with a plan made before the first one linked.
  if (opts.dryRun) return changeEnvironment(kind, prefix, target, opts, ctx);
  return withPrefixLock(prefix, () => changeEnvironment(kind, prefix, target, opts, ctx));
}

async function changeEnvironment(
  kind: ChangeKind,
  prefix: string,
  target: ((signal: AbortSignal) => Promise<SolvedEnvironment>) | string[],
  opts: ChangeOpts,
  ctx: CommandContext,
): Promise<void> {
  const { config, mode } = ctx;
  const abort = new AbortController();
  // Ctrl-C aborts the solve (it yields to the event loop) and the downloads; during linking the
  // signal waits until the transaction ends (linking is synchronous), and a harder kill is
  // recovered from the journal by the next command.
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  try {
    info(mode, pc.dim(kind === "remove" ? "Collecting package metadata..." : "Solving environment..."));
    const solvedAll =
      typeof target === "function"
        ? await target(abort.signal)
        : await solveEnvironment({
            prefix,
            kind,
            specs: target,
            updateAll: kind === "update" && opts.all === true,
            // conda's remove: --force and --no-deps both mean "only the named packages"
            removeOnlyNamed: kind === "remove" && (opts.force === true || opts.deps === false),
            updateDeps: opts.updateDeps,
            // commander turns --no-update-deps into updateDeps === false
            freezeInstalled: opts.freezeInstalled === true || opts.updateDeps === false,
            channels: effectiveChannels(opts, config),
            config,
            subdir: opts.platform,
            offline: config.offline,
            signal: abort.signal,
            onSolveProgress: (st) =>
              info(
                mode,
                pc.dim(
                  `  still solving after ${(st.ms / 1000).toFixed(0)} s: ${st.conflicts} conflicts, ${st.decisions} decisions (Ctrl-C stops)`,
                ),
              ),
          });
    // --no-deps / --only-deps prune the solution afterwards, as conda does.
    const pruned = applyDepsModifier(
      solvedAll,
      kind === "remove"
        ? undefined
        : opts.deps === false
          ? "no_deps"
          : opts.onlyDeps
            ? "only_deps"
            : undefined,
    );
    const solved = pruned.solved;
    for (const w of pruned.warnings) warn(mode, w);
    // --force-reinstall relinks the requested packages even when the same build is installed.
    const force = opts.forceReinstall
      ? new Set(solved.updateSpecs.map((s) => MatchSpec.parse(s).name))
      : undefined;
    const plan = planEnvironment(solved, force);
    const empty = plan.link.length === 0 && plan.unlink.length === 0;
    if (opts.dryRun) {
      if (mode.json) {
        printJson(
          planJson(
            solved,
            plan,
            await recordsToFetch(
              plan.link.map((t) => t.record),
              config.pkgs_dirs,
            ),
            true,
          ),
        );
      } else {
        process.stdout.write(
          `${empty ? "\n# All requested packages already installed.\n" : renderPlan(solved, plan)}\n`,
        );
        if (opts.explain) process.stdout.write(`${renderExplain(solved)}\n`);
        process.stdout.write("\nDryRunExit: Dry run. Not exiting with an error.\n");
      }
      return;
    }
    if (empty && kind !== "create") {
      if (mode.json)
        printJson({ success: true, message: "All requested packages already installed.", prefix });
      else process.stdout.write("\n# All requested packages already installed.\n\n");
      return;
    }
    if (!mode.json && !mode.quiet) {
      process.stdout.write(`${renderPlan(solved, plan)}\n`);
      if (opts.explain) process.stdout.write(`${renderExplain(solved)}\n`);
    }
    await confirm(mode, config.always_yes);
    const fetchList = mode.json
      ? await recordsToFetch(
          plan.link.map((t) => t.record),
          config.pkgs_dirs,
        )
      : [];
    const progress = createProgress(mode, plan.link.length);
    let result: Awaited<ReturnType<typeof applyEnvironment>>;
    try {
      result = await applyEnvironment(solved, plan, {
        config,
        allowScripts: opts.allowScripts,
        cmd: recordedCommandLine(),
        onDownload: progress.onDownload,
        onLink: progress.onLink,
        signal: abort.signal,
      });
    } catch (e) {
      if (abort.signal.aborted) throw new InterruptedError();
      throw e;
    } finally {
      progress.done();
    }
    for (const w of result.warnings) warn(mode, w);
    for (const m of result.messages ?? []) info(mode, m);
    if (mode.json) {
      printJson(planJson(solved, plan, fetchList, false));
    } else if (!mode.quiet) {
      process.stdout.write(
        "Preparing transaction: done\nVerifying transaction: done\nExecuting transaction: done\n",
      );
      if (kind === "create") {
        process.stdout.write(
          `#\n# To activate this environment, use\n#\n#     $ taipan activate ${opts.name ?? prefix}\n#\n# To deactivate an active environment, use\n#\n#     $ taipan deactivate\n\n`,
        );
      }
    }
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}
