// Starts the bundled solve child the way dist/src/cli/bin.js starts the bundled CLI: through the
// V8 code cache (src/cli/code-cache.ts). bench/solve.ts sets where the bundle and the cache are.
import { runBundleWithCodeCache } from "../src/cli/code-cache.js";

const bundle = process.env.TAIPAN_BENCH_CHILD;
if (!bundle) throw new Error("TAIPAN_BENCH_CHILD (the bundled solve child) is not set");
runBundleWithCodeCache(bundle, process.env.TAIPAN_BENCH_CODE_CACHE, "solve-bench");
