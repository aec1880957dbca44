import type { Command } from "commander";
import { packPackage } from "../../package/pack/pack.js";
import { readRecipe } from "../../package/pack/recipe.js";
import { addOutputOptions, type GlobalOpts } from "../common-options.js";
import { UsageError } from "../errors.js";
import { info, outputMode, printJson } from "../output.js";

interface PackOpts extends GlobalOpts {
  recipe: string;
  outputDir?: string;
  format?: string[];
  zstdLevel?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("pack")
    .description("Build a .conda (and optionally .tar.bz2) package from a directory and a small recipe")
    .argument("<dir>", "directory holding the package's files, laid out as in the environment prefix")
    .requiredOption(
      "-r, --recipe <file>",
      "recipe (YAML or JSON): name, version, build, depends, license, noarch, ...",
    )
    .option("-o, --output-dir <dir>", "where to write the archives", ".")
    .option(
      "--format <fmt>",
      "archive format: conda or tar.bz2 (repeatable; default conda)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("--zstd-level <n>", "zstd compression level for .conda parts (default 19)");
  addOutputOptions(cmd);
  cmd.action(async (dir: string, opts: PackOpts) => {
    const mode = outputMode(opts);
    const formats = (opts.format ?? ["conda"]).map((f) => {
      if (f !== "conda" && f !== "tar.bz2")
        throw new UsageError(`unknown format '${f}' (use conda or tar.bz2)`);
      return f;
    });
    const recipe = await readRecipe(opts.recipe);
    const zstdLevel = opts.zstdLevel === undefined ? undefined : Number.parseInt(opts.zstdLevel, 10);
    const result = await packPackage({
      sourceDir: dir,
      recipe,
      outDir: opts.outputDir ?? ".",
      formats,
      zstdLevel,
    });
    if (mode.json) {
      printJson(result.archives.map((a) => ({ path: a.path, record: a.record.toJson() })));
      return;
    }
    for (const a of result.archives)
      info(mode, `wrote ${a.path} (${a.record.size} bytes, sha256 ${a.record.sha256})`);
    if (mode.quiet) for (const a of result.archives) process.stdout.write(`${a.path}\n`);
  });
}
