// Runs the real taipan command line as a subprocess in an isolated sandbox: a temporary HOME,
// root prefix, package cache and config dir, with no CONDA_* / MAMBA_* variables from the caller,
// so no user `.condarc`, environment or cache can leak into (or be changed by) a test.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CLI_MAIN, REPO_ROOT } from "../../support/paths.js";

/**
 * How to start the CLI: the installed entry `dist/src/cli/bin.js` (the bundle, through its code
 * cache) when the tests themselves run compiled (`npm test`), the TypeScript source through tsx when
 * they run from source (`node --import tsx --test test/cli/...`), or the file named by `TAIPAN_CLI_MAIN`.
 */
export function cliCommand(): string[] {
  // CLI_MAIN honours TAIPAN_CLI_MAIN (a copy compiled elsewhere). Only the repository's own
  // dist/ counts as "running compiled".
  if (process.env.TAIPAN_CLI_MAIN || fileURLToPath(import.meta.url).startsWith(join(REPO_ROOT, "dist") + sep))
    return [CLI_MAIN];
  const loader = pathToFileURL(join(REPO_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
  return ["--import", loader, join(REPO_ROOT, "src", "cli", "main.ts")];
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  /** Close our end of the child's stdout at once, as `taipan ... | head -0` would. */
  closeStdout?: boolean;
  /** SIGKILL the child as soon as its stderr matches (e.g. a TAIPAN_FAULT_PAUSED announcement). */
  killWhen?: RegExp;
}

export class Sandbox {
  readonly home: string;
  readonly rootPrefix: string;
  readonly pkgs: string;
  readonly env: Record<string, string>;

  private constructor(readonly dir: string) {
    this.home = join(dir, "home");
    this.rootPrefix = join(dir, "root");
    this.pkgs = join(dir, "pkgs");
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v === undefined || /^(CONDA|MAMBA|TAIPAN|XDG)_/.test(k) || k === "CONDARC") continue;
      env[k] = v;
    }
    Object.assign(env, {
      HOME: this.home,
      USERPROFILE: this.home,
      XDG_CONFIG_HOME: join(this.home, ".config"),
      TAIPAN_ROOT_PREFIX: this.rootPrefix,
      CONDA_PKGS_DIRS: this.pkgs,
      NO_COLOR: "1",
      // One code cache for every sandbox of the run (keyed by bundle and command, written
      // atomically): the suite then also runs the CLI as a user's second start would, and
      // exercises parallel processes sharing the cache.
      TAIPAN_CODE_CACHE_DIR: join(tmpdir(), "taipan-test-code-cache"),
    });
    delete env.FORCE_COLOR;
    this.env = env;
  }

  static async create(label = "e2e"): Promise<Sandbox> {
    const dir = await mkdtemp(join(tmpdir(), `taipan-${label}-`));
    const s = new Sandbox(dir);
    await mkdir(s.home, { recursive: true });
    return s;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /**
   * Runs `taipan ARGS...` asynchronously (the channel server lives in this process, so a
   * synchronous spawn would deadlock it). Never throws for a non-zero exit; the test checks.
   */
  run(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...cliCommand(), ...args], {
        cwd: opts.cwd ?? this.dir,
        env: { ...this.env, ...opts.env } as NodeJS.ProcessEnv,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
      });
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        if (opts.killWhen?.test(stderr)) child.kill("SIGKILL");
      });
      if (opts.closeStdout) child.stdout.destroy();
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
      child.stdin.end(opts.input ?? "");
    });
  }

  /** Runs and fails with both streams shown when the exit status is not 0. */
  async ok(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const r = await this.run(args, opts);
    if (r.code !== 0) {
      throw new Error(
        `taipan ${args.join(" ")} exited ${r.code ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
      );
    }
    return r;
  }

  async cleanup(): Promise<void> {
    if (existsSync(this.dir)) await rm(this.dir, { recursive: true, force: true });
  }
}

/** The messages a one-paragraph CLI error must not contain: a JS stack trace or a bug report request. */
export function looksLikeCrash(stderr: string): boolean {
  return /\n\s+at .+[(:]\d+/.test(stderr) || /unexpected error/.test(stderr);
}
