import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { codeCacheVariant } from "../../src/cli/code-cache.js";
import { CLI_MAIN, REPO_ROOT } from "../support/paths.js";

const work = mkdtempSync(join(tmpdir(), "taipan-code-cache-"));
after(() => rmSync(work, { recursive: true, force: true }));

// The loader module as this test run sees it: compiled JS under dist/, or the .ts source via tsx.
const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith(".ts");
const loaderModule = pathToFileURL(
  join(here, "..", "..", "..", "src", "cli", fromSource ? "code-cache.ts" : "code-cache.js"),
).href;
const nodeArgs = fromSource
  ? ["--import", pathToFileURL(join(REPO_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href]
  : [];

/** Writes a CommonJS "bundle" with the header the build writes (hash of the rest). */
function writeBundle(file: string, body: string, header = true): void {
  const hash = createHash("sha256").update(body).digest("hex");
  writeFileSync(file, header ? `// taipan-bundle ${hash}\n${body}` : body);
}

/** Runs the bundle through runBundleWithCodeCache in a fresh process; returns its report and output. */
function run(
  bundle: string,
  cacheDir: string | undefined,
  variant = "create",
): { accepted: boolean; cacheFile?: string; out: string } {
  const script = `import { runBundleWithCodeCache } from ${JSON.stringify(loaderModule)};
const r = runBundleWithCodeCache(${JSON.stringify(bundle)}, ${JSON.stringify(cacheDir)}, ${JSON.stringify(variant)});
console.log("REPORT " + JSON.stringify(r));`;
  const out = execFileSync(process.execPath, [...nodeArgs, "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  const line = out.split("\n").find((l) => l.startsWith("REPORT "));
  assert.ok(line, out);
  return {
    ...JSON.parse(line.slice(7)),
    out: out
      .split("\n")
      .filter((l) => !l.startsWith("REPORT "))
      .join("\n"),
  };
}

// A bundle that uses what the CommonJS wrapper provides and runs a lazily compiled function.
const BODY = `"use strict";
const path = require("node:path");
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
module.exports.answer = fib(20);
console.log(path.basename(__filename), path.basename(__dirname), fib(20), typeof this, (function () { return this; })() === undefined);
`;

test("a first run writes the cache at exit, the next run's V8 accepts it, and the output is the same", () => {
  const dir = mkdtempSync(join(work, "a-"));
  const bundle = join(dir, "taipan.cjs");
  writeBundle(bundle, BODY);
  const cache = join(dir, "cache");
  const first = run(bundle, cache);
  assert.equal(first.accepted, false);
  assert.ok(first.cacheFile?.startsWith(join(cache, "create-")), first.cacheFile);
  assert.ok(existsSync(first.cacheFile!), "cache written when the process exited");
  // strict mode kept ("use strict" is the first statement inside the wrapper)
  assert.equal(first.out.trim(), `taipan.cjs ${dir.split("/").pop()} 6765 object true`);
  const second = run(bundle, cache);
  assert.equal(second.accepted, true);
  assert.equal(second.cacheFile, first.cacheFile);
  assert.equal(second.out, first.out);
  // no temporary files left behind
  assert.deepEqual(
    readdirSync(cache).filter((f) => f.endsWith(".tmp")),
    [],
  );
});

test("a cache file others could have written is never used, and is replaced by a private one", {
  skip: process.platform === "win32" ? "POSIX permissions" : false,
}, () => {
  const dir = mkdtempSync(join(work, "s-"));
  const bundle = join(dir, "taipan.cjs");
  const cache = join(dir, "cache");
  writeBundle(bundle, BODY);
  const first = run(bundle, cache);
  assert.equal(statSync(first.cacheFile!).mode & 0o777, 0o600);
  assert.equal(statSync(cache).mode & 0o777, 0o700);
  chmodSync(first.cacheFile!, 0o666);
  const shared = run(bundle, cache);
  assert.equal(shared.accepted, false, "a world-writable cache is ignored");
  assert.equal(statSync(first.cacheFile!).mode & 0o777, 0o600, "rewritten privately");
  assert.equal(run(bundle, cache).accepted, true);
  if (process.getuid?.() === 0) {
    chownSync(first.cacheFile!, 4242, 4242);
    assert.equal(run(bundle, cache).accepted, false, "a cache owned by another user is ignored");
  }
});

test("each command keeps its own cache file", () => {
  const dir = mkdtempSync(join(work, "b-"));
  const bundle = join(dir, "taipan.cjs");
  writeBundle(bundle, BODY);
  const cache = join(dir, "cache");
  run(bundle, cache, "create");
  run(bundle, cache, "list");
  assert.deepEqual(
    readdirSync(cache)
      .map((f) => f.split("-")[0])
      .sort(),
    ["create", "list"],
  );
});

test("writing a command's cache removes that command's day-old caches of other builds, nothing else", () => {
  const dir = mkdtempSync(join(work, "p-"));
  const bundle = join(dir, "taipan.cjs");
  const cache = join(dir, "cache");
  mkdirSync(cache);
  const old = Date.now() / 1000 - 2 * 24 * 3600;
  const file = (name: string, age?: number) => {
    writeFileSync(join(cache, name), "x");
    if (age !== undefined) utimesSync(join(cache, name), age, age);
    return name;
  };
  const staleSame = file(`create-${"a".repeat(32)}.bin`, old);
  const recentSame = file(`create-${"b".repeat(32)}.bin`);
  const staleOther = file(`list-${"c".repeat(32)}.bin`, old);
  const staleTmp = file(`create-${"d".repeat(32)}.bin.123.tmp`, old);
  const unrelated = file("notes.txt", old);
  writeBundle(bundle, BODY);
  const r = run(bundle, cache, "create");
  const left = readdirSync(cache);
  assert.ok(left.includes(r.cacheFile!.split("/").pop()!));
  assert.ok(!left.includes(staleSame), "old cache of another build removed");
  assert.ok(!left.includes(staleTmp), "abandoned temporary removed");
  for (const kept of [recentSame, staleOther, unrelated]) assert.ok(left.includes(kept), `${kept} kept`);
});

test("a rebuilt bundle never reads the old bundle's cache", () => {
  const dir = mkdtempSync(join(work, "c-"));
  const bundle = join(dir, "taipan.cjs");
  const cache = join(dir, "cache");
  writeBundle(bundle, BODY);
  const old = run(bundle, cache);
  writeBundle(bundle, BODY.replace("fib(20)", "fib(21)").replace("fib(20)", "fib(21)"));
  const rebuilt = run(bundle, cache);
  assert.notEqual(rebuilt.cacheFile, old.cacheFile);
  assert.equal(rebuilt.accepted, false);
  assert.match(rebuilt.out, / 10946 /);
});

test("a corrupt cache file is rejected by V8, the run is unaffected, and the file is rewritten", () => {
  const dir = mkdtempSync(join(work, "d-"));
  const bundle = join(dir, "taipan.cjs");
  const cache = join(dir, "cache");
  writeBundle(bundle, BODY);
  const first = run(bundle, cache);
  const good = readFileSync(first.cacheFile!);
  writeFileSync(first.cacheFile!, Buffer.alloc(good.length, 0x5a));
  const corrupt = run(bundle, cache);
  assert.equal(corrupt.accepted, false);
  assert.equal(corrupt.out, first.out);
  assert.equal(run(bundle, cache).accepted, true, "rewritten after the rejected read");
});

test("an unusable cache directory or a bundle without the build header only turns caching off", () => {
  const dir = mkdtempSync(join(work, "e-"));
  const bundle = join(dir, "taipan.cjs");
  writeBundle(bundle, BODY);
  const blocked = join(dir, "blocked");
  writeFileSync(blocked, "a file where the cache directory should be");
  const r = run(bundle, join(blocked, "cache"));
  assert.equal(r.accepted, false);
  assert.match(r.out, / 6765 /);
  const plain = join(dir, "plain.cjs");
  // not ASCII: without the build's header the file is read as UTF-8
  writeBundle(plain, `${BODY}console.log("na\u00efve caf\u00e9");\n`, false);
  const p = run(plain, join(dir, "cache2"));
  assert.equal(p.cacheFile, undefined);
  assert.match(p.out, / 6765 /);
  assert.match(p.out, /na\u00efve caf\u00e9/);
  assert.equal(existsSync(join(dir, "cache2")), false);
});

test("the cache variant is the command name, and anything else shares one file", () => {
  assert.equal(codeCacheVariant(["create", "-n", "x", "numpy"]), "create");
  assert.equal(codeCacheVariant(["--json", "list"]), "list");
  assert.equal(codeCacheVariant(["--version"]), "default");
  assert.equal(codeCacheVariant(["../weird/path"]), "default");
});

test("the installed entry runs the bundled CLI through the cache, and without the bundle too", {
  skip: process.env.TAIPAN_CLI_MAIN ? "TAIPAN_CLI_MAIN points at another build" : false,
}, () => {
  // the build leaves the bundle pure ASCII (the loader reads it as latin1)
  const bundleBytes = readFileSync(join(REPO_ROOT, "dist", "taipan.cjs"));
  assert.equal(
    bundleBytes.findIndex((b) => b >= 0x80),
    -1,
    "dist/taipan.cjs is ASCII",
  );
  const cache = mkdtempSync(join(work, "real-"));
  const env = { ...process.env, TAIPAN_CODE_CACHE_DIR: cache };
  const help = () => execFileSync(process.execPath, [CLI_MAIN, "list", "--help"], { encoding: "utf8", env });
  const a = help();
  assert.match(a, /Usage: taipan list/);
  assert.ok(
    readdirSync(cache).some((f) => f.startsWith("list-") && f.endsWith(".bin")),
    "cache written",
  );
  assert.equal(help(), a);
  const unbundled = execFileSync(process.execPath, [CLI_MAIN, "list", "--help"], {
    encoding: "utf8",
    env: { ...env, TAIPAN_NO_BUNDLE: "1" },
  });
  assert.equal(unbundled, a);
});

test("a bundle older than the compiled modules is not run (a bare tsc after a build runs the new code)", {
  skip: fromSource ? "needs the compiled bin.js (runs under npm test)" : false,
}, () => {
  // a miniature install: bin.js and what it imports, with stand-ins for main.js and the bundle
  const dir = mkdtempSync(join(work, "stale-"));
  const dist = join(REPO_ROOT, "dist", "src");
  mkdirSync(join(dir, "src", "cli"), { recursive: true });
  mkdirSync(join(dir, "src", "fs"), { recursive: true });
  for (const f of ["cli/bin.js", "cli/code-cache.js", "fs/write-atomic.js"])
    writeFileSync(join(dir, "src", f), readFileSync(join(dist, f)));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(join(dir, "src", "cli", "main.js"), 'console.log("modules");\n');
  writeBundle(join(dir, "taipan.cjs"), '"use strict";\nconsole.log("bundle");\n');
  const env = { ...process.env, TAIPAN_CODE_CACHE_DIR: join(dir, "cache") };
  const run = () =>
    execFileSync(process.execPath, [join(dir, "src", "cli", "bin.js"), "list"], {
      encoding: "utf8",
      env,
    }).trim();
  const past = Date.now() / 1000 - 3600;
  utimesSync(join(dir, "src", "cli", "main.js"), past, past);
  assert.equal(run(), "bundle");
  utimesSync(join(dir, "src", "cli", "main.js"), past + 7200, past + 7200);
  assert.equal(run(), "modules");
});
