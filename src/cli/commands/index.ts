import type { Command } from "commander";
import { indexChannel } from "../../server/index/index-channel.js";
import { addOutputOptions, type GlobalOpts } from "../common-options.js";
import { info, outputMode, printJson, warn } from "../output.js";

interface IndexOpts extends GlobalOpts {
  subdir?: string[];
  bz2?: boolean;
  shards?: boolean;
  force?: boolean;
  threads?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("index")
    .description(
      "Write repodata.json (+ .zst, .bz2), CEP 16 shards, run_exports.json and channeldata.json for a channel directory",
    )
    .argument("<dir>", "channel directory holding <subdir>/ folders of .conda and .tar.bz2 files")
    .option(
      "-s, --subdir <subdir>",
      "index only this subdir (repeatable; noarch is always written)",
      (v: string, p?: string[]) => [...(p ?? []), v],
    )
    .option("--no-bz2", "do not write repodata.json.bz2")
    .option("--no-shards", "do not write CEP 16 sharded repodata")
    .option("-f, --force", "read every package again instead of using the incremental cache")
    .option("--threads <n>", "packages read in parallel (default 4)");
  addOutputOptions(cmd);
  cmd.action(async (dir: string, opts: IndexOpts) => {
    const mode = outputMode(opts);
    const threads =
      opts.threads === undefined ? undefined : Math.max(1, Number.parseInt(opts.threads, 10) || 1);
    const result = await indexChannel(dir, {
      subdirs: opts.subdir,
      bz2: opts.bz2,
      shards: opts.shards,
      force: opts.force,
      concurrency: threads,
    });
    if (mode.json) {
      printJson(result);
      return;
    }
    for (const w of result.warnings) warn(mode, w);
    for (const s of result.subdirs)
      info(mode, `${s.subdir}: ${s.packages} packages (${s.read} read, ${s.skipped.length} skipped)`);
  });
}
