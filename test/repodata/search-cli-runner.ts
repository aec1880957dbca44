// Runs only the `search` command (until the lead wires it into src/cli/main.ts), as the CLI would.
import { Command } from "commander";
import { register } from "../../src/cli/commands/search.js";
import { reportError } from "../../src/cli/errors.js";

const program = new Command("taipan").exitOverride();
register(program);
program.parseAsync(process.argv.slice(2), { from: "user" }).catch((e: unknown) => {
  process.exitCode = reportError(e, process.argv.includes("--json"));
});
