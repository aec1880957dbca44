import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Tests run both from test/ (tsx) and from dist/test/ (compiled), so find the repo root by walking up.
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || existsSync(join(dir, "tsconfig.json")) === false) {
    const up = dirname(dir);
    if (up === dir) throw new Error("repository root not found");
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = findRoot();
/** ../shared/data beside the repository, as CI lays it out. TAIPAN_SHARED_DATA overrides. */
export const SHARED_DATA = process.env.TAIPAN_SHARED_DATA ?? join(REPO_ROOT, "..", "shared", "data");
/** The `taipan` executable as installed: the bin entry that runs the bundled CLI through its code cache. */
export const CLI_MAIN = process.env.TAIPAN_CLI_MAIN ?? join(REPO_ROOT, "dist", "src", "cli", "bin.js");

export function sharedData(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}
