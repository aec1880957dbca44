import type { Command } from "commander";
import { readEnvironmentFile } from "../../env/environment-file.js";
import { compareEnvironment } from "../../ops/compare-environment.js";
import {
  addOutputOptions,
  addPrefixOptions,
  commandContext,
  type GlobalOpts,
  targetPrefix,
} from "../common-options.js";
import { printJson } from "../output.js";

/**
 * `taipan compare [-n NAME | -p PATH] environment.yml`, as `conda compare`: prints which specs of
 * the file the environment does not satisfy (or conda's success sentence), exit status 1 when any.
 */
export function register(program: Command): void {
  const cmd = program
    .command("compare")
    .description("Compare an environment's packages with the specs of an environment.yml")
    .argument("<file>", "the environment.yml to compare against");
  addPrefixOptions(cmd);
  addOutputOptions(cmd);
  cmd.action((file: string, opts: GlobalOpts) => {
    const ctx = commandContext(opts);
    const env = readEnvironmentFile(file);
    // conda: without -n/-p, the file's own name picks the environment
    const prefix = targetPrefix(
      opts.name || opts.prefix || !env.name ? opts : { ...opts, name: env.name },
      ctx.config,
    );
    const result = compareEnvironment(prefix, env);
    if (ctx.mode.json) printJson(result.lines);
    else process.stdout.write(`${result.lines.join("\n")}\n`);
    if (!result.ok) process.exitCode = 1;
  });
}
