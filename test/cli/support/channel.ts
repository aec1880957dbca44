// Builds conda channels for the end-to-end tests the way a user would: `taipan pack` for the
// example recipes (and small extra recipes written here), real archives copied from
// ../shared/data (read-only, so copied first), then `taipan index`.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { REPO_ROOT, sharedData } from "../../support/paths.js";
import type { Sandbox } from "./cli-sandbox.js";

export const EXAMPLE_RECIPES = join(REPO_ROOT, "examples", "recipes");

/** `taipan pack DIR/files -r DIR/recipe.yaml -o OUT` (quiet); returns the archive path. */
export async function packRecipe(sb: Sandbox, recipeDir: string, outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const r = await sb.ok([
    "pack",
    join(recipeDir, "files"),
    "-r",
    join(recipeDir, "recipe.yaml"),
    "-o",
    outDir,
    "-q",
  ]);
  return r.stdout.trim();
}

/** Writes a small recipe directory (recipe.yaml + files/) and returns its path. */
export function writeRecipe(dir: string, recipe: string, files: Record<string, string>): string {
  mkdirSync(join(dir, "files"), { recursive: true });
  writeFileSync(join(dir, "recipe.yaml"), recipe);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, "files", path, ".."), { recursive: true });
    writeFileSync(join(dir, "files", path), text);
  }
  return dir;
}

/** libgreet 1.2, built from the 1.1 example with the version bumped (the "new upstream release"). */
export function writeLibgreet12(dir: string): string {
  const src = join(EXAMPLE_RECIPES, "libgreet-1.1");
  const recipe = readFileSync(join(src, "recipe.yaml"), "utf8").replace('version: "1.1"', 'version: "1.2"');
  const text = readFileSync(join(src, "files", "share", "libgreet", "greeting.txt"), "utf8").replace(
    "1.1",
    "1.2",
  );
  return writeRecipe(dir, recipe, { "share/libgreet/greeting.txt": text });
}

/**
 * A stand-in for Anaconda's libgcc-ng, which the real zlib 1.2.11 linux-64 build depends on
 * (`libgcc-ng >=7.3.0`); the shared data has no libgcc-ng archive.
 */
export function writeLibgccStub(dir: string): string {
  return writeRecipe(
    dir,
    'name: libgcc-ng\nversion: "7.3.0"\nbuild_number: 0\nsubdir: linux-64\nlicense: GPL\n',
    {
      "share/libgcc-ng-stub/README": "stand-in for libgcc-ng in taipan's end-to-end tests\n",
    },
  );
}

/** Copies real archives from ../shared/data/packages (read-only) into a channel subdir. */
export function copySharedPackages(subdirDir: string, ...paths: string[][]): void {
  mkdirSync(subdirDir, { recursive: true });
  for (const p of paths)
    copyFileSync(sharedData("packages", ...p), join(subdirDir, basename(p[p.length - 1]!)));
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Every directory and file under `dir` → sha256 (of the target, for symlinks), for "unchanged" checks. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) {
        // directories count too: a half-done install leaves empty ones behind
        out[`${relative(dir, p)}/`] = "(dir)";
        walk(p);
      } else out[relative(dir, p)] = st ? sha256File(p) : "(dangling)";
    }
  };
  walk(dir);
  return out;
}
