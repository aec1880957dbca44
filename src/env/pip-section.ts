import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TaipanError } from "../conda/errors.js";
import { activatedEnvironment, type RunOptions } from "./run-in-environment.js";

/** The environment has no python or no pip, so a `pip:` section cannot be installed. */
export class PipNotAvailableError extends TaipanError {
  constructor(prefix: string, missing: "python" | "pip") {
    super(
      "PIP_NOT_AVAILABLE",
      `the environment ${prefix} has no ${missing}, so its 'pip:' dependencies cannot be installed`,
      {
        hint: "Add 'pip' (and 'python') to the dependencies of the environment file, before the 'pip:' section.",
        exceptionName: "CondaEnvException",
      },
    );
  }
}

export class PipInstallError extends TaipanError {
  constructor(prefix: string, code: number) {
    super(
      "PIP_FAILED",
      `pip exited with status ${code} while installing the 'pip:' dependencies into ${prefix}`,
      {
        hint: "pip's messages above say which requirement failed; fix it in the environment file and run 'taipan env update -f FILE'.",
        exceptionName: "CondaEnvException",
      },
    );
  }
}

export function prefixPython(prefix: string, windows = process.platform === "win32"): string {
  return windows ? join(prefix, "python.exe") : join(prefix, "bin", "python");
}

function hasPip(prefix: string, windows: boolean): boolean {
  if (existsSync(windows ? join(prefix, "Scripts", "pip.exe") : join(prefix, "bin", "pip"))) return true;
  const meta = join(prefix, "conda-meta");
  return existsSync(meta) && readdirSync(meta).some((f) => /^pip-[^-]+-[^-]+\.json$/.test(f));
}

/**
 * Installs an environment file's `pip:` requirements with the environment's own pip, as conda's pip
 * installer does: the requirements go to a `condaenv.*.requirements.txt` beside the environment file
 * (so `-e .` and `-r other.txt` resolve from there) and `python -m pip install -U -r FILE
 * --exists-action=b` runs in that directory with the environment activated.
 */
export async function installPipRequirements(
  prefix: string,
  requirements: readonly string[],
  options: RunOptions & { workdir: string },
): Promise<void> {
  if (requirements.length === 0) return;
  const windows = process.platform === "win32";
  const python = prefixPython(prefix, windows);
  if (!existsSync(python)) throw new PipNotAvailableError(prefix, "python");
  if (!hasPip(prefix, windows)) throw new PipNotAvailableError(prefix, "pip");
  let dir: string;
  try {
    dir = mkdtempSync(join(options.workdir, "condaenv."));
  } catch {
    dir = mkdtempSync(join(tmpdir(), "condaenv."));
  }
  const file = join(dir, "requirements.txt");
  try {
    writeFileSync(file, `${requirements.join("\n")}\n`);
    const env = activatedEnvironment(prefix, options);
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(python, ["-m", "pip", "install", "-U", "-r", file, "--exists-action=b"], {
        cwd: options.workdir,
        env: env as NodeJS.ProcessEnv,
        stdio: options.stdio ?? "inherit",
      });
      child.on("error", reject);
      child.on("close", (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new PipInstallError(prefix, code);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
