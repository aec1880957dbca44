import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { ShellName } from "./activation.js";
import { quoteFish, quotePosix, quotePowerShell, type TaipanInvocation } from "./shell-script.js";

/** The markers around the block `shell init` manages in an rc file (conda's and micromamba's style). */
export const INIT_START = "# >>> taipan initialize >>>";
export const INIT_END = "# <<< taipan initialize <<<";

type Env = Record<string, string | undefined>;

/**
 * The startup file each shell reads for interactive sessions: `~/.bashrc`, `$ZDOTDIR/.zshrc`,
 * fish's `config.fish` under `$XDG_CONFIG_HOME`, and PowerShell's current-user profile.
 */
export function rcFileFor(shell: ShellName, env: Env = process.env, platform = process.platform): string {
  const home = env.HOME || env.USERPROFILE || homedir();
  switch (shell) {
    case "zsh":
      return join(env.ZDOTDIR || home, ".zshrc");
    case "fish":
      return join(env.XDG_CONFIG_HOME || join(home, ".config"), "fish", "config.fish");
    case "powershell":
      return platform === "win32"
        ? join(home, "Documents", "PowerShell", "Microsoft.PowerShell_profile.ps1")
        : join(
            env.XDG_CONFIG_HOME || join(home, ".config"),
            "powershell",
            "Microsoft.PowerShell_profile.ps1",
          );
    default:
      return join(home, ".bashrc");
  }
}

/**
 * The block between the markers: it sets the root prefix when one was given, then evaluates the
 * hook printed by this very taipan (its absolute path, as micromamba writes its own), so the rc
 * file does not depend on PATH.
 */
export function renderInitBlock(shell: ShellName, inv: TaipanInvocation, rootPrefix?: string): string {
  const lines = [INIT_START, "# !! Contents within this block are managed by 'taipan shell init' !!"];
  switch (shell) {
    case "fish": {
      if (rootPrefix) lines.push(`set -gx TAIPAN_ROOT_PREFIX ${quoteFish(rootPrefix)}`);
      const call = [inv.exe, ...inv.args].map(quoteFish).join(" ");
      lines.push(`${call} shell hook --shell fish | source`);
      break;
    }
    case "powershell": {
      if (rootPrefix) lines.push(`$Env:TAIPAN_ROOT_PREFIX = ${quotePowerShell(rootPrefix)}`);
      const call = [inv.exe, ...inv.args].map(quotePowerShell).join(" ");
      lines.push(`(& ${call} shell hook --shell powershell) | Out-String | Invoke-Expression`);
      break;
    }
    default: {
      if (rootPrefix) lines.push(`export TAIPAN_ROOT_PREFIX=${quotePosix(rootPrefix)}`);
      const call = [inv.exe, ...inv.args].map(quotePosix).join(" ");
      lines.push(`eval "$(${call} shell hook --shell ${shell})"`);
    }
  }
  lines.push(INIT_END);
  return `${lines.join("\n")}\n`;
}

/** `text` with the managed block replaced by `block` (appended when absent), or removed when `block` is undefined. */
export function withInitBlock(text: string, block: string | undefined): string {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === INIT_START);
  const end = start < 0 ? -1 : lines.findIndex((l, i) => i > start && l.trim() === INIT_END);
  if (start >= 0 && end > start) {
    const before = lines.slice(0, start).join("\n");
    const after = lines.slice(end + 1).join("\n");
    if (block !== undefined) return `${before}${start > 0 ? "\n" : ""}${block}${after.replace(/^\n/, "")}`;
    // Removing also drops the blank line `init` put in front of the block.
    const head = before.replace(/\n\n$/, "\n");
    const tail = after.replace(/^\n/, "");
    return start > 0 ? `${head.endsWith("\n") ? head : `${head}\n`}${tail}` : tail;
  }
  if (block === undefined) return text;
  if (text === "") return block;
  return `${text.endsWith("\n") ? text : `${text}\n`}\n${block}`;
}

export interface InitResult {
  file: string;
  /** The rc file's text after the change. */
  text: string;
  changed: boolean;
}

/**
 * Adds (or replaces) the taipan block in the shell's rc file; with `block` undefined, removes it.
 * `dryRun` computes the result without writing.
 */
export function updateRcFile(file: string, block: string | undefined, dryRun = false): InitResult {
  const old = existsSync(file) ? readFileSync(file, "utf8") : "";
  const text = withInitBlock(old, block);
  const changed = text !== old;
  if (changed && !dryRun) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { file, text, changed };
}
