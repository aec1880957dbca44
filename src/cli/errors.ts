import pc from "picocolors";
import { TaipanError } from "../conda/errors.js";
import { fromSystemError } from "./system-errors.js";

/** Exit status conda uses: 1 for errors raised by a command, 2 for command-line usage errors. */
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** An error in how the command line was written (unknown flag, missing argument, conflicting options). */
export class UsageError extends TaipanError {
  constructor(message: string, hint?: string) {
    super("USAGE", message, {
      hint: hint ?? "Run `taipan <command> --help` to see the accepted options.",
      exceptionName: "ArgumentError",
    });
  }
}

/** Renders any thrown value for the user; returns the exit code. Never prints a stack trace unless asked. */
export function reportError(thrown: unknown, json: boolean): number {
  const err = fromSystemError(thrown) ?? thrown;
  const code = err instanceof UsageError ? EXIT_USAGE : EXIT_ERROR;
  if (err instanceof TaipanError) {
    if (json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            success: false,
            exception_name: err.exceptionName,
            exception_type: `<class '${err.exceptionName}'>`,
            error: `${err.exceptionName}: ${err.message}`,
            message: err.message,
            hint: err.hint,
            code: err.code,
            caused_by: err.cause === undefined ? "None" : String(err.cause),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      process.stderr.write(`${pc.red(pc.bold("error"))}: ${err.message}\n`);
      if (err.hint) process.stderr.write(`${pc.cyan("hint")}: ${err.hint}\n`);
    }
    return code;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ success: false, exception_name: e.name, error: `${e.name}: ${e.message}`, message: e.message }, null, 2)}\n`,
    );
  } else {
    process.stderr.write(`${pc.red(pc.bold("unexpected error"))}: ${e.message}\n`);
    process.stderr.write(
      `${pc.cyan("hint")}: this is a bug in taipan; run again with TAIPAN_DEBUG=1 for the stack trace and report it.\n`,
    );
    if (process.env.TAIPAN_DEBUG) process.stderr.write(`${e.stack}\n`);
  }
  return EXIT_ERROR;
}

/** conda's EnvironmentLocationNotFound: `-p PATH` is not an environment. */
export class EnvironmentLocationNotFound extends TaipanError {
  constructor(prefix: string) {
    super("ENV_NOT_FOUND", `not a conda environment: ${prefix}`, {
      hint: "Create it with `taipan create -p PATH SPEC...`, or list environments with `taipan env list`.",
      exceptionName: "EnvironmentLocationNotFound",
    });
  }
}

/** A value the command cannot work with (conda's CondaValueError, exit status 1). */
export class CondaValueError extends TaipanError {
  constructor(message: string, hint: string) {
    super("VALUE", message, { hint, exceptionName: "CondaValueError" });
  }
}
