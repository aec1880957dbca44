// A throwaway taipan world for CLI tests: its own HOME, root prefix, package cache and .condarc,
// and a real channel (the packed examples/recipes plus a few of conda's real test packages) served
// over HTTP from 127.0.0.1. The CLI runs as a subprocess: compiled (dist) when the tests run
// compiled, from source through tsx when they run from source.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DirServer } from "../support/dir-server.js";
import { CLI_MAIN, REPO_ROOT, sharedData } from "../support/paths.js";

const FROM_SOURCE = fileURLToPath(import.meta.url).endsWith(".ts");
const MAIN = FROM_SOURCE ? join(REPO_ROOT, "src", "cli", "main.ts") : CLI_MAIN;

/** conda's own small noarch test packages used besides the examples. */
const REAL_PACKAGES = ["dependency-1.0-0.conda", "dependent-1.0-0.conda", "small-executable-1.0-0.conda"];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliWorld {
  home: string;
  root: string;
  pkgs: string;
  channelDir: string;
  url: string;
  server: DirServer;
  env: NodeJS.ProcessEnv;
  taipan(args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<RunResult>;
  /** Runs and asserts exit status 0 (both streams in the failure message); returns stdout. */
  ok(args: string[]): Promise<string>;
  close(): Promise<void>;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<RunResult> {
  const argv = [...(FROM_SOURCE ? ["--import", "tsx"] : []), MAIN, ...args];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { env, cwd, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
    });
  });
}

export async function createCliWorld(tag: string): Promise<CliWorld> {
  const home = mkdtempSync(join(tmpdir(), `taipan-${tag}-`));
  const root = join(home, "root");
  const pkgs = join(home, "pkgs");
  const channelDir = join(home, "channel");
  mkdirSync(join(channelDir, "noarch"), { recursive: true });
  mkdirSync(root, { recursive: true });
  // Nothing from the user's shell (active env, .condarc, caches) may leak into the test.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(CONDA|TAIPAN|MAMBA)_|^CONDARC$/.test(k)) env[k] = v;
  Object.assign(env, {
    HOME: home,
    TAIPAN_ROOT_PREFIX: root,
    CONDA_PKGS_DIRS: pkgs,
    CONDARC: join(home, "condarc"),
    NO_COLOR: "1",
  });

  const recipes = join(REPO_ROOT, "examples", "recipes");
  for (const name of readdirSync(recipes).sort()) {
    const dir = join(recipes, name);
    const r = await runCli(
      [
        "pack",
        join(dir, "files"),
        "--recipe",
        join(dir, "recipe.yaml"),
        "--output-dir",
        join(channelDir, "noarch"),
        "-q",
      ],
      env,
    );
    if (r.code !== 0) throw new Error(`pack ${name} failed: ${r.stderr}`);
  }
  for (const fn of REAL_PACKAGES)
    copyFileSync(sharedData("packages", "conda-test-recipes", "noarch", fn), join(channelDir, "noarch", fn));
  const indexed = await runCli(["index", channelDir], env);
  if (indexed.code !== 0) throw new Error(`index failed: ${indexed.stderr}`);

  const server = await new DirServer(channelDir).start();
  const url = server.url.replace(/\/+$/, "");
  writeFileSync(join(home, "condarc"), `channels:\n  - ${url}\n`);
  return {
    home,
    root,
    pkgs,
    channelDir,
    url,
    server,
    env,
    taipan: (args, extraEnv) => runCli(args, { ...env, ...extraEnv }),
    ok: async (args) => {
      const r = await runCli(args, env);
      assert.equal(r.code, 0, `taipan ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
    close: async () => {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
