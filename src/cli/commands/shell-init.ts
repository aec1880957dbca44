import { basename, resolve } from "node:path";
import type { Command } from "commander";
import { parseShell, type ShellName } from "../../env/activation.js";
import { rcFileFor, renderInitBlock, updateRcFile } from "../../env/shell-init.js";
import { currentInvocation } from "../../env/shell-script.js";

interface InitOptions {
  shell?: string;
  rootPrefix?: string;
  dryRun?: boolean;
}

function shellOf(opts: InitOptions): ShellName {
  if (opts.shell) return parseShell(opts.shell);
  try {
    return parseShell(basename(process.env.SHELL ?? ""));
  } catch {
    return "bash";
  }
}

/** `shell init` / `shell deinit`: manage the hook block in the shell's rc file (micromamba's commands). */
export function registerShellInit(shell: Command): void {
  shell
    .command("init")
    .description("add the taipan hook to your shell's rc file (re-running replaces it)")
    .option("-s, --shell <SHELL>", "bash, zsh, fish or powershell (default: from $SHELL)")
    .option("-r, --root-prefix <PATH>", "root prefix the shell's taipan uses (sets TAIPAN_ROOT_PREFIX)")
    .option("--dry-run", "show the change without writing the file")
    .action((opts: InitOptions) => {
      const sh = shellOf(opts);
      const file = rcFileFor(sh);
      const block = renderInitBlock(
        sh,
        currentInvocation(),
        opts.rootPrefix ? resolve(opts.rootPrefix) : undefined,
      );
      const r = updateRcFile(file, block, opts.dryRun === true);
      if (opts.dryRun) {
        process.stdout.write(`Would write to ${file}:\n\n${block}`);
        return;
      }
      process.stdout.write(
        r.changed
          ? `Modified ${file}\n\nStart a new shell (or run 'source ${file}') for the change to take effect.\n`
          : `No change: ${file} already has this taipan block.\n`,
      );
    });
  shell
    .command("deinit")
    .description("remove the taipan hook block from your shell's rc file")
    .option("-s, --shell <SHELL>", "bash, zsh, fish or powershell (default: from $SHELL)")
    .option("--dry-run", "show the change without writing the file")
    .action((opts: InitOptions) => {
      const file = rcFileFor(shellOf(opts));
      const r = updateRcFile(file, undefined, opts.dryRun === true);
      if (!r.changed) process.stdout.write(`No change: ${file} has no taipan block.\n`);
      else if (opts.dryRun) process.stdout.write(`Would remove the taipan block from ${file}\n`);
      else process.stdout.write(`Removed the taipan block from ${file}\n`);
    });
}
