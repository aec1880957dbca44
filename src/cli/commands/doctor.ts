import type { Command } from "commander";
import { recoverPrefix } from "../../install/transaction.js";
import { verifyPrefix } from "../../install/verify-prefix.js";
import {
  addOutputOptions,
  addPrefixOptions,
  commandContext,
  type GlobalOpts,
  targetPrefix,
} from "../common-options.js";
import { printJson } from "../output.js";

export function register(program: Command): void {
  const cmd = program
    .command("doctor")
    .description(
      "Check every file of every package in an environment; finish or roll back an interrupted transaction",
    );
  addPrefixOptions(cmd);
  addOutputOptions(cmd);
  cmd.action((opts: GlobalOpts) => {
    const { config } = commandContext(opts);
    const prefix = targetPrefix(opts, config);
    const recovery = recoverPrefix(prefix);
    const report = verifyPrefix(prefix);
    if (opts.json) {
      printJson({ success: report.ok, prefix, recovery: recovery.action, ...report });
    } else {
      const lines: string[] = [];
      if (recovery.action !== "none")
        lines.push(`An interrupted transaction was found and ${recovery.action.replace("-", " ")}.`);
      lines.push(`Checked ${report.records} packages, ${report.files} files in ${prefix}.`);
      for (const p of report.problems)
        lines.push(`  ${p.kind.padEnd(12)} ${p.dist ? `${p.dist}: ` : ""}${p.path} (${p.detail})`);
      lines.push(
        report.ok
          ? "No problems found."
          : `${report.problems.length} problem(s). Repair them with \`taipan install --force-reinstall PACKAGE...\` on this environment, or recreate it.`,
      );
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    if (!report.ok) process.exitCode = 1;
  });
}
