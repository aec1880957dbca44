// Bundles the compiled CLI (dist/src/cli/main.js) into one CommonJS file, dist/taipan.cjs, which
// dist/src/cli/bin.js runs through a V8 code cache (src/cli/code-cache.ts says why). Bundling the
// already-compiled JavaScript keeps the bundle's code identical to what the tests import.
// The first line carries a hash of the rest, which keys the code cache.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

// `node scripts/bundle-cli.mjs [ENTRY OUT]`: bench/solve.ts bundles its solve child the same way.
const root = fileURLToPath(new URL("..", import.meta.url));
const [entry = `${root}dist/src/cli/main.js`, out = `${root}dist/taipan.cjs`] = process.argv.slice(2);
const result = await build({
  entryPoints: [entry],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  write: false,
  outfile: out,
  logLevel: "warning",
  // The native zstd binding loads a .node file relative to its package; it stays a runtime require.
  external: ["@mongodb-js/zstd"],
  // import() of what stays outside the bundle becomes a require(): code run through vm.Script
  // has no dynamic-import loader (Node 20 offers one only as an experimental flag).
  supported: { "dynamic-import": false },
  // ESM code reads import.meta.url (package.json for --version, createRequire); in the CommonJS
  // bundle it is the bundle's own URL, which sits where dist/src/*.js paths resolve the same.
  define: { "import.meta.url": "__taipan_import_meta_url" },
});
// The shebang of main.js is not valid inside the module wrapper the loader adds. The URL constant
// goes after "use strict" (a banner would come first and turn the directive into a plain string).
const text = result.outputFiles[0].text.replace(/^#!.*\n/, "");
const strict = '"use strict";\n';
if (!text.startsWith(strict))
  throw new Error("bundle-cli: expected esbuild's CommonJS output to start with use strict");
const body = `${strict}const __taipan_import_meta_url = require("node:url").pathToFileURL(__filename).href;\n${text.slice(strict.length)}`;
// esbuild escapes non-ASCII in strings, regexes and identifiers but leaves comments as written.
// Escaping what is left (as \uXXXX, exact even inside a literal) makes the file pure ASCII, so the
// loader reads it as latin1: a one-byte string, ~4 ms less per start than decoding 2.6 MB of UTF-8.
const ascii = body.replace(/[^\x00-\x7f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
const hash = createHash("sha256").update(ascii).digest("hex");
writeFileSync(out, `// taipan-bundle ${hash}\n${ascii}`);
console.error(`bundled ${out} (${(Buffer.byteLength(body) / 1e6).toFixed(1)} MB)`);
