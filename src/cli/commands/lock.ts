import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { currentSubdir } from "../../conda/platform.js";
import { formatCondaLock } from "../../env/lockfile/write-conda-lock.js";
import { readPrefixRecords } from "../../install/conda-meta.js";
import {
  addOutputOptions,
  addPrefixOptions,
  commandContext,
  type GlobalOpts,
  targetPrefix,
} from "../common-options.js";
import { UsageError } from "../errors.js";
import { info, printJson } from "../output.js";

interface LockExportOpts extends GlobalOpts {
  format?: string;
  output?: string;
}

/**
 * `taipan lock export`: writes an environment as a conda-lock v1 file (url, md5+sha256 and
 * dependencies per package) that `taipan create --file`, `conda-lock install` and pixi can read.
 */
export function register(program: Command): void {
  const lock = program.command("lock").description("Write and read lock files (conda-lock, pixi.lock)");
  const cmd = lock
    .command("export")
    .description("Write an environment's packages as a conda-lock file")
    .option("--format <format>", "lock file format (conda-lock)", "conda-lock")
    .option("-o, --output <file>", "write to this file instead of standard output");
  addPrefixOptions(cmd);
  addOutputOptions(cmd);
  cmd.action((opts: LockExportOpts) => {
    if (opts.format !== "conda-lock")
      throw new UsageError(`unknown lock format '${opts.format}'; taipan writes 'conda-lock'`);
    const ctx = commandContext(opts);
    const prefix = targetPrefix(opts, ctx.config);
    const records = readPrefixRecords(prefix).map((pr) => pr.record);
    const platform = records.find((r) => r.subdir && r.subdir !== "noarch")?.subdir ?? currentSubdir();
    const text = formatCondaLock(records, { platform });
    if (opts.output) {
      writeFileSync(opts.output, text);
      if (ctx.mode.json) printJson({ success: true, prefix, output: opts.output, packages: records.length });
      else info(ctx.mode, `Wrote ${records.length} packages of ${prefix} to ${opts.output}`);
    } else process.stdout.write(text);
  });
}
