import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { findCleanable } from "../../ops/clean-cache.js";
import {
  type CleanFindings,
  countFindings,
  removeFindings,
  removeIndexCaches,
  removePackage,
  removeTarball,
} from "../../package/cache-clean.js";
import { addOutputOptions, commandContext, type GlobalOpts } from "../common-options.js";
import { UsageError } from "../errors.js";
import { UserDeclinedError } from "../environment-change.js";
import { formatBytes, type OutputMode, printJson, warn } from "../output.js";

interface CleanOpts extends GlobalOpts {
  all?: boolean;
  tarballs?: boolean;
  packages?: boolean;
  indexCache?: boolean;
}

async function confirm(mode: OutputMode, yes: boolean): Promise<void> {
  if (yes || mode.json || !process.stdin.isTTY) return;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question("Proceed ([y]/n)? ")).trim().toLowerCase();
    if (answer !== "" && answer !== "y" && answer !== "yes") throw new UserDeclinedError();
  } finally {
    rl.close();
  }
}

/** conda's listing: a one-line summary, or with -v every entry and its size. */
function describe(f: CleanFindings, kind: string, verbose: boolean): string {
  const n = countFindings(f);
  if (n === 0) return `There are no unused ${kind} to remove.`;
  if (!verbose) return `Will remove ${n} (${formatBytes(f.total_size)}) ${kind}.`;
  const lines = [`Will remove the following ${kind}:`, ""];
  for (const [dir, entries] of Object.entries(f.pkg_sizes)) {
    lines.push(`  ${dir}`, `  ${"-".repeat(dir.length)}`);
    for (const [name, size] of Object.entries(entries))
      lines.push(`  - ${name.padEnd(40)} ${formatBytes(size).padStart(10)}`);
    lines.push("");
  }
  lines.push("-".repeat(17), `Total: ${formatBytes(f.total_size).padStart(10)}`);
  return lines.join("\n");
}

function jsonFindings(f: CleanFindings): Record<string, unknown> {
  const pkgsDirs = Object.fromEntries(Object.entries(f.pkg_sizes).map(([d, m]) => [d, Object.keys(m)]));
  const first = Object.keys(pkgsDirs).sort()[0];
  return { ...f, pkgs_dirs: pkgsDirs, files: first ? pkgsDirs[first] : [] };
}

export function register(program: Command): void {
  const cmd = program
    .command("clean")
    .description("Remove unused packages and caches from the package cache (pkgs dirs)")
    .option("-a, --all", "remove tarballs, unused packages and the index cache")
    .option("-t, --tarballs", "remove the downloaded package archives")
    .option("-p, --packages", "remove extracted packages that no environment uses")
    .option("-i, --index-cache", "remove the cached repodata (pkgs/cache)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("-d, --dry-run", "only show what would be removed");
  addOutputOptions(cmd);
  cmd.action(async (opts: CleanOpts) => {
    const wantTarballs = opts.all || opts.tarballs;
    const wantPackages = opts.all || opts.packages;
    const wantIndex = opts.all || opts.indexCache;
    if (!wantTarballs && !wantPackages && !wantIndex)
      throw new UsageError(
        "clean needs at least one of --all, --tarballs, --packages, --index-cache",
        "Example: taipan clean --all --dry-run",
      );
    const { config, mode } = commandContext(opts);
    const verbose = mode.verbose > 0;
    const {
      tarballs,
      index_cache: index,
      packages,
    } = await findCleanable(config, {
      tarballs: wantTarballs,
      packages: wantPackages,
      indexCache: wantIndex,
    });
    const human = !mode.json && !mode.quiet;
    const say = (s: string) => {
      if (human) process.stdout.write(`${s}\n`);
    };
    if (tarballs) say(describe(tarballs, "tarball(s)", verbose));
    if (index) {
      say(
        index.files.length === 0
          ? "There is no index cache to remove."
          : verbose
            ? `Will remove the following index cache(s):\n${index.files.map((f) => `  - ${f}`).join("\n")}`
            : `Will remove ${index.files.length} (${formatBytes(index.total_size)}) index cache(s).`,
      );
    }
    if (packages) say(describe(packages, "package(s)", verbose));
    for (const w of [...(tarballs?.warnings ?? []), ...(packages?.warnings ?? [])]) warn(mode, w);

    const nothing =
      (tarballs ? countFindings(tarballs) : 0) +
        (packages ? countFindings(packages) : 0) +
        (index ? index.files.length : 0) ===
      0;
    const result: Record<string, unknown> = { success: true };
    if (tarballs) result.tarballs = jsonFindings(tarballs);
    if (index) result.index_cache = index;
    if (packages) result.packages = jsonFindings(packages);
    if (opts.dryRun || nothing) {
      if (mode.json) printJson({ ...result, dry_run: opts.dryRun === true, freed: 0 });
      return;
    }
    await confirm(mode, config.always_yes || opts.yes === true);

    let freed = 0;
    const skipped: string[] = [];
    if (tarballs) {
      const r = await removeFindings(tarballs, removeTarball);
      freed += r.freed;
      skipped.push(...r.skipped);
    }
    if (index) freed += await removeIndexCaches(index);
    if (packages) {
      const r = await removeFindings(packages, removePackage);
      freed += r.freed;
      skipped.push(...r.skipped);
    }
    for (const s of skipped) warn(mode, `kept ${s}: another process is using it`);
    if (mode.json) printJson({ ...result, dry_run: false, freed, skipped });
    else if (!mode.quiet) process.stdout.write(`Freed ${formatBytes(freed)}.\n`);
  });
}
