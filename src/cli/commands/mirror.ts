import type { Command } from "commander";
import { currentSubdir } from "../../conda/platform.js";
import { channelConfigOf } from "../../ops/channels.js";
import { mirrorChannel } from "../../server/mirror/mirror-channel.js";
import { addOutputOptions, commandContext, type GlobalOpts } from "../common-options.js";
import { UsageError } from "../errors.js";
import { formatBytes, info, printJson, warn } from "../output.js";

interface MirrorOpts extends GlobalOpts {
  threads?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("mirror")
    .description(
      "Copy packages (the dependency closure of SPECs, or everything) from a channel into a channel directory, verifying hashes, then index it",
    )
    .argument("<source>", "channel to copy from (URL, name or directory)")
    .argument("<dest>", "channel directory to copy into")
    .argument("[specs...]", "specs whose dependency closure is copied (default: every package)")
    .option("--platform <subdir>", "platform subdir to mirror besides noarch (default: this machine's)")
    .option("--threads <n>", "downloads in parallel (default 4)");
  addOutputOptions(cmd);
  cmd.action(async (source: string, dest: string, specs: string[], opts: MirrorOpts) => {
    const { config, mode } = commandContext(opts);
    const threads = opts.threads === undefined ? undefined : Number.parseInt(opts.threads, 10);
    if (threads !== undefined && !(threads >= 1))
      throw new UsageError(`invalid --threads '${opts.threads}'`, "Give a positive number.");
    const result = await mirrorChannel({
      source,
      dest,
      platform: opts.platform ?? currentSubdir(),
      specs,
      concurrency: threads,
      gateway: {
        channelConfig: channelConfigOf(config),
        sslVerify: config.ssl_verify,
        proxyServers: config.proxy_servers,
      },
      onPackage: (e) => {
        if (mode.verbose > 0)
          info(mode, `${e.action === "copied" ? "copied " : "present"} ${e.subdir}/${e.fn}`);
      },
    });
    if (mode.json) {
      printJson(result);
      return;
    }
    for (const w of result.warnings) warn(mode, w);
    info(
      mode,
      `${result.packages.length} packages: ${result.copied} copied (${formatBytes(result.bytes)}), ${result.present} already present; ${dest} indexed`,
    );
  });
}
