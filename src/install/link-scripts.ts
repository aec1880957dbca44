import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { PackageRecord } from "../conda/package-record.js";

export type ScriptAction = "pre-link" | "post-link" | "pre-unlink";

const onWindows = process.platform === "win32";

/** `bin/.<name>-<action>.sh` (`Scripts\.<name>-<action>.bat` on Windows), relative to a prefix or package. */
export function scriptRelPath(name: string, action: ScriptAction): string {
  return onWindows ? `Scripts/.${name}-${action}.bat` : `bin/.${name}-${action}.sh`;
}

export interface ScriptResult {
  ran: boolean;
  ok: boolean;
  exitCode: number | null;
  output: string;
  /** What the script left in `$PREFIX/.messages.txt` (conda prints it to the user, then deletes it). */
  messages: string;
}

/**
 * Runs a package's link script as conda does: `bash -x <script>` in the script's directory with
 * PREFIX, PKG_NAME, PKG_VERSION, PKG_BUILDNUM (and ROOT_PREFIX, SOURCE_DIR) set and the script's
 * directory first on PATH. pre-link scripts run from the extracted package (`baseDir`), before any
 * file is linked; the others run from the prefix.
 */
export function runLinkScript(
  prefix: string,
  record: PackageRecord,
  action: ScriptAction,
  baseDir: string = prefix,
): ScriptResult {
  const script = join(baseDir, scriptRelPath(record.name, action));
  if (!existsSync(script)) return { ran: false, ok: true, exitCode: 0, output: "", messages: "" };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ROOT_PREFIX: process.env.CONDA_ROOT ?? prefix,
    PREFIX: prefix,
    PKG_NAME: record.name,
    PKG_VERSION: record.version,
    PKG_BUILDNUM: String(record.build_number),
    SOURCE_DIR: prefix,
    PATH: `${dirname(script)}${onWindows ? ";" : ":"}${process.env.PATH ?? ""}`,
  };
  const cmd = onWindows ? "cmd.exe" : "bash";
  const args = onWindows ? ["/d", "/c", script] : ["-x", script];
  const r = spawnSync(cmd, args, { cwd: dirname(script), env, encoding: "utf8", timeout: 600_000 });
  const messagesFile = join(prefix, ".messages.txt");
  let messages = "";
  if (existsSync(messagesFile)) {
    messages = readFileSync(messagesFile, "utf8");
    rmSync(messagesFile, { force: true });
  }
  return {
    ran: true,
    ok: r.status === 0,
    exitCode: r.status,
    output: `${r.stdout ?? ""}${r.stderr ?? ""}`,
    messages,
  };
}
