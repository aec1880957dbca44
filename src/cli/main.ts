#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { VERSION } from "../taipan-version.js";
import { commandsFor, type Register } from "./commands/registry.js";
import { EXIT_USAGE, reportError, UsageError } from "./errors.js";

function buildProgram(commands: Register[], json: boolean): Command {
  const program = new Command("taipan");
  // With --json, a usage error is reported once, as a JSON object on stdout (see main).
  if (json) program.configureOutput({ writeErr: () => {} });
  program
    .description("A conda-compatible package and environment manager")
    .version(`taipan ${VERSION}`, "-V, --version", "print the taipan version")
    .showHelpAfterError("(run with --help for usage)")
    .enablePositionalOptions()
    .exitOverride();
  for (const register of commands) register(program);
  // Every subcommand throws instead of exiting, so usage errors get conda's exit status 2.
  for (const cmd of program.commands) {
    cmd.exitOverride();
    if (json) cmd.configureOutput({ writeErr: () => {} });
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  // `taipan --version` is what scripts probe first; answer it without loading every command module.
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    process.stdout.write(`taipan ${VERSION}\n`);
    return 0;
  }
  const json = argv.includes("--json");
  const program = buildProgram(await commandsFor(argv), json);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help"
      )
        return 0;
      if (json) return reportError(new UsageError(err.message.replace(/^error: /, "")), true);
      return EXIT_USAGE;
    }
    return reportError(err, json);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = reportError(err, false);
  },
);
