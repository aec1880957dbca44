/**
 * Base class of every error taipan raises on purpose. Each kind has a stable `code`, names the
 * offending input and carries a hint the user can act on; the CLI prints message + hint, and with
 * `--json` a conda-compatible error object built from `exceptionName`.
 */
export class TaipanError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** The conda exception class name used in `--json` output. */
  readonly exceptionName: string;

  constructor(code: string, message: string, options: { hint?: string; exceptionName?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.exceptionName = options.exceptionName ?? new.target.name;
  }
}

/** A string that does not follow the conda grammar for what was expected (version, spec, name…). */
export class ParseError extends TaipanError {
  readonly input: string;
  readonly expected: string;

  constructor(input: string, expected: string, reason: string, hint?: string) {
    super("PARSE_ERROR", `invalid ${expected} '${input}': ${reason}`, {
      hint,
      exceptionName: expected === "MatchSpec" ? "InvalidMatchSpec" : "InvalidVersionSpec",
    });
    this.input = input;
    this.expected = expected;
  }
}
