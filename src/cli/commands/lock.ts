import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { PackageRecord } from "../../conda/package-record.js";
import { currentSubdir } from "../../conda/platform.js";
import { formatCondaLock } from "../../env/lockfile/write-conda-lock.js";
import { formatPixiLock, type PixiLockableRecord } from "../../env/lockfile/write-pixi-lock.js";
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

const FORMATS = ["conda-lock", "pixi"] as const;

/**
 * `taipan lock export`: writes an environment as a conda-lock v1 file (url, md5+sha256 and
 * dependencies per package; the default) or, with `--format pixi`, as a pixi.lock (version 6)
 * that pixi takes over as its own. `taipan create --file` reads both.
 */
export function register(program: Command): void {
  const lock = program.command("lock").description("Write and read lock files (conda-lock, pixi.lock)");
  const cmd = lock
    .command("export")
    .description("Write an environment's packages as a conda-lock file or a pixi.lock")
    .option("--format <format>", "lock file format: conda-lock or pixi (pixi.lock, version 6)", "conda-lock")
    .option("-o, --output <file>", "write to this file instead of standard output");
  addPrefixOptions(cmd);
  addOutputOptions(cmd);
  cmd.action((opts: LockExportOpts) => {
    if (!FORMATS.includes(opts.format as (typeof FORMATS)[number]))
      throw new UsageError(`unknown lock format '${opts.format}'; taipan writes ${FORMATS.join(" or ")}`);
    const ctx = commandContext(opts);
    const prefix = targetPrefix(opts, ctx.config);
    const records = readPrefixRecords(prefix).map((pr) => pr.record);
    const platform = records.find((r) => r.subdir && r.subdir !== "noarch")?.subdir ?? currentSubdir();
    const text =
      opts.format === "pixi"
        ? formatPixiLock(records.map(withPurls), { platform })
        : formatCondaLock(records, { platform });
    if (opts.output) {
      writeFileSync(opts.output, text);
      if (ctx.mode.json)
        printJson({
          success: true,
          prefix,
          output: opts.output,
          format: opts.format,
          packages: records.length,
        });
      else info(ctx.mode, `Wrote ${records.length} packages of ${prefix} to ${opts.output}`);
    } else process.stdout.write(text);
  });
}

/** pixi keeps the `purls` it recorded in conda-meta; other records have none to pass on. */
function withPurls(r: PackageRecord): PixiLockableRecord {
  const purls = r.extra.purls;
  return Array.isArray(purls) ? { ...r, purls: purls.map(String) } : r;
}
