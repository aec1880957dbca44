import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Script } from "node:vm";
import { writeFileAtomicSync } from "../fs/write-atomic.js";

/*
 * Runs the bundled CLI (one CommonJS file made by scripts/bundle-cli.mjs) through a V8 code cache.
 *
 * Why: a fresh `taipan` process spent more time compiling JavaScript than doing work. Loading the
 * unbundled ESM graph took ~175 ms before `main` ran; bundled, ~90 ms; and on a small solve about
 * half of the solve step was lazy compilation of the solver's functions. V8 can serialise the
 * bytecode of every function a run compiled (`Script#createCachedData` *after* the run, so lazily
 * compiled functions are included) and accept it on the next start. Node 22 has
 * `module.enableCompileCache()`, but it caches at compile time, before lazy functions exist, and
 * Node 20 (our minimum) has none.
 *
 * One cache file per command (the functions `create` compiles are not the ones `list` compiles),
 * named by a key over the bundle's identity and everything V8 checks (its version and flags), so a
 * rebuilt bundle or another Node never reads a stale cache. V8 itself rejects a mismatched cache
 * (`cachedDataRejected`); the file is then rewritten. Writes go to a temporary file renamed into
 * place, so parallel runs (CI jobs sharing a home) never see a torn file. Any failure to read or
 * write the cache is ignored: it only costs speed.
 */

/** The first line of the bundle: `// taipan-bundle <sha256 of the rest>`, written by the build. */
const HEADER = /^\/\/ taipan-bundle ([0-9a-f]{64})\n/;

export interface CodeCacheRun {
  /** Where the cache file is (or would be) kept; undefined when caching is off. */
  cacheFile: string | undefined;
  /** A cache was read and V8 accepted it. */
  accepted: boolean;
}

/** `$TAIPAN_CODE_CACHE_DIR`, else `$XDG_CACHE_HOME/taipan/code-cache`, else `~/.cache/taipan/code-cache`. */
export function defaultCodeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TAIPAN_CODE_CACHE_DIR) return env.TAIPAN_CODE_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "taipan", "code-cache");
}

/** The cache variant of a command line: the command's name, so each command keeps its own functions. */
export function codeCacheVariant(argv: readonly string[]): string {
  const first = argv.find((a) => !a.startsWith("-"));
  return first && /^[a-z][a-z-]{0,19}$/.test(first) ? first : "default";
}

/**
 * Evaluates the CommonJS `bundleFile` as a module (its own `require`, `module`, `__filename`) with
 * a code cache for `variant` in `cacheDir` (no cache when `cacheDir` is undefined). The cache is
 * written when the process exits, if none was accepted.
 */
export function runBundleWithCodeCache(
  bundleFile: string,
  cacheDir: string | undefined,
  variant: string,
): CodeCacheRun {
  // The build writes pure ASCII (scripts/bundle-cli.mjs), so latin1 reads it exactly and faster
  // than UTF-8 decoding; anything without the build's header is read as UTF-8.
  let source = readFileSync(bundleFile, "latin1");
  const header = HEADER.exec(source);
  if (!header) source = readFileSync(bundleFile, "utf8");
  let cacheFile: string | undefined;
  let cached: Buffer | undefined;
  if (cacheDir && header) {
    const st = statSync(bundleFile);
    const key = createHash("sha256")
      .update(
        [
          header[1],
          st.size,
          st.mtimeMs,
          process.version,
          process.arch,
          process.execArgv.join(" "),
          variant,
        ].join("\0"),
      )
      .digest("hex")
      .slice(0, 32);
    cacheFile = join(cacheDir, `${variant}-${key}.bin`);
    cached = readOwnCache(cacheFile);
  }
  // CommonJS's module wrapper, as `require` would add it (the bundle expects these five names)
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const script = new Script(wrapped, { filename: bundleFile, cachedData: cached });
  const accepted = cached !== undefined && !script.cachedDataRejected;
  if (cacheFile && !accepted) {
    const target = cacheFile;
    process.once("exit", () => writeCache(target, script, variant));
  }
  const fn = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  const mod = { exports: {} as unknown };
  fn.call(mod.exports, mod.exports, createRequire(bundleFile), mod, bundleFile, dirname(bundleFile));
  return { cacheFile, accepted };
}

/**
 * The cache file's bytes, if it exists and belongs to this user. A code cache is compiled code: one
 * planted by another user (in a shared cache directory) must not run as ours, so a file owned by
 * anyone else, or writable by group or others, is ignored (and replaced by our own on exit).
 */
function readOwnCache(file: string): Buffer | undefined {
  try {
    const st = statSync(file);
    const uid = process.getuid?.();
    if (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0)) return undefined;
    return readFileSync(file);
  } catch {
    return undefined; // first run of this command with this bundle
  }
}

/** Caches of other builds (or Node versions) for the same command are removed after this long. */
const STALE_MS = 24 * 3600 * 1000;

function writeCache(file: string, script: Script, variant: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(file, script.createCachedData(), { mode: 0o600 });
    pruneStale(dirname(file), file, variant);
  } catch {
    // a read-only or full cache directory only costs start-up time
  }
}

/**
 * Every upgrade or rebuild leaves a cache file per command behind (~1 MB each): when a new one is
 * written, the same command's files of other keys and abandoned temporaries are removed once they
 * are a day old (not at once, so two Node versions in use side by side do not evict each other).
 */
function pruneStale(dir: string, keep: string, variant: string): void {
  const now = Date.now();
  const sameCommand = new RegExp(`^${variant}-[0-9a-f]{32}\\.bin$`);
  for (const name of readdirSync(dir)) {
    const isOld = name.endsWith(".tmp") || sameCommand.test(name);
    const path = join(dir, name);
    if (!isOld || path === keep) continue;
    try {
      if (now - statSync(path).mtimeMs > STALE_MS) unlinkSync(path);
    } catch {
      // another process removed or replaced it
    }
  }
}
