import type { Command } from "commander";
import { runInEnvironment } from "../../env/run-in-environment.js";
import { addPrefixOptions, commandContext, type GlobalOpts, targetPrefix } from "../common-options.js";

interface RunOpts extends GlobalOpts {
  cwd?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("run")
    .description("Run a program inside an environment without activating it in the shell")
    .argument("<program>", "the program to run (found on the environment's PATH)")
    .argument("[args...]", "arguments passed to the program")
    .option("--cwd <dir>", "working directory for the program")
    // Everything after the program name belongs to the program, flags included.
    .passThroughOptions()
    .allowUnknownOption();
  addPrefixOptions(cmd);
  cmd.action(async (programName: string, args: string[], opts: RunOpts) => {
    const { config } = commandContext(opts);
    const prefix = targetPrefix(opts, config);
    const code = await runInEnvironment(prefix, programName, args, { config, cwd: opts.cwd });
    process.exitCode = code;
  });
}
