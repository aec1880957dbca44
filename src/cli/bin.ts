#!/usr/bin/env node
// The `taipan` executable. It runs the bundled CLI (dist/taipan.cjs, made by scripts/bundle-cli.mjs
// after tsc) through a V8 code cache, which halves start-up (see code-cache.ts). Without a bundle
// (a source checkout run through tsx, or TAIPAN_NO_BUNDLE=1) it imports the module graph directly.
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { codeCacheVariant, defaultCodeCacheDir, runBundleWithCodeCache } from "./code-cache.js";

const args = process.argv.slice(2);
const bundle = fileURLToPath(new URL("../../taipan.cjs", import.meta.url));

/**
 * The bundle, if it exists and is not older than the compiled modules it was made from: after a
 * bare `tsc` (without scripts/bundle-cli.mjs) the modules are newer and run directly, so a stale
 * bundle never runs old code.
 */
function usableBundle(): boolean {
  if (process.env.TAIPAN_NO_BUNDLE === "1") return false;
  try {
    const b = statSync(bundle).mtimeMs;
    return b >= statSync(fileURLToPath(new URL("./main.js", import.meta.url))).mtimeMs;
  } catch {
    return false;
  }
}

if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // what scripts probe first: answered without reading the 2.6 MB bundle (~10 ms)
  const { VERSION } = await import("../taipan-version.js");
  process.stdout.write(`taipan ${VERSION}\n`);
} else if (usableBundle()) {
  const cacheDir = process.env.TAIPAN_NO_CODE_CACHE === "1" ? undefined : defaultCodeCacheDir();
  runBundleWithCodeCache(bundle, cacheDir, codeCacheVariant(args));
} else {
  await import("./main.js");
}
